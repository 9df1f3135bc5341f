//! Hand-built models, one per rule of the importer: each breaks exactly one thing and
//! checks the error that names it, or uses one rarely seen feature (optional inputs,
//! extended builtin codes, data stored after the flatbuffer) and checks it is read.
//!
//! `TINYML_WRITE_CORPUS=1 cargo test --test import_crafted` also writes the hostile
//! models into `tests/corpus/` (the fuzz regression corpus).

use tinyml_compiler::graph::{Activation, DType, OpCode, Options, Padding};
use tinyml_compiler::tflite::{import, ImportError};

/// A flatbuffer object to serialize. Written parent first, so every `u32` offset
/// points forwards as the format requires.
enum Node {
    /// A table: (slot, field) pairs.
    Table(Vec<(u16, Field)>),
    /// A vector of tables.
    Tables(Vec<Node>),
    /// A vector of `n` offsets that all point at one table (sharing, as an attacker would).
    Shared(Box<Node>, usize),
    /// A vector of scalars: raw little-endian bytes and the element size.
    Scalars(Vec<u8>, usize),
    /// A string.
    Str(&'static str),
}

enum Field {
    /// An inline scalar, little endian.
    Raw(Vec<u8>),
    /// An offset to another object.
    Ref(Node),
}

fn align4(out: &mut Vec<u8>) {
    while !out.len().is_multiple_of(4) {
        out.push(0);
    }
}

fn patch(out: &mut [u8], at: usize, target: usize) {
    out[at..at + 4].copy_from_slice(&((target - at) as u32).to_le_bytes());
}

fn write(out: &mut Vec<u8>, node: &Node) -> usize {
    align4(out);
    match node {
        Node::Table(fields) => {
            let slots = fields.iter().map(|(s, _)| *s + 1).max().unwrap_or(0) as usize;
            let mut offsets = vec![0u16; slots];
            let mut inline = 4usize;
            for (slot, f) in fields {
                offsets[*slot as usize] = inline as u16;
                inline += match f {
                    Field::Raw(b) => b.len(),
                    Field::Ref(_) => 4,
                };
            }
            let vtable = out.len();
            out.extend(((4 + 2 * slots) as u16).to_le_bytes());
            out.extend((inline as u16).to_le_bytes());
            for o in offsets {
                out.extend(o.to_le_bytes());
            }
            align4(out);
            let table = out.len();
            out.extend(((table - vtable) as i32).to_le_bytes());
            let mut refs = Vec::new();
            for (_, f) in fields {
                match f {
                    Field::Raw(b) => out.extend(b),
                    Field::Ref(child) => {
                        refs.push((out.len(), child));
                        out.extend([0; 4]);
                    }
                }
            }
            for (at, child) in refs {
                let pos = write(out, child);
                patch(out, at, pos);
            }
            table
        }
        Node::Tables(items) => {
            let pos = out.len();
            out.extend((items.len() as u32).to_le_bytes());
            let slots: Vec<usize> = (0..items.len()).map(|i| pos + 4 + 4 * i).collect();
            out.resize(out.len() + 4 * items.len(), 0);
            for (at, item) in slots.into_iter().zip(items) {
                let p = write(out, item);
                patch(out, at, p);
            }
            pos
        }
        Node::Shared(item, n) => {
            let pos = out.len();
            out.extend((*n as u32).to_le_bytes());
            out.resize(out.len() + 4 * n, 0);
            let p = write(out, item);
            for i in 0..*n {
                patch(out, pos + 4 + 4 * i, p);
            }
            pos
        }
        Node::Scalars(bytes, elem) => {
            let pos = out.len();
            out.extend(((bytes.len() / elem) as u32).to_le_bytes());
            out.extend(bytes);
            pos
        }
        Node::Str(s) => {
            let pos = out.len();
            out.extend((s.len() as u32).to_le_bytes());
            out.extend(s.as_bytes());
            out.push(0);
            pos
        }
    }
}

/// Serializes a root table, with or without the `TFL3` identifier.
fn finish(root: &Node, identifier: bool) -> Vec<u8> {
    let mut out = vec![0u8; 4];
    if identifier {
        out.extend(b"TFL3");
    }
    let pos = write(&mut out, root);
    patch(&mut out, 0, pos);
    out
}

fn raw<const N: usize>(b: [u8; N]) -> Field {
    Field::Raw(b.to_vec())
}
fn i32s(v: &[i32]) -> Node {
    Node::Scalars(v.iter().flat_map(|x| x.to_le_bytes()).collect(), 4)
}
fn bytes(v: &[u8]) -> Node {
    Node::Scalars(v.to_vec(), 1)
}

/// A tensor table.
fn tensor(name: &'static str, shape: &[i32], ty: i8, buffer: u32) -> Vec<(u16, Field)> {
    vec![
        (0, Field::Ref(i32s(shape))),
        (1, raw(ty.to_le_bytes())),
        (2, raw(buffer.to_le_bytes())),
        (3, Field::Ref(Node::Str(name))),
    ]
}

fn quant(scale: &[f32], zero_point: &[i64], axis: i32) -> Field {
    Field::Ref(Node::Table(vec![
        (2, Field::Ref(Node::Scalars(scale.iter().flat_map(|x| x.to_le_bytes()).collect(), 4))),
        (3, Field::Ref(Node::Scalars(zero_point.iter().flat_map(|x| x.to_le_bytes()).collect(), 8))),
        (6, raw(axis.to_le_bytes())),
    ]))
}

fn opcode(code: i32) -> Node {
    Node::Table(vec![(0, raw([code.min(127) as u8])), (3, raw(code.to_le_bytes()))])
}

fn operator(opcode_index: u32, inputs: &[i32], outputs: &[i32], options: Option<(u8, Node)>) -> Vec<(u16, Field)> {
    let mut f =
        vec![(0, raw(opcode_index.to_le_bytes())), (1, Field::Ref(i32s(inputs))), (2, Field::Ref(i32s(outputs)))];
    if let Some((ty, table)) = options {
        f.push((3, raw([ty])));
        f.push((4, Field::Ref(table)));
    }
    f
}

/// A model: tensors, operators, operator codes and buffers of subgraph 0.
struct M {
    tensors: Vec<Node>,
    ops: Vec<Node>,
    codes: Vec<Node>,
    buffers: Vec<Node>,
    inputs: Vec<i32>,
    outputs: Vec<i32>,
    version: u32,
    /// Replaces the tensor vector (for [`Node::Shared`]).
    tensor_vector: Option<Node>,
    /// Replaces the operator vector (for [`Node::Shared`]).
    op_vector: Option<Node>,
}

impl M {
    /// ADD of an int8 input and a constant [1, 4] tensor: the base that tests break.
    fn base() -> M {
        let q = || quant(&[0.5], &[-3], 0);
        let mut t0 = tensor("input", &[1, 4], 9, 0);
        t0.push((4, q()));
        let mut t1 = tensor("bias", &[1, 4], 9, 1);
        t1.push((4, q()));
        let mut t2 = tensor("output", &[1, 4], 9, 0);
        t2.push((4, q()));
        M {
            tensors: vec![Node::Table(t0), Node::Table(t1), Node::Table(t2)],
            ops: vec![Node::Table(operator(0, &[0, 1], &[2], Some((11, Node::Table(vec![(0, raw([1]))])))))],
            codes: vec![opcode(0)],
            buffers: vec![Node::Table(vec![]), Node::Table(vec![(0, Field::Ref(bytes(&[1, 2, 3, 4])))])],
            inputs: vec![0],
            outputs: vec![2],
            version: 3,
            tensor_vector: None,
            op_vector: None,
        }
    }

