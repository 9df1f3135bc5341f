//! The probe-rs path without hardware: `probe_rs::integration::FakeProbe` attaches to the
//! built-in STM32N657 and MCXN947 targets; probe selection runs against a fake lister;
//! flash fit is checked on tiny ELFs linked here with rust-lld for a chosen address.
//!
//! Tests against a real board are in `tests/hardware.rs`, gated by `TINYML_HW_BOARD`.

use cargo_tinyml::target::elf::{Elf, FitProblem};
use cargo_tinyml::target::probe::{self, ProbeError};
use probe_rs::integration::{FakeProbe, Operation, ProbeLister};
use probe_rs::probe::list::{Accessibility, Lister, ProbeListItem};
use probe_rs::probe::{DebugProbe, DebugProbeError, DebugProbeInfo, DebugProbeSelector, Probe, ProbeFactory};
use std::path::PathBuf;

// ---------------------------------------------------------------------------------------
// Tiny firmware images (linked by `support::link_elf`).

mod support;
use support::link_elf;

fn n6_xspi_elf() -> PathBuf {
    link_elf("n6-xspi", 0x7000_0000, 64)
}

fn mcxn_elf() -> PathBuf {
    link_elf("mcxn-flash", 0x0, 64)
}

fn fake_session(chip: &str) -> probe_rs::Session {
    probe::attach(FakeProbe::with_mocked_core().into_probe(), chip).unwrap_or_else(|e| panic!("attach {chip}: {e}"))
}

// ---------------------------------------------------------------------------------------
// Chip attach.

#[test]
fn fake_probe_attaches_to_the_boards_chips() {
    for chip in ["STM32N657", "MCXN947"] {
        let session = fake_session(chip);
        assert_eq!(session.target().name, chip);
    }
}

#[test]
fn unknown_chip_is_named() {
    let e = probe::attach(FakeProbe::with_mocked_core().into_probe(), "STM32N699").unwrap_err();
    assert!(matches!(e, ProbeError::UnknownChip { .. }), "{e:?}");
    assert!(e.to_string().contains("probe-rs has no target named \"STM32N699\""), "{e}");
}

// ---------------------------------------------------------------------------------------
// Wrong chip answering: attaching to the board's chip fails, auto-detection names another.

/// A probe behind which no known access port answers (the ID register of AP 1, the fake
/// probe's only AP, reads 0): attaching to any ARM chip fails.
fn dead_probe() -> Result<Probe, ProbeError> {
    let fake = FakeProbe::new();
    let ap = probe_rs::architecture::arm::FullyQualifiedApAddress::v1_with_default_dp(1);
    fake.expect_operation(Operation::ReadRawApRegister { ap, address: 0xDFC, result: 0 });
    Ok(fake.into_probe())
}

#[test]
fn wrong_chip_answering_is_named() {
    let e = probe::attach_checked(dead_probe, "STM32N657", |_| Some("MCXN947".into())).unwrap_err();
    assert!(
        matches!(&e, ProbeError::WrongChip { expected, found, .. } if expected == "STM32N657" && found == "MCXN947"),
        "{e:?}"
    );
    let msg = e.to_string();
    assert!(
        msg.starts_with("the probe is connected to a MCXN947, not the board's STM32N657: check --board and which board is plugged in (attaching to STM32N657 failed: "),
        "{msg}"
    );
}

#[test]
fn same_chip_detected_keeps_the_attach_error() {
    let e = probe::attach_checked(dead_probe, "STM32N657", |_| Some("stm32n657x0hxq".into())).unwrap_err();
    assert!(matches!(e, ProbeError::Attach { .. }), "{e:?}");
    assert!(e.to_string().starts_with("cannot attach to STM32N657: "), "{e}");
}

#[test]
fn undetectable_chip_keeps_the_attach_error() {
    let e = probe::attach_checked(dead_probe, "STM32N657", |_| None).unwrap_err();
    assert!(matches!(e, ProbeError::Attach { .. }), "{e:?}");
    // (probe-rs' own detector, `probe::detect_chip`, cannot run on the fake probe: its
    // auto-detection reads access-port registers the fake does not model.)
}

#[test]
fn right_chip_attaches_without_detection() {
    let open = || Ok(FakeProbe::with_mocked_core().into_probe());
    let session =
        probe::attach_checked(open, "MCXN947", |_| panic!("detection runs only after a failed attach")).unwrap();
    assert_eq!(session.target().name, "MCXN947");
}

#[test]
fn probe_errors_before_attaching_pass_through() {
    let e = probe::attach_checked(|| Err(ProbeError::NoProbe), "MCXN947", |_| None).unwrap_err();
    assert!(matches!(e, ProbeError::NoProbe), "{e:?}");
}

#[test]
fn chip_names_compare_by_variant() {
    assert!(probe::same_chip("STM32N657", "STM32N657"));
    assert!(probe::same_chip("STM32N657X0HxQ", "stm32n657"));
    assert!(!probe::same_chip("MCXN947", "STM32N657"));
    assert!(!probe::same_chip("MCXN236VDF", "MCXN947"));
}

