//! Errors of the model compiler. Each names what a user needs to find the problem in
//! their model: the operator (name and index), the tensor, the sizes involved.

use crate::tflite::ImportError;

/// Where in the graph a problem is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpSite {
    /// Operator index in execution order.
    pub index: usize,
    /// Operator name (`CONV_2D`).
    pub op: String,
}

impl std::fmt::Display for OpSite {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "operator #{} ({})", self.index, self.op)
    }
}

/// A model could not be compiled.
#[derive(Debug, thiserror::Error)]
pub enum CompileError {
    /// The file is not a readable TFLite model.
    #[error(transparent)]
    Import(#[from] ImportError),
    /// The operator is not one cargo-tinyml implements.
    #[error("{site} is not supported ({tensors}); supported operators: {supported}")]
    UnsupportedOp {
        /// The operator.
        site: OpSite,
        /// Its input and output tensors: index, name, type and shape of each.
        tensors: String,
        /// Comma-separated list of supported operators.
        supported: String,
    },
    /// The operator is supported but not with these types, shapes or parameters.
    #[error("{site}: {reason}")]
    Unsupported {
        /// The operator.
        site: OpSite,
        /// What exactly is unsupported, naming tensors.
        reason: String,
    },
    /// The model is inconsistent (e.g. a weight tensor that is not constant).
    #[error("{site}: invalid model: {reason}")]
    Invalid {
        /// The operator.
        site: OpSite,
        /// What is wrong, naming tensors.
        reason: String,
    },
    /// Arm's Vela (the Ethos-U compiler) could not be run or failed.
    #[error("Vela: {0}")]
    Vela(String),
    /// A problem not tied to one operator.
    #[error("invalid model: {0}")]
    Model(String),
    /// Writing generated files failed.
    #[error("cannot write {path}: {source}")]
    Io {
        /// The file.
        path: std::path::PathBuf,
        /// The cause.
        source: std::io::Error,
    },
}
