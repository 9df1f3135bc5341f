//! `cargo tinyml`: a thin binary over the `cargo_tinyml` library. It strips cargo's
//! subcommand argument, parses, dispatches, and renders errors with a fix hint.

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    // `cargo tinyml ARGS` runs `cargo-tinyml tinyml ARGS`; running the binary directly
    // works too.
    let mut args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if args.get(1).is_some_and(|a| a == "tinyml") {
        args.remove(1);
    }
    let cli = cargo_tinyml::Cli::parse_from(args);
    match cli.run() {
        Ok(code) => code,
        Err(err) => cargo_tinyml::diagnostics::render(&err),
    }
}
