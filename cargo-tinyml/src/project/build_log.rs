//! What cargo printed while building a project, and why a failed build failed. cargo's
//! stderr is passed through line by line (under a spinner on a terminal) and kept, so a
//! failure can be told apart by its cause: a model in `model/` the compiler refuses, a WAV
//! in `audio/` the build script refuses, a linker region overflow, a target that is not
//! installed, a dependency path that does not exist. Anything else gets no cause (and no
//! guessed hint).

use crate::fit::DoesNotFit;
use crate::model_check::{self, CompileFileError, ModelError};
use std::io::{BufRead as _, BufReader, Read};
use std::path::{Path, PathBuf};
use std::thread::JoinHandle;

/// Why a build failed, when the log says.
#[derive(Debug, thiserror::Error)]
pub enum BuildCause {
    /// The model in the project does not compile.
    #[error(transparent)]
    Model(ModelError),
    /// A WAV file the build script embeds was refused.
    #[error("{}: {reason}", path.display())]
    Wav {
        /// The file, relative to the project.
        path: PathBuf,
        /// The reader's refusal.
        reason: String,
    },
    /// The linker could not place a section in a region of `memory.x`.
    #[error(transparent)]
    DoesNotFit(DoesNotFit),
    /// The Rust target's standard library is not installed.
    #[error("the Rust target `{target}` is not installed")]
    MissingTarget {
        /// The target triple.
        target: String,
    },
    /// A path dependency (a cargo-tinyml checkout) does not exist.
    #[error("the dependency path `{}` does not exist", path.display())]
    MissingSource {
        /// The manifest cargo could not read.
        path: PathBuf,
    },
}

/// cargo's stderr being passed through and kept.
pub struct Log {
    reader: JoinHandle<String>,
}

/// Passes `stderr` (cargo's) through to ours line by line, and keeps it. On a terminal
/// the lines are printed above a spinner that shows cargo's current step.
pub fn tee(stderr: impl Read + Send + 'static) -> Log {
    let reader = std::thread::spawn(move || {
        let spinner = crate::progress::spinner("Building the firmware");
        let mut all = String::new();
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            let plain = strip_ansi(&line);
            match &spinner {
                // cargo's progress lines become the spinner's message.
                Some(pb) if plain.trim_start().starts_with("Compiling ") => {
                    pb.set_message(format!("Building the firmware: {}", plain.trim()))
                }
                Some(pb) => pb.println(&line),
                None => eprintln!("{line}"),
            }
            all.push_str(&plain);
            all.push('\n');
        }
        if let Some(pb) = spinner {
            pb.finish_and_clear();
        }
        all
    });
    Log { reader }
}

impl Log {
    /// Waits for the end of the output and returns it (ANSI colours removed).
    pub fn finish(self) -> String {
        self.reader.join().unwrap_or_default()
    }
}

/// The cause of a failed build of the project in `root`, from cargo's stderr `log`.
pub fn classify(log: &str, root: &Path) -> Option<BuildCause> {
    if let Some(overflow) = linker_overflow(log) {
        let (board, capacity) = board_region(root, &overflow.0);
        let (region, section, bytes) = overflow;
        return Some(BuildCause::DoesNotFit(DoesNotFit::Linked { board, region, capacity, bytes, section }));
    }
    for line in log.lines() {
        // Build scripts say it twice: `cargo:warning=...` on stdout, `error: ...` on stderr.
        let line = line.trim_start().trim_start_matches("cargo:warning=").trim_start_matches("tinyml: ");
        let line = line.trim_start_matches("error: ");
        if let Some(rest) = line.strip_prefix("cannot compile ") {
            let model = rest.split(": ").next().unwrap_or(rest);
            if let Err(CompileFileError::Model(e)) = model_check::compile_file(&root.join(model)) {
                return Some(BuildCause::Model(e));
            }
        }
        if let Some((path, reason)) = line.split_once(".wav: ") {
            if !path.contains(' ') {
                return Some(BuildCause::Wav { path: format!("{path}.wav").into(), reason: reason.trim().to_owned() });
            }
        }
        if let Some(target) = between(line, "the `", "` target may not be installed") {
            return Some(BuildCause::MissingTarget { target: target.to_owned() });
        }
        if let Some(path) = between(line, "failed to read `", "`") {
            if !Path::new(path).exists() {
                return Some(BuildCause::MissingSource { path: path.into() });
            }
        }
    }
    None
}

