//! `cargo tinyml doctor`.

/// Arguments of `cargo tinyml doctor`.
#[derive(Debug, clap::Args)]
pub struct Cmd {}

impl Cmd {
    /// Runs the command.
    pub fn run(self) -> anyhow::Result<std::process::ExitCode> {
        anyhow::bail!("`cargo tinyml doctor` is not built yet")
    }
}
