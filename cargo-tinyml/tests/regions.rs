//! An arena split across two memory regions runs bit-exact on the emulated Cortex-M55.
//!
//! QEMU's mps3-an547 emulates both the DTCM (0x2000_0000, the `ram` region) and the
//! system SRAM (0x0100_0000). The test gives the arena's fast region less room than the
//! KWS model's arena, so the compiler splits its buffers between DTCM and SRAM
//! (`tinyml_compiler::plan::regions`); the firmware links the SRAM share into the
//! `.arena.SRAM` section of the board's `memory.x` (`Board::memory_x_with_arenas`). The
//! same model with one arena runs in the same image; both outputs must equal the host
//! run's, and the SRAM share must really sit in SRAM.
//!
//! Needs `qemu-system-arm` and the `thumbv8m.main-none-eabihf` target; without them the
//! test says so and skips, except under CI=true where it fails.

use cargo_tinyml::boards::{arena_section, Catalog, RegionKind};
use cargo_tinyml::target::qemu;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;
use tinyml_compiler::plan::regions::Region;
use tinyml_compiler::plan::MemoryMode;
use tinyml_compiler::CompileOptions;

const TARGET: &str = "thumbv8m.main-none-eabihf";

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

fn missing(what: &str) -> bool {
    if std::env::var_os("CI").is_some() {
        panic!("{what} is required under CI");
    }
    eprintln!("skipping: {what} is missing");
    true
}

/// The DTCM room the test leaves the arena, and the memory mode: each splits KWS.
const CASES: [(&str, MemoryMode, usize); 2] =
    [("kws_balanced", MemoryMode::Balanced, 10 * 1024), ("kws_ram", MemoryMode::Ram, 4 * 1024)];

fn kws() -> PathBuf {
    workspace().join("tests/data/mlperf-tiny/kws_ref_model.tflite")
}

fn regions(fast: usize) -> Vec<Region> {
    let catalog = Catalog::builtin().unwrap();
    let board = catalog.get("mps3-an547").unwrap();
    let order: Vec<String> = board.arena_regions().iter().map(|(r, _)| r.name.clone()).collect();
    assert_eq!(order, ["DTCM", "SRAM", "ISRAM"], "the board file's speed classes changed");
    board
        .arena_regions()
        .iter()
        .map(|(r, _)| Region {
            name: r.name.clone(),
            capacity: if r.kind == RegionKind::Ram { fast } else { r.length as usize },
        })
        .collect()
}

fn lit(p: &Path) -> String {
    format!("{:?}", p.display().to_string())
}

