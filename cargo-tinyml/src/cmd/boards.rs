//! `cargo tinyml boards`: list the known boards (built-in and the user's).

use crate::boards::{user_boards_dir, Board, Catalog};
use crate::format::mib;
use std::fmt::Write as _;
use std::process::ExitCode;

/// List the boards cargo-tinyml can build for.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Built-in boards are embedded in cargo-tinyml. Add your own as TOML files in the user boards
directory ($TINYML_BOARDS_DIR, else ~/.config/cargo-tinyml/boards), in the format of the files
in the repository's boards/ folder; a user board with a built-in board's name replaces it.

Emulated boards (QEMU) need no hardware. The hardware boards have not been exercised on
hardware yet: their projects build and link against the board's memory map.")]
pub struct Cmd {
    /// Print the boards as JSON (one array of board objects, the board file schema).
    #[arg(long)]
    pub json: bool,
    /// Also print memory regions, notes and sources.
    #[arg(long, short)]
    pub verbose: bool,
}

fn runs_on(b: &Board) -> String {
    match (&b.emulator, &b.probe_rs_chip) {
        (Some(e), _) => format!("QEMU {}", e.machine),
        (None, Some(chip)) => format!("probe-rs {chip} ({})", b.load.as_str()),
        (None, None) => b.load.as_str().to_owned(),
    }
}

/// The table `cargo tinyml boards` prints.
pub fn table(boards: &[Board], verbose: bool) -> String {
    let rows: Vec<[String; 7]> = boards
        .iter()
        .map(|b| {
            [
                b.name.clone(),
                b.core.clone(),
                format!("{} MHz", b.clock_hz as f64 / 1e6),
                runs_on(b),
                mib(b.flash().length),
                mib(b.ram().length),
                b.npu.as_ref().map_or("-".to_owned(), |n| n.name.clone()),
            ]
        })
        .collect();
    let header = ["BOARD", "CORE", "CLOCK", "RUNS ON", "CODE", "RAM", "NPU (not used yet)"];
    let mut widths = header.map(str::len);
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.len());
        }
    }
    let mut out = String::new();
    let line = |out: &mut String, cells: &[String]| {
        let padded: Vec<String> = cells.iter().zip(widths).map(|(c, w)| format!("{c:<w$}")).collect();
        let _ = writeln!(out, "{}", padded.join("  ").trim_end());
    };
    line(&mut out, &header.map(String::from));
    for (row, b) in rows.iter().zip(boards) {
        line(&mut out, row);
        if verbose {
            let _ = writeln!(out, "    {}", b.description);
            let _ = writeln!(
                out,
                "    target {}, -C target-cpu={}, timer {}",
                b.target.as_deref().unwrap_or("-"),
                b.cpu(),
                b.timer.as_str()
            );
            for r in &b.memory {
                let _ =
                    writeln!(out, "    {:<10} {:<5}  {:#010x}  {}", r.name, r.kind.as_str(), r.origin, mib(r.length));
            }
            for n in &b.notes {
                let _ = writeln!(out, "    note: {n}");
            }
            for s in &b.sources {
                let _ = writeln!(out, "    source: {s}");
            }
        }
    }
    out
}

impl Cmd {
    /// Runs the command.
    pub fn run(self) -> anyhow::Result<ExitCode> {
        let catalog = Catalog::load()?;
        if self.json {
            println!("{}", serde_json::to_string_pretty(&catalog.boards)?);
        } else {
            print!("{}", table(&catalog.boards, self.verbose));
            if let Some(dir) = user_boards_dir() {
                println!("\nUser boards directory: {}", dir.display());
            }
            println!("Emulated boards run anywhere; hardware boards have not been exercised on hardware yet.");
        }
        Ok(ExitCode::SUCCESS)
    }
}
