//! `cargo tinyml new`: the generated files (snapshots), and bad input refused with
//! nothing written.

use cargo_tinyml::boards::Catalog;
use cargo_tinyml::cmd::new::Cmd;
use cargo_tinyml::project::scaffold::NewError;
use cargo_tinyml::project::scaffold::{self, Model, Spec};
use std::path::{Path, PathBuf};

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("new-tests").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn listing(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p.clone());
            }
            out.push(p.strip_prefix(dir).unwrap().display().to_string());
        }
    }
    out.sort();
    out
}

#[test]
fn generated_project_files_snapshot() {
    let catalog = Catalog::builtin().unwrap();
    for board in ["mps3-an547", "stm32n6570-dk"] {
        let spec = Spec {
            name: "demo",
            board: catalog.get(board).unwrap(),
            model: Model::Default,
            source_dir: Some("/path/to/cargo-tinyml".into()),
            weights_in_ram: 0,
        };
        for (path, bytes) in scaffold::files(&spec) {
            if path.extension().is_some_and(|e| e == "tflite") || path.ends_with("LICENSE") {
                continue;
            }
            let name = format!("project_{board}_{}", path.display().to_string().replace(['/', '.'], "_"));
            insta::assert_snapshot!(name, String::from_utf8(bytes).unwrap());
        }
    }
}

#[test]
fn published_dependencies_without_a_checkout() {
    let catalog = Catalog::builtin().unwrap();
    let spec = Spec {
        name: "demo",
        board: catalog.get("mps2-an386").unwrap(),
        model: Model::Default,
        source_dir: None,
        weights_in_ram: 0,
    };
    let files = scaffold::files(&spec);
    let cargo_toml =
        String::from_utf8(files.iter().find(|(p, _)| p == Path::new("Cargo.toml")).unwrap().1.clone()).unwrap();
    assert!(cargo_toml.contains("tinyml-runtime = \"0.1.0\""), "{cargo_toml}");
    assert!(cargo_toml.contains("tinyml-firmware = { version = \"0.1.0\", features = [\"semihosting\", \"systick\"] }"));
    assert!(!cargo_toml.contains("path ="));
}

fn cmd(name: &str, board: &str, model: Option<PathBuf>, path: PathBuf) -> Cmd {
    Cmd {
        name: name.into(),
        board: board.into(),
        model,
        path: Some(path),
        example: None,
        local: false,
        force: false,
        npu: None,
        weights_in_ram: 0,
    }
}

#[test]
fn new_writes_the_project() {
    let dir = scratch("ok");
    let dest = dir.join("demo");
    cmd("demo", "mps2-an505", None, dest.clone()).create().unwrap();
    assert_eq!(
        listing(&dest),
        [
            ".cargo",
            ".cargo/config.toml",
            ".gitignore",
            "Cargo.toml",
            "README.md",
            "build.rs",
            "memory.x",
            "model",
            "model/LICENSE",
            "model/PROVENANCE.md",
            "model/model.tflite",
            "src",
            "src/main.rs"
        ]
    );
    assert_eq!(std::fs::read(dest.join("model/model.tflite")).unwrap(), scaffold::DEFAULT_MODEL);
    // No temporary directory is left beside it.
    assert_eq!(listing(&dir).iter().filter(|p| !p.starts_with("demo")).count(), 0);
    // An empty directory is fine too.
    let empty = dir.join("empty");
    std::fs::create_dir(&empty).unwrap();
    let model = Path::new(env!("CARGO_MANIFEST_DIR")).join("../templates/models/hello_world_int8.tflite");
    cmd("demo2", "mps3-an547", Some(model), empty.clone()).create().unwrap();
    assert!(empty.join("src/main.rs").is_file());
    assert!(!empty.join("model/LICENSE").exists(), "a user's model comes without our license file");
}

/// Runs `new` expecting an error, checks that the parent directory is unchanged, and
/// returns the error.
fn refused(c: Cmd) -> anyhow::Error {
    let parent = c.path.as_ref().unwrap().parent().unwrap().to_owned();
    let before = listing(&parent);
    let err = c.create().expect_err("new must refuse");
    assert_eq!(listing(&parent), before, "nothing may be written");
    assert!(cargo_tinyml::diagnostics::hint(&err).is_some(), "every refusal has a hint: {err:#}");
    err
}

