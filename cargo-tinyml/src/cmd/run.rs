//! `cargo tinyml run`.

/// Arguments of `cargo tinyml run`.
#[derive(Debug, clap::Args)]
pub struct Cmd {}

impl Cmd {
    /// Runs the command.
    pub fn run(self) -> anyhow::Result<std::process::ExitCode> {
        anyhow::bail!("`cargo tinyml run` is not built yet")
    }
}
