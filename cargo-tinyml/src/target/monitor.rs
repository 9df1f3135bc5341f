//! After `flash`: stream the firmware's RTT output until it exits through semihosting
//! (`tinyml_firmware::exit`, the panic handler's 101), stops at a breakpoint or locks up,
//! or the user presses Ctrl-C: what `probe-rs run` does, through the probe-rs library.
//!
//! The loop ([`monitor`]) sees the board through [`Monitored`], so it is tested with a
//! scripted board (probe-rs' `FakeProbe` discards memory writes, so RTT cannot be
//! exercised through it); [`SessionBoard`] is the real one.

use super::elf::Elf;
use super::probe::ProbeError;
use probe_rs::rtt::Rtt;
use probe_rs::semihosting::SemihostingCommand;
use probe_rs::{BreakpointCause, Core, CoreStatus, HaltReason, Session};
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// Why the core stopped running the firmware.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Stop {
    /// Semihosting exit with this code (0 = success).
    Exit(i32),
    /// Halted for another reason (a breakpoint that is not semihosting, a lockup): what
    /// and where.
    Halted(String),
}

/// What the monitor needs from a running board.
pub trait Monitored {
    /// Reads new RTT output (up channel 0) into `buf`; `Ok(0)` when there is none.
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, ProbeError>;
    /// Whether the firmware stopped, and why; `None` while it runs.
    fn stopped(&mut self) -> Result<Option<Stop>, ProbeError>;
}

/// How the monitoring ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The firmware stopped (its output was read to the end first).
    Stopped(Stop),
    /// The user pressed Ctrl-C; the firmware keeps running.
    Interrupted,
}

/// Copies the board's output to `out` until the firmware stops or `interrupted` is set.
/// Output written before the stop is drained first, so the last lines are never lost.
pub fn monitor(
    board: &mut dyn Monitored,
    out: &mut dyn Write,
    interrupted: &AtomicBool,
    poll: Duration,
) -> Result<Outcome, ProbeError> {
    let mut buf = [0u8; 1024];
    loop {
        if interrupted.load(Ordering::Relaxed) {
            return Ok(Outcome::Interrupted);
        }
        let n = board.read(&mut buf)?;
        if n > 0 {
            write_out(out, &buf[..n])?;
            continue;
        }
        if let Some(stop) = board.stopped()? {
            // The firmware wrote its last bytes before trapping: drain them.
            loop {
                let n = board.read(&mut buf)?;
                if n == 0 {
                    return Ok(Outcome::Stopped(stop));
                }
                write_out(out, &buf[..n])?;
            }
        }
        std::thread::sleep(poll);
    }
}

fn write_out(out: &mut dyn Write, bytes: &[u8]) -> Result<(), ProbeError> {
    // A closed pipe (`| head`) ends the stream like Ctrl-C; other errors are reported.
    out.write_all(bytes)
        .and_then(|()| out.flush())
        .map_err(|e| ProbeError::Core { what: "cannot write the firmware's output", detail: e.to_string() })
}

/// The board behind a probe-rs session: core 0 and its RTT control block.
pub struct SessionBoard<'s> {
    core: Core<'s>,
    rtt: Option<Rtt>,
}

impl<'s> SessionBoard<'s> {
    /// Attaches to the RTT control block at the ELF's `_SEGGER_RTT` symbol, waiting up to
    /// `setup` for the firmware to initialize it. Firmware without RTT is monitored for its
    /// exit only (`has_rtt` is then false).
    pub fn attach(session: &'s mut Session, elf: &Elf, setup: Duration) -> Result<SessionBoard<'s>, ProbeError> {
        let mut core =
            session.core(0).map_err(|e| ProbeError::Core { what: "cannot access core 0", detail: format!("{e:?}") })?;
        let Some(addr) = elf.symbol("_SEGGER_RTT") else { return Ok(SessionBoard { core, rtt: None }) };
        let start = Instant::now();
        let rtt = loop {
            match Rtt::attach_at(&mut core, addr) {
                Ok(rtt) => break rtt,
                // The control block is written by the firmware at startup.
                Err(_) if start.elapsed() < setup => std::thread::sleep(Duration::from_millis(20)),
                Err(e) => {
                    return Err(ProbeError::Core {
                        what: "the firmware did not set up RTT",
                        detail: format!("no control block at {addr:#010x} after {} s: {e:?}", setup.as_secs()),
                    })
                }
            }
        };
        Ok(SessionBoard { core, rtt: Some(rtt) })
    }

    /// Whether output is streamed (the ELF has `_SEGGER_RTT`).
    pub fn has_rtt(&self) -> bool {
        self.rtt.is_some()
    }
}

impl Monitored for SessionBoard<'_> {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, ProbeError> {
        let Some(channel) = self.rtt.as_mut().and_then(|rtt| rtt.up_channel(0)) else { return Ok(0) };
        channel
            .read(&mut self.core, buf)
            .map_err(|e| ProbeError::Core { what: "cannot read RTT", detail: format!("{e:?}") })
    }

    fn stopped(&mut self) -> Result<Option<Stop>, ProbeError> {
        let status = self
            .core
            .status()
            .map_err(|e| ProbeError::Core { what: "cannot read the core status", detail: format!("{e:?}") })?;
        let pc = |core: &mut Core<'_>| {
            let id = core.program_counter().id();
            core.read_core_reg::<u64>(id).map(|pc| format!(" at pc {pc:#010x}")).unwrap_or_default()
        };
        Ok(match status {
            CoreStatus::Halted(HaltReason::Breakpoint(BreakpointCause::Semihosting(command))) => match command {
                SemihostingCommand::ExitSuccess => Some(Stop::Exit(0)),
                SemihostingCommand::ExitError(details) => Some(Stop::Exit(details.exit_status.map_or(1, |c| c as i32))),
                _ => {
                    // A call the firmware does not make on hardware (it prints over RTT):
                    // probe-rs already answered "failed"; let it continue.
                    self.core
                        .run()
                        .map_err(|e| ProbeError::Core { what: "cannot resume the core", detail: format!("{e:?}") })?;
                    None
                }
            },
            CoreStatus::Halted(reason) => {
                let at = pc(&mut self.core);
                Some(Stop::Halted(format!("the core halted ({reason:?}){at}")))
            }
            CoreStatus::LockedUp => Some(Stop::Halted("the core locked up (a fault inside the fault handler)".into())),
            CoreStatus::Running | CoreStatus::Sleeping | CoreStatus::Unknown => None,
        })
    }
}
