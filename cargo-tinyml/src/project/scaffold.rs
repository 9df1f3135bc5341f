//! Project templates as data: the files under `templates/project/` (with `{{placeholders}}`)
//! embedded at build time, rendered for a board and a model, and written atomically; and
//! the checks on a new project's name, model and destination that come first.

use crate::boards::Board;
use std::path::{Path, PathBuf};

/// The template files: (path in the generated project, template text).
const TEMPLATES: &[(&str, &str)] = &[
    ("Cargo.toml", include_str!("../../templates/project/Cargo.toml.tmpl")),
    ("build.rs", include_str!("../../templates/project/build.rs.tmpl")),
    ("src/main.rs", include_str!("../../templates/project/src/main.rs.tmpl")),
    (".gitignore", include_str!("../../templates/project/gitignore.tmpl")),
    ("README.md", include_str!("../../templates/project/README.md.tmpl")),
];

/// The model a project gets without `--model`, with its license and provenance.
pub const DEFAULT_MODEL: &[u8] = include_bytes!("../../templates/models/hello_world_int8.tflite");
const DEFAULT_MODEL_LICENSE: &str = include_str!("../../templates/models/LICENSE");
const DEFAULT_MODEL_PROVENANCE: &str = include_str!("../../templates/models/PROVENANCE.md");

/// Version of the tinyml crates a generated project depends on.
pub const CRATES_VERSION: &str = env!("CARGO_PKG_VERSION");

/// The model of a new project.
#[derive(Clone, Debug)]
pub enum Model {
    /// The shipped `hello_world_int8.tflite`.
    Default,
    /// A user's model: its bytes and where they came from.
    File {
        /// The file given to `--model`.
        path: PathBuf,
        /// Its contents.
        bytes: Vec<u8>,
    },
}

/// Everything a project is generated from.
#[derive(Clone, Debug)]
pub struct Spec<'a> {
    /// Package name.
    pub name: &'a str,
    /// The board.
    pub board: &'a Board,
    /// The model.
    pub model: Model,
    /// Root of a cargo-tinyml checkout to depend on by path, or `None` to depend on the
    /// published crates by version only.
    pub source_dir: Option<PathBuf>,
    /// Bytes of weight tables to link into RAM (`Builder::weights_in_ram`); 0: none.
    pub weights_in_ram: usize,
}

/// The checkout whose crates generated projects depend on: `$TINYML_SOURCE_DIR`, else
/// the checkout this binary was built from, if it still exists. (For `doctor`'s fix
/// commands; what `new` writes is [`dependency_source`].)
pub fn source_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("TINYML_SOURCE_DIR") {
        return Some(PathBuf::from(dir));
    }
    built_from()
}

/// The checkout this binary was built from, if it is still there (a binary built from
/// the published package has none: its manifest directory holds no `runtime/`).
fn built_from() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).parent()?;
    is_checkout(dir).then(|| dir.to_owned())
}

/// The crates a generated project depends on, by directory in a checkout.
pub const DEPENDENCY_CRATES: &[(&str, &str)] = &[
    ("runtime", "tinyml-runtime"),
    ("firmware", "tinyml-firmware"),
    ("compiler", "tinyml-compiler"),
    ("audio", "tinyml-audio"),
];

/// Whether `dir` is a cargo-tinyml checkout: the crates' manifests are where projects
/// will look for them.
pub fn is_checkout(dir: &Path) -> bool {
    check_source_dir(dir).is_ok()
}

/// A path dependency that would not resolve.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// `dir/<crate>/Cargo.toml` is missing or is another package.
    #[error("{}: no {krate} crate at {} ({why})", origin, manifest.display())]
    Missing {
        /// Where the directory came from (`TINYML_SOURCE_DIR=...`, a project's dependency).
        origin: String,
        /// The crate looked for.
        krate: String,
        /// The manifest that should hold it.
        manifest: PathBuf,
        /// What was wrong.
        why: String,
    },
    /// `--local` without a checkout to point at.
    #[error("--local needs a cargo-tinyml checkout, and this binary was not built from one that still exists")]
    NoCheckout,
}

