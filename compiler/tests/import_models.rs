//! The importer against an independent reader: every shared model is imported and
//! compared, tensor by tensor and operator by operator, with a summary written by the
//! flatc-generated Python `tflite` package (`tests/data/tflite_summary.py`).
//!
//! The summary is committed (`tests/data/model_summaries.json`), so these tests need no
//! Python; `summary_matches_python` regenerates it when a Python with `tflite` exists
//! and fails if the committed copy is stale.

use serde_json::{json, Value};
use std::path::PathBuf;
use std::process::Command;
use tinyml_compiler::graph::{Activation, Graph, OpCode, Options, Padding};
use tinyml_compiler::tflite::import;

/// The shared models: `$TINYML_MODELS_DIR`, else `tests/data` in the workspace.
fn models_dir() -> PathBuf {
    std::env::var_os("TINYML_MODELS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/data"))
}

const MODELS: [&str; 5] = [
    "mlperf-tiny/ad01_int8.tflite",
    "mlperf-tiny/kws_ref_model.tflite",
    "tflite-micro/audio_preprocessor_int8.tflite",
    "tflite-micro/hello_world_int8.tflite",
    "tflite-micro/micro_speech_quantized.tflite",
];

fn model_path(rel: &str) -> PathBuf {
    models_dir().join(rel)
}

