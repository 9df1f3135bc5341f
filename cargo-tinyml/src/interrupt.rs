//! Ctrl-C during a command that runs firmware (`run`, and QEMU runs of `profile`): the
//! SIGINT is noted in [`crate::common::interrupted`]'s flag (the handler `flash` uses
//! too), so the command stops its child (QEMU) and exits 130 with a message instead of
//! whatever status the child left. Commands that never install the handler keep the
//! default (terminate).

use std::sync::atomic::Ordering;

/// Exit code after an interrupt (128 + SIGINT, as shells report it).
pub const EXIT_INTERRUPTED: u8 = crate::common::EXIT_INTERRUPTED;

/// The command was interrupted by the user.
#[derive(Debug, thiserror::Error)]
#[error("interrupted (Ctrl-C){}", if what.is_empty() { String::new() } else { format!(": {what}") })]
pub struct Interrupted {
    /// What was stopped (`QEMU was stopped`).
    pub what: String,
}

/// Notes SIGINT instead of dying from it, for the rest of the process.
pub fn install() {
    let _ = crate::common::interrupted();
}

/// Whether Ctrl-C was pressed since [`install`].
pub fn requested() -> bool {
    crate::common::interrupted().load(Ordering::Relaxed)
}