/// `(region, first section, bytes over)` from the linker's `section 'S' will not fit in region 'R':
/// overflowed by N bytes` (rust-lld; GNU ld says `region `R' overflowed by N bytes`).
fn linker_overflow(log: &str) -> Option<(String, String, u64)> {
    // Every section from the first that overflows reports the running total: the first
    // names what did not fit, the largest count is the shortfall.
    let overflows: Vec<(String, String, u64)> = log
        .lines()
        .filter_map(|line| {
            let region = between(line, "will not fit in region '", "'")?;
            let section = between(line, "section '", "'").unwrap_or("?");
            let bytes = between(line, "overflowed by ", " bytes")?.trim().parse().ok()?;
            Some((region.to_owned(), section.to_owned(), bytes))
        })
        .collect();
    let (region, section, _) = overflows.first()?.clone();
    let bytes = overflows.iter().filter(|(r, _, _)| *r == region).map(|(_, _, b)| *b).max()?;
    Some((region, section, bytes))
}

/// The project's board and the length of `region` in its `memory.x`, where readable.
fn board_region(root: &Path, region: &str) -> (Option<String>, Option<u64>) {
    let board = crate::project::Project::find(root).ok().and_then(|p| p.board);
    let memory_x = std::fs::read_to_string(root.join("memory.x")).unwrap_or_default();
    let capacity = memory_x.lines().find_map(|l| {
        let (name, rest) = l.split_once(':')?;
        if name.trim() != region {
            return None;
        }
        let len = rest.split("LENGTH").nth(1)?.trim_start().trim_start_matches('=').trim();
        parse_number(len.trim_end_matches(|c: char| c == ',' || c.is_whitespace()))
    });
    (board, capacity)
}

/// `0x8_0000`, `512K`, `2M` or decimal, as linker scripts write lengths.
fn parse_number(s: &str) -> Option<u64> {
    let s = s.replace('_', "");
    let (digits, mult) = match s.chars().last()? {
        'K' | 'k' => (&s[..s.len() - 1], 1024),
        'M' | 'm' => (&s[..s.len() - 1], 1024 * 1024),
        _ => (s.as_str(), 1),
    };
    let n = match digits.strip_prefix("0x").or_else(|| digits.strip_prefix("0X")) {
        Some(hex) => u64::from_str_radix(hex, 16).ok()?,
        None => digits.parse().ok()?,
    };
    Some(n * mult)
}

/// The text between the first `start` and the next `end` after it.
fn between<'a>(s: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let from = s.find(start)? + start.len();
    let len = s[from..].find(end)?;
    Some(&s[from..from + len])
}

/// `s` without ANSI escape sequences (cargo colours its output on a terminal).
fn strip_ansi(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            // CSI: ESC [ params final-byte (0x40..=0x7e).
            if chars.next() == Some('[') {
                for c in chars.by_ref() {
                    if ('@'..='~').contains(&c) {
                        break;
                    }
                }
            }
            continue;
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_as_linker_scripts_write_them() {
        assert_eq!(parse_number("0x0008_0000"), Some(0x80000));
        assert_eq!(parse_number("512K"), Some(512 * 1024));
        assert_eq!(parse_number("131072"), Some(131_072));
    }

    #[test]
    fn ansi_is_removed() {
        assert_eq!(strip_ansi("\u{1b}[1m\u{1b}[31merror\u{1b}[0m: x"), "error: x");
    }
}
