//! Import of `.tflite` files (TFLite flatbuffer schema, version 3) into the [`Graph`]
//! IR. The file is untrusted input: every offset, index and size is checked, and a bad
//! file is an [`ImportError`] naming what is wrong, never a panic or a giant allocation.
//!
//! Layers: [`flatbuffer`] reads the binary format with bounds checks, `schema` holds the
//! TFLite field slots and enum values, `options` reads builtin operator options, and
//! this module turns subgraph 0 into a [`Graph`] and validates it.

mod budget;
mod error;
pub mod flatbuffer;
mod options;
pub(crate) mod schema;
mod tensor;

pub use error::ImportError;
pub use tensor::{MAX_ELEMENTS, MAX_RANK, MAX_TENSOR_BYTES};

use crate::graph::{opcode, Graph, OpCode, Operator, TensorId};
use budget::{at, lossy, Budget};
use flatbuffer::{Table, Vector};
use schema::{model, operator as op_slot, operator_code, subgraph as sg_slot};

/// Imports the first subgraph of a TFLite model.
///
/// Further subgraphs (control flow bodies) are not read; an operator that calls one
/// (IF, WHILE, CALL_ONCE) is imported as a plain builtin and rejected by lowering.
pub fn import(bytes: &[u8]) -> Result<Graph, ImportError> {
    let Some(found) = bytes.get(4..8) else {
        return Err(ImportError::TooShort { len: bytes.len() });
    };
    let found: [u8; 4] = found.try_into().unwrap_or_default();
    if &found == schema::FILE_IDENTIFIER {
        return import_model(bytes);
    }
    // Four letters or digits are another format's identifier (`CIR0` of Circle models);
    // a file written without an identifier has binary data there (a vtable's size).
    if found.iter().all(u8::is_ascii_alphanumeric) {
        return Err(ImportError::NotTflite { found });
    }
    let result = import_model(bytes);
    // The identifier is optional in flatbuffers, so accept a file without it if it
    // reads as a model; if it does not, "not a TFLite file" is the useful message.
    match result {
        Err(ImportError::Malformed { .. } | ImportError::UnsupportedVersion { .. } | ImportError::NoSubgraphs) => {
            Err(ImportError::NotTflite { found })
        }
        other => other,
    }
}

fn import_model(bytes: &[u8]) -> Result<Graph, ImportError> {
    let mut budget = Budget::for_file(bytes.len());
    let root = at(flatbuffer::root(bytes), || "the model table".into())?;
    let version = at(root.scalar::<u32>(model::VERSION, 0), || "Model.version".into())?;
    if version != schema::SCHEMA_VERSION {
        return Err(ImportError::UnsupportedVersion { found: version });
    }
    let description = lossy(at(root.string(model::DESCRIPTION), || "Model.description".into())?);
    let opcodes = read_opcodes(root, &mut budget)?;
    let buffers = at(root.vector(model::BUFFERS, 4), || "Model.buffers".into())?;
    let subgraphs = at(root.vector(model::SUBGRAPHS, 4), || "Model.subgraphs".into())?;
    let subgraph = match subgraphs {
        Some(v) if !v.is_empty() => at(v.table(0), || "subgraph 0".into())?,
        _ => return Err(ImportError::NoSubgraphs),
    };

    let tensor_tables = at(subgraph.vector(sg_slot::TENSORS, 4), || "the tensor list".into())?;
    let tensor_count = tensor_tables.map_or(0, |v| v.len());
    budget.spend::<crate::graph::Tensor>(tensor_count)?;
    let mut tensors = Vec::with_capacity(tensor_count);
    if let Some(v) = tensor_tables {
        for i in 0..v.len() {
            let t = at(v.table(i), || format!("tensor #{i}"))?;
            tensors.push(tensor::read(bytes, t, i, buffers, &mut budget)?);
        }
    }

    let inputs =
        read_tensor_list(subgraph, sg_slot::INPUTS, tensor_count, &mut budget, |k| format!("model input {k}"))?;
    let outputs =
        read_tensor_list(subgraph, sg_slot::OUTPUTS, tensor_count, &mut budget, |k| format!("model output {k}"))?;

    let op_tables = at(subgraph.vector(sg_slot::OPERATORS, 4), || "the operator list".into())?;
    let mut operators = Vec::new();
    if let Some(v) = op_tables {
        budget.spend::<Operator>(v.len())?;
        operators.reserve(v.len());
        for i in 0..v.len() {
            let t = at(v.table(i), || format!("operator #{i}"))?;
            operators.push(read_operator(bytes, t, i, &opcodes, tensor_count, &mut budget)?);
        }
    }

    Ok(Graph { tensors, operators, inputs, outputs, description })
}

