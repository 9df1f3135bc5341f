//! What the vendor NPU compilers have in common: ST's `stedgeai` (Neural-ART) and NXP's
//! `neutron-converter` (eIQ Neutron) are closed tools users install themselves, so each
//! is found (`--npu-compiler PATH`, else `PATH`), run once into a temporary directory, and
//! its failures are typed here so that `diagnostics` can say what to install and where
//! from ([`ToolError::hint`]) and exit with [`EXIT_MISSING_TOOL`] when it is absent.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Exit code when a vendor NPU compiler is not installed: 127, the shell's "command not
/// found", so that scripts can tell it from a failed analysis (1).
pub const EXIT_MISSING_TOOL: u8 = 127;

/// A vendor NPU compiler cargo-tinyml can call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Vendor {
    /// ST Edge AI Core's `stedgeai`, for the STM32N6's Neural-ART NPU.
    NeuralArt,
    /// NXP's eIQ Neutron converter, for the MCX N's Neutron NPU.
    Neutron,
}

impl Vendor {
    /// Every vendor compiler, in `--npu` order.
    pub const ALL: [Vendor; 2] = [Vendor::NeuralArt, Vendor::Neutron];

    /// The vendor compiler `--npu value` selects, if it is not a Vela configuration.
    pub fn from_npu_value(value: &str) -> Option<Vendor> {
        Vendor::ALL.into_iter().find(|v| v.npu_value() == value)
    }

    /// The executable's name.
    pub fn tool(self) -> &'static str {
        match self {
            Vendor::NeuralArt => "stedgeai",
            Vendor::Neutron => "neutron-converter",
        }
    }

    /// The `--npu` value that selects it.
    pub fn npu_value(self) -> &'static str {
        match self {
            Vendor::NeuralArt => "neural-art",
            Vendor::Neutron => "neutron",
        }
    }

    /// What to install and where from (the vendors' download pages, as of this writing).
    pub fn install(self) -> &'static str {
        match self {
            Vendor::NeuralArt => {
                "install ST Edge AI Core (STEdgeAI-Core, part of the ST Edge AI Suite: \
                 https://www.st.com/content/st_com/en/st-edge-ai-suite.html, a free download from st.com); its `stedgeai` binary is in <install dir>/Utilities/<host os>/ (Utilities/linux/ on Linux) \
                 (the X-CUBE-AI pack ships the same binary under Utilities/). Put that directory on PATH, or pass \
                 --npu-compiler /path/to/stedgeai"
            }
            Vendor::Neutron => {
                "install NXP's eIQ Neutron SDK (part of the eIQ Toolkit: \
                 https://www.nxp.com/design/design-center/software/eiq-ai-development-environment/eiq-toolkit-for-end-to-end-model-development-and-deployment:EIQ-TOOLKIT, \
                 needs an nxp.com account); its converter is <sdk>/bin/neutron-converter (the MCUXpresso SDK's eIQ examples \
                 point there). Put that directory on PATH (and <sdk>/lib on LD_LIBRARY_PATH), or pass \
                 --npu-compiler /path/to/neutron-converter"
            }
        }
    }
}

/// Why a vendor NPU compiler could not give its placement.
#[derive(Debug, thiserror::Error)]
pub enum ToolError {
    /// Not on `PATH`, and no `--npu-compiler`.
    #[error("`{}` is not installed: not on PATH, and no --npu-compiler was given", vendor.tool())]
    Missing {
        /// Which compiler.
        vendor: Vendor,
    },
    /// `--npu-compiler` names no executable file.
    #[error("--npu-compiler {}: no executable file there", path.display())]
    NotFound {
        /// Which compiler.
        vendor: Vendor,
        /// The path given.
        path: PathBuf,
    },
    /// It ran and failed.
    #[error("`{}` failed ({status}) on {model}:\n{console}", tool.display())]
    Failed {
        /// Which compiler.
        vendor: Vendor,
        /// The executable run.
        tool: PathBuf,
        /// Its exit status.
        status: String,
        /// The model.
        model: String,
        /// What it printed (stdout, then stderr).
        console: String,
    },
    /// It succeeded but its outputs are not where or what its documentation says.
    #[error("`{}` finished but its output is not in the documented layout: {reason}", vendor.tool())]
    Layout {
        /// Which compiler.
        vendor: Vendor,
        /// What is missing or unreadable.
        reason: String,
    },
}

impl ToolError {
    /// Whether the tool is absent (exit code [`EXIT_MISSING_TOOL`]).
    pub fn is_missing(&self) -> bool {
        matches!(self, ToolError::Missing { .. } | ToolError::NotFound { .. })
    }

    /// How to fix it.
    pub fn hint(&self) -> String {
        match self {
            ToolError::Missing { vendor } | ToolError::NotFound { vendor, .. } => vendor.install().into(),
            ToolError::Failed { vendor, .. } => format!(
                "the lines above are {}'s own; check that the model is an int8 .tflite it supports (`{} --help` lists its options)",
                vendor.tool(),
                vendor.tool()
            ),
            ToolError::Layout { vendor, .. } => format!(
                "cargo-tinyml reads the output layout of the {} versions named in docs/boards.md; another version may write it differently",
                vendor.tool()
            ),
        }
    }
}

/// The executable for `vendor`: `explicit` (`--npu-compiler`), else the first executable
/// file of its name on `PATH`.
pub fn find(vendor: Vendor, explicit: Option<&Path>) -> Result<PathBuf, ToolError> {
    if let Some(path) = explicit {
        return if is_executable(path) {
            Ok(path.to_owned())
        } else {
            Err(ToolError::NotFound { vendor, path: path.to_owned() })
        };
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|d| d.join(vendor.tool()))
        .find(|p| is_executable(p))
        .ok_or(ToolError::Missing { vendor })
}

/// A file the OS would run: a same-named data file on PATH must not hide the real tool.
fn is_executable(path: &Path) -> bool {
    let Ok(meta) = std::fs::metadata(path) else { return false };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        meta.is_file() && meta.permissions().mode() & 0o111 != 0
    }
    #[cfg(not(unix))]
    {
        meta.is_file()
    }
}

/// Runs `tool args` and returns its console output (stdout, then stderr) when it succeeds.
pub fn run(vendor: Vendor, tool: &Path, args: &[OsString], model: &Path) -> Result<String, ToolError> {
    let out = Command::new(tool).args(args).output().map_err(|e| ToolError::Failed {
        vendor,
        tool: tool.to_owned(),
        status: "did not start".into(),
        model: model.display().to_string(),
        console: e.to_string(),
    })?;
    let console = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    if out.status.success() {
        Ok(console)
    } else {
        Err(ToolError::Failed {
            vendor,
            tool: tool.to_owned(),
            status: out.status.to_string(),
            model: model.display().to_string(),
            console: console.trim().to_owned(),
        })
    }
}

/// A fresh temporary directory for one run; the caller removes it.
pub fn temp_dir(vendor: Vendor) -> anyhow::Result<PathBuf> {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    let dir = std::env::temp_dir().join(format!("cargo-tinyml-{}-{}-{nanos}", vendor.tool(), std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| anyhow::anyhow!("cannot create {}: {e}", dir.display()))?;
    Ok(dir)
}

/// `args` as the strings a report shows.
pub fn shown(tool: &Path, args: &[OsString]) -> Vec<String> {
    std::iter::once(tool.display().to_string()).chain(args.iter().map(|a| a.to_string_lossy().into_owned())).collect()
}

/// `12,345` or `12345` as a number.
pub fn number(text: &str) -> Option<u64> {
    text.trim().replace(',', "").parse().ok()
}
