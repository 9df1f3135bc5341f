//! `cargo tinyml new --npu`: a project whose model runs its NPU layers on the board's
//! Arm Ethos-U. The usual project with a build script that runs Vela and compiles the
//! NPU steps (`tinyml_compiler::npu`), a main program that brings up the driver
//! (`tinyml-ethos-u`), the driver crate as a dependency, and `TINYML_PYTHON` in
//! `.cargo/config.toml` so that `cargo build` finds Vela.

use crate::boards::Board;
use crate::project::scaffold::render;
use std::path::{Path, PathBuf};

const BUILD_RS: &str = include_str!("../../templates/npu/build.rs.tmpl");
const MAIN_RS: &str = include_str!("../../templates/npu/main.rs.tmpl");

/// What `new` found for `--npu`.
#[derive(Clone, Debug)]
pub struct NpuProject {
    /// Vela's accelerator configuration (`ethos-u55-128`).
    pub accelerator: String,
    /// The Python with Vela.
    pub python: PathBuf,
    /// The NPU's register block.
    pub base: u64,
}

/// Why `--npu` cannot build for a board.
#[derive(Debug, thiserror::Error)]
pub enum NpuError {
    /// The board has no NPU.
    #[error("board `{board}` has no NPU; --npu needs an Arm Ethos-U")]
    NoNpu {
        /// The board.
        board: String,
    },
    /// The board's NPU is not one Vela compiles for.
    #[error("board `{board}`'s NPU ({npu}) is not an Arm Ethos-U that cargo-tinyml builds for")]
    NotEthosU {
        /// The board.
        board: String,
        /// Its NPU.
        npu: String,
    },
    /// The board's NPU has a vendor compiler `analyze --npu` calls, but its runtime (C
    /// libraries and the vendor's generated C) cannot be linked into a project.
    #[error(
        "board `{board}`'s NPU ({npu}) runs only through {runtime}; cargo-tinyml cannot link that into a project, so `new --npu` writes nothing"
    )]
    VendorRuntime {
        /// The board.
        board: String,
        /// Its NPU.
        npu: String,
        /// The vendor compiler (`analyze --npu` value).
        vendor: crate::npu::vendor::Vendor,
        /// What runs the NPU's part of a model on the chip.
        runtime: &'static str,
    },
    /// Not a configuration Vela knows.
    #[error("unknown Ethos-U configuration `{config}`: one of {}", crate::npu::vela::ACCELERATORS.join(", "))]
    UnknownConfig {
        /// What was asked for.
        config: String,
    },
    /// Vela cannot run with the Python found.
    #[error("--npu runs Arm's Vela at build time, and {} cannot run it", python.display())]
    NoVela {
        /// The Python tried.
        python: PathBuf,
    },
}

impl NpuError {
    /// How to fix it.
    pub fn hint(&self) -> String {
        match self {
            NpuError::NoNpu { .. } | NpuError::NotEthosU { .. } => "use a board with an Ethos-U (`--board kit-pse84-eval`), \
                 or drop --npu to run every layer on the CPU; `cargo tinyml analyze MODEL --npu ethos-u55-128` estimates \
                 an Ethos-U for any model"
                .into(),
            NpuError::VendorRuntime { board, vendor, .. } => format!(
                "`cargo tinyml analyze MODEL --npu {0}` runs {1} (when installed) and shows what it places on the NPU and \
                 what stays on the CPU; linking it would take {2} in a C build, which a cargo-tinyml project does not have. \
                 Drop --npu to run every layer on the CPU (`cargo tinyml new NAME --board {board} --model MODEL` builds and links)",
                vendor.npu_value(),
                vendor.tool(),
                link_needs(*vendor)
            ),
            NpuError::UnknownConfig { .. } => {
                "name one of Vela's configurations, or give --npu alone for the board's".into()
            }
            NpuError::NoVela { python } => format!("install it: {}", crate::npu::vela::install_hint(python)),
        }
    }
}

/// Checks that `board` has an Ethos-U that `--npu` can build for and that `python` has
/// Vela: the configuration to compile for (`accelerator`, else the board's).
pub fn check(board: &Board, accelerator: Option<&str>, python: &Path) -> Result<NpuProject, NpuError> {
    let Some(npu) = &board.npu else {
        return Err(NpuError::NoNpu { board: board.name.clone() });
    };
    if let Some(vendor) = npu.vendor_compiler.as_deref().and_then(crate::npu::vendor::Vendor::from_npu_value) {
        return Err(NpuError::VendorRuntime {
            board: board.name.clone(),
            npu: npu.name.clone(),
            vendor,
            runtime: match vendor {
                crate::npu::vendor::Vendor::NeuralArt => "ST's LL_ATON runtime and the C that stedgeai generates",
                crate::npu::vendor::Vendor::Neutron => "NXP's Neutron driver library and its NeutronGraph TFLM kernel",
            },
        });
    }
    let (Some(board_accelerator), Some(base)) = (&npu.vela_accelerator, npu.base) else {
        return Err(NpuError::NotEthosU { board: board.name.clone(), npu: npu.name.clone() });
    };
    let accelerator = accelerator.unwrap_or(board_accelerator).to_owned();
    if !crate::npu::vela::ACCELERATORS.contains(&accelerator.as_str()) {
        return Err(NpuError::UnknownConfig { config: accelerator });
    }
    if crate::npu::vela::version(python).is_none() {
        return Err(NpuError::NoVela { python: python.to_owned() });
    }
    // Written into the project's `.cargo/config.toml`: absolute, symlinks kept (a venv's
    // `python` is one).
    let python = std::path::absolute(python).unwrap_or_else(|_| python.to_owned());
    Ok(NpuProject { accelerator, python, base })
}

