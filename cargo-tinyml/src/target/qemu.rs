//! Running firmware in QEMU: semihosting carries its output to our stdout and its exit
//! code to QEMU's exit status; `-icount shift=0` makes runs deterministic.

use crate::boards::Emulator;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// QEMU could not run the firmware to its end.
#[derive(Debug, thiserror::Error)]
pub enum QemuError {
    /// The QEMU binary is not installed.
    #[error("`{qemu}` was not found")]
    NotInstalled {
        /// The binary.
        qemu: String,
    },
    /// The firmware did not exit in time (it hung, or waits for input that never comes).
    #[error("the firmware did not exit within {} s; QEMU was stopped", timeout.as_secs_f64())]
    Timeout {
        /// The limit.
        timeout: Duration,
    },
    /// Ctrl-C: QEMU was stopped.
    #[error(transparent)]
    Interrupted(#[from] crate::interrupt::Interrupted),
    /// QEMU died from a signal or failed to start the machine.
    #[error("QEMU failed: {0}")]
    Failed(String),
}

/// What a run printed and how it ended.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// The firmware's exit code (QEMU's exit status).
    pub code: i32,
    /// Everything the firmware printed.
    pub stdout: String,
    /// What QEMU printed on stderr (also echoed with `echo`).
    pub stderr: String,
}

/// The full QEMU command line for `elf`.
pub fn command_line(emu: &Emulator, elf: &Path) -> Vec<String> {
    let mut v = vec![emu.qemu.clone()];
    v.extend(emu.qemu_args());
    v.push("-kernel".into());
    v.push(elf.display().to_string());
    v
}

/// Runs `elf` on the emulated machine. With `echo`, output is streamed to our stdout as it
/// arrives; it is also returned. Stops QEMU after `timeout`.
pub fn run(emu: &Emulator, elf: &Path, timeout: Duration, echo: bool) -> Result<Outcome, QemuError> {
    let line = command_line(emu, elf);
    let mut child = Command::new(&line[0])
        .args(&line[1..])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => QemuError::NotInstalled { qemu: emu.qemu.clone() },
            _ => QemuError::Failed(format!("cannot start {}: {e}", emu.qemu)),
        })?;
    let mut out = child.stdout.take().expect("piped stdout");
    let reader = std::thread::spawn(move || {
        let mut all = Vec::new();
        let mut buf = [0u8; 4096];
        while let Ok(n) = out.read(&mut buf) {
            if n == 0 {
                break;
            }
            if echo {
                let mut stdout = std::io::stdout().lock();
                let _ = stdout.write_all(&buf[..n]);
                let _ = stdout.flush();
            }
            all.extend_from_slice(&buf[..n]);
        }
        all
    });
    let mut err = child.stderr.take().expect("piped stderr");
    let err_reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = err.read_to_string(&mut s);
        s
    });
    let start = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if crate::interrupt::requested() => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(interrupted());
            }
            Ok(None) if start.elapsed() >= timeout => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(QemuError::Timeout { timeout });
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(10)),
            Err(e) => return Err(QemuError::Failed(e.to_string())),
        }
    };
    if crate::interrupt::requested() {
        // Ctrl-C reached QEMU too (same process group): it ended on the signal, with a
        // status that is not the firmware's.
        return Err(interrupted());
    }
    let stdout = String::from_utf8_lossy(&reader.join().unwrap_or_default()).into_owned();
    let stderr = err_reader.join().unwrap_or_default();
    if echo && !stderr.is_empty() {
        eprint!("{stderr}");
    }
    match status.code() {
        Some(code) => Ok(Outcome { code, stdout, stderr }),
        None => Err(QemuError::Failed(format!("{status}; stderr: {}", stderr.trim()))),
    }
}

fn interrupted() -> QemuError {
    QemuError::Interrupted(crate::interrupt::Interrupted { what: "QEMU was stopped".into() })
}

/// Where a QEMU binary is on `PATH`, if anywhere.
pub fn which(binary: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|d| d.join(binary)).find(|p| p.is_file())
}
