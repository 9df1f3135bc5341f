//! A firmware project on disk and the board it is for: finding a project from a
//! directory, choosing its board from `--board` and its metadata, and telling Rust
//! projects from the C projects generated for boards Rust cannot target. Generating
//! projects (`scaffold`, `examples`, `c_project`) and building them (`cargo`) live in
//! the submodules.

pub mod build_log;
pub mod c_project;
pub mod cargo;
pub mod examples;
pub mod npu;
pub mod scaffold;
pub mod top1;

use crate::boards::{Board, BoardError, Catalog, Flow};
use std::path::{Path, PathBuf};

/// A firmware project: a package with `[package.metadata.tinyml]`.
#[derive(Clone, Debug)]
pub struct Project {
    /// Directory holding its `Cargo.toml`.
    pub root: PathBuf,
    /// Package name (the binary's name).
    pub name: String,
    /// `board` from `[package.metadata.tinyml]`, if set.
    pub board: Option<String>,
}

/// The directory holds no project `cargo tinyml` can use, or not for this board.
#[derive(Debug, thiserror::Error)]
pub enum ProjectError {
    /// No `Cargo.toml` in `dir` or above it.
    #[error("no Cargo.toml in {} or any parent directory", dir.display())]
    NotFound {
        /// Where the search started.
        dir: PathBuf,
    },
    /// The `Cargo.toml` is not readable or has no package name.
    #[error("{}: {reason}", path.display())]
    Manifest {
        /// The manifest.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// Neither `--board` nor the project names a board.
    #[error("no board: the project's Cargo.toml has no [package.metadata.tinyml] board and no --board was given")]
    NoBoard,
    /// `--board` differs from the board the project was generated for.
    #[error("the project was generated for board `{project}`, not `{asked}`")]
    BoardMismatch {
        /// The project's board.
        project: String,
        /// The board asked for.
        asked: String,
    },
    /// `run` was asked to run a board that is real hardware.
    #[error("board `{board}` is hardware, not emulated: `cargo tinyml run` only runs emulated boards")]
    NotEmulated {
        /// The board.
        board: String,
    },
}

impl Project {
    /// Finds the project whose `Cargo.toml` is in `dir` or the nearest parent.
    pub fn find(dir: &Path) -> Result<Project, ProjectError> {
        let manifest = dir
            .ancestors()
            .map(|d| d.join("Cargo.toml"))
            .find(|m| m.is_file())
            .ok_or_else(|| ProjectError::NotFound { dir: dir.to_owned() })?;
        let err = |reason: String| ProjectError::Manifest { path: manifest.clone(), reason };
        let text = std::fs::read_to_string(&manifest).map_err(|e| err(e.to_string()))?;
        let doc: toml::Table = toml::from_str(&text).map_err(|e| err(e.to_string()))?;
        let package = doc.get("package").and_then(|p| p.as_table()).ok_or_else(|| err("no [package] table".into()))?;
        let name = package.get("name").and_then(|n| n.as_str()).ok_or_else(|| err("no package name".into()))?;
        let board = package
            .get("metadata")
            .and_then(|m| m.get("tinyml"))
            .and_then(|t| t.get("board"))
            .and_then(|b| b.as_str())
            .map(str::to_owned);
        let root = manifest.parent().expect("manifest has a parent").to_owned();
        Ok(Project { root, name: name.to_owned(), board })
    }
}

/// The board for `project`: `--board` (`asked`), which must agree with the board the
/// project was generated for, else the project's `[package.metadata.tinyml] board`.
pub fn resolve_board(project: &Project, asked: Option<&str>) -> anyhow::Result<Board> {
    let name = match (asked, &project.board) {
        (Some(a), Some(g)) if a != g => {
            anyhow::bail!(ProjectError::BoardMismatch { project: g.clone(), asked: a.to_owned() })
        }
        (Some(b), _) => b.to_owned(),
        (None, Some(b)) => b.clone(),
        (None, None) => anyhow::bail!(ProjectError::NoBoard),
    };
    Ok(Catalog::load()?.get(&name)?.clone())
}

/// What `flash` and `profile` found in a directory.
#[derive(Clone, Debug)]
pub enum Located {
    /// A C project for a board without a Rust target ([`Flow::CProject`]): one generated
    /// in the directory, or `--board` naming such a board.
    CProject(Board),
    /// A Rust firmware project and its board.
    Firmware(Project, Board),
}

/// Finds what `dir` holds for `--board` (`asked`): a C project when [`c_project_board`]
/// finds one; otherwise the Rust project in `dir` or above it, with its board from
/// [`resolve_board`].
pub fn locate(dir: &Path, asked: Option<&str>) -> anyhow::Result<Located> {
    if let Some(board) = c_project_board(dir, asked)? {
        return Ok(Located::CProject(board));
    }
    let project = Project::find(dir)?;
    let board = resolve_board(&project, asked)?;
    Ok(Located::Firmware(project, board))
}

/// The board without a Rust target that `flash` or `profile` in `dir` is about, if any:
/// `--board` naming one, or the board of a C project generated in `dir`. `None` means a
/// Rust project (the commands' usual path).
pub fn c_project_board(dir: &Path, asked: Option<&str>) -> Result<Option<Board>, BoardError> {
    let name = match (asked, c_project::project_board(dir)) {
        (Some(a), _) => a.to_owned(),
        (None, Some(b)) => b,
        (None, None) => return Ok(None),
    };
    let board = Catalog::load()?.get(&name)?.clone();
    Ok((board.flow() == Flow::CProject).then_some(board))
}
