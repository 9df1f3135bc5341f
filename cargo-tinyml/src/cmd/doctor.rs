//! `cargo tinyml doctor`: check what building, emulating and flashing need, and print the
//! exact command that fixes each gap.

use crate::boards::{Catalog, Flow};
use crate::common::{apt_install, command_output, is_root};
use crate::project::scaffold;
use crate::project::Project;
use crate::target::qemu::which;
use serde::Serialize;
use std::collections::BTreeSet;
use std::process::ExitCode;

/// Check the Rust targets, QEMU, the Python reference, the tinyml crates projects depend
/// on, the runner of hardware projects and debug-probe access.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Each check prints ok, MISSING (needed by the emulated boards; exit code 1) or warn (needed
only for hardware boards or for validating against the TFLM reference), and for each gap the
exact command that fixes it.")]
pub struct Cmd {
    /// Print the results as JSON (an array of {check, status, detail, fix}).
    #[arg(long)]
    pub json: bool,
}

/// Outcome of one check.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Present and working.
    Ok,
    /// Needed for the default flow and absent.
    Missing,
    /// Needed only for some flows (hardware, validation) and absent.
    Warn,
}

/// One check and how to fix it.
#[derive(Clone, Debug, Serialize)]
pub struct Check {
    /// What was checked.
    pub check: String,
    /// The outcome.
    pub status: Status,
    /// What was found.
    pub detail: String,
    /// The command that fixes it, if not ok.
    pub fix: Option<String>,
}

/// Runs every check.
pub fn checks() -> Vec<Check> {
    let mut out = Vec::new();
    let catalog = Catalog::load().ok();
    let boards = catalog.as_ref().map(|c| c.boards.as_slice()).unwrap_or_default();

    // Rust targets, per board.
    let installed = command_output("rustup", &["target", "list", "--installed"]);
    let targets: BTreeSet<&str> = boards.iter().filter_map(|b| b.target.as_deref()).collect();
    for target in targets {
        let users: Vec<&str> =
            boards.iter().filter(|b| b.target.as_deref() == Some(target)).map(|b| b.name.as_str()).collect();
        let emulated = boards.iter().any(|b| b.target.as_deref() == Some(target) && b.is_emulated());
        let check = format!("rust target {target}");
        let (status, detail, fix) = match &installed {
            None => (
                Status::Missing,
                "rustup not found".to_owned(),
                Some("curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh".to_owned()),
            ),
            Some(list) if list.lines().any(|l| l.trim() == target) => {
                (Status::Ok, format!("installed (boards: {})", users.join(", ")), None)
            }
            Some(_) => (
                if emulated { Status::Missing } else { Status::Warn },
                format!("not installed (needed by boards: {})", users.join(", ")),
                Some(format!("rustup target add {target}")),
            ),
        };
        out.push(Check { check, status, detail, fix });
    }

    // QEMU, for the emulated boards.
    let qemus: BTreeSet<&str> = boards.iter().filter_map(|b| b.emulator.as_ref().map(|e| e.qemu.as_str())).collect();
    for qemu in qemus {
        let (status, detail, fix) = match command_output(qemu, &["--version"]) {
            Some(v) => (Status::Ok, v.lines().next().unwrap_or_default().to_owned(), None),
            None => (Status::Missing, "not found on PATH".to_owned(), Some(apt_install("qemu-system-arm"))),
        };
        out.push(Check { check: qemu.to_owned(), status, detail, fix });
    }

    // Python with the TFLM reference interpreter (validation and tests).
    let python = crate::python::interpreter();
    let py = python.display().to_string();
    let found = command_output(&py, &["-c", "import tflite_micro, numpy; print(tflite_micro.__name__)"]);
    let venv_fix = match crate::project::scaffold::source_dir() {
        Some(root) => format!(
            "python3 -m venv {0}/.venv && {0}/.venv/bin/pip install -r {0}/tools/oracle/requirements.txt",
            root.display()
        ),
        None => "python3 -m venv .venv && .venv/bin/pip install tflite-micro numpy && export TINYML_PYTHON=$PWD/.venv/bin/python".to_owned(),
    };
    let (status, detail, fix) = match found {
        Some(_) => (Status::Ok, format!("{py} imports tflite_micro"), None),
        None => (
            Status::Warn,
            format!("{py} cannot import tflite_micro (needed to validate against the TFLM reference)"),
            Some(venv_fix),
        ),
    };
    out.push(Check { check: "python + tflite_micro".into(), status, detail, fix });

    // Arm's Vela, for `analyze --npu` (Ethos-U placement); same interpreter.
    let (status, detail, fix) = match crate::npu::vela::version(&python) {
        Some(v) => (Status::Ok, format!("{py} -m ethosu.vela is Vela {v}"), None),
        None => (
            Status::Warn,
            format!("{py} cannot run Vela (needed only by `analyze --npu`)"),
            Some(crate::npu::vela::install_hint(&python)),
        ),
    };
    out.push(Check { check: "python + vela (Ethos-U)".into(), status, detail, fix });

    // The tinyml crates new projects depend on, and those of the project around us.
    out.push(crates_check());
    out.extend(project_dependency_checks());

    // The runner of hardware projects, and debug probes.
    if boards.iter().any(|b| matches!(b.flow(), Flow::Probe { .. })) {
        out.push(runner_check());
    }
    out.push(probe_check());
    out
}

