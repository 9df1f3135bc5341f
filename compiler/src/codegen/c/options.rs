//! What a C export is asked for ([`COptions`]) and what it produces ([`CExport`]).

use crate::plan::containers::Container;
use crate::plan::PlannerKind;
use crate::program::Program;

/// Options of [`super::generate`].
#[derive(Clone, Debug, Default)]
pub struct COptions {
    /// The model file name, for comments.
    pub source: String,
    /// int8 container width.
    pub container: Container,
    /// The planner of the C arena (the program's tensors re-placed without scratch).
    pub planner: PlannerKind,
    /// Embed `tinyml_test_input` (the deterministic test input of
    /// [`crate::build::test_input_for`]) and `tinyml_test_expected` (the host run's
    /// output for it), so firmware can check itself on the target.
    pub embed_test_vector: bool,
}

/// A generated export: file names (no directories) and contents.
#[derive(Clone, Debug)]
pub struct CExport {
    /// Files to write, `model.h` first.
    pub files: Vec<(String, String)>,
    /// The C kernel functions the model calls, sorted.
    pub functions: Vec<String>,
    /// Arena size in the container's units (bytes, or 16-bit words).
    pub arena_units: usize,
}

impl CExport {
    /// The contents of `name`, if generated.
    pub fn file(&self, name: &str) -> Option<&str> {
        self.files.iter().find(|(n, _)| n == name).map(|(_, t)| t.as_str())
    }
}

/// One input and one output: the `tinyml_invoke(input, output)` API. Other models get
/// `tinyml_invoke_n(inputs, outputs)` with numbered types and sizes.
pub(crate) fn is_single_io(p: &Program) -> bool {
    p.graph.inputs.len() == 1 && p.graph.outputs.len() == 1
}
