//! Selects the optimized kernel variants from the target CPU at compile time.
//!
//! Stable Rust does not report Arm target features (`mve`, `dsp`) to `cfg(target_feature)`,
//! so this script reads the target CPU and features from the rustflags cargo passes
//! (`-C target-cpu=cortex-m55`, `-C target-feature=+mve`, as the board files generate them)
//! and sets:
//! - `tinyml_mve`: Helium (M-profile Vector Extension, integer): Cortex-M55, M85, M52;
//! - `tinyml_dsp`: the DSP extension (SMLAD, SXTB16): Cortex-M4, M7, M33, M35P, M55, M85, and
//!   any `thumbv7em` target.

fn main() {
    println!("cargo::rustc-check-cfg=cfg(tinyml_mve)");
    println!("cargo::rustc-check-cfg=cfg(tinyml_dsp)");
    println!("cargo::rerun-if-env-changed=CARGO_ENCODED_RUSTFLAGS");
    let target = std::env::var("TARGET").unwrap_or_default();
    if std::env::var("CARGO_CFG_TARGET_ARCH").as_deref() != Ok("arm") {
        return;
    }
    let flags = std::env::var("CARGO_ENCODED_RUSTFLAGS").unwrap_or_default();
    let flags: Vec<&str> = flags.split('\x1f').collect();
    let mut cpu = "";
    let mut features: Vec<String> = Vec::new();
    for (i, f) in flags.iter().enumerate() {
        let value = |prefix: &str| -> Option<&str> {
            f.strip_prefix(prefix).or_else(|| if *f == "-C" { flags.get(i + 1)?.strip_prefix(prefix) } else { None })
        };
        if let Some(c) = value("target-cpu=").or_else(|| f.strip_prefix("-Ctarget-cpu=")) {
            cpu = c;
        }
        if let Some(fs) = value("target-feature=").or_else(|| f.strip_prefix("-Ctarget-feature=")) {
            features.extend(fs.split(',').map(str::to_owned));
        }
    }
    let has = |feat: &str| features.iter().any(|f| f == &format!("+{feat}"));
    let lacks = |feat: &str| features.iter().any(|f| f == &format!("-{feat}"));
    let mve = (matches!(cpu, "cortex-m55" | "cortex-m85" | "cortex-m52") || has("mve")) && !lacks("mve");
    let dsp = (target.starts_with("thumbv7em")
        || matches!(cpu, "cortex-m4" | "cortex-m7" | "cortex-m33" | "cortex-m35p")
        || mve
        || has("dsp"))
        && !lacks("dsp");
    if mve {
        println!("cargo::rustc-cfg=tinyml_mve");
    }
    if dsp {
        println!("cargo::rustc-cfg=tinyml_dsp");
    }
}