/// What linking a vendor NPU's part of a model into firmware takes, from the vendors' own
/// project layouts (docs/boards.md cites them).
fn link_needs(vendor: crate::npu::vendor::Vendor) -> &'static str {
    match vendor {
        crate::npu::vendor::Vendor::NeuralArt => {
            "stedgeai generate's network.c (and network_ecblobs.h with the epoch controller) plus the weights image, \
             compiled against ST's LL_ATON runtime sources and ST's network runtime library for the software epochs"
        }
        crate::npu::vendor::Vendor::Neutron => {
            "the converted .tflite run by TFLite Micro with NXP's NEUTRON_GRAPH kernel, linked with NXP's \
             libNeutronDriver.a and libNeutronFirmware.a from the MCUXpresso SDK"
        }
    }
}

/// The model at `path` (`bytes`) as the project's build script will compile it: Vela's
/// NPU steps and the CPU steps, planned in one arena (Vela runs in a temporary directory).
pub fn offloaded_program(npu: &NpuProject, path: &Path, bytes: &[u8]) -> anyhow::Result<tinyml_compiler::Program> {
    let dir = crate::npu::vela::out_dir()?;
    let vela = tinyml_compiler::npu::vela::compile(&npu.python, path, &npu.accelerator, &dir);
    let _ = std::fs::remove_dir_all(&dir);
    let graph = tinyml_compiler::tflite::import(bytes)?;
    Ok(tinyml_compiler::npu::compile_offloaded(
        graph,
        &vela?,
        tinyml_compiler::npu::NpuMode::Device,
        &Default::default(),
    )?)
}

/// `files` (the usual project) turned into the NPU project.
pub fn apply(
    npu: &NpuProject,
    board: &Board,
    ethos_u_dep: &str,
    files: Vec<(PathBuf, Vec<u8>)>,
) -> Vec<(PathBuf, Vec<u8>)> {
    let name = |files: &[(PathBuf, Vec<u8>)]| {
        let toml = files.iter().find(|(p, _)| p == Path::new("Cargo.toml")).map(|(_, b)| String::from_utf8_lossy(b));
        toml.and_then(|t| {
            t.lines().find_map(|l| l.strip_prefix("name = \"").map(|n| n.trim_end_matches('"').to_owned()))
        })
        .unwrap_or_default()
    };
    let vars = [
        ("name", name(&files)),
        ("board", board.name.clone()),
        ("npu", board.npu.as_ref().map_or("NPU".to_owned(), |n| n.name.clone())),
        ("npu_base", format!("{:#x}", npu.base)),
        ("accelerator", npu.accelerator.clone()),
        ("timing_note", String::new()),
    ];
    files
        .into_iter()
        .map(|(path, bytes)| {
            let text = || String::from_utf8(bytes.clone()).expect("templates are UTF-8");
            let new = match path.to_str() {
                Some("build.rs") => render(BUILD_RS, &vars),
                Some("src/main.rs") => render(MAIN_RS, &vars),
                Some("Cargo.toml") => with_line_after(&text(), "tinyml-firmware = ", &format!("tinyml-ethos-u = {ethos_u_dep}")),
                Some(".cargo/config.toml") => format!(
                    "{}\n# The Python with Arm's Vela, which build.rs runs (found by `cargo tinyml new --npu`).\n[env]\nTINYML_PYTHON = {:?}\n",
                    text().trim_end(),
                    npu.python.display().to_string()
                ),
                _ => return (path, bytes),
            };
            (path, new.into_bytes())
        })
        .collect()
}

/// `text` with `line` added after the line starting with `after`.
fn with_line_after(text: &str, after: &str, line: &str) -> String {
    let mut out = String::with_capacity(text.len() + line.len() + 1);
    for l in text.lines() {
        out.push_str(l);
        out.push('\n');
        if l.starts_with(after) {
            out.push_str(line);
            out.push('\n');
        }
    }
    assert!(out.contains(line), "the project template has no `{after}` line");
    out
}
