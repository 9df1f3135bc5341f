//! Copies the board's `memory.x` (`TINYML_TARGET_TESTS_MEMORY_X`, generated from the
//! board file by the host test) where the linker finds it. Without it (e.g. `cargo
//! clippy`), nothing is linked and nothing is needed.

use std::path::PathBuf;

fn main() {
    println!("cargo:rerun-if-env-changed=TINYML_TARGET_TESTS_MEMORY_X");
    let Ok(memory_x) = std::env::var("TINYML_TARGET_TESTS_MEMORY_X") else { return };
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    std::fs::copy(&memory_x, out.join("memory.x")).expect("copy memory.x");
    println!("cargo:rerun-if-changed={memory_x}");
    println!("cargo:rustc-link-search={}", out.display());
}