/// Where `cargo tinyml new` takes the tinyml crates from, and whether they are there.
fn crates_check() -> Check {
    let check = "tinyml crates for new projects".to_owned();
    match scaffold::dependency_source(false) {
        Ok(Some(dir)) => {
            Check { check, status: Status::Ok, detail: format!("path dependencies on {}", dir.display()), fix: None }
        }
        Ok(None) => Check {
            check,
            status: Status::Ok,
            detail: format!(
                "version {} from the registry (no checkout; `new --local` needs one)",
                scaffold::CRATES_VERSION
            ),
            fix: None,
        },
        Err(e) => Check {
            check,
            status: Status::Missing,
            detail: e.to_string(),
            fix: Some(
                "point TINYML_SOURCE_DIR at a cargo-tinyml checkout, or unset it to use the published crates".into(),
            ),
        },
    }
}

/// The path dependencies on tinyml crates of the project in the current directory (if
/// any): a moved or deleted checkout breaks its build.
fn project_dependency_checks() -> Vec<Check> {
    let Some(project) = std::env::current_dir().ok().and_then(|d| Project::find(&d).ok()) else { return Vec::new() };
    let manifest = project.root.join("Cargo.toml");
    let Some(doc) = std::fs::read_to_string(&manifest).ok().and_then(|t| t.parse::<toml::Table>().ok()) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for table in ["dependencies", "build-dependencies"] {
        let Some(deps) = doc.get(table).and_then(|d| d.as_table()) else { continue };
        for (name, spec) in deps.iter().filter(|(n, _)| n.starts_with("tinyml-")) {
            let Some(path) = spec.get("path").and_then(|p| p.as_str()) else { continue };
            let dir = project.root.join(path);
            let check = format!("{} dependency {name}", project.name);
            out.push(match scaffold::check_crate_dir(&dir, name, &format!("{}: {table}.{name}", manifest.display())) {
                Ok(()) => Check { check, status: Status::Ok, detail: format!("path {}", dir.display()), fix: None },
                Err(e) => Check {
                    check,
                    status: Status::Missing,
                    detail: e.to_string(),
                    fix: Some(format!(
                        "in {}, set `path` to the `{}` directory of a cargo-tinyml checkout, or replace the line with `{name} = {{ version = \"{}\" }}` (keep its features)",
                        manifest.display(),
                        dir.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default(),
                        scaffold::CRATES_VERSION
                    )),
                },
            });
        }
    }
    out
}