fn write_crate(dir: &Path) {
    let root = workspace();
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::create_dir_all(dir.join(".cargo")).unwrap();
    std::fs::write(
        dir.join("Cargo.toml"),
        format!(
            "[package]\nname = \"regions-fw\"\nversion = \"0.1.0\"\nedition = \"2021\"\npublish = false\n\n[dependencies]\ntinyml-runtime = {{ path = {} }}\ntinyml-firmware = {{ path = {}, features = [\"semihosting\"] }}\ncortex-m = {{ version = \"0.7\", features = [\"critical-section-single-core\"] }}\ncortex-m-rt = \"0.7\"\n\n[build-dependencies]\ntinyml-compiler = {{ path = {} }}\n\n[profile.release]\nopt-level = \"s\"\ndebug = false\nincremental = false\n\n[workspace]\n",
            lit(&root.join("runtime")),
            lit(&root.join("firmware")),
            lit(&root.join("compiler")),
        ),
    )
    .unwrap();
    std::fs::write(
        dir.join(".cargo/config.toml"),
        format!("[build]\ntarget = \"{TARGET}\"\n\n[target.{TARGET}]\nrustflags = [\"-C\", \"target-cpu=cortex-m55\", \"-C\", \"link-arg=-Tlink.x\"]\n"),
    )
    .unwrap();
    let _ = std::fs::copy(root.join("Cargo.lock"), dir.join("Cargo.lock"));
    let board = Catalog::builtin().unwrap().get("mps3-an547").unwrap().clone();
    std::fs::write(dir.join("memory.x"), board.memory_x_with_arenas(&["DTCM", "SRAM"])).unwrap();

    let mut build = String::from("use tinyml_compiler::build::Builder;\nuse tinyml_compiler::plan::{regions::Region, MemoryMode};\nuse tinyml_compiler::CompileOptions;\n\nfn main() {\n");
    let mut mods = String::new();
    let mut runs = String::new();
    let _ = writeln!(build, "    Builder::new({}).module_name(\"one\").compile_or_exit();", lit(&kws()));
    for (name, mode, fast) in CASES {
        let regions: Vec<String> = regions(fast)
            .iter()
            .map(|r| format!("Region {{ name: {:?}.into(), capacity: {} }}", r.name, r.capacity))
            .collect();
        let _ = writeln!(
            build,
            "    Builder::new({}).module_name({name:?}).options(CompileOptions {{ memory: MemoryMode::{mode:?}, regions: vec![{}], ..Default::default() }}).compile_or_exit();",
            lit(&kws()),
            regions.join(", ")
        );
        let _ = writeln!(
            mods,
            "#[allow(dead_code)]\nmod {name} {{\n    include!(concat!(env!(\"OUT_DIR\"), \"/{name}.rs\"));\n}}"
        );
        let section = arena_section("SRAM");
        let upper = name.to_uppercase();
        let _ = writeln!(
            runs,
            "    {{\n        static mut {upper}_FAST: Arena<{{ {name}::ARENA0_BYTES }}> = Arena::new();\n        #[link_section = \"{section}\"]\n        static mut {upper}_SLOW: Arena<{{ {name}::ARENA1_BYTES }}> = Arena::new();\n        // SAFETY: the only references ever taken to these statics.\n        let (fast, slow) = unsafe {{ (&mut *core::ptr::addr_of_mut!({upper}_FAST), &mut *core::ptr::addr_of_mut!({upper}_SLOW)) }};\n        println!(\"{name} regions {{:?}} at {{:#x}} {{:#x}}\", {name}::ARENA_REGIONS, fast.0.as_ptr() as usize, slow.0.as_ptr() as usize);\n        let mut arena = {name}::ModelArena::new([fast.bytes_mut(), slow.bytes_mut()]);\n        {name}::reset(&mut arena);\n        {name}::input_mut(&mut arena).copy_from_slice(&{name}::TEST_INPUT0);\n        {name}::invoke(&mut arena).expect(\"invoke\");\n        print!(\"{name} output\");\n        hex({name}::output(&arena));\n        println!();\n    }}"
        );
    }
    build.push_str("    let out = std::path::PathBuf::from(std::env::var_os(\"OUT_DIR\").unwrap());\n    std::fs::copy(\"memory.x\", out.join(\"memory.x\")).unwrap();\n    println!(\"cargo:rustc-link-search={}\", out.display());\n    println!(\"cargo:rerun-if-changed=memory.x\");\n}\n");
    std::fs::write(dir.join("build.rs"), build).unwrap();
    let main = format!(
        r#"#![no_std]
#![no_main]

use tinyml_firmware::{{print, println}};
use tinyml_runtime::arena::Arena;

#[allow(dead_code)]
mod one {{
    include!(concat!(env!("OUT_DIR"), "/one.rs"));
}}
{mods}
fn hex(values: &[i8]) {{
    for v in values {{
        print!(" {{:02x}}", *v as u8);
    }}
}}

static mut ONE: one::ModelArena = one::ModelArena::new();

#[cortex_m_rt::entry]
fn main() -> ! {{
    tinyml_firmware::init();
    // SAFETY: the only reference ever taken to ONE.
    let arena = unsafe {{ &mut *core::ptr::addr_of_mut!(ONE) }};
    one::reset(arena);
    one::input_mut(arena).copy_from_slice(&one::TEST_INPUT0);
    one::invoke(arena).expect("invoke");
    print!("one output");
    hex(one::output(arena));
    println!();
{runs}
    println!("done");
    tinyml_firmware::exit(0)
}}
"#
    );
    std::fs::write(dir.join("src/main.rs"), main).unwrap();
}

fn build(dir: &Path) -> PathBuf {
    let target_dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("regions-fw-target");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(dir).args(["build", "--release", "--quiet"]).arg("--target-dir").arg(&target_dir);
    for var in ["CARGO_BUILD_TARGET", "RUSTFLAGS", "CARGO_ENCODED_RUSTFLAGS", "CARGO_MANIFEST_DIR", "CARGO_TARGET_DIR"]
    {
        cmd.env_remove(var);
    }
    let out = cmd.stdin(Stdio::null()).output().expect("cargo runs");
    assert!(out.status.success(), "firmware build failed:\n{}", String::from_utf8_lossy(&out.stderr));
    target_dir.join(TARGET).join("release").join("regions-fw")
}

