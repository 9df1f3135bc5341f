//! `cargo tinyml new`: scaffold a firmware project for a board, with a model that is
//! compiled at build time. Every input is checked before anything is written, and the
//! project is written atomically.

use crate::boards::{self, Catalog, Flow};
use crate::fit::{fit_for, DoesNotFit};
use crate::project::scaffold::{self, check_destination, load_model, validate_name, Model, NewError, Spec};
use crate::project::{c_project, examples, npu};
use anyhow::bail;
use std::path::PathBuf;
use std::process::ExitCode;
use tinyml_compiler::analysis::Report;

/// Create a firmware project that runs an int8 TFLite model on a board.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
The project builds at once, offline: Cargo.toml, .cargo/config.toml (target, CPU, runner) and
memory.x generated from the board file, build.rs that compiles model/model.tflite into Rust at
build time, and src/main.rs that runs the model on a test input and prints the output.
Nothing is written unless every check passes.

Examples:
  cargo tinyml new demo                    # mps3-an547 (QEMU), the hello_world sine model
  cd demo && cargo tinyml run              # build, run in QEMU, print the output
  cargo tinyml new kws --board mps2-an386 --model kws.tflite
  cargo tinyml new yes --example kws       # micro_speech on a WAV: prints \"yes\"
  cargo tinyml new ww --example wakeword   # MLPerf Tiny streaming wakeword: three \"marvin\"
  cargo tinyml new kws-npu --board kit-pse84-eval --model kws.tflite --npu   # Ethos-U55 via Vela")]
pub struct Cmd {
    /// Package name of the project (letters, digits, `-`, `_`; not starting with a digit).
    pub name: String,
    /// Board to build for; `cargo tinyml boards` lists them.
    #[arg(long, short, default_value = boards::DEFAULT_BOARD)]
    pub board: String,
    /// int8 TFLite model to copy into the project (default: the shipped hello_world sine
    /// model).
    #[arg(long, short, value_name = "FILE.tflite")]
    pub model: Option<PathBuf>,
    /// Directory to create (default: ./NAME). Must not exist or be empty.
    #[arg(long, value_name = "DIR")]
    pub path: Option<PathBuf>,
    /// An example application instead of the single-inference program: `kws` (micro_speech
    /// keyword spotting on a WAV, streamed), `anomaly` (MLPerf Tiny AD front end and autoencoder
    /// on WAVs: a score per window, a verdict per file) or
    /// `wakeword` (MLPerf Tiny streaming wakeword on a 10 s WAV, detections and duty cycle).
    #[arg(long, value_enum, conflicts_with = "model")]
    pub example: Option<examples::Example>,
    /// Run the layers that Arm's Vela places on the board's Ethos-U on the NPU (Vela runs
    /// at build time; `doctor` says how to install it). The configuration defaults to the
    /// board's (`ethos-u55-128` on kit-pse84-eval); name another as `--npu CONFIG`.
    /// Builds and links; not run on hardware (see docs/boards.md).
    #[arg(long, value_name = "CONFIG", num_args = 0..=1, default_missing_value = "", conflicts_with = "example")]
    pub npu: Option<String>,
    /// Link up to BYTES of the model's weight tables into RAM, copied from flash at
    /// start-up, the tables its layers read most per byte first (flash keeps them too, and
    /// RAM must hold them beside the arena). For chips whose flash reads cost wait states;
    /// 0, the default, leaves every table in flash.
    #[arg(long, value_name = "BYTES", default_value_t = 0, conflicts_with_all = ["example", "npu"])]
    pub weights_in_ram: usize,
    /// Write the project even if the model does not fit the board's flash or RAM (as
    /// `cargo tinyml analyze --board` estimates it).
    #[arg(long)]
    pub force: bool,
    /// Depend on the crates of the cargo-tinyml checkout this binary was built from, by
    /// path (the default when run from a checkout or with `TINYML_SOURCE_DIR` set);
    /// otherwise the project depends on the published crates by version.
    #[arg(long)]
    pub local: bool,
}

