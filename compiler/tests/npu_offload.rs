//! Models compiled with the layers Arm's Vela puts on an Ethos-U55-128 as NPU steps
//! (`tinyml_compiler::npu`), against Vela's own output model and TFLM:
//!
//! - device mode: one NPU step per `ethos-u` operator, embedding its payload and weights
//!   byte for byte, its region the size of Vela's scratch, with the step's inputs and
//!   outputs planned at Vela's offsets in it; the host refuses to run it;
//! - simulated mode: each NPU step replaced by its operators on the CPU; the whole
//!   program's outputs equal TFLM's run of the original model, bit for bit.
//!
//! Needs Python with the TFLM oracle and `ethos-u-vela` (`scripts/test` installs both);
//! fails in CI without them, skips elsewhere.

mod support;

use std::path::Path;
use std::process::Command;

use support::run::{check, random_inputs};
use support::{skip, table, INSTALL_HINT};
use tinyml_compiler::npu::{self, vela_model, NpuMode};
use tinyml_compiler::plan::check_placement;
use tinyml_compiler::{CompileOptions, Program};

const ACCELERATOR: &str = "ethos-u55-128";

const MODELS: &[&str] = &[
    "mlperf-tiny/kws_ref_model.tflite",
    "mlperf-tiny/vww_96_int8.tflite",
    "mlperf-tiny/ic_resnet8_int8.tflite",
    "mlperf-tiny/ad01_int8.tflite",
    "tflite-micro/micro_speech_quantized.tflite",
    "tflite-micro/hello_world_int8.tflite",
];

fn has_vela(py: &Path) -> bool {
    Command::new(py).args(["-c", "import ethosu.vela"]).output().is_ok_and(|o| o.status.success())
}

/// The checks of device mode; the error says what differs.
fn check_device(program: &Program, vela: &[u8]) -> Result<String, String> {
    let ops = vela_model::ethos_u_ops(vela).map_err(|e| e.to_string())?;
    let npu_steps: Vec<usize> =
        (0..program.steps.len()).filter(|&i| program.steps[i].kernel.npu_region().is_some()).collect();
    if npu_steps.len() != ops.len() {
        return Err(format!("{} NPU steps for {} ethos-u operators", npu_steps.len(), ops.len()));
    }
    for (&i, op) in npu_steps.iter().zip(&ops) {
        let step = &program.steps[i];
        let stream = step.kernel.npu_stream().ok_or("a device NPU step without its command stream")?;
        if stream.payload != op.payload.as_slice() || stream.weights != op.weights.as_slice() {
            return Err(format!("step {i}: payload or weights differ from Vela's"));
        }
        let (start, len) = program.npu_region(i).ok_or("an NPU step without a region")?;
        if len != op.scratch_bytes || start % 16 != 0 || start + len > program.plan.arena_bytes {
            return Err(format!("step {i}: region ({start}, {len}) for Vela's scratch of {} B", op.scratch_bytes));
        }
        for (&t, map) in step.inputs.iter().chain(&step.outputs).zip(op.inputs.iter().chain(&op.outputs)) {
            if program.offset(t) != start + map.offset {
                return Err(format!(
                    "step {i}: tensor '{}' at {}, Vela has it at region + {}",
                    map.name,
                    program.offset(t),
                    map.offset
                ));
            }
        }
    }
    let offsets: Vec<usize> = program.plan.buffers.iter().map(|(_, o)| *o).collect();
    let buffers: Vec<_> = program.plan.buffers.iter().map(|(b, _)| b.clone()).collect();
    check_placement(&buffers, &offsets)?;
    match program.run(&random_inputs(program, 1, 1).iter().map(|a| a.data.as_slice()).collect::<Vec<_>>()) {
        Err(tinyml_compiler::exec::ExecError::NpuOnHost { .. }) => {}
        other => return Err(format!("the host ran a device NPU step: {other:?}")),
    }
    let cpu = program.steps.len() - npu_steps.len();
    Ok(format!("{} NPU + {cpu} CPU steps, arena {} B", npu_steps.len(), program.plan.arena_bytes))
}

#[test]
fn offloaded_models_match_vela_and_tflm() {
    let models = support::shared_models();
    let py = match support::check_oracle() {
        Ok(py) => py,
        Err(why) => return skip("npu_offload", &why, INSTALL_HINT),
    };
    if !has_vela(&py) {
        return skip(
            "npu_offload",
            &format!("{} cannot import ethosu.vela", py.display()),
            &format!("{} -m pip install -r tools/npu/requirements.txt", py.display()),
        );
    }
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR")).join("npu-offload");
    // A model Vela splits NPU, CPU, NPU, one tensor read by both command streams.
    let mixed = tmp.join("mixed.tflite");
    std::fs::create_dir_all(&tmp).expect("temporary directory");
    let made = Command::new(&py)
        .arg(support::workspace_root().join("tools/npu/mixed_model.py"))
        .arg(&mixed)
        .status()
        .expect("runs tools/npu/mixed_model.py");
    assert!(made.success(), "tools/npu/mixed_model.py failed");
    let mut paths: Vec<std::path::PathBuf> = MODELS.iter().map(|rel| models.join(rel)).collect();
    paths.push(mixed);
    let mut rows = Vec::new();
    let mut velas = Vec::new();
    for (k, path) in paths.iter().enumerate() {
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        let vela = npu::vela::compile(&py, path, ACCELERATOR, &tmp.join(&name)).expect("Vela compiles the model");
        velas.push((bytes.clone(), vela.clone()));
        let compile = |mode| {
            let graph = tinyml_compiler::tflite::import(&bytes).expect("imports");
            npu::compile_offloaded(graph, &vela, mode, &CompileOptions::default())
        };
        let device = compile(NpuMode::Device).map_err(|e| e.to_string()).and_then(|p| check_device(&p, &vela));
        rows.push(vec![format!("{name} (device)"), "-".into(), device.unwrap_or_else(|e| format!("FAIL: {e}"))]);
        match compile(NpuMode::Simulated) {
            Ok(program) => {
                let inputs = random_inputs(&program, 4, 0x0E70_5000 + k as u64);
                let row = check(&py, path, &program, &format!("{name} (simulated)"), &inputs, &tmp.join(&name));
                rows.push(row[..3].to_vec());
            }
            Err(e) => rows.push(vec![format!("{name} (simulated)"), "-".into(), format!("FAIL: compile: {e}")]),
        }
    }
    // Vela's output of one model with another model: refused, naming the tensor.
    let (kws, _) = &velas[0];
    let (_, vww_vela) = &velas[1];
    let graph = tinyml_compiler::tflite::import(kws).expect("imports");
    let err = npu::compile_offloaded(graph, vww_vela, NpuMode::Device, &CompileOptions::default()).unwrap_err();
    assert!(err.to_string().contains("'input_1_int8'") && err.to_string().contains("another model"), "{err}");
    eprintln!("{}", table(&["model", "runs", "result"], &rows));
    let failed: Vec<&Vec<String>> = rows
        .iter()
        .filter(|r| r[2].starts_with("FAIL") || (r[0].ends_with("(simulated)") && r[2] != "bit-exact"))
        .collect();
    assert!(failed.is_empty(), "{} checks failed (table above)", failed.len());
}