/// The runner `cargo run` uses in hardware projects: `cargo tinyml flash`, i.e. this
/// program on the PATH as `cargo-tinyml` (no probe-rs CLI needed).
fn runner_check() -> Check {
    let check = "runner of hardware projects".to_owned();
    match which("cargo-tinyml") {
        Some(path) => Check {
            check,
            status: Status::Ok,
            detail: format!("`cargo tinyml flash` ({}; probe-rs built in, no probe-rs CLI needed)", path.display()),
            fix: None,
        },
        None => Check {
            check,
            status: Status::Warn,
            detail: "`cargo run` in a hardware project calls `cargo tinyml flash`, but cargo-tinyml is not on PATH (needed for hardware boards only)".into(),
            fix: Some(match scaffold::source_dir().filter(|d| scaffold::is_checkout(d)) {
                Some(root) => format!("cargo install --locked --path {}", root.join("cargo-tinyml").display()),
                None => "cargo install --locked cargo-tinyml".into(),
            }),
        },
    }
}

fn probe_check() -> Check {
    use probe_rs::probe::list::{Accessibility, Lister};
    let probes = Lister::new().list_all_with_access();
    let denied: Vec<String> = probes
        .iter()
        .filter(|p| p.accessibility == Accessibility::PermissionDenied)
        .map(|p| format!("{} ({:04x}:{:04x})", p.info.identifier, p.info.vendor_id, p.info.product_id))
        .collect();
    let udev_fix = "download 69-probe-rs.rules from https://probe.rs/docs/getting-started/probe-setup/, then: sudo cp 69-probe-rs.rules /etc/udev/rules.d/ && sudo udevadm control --reload && sudo udevadm trigger".to_owned();
    let check = "debug probe access".to_owned();
    if !denied.is_empty() {
        return Check {
            check,
            status: Status::Warn,
            detail: format!("no permission to open: {}", denied.join(", ")),
            fix: Some(udev_fix),
        };
    }
    if probes.is_empty() {
        let has_rules = std::fs::read_dir("/etc/udev/rules.d")
            .map(|d| d.filter_map(|e| e.ok()).any(|e| e.file_name().to_string_lossy().contains("probe-rs")))
            .unwrap_or(false);
        let (detail, fix) = if cfg!(target_os = "linux") && !is_root() && !has_rules {
            (
                "no probe connected, and no probe-rs udev rules installed (needed for hardware boards only)".to_owned(),
                Some(udev_fix),
            )
        } else {
            ("no probe connected (needed for hardware boards only)".to_owned(), None)
        };
        return Check { check, status: Status::Warn, detail, fix };
    }
    let names: Vec<String> = probes.iter().map(|p| p.info.identifier.clone()).collect();
    Check { check, status: Status::Ok, detail: format!("{} probe(s): {}", probes.len(), names.join(", ")), fix: None }
}

/// The report `doctor` prints.
pub fn render(checks: &[Check]) -> String {
    let width = checks.iter().map(|c| c.check.len()).max().unwrap_or(0);
    let mut s = String::new();
    for c in checks {
        let status = match c.status {
            Status::Ok => "ok",
            Status::Missing => "MISSING",
            Status::Warn => "warn",
        };
        s.push_str(&format!("{status:<7}  {:<width$}  {}\n", c.check, c.detail));
        if let Some(fix) = &c.fix {
            s.push_str(&format!("{:<7}  {:<width$}  fix: {fix}\n", "", ""));
        }
    }
    s
}

impl Cmd {
    /// Runs the command: exit code 1 if something the emulated boards need is missing.
    pub fn run(self) -> anyhow::Result<ExitCode> {
        let checks = checks();
        if self.json {
            println!("{}", serde_json::to_string_pretty(&checks)?);
        } else {
            print!("{}", render(&checks));
        }
        let missing = checks.iter().any(|c| c.status == Status::Missing);
        Ok(if missing { ExitCode::from(1) } else { ExitCode::SUCCESS })
    }
}
