//! The C export, end to end: for every shared model, the exported C99 is compiled with
//! host gcc (`-std=c99 -Wall -Wextra -Werror -O1`, in the 8-bit and the 16-bit int8
//! container mode) and with arm-none-eabi-gcc for the Cortex-M55 of QEMU mps3-an547;
//! each build runs the deterministic test input and a few random inputs, and must print
//! exactly TFLite Micro's outputs (the reference interpreter, `tools/oracle`) and the
//! Rust host execution's (`Program::run`).

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use tinyml_compiler::codegen::c::{self, COptions, Container};
use tinyml_compiler::formats::npy::NpyArray;
use tinyml_compiler::graph::DType;
use tinyml_compiler::Program;

/// Random inputs per model, besides the deterministic test input.
const RANDOM_INPUTS: usize = 3;

fn harness_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/c_export")
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tinyml-c-export-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn have(tool: &str) -> bool {
    Command::new(tool).arg("--version").output().is_ok_and(|o| o.status.success())
}

/// Runs a command, panicking with its output when it fails; returns (stdout, stderr).
fn run_both(cmd: &mut Command, what: &str) -> (String, String) {
    let out = cmd.output().unwrap_or_else(|e| panic!("{what}: cannot start {:?}: {e}", cmd.get_program()));
    assert!(
        out.status.success(),
        "{what} failed ({}):\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (String::from_utf8(out.stdout).unwrap(), String::from_utf8(out.stderr).unwrap())
}

/// Runs a command, panicking with its output when it fails; returns stdout.
fn run(cmd: &mut Command, what: &str) -> String {
    run_both(cmd, what).0
}

/// `vectors.h` for the harness: every input as int8 values.
fn vectors_h(inputs: &[Vec<u8>]) -> String {
    let mut s = format!(
        "#define TEST_VECTORS {}\nstatic const int16_t test_vectors[{}][{}] = {{\n",
        inputs.len(),
        inputs.len(),
        inputs[0].len()
    );
    for v in inputs {
        let vals: Vec<String> = v.iter().map(|&b| (b as i8).to_string()).collect();
        s.push_str(&format!("    {{{}}},\n", vals.join(", ")));
    }
    s.push_str("};\n");
    s
}

/// Exports `program` in `container` mode into a fresh directory with the harness.
fn export(
    program: &Program,
    model: &str,
    container: Container,
    inputs: &[Vec<u8>],
    tag: &str,
) -> (PathBuf, Vec<PathBuf>) {
    let dir = scratch(&format!("{model}-{tag}"));
    let opts = COptions { source: model.to_owned(), container, ..Default::default() };
    let export = c::generate(program, &opts).unwrap_or_else(|e| panic!("{model}: C export failed: {e}"));
    let out = dir.join("export");
    c::write_dir(&out, &export.files, false).unwrap();
    std::fs::write(out.join("vectors.h"), vectors_h(inputs)).unwrap();
    std::fs::copy(harness_dir().join("harness.c"), out.join("harness.c")).unwrap();
    let sources = export
        .files
        .iter()
        .filter(|(n, _)| n.ends_with(".c"))
        .map(|(n, _)| out.join(n))
        .chain([out.join("harness.c")])
        .collect();
    (out, sources)
}

/// Parses the harness output: one line of decimal values per input, then `done`.
fn parse_outputs(text: &str, what: &str) -> Vec<Vec<u8>> {
    let mut lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.pop(), Some("done"), "{what}: the harness did not finish:\n{text}");
    lines
        .iter()
        .map(|l| {
            l.split(' ').map(|v| v.parse::<i8>().unwrap_or_else(|_| panic!("{what}: bad value {v}")) as u8).collect()
        })
        .collect()
}

fn host_build(program: &Program, model: &str, container: Container, inputs: &[Vec<u8>]) -> Vec<Vec<u8>> {
    let tag = format!("host{}", container.bits());
    let (dir, sources) = export(program, model, container, inputs, &tag);
    let exe = dir.join("harness");
    let mut cmd = Command::new("gcc");
    cmd.args(["-std=c99", "-Wall", "-Wextra", "-Werror", "-O1"]).arg("-I").arg(&dir).args(&sources).arg("-o").arg(&exe);
    run(&mut cmd, &format!("{model}: gcc ({tag})"));
    parse_outputs(&run(&mut Command::new(&exe), &format!("{model}: host harness ({tag})")), &tag)
}

fn qemu_build(program: &Program, model: &str, container: Container, inputs: &[Vec<u8>]) -> Vec<Vec<u8>> {
    let tag = format!("qemu{}", container.bits());
    let (dir, sources) = export(program, model, container, inputs, &tag);
    let elf = dir.join("harness.elf");
    let h = harness_dir();
    let mut cmd = Command::new("arm-none-eabi-gcc");
    cmd.args(["-std=c99", "-Wall", "-Wextra", "-Werror", "-O1", "-mcpu=cortex-m55", "-mthumb", "-mfloat-abi=hard"])
        .args(["-ffunction-sections", "-fdata-sections", "-nostartfiles", "--specs=nano.specs", "--specs=nosys.specs"])
        .arg("-I")
        .arg(&dir)
        .args(&sources)
        .arg(h.join("startup.c"))
        .arg("-T")
        .arg(h.join("mps3_an547.ld"))
        .args(["-Wl,--gc-sections", "-o"])
        .arg(&elf);
    run(&mut cmd, &format!("{model}: arm-none-eabi-gcc ({tag})"));
    let mut q = Command::new("qemu-system-arm");
    q.args(["-machine", "mps3-an547", "-nographic", "-semihosting-config", "enable=on,target=native", "-kernel"])
        .arg(&elf);
    q.stdin(std::process::Stdio::null());
    // QEMU 7.2 writes semihosting console output (SYS_WRITE0) to stderr.
    parse_outputs(&run_both(&mut q, &format!("{model}: QEMU ({tag})")).1, &tag)
}

