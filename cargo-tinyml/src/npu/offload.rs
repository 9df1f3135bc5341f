//! What an `ethos-u` step would embed, read from Vela's output model
//! (`<model>_vela.tflite`): for each `ethos-u` custom operator, the driver payload (`COP1`,
//! its first input), the weights Vela encoded for the NPU (second input, region 0 at run
//! time), and the sizes of the scratch and fast scratch tensors (third and fourth inputs,
//! regions 1 and 2) — Vela's convention for the operator TFLM's Ethos-U kernel runs.
//!
//! The model is read with the compiler's bounds-checked flatbuffer reader. The payload is
//! only checked for its `COP1` mark here; the tests run every payload through the driver's
//! own parser (`tinyml_ethos_u::payload`), so what would be embedded is what the driver accepts.

use anyhow::{bail, Context};
use serde::Serialize;
use tinyml_compiler::tflite::flatbuffer::{self, Table};

/// One `ethos-u` operator of Vela's output model.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct EthosUOp {
    /// Its index in Vela's output model.
    pub operator: usize,
    /// The `COP1` driver payload (little-endian words).
    #[serde(skip)]
    pub payload: Vec<u8>,
    /// The NPU-encoded weights (region 0).
    #[serde(skip)]
    pub weights: Vec<u8>,
    /// Payload length, bytes.
    pub payload_bytes: usize,
    /// Weights length, bytes.
    pub weights_bytes: usize,
    /// Scratch bytes (region 1: Vela's tensor arena for this operator).
    pub scratch_bytes: usize,
    /// Fast scratch bytes (region 2).
    pub fast_scratch_bytes: usize,
}

// TFLite schema slots (tensorflow/lite/schema/schema.fbs), as in the compiler's importer.
const MODEL_OPERATOR_CODES: u16 = 1;
const MODEL_SUBGRAPHS: u16 = 2;
const MODEL_BUFFERS: u16 = 4;
const CODE_CUSTOM: u16 = 1;
const SUBGRAPH_TENSORS: u16 = 0;
const SUBGRAPH_OPERATORS: u16 = 3;
const TENSOR_SHAPE: u16 = 0;
const TENSOR_BUFFER: u16 = 2;
const OP_OPCODE_INDEX: u16 = 0;
const OP_INPUTS: u16 = 1;
const BUFFER_DATA: u16 = 0;
const BUFFER_OFFSET: u16 = 1;
const BUFFER_SIZE: u16 = 2;

fn fb<T>(r: flatbuffer::FbResult<T>, what: &str) -> anyhow::Result<T> {
    r.map_err(|e| anyhow::anyhow!("Vela's output model: {what}: {e}"))
}

/// The `ethos-u` operators of Vela's output model `bytes`, in model order.
pub fn ethos_u_ops(bytes: &[u8]) -> anyhow::Result<Vec<EthosUOp>> {
    let root = fb(flatbuffer::root(bytes), "root table")?;
    let codes = fb(root.vector(MODEL_OPERATOR_CODES, 4), "operator codes")?.context("no operator codes")?;
    let subgraphs = fb(root.vector(MODEL_SUBGRAPHS, 4), "subgraphs")?.context("no subgraph")?;
    let buffers = fb(root.vector(MODEL_BUFFERS, 4), "buffers")?.context("no buffers")?;
    let sg = fb(subgraphs.table(0), "subgraph 0")?;
    let tensors = fb(sg.vector(SUBGRAPH_TENSORS, 4), "tensors")?.context("no tensors")?;
    let ops = fb(sg.vector(SUBGRAPH_OPERATORS, 4), "operators")?.context("no operators")?;
    let tensor = |i: i32| -> anyhow::Result<Table<'_>> {
        if i < 0 || i as usize >= tensors.len() {
            bail!("tensor index {i} out of range");
        }
        fb(tensors.table(i as usize), "tensor")
    };
    let data = |t: &Table<'_>| -> anyhow::Result<Vec<u8>> {
        let index = fb(t.scalar::<u32>(TENSOR_BUFFER, 0), "tensor buffer")? as usize;
        if index >= buffers.len() {
            bail!("buffer index {index} out of range");
        }
        let b = fb(buffers.table(index), "buffer")?;
        let offset = fb(b.scalar::<u64>(BUFFER_OFFSET, 0), "buffer offset")?;
        if offset > 1 {
            let size = fb(b.scalar::<u64>(BUFFER_SIZE, 0), "buffer size")?;
            let range = usize::try_from(offset).ok().zip(usize::try_from(size).ok());
            return range
                .and_then(|(o, s)| bytes.get(o..o.checked_add(s)?))
                .map(<[u8]>::to_vec)
                .context("buffer outside the file");
        }
        Ok(fb(b.vector(BUFFER_DATA, 1), "buffer data")?.map(|v| v.bytes().to_vec()).unwrap_or_default())
    };
    let elements = |t: &Table<'_>| -> anyhow::Result<usize> {
        let shape: Vec<i32> = fb(t.scalars(TENSOR_SHAPE), "tensor shape")?;
        Ok(shape.iter().map(|&d| d.max(0) as usize).product())
    };
    let mut out = Vec::new();
    for k in 0..ops.len() {
        let op = fb(ops.table(k), "operator")?;
        let code_index = fb(op.scalar::<u32>(OP_OPCODE_INDEX, 0), "opcode index")? as usize;
        if code_index >= codes.len() {
            bail!("operator #{k}: opcode index {code_index} out of range");
        }
        let code = fb(codes.table(code_index), "operator code")?;
        if fb(code.string(CODE_CUSTOM), "custom code")? != Some(b"ethos-u".as_slice()) {
            continue;
        }
        let inputs: Vec<i32> = fb(op.scalars(OP_INPUTS), "operator inputs")?;
        if inputs.len() < 4 {
            bail!("ethos-u operator #{k} has {} inputs, Vela gives 4 and more", inputs.len());
        }
        let payload = data(&tensor(inputs[0])?)?;
        if !payload.starts_with(b"COP1") {
            bail!("ethos-u operator #{k}: its first input is not a COP1 driver payload");
        }
        let weights = data(&tensor(inputs[1])?)?;
        out.push(EthosUOp {
            operator: k,
            payload_bytes: payload.len(),
            weights_bytes: weights.len(),
            weights,
            scratch_bytes: elements(&tensor(inputs[2])?)?,
            fast_scratch_bytes: elements(&tensor(inputs[3])?)?,
            payload,
        });
    }
    Ok(out)
}