    fn root(self) -> Node {
        let subgraph = Node::Table(vec![
            (0, Field::Ref(self.tensor_vector.unwrap_or(Node::Tables(self.tensors)))),
            (1, Field::Ref(i32s(&self.inputs))),
            (2, Field::Ref(i32s(&self.outputs))),
            (3, Field::Ref(self.op_vector.unwrap_or(Node::Tables(self.ops)))),
        ]);
        Node::Table(vec![
            (0, raw(self.version.to_le_bytes())),
            (1, Field::Ref(Node::Tables(self.codes))),
            (2, Field::Ref(Node::Tables(vec![subgraph]))),
            (3, Field::Ref(Node::Str("crafted"))),
            (4, Field::Ref(Node::Tables(self.buffers))),
        ])
    }

    fn build(self) -> Vec<u8> {
        finish(&self.root(), true)
    }
}

/// Writes a hostile model into the corpus when asked to.
fn corpus(name: &str, bytes: &[u8]) {
    if std::env::var_os("TINYML_WRITE_CORPUS").is_some() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
        std::fs::write(dir.join(format!("{name}.tflite")), bytes).unwrap();
    }
}

fn import_err(name: &str, m: M) -> ImportError {
    let b = m.build();
    corpus(name, &b);
    import(&b).expect_err(name)
}