/// Checks that `dir` holds the tinyml crates a project depends on by path.
pub fn check_source_dir(dir: &Path) -> Result<(), SourceError> {
    for (sub, krate) in DEPENDENCY_CRATES {
        check_crate_dir(&dir.join(sub), krate, &format!("source directory {}", dir.display()))?;
    }
    Ok(())
}

/// Checks that `dir/Cargo.toml` is the package `krate`. `origin` says where `dir` came
/// from, for the message.
pub fn check_crate_dir(dir: &Path, krate: &str, origin: &str) -> Result<(), SourceError> {
    let manifest = dir.join("Cargo.toml");
    let missing = |why: String| SourceError::Missing {
        origin: origin.to_owned(),
        krate: krate.to_owned(),
        manifest: manifest.clone(),
        why,
    };
    let text = std::fs::read_to_string(&manifest).map_err(|e| missing(e.to_string()))?;
    let doc: toml::Table = toml::from_str(&text).map_err(|e| missing(e.to_string()))?;
    match doc.get("package").and_then(|p| p.get("name")).and_then(|n| n.as_str()) {
        Some(name) if name == krate => Ok(()),
        Some(name) => Err(missing(format!("it is package `{name}`"))),
        None => Err(missing("no package name".into())),
    }
}

/// Where a new project gets the tinyml crates from: `Some(checkout)` for path
/// dependencies (plus the version), `None` for version dependencies from the registry.
///
/// Path dependencies when `$TINYML_SOURCE_DIR` is set (it must hold the crates), with
/// `--local` (`local`: the checkout this binary was built from), or when run from a
/// checkout: the binary lives inside the checkout it was built from (`cargo run`,
/// `target/debug/cargo-tinyml`), or the current directory is inside a checkout. An
/// installed binary (`cargo install`) run elsewhere writes version dependencies.
pub fn dependency_source(local: bool) -> Result<Option<PathBuf>, SourceError> {
    if let Some(dir) = std::env::var_os("TINYML_SOURCE_DIR") {
        let dir = PathBuf::from(dir);
        for (sub, krate) in DEPENDENCY_CRATES {
            check_crate_dir(&dir.join(sub), krate, &format!("TINYML_SOURCE_DIR={}", dir.display()))?;
        }
        return Ok(Some(absolute(&dir)));
    }
    let home = built_from();
    if local {
        return home.map(Some).ok_or(SourceError::NoCheckout);
    }
    let exe_inside = |dir: &Path| std::env::current_exe().is_ok_and(|exe| exe.starts_with(dir));
    if let Some(dir) = home.filter(|d| exe_inside(d)) {
        return Ok(Some(dir));
    }
    let cwd = std::env::current_dir().ok();
    Ok(cwd.and_then(|cwd| cwd.ancestors().find(|d| is_checkout(d)).map(Path::to_owned)))
}

fn absolute(dir: &Path) -> PathBuf {
    std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_owned())
}

pub fn dependency(source_dir: Option<&Path>, krate: &str, features: &[&str]) -> String {
    let features = if features.is_empty() {
        String::new()
    } else {
        let quoted: Vec<String> = features.iter().map(|f| format!("\"{f}\"")).collect();
        format!(", features = [{}]", quoted.join(", "))
    };
    match source_dir {
        Some(dir) => {
            let path = dir.join(krate);
            let path = path.to_string_lossy().replace('\\', "/");
            format!("{{ path = \"{path}\", version = \"{CRATES_VERSION}\"{features} }}")
        }
        None if features.is_empty() => format!("\"{CRATES_VERSION}\""),
        None => format!("{{ version = \"{CRATES_VERSION}\"{features} }}"),
    }
}

/// Replaces every `{{key}}` in `template`; an unknown key is a bug in the template.
pub fn render(template: &str, vars: &[(&str, String)]) -> String {
    let mut out = template.to_owned();
    for (key, value) in vars {
        out = out.replace(&format!("{{{{{key}}}}}"), value);
    }
    assert!(!out.contains("{{"), "template has a placeholder without a value:\n{out}");
    out
}

