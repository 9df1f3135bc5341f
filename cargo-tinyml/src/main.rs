//! `cargo tinyml`: a thin binary over the `cargo_tinyml` library. It strips cargo's
//! subcommand argument, parses, dispatches, and renders errors with a fix hint (as JSON
//! with `--json`).

use cargo_tinyml::{diagnostics, interrupt, progress};
use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    quiet_on_broken_pipe();
    // `cargo tinyml ARGS` runs `cargo-tinyml tinyml ARGS`; running the binary directly
    // works too.
    let mut args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if args.get(1).is_some_and(|a| a == "tinyml") {
        args.remove(1);
    }
    let json = args.iter().skip(1).take_while(|a| *a != "--").any(|a| a == "--json");
    if json {
        progress::disable();
    }
    let cli = cargo_tinyml::Cli::parse_from(args);
    let mut result = cli.run();
    if result.as_ref().is_err_and(|e| !diagnostics::is_interrupted(e)) && interrupt::requested() {
        // The failure an interrupted child left behind (a build cargo gave up) is not the
        // outcome: the user stopped the command. (A command that handles Ctrl-C itself
        // returns its own exit code, untouched.)
        result = Err(interrupt::Interrupted { what: String::new() }.into());
    }
    match result {
        Ok(code) => code,
        Err(err) if json => diagnostics::json::render(&err),
        Err(err) => diagnostics::render(&err),
    }
}

/// A reader that closed the pipe (`| head -1`) ends the command quietly: Rust reports
/// EPIPE as an error, and `println!` turns it into a panic (exit 101) unless caught here.
fn quiet_on_broken_pipe() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let payload = info.payload();
        let msg = payload
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| payload.downcast_ref::<&str>().copied())
            .unwrap_or("");
        if msg.contains("Broken pipe") || msg.contains("os error 32") {
            std::process::exit(0);
        }
        default(info)
    }));
}