fn load(rel: &str) -> Graph {
    let path = model_path(rel);
    let bytes =
        std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {} (set TINYML_MODELS_DIR): {e}", path.display()));
    import(&bytes).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn summaries() -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/model_summaries.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn file_name(rel: &str) -> &str {
    rel.rsplit('/').next().unwrap()
}

fn padding(p: Padding) -> u8 {
    match p {
        Padding::Same => 0,
        Padding::Valid => 1,
    }
}

fn act(a: Activation) -> u8 {
    match a {
        Activation::None => 0,
        Activation::Relu => 1,
        Activation::ReluN1To1 => 2,
        Activation::Relu6 => 3,
        Activation::Tanh => 4,
        Activation::SignBit => 5,
    }
}

/// Our options in the summary's format (`options_type` is the Python table name).
fn options_json(o: &Options, python_type: &str) -> Value {
    match o {
        Options::None => json!({"type": "NONE"}),
        Options::Conv2D { padding: p, stride_w, stride_h, dilation_w, dilation_h, activation } => json!({
            "type": "Conv2DOptions", "padding": padding(*p), "stride_w": stride_w, "stride_h": stride_h,
            "dilation_w": dilation_w, "dilation_h": dilation_h, "activation": act(*activation)}),
        Options::DepthwiseConv2D {
            padding: p,
            stride_w,
            stride_h,
            dilation_w,
            dilation_h,
            depth_multiplier,
            activation,
        } => json!({
            "type": "DepthwiseConv2DOptions", "padding": padding(*p), "stride_w": stride_w, "stride_h": stride_h,
            "dilation_w": dilation_w, "dilation_h": dilation_h, "depth_multiplier": depth_multiplier,
            "activation": act(*activation)}),
        Options::Pool2D { padding: p, stride_w, stride_h, filter_w, filter_h, activation } => json!({
            "type": "Pool2DOptions", "padding": padding(*p), "stride_w": stride_w, "stride_h": stride_h,
            "filter_w": filter_w, "filter_h": filter_h, "activation": act(*activation)}),
        Options::TransposeConv { padding: p, stride_w, stride_h, activation } => json!({
            "type": "TransposeConvOptions", "padding": padding(*p), "stride_w": stride_w, "stride_h": stride_h,
            "activation": act(*activation)}),
        Options::FullyConnected { activation, keep_num_dims, weights_format } => json!({
            "type": "FullyConnectedOptions", "activation": act(*activation), "keep_num_dims": keep_num_dims,
            "weights_format": weights_format}),
        Options::Svdf { rank, activation, asymmetric_quantize_inputs } => json!({
            "type": "SVDFOptions", "rank": rank, "activation": act(*activation),
            "asymmetric_quantize_inputs": asymmetric_quantize_inputs}),
        Options::Softmax { beta } => json!({"type": "SoftmaxOptions", "beta": beta}),
        Options::LeakyRelu { alpha } => json!({"type": "LeakyReluOptions", "alpha": alpha}),
        Options::Elementwise { activation } => json!({"type": python_type, "activation": act(*activation)}),
        Options::Concatenation { axis, activation } => {
            json!({"type": "ConcatenationOptions", "axis": axis, "activation": act(*activation)})
        }
        Options::Reshape { new_shape } => json!({"type": "ReshapeOptions", "new_shape": new_shape}),
        Options::BatchMatMul { adj_x, adj_y } => {
            json!({"type": "BatchMatMulOptions", "adj_x": adj_x, "adj_y": adj_y})
        }
        Options::Reducer { keep_dims } => json!({"type": "ReducerOptions", "keep_dims": keep_dims}),
        Options::UnidirectionalSequenceLstm { activation, cell_clip, proj_clip, time_major, .. } => json!({
            "type": "UnidirectionalSequenceLSTMOptions", "activation": act(*activation), "cell_clip": cell_clip,
            "proj_clip": proj_clip, "time_major": time_major}),
        Options::StridedSlice { begin_mask, end_mask, ellipsis_mask, new_axis_mask, shrink_axis_mask, offset } => {
            json!({
            "type": "StridedSliceOptions", "begin_mask": begin_mask, "end_mask": end_mask,
            "ellipsis_mask": ellipsis_mask, "new_axis_mask": new_axis_mask, "shrink_axis_mask": shrink_axis_mask,
            "offset": offset})
        }
        Options::Gather { axis, batch_dims } => {
            json!({"type": "GatherOptions", "axis": axis, "batch_dims": batch_dims})
        }
        Options::Pack { count, axis } => json!({"type": python_type, "count": count, "axis": axis}),
        Options::Split { num_splits } => json!({"type": python_type, "num_splits": num_splits}),
        Options::ResizeNearestNeighbor { align_corners, half_pixel_centers } => json!({
            "type": "ResizeNearestNeighborOptions", "align_corners": align_corners,
            "half_pixel_centers": half_pixel_centers}),
    }
}

fn check_model(rel: &str, expected: &Value) {
    let g = load(rel);
    let name = file_name(rel);
    assert_eq!(expected["version"], 3);
    assert_eq!(g.description, expected["description"], "{name}: description");
    assert_eq!(json!(g.inputs), expected["inputs"], "{name}: inputs");
    assert_eq!(json!(g.outputs), expected["outputs"], "{name}: outputs");

    let tensors = expected["tensors"].as_array().unwrap();
    assert_eq!(g.tensors.len(), tensors.len(), "{name}: tensor count");
    for (i, (t, e)) in g.tensors.iter().zip(tensors).enumerate() {
        let at = format!("{name} tensor #{i} '{}'", t.name);
        assert_eq!(t.name, e["name"], "{at}: name");
        assert_eq!(json!(t.shape), e["shape"], "{at}: shape");
        assert_eq!(t.dtype.tflite_name(), e["type"], "{at}: type");
        assert_eq!(t.is_variable, e["is_variable"], "{at}: is_variable");
        let data_len = e["data_len"].as_u64().unwrap() as usize;
        assert_eq!(t.data.as_ref().map_or(0, Vec::len), data_len, "{at}: constant bytes");
        if data_len > 0 {
            assert_eq!(data_len, t.bytes(), "{at}: constant bytes match shape");
        }
        match (&t.quant, &e["quant"]) {
            (None, Value::Null) => {}
            (Some(q), eq) if !eq.is_null() => {
                // Compared as f32: serde_json's float parsing may be one f64 ulp off.
                let expected: Vec<f32> =
                    eq["scale"].as_array().unwrap().iter().map(|s| s.as_f64().unwrap() as f32).collect();
                assert_eq!(q.scale, expected, "{at}: scales");
                assert_eq!(json!(q.zero_point), eq["zero_point"], "{at}: zero points");
                assert_eq!(q.axis as u64, eq["axis"].as_u64().unwrap(), "{at}: quantized dimension");
            }
            (q, eq) => panic!("{at}: quantization {q:?}, expected {eq}"),
        }
    }

    let ops = expected["operators"].as_array().unwrap();
    assert_eq!(g.operators.len(), ops.len(), "{name}: operator count");
    for (i, (op, e)) in g.operators.iter().zip(ops).enumerate() {
        let at = format!("{name} operator #{i}");
        assert_eq!(op.index, i);
        assert_eq!(op.opcode.name(), e["op"], "{at}: op");
        let inputs: Vec<i64> = op.inputs.iter().map(|i| i.map_or(-1, |i| i as i64)).collect();
        assert_eq!(json!(inputs), e["inputs"], "{at}: inputs");
        assert_eq!(json!(op.outputs), e["outputs"], "{at}: outputs");
        assert_eq!(json!(op.custom_options.len()), e["custom_options_len"], "{at}: custom options");
        let python_type = e["options"]["type"].as_str().unwrap();
        let ours = options_json(&op.options, python_type);
        if python_type == "NONE" {
            // No table: ours holds the schema defaults (or nothing, for ops we don't read).
            match &op.options {
                Options::None => {}
                Options::Reshape { new_shape: None } => {}
                Options::LeakyRelu { alpha } if *alpha == 0.0 => {}
                Options::Gather { axis: 0, batch_dims: 0 } | Options::Pack { count: 0, axis: 0 } => {}
                Options::Split { num_splits: 0 } => {}
                Options::ResizeNearestNeighbor { align_corners: false, half_pixel_centers: false } => {}
                Options::BatchMatMul { adj_x: false, adj_y: false } => {}
                Options::Elementwise { activation: Activation::None } => {}
                other => panic!("{at}: no options table in the file, but imported {other:?}"),
            }
        } else {
            assert_eq!(ours, e["options"], "{at}: options");
        }
        if let OpCode::Custom(_) = op.opcode {
            assert_eq!(op.options, Options::None);
        }
    }
}

#[test]
fn every_shared_model_matches_the_python_reader() {
    let all = summaries();
    for rel in MODELS {
        check_model(rel, &all[file_name(rel)]);
    }
}

/// Facts stated in NOTES.md, checked directly.
#[test]
fn known_model_facts() {
    let count = |g: &Graph, op: &str| g.operators.iter().filter(|o| o.opcode.name() == op).count();

    let kws = load("mlperf-tiny/kws_ref_model.tflite");
    assert_eq!(kws.tensors[kws.inputs[0]].shape, [1, 49, 10, 1]);
    assert_eq!(kws.tensors[kws.outputs[0]].shape, [1, 12]);
    assert_eq!((count(&kws, "CONV_2D"), count(&kws, "DEPTHWISE_CONV_2D")), (5, 4));
    assert_eq!(kws.operators.len(), 13);
    // Per-channel conv weights: one scale per output channel along dimension 0.
    let conv = &kws.operators[0];
    let w = &kws.tensors[conv.inputs[1].unwrap()];
    let q = w.quant.as_ref().unwrap();
    assert_eq!(q.scale.len(), w.shape[0]);
    assert!(q.zero_point.iter().all(|&z| z == 0));
    assert!(matches!(conv.options, Options::Conv2D { stride_w: 2, stride_h: 2, activation: Activation::Relu, .. }));
    // Parameters: 24.4 KB (weights and biases).
    let params: usize = kws.tensors.iter().filter_map(|t| t.data.as_ref()).map(Vec::len).sum();
    assert!((24_000..25_000).contains(&params), "KWS parameters {params} B");

    let ad = load("mlperf-tiny/ad01_int8.tflite");
    assert_eq!(count(&ad, "FULLY_CONNECTED"), 10);
    assert_eq!(ad.tensors[ad.inputs[0]].elements(), 640);
    assert_eq!(ad.tensors[ad.outputs[0]].elements(), 640);

    let ms = load("tflite-micro/micro_speech_quantized.tflite");
    assert_eq!(ms.tensors[ms.inputs[0]].shape, [1, 1960]);
    assert_eq!(ms.tensors[ms.outputs[0]].shape, [1, 4]);

    let pre = load("tflite-micro/audio_preprocessor_int8.tflite");
    let input = &pre.tensors[pre.inputs[0]];
    assert_eq!((input.shape.as_slice(), input.dtype.tflite_name()), ([1, 480].as_slice(), "INT16"));
    assert!(pre
        .operators
        .iter()
        .any(|o| o.opcode == OpCode::Custom("SignalPCAN".into()) && !o.custom_options.is_empty()));

    let hw = load("tflite-micro/hello_world_int8.tflite");
    assert_eq!(count(&hw, "FULLY_CONNECTED"), 3);
}

/// A Python that has the `tflite` package: `$TINYML_PYTHON`, else the workspace
/// `.venv`, else `python3`.
fn python_with_tflite() -> Option<PathBuf> {
    let venv = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../.venv/bin/python");
    let candidates: Vec<PathBuf> = match std::env::var_os("TINYML_PYTHON") {
        Some(p) => vec![p.into()],
        None => vec![venv, "python3".into()],
    };
    candidates
        .into_iter()
        .find(|py| Command::new(py).args(["-c", "import tflite"]).output().is_ok_and(|o| o.status.success()))
}

#[test]
fn summary_matches_python() {
    let Some(py) = python_with_tflite() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI is set but no Python with the `tflite` package was found (set TINYML_PYTHON)"
        );
        eprintln!("skipped: no Python with the `tflite` package (set TINYML_PYTHON to check the committed summary)");
        return;
    };
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/tflite_summary.py");
    let out = Command::new(&py).arg(script).args(MODELS.map(model_path)).output().expect("run python");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let live: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        live == summaries(),
        "tests/data/model_summaries.json is stale: regenerate it with tests/data/tflite_summary.py"
    );
    // And the importer against the live output too, in case both copies changed.
    for rel in MODELS {
        check_model(rel, &live[file_name(rel)]);
    }
}