/// The host run's output of KWS on the firmware's test input, in the firmware's format.
fn host_output(options: &CompileOptions) -> (String, tinyml_compiler::Program) {
    let program = tinyml_compiler::compile(&std::fs::read(kws()).unwrap(), options).unwrap();
    let t = &program.graph.tensors[program.graph.inputs[0]];
    let input = tinyml_compiler::build::test_input_for(t.dtype, t.elements());
    let out = program.run(&[&input]).unwrap();
    (out[0].iter().map(|b| format!(" {b:02x}")).collect(), program)
}

#[test]
fn a_split_arena_runs_bit_exact_in_dtcm_and_sram() {
    if qemu::which("qemu-system-arm").is_none() && missing("qemu-system-arm") {
        return;
    }
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("regions-fw");
    write_crate(&dir);
    let elf = build(&dir);
    let board = Catalog::builtin().unwrap().get("mps3-an547").unwrap().clone();
    let emu = board.emulator.as_ref().unwrap();
    let run = qemu::run(emu, &elf, Duration::from_secs(120), false).expect("qemu runs");
    assert_eq!(run.code, 0, "firmware failed:\n{}{}", run.stdout, run.stderr);
    let (expected, _) = host_output(&CompileOptions::default());
    let line = |prefix: &str| {
        run.stdout
            .lines()
            .find_map(|l| l.strip_prefix(prefix))
            .unwrap_or_else(|| panic!("no `{prefix}` in:\n{}", run.stdout))
            .to_owned()
    };
    assert_eq!(line("one output"), expected, "the single arena");
    let sram = board.memory.iter().find(|r| r.name == "SRAM").unwrap();
    let dtcm = board.ram();
    for (name, mode, fast) in CASES {
        let options = CompileOptions { memory: mode, regions: regions(fast), ..Default::default() };
        let (host, program) = host_output(&options);
        assert_eq!(program.plan.regions.len(), 2, "{name}: the plan no longer splits");
        assert!(program.plan.regions[0].1 <= fast);
        assert_eq!(host, expected, "{name}: the host run of the split plan");
        assert_eq!(line(&format!("{name} output")), expected, "{name}: in QEMU");
        // `{name} regions ["DTCM", "SRAM"] at 0x… 0x…`
        let at = line(&format!("{name} regions [\"DTCM\", \"SRAM\"] at "));
        let addrs: Vec<u64> =
            at.split(' ').map(|a| u64::from_str_radix(a.trim_start_matches("0x"), 16).unwrap()).collect();
        assert!((dtcm.origin..dtcm.origin + dtcm.length).contains(&addrs[0]), "{name}: fast share at {:#x}", addrs[0]);
        assert!((sram.origin..sram.origin + sram.length).contains(&addrs[1]), "{name}: slow share at {:#x}", addrs[1]);
        eprintln!("{name}: {:?}, arena {} B in total", program.plan.regions, program.plan.arena_bytes);
    }
}

/// `new` on a board whose DTCM cannot take KWS's arena (16,000 B) writes a project that
/// splits it: its build script passes the board's regions to the compiler, the generated
/// `arena()` links the shares into `.arena.DTCM` and `.arena.SRAM`, and `cargo tinyml run`
/// prints the host run's output.
#[test]
fn a_new_project_splits_an_arena_too_large_for_dtcm() {
    if qemu::which("qemu-system-arm").is_none() && missing("qemu-system-arm") {
        return;
    }
    let scratch = fresh_dir("regions-new");
    let boards = scratch.join("boards");
    std::fs::create_dir_all(&boards).unwrap();
    // mps3-an547 with 12 KiB of DTCM: 8,192 B for the arena after the 4,096 B stack estimate.
    let an547 = std::fs::read_to_string(workspace().join("boards/mps3-an547.toml")).unwrap();
    let small = an547
        .replace("name = \"mps3-an547\"", "name = \"small-dtcm\"")
        .replace("length = 0x0008_0000 # 512 KiB\n# SSE-300 TRM: the Cortex-M55 data TCM.", "length = 0x3000\n");
    assert!(small.contains("length = 0x3000\n"), "the board file layout changed; update this test");
    std::fs::write(boards.join("small-dtcm.toml"), small).unwrap();
    let tinyml = |dir: &Path, args: &[&str]| tinyml(dir, Some(&boards), args);
    let model = kws().display().to_string();
    let new = tinyml(&scratch, &["new", "split-kws", "--board", "small-dtcm", "--model", &model, "--local"]);
    assert!(new.status.success(), "new failed:\n{}", String::from_utf8_lossy(&new.stderr));
    let project = scratch.join("split-kws");
    assert!(std::fs::read_to_string(project.join("build.rs")).unwrap().contains("stack_region: Some(\"DTCM\".into())"));

    run_prints_host_output(&project, Some(&boards));
    let elf = project_elf("split-kws");
    let board = Catalog::builtin().unwrap().get("mps3-an547").unwrap().clone();
    for region in ["DTCM", "SRAM"] {
        let section = elf.section(&arena_section(region)).unwrap_or_else(|| panic!("no arena share in {region}"));
        let r = board.memory.iter().find(|r| r.name == region).unwrap();
        assert!(section.size > 0 && (r.origin..r.origin + r.length).contains(&section.address), "{section:?}");
    }
}