/// The files of the project, as (relative path, contents), in a stable order.
pub fn files(spec: &Spec<'_>) -> Vec<(PathBuf, Vec<u8>)> {
    let board = spec.board;
    let src = spec.source_dir.as_deref();
    let io = if board.is_emulated() { "semihosting" } else { "rtt" };
    let firmware_features = [io, board.timer.as_str()];
    let timing_note = if board.is_emulated() { " (emulated by QEMU -icount: not real-chip time)" } else { "" };
    let run_how = if board.is_emulated() {
        "run it in QEMU (output over semihosting)".to_owned()
    } else {
        "flash it with `cargo tinyml flash` (output over RTT)".to_owned()
    };
    let model_origin = match &spec.model {
        Model::Default => {
            "the TFLM hello_world sine model shipped with cargo-tinyml; see model/PROVENANCE.md".to_owned()
        }
        Model::File { path, .. } => format!("copied from `{}`", path.display()),
    };
    let vars = [
        ("name", spec.name.to_owned()),
        ("board", board.name.clone()),
        ("board_description", board.description.clone()),
        ("runtime_dep", dependency(src, "runtime", &[])),
        ("firmware_dep", dependency(src, "firmware", &firmware_features)),
        ("compiler_dep", dependency(src, "compiler", &[])),
        ("timing_note", timing_note.to_owned()),
        ("run_how", run_how),
        ("model_origin", model_origin),
        ("compile", compile_call(board, spec.weights_in_ram)),
    ];
    let mut out: Vec<(PathBuf, Vec<u8>)> =
        TEMPLATES.iter().map(|(path, text)| (PathBuf::from(path), render(text, &vars).into_bytes())).collect();
    out.push((".cargo/config.toml".into(), board.cargo_config().into_bytes()));
    out.push(("memory.x".into(), memory_x(board).into_bytes()));
    match &spec.model {
        Model::Default => {
            out.push(("model/model.tflite".into(), DEFAULT_MODEL.to_vec()));
            out.push(("model/LICENSE".into(), DEFAULT_MODEL_LICENSE.as_bytes().to_vec()));
            out.push(("model/PROVENANCE.md".into(), DEFAULT_MODEL_PROVENANCE.as_bytes().to_vec()));
        }
        Model::File { bytes, .. } => out.push(("model/model.tflite".into(), bytes.clone())),
    }
    out
}

/// The build script's compile call. On a board whose arena may spread over several
/// memory regions, it passes them (fastest first, with the board file's lengths) so that
/// an arena too large for the first is split across them, as `analyze --board` shows;
/// `weights_in_ram` bytes of tables go to RAM when asked.
fn compile_call(board: &Board, weights_in_ram: usize) -> String {
    let weights = if weights_in_ram > 0 {
        format!(
            "\n        // `new --weights-in-ram`: the tables read most per byte, up to this many bytes, in RAM.\n        .weights_in_ram({weights_in_ram})\n        "
        )
    } else {
        String::new()
    };
    let builder = "tinyml_compiler::build::Builder::new(\"model/model.tflite\")";
    if !crate::placement::splits_arenas(board) {
        return format!("    {builder}{weights}.compile_or_exit();");
    }
    let regions: Vec<String> = board
        .arena_regions()
        .iter()
        .map(|(r, speed)| format!("        ({:?}, {}), // {}", r.name, r.length, speed.as_str()))
        .collect();
    format!(
        "    // The memory regions the arena may use on {board}, fastest first, from the board file.\n    \
         // An arena that fits the first stays whole there; a larger one is split across them,\n    \
         // the buffers used most in the fastest (`model::arena()` links each share in its\n    \
         // region). {ram} also holds the stack and statics: the compiler leaves it its estimate.\n    \
         use tinyml_compiler::plan::regions::Region;\n    \
         let regions = [\n{}\n    ];\n    \
         let options = tinyml_compiler::CompileOptions {{\n        \
         regions: regions.iter().map(|&(name, capacity)| Region {{ name: name.into(), capacity }}).collect(),\n        \
         stack_region: Some({ram:?}.into()),\n        \
         ..Default::default()\n    }};\n    \
         {builder}.options(options){weights}.compile_or_exit();",
        regions.join("\n"),
        board = board.name,
        ram = board.ram().name,
    )
}