impl Cmd {
    /// Creates the project and returns where it was written. Every input is checked
    /// before anything is written.
    pub fn create(&self) -> anyhow::Result<PathBuf> {
        validate_name(&self.name).map_err(|reason| NewError::BadName { name: self.name.clone(), reason })?;
        let catalog = Catalog::load()?;
        let board = catalog.get(&self.board)?;
        let dest = self.path.clone().unwrap_or_else(|| PathBuf::from(&self.name));
        check_destination(&dest)?;
        let npu_project = match &self.npu {
            Some(config) => {
                let asked = (!config.is_empty()).then_some(config.as_str());
                Some(npu::check(board, asked, &crate::python::interpreter())?)
            }
            None => None,
        };
        let model = match &self.model {
            Some(path) => {
                let (bytes, program) = load_model(path)?;
                let program = match &npu_project {
                    // The arena of the NPU build (Vela's regions included) is the one to fit.
                    Some(project) => npu::offloaded_program(project, path, &bytes)?,
                    None => program,
                };
                self.check_fit(&path.display().to_string(), &program, board)?;
                Model::File { path: path.clone(), bytes }
            }
            None => Model::Default,
        };
        let files = match board.flow() {
            Flow::CProject => {
                // No Rust target (C28x): a C project for the vendor's compiler instead.
                let (bytes, file) = match &model {
                    Model::Default => (scaffold::DEFAULT_MODEL.to_vec(), "hello_world_int8.tflite".to_owned()),
                    Model::File { path, bytes } => (
                        bytes.clone(),
                        path.file_name().map_or("model.tflite".into(), |n| n.to_string_lossy().into_owned()),
                    ),
                };
                let files = c_project::project_files(&self.name, board, &bytes, &file)?;
                let needs_rust = |option| NewError::NeedsRustTarget { option, board: board.name.clone() };
                if self.example.is_some() {
                    return Err(needs_rust("--example").into());
                }
                if self.weights_in_ram > 0 {
                    return Err(needs_rust("--weights-in-ram").into());
                }
                files
            }
            Flow::Qemu(_) | Flow::Probe { .. } | Flow::VendorTool => {
                let source_dir = scaffold::dependency_source(self.local)?;
                let files = scaffold::files(&Spec {
                    name: &self.name,
                    board,
                    model,
                    source_dir: source_dir.clone(),
                    weights_in_ram: self.weights_in_ram,
                });
                match (self.example, &npu_project) {
                    (Some(example), _) => examples::apply(example, &self.name, board, files),
                    (None, Some(project)) => {
                        let dep = scaffold::dependency(source_dir.as_deref(), "ethos-u", &[]);
                        npu::apply(project, board, &dep, files)
                    }
                    (None, None) => files,
                }
            }
        };
        scaffold::write_atomically(&dest, &files)
            .map_err(|e| anyhow::anyhow!(e).context(format!("cannot write the project to `{}`", dest.display())))?;
        Ok(dest)
    }

    /// Refuses a model that does not fit the board (the check of `analyze --board`),
    /// unless `--force`.
    fn check_fit(&self, model: &str, program: &tinyml_compiler::Program, board: &boards::Board) -> anyhow::Result<()> {
        let mut verdict = fit_for(program, &Report::of(program), board);
        // Tables in RAM take at most the budget (less when the model's tables are fewer).
        let tables = tinyml_compiler::codegen::rust::table_bytes_total(program);
        verdict.ram_margin -= self.weights_in_ram.min(tables) as i64;
        verdict.fits &= verdict.ram_margin >= 0;
        if verdict.fits {
            return Ok(());
        }
        if self.force {
            eprintln!("warning: writing it anyway (--force): {}", verdict.shortfall());
            return Ok(());
        }
        bail!(DoesNotFit::Estimate { model: model.to_owned(), fit: verdict })
    }

    /// Runs the command.
    pub fn run(self) -> anyhow::Result<ExitCode> {
        let dest = self.create()?;
        println!("Created `{}` for board `{}` in {}", self.name, self.board, dest.display());
        let board = Catalog::load().ok().and_then(|c| c.get(&self.board).ok().cloned());
        match board.as_ref().map(|b| (b, b.flow())) {
            Some((board, Flow::CProject)) => println!("{}", c_project::next_steps(board, &dest)),
            Some((board, flow)) => print!("{}", next_steps(board, flow, &dest)),
            None => println!("Next: cd {} && cargo build", dest.display()),
        }
        Ok(ExitCode::SUCCESS)
    }
}

/// What to type after `new` for a board with a Rust target: run it in QEMU, or build it
/// and flash it (a hardware board: `cargo tinyml run` refuses those).
pub fn next_steps(board: &boards::Board, flow: Flow<'_>, dest: &std::path::Path) -> String {
    let cd = format!("cd {}", dest.display());
    match flow {
        Flow::Qemu(_) => format!("Next: {cd} && cargo tinyml run   # build it and run it in QEMU\n"),
        Flow::Probe { chip, .. } => format!(
            "Next ({} is hardware; probe-rs chip {chip}):\n  \
             {cd}\n  \
             cargo build                      # build only, no board needed\n  \
             cargo tinyml flash --dry-run     # check the image against {chip}'s memory map, no probe needed\n  \
             cargo tinyml flash               # flash it over the debug probe and show its output (also: cargo run)\n",
            board.name
        ),
        Flow::VendorTool | Flow::CProject => format!(
            "Next ({} is hardware that probe-rs cannot program):\n  \
             {cd} && cargo build   # then load the ELF from target/ with the vendor's tool\n",
            board.name
        ),
    }
}
