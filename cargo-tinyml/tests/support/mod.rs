//! Helpers shared by integration tests (`mod support;`).
#![allow(dead_code)] // each test file uses part of it

use std::path::PathBuf;
use std::process::Command;

const FIRMWARE: &str = r#"
#![no_std]
#![no_main]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! { loop {} }
#[no_mangle]
pub extern "C" fn Reset() -> ! { loop {} }
#[link_section = ".vector_table"]
#[no_mangle]
pub static VECTORS: [u32; 2] = [0x2000_1000, 0];
#[no_mangle]
#[used]
pub static TABLE: [u8; TABLE_BYTES] = [7; TABLE_BYTES];
"#;

/// Links a Cortex-M33 image whose code and constants start at `flash` (with
/// `table_bytes` of constants), with rustc and rust-lld from the toolchain.
pub fn link_elf(name: &str, flash: u64, table_bytes: usize) -> PathBuf {
    // Tests run in parallel and share images: link each once per process, so that no test
    // reads an image another is rewriting.
    static LINKED: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());
    let mut linked = LINKED.lock().unwrap_or_else(|e| e.into_inner());
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("probe-elfs").join(name);
    if linked.iter().any(|n| n == name) {
        return dir.join("fw.elf");
    }
    linked.push(name.to_owned());
    std::fs::create_dir_all(&dir).unwrap();
    let src = dir.join("fw.rs");
    std::fs::write(&src, FIRMWARE.replace("TABLE_BYTES", &table_bytes.to_string())).unwrap();
    let script = dir.join("link.ld");
    std::fs::write(
        &script,
        format!(
            "MEMORY {{ FLASH : ORIGIN = {flash:#x}, LENGTH = 64M }}\nENTRY(Reset)\nSECTIONS {{\n  .vector_table ORIGIN(FLASH) : {{ KEEP(*(.vector_table)) }} > FLASH\n  .text : {{ *(.text .text.*) }} > FLASH\n  .rodata : {{ KEEP(*(.rodata .rodata.*)) }} > FLASH\n}}\n"
        ),
    )
    .unwrap();
    let out = dir.join("fw.elf");
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let status = Command::new(rustc)
        .args(["--edition", "2021", "--crate-type", "bin", "--target", "thumbv8m.main-none-eabihf"])
        .args(["-C", "panic=abort", "-C", "opt-level=s", "-C", "linker=rust-lld", "-C", "linker-flavor=ld.lld"])
        .arg("-C")
        .arg(format!("link-arg=-T{}", script.display()))
        .arg("-o")
        .arg(&out)
        .arg(&src)
        .status()
        .expect("rustc runs");
    assert!(status.success(), "linking the test image failed (is the thumbv8m.main-none-eabihf target installed?)");
    out
}
