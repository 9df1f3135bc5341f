//! One-operator graphs for the lowering tests of the operator modules.

use crate::error::CompileError;
use crate::graph::{DType, Graph, OpCode, Operator, Options, Quant, Tensor};
use crate::ops::Lowered;

/// A tensor of `shape`, quantized per tensor when `quant` is given, constant with
/// `data` when given.
pub fn tensor(name: &str, dtype: DType, shape: &[usize], quant: Option<(f32, i64)>, data: Option<Vec<u8>>) -> Tensor {
    Tensor {
        name: name.to_owned(),
        shape: shape.to_vec(),
        dtype,
        quant: quant.map(|(scale, zero_point)| Quant { scale: vec![scale], zero_point: vec![zero_point], axis: 0 }),
        data,
        is_variable: false,
    }
}

/// Lowers the graph `op(inputs) -> output` of builtin `code` with `options`.
pub fn lower(code: i32, inputs: Vec<Tensor>, output: Tensor, options: Options) -> Result<Lowered, CompileError> {
    let n = inputs.len();
    let mut tensors = inputs;
    tensors.push(output);
    let g = Graph {
        tensors,
        operators: vec![Operator {
            index: 0,
            opcode: OpCode::Builtin(code),
            inputs: (0..n).map(Some).collect(),
            outputs: vec![n],
            options,
            custom_options: Vec::new(),
        }],
        inputs: (0..n).collect(),
        outputs: vec![n],
        description: String::new(),
    };
    crate::ops::lower(&g, &g.operators[0])
}