#[test]
fn bad_input_is_refused_and_nothing_is_written() {
    let dir = scratch("bad");

    // Existing non-empty directory.
    let existing = dir.join("existing");
    std::fs::create_dir(&existing).unwrap();
    std::fs::write(existing.join("keep.txt"), "mine").unwrap();
    let err = refused(cmd("existing", "mps3-an547", None, existing.clone()));
    assert!(matches!(err.downcast_ref::<NewError>(), Some(NewError::Exists { .. })), "{err:#}");
    assert_eq!(std::fs::read_to_string(existing.join("keep.txt")).unwrap(), "mine");

    // Unknown board: the message lists the known ones.
    let err = refused(cmd("demo", "mps9-an999", None, dir.join("demo")));
    let msg = format!("{err:#}");
    assert!(
        msg.contains("unknown board `mps9-an999`") && msg.contains("mps3-an547") && msg.contains("frdm-mcxn947"),
        "{msg}"
    );

    // Bad names.
    for name in ["", "1demo", "my demo", "dé", "fn", "core", "a/b"] {
        let err = refused(cmd(name, "mps3-an547", None, dir.join("x")));
        assert!(matches!(err.downcast_ref::<NewError>(), Some(NewError::BadName { .. })), "{name}: {err:#}");
    }

    // Missing model.
    let err = refused(cmd("demo", "mps3-an547", Some(dir.join("nope.tflite")), dir.join("demo")));
    assert!(matches!(err.downcast_ref::<NewError>(), Some(NewError::ModelUnreadable { .. })), "{err:#}");

    // Not a TFLite file.
    let text = dir.join("model.txt");
    std::fs::write(&text, "this is not a model at all").unwrap();
    let err = refused(cmd("demo", "mps3-an547", Some(text.clone()), dir.join("demo")));
    assert!(matches!(err.downcast_ref::<NewError>(), Some(NewError::NotTflite { .. })), "{err:#}");

    // A file with the TFLite identifier but garbage inside: the importer refuses it.
    let fake = dir.join("fake.tflite");
    std::fs::write(&fake, b"\x10\0\0\0TFL3garbage-garbage-garbage").unwrap();
    let err = refused(cmd("demo", "mps3-an547", Some(fake), dir.join("demo")));
    assert!(matches!(err.downcast_ref::<NewError>(), Some(NewError::Compile { .. })), "{err:#}");
    std::fs::remove_file(&text).unwrap();

    // Weights in RAM on a board that gets a C project (its C export keeps them in flash).
    let c28x = dir.join("c28x");
    let err = refused(Cmd { weights_in_ram: 4096, ..cmd("c28x", "launchxl-f28p55x", None, c28x.clone()) });
    assert!(format!("{err:#}").contains("--weights-in-ram needs a board with a Rust target"), "{err:#}");
    assert!(!c28x.exists(), "nothing may be written");
}

// ---------------------------------------------------------------------------------------
// The binary: next steps, where the tinyml crates come from.

fn run_new(cwd: &Path, exe: &Path, args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    let mut cmd = std::process::Command::new(exe);
    cmd.current_dir(cwd).arg("tinyml").arg("new").args(args).env_remove("TINYML_SOURCE_DIR");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("run cargo-tinyml")
}

fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_cargo-tinyml"))
}

#[test]
fn next_steps_name_the_commands_that_work_for_the_board() {
    let dir = scratch("next-steps");
    for board in ["stm32n6570-dk", "frdm-mcxn947", "mps3-an547"] {
        let out = run_new(&dir, &bin(), &[board, "--board", board], &[]);
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
        let stdout = String::from_utf8(out.stdout).unwrap();
        insta::assert_snapshot!(format!("next_steps_{board}"), stdout);
        // `run` refuses hardware boards: it is not suggested for them.
        assert_eq!(stdout.contains("cargo tinyml run"), board == "mps3-an547", "{stdout}");
    }
}

