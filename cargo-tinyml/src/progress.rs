//! Progress for long steps (the first firmware build, a profile run on hardware,
//! validation over many samples): an indicatif spinner with the step, or a bar where the
//! total is known. Nothing is drawn when stderr is not a terminal or the command writes
//! JSON ([`disable`]), so logs and pipes get plain lines only.

use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal as _;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

static DISABLED: AtomicBool = AtomicBool::new(false);

/// Turns progress off for the rest of the process (`--json`).
pub fn disable() {
    DISABLED.store(true, Ordering::Relaxed);
}

/// Whether progress is drawn: stderr is a terminal and no `--json`.
pub fn enabled() -> bool {
    !DISABLED.load(Ordering::Relaxed) && std::io::stderr().is_terminal()
}

/// A spinner showing `step` and the elapsed time, or `None` when progress is off.
pub fn spinner(step: &str) -> Option<ProgressBar> {
    if !enabled() {
        return None;
    }
    let pb = ProgressBar::new_spinner();
    pb.set_style(ProgressStyle::with_template("{spinner} {msg} [{elapsed}]").expect("valid template"));
    pb.set_message(step.to_owned());
    pb.enable_steady_tick(Duration::from_millis(120));
    Some(pb)
}

/// A bar of `total` items for `step`, or `None` when progress is off.
pub fn bar(step: &str, total: u64) -> Option<ProgressBar> {
    if !enabled() {
        return None;
    }
    let pb = ProgressBar::new(total);
    pb.set_style(
        ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} [{elapsed}]")
            .expect("valid template")
            .progress_chars("=> "),
    );
    pb.set_message(step.to_owned());
    Some(pb)
}
