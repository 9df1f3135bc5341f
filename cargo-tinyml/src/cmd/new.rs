//! `cargo tinyml new`: scaffold a firmware project for a board, with a model that is
//! compiled at build time. Every input is checked before anything is written, and the
//! project is written atomically.

use crate::boards::{self, Catalog};
use crate::scaffold::{self, Model, Spec};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

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
  cargo tinyml new yes --example kws       # micro_speech on a WAV: prints \"yes\"")]
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
    /// keyword spotting on a WAV, streamed) or `anomaly` (MLPerf Tiny AD autoencoder scores).
    #[arg(long, value_enum, conflicts_with = "model")]
    pub example: Option<crate::examples::Example>,
}

/// Why `new` refused to write a project.
#[derive(Debug, thiserror::Error)]
pub enum NewError {
    /// The package name breaks Cargo's rules.
    #[error("invalid project name `{name}`: {reason}")]
    BadName {
        /// The name given.
        name: String,
        /// The rule it breaks.
        reason: String,
    },
    /// The destination exists and is not an empty directory.
    #[error("destination `{}` already exists and is not an empty directory", path.display())]
    Exists {
        /// The destination.
        path: PathBuf,
    },
    /// The model file could not be read.
    #[error("cannot read model `{}`: {source}", path.display())]
    ModelUnreadable {
        /// The model file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The file is not a TFLite flatbuffer.
    #[error("`{}` is not a TFLite model: {reason}", path.display())]
    NotTflite {
        /// The file.
        path: PathBuf,
        /// What gave it away.
        reason: String,
    },
    /// The model is a TFLite file that cargo-tinyml cannot compile.
    #[error("cannot compile model `{}`: {source}", path.display())]
    Compile {
        /// The model file.
        path: PathBuf,
        /// The compiler's error.
        source: tinyml_compiler::CompileError,
    },
}

const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern", "false", "fn",
    "for", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return", "self", "Self",
    "static", "struct", "super", "trait", "true", "type", "unsafe", "use", "where", "while", "abstract", "become",
    "box", "do", "final", "macro", "override", "priv", "typeof", "unsized", "virtual", "yield", "try", "gen",
];
const RESERVED: &[&str] = &[
    "core",
    "std",
    "alloc",
    "proc_macro",
    "proc-macro",
    "test",
    "build",
    "deps",
    "examples",
    "incremental",
    "con",
    "prn",
    "aux",
    "nul",
    "com1",
    "lpt1",
    "model",
];

/// Checks `name` against Cargo's package name rules (and names that would clash with the
/// generated code); returns the broken rule.
pub fn validate_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("the name is empty".into());
    }
    if name.len() > 64 {
        return Err("the name is longer than 64 characters".into());
    }
    if let Some(c) = name.chars().find(|c| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '_')) {
        return Err(format!("`{c}` is not allowed: use ASCII letters, digits, `-` and `_`"));
    }
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        return Err("the name cannot start with a digit".into());
    }
    let lower = name.to_ascii_lowercase();
    if KEYWORDS.contains(&name) || RESERVED.contains(&lower.as_str()) {
        return Err("the name is a Rust keyword or a reserved name".into());
    }
    Ok(())
}

/// Reads and checks a model: readable, a TFLite flatbuffer, and compilable.
pub fn load_model(path: &Path) -> Result<Vec<u8>, NewError> {
    let bytes = std::fs::read(path).map_err(|source| NewError::ModelUnreadable { path: path.to_owned(), source })?;
    if bytes.len() < 8 || &bytes[4..8] != b"TFL3" {
        return Err(NewError::NotTflite {
            path: path.to_owned(),
            reason: "no `TFL3` file identifier at bytes 4..8".into(),
        });
    }
    tinyml_compiler::compile(&bytes, &Default::default())
        .map_err(|source| NewError::Compile { path: path.to_owned(), source })?;
    Ok(bytes)
}

fn check_destination(dest: &Path) -> Result<(), NewError> {
    let exists = NewError::Exists { path: dest.to_owned() };
    match std::fs::read_dir(dest) {
        Ok(entries) => match entries.count() {
            0 => Ok(()),
            _ => Err(exists),
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !dest.is_symlink() => Ok(()),
        Err(_) => Err(exists),
    }
}

impl Cmd {
    /// Creates the project and returns where it was written.
    pub fn create(&self) -> anyhow::Result<PathBuf> {
        validate_name(&self.name).map_err(|reason| NewError::BadName { name: self.name.clone(), reason })?;
        let catalog = Catalog::load()?;
        let board = catalog.get(&self.board)?;
        let dest = self.path.clone().unwrap_or_else(|| PathBuf::from(&self.name));
        check_destination(&dest)?;
        let model = match &self.model {
            Some(path) => Model::File { path: path.clone(), bytes: load_model(path)? },
            None => Model::Default,
        };
        let files = if crate::c2000::is_c_board(board) {
            // No Rust target (C28x): a C project for the vendor's compiler instead.
            let (bytes, file) = match &model {
                Model::Default => (scaffold::DEFAULT_MODEL.to_vec(), "hello_world_int8.tflite".to_owned()),
                Model::File { path, bytes } => (
                    bytes.clone(),
                    path.file_name().map_or("model.tflite".into(), |n| n.to_string_lossy().into_owned()),
                ),
            };
            crate::c2000::project_files(&self.name, board, &bytes, &file)?
        } else {
            scaffold::files(&Spec { name: &self.name, board, model, source_dir: scaffold::source_dir() })
        };
        let files = match self.example {
            Some(_) if crate::c2000::is_c_board(board) => {
                anyhow::bail!("--example needs a board with a Rust target; `{}` gets a C project", board.name)
            }
            Some(example) => crate::examples::apply(example, &self.name, board, files),
            None => files,
        };
        scaffold::write_atomically(&dest, &files)
            .map_err(|e| anyhow::anyhow!(e).context(format!("cannot write the project to `{}`", dest.display())))?;
        Ok(dest)
    }

    /// Runs the command.
    pub fn run(self) -> anyhow::Result<ExitCode> {
        let dest = self.create()?;
        if let Some(board) = Catalog::load().ok().and_then(|c| c.get(&self.board).ok().cloned()) {
            if crate::c2000::is_c_board(&board) {
                println!("Created `{}` for board `{}` in {}", self.name, self.board, dest.display());
                println!("{}", crate::c2000::next_steps(&board, &dest));
                return Ok(ExitCode::SUCCESS);
            }
        }
        let how = if self.board_is_emulated() { "build it and run it in QEMU" } else { "build it" };
        println!("Created `{}` for board `{}` in {}", self.name, self.board, dest.display());
        println!("Next: cd {} && cargo tinyml run   # {how}", dest.display());
        Ok(ExitCode::SUCCESS)
    }

    fn board_is_emulated(&self) -> bool {
        Catalog::load().ok().and_then(|c| c.get(&self.board).ok().map(|b| b.is_emulated())).unwrap_or(false)
    }
}