/// An empty directory `name` under the test's temporary directory.
fn fresh_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `cargo tinyml ARGS` in `dir`, with the board files of `boards` if given.
fn tinyml(dir: &Path, boards: Option<&Path>, args: &[&str]) -> std::process::Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cargo-tinyml"));
    cmd.arg("tinyml").args(args).current_dir(dir);
    if let Some(boards) = boards {
        cmd.env("TINYML_BOARDS_DIR", boards);
    }
    // Share the firmware tests' target directory: the runtime compiles once.
    cmd.env("CARGO_TARGET_DIR", Path::new(env!("CARGO_TARGET_TMPDIR")).join("firmware"));
    for var in ["CARGO_BUILD_TARGET", "RUSTFLAGS", "CARGO_ENCODED_RUSTFLAGS"] {
        cmd.env_remove(var);
    }
    cmd.stdin(Stdio::null()).output().expect("cargo-tinyml runs")
}

/// `cargo tinyml run` in a KWS project prints the host run's output.
fn run_prints_host_output(project: &Path, boards: Option<&Path>) {
    let run = tinyml(project, boards, &["run"]);
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(run.status.success(), "run failed:\n{stdout}{}", String::from_utf8_lossy(&run.stderr));
    let (_, program) = host_output(&CompileOptions::default());
    let t = &program.graph.tensors[program.graph.inputs[0]];
    let input = tinyml_compiler::build::test_input_for(t.dtype, t.elements());
    let expected: Vec<String> = program.run(&[&input]).unwrap()[0].iter().map(|&b| (b as i8).to_string()).collect();
    let printed = stdout.lines().find_map(|l| l.strip_prefix("tinyml: output0 = ")).expect("an output line");
    assert_eq!(printed, format!("[{}]", expected.join(", ")), "{}: the output in QEMU", project.display());
}

/// The debug ELF of the project package `name`, built by [`tinyml`].
fn project_elf(name: &str) -> cargo_tinyml::target::elf::Elf {
    let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join("firmware").join(TARGET).join("debug").join(name);
    cargo_tinyml::target::elf::Elf::read(&path).unwrap()
}

/// `new --weights-in-ram` with room for every table: the tables link into `.data` in
/// DTCM (copied from flash at start-up) and the firmware still prints the host output.
#[test]
fn weights_in_ram_run_bit_exact_from_dtcm() {
    if qemu::which("qemu-system-arm").is_none() && missing("qemu-system-arm") {
        return;
    }
    let scratch = fresh_dir("regions-weights");
    let model = kws().display().to_string();
    let args = ["new", "kws-weights-ram", "--board", "mps3-an547", "--model", &model, "--local", "--weights-in-ram"];
    let new = tinyml(&scratch, None, &[&args[..], &["1000000"]].concat());
    assert!(new.status.success(), "new failed:\n{}", String::from_utf8_lossy(&new.stderr));
    let project = scratch.join("kws-weights-ram");
    run_prints_host_output(&project, None);
    let (_, program) = host_output(&CompileOptions::default());
    let tables = tinyml_compiler::codegen::rust::table_bytes_total(&program) as u64;
    let elf = project_elf("kws-weights-ram");
    let data = elf.section(".data").expect("a .data section");
    let dtcm = Catalog::builtin().unwrap().get("mps3-an547").unwrap().ram().clone();
    assert!(data.size >= tables, "{tables} B of tables, .data holds {} B", data.size);
    assert!((dtcm.origin..dtcm.origin + dtcm.length).contains(&data.address), "{data:?}");
}
