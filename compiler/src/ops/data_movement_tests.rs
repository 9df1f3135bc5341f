//! Lowering tests of the data-movement operators (SLICE, TRANSPOSE, BROADCAST_TO, FILL,
//! ZEROS_LIKE, EXPAND_DIMS, PACK, GATHER, RESIZE_NEAREST_NEIGHBOR, SPLIT, SPLIT_V,
//! UNPACK): what TFLM refuses is refused with a message naming why; the oracle cases
//! cover what TFLM accepts.

use crate::error::CompileError;
use crate::graph::{opcode, DType, Graph, OpCode, Operator, Options, Tensor};
use crate::ops::Lowered;

/// A tensor; `data` makes it constant.
fn t(shape: &[usize], dtype: DType, data: Option<Vec<u8>>) -> Tensor {
    Tensor { name: "t".to_owned(), shape: shape.to_vec(), dtype, quant: None, data, is_variable: false }
}

/// A constant INT32 vector.
fn ints(values: &[i32]) -> Tensor {
    t(&[values.len()], DType::I32, Some(values.iter().flat_map(|v| v.to_le_bytes()).collect()))
}

/// Lowers the one-operator graph `code(inputs) -> outputs`.
fn lower(code: i32, options: Options, inputs: Vec<Tensor>, outputs: Vec<Tensor>) -> Result<Lowered, CompileError> {
    let n = inputs.len();
    let m = outputs.len();
    let g = Graph {
        tensors: inputs.into_iter().chain(outputs).collect(),
        operators: vec![Operator {
            index: 0,
            opcode: OpCode::Builtin(code),
            inputs: (0..n).map(Some).collect(),
            outputs: (n..n + m).collect(),
            options,
            custom_options: Vec::new(),
        }],
        inputs: vec![0],
        outputs: (n..n + m).collect(),
        description: String::new(),
    };
    crate::ops::lower(&g, &g.operators[0])
}

/// The error message of a lowering that must fail.
fn refusal(code: i32, options: Options, inputs: Vec<Tensor>, outputs: Vec<Tensor>) -> String {
    match lower(code, options, inputs, outputs) {
        Ok(l) => panic!("{} lowered", l.kernel.op_name()),
        Err(e) => e.to_string(),
    }
}

#[test]
fn refuses_types_tflm_kernels_refuse() {
    let i32_ = |s: &[usize]| t(s, DType::I32, None);
    let e = refusal(opcode::TRANSPOSE, Options::None, vec![i32_(&[2, 3]), ints(&[1, 0])], vec![i32_(&[3, 2])]);
    assert!(e.contains("has type INT32; supported: INT8, INT16, FLOAT32"), "{e}");
    let e = refusal(opcode::EXPAND_DIMS, Options::None, vec![i32_(&[2]), ints(&[0])], vec![i32_(&[1, 2])]);
    assert!(e.contains("INT32"), "{e}");
    let i16_ = |s: &[usize]| t(s, DType::I16, None);
    let e = refusal(opcode::ZEROS_LIKE, Options::None, vec![i16_(&[4])], vec![i16_(&[4])]);
    assert!(e.contains("INT16"), "{e}");
    let e = refusal(opcode::FILL, Options::None, vec![ints(&[4]), i16_(&[])], vec![i16_(&[4])]);
    assert!(e.contains("INT16"), "{e}");
    let gather = Options::Gather { axis: 0, batch_dims: 0 };
    let e = refusal(opcode::GATHER, gather, vec![i16_(&[4]), ints(&[1])], vec![i16_(&[1])]);
    assert!(e.contains("INT16"), "{e}");
}

#[test]
fn refuses_out_of_range_operands() {
    let i8_ = |s: &[usize]| t(s, DType::I8, None);
    let e = refusal(opcode::SLICE, Options::None, vec![i8_(&[4, 6]), ints(&[0, 7]), ints(&[4, 1])], vec![i8_(&[4, 1])]);
    assert!(e.contains("begin[1] = 7 is outside 0..=6"), "{e}");
    let e = refusal(opcode::TRANSPOSE, Options::None, vec![i8_(&[2, 3]), ints(&[0, 0])], vec![i8_(&[2, 2])]);
    assert!(e.contains("not a permutation"), "{e}");
    let e = refusal(opcode::BROADCAST_TO, Options::None, vec![i8_(&[2, 3]), ints(&[4, 3])], vec![i8_(&[4, 3])]);
    assert!(e.contains("does not broadcast"), "{e}");
    let gather = Options::Gather { axis: 0, batch_dims: 0 };
    let e = refusal(opcode::GATHER, gather, vec![i8_(&[4, 2]), ints(&[4])], vec![i8_(&[1, 2])]);
    assert!(e.contains("position 4 is outside 0..4"), "{e}");
    let resize = Options::ResizeNearestNeighbor { align_corners: false, half_pixel_centers: false };
    let e =
        refusal(opcode::RESIZE_NEAREST_NEIGHBOR, resize, vec![i8_(&[4, 4, 3]), ints(&[8, 8])], vec![i8_(&[8, 8, 3])]);
    assert!(e.contains("4-D NHWC"), "{e}");
    let e = refusal(
        opcode::SPLIT,
        Options::Split { num_splits: 2 },
        vec![ints(&[1]), i8_(&[2, 5])],
        vec![i8_(&[2, 2]), i8_(&[2, 2])],
    );
    assert!(e.contains("outputs add up to 4 along axis 1"), "{e}");
    let pack = Options::Pack { count: 11, axis: 0 };
    let e = refusal(opcode::PACK, pack, (0..11).map(|_| i8_(&[2])).collect(), vec![i8_(&[11, 2])]);
    assert!(e.contains("11 inputs (supported: 1 to 10)"), "{e}");
}

#[test]
fn lowers_each_operator() {
    let i8_ = |s: &[usize]| t(s, DType::I8, None);
    let unpack = Options::Pack { count: 2, axis: -1 };
    let l = lower(opcode::UNPACK, unpack, vec![i8_(&[3, 2])], vec![i8_(&[3]), i8_(&[3])]).expect("UNPACK");
    assert_eq!(l.outputs.len(), 2);
    let l = lower(opcode::EXPAND_DIMS, Options::None, vec![i8_(&[3]), ints(&[-1])], vec![i8_(&[3, 1])]).unwrap();
    assert!(l.kernel.is_reinterpretation());
    // ZEROS_LIKE reads nothing from the arena.
    let l = lower(opcode::ZEROS_LIKE, Options::None, vec![i8_(&[5])], vec![i8_(&[5])]).unwrap();
    assert!(l.inputs.is_empty());
}

#[test]
fn fills_from_a_constant_value() {
    // A constant value needs no arena input: the kernel copies its one-element table.
    let value = t(&[], DType::I32, Some(7i32.to_le_bytes().to_vec()));
    let l = lower(opcode::FILL, Options::None, vec![ints(&[3]), value], vec![t(&[3], DType::I32, None)]).unwrap();
    assert!(l.inputs.is_empty());
    let mut arena = crate::kernel::AlignedBuf::new(16);
    let mut io = crate::kernel::OpIo::new(arena.bytes_mut(), Vec::new(), vec![(0, 3)], (0, 0));
    l.kernel.execute(&mut io).unwrap();
    assert_eq!(arena.bytes()[..12], [7, 0, 0, 0, 7, 0, 0, 0, 7, 0, 0, 0]);
}