/// Operator codes: builtin number (the larger of the two code fields, as the schema
/// says the deprecated byte is kept for codes below 127) or custom name.
fn read_opcodes(root: Table<'_>, budget: &mut Budget) -> Result<Vec<OpCode>, ImportError> {
    let Some(v) = at(root.vector(model::OPERATOR_CODES, 4), || "Model.operator_codes".into())? else {
        return Ok(Vec::new());
    };
    budget.spend::<OpCode>(v.len())?;
    let mut codes = Vec::with_capacity(v.len());
    for i in 0..v.len() {
        let ctx = || format!("operator code #{i}");
        let t = at(v.table(i), ctx)?;
        let deprecated = at(t.scalar::<i8>(operator_code::DEPRECATED_BUILTIN_CODE, 0), ctx)?;
        let extended = at(t.scalar::<i32>(operator_code::BUILTIN_CODE, 0), ctx)?;
        let code = i32::from(deprecated).max(extended);
        if code < 0 {
            return Err(ImportError::BadOpcode { opcode: i, code });
        }
        codes.push(if code == opcode::CUSTOM {
            match at(t.string(operator_code::CUSTOM_CODE), ctx)? {
                Some(name) => {
                    budget.spend::<u8>(name.len())?;
                    OpCode::Custom(lossy(Some(name)))
                }
                None => return Err(ImportError::MissingCustomCode { opcode: i }),
            }
        } else {
            OpCode::Builtin(code)
        });
    }
    Ok(codes)
}

/// Reads a vector of tensor indices, each of which must name a tensor.
fn read_tensor_list(
    table: Table<'_>,
    slot: u16,
    tensor_count: usize,
    budget: &mut Budget,
    place: impl Fn(usize) -> String,
) -> Result<Vec<TensorId>, ImportError> {
    read_indices(table, slot, budget, &place)?
        .into_iter()
        .enumerate()
        .map(|(k, i)| check_index(i, tensor_count, || place(k)))
        .collect()
}

fn read_indices(
    table: Table<'_>,
    slot: u16,
    budget: &mut Budget,
    place: &dyn Fn(usize) -> String,
) -> Result<Vec<i32>, ImportError> {
    let v: Option<Vector<'_>> = at(table.vector(slot, 4), || format!("the tensor list of {}", place(0)))?;
    let Some(v) = v else { return Ok(Vec::new()) };
    // Decoded as i32, then kept as `Option<usize>` or `usize`.
    budget.spend::<(i32, Option<usize>)>(v.len())?;
    Ok(v.scalars::<i32>())
}

fn check_index(i: i32, count: usize, place: impl FnOnce() -> String) -> Result<TensorId, ImportError> {
    match usize::try_from(i) {
        Ok(i) if i < count => Ok(i),
        _ => Err(ImportError::TensorIndex { place: place(), index: i.into(), count }),
    }
}

fn read_operator(
    bytes: &[u8],
    t: Table<'_>,
    index: usize,
    opcodes: &[OpCode],
    tensor_count: usize,
    budget: &mut Budget,
) -> Result<Operator, ImportError> {
    let ctx = || format!("operator #{index}");
    let opcode_index = at(t.scalar::<u32>(op_slot::OPCODE_INDEX, 0), ctx)?;
    let opcode = opcodes.get(opcode_index as usize).cloned().ok_or(ImportError::OpcodeIndex {
        operator: index,
        index: opcode_index,
        count: opcodes.len(),
    })?;
    let name = opcode.name();
    let site = |what: &str, k: usize| format!("operator #{index} ({name}) {what} {k}");

    let inputs = read_indices(t, op_slot::INPUTS, budget, &|k| site("input", k))?
        .into_iter()
        .enumerate()
        .map(|(k, i)| if i == -1 { Ok(None) } else { check_index(i, tensor_count, || site("input", k)).map(Some) })
        .collect::<Result<Vec<_>, _>>()?;
    let outputs = read_indices(t, op_slot::OUTPUTS, budget, &|k| site("output", k))?
        .into_iter()
        .enumerate()
        .map(|(k, i)| check_index(i, tensor_count, || site("output", k)))
        .collect::<Result<Vec<_>, _>>()?;

    let options = match &opcode {
        OpCode::Builtin(code) => {
            let type_byte = at(t.scalar::<u8>(op_slot::BUILTIN_OPTIONS_TYPE, 0), ctx)?;
            let table = at(t.table(op_slot::BUILTIN_OPTIONS), ctx)?;
            options::read(*code, &name, index, type_byte, table, budget)?
        }
        OpCode::Custom(_) => crate::graph::Options::None,
    };
    let custom_options = read_custom_options(bytes, t, index, budget)?;
    Ok(Operator { index, opcode, inputs, outputs, options, custom_options })
}

/// Custom options: inline bytes, or (models over 2 GB) a range after the flatbuffer.
fn read_custom_options(bytes: &[u8], t: Table<'_>, index: usize, budget: &mut Budget) -> Result<Vec<u8>, ImportError> {
    let ctx = || format!("the custom options of operator #{index}");
    let offset = at(t.scalar::<u64>(op_slot::LARGE_CUSTOM_OPTIONS_OFFSET, 0), ctx)?;
    let data = if offset > 1 {
        let size = at(t.scalar::<u64>(op_slot::LARGE_CUSTOM_OPTIONS_SIZE, 0), ctx)?;
        tensor::external_range(bytes, offset, size).ok_or(ImportError::OutsideFile {
            what: format!("operator #{index} custom options"),
            offset,
            size,
            file_len: bytes.len(),
        })?
    } else {
        at(t.vector(op_slot::CUSTOM_OPTIONS, 1), ctx)?.map(|v| v.bytes()).unwrap_or_default()
    };
    budget.spend::<u8>(data.len())?;
    Ok(data.to_vec())
}