#[test]
fn base_model_imports() {
    let g = import(&M::base().build()).unwrap();
    assert_eq!(g.description, "crafted");
    assert_eq!((g.inputs.as_slice(), g.outputs.as_slice()), ([0].as_slice(), [2].as_slice()));
    assert_eq!(g.tensors[1].data.as_deref(), Some([1u8, 2, 3, 4].as_slice()));
    assert_eq!(g.tensors[0].data, None);
    assert_eq!(g.tensors[0].dtype, DType::I8);
    assert_eq!(g.tensors[0].scale_zp(), Some((0.5, -3)));
    let op = &g.operators[0];
    assert_eq!(op.opcode, OpCode::Builtin(0));
    assert_eq!(op.inputs, [Some(0), Some(1)]);
    assert_eq!(op.options, Options::Elementwise { activation: Activation::Relu });
}

#[test]
fn file_without_identifier_imports() {
    let b = finish(&M::base().root(), false);
    assert!(!b[4..8].iter().all(u8::is_ascii_alphanumeric), "bytes 4..8 are the vtable");
    assert_eq!(import(&b).unwrap().tensors.len(), 3);
}

#[test]
fn optional_input_is_none_and_other_negatives_are_errors() {
    let mut m = M::base();
    m.ops = vec![Node::Table(operator(0, &[0, -1], &[2], None))];
    assert_eq!(import(&m.build()).unwrap().operators[0].inputs, [Some(0), None]);

    let mut m = M::base();
    m.ops = vec![Node::Table(operator(0, &[0, -2], &[2], None))];
    let e = import_err("input_minus_two", m);
    assert!(matches!(e, ImportError::TensorIndex { index: -2, .. }), "{e}");
    assert_eq!(e.to_string(), "operator #0 (ADD) input 1 refers to tensor -2, but the subgraph has 3 tensors");
}

#[test]
fn out_of_range_indices_name_their_place() {
    let mut m = M::base();
    m.ops = vec![Node::Table(operator(0, &[0, 1], &[3], None))];
    let e = import_err("output_index", m);
    assert_eq!(e.to_string(), "operator #0 (ADD) output 0 refers to tensor 3, but the subgraph has 3 tensors");

    let mut m = M::base();
    m.outputs = vec![2, 7];
    assert!(matches!(import_err("model_output_index", m), ImportError::TensorIndex { index: 7, .. }));

    let mut m = M::base();
    m.ops = vec![Node::Table(operator(5, &[0, 1], &[2], None))];
    assert!(matches!(import_err("opcode_index", m), ImportError::OpcodeIndex { operator: 0, index: 5, count: 1 }));

    let mut m = M::base();
    m.tensors[1] = Node::Table(tensor("bias", &[1, 4], 9, 9));
    let e = import_err("buffer_index", m);
    assert!(matches!(e, ImportError::BufferIndex { tensor: 1, index: 9, count: 2, .. }), "{e}");
}

#[test]
fn shapes_and_types_are_checked() {
    let mut m = M::base();
    m.tensors[0] = Node::Table(tensor("input", &[1, -4], 9, 0));
    let e = import_err("negative_dim", m);
    assert!(matches!(e, ImportError::BadDimension { tensor: 0, dim: 1, .. }), "{e}");

    let mut m = M::base();
    m.tensors[0] = Node::Table(tensor("input", &[65536, 65536, 65536], 9, 0));
    assert!(matches!(import_err("huge_shape", m), ImportError::TensorTooLarge { tensor: 0, .. }));

    let mut m = M::base();
    m.tensors[0] = Node::Table(tensor("input", &[1; 17], 9, 0));
    assert!(matches!(import_err("rank_17", m), ImportError::TooManyDims { rank: 17, .. }));

    let mut m = M::base();
    m.tensors[0] = Node::Table(tensor("input", &[1, 4], 1, 0));
    let e = import_err("float16", m);
    assert!(e.to_string().contains("type FLOAT16 (code 1)"), "{e}");

    let mut m = M::base();
    m.tensors[1] = Node::Table(tensor("bias", &[1, 5], 9, 1));
    let e = import_err("data_size", m);
    assert!(matches!(e, ImportError::DataSize { tensor: 1, expected: 5, found: 4, .. }), "{e}");
}

