//! The hardware path, through the probe-rs library: choose a probe, attach to the
//! board's chip, check that an ELF fits the chip's memory map (host check, then a
//! probe-rs dry run), flash it (progress as events) or load it into RAM and start it,
//! enable the DWT cycle counter, and read RTT text through the `_SEGGER_RTT` symbol.
//!
//! Nothing here draws on the terminal; `cmd::flash` and `cmd::profile` do.

use super::elf::{Elf, ElfError, FitError, Region};
use probe_rs::config::{MemoryRegion, Registry};
use probe_rs::flashing::{self, DownloadOptions, FileDownloadError, FlashError, FlashProgress, ProgressEvent};
use probe_rs::probe::list::{Accessibility, Lister};
use probe_rs::probe::{DebugProbeError, DebugProbeInfo, DebugProbeSelector, Probe, ProbeCreationError};
use probe_rs::rtt::Rtt;
use probe_rs::{MemoryInterface, Permissions, Session};
use std::time::{Duration, Instant};

/// Errors of the hardware path. Each says whether the user can fix it and how; probe-rs
/// errors are kept with their `{:?}` form, which carries the detail their Display lacks.
#[derive(Debug, thiserror::Error)]
pub enum ProbeError {
    /// No debug probe is connected.
    #[error("no debug probe found: connect the board's debug USB port (ST-LINK, MCU-Link, J-Link or CMSIS-DAP)")]
    NoProbe,
    /// Several probes and no `--probe`.
    #[error("{} debug probes found; choose one with --probe VID:PID[:SERIAL]:\n{}", .probes.len(), list(.probes))]
    SeveralProbes {
        /// `VID:PID:SERIAL  name` of each.
        probes: Vec<String>,
    },
    /// `--probe` matches nothing.
    #[error("no debug probe matches --probe {selector}; connected:\n{}", if .available.is_empty() { "  (none)".to_owned() } else { list(.available) })]
    NoMatch {
        /// The selector given.
        selector: String,
        /// What is connected.
        available: Vec<String>,
    },
    /// `--probe` is not `VID:PID[:SERIAL]`.
    #[error("--probe {given:?} is not VID:PID[:SERIAL] (hexadecimal VID and PID, e.g. 0483:3754 or 0483:3754:003A00213234): {why}")]
    BadSelector {
        /// The text given.
        given: String,
        /// The parser's reason.
        why: String,
    },
    /// The OS refuses access to the probe's USB device.
    #[error("permission denied opening debug probe {probe}; allow your user to access it with a udev rule:\n{}", udev_rule(*.vid, *.pid))]
    PermissionDenied {
        /// The probe.
        probe: String,
        /// USB vendor id.
        vid: u16,
        /// USB product id.
        pid: u16,
    },
    /// Opening the probe failed for another reason.
    #[error("cannot open debug probe {probe}: {detail}")]
    Open {
        /// The probe.
        probe: String,
        /// probe-rs' error, `{:?}`.
        detail: String,
    },
    /// The board file names a chip probe-rs does not know.
    #[error("probe-rs has no target named {chip:?} (board file `probe_rs_chip`): {detail}")]
    UnknownChip {
        /// The chip.
        chip: String,
        /// probe-rs' error, `{:?}`.
        detail: String,
    },
    /// Attaching failed.
    #[error("cannot attach to {chip}: {detail}")]
    Attach {
        /// The chip.
        chip: String,
        /// probe-rs' error, `{:?}`.
        detail: String,
    },
    /// The probe answers for another chip than the board's.
    #[error(
        "the probe is connected to a {found}, not the board's {expected}: check --board and which board is plugged in (attaching to {expected} failed: {detail})"
    )]
    WrongChip {
        /// The board's chip.
        expected: String,
        /// What probe-rs' auto-detection found.
        found: String,
        /// probe-rs' attach error, `{:?}`.
        detail: String,
    },
    /// The ELF does not fit the chip's memory map.
    #[error(transparent)]
    DoesNotFit(#[from] FitError),
    /// probe-rs refused the image in its dry run.
    #[error("probe-rs refused the image for {chip}: {what}")]
    Refused {
        /// The chip.
        chip: String,
        /// What and where.
        what: String,
    },
    /// Flashing or loading failed.
    #[error("flashing {chip} failed: {detail}")]
    Flash {
        /// The chip.
        chip: String,
        /// probe-rs' error, `{:?}`.
        detail: String,
    },
    /// Reading the firmware's ELF failed.
    #[error(transparent)]
    Elf(#[from] ElfError),
    /// The ELF has no `_SEGGER_RTT` symbol.
    #[error("{path} has no `_SEGGER_RTT` symbol: build the firmware with the `rtt` feature of tinyml-firmware")]
    NoRtt {
        /// The ELF.
        path: String,
    },
    /// Debug access after attaching failed.
    #[error("{what}: {detail}")]
    Core {
        /// What was being done.
        what: &'static str,
        /// probe-rs' error, `{:?}`.
        detail: String,
    },
    /// Nothing matching arrived in time.
    #[error("timed out after {secs} s waiting for the firmware's output over RTT")]
    Timeout {
        /// Seconds waited.
        secs: u64,
    },
}

fn list(items: &[String]) -> String {
    items.iter().map(|p| format!("  {p}")).collect::<Vec<_>>().join("\n")
}

/// The udev rule that gives the logged-in user access to a USB probe, with where to put
/// it and how to load it.
pub fn udev_rule(vid: u16, pid: u16) -> String {
    format!(
        "  echo 'SUBSYSTEM==\"usb\", ATTRS{{idVendor}}==\"{vid:04x}\", ATTRS{{idProduct}}==\"{pid:04x}\", MODE=\"0660\", TAG+=\"uaccess\"' \\\n    | sudo tee /etc/udev/rules.d/69-cargo-tinyml-probe.rules\n  sudo udevadm control --reload && sudo udevadm trigger\n  (then unplug and replug the probe; the complete probe list is probe-rs' 69-probe-rs.rules)"
    )
}

fn core_err(what: &'static str) -> impl FnOnce(probe_rs::Error) -> ProbeError {
    move |e| ProbeError::Core { what, detail: format!("{e:?}") }
}

/// `VID:PID[:SERIAL]` of a probe, the form `--probe` takes.
pub fn probe_id(info: &DebugProbeInfo) -> String {
    match &info.serial_number {
        Some(s) if !s.is_empty() => format!("{:04x}:{:04x}:{s}", info.vendor_id, info.product_id),
        _ => format!("{:04x}:{:04x}", info.vendor_id, info.product_id),
    }
}

fn describe(info: &DebugProbeInfo) -> String {
    format!("{}  {}", probe_id(info), info.identifier)
}

/// Parses `--probe VID:PID[:SERIAL]`.
pub fn parse_selector(s: &str) -> Result<DebugProbeSelector, ProbeError> {
    // The VID:PID part must be two hex numbers; probe-rs' parser also takes `-IF`.
    s.parse::<DebugProbeSelector>().map_err(|e| ProbeError::BadSelector { given: s.to_owned(), why: e.to_string() })
}

/// The probe [`select_probe`] would open, found without opening it: `flash` and `profile`
/// ask before building, so that a missing probe fails at once rather than after the build.
pub fn find_probe(lister: &Lister, selector: Option<&DebugProbeSelector>) -> Result<DebugProbeInfo, ProbeError> {
    let all = lister.list_all_with_access();
    let matching: Vec<_> = all.iter().filter(|p| selector.is_none_or(|s| s.matches_probe(&p.info))).collect();
    let item = match (matching.as_slice(), selector) {
        ([], None) => return Err(ProbeError::NoProbe),
        ([], Some(s)) => {
            return Err(ProbeError::NoMatch {
                selector: s.to_string(),
                available: all.iter().map(|p| describe(&p.info)).collect(),
            })
        }
        ([one], _) => *one,
        (several, _) => {
            return Err(ProbeError::SeveralProbes { probes: several.iter().map(|p| describe(&p.info)).collect() })
        }
    };
    let info = &item.info;
    if item.accessibility == Accessibility::PermissionDenied {
        return Err(ProbeError::PermissionDenied { probe: describe(info), vid: info.vendor_id, pid: info.product_id });
    }
    Ok(info.clone())
}

/// Picks the probe: the one matching `selector`, or the only one connected.
pub fn select_probe(lister: &Lister, selector: Option<&DebugProbeSelector>) -> Result<Probe, ProbeError> {
    let info = find_probe(lister, selector)?;
    let denied = || ProbeError::PermissionDenied { probe: describe(&info), vid: info.vendor_id, pid: info.product_id };
    lister.open(DebugProbeSelector::from(&info)).map_err(|e| match e {
        DebugProbeError::ProbeCouldNotBeCreated(ProbeCreationError::Usb(ref io))
            if io.kind() == std::io::ErrorKind::PermissionDenied =>
        {
            denied()
        }
        e => ProbeError::Open { probe: describe(&info), detail: format!("{e:?}") },
    })
}

/// The chip's memory map from probe-rs' built-in targets (no probe needed).
pub fn chip_regions(chip: &str) -> Result<Vec<Region>, ProbeError> {
    let target = Registry::from_builtin_families()
        .get_target_by_name(chip)
        .map_err(|e| ProbeError::UnknownChip { chip: chip.to_owned(), detail: format!("{e:?}") })?;
    Ok(target
        .memory_map
        .iter()
        .filter_map(|r| match r {
            MemoryRegion::Ram(r) => {
                Some(Region { name: r.name.clone().unwrap_or_else(|| "RAM".into()), range: r.range.clone() })
            }
            MemoryRegion::Nvm(r) => {
                Some(Region { name: r.name.clone().unwrap_or_else(|| "NVM".into()), range: r.range.clone() })
            }
            MemoryRegion::Generic(_) => None,
        })
        .collect())
}

/// Attaches to `chip`. When that fails, tries auto-detection to say which chip answers.
pub fn attach(probe: Probe, chip: &str) -> Result<Session, ProbeError> {
    chip_regions(chip)?;
    probe
        .attach(chip, Permissions::default())
        .map_err(|e| ProbeError::Attach { chip: chip.to_owned(), detail: format!("{e:?}") })
}

/// Attaches to the board's `chip` through a probe from `open`, and says so when another
/// chip answers: when attaching fails, the probe is opened again and `detect` (normally
/// [`detect_chip`]) asks probe-rs which chip is there; a different one gives
/// [`ProbeError::WrongChip`]. When detection cannot tell, the attach error stands.
///
/// A wrong chip is only caught when attaching fails: probe-rs attaches by core type, so a
/// chip with the same core and debug port may accept the attach (then flashing fails).
pub fn attach_checked(
    mut open: impl FnMut() -> Result<Probe, ProbeError>,
    chip: &str,
    detect: impl FnOnce(Probe) -> Option<String>,
) -> Result<Session, ProbeError> {
    let detail = match attach(open()?, chip) {
        Err(ProbeError::Attach { detail, .. }) => detail,
        other => return other,
    };
    let attach_error = || ProbeError::Attach { chip: chip.to_owned(), detail: detail.clone() };
    let Ok(probe) = open() else { return Err(attach_error()) };
    match detect(probe) {
        Some(found) if !same_chip(&found, chip) => {
            Err(ProbeError::WrongChip { expected: chip.to_owned(), found, detail: detail.clone() })
        }
        _ => Err(attach_error()),
    }
}

/// Whether probe-rs target names `a` and `b` are the same chip: equal ignoring case, or one
/// a package/variant of the other (`STM32N657` and `STM32N657X0HxQ`).
pub fn same_chip(a: &str, b: &str) -> bool {
    let (a, b) = (a.to_ascii_uppercase(), b.to_ascii_uppercase());
    a.starts_with(&b) || b.starts_with(&a)
}

/// Lets probe-rs identify the chip behind `probe` (a freshly opened one), for the
/// wrong-chip message. Returns `None` when auto-detection cannot tell (it knows few chips).
pub fn detect_chip(probe: Probe) -> Option<String> {
    let session = probe.attach(probe_rs::config::TargetSelector::Auto, Permissions::default()).ok()?;
    Some(session.target().name.clone())
}

/// Checks `elf` against the chip's memory map on the host: names the section and the
/// bytes over.
pub fn check_fit(elf: &Elf, chip: &str) -> Result<(), ProbeError> {
    Ok(elf.check_fit(chip, &chip_regions(chip)?)?)
}

fn map_flash_error(e: FileDownloadError, elf: &Elf, chip: &str) -> ProbeError {
    match e {
        FileDownloadError::Flash(FlashError::NoSuitableNvm { range, .. }) => {
            let what = match elf.section_at(&range) {
                Some(s) => format!(
                    "section `{}` (load address {:#010x}, {} bytes) is in no flash or RAM region of the chip",
                    s.name, s.load_address, s.size
                ),
                None => format!(
                    "the bytes at {:#010x}..{:#010x} are in no flash or RAM region of the chip",
                    range.start, range.end
                ),
            };
            ProbeError::Refused { chip: chip.to_owned(), what }
        }
        e => ProbeError::Flash { chip: chip.to_owned(), detail: format!("{e:?}") },
    }
}

/// Runs probe-rs' flash planning without writing: fails when the chip cannot take the
/// image (checked on the host first, for a precise message).
pub fn dry_run(session: &mut Session, elf: &Elf, chip: &str) -> Result<(), ProbeError> {
    check_fit(elf, chip)?;
    plan_only(session, elf, chip)
}

/// probe-rs' flash planning alone (`DownloadOptions::dry_run`), without the host check.
pub fn plan_only(session: &mut Session, elf: &Elf, chip: &str) -> Result<(), ProbeError> {
    let mut options = DownloadOptions::default();
    options.dry_run = true;
    flashing::download_file_with_options(session, &elf.path, flashing::ElfLoader(Default::default()), options)
        .map_err(|e| map_flash_error(e, elf, chip))
}

/// Writes the image (flash algorithm for NVM, plain writes for RAM), verifying it, and
/// reports progress as probe-rs events.
pub fn flash(
    session: &mut Session,
    elf: &Elf,
    chip: &str,
    progress: impl FnMut(ProgressEvent),
) -> Result<(), ProbeError> {
    let mut options = DownloadOptions::default();
    options.verify = true;
    options.progress = FlashProgress::new(progress);
    flashing::download_file_with_options(session, &elf.path, flashing::ElfLoader(Default::default()), options)
        .map_err(|e| map_flash_error(e, elf, chip))
}

/// Resets core 0 and lets it run (flash-booted boards).
pub fn reset_and_run(session: &mut Session) -> Result<(), ProbeError> {
    let mut core = session.core(0).map_err(core_err("cannot access core 0"))?;
    core.reset().map_err(core_err("cannot reset the core"))
}

const VTOR: u64 = 0xE000_ED08;

/// Starts a RAM-loaded image (STM32N6 development flow): halts the core, points VTOR at
/// the image's vector table, loads SP and PC from it and runs.
pub fn start_from_ram(session: &mut Session, elf: &Elf) -> Result<(), ProbeError> {
    let table = elf.section(".vector_table").map(|s| s.address).ok_or_else(|| ProbeError::Core {
        what: "cannot start from RAM",
        detail: "the ELF has no .vector_table section".into(),
    })?;
    let mut core = session.core(0).map_err(core_err("cannot access core 0"))?;
    core.halt(Duration::from_millis(500)).map_err(core_err("cannot halt the core"))?;
    let sp = core.read_word_32(table).map_err(core_err("cannot read the vector table"))?;
    let pc = core.read_word_32(table + 4).map_err(core_err("cannot read the vector table"))?;
    core.write_word_32(VTOR, table as u32).map_err(core_err("cannot set VTOR"))?;
    let sp_reg = core.stack_pointer().id();
    let pc_reg = core.program_counter().id();
    core.write_core_reg(sp_reg, sp).map_err(core_err("cannot set SP"))?;
    core.write_core_reg(pc_reg, pc & !1).map_err(core_err("cannot set PC"))?;
    if let Some(psr) = core.registers().psr() {
        core.write_core_reg(psr.id(), 1u32 << 24).map_err(core_err("cannot set xPSR"))?;
        // Thumb state
    }
    core.run().map_err(core_err("cannot start the core"))
}

const DEMCR: u64 = 0xE000_EDFC;
const DWT_CTRL: u64 = 0xE000_1000;
/// DWT cycle counter address.
pub const DWT_CYCCNT: u64 = 0xE000_1004;

/// Enables the DWT cycle counter from the debugger (TRCENA, then CYCCNTENA): probe-rs
/// 0.32 has no helper for it. The firmware's `dwt` timer does the same from the device.
pub fn enable_cycle_counter(session: &mut Session) -> Result<(), ProbeError> {
    let mut core = session.core(0).map_err(core_err("cannot access core 0"))?;
    let demcr = core.read_word_32(DEMCR).map_err(core_err("cannot read DEMCR"))?;
    core.write_word_32(DEMCR, demcr | 1 << 24).map_err(core_err("cannot set DEMCR.TRCENA"))?;
    let ctrl = core.read_word_32(DWT_CTRL).map_err(core_err("cannot read DWT_CTRL"))?;
    core.write_word_32(DWT_CTRL, ctrl | 1).map_err(core_err("cannot set DWT_CTRL.CYCCNTENA"))
}

/// Reads RTT up channel 0 as text until `done` says the text so far is complete, or
/// `timeout` passes. The control block is located by the `_SEGGER_RTT` symbol, not by
/// scanning RAM.
pub fn read_rtt(
    session: &mut Session,
    elf: &Elf,
    timeout: Duration,
    mut done: impl FnMut(&str) -> bool,
) -> Result<String, ProbeError> {
    let addr = elf.symbol("_SEGGER_RTT").ok_or_else(|| ProbeError::NoRtt { path: elf.path.display().to_string() })?;
    let start = Instant::now();
    let mut core = session.core(0).map_err(core_err("cannot access core 0"))?;
    // The firmware initializes the control block at startup: retry until it is there.
    let mut rtt = loop {
        match Rtt::attach_at(&mut core, addr) {
            Ok(rtt) => break rtt,
            Err(_) if start.elapsed() < timeout => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => return Err(ProbeError::Core { what: "cannot attach to RTT", detail: format!("{e:?}") }),
        }
    };
    let mut text = Vec::new();
    let mut buf = [0u8; 1024];
    loop {
        let channel = rtt
            .up_channel(0)
            .ok_or(ProbeError::Core { what: "cannot read RTT", detail: "the firmware has no up channel 0".into() })?;
        let n = channel
            .read(&mut core, &mut buf)
            .map_err(|e| ProbeError::Core { what: "cannot read RTT", detail: format!("{e:?}") })?;
        text.extend_from_slice(&buf[..n]);
        let s = String::from_utf8_lossy(&text);
        if done(&s) {
            return Ok(s.into_owned());
        }
        if start.elapsed() > timeout {
            return Err(ProbeError::Timeout { secs: timeout.as_secs() });
        }
        if n == 0 {
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}

/// Loads `elf` through `session` and starts it, the way its board boots: flash and reset
/// (`ram == false`) or RAM load and start (`ram == true`).
pub fn load_and_start(
    session: &mut Session,
    elf: &Elf,
    chip: &str,
    ram: bool,
    progress: impl FnMut(ProgressEvent),
) -> Result<(), ProbeError> {
    dry_run(session, elf, chip)?;
    flash(session, elf, chip, progress)?;
    if ram {
        start_from_ram(session, elf)
    } else {
        reset_and_run(session)
    }
}
