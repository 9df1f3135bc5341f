//! Why a C export fails.

/// Why a C export failed.
#[derive(Debug, thiserror::Error)]
pub enum CExportError {
    /// A kernel the model needs has no C port yet (the Rust back end has it).
    #[error(
        "layer #{layer} ({op}) calls `{function}`, which has no C port yet (the Rust back end supports it; C kernel files: {available})"
    )]
    KernelNotPorted {
        /// Step index.
        layer: usize,
        /// Operator name.
        op: &'static str,
        /// The kernel function.
        function: String,
        /// The C kernel files, which name the ported operators.
        available: String,
    },
    /// Something in the model or its lowering has no C form (e.g. several inputs).
    #[error("cannot export to C: {0}")]
    Unsupported(String),
    /// Planning the 16-bit-word arena failed.
    #[error(transparent)]
    Compile(#[from] crate::CompileError),
    /// Running the program on the host (for the embedded test vector) failed.
    #[error("host run for the embedded test vector failed: {0}")]
    Exec(String),
    /// The destination cannot be used.
    #[error("cannot write the export to {}: {reason}", path.display())]
    Destination {
        /// The directory.
        path: std::path::PathBuf,
        /// Why.
        reason: String,
    },
    /// Writing a file failed.
    #[error("cannot write {}: {source}", path.display())]
    Io {
        /// The file or directory.
        path: std::path::PathBuf,
        /// The cause.
        source: std::io::Error,
    },
}

impl From<crate::plan::containers::ContainerPlanError> for CExportError {
    fn from(e: crate::plan::containers::ContainerPlanError) -> Self {
        CExportError::Compile(e.0)
    }
}