// ---------------------------------------------------------------------------------------
// Probe selection.

#[derive(Debug)]
struct FakeFactory;

impl std::fmt::Display for FakeFactory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("fake")
    }
}

impl ProbeFactory for FakeFactory {
    fn open(&self, _: &DebugProbeSelector) -> Result<Box<dyn DebugProbe>, DebugProbeError> {
        Ok(Box::new(FakeProbe::with_mocked_core()))
    }
    fn list_probes(&self) -> Vec<ProbeListItem> {
        Vec::new()
    }
}

static FACTORY: FakeFactory = FakeFactory;

#[derive(Debug)]
struct FakeLister(Vec<ProbeListItem>);

impl ProbeLister for FakeLister {
    fn open(&self, selector: &DebugProbeSelector) -> Result<Probe, DebugProbeError> {
        self.0
            .iter()
            .find(|p| selector.matches_probe(&p.info))
            .map(|_| FakeProbe::with_mocked_core().into_probe())
            .ok_or(DebugProbeError::ProbeCouldNotBeCreated(probe_rs::probe::ProbeCreationError::NotFound))
    }
    fn list_with_access(&self, selector: Option<&DebugProbeSelector>) -> Vec<ProbeListItem> {
        self.0.iter().filter(|p| selector.is_none_or(|s| s.matches_probe(&p.info))).cloned().collect()
    }
}

fn info(name: &str, vid: u16, pid: u16, serial: &str) -> DebugProbeInfo {
    DebugProbeInfo::new(name, vid, pid, Some(serial.to_owned()), &FACTORY, None, false)
}

fn lister(items: Vec<ProbeListItem>) -> Lister {
    Lister::with_lister(Box::new(FakeLister(items)))
}

fn stlink() -> ProbeListItem {
    ProbeListItem::accessible(info("STLINK-V3", 0x0483, 0x3754, "003A00213234"))
}

fn mculink() -> ProbeListItem {
    ProbeListItem::accessible(info("MCU-Link CMSIS-DAP", 0x1fc9, 0x0143, "WCNKWQ2ZLNMIG"))
}

#[test]
fn no_probe() {
    let e = probe::select_probe(&lister(vec![]), None).unwrap_err();
    assert!(matches!(e, ProbeError::NoProbe));
    assert!(e.to_string().starts_with("no debug probe found"), "{e}");
}

#[test]
fn one_probe_is_chosen_and_attaches() {
    let p = probe::select_probe(&lister(vec![stlink()]), None).unwrap();
    let session = probe::attach(p, "STM32N657").unwrap();
    assert_eq!(session.target().name, "STM32N657");
}

#[test]
fn several_probes_without_selector_are_listed() {
    let e = probe::select_probe(&lister(vec![stlink(), mculink()]), None).unwrap_err();
    let msg = e.to_string();
    assert!(msg.starts_with("2 debug probes found; choose one with --probe VID:PID[:SERIAL]"), "{msg}");
    assert!(msg.contains("0483:3754:003A00213234  STLINK-V3"), "{msg}");
    assert!(msg.contains("1fc9:0143:WCNKWQ2ZLNMIG  MCU-Link CMSIS-DAP"), "{msg}");
}

#[test]
fn selector_picks_one_of_several() {
    let sel = probe::parse_selector("1fc9:0143:WCNKWQ2ZLNMIG").unwrap();
    let p = probe::select_probe(&lister(vec![stlink(), mculink()]), Some(&sel)).unwrap();
    assert!(probe::attach(p, "MCXN947").is_ok());
}

#[test]
fn wrong_serial_lists_what_is_connected() {
    let sel = probe::parse_selector("0483:3754:NOPE").unwrap();
    let e = probe::select_probe(&lister(vec![stlink()]), Some(&sel)).unwrap_err();
    let msg = e.to_string();
    assert!(matches!(e, ProbeError::NoMatch { .. }));
    assert!(msg.starts_with("no debug probe matches --probe 0483:3754:NOPE; connected:"), "{msg}");
    assert!(msg.contains("0483:3754:003A00213234  STLINK-V3"), "{msg}");
}

#[test]
fn malformed_selector() {
    let e = probe::parse_selector("stlink").unwrap_err();
    assert!(e.to_string().starts_with("--probe \"stlink\" is not VID:PID[:SERIAL]"), "{e}");
}