/// The inputs: the deterministic test input, then random ones.
fn inputs_for(program: &Program) -> Vec<Vec<u8>> {
    let t = &program.graph.tensors[program.graph.inputs[0]];
    assert_eq!(t.dtype, DType::I8, "the harness feeds int8 inputs");
    let mut rng = support::Rng(0xC0DE_0007);
    let mut v = vec![tinyml_compiler::build::test_input_for(t.dtype, t.elements())];
    v.extend((0..RANDOM_INPUTS).map(|_| rng.bytes(t.elements())));
    v
}

/// TFLM's outputs for `inputs`, or `None` (with a visible skip) without the oracle.
fn tflm(model_path: &Path, program: &Program, inputs: &[Vec<u8>], name: &str) -> Option<Vec<Vec<u8>>> {
    let py = match support::check_oracle() {
        Ok(py) => py,
        Err(why) => {
            support::skip(&format!("C export vs TFLM ({name})"), &why, support::INSTALL_HINT);
            return None;
        }
    };
    let t = &program.graph.tensors[program.graph.inputs[0]];
    let mut shape = vec![inputs.len()];
    shape.extend(&t.shape);
    let batch = NpyArray::new(t.dtype, shape, inputs.concat()).unwrap();
    let outs = support::tflm_batch(&py, model_path, &[batch], &scratch(&format!("{name}-tflm"))).unwrap();
    let per = outs[0].data.len() / inputs.len();
    Some(outs[0].data.chunks_exact(per).map(<[u8]>::to_vec).collect())
}

fn check_model(rel: &str) {
    let name = Path::new(rel).file_stem().unwrap().to_str().unwrap().to_owned();
    let path = support::shared_models().join(rel);
    let bytes = std::fs::read(&path)
        .unwrap_or_else(|e| panic!("cannot read {} (set TINYML_SHARED_MODELS): {e}", path.display()));
    let program = match tinyml_compiler::compile(&bytes, &Default::default()) {
        Ok(p) => p,
        Err(e) => panic!("{name}: does not compile yet (a kernel not implemented yet?): {e}"),
    };
    let inputs = inputs_for(&program);
    let rust: Vec<Vec<u8>> = inputs.iter().map(|x| program.run(&[x]).unwrap().remove(0)).collect();
    if let Some(want) = tflm(&path, &program, &inputs, &name) {
        assert_eq!(rust, want, "{name}: the Rust host run differs from TFLM (not a C export problem)");
    }
    if !have("gcc") {
        support::skip(&format!("C export of {name} on the host"), "gcc not found", "apt-get install gcc");
        return;
    }
    for container in [Container::Bits8, Container::Bits16] {
        let got = host_build(&program, &name, container, &inputs);
        assert_eq!(
            got,
            rust,
            "{name}: host gcc, int8 container {} bits, differs from the Rust run/TFLM",
            container.bits()
        );
    }
    if !have("arm-none-eabi-gcc") || !have("qemu-system-arm") {
        support::skip(
            &format!("C export of {name} in QEMU"),
            "arm-none-eabi-gcc or qemu-system-arm not found",
            "apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm",
        );
        return;
    }
    for container in [Container::Bits8, Container::Bits16] {
        let got = qemu_build(&program, &name, container, &inputs);
        assert_eq!(
            got,
            rust,
            "{name}: QEMU mps3-an547, int8 container {} bits, differs from the Rust run/TFLM",
            container.bits()
        );
    }
}

#[test]
fn hello_world_c_export_matches_tflm() {
    check_model("tflite-micro/hello_world_int8.tflite");
}

#[test]
fn ad01_c_export_matches_tflm() {
    check_model("mlperf-tiny/ad01_int8.tflite");
}

#[test]
fn kws_c_export_matches_tflm() {
    check_model("mlperf-tiny/kws_ref_model.tflite");
}

#[test]
fn micro_speech_c_export_matches_tflm() {
    check_model("tflite-micro/micro_speech_quantized.tflite");
}

/// The C library ports every kernel the shared models call (a kernel without a port is a
/// `KernelNotPorted` error at export time, naming the layer and the function).
#[test]
fn ported_functions_cover_the_shared_models_ops() {
    let f = c::ported_functions();
    for needed in ["fully_connected_s8", "conv_s8", "depthwise_conv_s8", "average_pool_i8", "softmax_s8"] {
        assert!(f.contains(&needed), "{needed} has no C port");
    }
}
