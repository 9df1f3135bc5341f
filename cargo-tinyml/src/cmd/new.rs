//! `cargo tinyml new`.

/// Arguments of `cargo tinyml new`.
#[derive(Debug, clap::Args)]
pub struct Cmd {}

impl Cmd {
    /// Runs the command.
    pub fn run(self) -> anyhow::Result<std::process::ExitCode> {
        anyhow::bail!("`cargo tinyml new` is not built yet")
    }
}