/// The board's `memory.x`; on a board whose arena may spread over several regions, with
/// a section for each region's share of a split arena (empty when the arena is whole).
fn memory_x(board: &Board) -> String {
    if !crate::placement::splits_arenas(board) {
        return board.memory_x();
    }
    let names: Vec<&str> = board.arena_regions().iter().map(|(r, _)| r.name.as_str()).collect();
    board.memory_x_with_arenas(&names)
}

/// Writes `files` into a new directory `dest` atomically: into a temporary directory
/// beside it, then renamed into place, so a failure leaves nothing behind. `dest` must
/// not exist or be an empty directory.
pub fn write_atomically(dest: &Path, files: &[(PathBuf, Vec<u8>)]) -> std::io::Result<()> {
    let parent = match dest.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => PathBuf::from("."),
    };
    let leaf = dest.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "project".into());
    let tmp = parent.join(format!(".{leaf}.tinyml-new-{}", std::process::id()));
    let result = (|| {
        for (rel, contents) in files {
            let path = tmp.join(rel);
            std::fs::create_dir_all(path.parent().expect("file path has a parent"))?;
            std::fs::write(&path, contents)?;
        }
        if dest.is_dir() {
            // An empty directory (checked by the caller): replace it.
            std::fs::remove_dir(dest)?;
        }
        std::fs::rename(&tmp, dest)
    })();
    if result.is_err() {
        let _ = std::fs::remove_dir_all(&tmp);
    }
    result
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
    /// A parent of the destination is a file, not a directory.
    #[error("cannot create `{}`: its parent `{}` is a file, not a directory", path.display(), file.display())]
    ParentIsFile {
        /// The destination.
        path: PathBuf,
        /// The parent that is a file.
        file: PathBuf,
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
    /// The model is a TFLite file that cargo-tinyml cannot compile (or not TFLite after
    /// all): the cause, in the user's terms.
    #[error(transparent)]
    Compile(crate::model_check::ModelError),
    /// An option for Rust firmware on a board that gets a C project (TI C28x).
    #[error("{option} needs a board with a Rust target; `{board}` gets a C project")]
    NeedsRustTarget {
        /// The option (`--example`, `--weights-in-ram`).
        option: &'static str,
        /// The board.
        board: String,
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

/// Reads and checks a model: readable, a TFLite flatbuffer, and compilable; returns its
/// bytes and the compiled program (for the fit check).
pub fn load_model(path: &Path) -> Result<(Vec<u8>, tinyml_compiler::Program), NewError> {
    let bytes = std::fs::read(path).map_err(|source| NewError::ModelUnreadable { path: path.to_owned(), source })?;
    if bytes.len() < 8 || &bytes[4..8] != b"TFL3" {
        return Err(NewError::NotTflite {
            path: path.to_owned(),
            reason: "no `TFL3` file identifier at bytes 4..8".into(),
        });
    }
    let program = tinyml_compiler::compile(&bytes, &Default::default())
        .map_err(|e| NewError::Compile(crate::model_check::diagnose(path, &bytes, e)))?;
    Ok((bytes, program))
}

/// Checks that `dest` does not exist or is an empty directory.
pub fn check_destination(dest: &Path) -> Result<(), NewError> {
    let exists = NewError::Exists { path: dest.to_owned() };
    // `file.wav/sub`: a parent that is a file, said as such (not "already exists").
    if let Some(file) = dest.ancestors().skip(1).find(|a| !a.as_os_str().is_empty() && a.exists() && !a.is_dir()) {
        return Err(NewError::ParentIsFile { path: dest.to_owned(), file: file.to_owned() });
    }
    match std::fs::read_dir(dest) {
        Ok(entries) => match entries.count() {
            0 => Ok(()),
            _ => Err(exists),
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !dest.is_symlink() => Ok(()),
        Err(_) => Err(exists),
    }
}
