//! Lowering: one module per operator turns a graph operator into a [`Kernel`], a kernel
//! call whose constant parameters (multipliers, shifts, ranges, folded offsets, weights)
//! are all computed here, on the host.
//!
//! A module exposes `pub fn lower(cx: &LowerCx) -> Result<Lowered, CompileError>` and a
//! type implementing [`Kernel`]. The kernel runs on the host through
//! [`Kernel::execute`] (calling the very `tinyml-runtime` function the device calls) and
//! emits its call into generated code through [`Kernel::emit`]. [`REGISTRY`] is the one
//! list of operators lowered; [`SUPPORTED`] and [`lower`] derive from it.

pub mod add;
pub mod arg_min_max;
pub mod batch_matmul;
pub mod binary;
pub mod broadcast_to;
pub mod cast;
pub mod concatenation;
pub mod conv;
pub mod conv_common;
#[cfg(test)]
mod data_movement_tests;
pub mod depthwise_conv;
pub mod dequantize;
pub mod elementwise;
pub mod fully_connected;
pub mod gather;
pub mod l2_normalization;
pub mod log_softmax;
pub mod logistic;
pub mod lookup;
pub mod lstm;
pub mod mean;
pub mod minmax;
pub mod mul;
pub mod pack;
pub mod pad;
pub mod pooling;
pub mod prelu;
pub mod quantize;
pub mod relu;
pub mod reshape;
pub mod resize_nearest;
pub mod slice;
pub mod softmax;
pub mod split;
pub mod squared_difference;
pub mod strided_copy;
pub mod strided_slice;
pub mod svdf;
#[cfg(test)]
pub(crate) mod testing;
pub mod transpose;
pub mod transpose_conv;

use crate::error::CompileError;
use crate::graph::{opcode, Graph, OpCode, Operator, TensorId};
pub use crate::kernel::{Kernel, LowerCx, Lowered, Scratch};

/// A lowering function.
pub type LowerFn = fn(&LowerCx) -> Result<Lowered, CompileError>;

/// Every operator cargo-tinyml lowers: its TFLite builtin code and lowering function, in
/// the order error messages list them (by name, `MAX_POOL_2D` before `MAXIMUM`).
pub const REGISTRY: &[(i32, LowerFn)] = &[
    (opcode::ADD, add::lower),
    (opcode::ARG_MAX, arg_min_max::lower),
    (opcode::ARG_MIN, arg_min_max::lower),
    (opcode::AVERAGE_POOL_2D, pooling::lower),
    (opcode::BATCH_MATMUL, batch_matmul::lower),
    (opcode::BROADCAST_TO, broadcast_to::lower),
    (opcode::CAST, cast::lower),
    (opcode::CONCATENATION, concatenation::lower),
    (opcode::CONV_2D, conv::lower),
    (opcode::DEPTHWISE_CONV_2D, depthwise_conv::lower),
    (opcode::DEQUANTIZE, dequantize::lower),
    (opcode::EXP, elementwise::lower),
    (opcode::EXPAND_DIMS, reshape::lower_expand_dims),
    (opcode::FILL, strided_copy::lower_fill),
    (opcode::FULLY_CONNECTED, fully_connected::lower),
    (opcode::GATHER, gather::lower),
    (opcode::HARD_SWISH, relu::lower_hard_swish),
    (opcode::L2_NORMALIZATION, l2_normalization::lower),
    (opcode::LEAKY_RELU, relu::lower_leaky),
    (opcode::LOG, elementwise::lower),
    (opcode::LOG_SOFTMAX, log_softmax::lower),
    (opcode::LOGISTIC, logistic::lower),
    (opcode::MAX_POOL_2D, pooling::lower),
    (opcode::MAXIMUM, minmax::lower),
    (opcode::MEAN, mean::lower),
    (opcode::MINIMUM, minmax::lower),
    (opcode::MUL, mul::lower),
    (opcode::PACK, pack::lower),
    (opcode::PAD, pad::lower),
    (opcode::PRELU, prelu::lower),
    (opcode::QUANTIZE, quantize::lower),
    (opcode::REDUCE_MAX, mean::lower_reduce_max),
    (opcode::RELU, relu::lower),
    (opcode::RELU6, relu::lower_relu6),
    (opcode::RESHAPE, reshape::lower),
    (opcode::RESIZE_NEAREST_NEIGHBOR, resize_nearest::lower),
    (opcode::RSQRT, elementwise::lower),
    (opcode::SLICE, slice::lower),
    (opcode::SOFTMAX, softmax::lower),
    (opcode::SPLIT, split::lower),
    (opcode::SPLIT_V, split::lower),
    (opcode::SQRT, elementwise::lower),
    (opcode::SQUARED_DIFFERENCE, squared_difference::lower),
    (opcode::SQUEEZE, reshape::lower),
    (opcode::STRIDED_SLICE, strided_slice::lower),
    (opcode::SUB, add::lower_sub),
    (opcode::SUM, mean::lower_sum),
    (opcode::SVDF, svdf::lower),
    (opcode::TANH, logistic::lower_tanh),
    (opcode::TRANSPOSE, transpose::lower),
    (opcode::TRANSPOSE_CONV, transpose_conv::lower),
    (opcode::UNIDIRECTIONAL_SEQUENCE_LSTM, lstm::lower),
    (opcode::UNPACK, split::lower),
    (opcode::ZEROS_LIKE, strided_copy::lower_zeros_like),
];

/// Operators cargo-tinyml lowers, by TFLite name (from [`REGISTRY`]).
pub const SUPPORTED: &[&str] = &{
    let mut names = [""; REGISTRY.len()];
    let mut i = 0;
    while i < REGISTRY.len() {
        names[i] = match opcode::name(REGISTRY[i].0) {
            Some(name) => name,
            None => panic!("a registered operator has no builtin name"),
        };
        i += 1;
    }
    names
};

/// The error for an operator cargo-tinyml does not implement, naming its tensors.
pub fn unsupported_op(cx: &LowerCx) -> CompileError {
    let describe = |id: TensorId| {
        let t = &cx.graph.tensors[id];
        let constant = if t.data.is_some() { ", constant" } else { "" };
        format!("#{id} '{}' {} {:?}{constant}", t.name, t.dtype.tflite_name(), t.shape)
    };
    let inputs: Vec<String> = cx.op.inputs.iter().map(|t| t.map_or_else(|| "(omitted)".to_owned(), describe)).collect();
    let outputs: Vec<String> = cx.op.outputs.iter().map(|&t| describe(t)).collect();
    CompileError::UnsupportedOp {
        site: cx.site(),
        tensors: format!("inputs: {}; outputs: {}", inputs.join(", "), outputs.join(", ")),
        supported: SUPPORTED.join(", "),
    }
}

/// Lowers one operator of `graph`.
pub fn lower(graph: &Graph, op: &Operator) -> Result<Lowered, CompileError> {
    let cx = LowerCx { graph, op };
    let lower = match &op.opcode {
        OpCode::Builtin(code) => REGISTRY.iter().find(|(c, _)| c == code).map(|&(_, f)| f),
        OpCode::Custom(_) => None,
    };
    match lower {
        Some(f) => f(&cx),
        None => Err(unsupported_op(&cx)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_lists_each_operator_once() {
        let mut names = SUPPORTED.to_vec();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), REGISTRY.len(), "{SUPPORTED:?}");
    }
}
