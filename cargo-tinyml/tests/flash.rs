//! `cargo tinyml flash` without hardware: `--dry-run` checks an image against the chip's
//! memory map from probe-rs' target database with no probe (regions, bytes, fits or by how
//! much not; text and JSON); a missing probe fails before anything is built; the RTT
//! monitor that follows flashing stops on the firmware's semihosting exit, a halt or
//! Ctrl-C (driven here by a scripted board: probe-rs' FakeProbe discards memory writes,
//! so RTT cannot run through it); the runner written into hardware projects.
//!
//! Flashing and streaming on a real board: `tests/hardware.rs` (`TINYML_HW_BOARD`).

mod support;

use cargo_tinyml::boards::Catalog;
use cargo_tinyml::cmd::flash;
use cargo_tinyml::project::scaffold::{self, Model, Spec};
use cargo_tinyml::target::elf::Elf;
use cargo_tinyml::target::fit;
use cargo_tinyml::target::monitor::{self, Monitored, Outcome, Stop};
use cargo_tinyml::target::probe::ProbeError;
use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};
use support::link_elf;

fn cargo_tinyml(dir: &Path, args: &[&str], env: &[(&str, &Path)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cargo-tinyml"));
    cmd.current_dir(dir).arg("tinyml").args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("run cargo-tinyml")
}

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("flash-tests").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Whether a probe may be connected (then the no-probe tests say so and pass).
fn hardware_present() -> bool {
    let present = std::env::var_os("TINYML_HW_BOARD").is_some()
        || !probe_rs::probe::list::Lister::new().list_all_with_access().is_empty();
    if present {
        eprintln!("skipped: a debug probe is connected (or TINYML_HW_BOARD is set)");
    }
    present
}

// ---------------------------------------------------------------------------------------
// --dry-run: no probe, the chip's memory map.

#[test]
fn dry_run_needs_no_probe_and_reports_the_regions() {
    let elf = link_elf("flash-mcxn-small", 0x0, 64);
    let dir = scratch("dry-ok");
    let out = cargo_tinyml(&dir, &["flash", "--board", "frdm-mcxn947", "--dry-run", elf.to_str().unwrap()], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let report = text(&out.stdout).replace(elf.to_str().unwrap(), "[ELF]");
    insta::assert_snapshot!("dry_run_mcxn947_fits", report);

    let out =
        cargo_tinyml(&dir, &["flash", "--board", "frdm-mcxn947", "--dry-run", "--json", elf.to_str().unwrap()], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("--json prints JSON");
    assert_eq!(json["fits"], true);
    assert_eq!(json["chip"], "MCXN947");
    assert_eq!(json["regions"][0]["name"], "PROGRAM_FLASH0");
    assert_eq!(json["regions"][0]["kind"], "flash");
    assert_eq!(json["regions"][0]["flash_algorithm"], "mcxn9xx_2048");
    assert!(json["regions"][0]["used"].as_u64().unwrap() >= 72);
    assert!(json["problem"].is_null());
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0, "a dry run writes nothing");
}

#[test]
fn dry_run_says_by_how_many_bytes_it_does_not_fit() {
    // MCXN947: 2 MiB of flash in two banks at 0; the board file maps the same 2 MiB.
    let elf_path = link_elf("flash-mcxn-too-big", 0x0, 2 * 1024 * 1024);
    let rodata = Elf::read(&elf_path).unwrap().section(".rodata").unwrap().clone();
    let over = rodata.address + rodata.size - 0x20_0000;
    let dir = scratch("dry-over");
    let out = cargo_tinyml(&dir, &["flash", "--board", "frdm-mcxn947", "--dry-run", elf_path.to_str().unwrap()], &[]);
    assert_eq!(out.status.code(), Some(flash::EXIT_DOES_NOT_FIT as i32), "{}", text(&out.stderr));
    let report = text(&out.stdout).replace(elf_path.to_str().unwrap(), "[ELF]");
    assert!(report.contains(&format!("by {over} bytes")), "{report}");
    insta::assert_snapshot!("dry_run_mcxn947_too_big", report);
}

#[test]
fn dry_run_report_of_the_stm32n6_xspi_flash() {
    // The STM32N657's only flash algorithm writes the external NOR on XSPI2.
    let elf = Elf::read(&link_elf("flash-n6-xspi", 0x7000_0000, 64)).unwrap();
    let report = fit::dry_run(&elf, "STM32N657").unwrap();
    assert!(report.fits, "{report:?}");
    let xspi = &report.regions[0];
    assert_eq!((xspi.kind, xspi.start), ("flash", 0x7000_0000));
    assert!(xspi.flash_algorithm.is_some(), "{xspi:?}");
    // The same image for the MCXN947 lies outside its map.
    let report = fit::dry_run(&elf, "MCXN947").unwrap();
    assert!(!report.fits);
    assert!(report.problem.unwrap().contains("no memory region contains 0x70000000"));
    // A chip probe-rs does not know is an error, not a report.
    assert!(matches!(fit::dry_run(&elf, "STM32N699"), Err(ProbeError::UnknownChip { .. })));
}

// ---------------------------------------------------------------------------------------
// A missing probe fails at once, before building.

/// A hardware project for `board`, depending on this checkout.
fn hardware_project(name: &str, board: &str) -> PathBuf {
    let dir = scratch(name).join("proj");
    let catalog = Catalog::builtin().unwrap();
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_owned();
    let spec = Spec {
        name: "hw",
        board: catalog.get(board).unwrap(),
        model: Model::Default,
        source_dir: Some(workspace),
        weights_in_ram: 0,
    };
    scaffold::write_atomically(&dir, &scaffold::files(&spec)).unwrap();
    dir
}

#[test]
fn flash_and_profile_without_a_probe_fail_before_building() {
    if hardware_present() {
        return;
    }
    let dir = hardware_project("no-probe", "stm32n6570-dk");
    let target = dir.join("target-dir");
    for args in [&["flash"][..], &["profile"], &["flash", "--release"], &["flash", "target/some.elf"]] {
        let start = Instant::now();
        let out = cargo_tinyml(&dir, args, &[("CARGO_TARGET_DIR", &target)]);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert!(start.elapsed() < Duration::from_secs(20), "{args:?} took {:?}", start.elapsed());
        insta::assert_snapshot!("no_probe", text(&out.stderr));
        assert!(!target.exists(), "{args:?} started a build");
        assert!(out.stdout.is_empty());
    }
}

// ---------------------------------------------------------------------------------------
// The RTT monitor after flashing.

/// A board that plays a script: output chunks, then a stop.
struct Scripted {
    chunks: VecDeque<&'static [u8]>,
    /// Chunks still to come when the core reports the stop (written just before it).
    after_stop: VecDeque<&'static [u8]>,
    stop: Option<Stop>,
    polls_before_stop: usize,
}

impl Monitored for Scripted {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, ProbeError> {
        let Some(chunk) = self.chunks.pop_front() else { return Ok(0) };
        buf[..chunk.len()].copy_from_slice(chunk);
        Ok(chunk.len())
    }

    fn stopped(&mut self) -> Result<Option<Stop>, ProbeError> {
        if self.polls_before_stop > 0 {
            self.polls_before_stop -= 1;
            return Ok(None);
        }
        self.chunks.append(&mut self.after_stop);
        Ok(self.stop.clone())
    }
}

fn run_script(script: &mut Scripted, interrupted: bool) -> (Outcome, String) {
    let mut out = Vec::new();
    let flag = AtomicBool::new(interrupted);
    let outcome = monitor::monitor(script, &mut out, &flag, Duration::from_millis(1)).unwrap();
    (outcome, String::from_utf8(out).unwrap())
}

#[test]
fn monitor_streams_until_the_semihosting_exit_and_drains_the_rest() {
    let mut board = Scripted {
        chunks: VecDeque::from([&b"tinyml: model: 3 layers\n"[..], b"tinyml: out", b"put0 = [1, 2]\n"]),
        after_stop: VecDeque::from([&b"tinyml: last line\n"[..]]),
        stop: Some(Stop::Exit(3)),
        polls_before_stop: 5,
    };
    let (outcome, out) = run_script(&mut board, false);
    assert_eq!(outcome, Outcome::Stopped(Stop::Exit(3)));
    assert_eq!(out, "tinyml: model: 3 layers\ntinyml: output0 = [1, 2]\ntinyml: last line\n");
}

#[test]
fn monitor_reports_a_halt_and_ctrl_c() {
    let halted = Stop::Halted("the core halted (Breakpoint(Software)) at pc 0x00000400".into());
    let mut board = Scripted {
        chunks: VecDeque::new(),
        after_stop: VecDeque::new(),
        stop: Some(halted.clone()),
        polls_before_stop: 0,
    };
    assert_eq!(run_script(&mut board, false).0, Outcome::Stopped(halted));
    let mut running = Scripted {
        chunks: VecDeque::from([&b"x"[..]]),
        after_stop: VecDeque::new(),
        stop: None,
        polls_before_stop: usize::MAX,
    };
    assert_eq!(run_script(&mut running, true), (Outcome::Interrupted, String::new()));
}

#[test]
fn the_firmware_exit_code_becomes_flash_s() {
    let code = |o: Outcome| format!("{:?}", flash::finish(o).map_err(|e| e.to_string()));
    let exit = |c: u8| format!("{:?}", Ok::<_, String>(std::process::ExitCode::from(c)));
    assert_eq!(code(Outcome::Stopped(Stop::Exit(0))), exit(0));
    assert_eq!(code(Outcome::Stopped(Stop::Exit(101))), exit(101));
    assert_eq!(code(Outcome::Interrupted), exit(130));
    let halted = code(Outcome::Stopped(Stop::Halted("the core locked up".into())));
    assert_eq!(halted, "Err(\"the firmware stopped: the core locked up\")");
}

// ---------------------------------------------------------------------------------------
// The runner of hardware projects.

#[test]
fn hardware_projects_run_through_cargo_tinyml_flash() {
    let catalog = Catalog::builtin().unwrap();
    for board in catalog.boards.iter().filter(|b| b.probe_rs_chip.is_some() && b.emulator.is_none()) {
        let config = board.cargo_config();
        let runner = format!("runner = \"cargo tinyml flash --board {}\"", board.name);
        assert!(config.contains(&runner), "{config}");
        assert!(!config.contains("probe-rs run"), "{config}");
    }
}

/// The real board side of the monitor over probe-rs' FakeProbe: attaching to firmware
/// without RTT works (output is then not streamed) and the core status is read and mapped.
#[test]
fn session_board_over_a_fake_probe() {
    use cargo_tinyml::target::probe;
    use probe_rs::integration::FakeProbe;
    let elf = Elf::read(&link_elf("flash-mcxn-small", 0x0, 64)).unwrap();
    let mut session = probe::attach(FakeProbe::with_mocked_core().into_probe(), "MCXN947").unwrap();
    let mut board = monitor::SessionBoard::attach(&mut session, &elf, Duration::from_millis(10)).unwrap();
    assert!(!board.has_rtt());
    assert_eq!(board.read(&mut [0; 16]).unwrap(), 0);
    // The fake core runs: the firmware has not stopped.
    assert_eq!(board.stopped().unwrap(), None);
}
