//! Ctrl-C during a command that runs firmware (`run`): the first SIGINT is noted, so the
//! command stops its child (QEMU) and exits 130 with a message instead of whatever status
//! the child left; a second SIGINT exits at once. Commands that do not [`install`] the
//! handler keep the default (terminate).

use std::sync::atomic::{AtomicBool, Ordering};

/// Exit code after an interrupt (128 + SIGINT, as shells report it).
pub const EXIT_INTERRUPTED: u8 = 130;

static REQUESTED: AtomicBool = AtomicBool::new(false);

/// The command was interrupted by the user.
#[derive(Debug, thiserror::Error)]
#[error("interrupted (Ctrl-C){}", if what.is_empty() { String::new() } else { format!(": {what}") })]
pub struct Interrupted {
    /// What was stopped (`QEMU was stopped`).
    pub what: String,
}

/// Whether Ctrl-C was pressed since [`install`].
pub fn requested() -> bool {
    REQUESTED.load(Ordering::SeqCst)
}

/// Marks an interrupt (what the signal handler does; for tests).
pub fn request() {
    REQUESTED.store(true, Ordering::SeqCst);
}

#[cfg(unix)]
extern "C" fn on_sigint(_: libc::c_int) {
    // Only async-signal-safe calls here: an atomic swap, and _exit on the second press.
    if REQUESTED.swap(true, Ordering::SeqCst) {
        // SAFETY: _exit is async-signal-safe and ends the process.
        unsafe { libc::_exit(i32::from(EXIT_INTERRUPTED)) }
    }
}

/// Notes SIGINT instead of dying from it, for the rest of the process.
pub fn install() {
    #[cfg(unix)]
    // SAFETY: the handler only touches an atomic and calls _exit (both async-signal-safe);
    // `signal` with a plain function pointer has no other precondition.
    unsafe {
        libc::signal(libc::SIGINT, on_sigint as extern "C" fn(libc::c_int) as libc::sighandler_t);
    }
}
