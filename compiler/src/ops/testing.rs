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

/// xorshift32 from a fixed seed: the same pseudo-random data on every run.
pub struct Xorshift(u32);

impl Xorshift {
    pub fn new() -> Self {
        Xorshift(0x2545_f491)
    }

    pub fn next(&mut self) -> u32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 17;
        self.0 ^= self.0 << 5;
        self.0
    }

    /// `n` int8 values.
    pub fn bytes(&mut self, n: usize) -> Vec<i8> {
        (0..n).map(|_| (self.next() % 256) as u8 as i8).collect()
    }

    /// An input offset: minus an int8 zero point, -127..=128.
    pub fn input_offset(&mut self) -> i32 {
        (self.next() % 256) as i32 - 127
    }

    /// Per-channel requantization of `n` channels: biases, multipliers in [2^30, 2^31)
    /// and right shifts of 4 to 11.
    pub fn requantization(&mut self, n: usize) -> (Vec<i32>, Vec<i32>, Vec<i32>) {
        let bias = (0..n).map(|_| (self.next() % 20_000) as i32 - 10_000).collect();
        let mult = (0..n).map(|_| (1 << 30) + (self.next() % (1 << 30)) as i32).collect();
        let shifts = (0..n).map(|_| -((self.next() % 8) as i32) - 4).collect();
        (bias, mult, shifts)
    }
}

/// The height geometry of a layer of one column: `(input_h, filter_h, stride, dilation,
/// output_h, pad_h)` for every input height, filter height and (stride, dilation), SAME
/// (TFLM's padding, any odd extra row after the last) and VALID where the window fits.
pub fn column_geometries(
    heights: &[usize],
    filters: &[usize],
    steps: &[(usize, usize)],
) -> Vec<(usize, usize, usize, usize, usize, usize)> {
    let mut out = Vec::new();
    for &input_h in heights {
        for &filter_h in filters {
            for &(stride, dilation) in steps {
                let reach = (filter_h - 1) * dilation + 1;
                let valid = (input_h >= reach).then(|| (input_h - reach) / stride + 1);
                for output_h in [Some(input_h.div_ceil(stride)), valid].into_iter().flatten() {
                    let pad_h = ((output_h - 1) * stride + reach).saturating_sub(input_h) / 2;
                    out.push((input_h, filter_h, stride, dilation, output_h, pad_h));
                }
            }
        }
    }
    out
}
