//! The `ethos-u` operators of Vela's output model (`<model>_vela.tflite`), as TFLM's
//! Ethos-U kernel reads them: input 0 the driver payload (`COP1`: the optimizer's
//! CONFIG/ID words and the command stream), input 1 the weights Vela encoded for the NPU
//! (region 0 at run time), inputs 2 and 3 the scratch and fast scratch tensors (regions 1
//! and 2), then the feature maps the operator reads; its outputs are the feature maps it
//! writes.
//!
//! Vela's command stream addresses those feature maps inside the scratch region, at the
//! offsets Vela wrote in the model's `OfflineMemoryAllocation` metadata (TFLM's offline
//! planner format: version, subgraph count, tensor count, then one offset per tensor,
//! -1 for the tensors TFLM places itself). So what a step needs is the payload, the
//! weights, the region's size and where each feature map sits in it.

use super::output_model::OutputModel;
use crate::error::CompileError;
use crate::tflite::flatbuffer::Table;
use crate::tflite::schema::{buffer, operator as op, subgraph, tensor};

/// A tensor an `ethos-u` operator reads or writes, as Vela's output model names it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FeatureMap {
    /// Its name (Vela keeps the input model's names).
    pub name: String,
    /// Its element count.
    pub elements: usize,
    /// Its offset in the scratch region.
    pub offset: usize,
}

/// One `ethos-u` operator of Vela's output model.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EthosUOp {
    /// Its index in Vela's output model.
    pub operator: usize,
    /// The `COP1` driver payload (little-endian words).
    pub payload: Vec<u8>,
    /// The NPU-encoded weights (region 0).
    pub weights: Vec<u8>,
    /// Bytes of the scratch region (region 1): Vela's arena for this operator, which
    /// holds the feature maps it reads and writes.
    pub scratch_bytes: usize,
    /// Bytes of the fast scratch region (region 2).
    pub fast_scratch_bytes: usize,
    /// Whether the fast scratch is the scratch tensor itself (Vela's `Shared_Sram` and
    /// `Sram_Only` memory modes): then region 2 is region 1.
    pub fast_is_scratch: bool,
    /// The feature maps it reads, in the operator's input order.
    pub inputs: Vec<FeatureMap>,
    /// The feature maps it writes.
    pub outputs: Vec<FeatureMap>,
}

const OFFLINE_MEMORY_ALLOCATION: &[u8] = b"OfflineMemoryAllocation";
// TFLite schema: Model.metadata (slot 6), Metadata.name (0) and .buffer (1).
const MODEL_METADATA: u16 = 6;
const METADATA_NAME: u16 = 0;
const METADATA_BUFFER: u16 = 1;

/// The bytes of buffer `index` (inline data, or the offset/size form of models over 2 GB).
fn buffer_bytes(m: &OutputModel<'_>, index: usize) -> Result<Vec<u8>, CompileError> {
    if index >= m.buffers.len() {
        return Err(m.bad(format!("buffer index {index} out of range")));
    }
    let b = m.fb(m.buffers.table(index), "buffer")?;
    let offset = m.fb(b.scalar::<u64>(buffer::OFFSET, 0), "buffer offset")?;
    if offset > 1 {
        let size = m.fb(b.scalar::<u64>(buffer::SIZE, 0), "buffer size")?;
        let range = usize::try_from(offset).ok().zip(usize::try_from(size).ok());
        return range
            .and_then(|(o, s)| m.bytes.get(o..o.checked_add(s)?))
            .map(<[u8]>::to_vec)
            .ok_or_else(|| m.bad(format!("buffer {index} lies outside the file")));
    }
    Ok(m.fb(b.vector(buffer::DATA, 1), "buffer data")?.map(|v| v.bytes().to_vec()).unwrap_or_default())
}