#[test]
fn quantization_is_checked() {
    let with_quant = |q: Field| {
        let mut m = M::base();
        let mut t = tensor("w", &[3, 4], 9, 0);
        t.push((4, q));
        m.tensors[0] = Node::Table(t);
        m
    };
    let g = import(&with_quant(quant(&[0.1, 0.2, 0.3], &[], 0)).build()).unwrap();
    let q = g.tensors[0].quant.as_ref().unwrap();
    assert_eq!((q.zero_point.as_slice(), q.axis), ([0, 0, 0].as_slice(), 0), "missing zero points read as 0");

    let e = import_err("zero_point_count", with_quant(quant(&[0.1, 0.2, 0.3], &[0, 0], 0)));
    assert!(e.to_string().contains("3 scales but 2 zero points"), "{e}");
    let e = import_err("channel_count", with_quant(quant(&[0.1, 0.2, 0.3], &[0, 0, 0], 1)));
    assert!(e.to_string().contains("along dimension 1 of size 4"), "{e}");
    let e = import_err("axis_range", with_quant(quant(&[0.1, 0.2, 0.3], &[0, 0, 0], 5)));
    assert!(matches!(e, ImportError::Quantization { tensor: 0, .. }), "{e}");
    let e = import_err("nan_scale", with_quant(quant(&[f32::NAN], &[0], 0)));
    assert!(matches!(e, ImportError::Quantization { .. }), "{e}");
}

fn conv_model(options: Option<(u8, Node)>) -> M {
    let mut m = M::base();
    m.codes = vec![opcode(3)];
    m.ops = vec![Node::Table(operator(0, &[0, 1, -1], &[2], options))];
    m
}

#[test]
fn options_follow_the_schema() {
    // Conv2DOptions: padding VALID, strides 2/3, RELU6; dilations absent (default 1).
    let table =
        Node::Table(vec![(0, raw([1])), (1, raw(2i32.to_le_bytes())), (2, raw(3i32.to_le_bytes())), (3, raw([3]))]);
    let g = import(&conv_model(Some((1, table))).build()).unwrap();
    assert_eq!(
        g.operators[0].options,
        Options::Conv2D {
            padding: Padding::Valid,
            stride_w: 2,
            stride_h: 3,
            dilation_w: 1,
            dilation_h: 1,
            activation: Activation::Relu6
        }
    );

    // No table: schema defaults, whose stride 0 is invalid.
    let e = import_err("conv_no_options", conv_model(None));
    assert_eq!(e.to_string(), "operator #0 (CONV_2D): option stride_w = 0 is invalid: must be at least 1");

    // Another op's table.
    let e = import_err("conv_pool_options", conv_model(Some((5, Node::Table(vec![])))));
    assert!(matches!(e, ImportError::OptionsMismatch { found: "Pool2DOptions", expected: "Conv2DOptions", .. }), "{e}");

    let bad_padding = Node::Table(vec![(0, raw([7])), (1, raw(1i32.to_le_bytes())), (2, raw(1i32.to_le_bytes()))]);
    let e = import_err("conv_padding_7", conv_model(Some((1, bad_padding))));
    assert!(matches!(e, ImportError::BadOption { field: "padding", value: 7, .. }), "{e}");

    let bad_act = Node::Table(vec![(1, raw(1i32.to_le_bytes())), (2, raw(1i32.to_le_bytes())), (3, raw([9]))]);
    let e = import_err("conv_activation_9", conv_model(Some((1, bad_act))));
    assert!(matches!(e, ImportError::BadOption { field: "fused_activation_function", value: 9, .. }), "{e}");
}

