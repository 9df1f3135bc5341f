//! The code-size estimate of `analyze` (and of `new`'s fit check) against measured
//! firmware (issue 12): for models with different kernels and layer counts, the flash of
//! the ELFs that `cargo tinyml run` (dev profile, opt-level 1) and `profile` (release, LTO)
//! build on mps3-an547, minus the model's constants, is the measured code; the estimate
//! from the kernels the model links and its layer count must stay within the tolerance
//! below of the larger of the two. The figures are printed, so
//! the constants in `compiler/src/analysis.rs` can be refitted from this test's output.
//!
//! Builds share `$TINYML_FIRMWARE_TARGET_DIR` (default `<target>/tmp/firmware`).

use cargo_tinyml::cmd::new::Cmd;
use cargo_tinyml::project::cargo::{self, BuildOptions};
use cargo_tinyml::project::Project;
use cargo_tinyml::target::elf::Elf;
use std::path::{Path, PathBuf};
use tinyml_compiler::analysis::Report;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_owned()
}

fn target_dir() -> PathBuf {
    std::env::var_os("TINYML_FIRMWARE_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_TARGET_TMPDIR")).join("firmware"))
}

fn have_target() -> bool {
    let ok = std::process::Command::new("rustc")
        .args(["--print", "sysroot"])
        .output()
        .ok()
        .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()))
        .is_some_and(|s| s.join("lib/rustlib/thumbv8m.main-none-eabihf").is_dir());
    if !ok {
        eprintln!("SKIPPED: the thumbv8m.main-none-eabihf target is missing");
        assert!(std::env::var_os("CI").is_none(), "under CI a skipped test is a failure");
    }
    ok
}

/// Measured code bytes (flash minus constants) of the dev and the release build, and the
/// estimate, for `model`.
fn measure(model: &Path) -> ([u64; 2], u64, Report) {
    let name = model.file_stem().unwrap().to_string_lossy().replace('.', "_");
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("code-size").join(&name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.parent().unwrap()).unwrap();
    let cmd = Cmd {
        name: format!("cs-{}", name.replace('_', "-")),
        board: "mps3-an547".into(),
        model: Some(model.to_owned()),
        path: Some(dir.clone()),
        example: None,
        force: false,
        npu: None,
        weights_in_ram: 0,
        local: false,
    };
    cmd.create().unwrap();
    let project = Project::find(&dir).unwrap();
    let program = tinyml_compiler::compile(&std::fs::read(model).unwrap(), &Default::default()).unwrap();
    let report = Report::of(&program);
    let measured = [false, true].map(|release| {
        let options = BuildOptions { release, target_dir: Some(target_dir()), quiet: true, memory: None };
        let elf = Elf::read(&cargo::build_elf(&project, &options).unwrap()).unwrap();
        elf.memory_use().flash_bytes - report.const_bytes as u64
    });
    let _ = std::fs::remove_dir_all(&dir);
    (measured, report.code_bytes_estimate as u64, report)
}

#[test]
fn code_estimate_follows_the_kernels_and_layers_a_model_links() {
    if !have_target() {
        return;
    }
    let models = [
        "tests/data/tflite-micro/hello_world_int8.tflite",
        "tests/data/mlperf-tiny/ad01_int8.tflite",
        "tests/data/mlperf-tiny/kws_ref_model.tflite",
        "tests/data/mlperf-tiny/ic_resnet8_int8.tflite",
        "tests/data/mlperf-tiny/vww_96_int8.tflite",
    ];
    let mut rows = Vec::new();
    for m in models {
        let ([dev, release], estimate, report) = measure(&workspace().join(m));
        // The larger of the two builds: `new` checks the fit before `run` builds dev.
        let measured = dev.max(release);
        println!(
            "{m}: measured code {dev} B dev, {release} B release; estimated {estimate} B ({:+.1}%), {} layers ({} code), kernels {:?}",
            (estimate as f64 - measured as f64) * 100.0 / measured as f64,
            report.layers.len(),
            report.layers.iter().filter(|l| !l.no_op).count(),
            report.kernels
        );
        rows.push((m, measured, estimate));
    }
    for (m, measured, estimate) in rows {
        // Never far under (a fit check must not pass a model the linker refuses by much),
        // never far over (nor refuse one that fits).
        let ratio = estimate as f64 / measured as f64;
        assert!((0.85..=1.25).contains(&ratio), "{m}: estimate {estimate} B vs measured {measured} B");
    }
}