/// The per-tensor offsets of subgraph 0 from the `OfflineMemoryAllocation` metadata.
fn offline_offsets(m: &OutputModel<'_>) -> Result<Vec<i32>, CompileError> {
    let Some(metadata) = m.fb(m.root.vector(MODEL_METADATA, 4), "metadata")? else {
        return Err(m.bad("no metadata: Vela writes OfflineMemoryAllocation, was the model made by Vela?"));
    };
    for i in 0..metadata.len() {
        let entry = m.fb(metadata.table(i), "metadata entry")?;
        if m.fb(entry.string(METADATA_NAME), "metadata name")? != Some(OFFLINE_MEMORY_ALLOCATION) {
            continue;
        }
        let index = m.fb(entry.scalar::<u32>(METADATA_BUFFER, 0), "metadata buffer")? as usize;
        let data = buffer_bytes(m, index)?;
        let words: Vec<i32> = data.chunks_exact(4).map(|c| i32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect();
        // Version 0, then the subgraph count and the number of offsets that follow.
        return match words.as_slice() {
            [0, _, n, rest @ ..] if *n >= 0 && rest.len() >= *n as usize => Ok(rest[..*n as usize].to_vec()),
            _ => Err(m.bad("OfflineMemoryAllocation metadata is not version 0 with its offsets")),
        };
    }
    Err(m.bad("no OfflineMemoryAllocation metadata: was the model made by Vela?"))
}

/// The `ethos-u` operators of Vela's output model `bytes`, in model order.
pub fn ethos_u_ops(bytes: &[u8]) -> Result<Vec<EthosUOp>, CompileError> {
    let m = OutputModel::open(bytes, "Vela's output model")?;
    let tensors = m.fb(m.subgraph.vector(subgraph::TENSORS, 4), "tensors")?.ok_or_else(|| m.bad("no tensors"))?;
    let tensor_at = |i: i32| -> Result<Table<'_>, CompileError> {
        if i < 0 || i as usize >= tensors.len() {
            return Err(m.bad(format!("tensor index {i} out of range")));
        }
        m.fb(tensors.table(i as usize), "tensor")
    };
    let data = |t: &Table<'_>| -> Result<Vec<u8>, CompileError> {
        let index = m.fb(t.scalar::<u32>(tensor::BUFFER, 0), "tensor buffer")? as usize;
        buffer_bytes(&m, index)
    };
    let elements = |t: &Table<'_>| -> Result<usize, CompileError> {
        let shape: Vec<i32> = m.fb(t.scalars(tensor::SHAPE), "tensor shape")?;
        Ok(shape.iter().map(|&d| d.max(0) as usize).product())
    };
    let mut offsets: Option<Vec<i32>> = None;
    let mut out = Vec::new();
    for k in 0..m.operator_count() {
        let (o, code) = m.operator(k)?;
        if m.custom_code(&code)? != Some(b"ethos-u".as_slice()) {
            continue;
        }
        let offsets = match &offsets {
            Some(o) => o,
            None => offsets.insert(offline_offsets(&m)?),
        };
        let inputs: Vec<i32> = m.fb(o.scalars(op::INPUTS), "operator inputs")?;
        let outputs: Vec<i32> = m.fb(o.scalars(op::OUTPUTS), "operator outputs")?;
        if inputs.len() < 4 {
            return Err(m.bad(format!("ethos-u operator #{k} has {} inputs, Vela gives 4 and more", inputs.len())));
        }
        let payload = data(&tensor_at(inputs[0])?)?;
        if !payload.starts_with(b"COP1") {
            return Err(m.bad(format!("ethos-u operator #{k}: its first input is not a COP1 driver payload")));
        }
        let feature_map = |i: i32| -> Result<FeatureMap, CompileError> {
            let t = tensor_at(i)?;
            let name = m.fb(t.string(tensor::NAME), "tensor name")?.unwrap_or_default();
            let name = String::from_utf8_lossy(name).into_owned();
            let offset = offsets.get(i as usize).copied().unwrap_or(-1);
            if offset < 0 {
                return Err(
                    m.bad(format!("ethos-u operator #{k}: feature map '{name}' has no offset in the scratch region"))
                );
            }
            Ok(FeatureMap { elements: elements(&t)?, offset: offset as usize, name })
        };
        out.push(EthosUOp {
            operator: k,
            weights: data(&tensor_at(inputs[1])?)?,
            scratch_bytes: elements(&tensor_at(inputs[2])?)?,
            fast_scratch_bytes: elements(&tensor_at(inputs[3])?)?,
            fast_is_scratch: inputs[2] == inputs[3],
            inputs: inputs[4..].iter().filter(|&&i| i >= 0).map(|&i| feature_map(i)).collect::<Result<_, _>>()?,
            outputs: outputs.iter().map(|&i| feature_map(i)).collect::<Result<_, _>>()?,
            payload,
        });
    }
    Ok(out)
}