#[test]
fn opcodes_use_the_larger_code_field() {
    let mut m = M::base();
    // A new op (code >= 127): the deprecated byte holds the placeholder 127.
    m.codes = vec![opcode(150)];
    assert_eq!(import(&m.build()).unwrap().operators[0].opcode, OpCode::Builtin(150));

    // An old file: only the deprecated byte is set.
    let mut m = M::base();
    m.codes = vec![Node::Table(vec![(0, raw([18]))])];
    m.ops = vec![Node::Table(operator(0, &[0, 1], &[2], None))];
    assert_eq!(import(&m.build()).unwrap().operators[0].opcode.name(), "MUL");

    let mut m = M::base();
    m.codes = vec![Node::Table(vec![(0, raw([32])), (1, Field::Ref(Node::Str("MyOp")))])];
    let g = import(&m.build()).unwrap();
    assert_eq!(g.operators[0].opcode, OpCode::Custom("MyOp".into()));
    assert_eq!(g.operators[0].options, Options::None);

    let mut m = M::base();
    m.codes = vec![opcode(32)];
    assert!(matches!(import_err("custom_without_name", m), ImportError::MissingCustomCode { opcode: 0 }));
}

#[test]
fn data_after_the_flatbuffer_is_read_and_bounds_checked() {
    // Models over 2 GB keep buffers after the flatbuffer: offset (> 1) from the file
    // start and size. The offset is only known after serializing, so patch it.
    let marker = 0x5555_5555_5555_5555u64;
    let mut m = M::base();
    m.buffers[1] = Node::Table(vec![(1, raw(marker.to_le_bytes())), (2, raw(4u64.to_le_bytes()))]);
    let mut b = m.build();
    let at = b.windows(8).position(|w| w == marker.to_le_bytes()).unwrap();
    let offset = b.len() as u64;
    b[at..at + 8].copy_from_slice(&offset.to_le_bytes());
    b.extend([9, 8, 7, 6]);
    assert_eq!(import(&b).unwrap().tensors[1].data.as_deref(), Some([9u8, 8, 7, 6].as_slice()));

    b.truncate(b.len() - 1);
    corpus("external_buffer_past_end", &b);
    let e = import(&b).unwrap_err();
    assert!(matches!(e, ImportError::OutsideFile { size: 4, .. }), "{e}");
}

#[test]
fn variable_tensors_have_no_constant_data() {
    let mut m = M::base();
    let mut t = tensor("state", &[1, 4], 9, 1);
    t.push((5, raw([1])));
    m.tensors[1] = Node::Table(t);
    let g = import(&m.build()).unwrap();
    assert!(g.tensors[1].is_variable);
    assert_eq!(g.tensors[1].data, None);
}

#[test]
fn model_level_errors() {
    let mut m = M::base();
    m.version = 0;
    assert!(matches!(import_err("version_0", m), ImportError::UnsupportedVersion { found: 0 }));

    let no_subgraphs = Node::Table(vec![(0, raw(3u32.to_le_bytes())), (2, Field::Ref(Node::Tables(vec![])))]);
    let b = finish(&no_subgraphs, true);
    corpus("no_subgraphs", &b);
    assert!(matches!(import(&b), Err(ImportError::NoSubgraphs)));
}

#[test]
fn shared_data_cannot_amplify_memory() {
    // 2,000 tensors that all point at one tensor with a 4 kB constant buffer: 8 MB if
    // copied naively, from a file of 12 kB (scale both up for gigabytes).
    let data = vec![1u8; 4_000];
    let mut m = M::base();
    m.buffers[1] = Node::Table(vec![(0, Field::Ref(bytes(&data)))]);
    m.tensor_vector = Some(Node::Shared(Box::new(Node::Table(tensor("big", &[4_000], 9, 1))), 2_000));
    m.inputs = vec![0];
    m.outputs = vec![0];
    m.op_vector = Some(Node::Tables(vec![]));
    let b = m.build();
    assert!(b.len() < 20_000);
    corpus("shared_buffer_amplification", &b);
    let r = import(&b).map(|g| g.tensors.len());
    assert!(matches!(r, Err(ImportError::TooMuchData { .. })), "{r:?}");

    // 2,000 operators sharing one list of 2,000 inputs: 4 M indices from 16 kB.
    let mut m = M::base();
    let inputs = vec![0; 2_000];
    m.op_vector = Some(Node::Shared(Box::new(Node::Table(operator(0, &inputs, &[2], None))), 2_000));
    let b = m.build();
    corpus("shared_inputs_amplification", &b);
    let r = import(&b).map(|g| g.operators.len());
    assert!(matches!(r, Err(ImportError::TooMuchData { .. })), "{r:?}");
}
