//! One-operator graphs for the lowering tests of the `ops` modules.

use crate::error::CompileError;
use crate::graph::{DType, Graph, OpCode, Operator, Options, Quant, Tensor};
use crate::ops::Lowered;

/// An arena tensor, quantized per tensor when `quant` is given.
pub fn tensor(name: &str, shape: &[usize], dtype: DType, quant: Option<(f32, i64)>) -> Tensor {
    Tensor {
        name: name.to_owned(),
        shape: shape.to_vec(),
        dtype,
        quant: quant.map(|(s, z)| Quant { scale: vec![s], zero_point: vec![z], axis: 0 }),
        data: None,
        is_variable: false,
    }
}

/// A constant int32 tensor (axes, shapes).
pub fn const_i32(name: &str, values: &[i32]) -> Tensor {
    Tensor {
        data: Some(values.iter().flat_map(|v| v.to_le_bytes()).collect()),
        ..tensor(name, &[values.len()], DType::I32, None)
    }
}

/// Lowers `code(tensors[..n-1]) -> tensors[n-1]` with `options`.
pub fn lower(code: i32, options: Options, tensors: Vec<Tensor>) -> Result<Lowered, CompileError> {
    let n = tensors.len();
    let g = Graph {
        tensors,
        operators: vec![Operator {
            index: 0,
            opcode: OpCode::Builtin(code),
            inputs: (0..n - 1).map(Some).collect(),
            outputs: vec![n - 1],
            options,
            custom_options: Vec::new(),
        }],
        inputs: vec![0],
        outputs: vec![n - 1],
        description: String::new(),
    };
    crate::ops::lower(&g, &g.operators[0])
}

/// Like [`tensor`], argument order (type before shape) and constant `data` as the unary
/// and binary op tests write them.
pub fn tensor_data(
    name: &str,
    dtype: DType,
    shape: &[usize],
    quant: Option<(f32, i64)>,
    data: Option<Vec<u8>>,
) -> Tensor {
    Tensor { data, ..tensor(name, shape, dtype, quant) }
}

/// Lowers the graph `op(inputs) -> output` of builtin `code` with `options`.
pub fn lower_io(code: i32, mut inputs: Vec<Tensor>, output: Tensor, options: Options) -> Result<Lowered, CompileError> {
    inputs.push(output);
    lower(code, options, inputs)
}

/// The error message of lowering, which must fail.
pub fn refusal(code: i32, options: Options, tensors: Vec<Tensor>) -> String {
    match lower(code, options, tensors) {
        Ok(l) => panic!("lowered {l:?}"),
        Err(e) => e.to_string(),
    }
}