#[test]
fn a_missing_source_dir_is_refused_and_nothing_is_written() {
    let dir = scratch("no-source");
    let out = run_new(&dir, &bin(), &["x"], &[("TINYML_SOURCE_DIR", "/nonexistent")]);
    assert_eq!(out.status.code(), Some(1));
    insta::assert_snapshot!("source_dir_missing", String::from_utf8(out.stderr).unwrap());
    assert!(out.stdout.is_empty());
    assert_eq!(listing(&dir), Vec::<String>::new(), "nothing may be written");
    // A directory that exists but is not a checkout is refused the same way.
    let out = run_new(&dir, &bin(), &["x"], &[("TINYML_SOURCE_DIR", dir.to_str().unwrap())]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no tinyml-runtime crate at"));
    assert_eq!(listing(&dir), Vec::<String>::new(), "nothing may be written");
}

/// An installed binary (a copy outside the checkout, run outside it) writes version
/// dependencies; `--local` and `TINYML_SOURCE_DIR` give path dependencies.
#[test]
fn an_installed_binary_writes_version_dependencies() {
    let dir = scratch("installed");
    let bin_dir = std::env::temp_dir().join(format!("tinyml-installed-{}", std::process::id()));
    std::fs::create_dir_all(&bin_dir).unwrap();
    let installed = bin_dir.join("cargo-tinyml");
    std::fs::copy(bin(), &installed).unwrap();
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().canonicalize().unwrap();
    // Outside any checkout: CARGO_TARGET_TMPDIR may lie inside this one, so run in the copy's dir.
    let cwd = &bin_dir;
    let manifest = |name: &str| std::fs::read_to_string(cwd.join(name).join("Cargo.toml")).unwrap();

    let out = run_new(cwd, &installed, &["published", "--board", "frdm-mcxn947"], &[]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let toml = manifest("published");
    assert!(toml.contains("tinyml-runtime = \"0.1.0\"\n"), "{toml}");
    assert!(toml.contains("tinyml-compiler = \"0.1.0\"\n"), "{toml}");
    assert!(!toml.contains("path ="), "{toml}");

    let out = run_new(cwd, &installed, &["local", "--local"], &[]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let runtime = format!("tinyml-runtime = {{ path = \"{}/runtime\", version = \"0.1.0\" }}", workspace.display());
    assert!(manifest("local").contains(&runtime), "{}", manifest("local"));

    let out = run_new(cwd, &installed, &["env"], &[("TINYML_SOURCE_DIR", workspace.to_str().unwrap())]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(manifest("env").contains(&runtime), "{}", manifest("env"));

    // Run from inside a checkout, the installed binary uses that checkout.
    let inside = run_new(&workspace, &installed, &["x", "--path", dir.join("inside").to_str().unwrap()], &[]);
    assert!(inside.status.success(), "{}", String::from_utf8_lossy(&inside.stderr));
    assert!(std::fs::read_to_string(dir.join("inside/Cargo.toml")).unwrap().contains(&runtime));
    std::fs::remove_dir_all(&bin_dir).unwrap();
}

/// `--npu` needs an Arm Ethos-U that Vela compiles for: a board without an NPU, or with
/// another vendor's, or an unknown configuration, is refused by name and nothing is written.
#[test]
fn npu_projects_need_an_ethos_u() {
    let dir = scratch("npu");
    let with_npu =
        |board: &str, config: &str| Cmd { npu: Some(config.into()), ..cmd("n", board, None, dir.join(board)) };
    let err = refused(with_npu("mps3-an547", "")).to_string();
    assert!(err.contains("`mps3-an547` has no NPU"), "{err}");
    let hint = cargo_tinyml::diagnostics::hint(&refused(with_npu("mps3-an547", ""))).unwrap();
    assert!(hint.contains("--board kit-pse84-eval"), "{hint}");
    // ST's and NXP's NPUs: refused with what `analyze --npu` gives (more in tests/npu_vendor.rs).
    let err = refused(with_npu("stm32n6570-dk", "")).to_string();
    assert!(err.contains("Neural-ART") && err.contains("LL_ATON"), "{err}");
    let err = refused(with_npu("kit-pse84-eval", "ethos-u99-1")).to_string();
    assert!(err.contains("unknown Ethos-U configuration `ethos-u99-1`") && err.contains("ethos-u55-128"), "{err}");
}
