//! Reading the `.tflite` an NPU compiler writes (Vela's, NXP's `neutron-converter`'s):
//! subgraph 0's operators with their operator codes, through the compiler's
//! bounds-checked flatbuffer reader, every failure an error naming the tool's output.

use crate::error::CompileError;
use crate::tflite::flatbuffer::{self, FbResult, Table, Vector};
use crate::tflite::schema::{model, operator as op, operator_code, subgraph};

/// An NPU compiler's output model, opened.
pub(super) struct OutputModel<'a> {
    /// Whose output it is, for errors (`Vela's output model`).
    what: &'static str,
    /// The file.
    pub bytes: &'a [u8],
    /// Its root table.
    pub root: Table<'a>,
    /// Its operator codes.
    codes: Vector<'a>,
    /// Its buffers.
    pub buffers: Vector<'a>,
    /// Subgraph 0.
    pub subgraph: Table<'a>,
    /// Subgraph 0's operators (empty when it has none).
    ops: Option<Vector<'a>>,
}

impl<'a> OutputModel<'a> {
    /// Opens `bytes`, the output model `what` names.
    pub fn open(bytes: &'a [u8], what: &'static str) -> Result<Self, CompileError> {
        let bad = |m: &str| CompileError::Model(format!("{what}: {m}"));
        if bytes.get(4..8) != Some(b"TFL3".as_slice()) {
            return Err(bad("not a .tflite flatbuffer (no TFL3 identifier)"));
        }
        let root = fb(what, flatbuffer::root(bytes), "root table")?;
        let codes = fb(what, root.vector(model::OPERATOR_CODES, 4), "operator codes")?
            .ok_or_else(|| bad("no operator codes"))?;
        let subgraphs = fb(what, root.vector(model::SUBGRAPHS, 4), "subgraphs")?.ok_or_else(|| bad("no subgraph"))?;
        let buffers = fb(what, root.vector(model::BUFFERS, 4), "buffers")?.ok_or_else(|| bad("no buffers"))?;
        if subgraphs.is_empty() {
            return Err(bad("no subgraph"));
        }
        let subgraph = fb(what, subgraphs.table(0), "subgraph 0")?;
        let ops = fb(what, subgraph.vector(subgraph::OPERATORS, 4), "operators")?;
        Ok(OutputModel { what, bytes, root, codes, buffers, subgraph, ops })
    }

    /// A flatbuffer result, its error naming `part` of this model.
    pub fn fb<T>(&self, r: FbResult<T>, part: &str) -> Result<T, CompileError> {
        fb(self.what, r, part)
    }

    /// An error about this model.
    pub fn bad(&self, m: impl std::fmt::Display) -> CompileError {
        CompileError::Model(format!("{}: {m}", self.what))
    }

    /// Subgraph 0's operator count.
    pub fn operator_count(&self) -> usize {
        self.ops.as_ref().map_or(0, Vector::len)
    }

    /// Operator `k` of subgraph 0 and its operator code.
    pub fn operator(&self, k: usize) -> Result<(Table<'a>, Table<'a>), CompileError> {
        let ops = self.ops.as_ref().ok_or_else(|| self.bad(format!("no operator #{k}")))?;
        let o = self.fb(ops.table(k), "operator")?;
        let index = self.fb(o.scalar::<u32>(op::OPCODE_INDEX, 0), "opcode index")? as usize;
        if index >= self.codes.len() {
            return Err(self.bad(format!("operator #{k}: opcode index {index} out of range")));
        }
        Ok((o, self.fb(self.codes.table(index), "operator code")?))
    }

    /// The custom code of operator code `code`, if it has one.
    pub fn custom_code(&self, code: &Table<'a>) -> Result<Option<&'a [u8]>, CompileError> {
        self.fb(code.string(operator_code::CUSTOM_CODE), "custom code")
    }
}

/// `r`, its error naming `part` of the output model `what`.
fn fb<T>(what: &str, r: FbResult<T>, part: &str) -> Result<T, CompileError> {
    r.map_err(|e| CompileError::Model(format!("{what}: {part}: {e}")))
}
