//! A failed firmware build is told by its cause (issue 12): a linker region overflow
//! becomes the fit message with the region and the bytes (exit 3), a bad model in
//! `model/` gets the model's own diagnosis, a missing dependency path says so; causes
//! the log does not show get no hint. Real builds through the binary for the first
//! three; the log classifier on recorded cargo output for the rest.
//!
//! Builds share `$TINYML_FIRMWARE_TARGET_DIR` (default `<target>/tmp/firmware`) with
//! `firmware.rs`.

use cargo_tinyml::project::build_log::{classify, BuildCause};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_owned()
}

fn target_dir() -> PathBuf {
    std::env::var_os("TINYML_FIRMWARE_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_TARGET_TMPDIR")).join("firmware"))
}

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("build-failures").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn tinyml(dir: &Path, boards: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cargo-tinyml"))
        .current_dir(dir)
        .env("TINYML_BOARDS_DIR", boards)
        .arg("tinyml")
        .args(args)
        .output()
        .unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The last lines of the message (cargo's own output above them varies).
fn verdict(o: &Output) -> String {
    let e = stderr(o);
    let start = e.find("error: cargo build failed").unwrap_or_else(|| panic!("no build failure:\n{e}"));
    e[start..].to_owned()
}

#[test]
fn a_linker_overflow_is_the_fit_message_and_a_bad_model_is_diagnosed() {
    let dir = scratch("overflow");
    // A user board with 128 KiB of flash (mps3-an547 otherwise), and VWW's 230 KB of weights.
    let boards = dir.join("boards");
    std::fs::create_dir_all(&boards).unwrap();
    let an547 = std::fs::read_to_string(workspace().join("boards/mps3-an547.toml")).unwrap();
    let small = an547.replace("name = \"mps3-an547\"", "name = \"tiny-test-board\"").replacen(
        "length = 0x0008_0000",
        "length = 0x0002_0000",
        1,
    );
    assert_ne!(small, an547, "the board file layout changed; update this test");
    std::fs::write(boards.join("tiny.toml"), small).unwrap();
    let vww = workspace().join("tests/data/mlperf-tiny/vww_96_int8.tflite");
    let o = tinyml(&dir, &boards, &["new", "v", "-b", "tiny-test-board", "-m", vww.to_str().unwrap(), "--force"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let project = dir.join("v");
    let target = target_dir();
    let run = || tinyml(&project, &boards, &["run", "--target-dir", target.to_str().unwrap()]);

    let o = run();
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    let v = verdict(&o);
    // The linker's count depends on the code; the shape of the message does not.
    let over: String = v
        .split("DOES NOT FIT, ")
        .nth(1)
        .and_then(|r| r.split(' ').next())
        .unwrap_or_else(|| panic!("no shortfall in:\n{v}"))
        .to_owned();
    assert!(over.parse::<u64>().unwrap() > 100_000, "{v}");
    insta::assert_snapshot!("linker_overflow", v.replace(&over, "N"));

    // The same project with a float model: the model's diagnosis, not a guess.
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/float32_fc.tflite"),
        project.join("model/model.tflite"),
    )
    .unwrap();
    let o = run();
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let v = verdict(&o).replace(&project.display().to_string(), "PROJECT");
    assert!(v.contains("float model: convert with full-integer (int8) quantization"), "{v}");
    assert!(!v.contains("rustup"), "no hint about targets for a model problem:\n{v}");
    insta::assert_snapshot!("build_float_model", v);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_missing_dependency_path_says_so() {
    let dir = scratch("nosource");
    let o = Command::new(env!("CARGO_BIN_EXE_cargo-tinyml"))
        .current_dir(&dir)
        .env("TINYML_SOURCE_DIR", workspace())
        .args(["tinyml", "new", "demo"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    // The checkout the project depends on moved away.
    let manifest = dir.join("demo/Cargo.toml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    let moved = text.replace(&workspace().display().to_string(), "/nonexistent-tinyml-checkout");
    assert_ne!(moved, text, "the project has path dependencies on the checkout");
    std::fs::write(&manifest, moved).unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_cargo-tinyml"))
        .current_dir(dir.join("demo"))
        .args(["tinyml", "run", "--target-dir", target_dir().to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let v = verdict(&o);
    assert!(v.contains("the dependency path `/nonexistent-tinyml-checkout/"), "{v}");
    assert!(v.contains("hint: the project depends on a cargo-tinyml checkout by path"), "{v}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// A stereo WAV in the kws example's `audio/`: the build names the file and the fix.
#[test]
fn a_bad_wav_in_audio_names_the_file_and_the_fix() {
    let dir = scratch("wav");
    let o = Command::new(env!("CARGO_BIN_EXE_cargo-tinyml"))
        .current_dir(&dir)
        .env("TINYML_SOURCE_DIR", workspace())
        .args(["tinyml", "new", "yes", "--example", "kws"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    // 16 kHz, 2 channels, 16-bit PCM, 0.1 s of silence.
    let frames = 1600u32;
    let data = frames * 4;
    let mut wav = Vec::new();
    wav.extend(b"RIFF");
    wav.extend((36 + data).to_le_bytes());
    wav.extend(b"WAVEfmt ");
    wav.extend(16u32.to_le_bytes());
    wav.extend(1u16.to_le_bytes()); // PCM
    wav.extend(2u16.to_le_bytes()); // channels
    wav.extend(16_000u32.to_le_bytes());
    wav.extend((16_000u32 * 4).to_le_bytes());
    wav.extend(4u16.to_le_bytes());
    wav.extend(16u16.to_le_bytes());
    wav.extend(b"data");
    wav.extend(data.to_le_bytes());
    wav.resize(wav.len() + data as usize, 0);
    std::fs::write(dir.join("yes/audio/stereo.wav"), wav).unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_cargo-tinyml"))
        .current_dir(dir.join("yes"))
        .args(["tinyml", "run", "--target-dir", target_dir().to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let v = verdict(&o);
    assert!(!v.contains("rustup"), "{v}");
    insta::assert_snapshot!("build_bad_wav", v);
    let _ = std::fs::remove_dir_all(&dir);
}

/// cargo output recorded from real failures (`cargo build` of generated projects).
#[test]
fn the_log_classifier_tells_each_cause() {
    let root = Path::new("/nonexistent-project");
    let overflow = "\
  = note: rust-lld: error: section '.rodata' will not fit in region 'FLASH': overflowed by 233376 bytes
          rust-lld: error: section '.data' will not fit in region 'FLASH': overflowed by 233380 bytes
          rust-lld: error: section '.gnu.sgstubs' will not fit in region 'FLASH': overflowed by 233408 bytes
";
    match classify(overflow, root) {
        Some(BuildCause::DoesNotFit(e)) => insta::assert_snapshot!("classify_overflow", e.to_string()),
        other => panic!("{other:?}"),
    }
    let target = "\
error[E0463]: can't find crate for `core`
  |
  = note: the `thumbv8m.main-none-eabihf` target may not be installed
  = help: consider downloading the target with `rustup target add thumbv8m.main-none-eabihf`
";
    assert!(
        matches!(classify(target, root), Some(BuildCause::MissingTarget { target }) if target == "thumbv8m.main-none-eabihf")
    );
    let wav = "\
error: failed to run custom build command for `yes v0.1.0 (/tmp/yes)`
  --- stderr
  error: audio/stereo.wav: the WAV file has 2 channels; the front end needs mono (mix down with e.g. `sox in.wav -c 1 out.wav`)
";
    match classify(wav, root) {
        Some(BuildCause::Wav { path, reason }) => {
            assert_eq!(path, Path::new("audio/stereo.wav"));
            assert!(reason.starts_with("the WAV file has 2 channels"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
    let source = "\
error: failed to load manifest for dependency `tinyml-firmware`

Caused by:
  failed to read `/nonexistent/firmware/Cargo.toml`
";
    assert!(matches!(classify(source, root), Some(BuildCause::MissingSource { .. })));
    // A compile error in the user's own code: no cause, so no hint.
    let own = "\
error[E0425]: cannot find value `x` in this scope
 --> src/main.rs:3:5
";
    assert!(classify(own, root).is_none());
}
