//! `cargo tinyml boards`.

/// Arguments of `cargo tinyml boards`.
#[derive(Debug, clap::Args)]
pub struct Cmd {}

impl Cmd {
    /// Runs the command.
    pub fn run(self) -> anyhow::Result<std::process::ExitCode> {
        anyhow::bail!("`cargo tinyml boards` is not built yet")
    }
}