#[test]
fn permission_denied_prints_a_udev_rule() {
    let item = ProbeListItem { accessibility: Accessibility::PermissionDenied, ..stlink() };
    let e = probe::select_probe(&lister(vec![item]), None).unwrap_err();
    let msg = e.to_string();
    assert!(msg.starts_with("permission denied opening debug probe 0483:3754:003A00213234"), "{msg}");
    assert!(msg.contains(r#"ATTRS{idVendor}=="0483", ATTRS{idProduct}=="3754""#), "{msg}");
    assert!(msg.contains("sudo udevadm control --reload"), "{msg}");
}

// ---------------------------------------------------------------------------------------
// Flash fit: host check against probe-rs' memory map, and probe-rs' own dry run.

#[test]
fn xspi_image_fits_the_stm32n6() {
    let elf = Elf::read(&n6_xspi_elf()).unwrap();
    let mut session = fake_session("STM32N657");
    probe::dry_run(&mut session, &elf, "STM32N657").unwrap();
}

#[test]
fn flash_image_fits_the_mcxn947() {
    let elf = Elf::read(&mcxn_elf()).unwrap();
    let mut session = fake_session("MCXN947");
    probe::dry_run(&mut session, &elf, "MCXN947").unwrap();
}

#[test]
fn xspi_image_is_refused_for_the_mcxn947_by_the_host_check() {
    let elf = Elf::read(&n6_xspi_elf()).unwrap();
    let mut session = fake_session("MCXN947");
    let e = probe::dry_run(&mut session, &elf, "MCXN947").unwrap_err();
    let ProbeError::DoesNotFit(fit) = &e else { panic!("{e:?}") };
    assert_eq!(fit.section, ".vector_table");
    assert_eq!(fit.range.start, 0x7000_0000);
    assert_eq!(fit.problem, FitProblem::Outside);
    let msg = e.to_string();
    assert!(msg.starts_with("section `.vector_table` at 0x70000000..0x70000008 (8 bytes) does not fit MCXN947: no memory region contains 0x70000000"), "{msg}");
    assert!(msg.contains("PROGRAM_FLASH0 0x00000000..0x00100000"), "{msg}");
}

#[test]
fn xspi_image_is_refused_for_the_mcxn947_by_probe_rs_dry_run() {
    let elf = Elf::read(&n6_xspi_elf()).unwrap();
    let mut session = fake_session("MCXN947");
    let e = probe::plan_only(&mut session, &elf, "MCXN947").unwrap_err();
    let msg = e.to_string();
    assert!(matches!(e, ProbeError::Refused { .. }), "{e:?}");
    assert!(
        msg.starts_with("probe-rs refused the image for MCXN947: section `.vector_table` (load address 0x70000000, 8 bytes) is in no flash or RAM region"),
        "{msg}"
    );
}

#[test]
fn oversized_image_says_by_how_many_bytes() {
    // MCXN947: 2 MiB of flash in two adjacent banks at 0.
    let path = link_elf("mcxn-too-big", 0x0, 2 * 1024 * 1024);
    let elf = Elf::read(&path).unwrap();
    let rodata = elf.section(".rodata").unwrap().clone();
    let over = rodata.address + rodata.size - 0x20_0000;
    let e = probe::check_fit(&elf, "MCXN947").unwrap_err();
    let ProbeError::DoesNotFit(fit) = &e else { panic!("{e:?}") };
    assert_eq!(fit.section, ".rodata");
    assert_eq!(fit.problem, FitProblem::Overflows { region: "PROGRAM_FLASH0".into(), by: over });
    assert!(e.to_string().ends_with(&format!("it overflows PROGRAM_FLASH0 by {over} bytes")), "{e}");
}

#[test]
fn elf_memory_use() {
    let elf = Elf::read(&mcxn_elf()).unwrap();
    let m = elf.memory_use();
    assert!(m.flash_bytes >= 8 + 64, "{m:?}");
    assert_eq!(m.static_ram_bytes, 0);
    assert!(elf.symbol("Reset").is_some());
    assert!(elf.symbol("_SEGGER_RTT").is_none());
    let mut session = fake_session("MCXN947");
    let e = probe::read_rtt(&mut session, &elf, std::time::Duration::from_millis(1), |_| true).unwrap_err();
    assert!(e.to_string().contains("has no `_SEGGER_RTT` symbol"), "{e}");
}

// ---------------------------------------------------------------------------------------
// Fix hints (`diagnostics::hint`) for the probe errors.

#[test]
fn probe_errors_have_fix_hints() {
    let hint =
        |e: ProbeError| cargo_tinyml::diagnostics::hint(&anyhow::Error::from(e).context("flash failed")).unwrap();
    assert!(hint(ProbeError::NoProbe).contains("debug port"));
    assert!(hint(ProbeError::SeveralProbes { probes: vec![] }).starts_with("pass --probe VID:PID:SERIAL"));
    let denied = ProbeError::PermissionDenied { probe: "0483:3754".into(), vid: 0x0483, pid: 0x3754 };
    assert!(hint(denied).starts_with("install the udev rule above"));
    let wrong = ProbeError::WrongChip { expected: "STM32N657".into(), found: "MCXN947".into(), detail: String::new() };
    assert!(hint(wrong).starts_with("plug in the board this project is for"));
    let elf = Elf::read(&n6_xspi_elf()).unwrap();
    let fit = probe::check_fit(&elf, "MCXN947").unwrap_err();
    assert!(hint(fit).contains("cargo tinyml analyze"));
}
