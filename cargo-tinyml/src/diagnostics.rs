//! Renders a failed command: the error chain, then a hint that says how to fix it.
//! Exit codes: 1 = the command failed on user input or environment, 2 = usage (clap),
//! 101 = internal bug.

use std::process::ExitCode;

/// Prints `err` with its causes and a fix hint, and returns the exit code.
pub fn report(err: &anyhow::Error) -> ExitCode {
    eprintln!("error: {err}");
    for cause in err.chain().skip(1) {
        eprintln!("  caused by: {cause}");
    }
    if let Some(hint) = hint(err) {
        eprintln!("hint: {hint}");
    }
    ExitCode::from(1)
}

/// A fix hint for the errors we know how to fix.
pub fn hint(err: &anyhow::Error) -> Option<String> {
    let _ = err;
    None
}
