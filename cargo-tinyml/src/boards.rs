//! Boards as data: one TOML file per board under `boards/` in the repository, embedded
//! in the binary so an installed `cargo tinyml` works anywhere, plus user boards from
//! `~/.config/cargo-tinyml/boards/*.toml` (or `$TINYML_BOARDS_DIR`).
//!
//! Files are deserialized with `deny_unknown_fields` and validated (regions in range and
//! disjoint, a flash and a RAM region, known timer), so a typo in a board file is an
//! error, not a silently ignored field.

use serde::{Deserialize, Serialize};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// A board: everything the toolchain needs to build for it, run it and measure it.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Board {
    /// Short name used on the command line (`mps3-an547`).
    pub name: String,
    /// One-line human description.
    pub description: String,
    /// Microcontroller part number (`STM32N657X0H3Q`).
    pub mcu: String,
    /// CPU core (`cortex-m55`); also passed as `-C target-cpu` when `target_cpu` is absent.
    pub core: String,
    /// Rust target triple (`thumbv8m.main-none-eabihf`); absent for cores Rust cannot
    /// target (C28x), which get a C project instead.
    pub target: Option<String>,
    /// LLVM target CPU (`cortex-m55`).
    pub target_cpu: Option<String>,
    /// Core clock in Hz.
    pub clock_hz: u64,
    /// Cycle timer used by `profile`.
    pub timer: Timer,
    /// probe-rs chip name, if probe-rs can drive the chip.
    pub probe_rs_chip: Option<String>,
    /// How firmware is loaded on this board (see [`LoadFlow`]).
    pub load: LoadFlow,
    /// QEMU machine, for emulated boards.
    pub emulator: Option<Emulator>,
    /// Neural accelerator, if any.
    pub npu: Option<Npu>,
    /// Memory regions.
    pub memory: Vec<MemoryRegion>,
    /// Documents the numbers above come from.
    pub sources: Vec<String>,
    /// Free-form notes shown by `cargo tinyml boards --verbose` and in the docs.
    #[serde(default)]
    pub notes: Vec<String>,
}

/// The cycle timer `profile` reads.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum Timer {
    /// DWT CYCCNT (real hardware with a DWT unit).
    Dwt,
    /// SysTick (QEMU, where CYCCNT reads 0; with `-icount shift=0` it counts emulated
    /// instructions).
    Systick,
    /// A CPU timer of a non-Arm core (C2000).
    CpuTimer,
}

/// How a firmware image reaches the board.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum LoadFlow {
    /// Programmed into on-chip flash through probe-rs.
    Flash,
    /// Loaded into RAM through the debugger and started there (STM32N6 development
    /// flow: the chip has no internal flash).
    Ram,
    /// Started by QEMU from the ELF.
    Emulator,
    /// Loaded by a vendor tool (TI UniFlash for C2000).
    Vendor,
}

/// An emulated machine.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Emulator {
    /// QEMU system binary (`qemu-system-arm`).
    pub qemu: String,
    /// `-machine` value (`mps3-an547`).
    pub machine: String,
    /// SysTick reference clock in Hz under QEMU.
    pub systick_hz: u64,
}

/// A neural processing unit on the chip.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Npu {
    /// Name (`Neural-ART`).
    pub name: String,
    /// Whether cargo-tinyml drives it (it does not yet: layers run on the CPU).
    pub supported: bool,
    /// For an Arm Ethos-U: the configuration Vela compiles for (`ethos-u55-128`), which
    /// `cargo tinyml new --npu` uses.
    #[serde(default)]
    pub vela_accelerator: Option<String>,
    /// For an NPU whose vendor compiler `analyze --npu` calls: that `--npu` value
    /// (`neural-art`: ST's stedgeai; `neutron`: NXP's neutron-converter).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vendor_compiler: Option<String>,
    /// The NPU's register block, as the core addresses it.
    #[serde(default)]
    pub base: Option<u64>,
    /// Its interrupt number on the core's NVIC.
    #[serde(default)]
    pub irq: Option<u32>,
}

/// A memory region of the board.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct MemoryRegion {
    /// Region name (`ITCM`, `FLASH`).
    pub name: String,
    /// What the linker puts there.
    pub kind: RegionKind,
    /// Start address.
    pub origin: u64,
    /// Length in bytes.
    pub length: u64,
    /// How fast the core reaches it, for a RAM-like region the arena may use (see
    /// [`Board::arena_regions`]); absent: the arena does not go there (the `ram` region
    /// always may, as system SRAM unless stated).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub speed: Option<Speed>,
}

/// The speed class of a RAM-like region, fastest first: the arena fills the regions in
/// this order.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "kebab-case")]
pub enum Speed {
    /// Tightly coupled memory (DTCM, TCM): single-cycle, beside the core.
    Tcm,
    /// On-chip system SRAM behind the bus matrix.
    Sram,
    /// Off-chip RAM (PSRAM, SDRAM) behind an external memory controller.
    External,
}

impl Speed {
    /// The name used in board files.
    pub fn as_str(self) -> &'static str {
        match self {
            Speed::Tcm => "tcm",
            Speed::Sram => "sram",
            Speed::External => "external",
        }
    }
}

/// Role of a memory region in the generated `memory.x`.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum RegionKind {
    /// Code and constants (`FLASH` in `memory.x`).
    Flash,
    /// Data, stack and the arena (`RAM` in `memory.x`).
    Ram,
    /// Present but not used by the default link.
    Other,
}

pub use tinyml_compiler::plan::regions::arena_section;

include!(concat!(env!("OUT_DIR"), "/builtin_boards.rs"));

/// The board used when none is given.
pub const DEFAULT_BOARD: &str = "mps3-an547";

/// A board file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum BoardError {
    /// The file is not valid TOML for the board schema (unknown field, wrong type...).
    #[error("board file {file}: {message}")]
    Parse {
        /// The file (`builtin:mps3-an547.toml` for embedded ones).
        file: String,
        /// What the TOML parser said.
        message: String,
    },
    /// The file parsed but its contents are inconsistent.
    #[error("board `{board}` ({file}): {reason}")]
    Invalid {
        /// The board's name.
        board: String,
        /// The file it came from.
        file: String,
        /// What is wrong.
        reason: String,
    },
    /// No board has this name.
    #[error("unknown board `{name}`{}; known boards: {}", did_you_mean(name, known), known.join(", "))]
    Unknown {
        /// The name asked for.
        name: String,
        /// Every known board name.
        known: Vec<String>,
    },
    /// The user boards directory could not be read.
    #[error("cannot read board file {path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
}

impl Board {
    /// Parses and validates a board file. `file` names it in errors.
    pub fn from_toml(text: &str, file: &str) -> Result<Board, BoardError> {
        let board: Board =
            toml::from_str(text).map_err(|e| BoardError::Parse { file: file.to_owned(), message: e.to_string() })?;
        board.validate().map_err(|reason| BoardError::Invalid {
            board: board.name.clone(),
            file: file.to_owned(),
            reason,
        })?;
        Ok(board)
    }

    /// Checks the invariants the rest of the toolchain relies on; returns what is wrong.
    pub fn validate(&self) -> Result<(), String> {
        let valid_name = !self.name.is_empty()
            && self.name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
        if !valid_name {
            return Err(format!("name `{}` must be lowercase ASCII letters, digits, `-` or `_`", self.name));
        }
        if self.clock_hz == 0 {
            return Err("clock_hz must be greater than 0".into());
        }
        if let Some(v) = self.npu.as_ref().and_then(|n| n.vendor_compiler.as_deref()) {
            if crate::npu::vendor::Vendor::from_npu_value(v).is_none() {
                return Err(format!("[npu] vendor_compiler `{v}` is not one of `neural-art`, `neutron`"));
            }
        }
        if self.target.is_none() && self.timer != Timer::CpuTimer {
            return Err("`target` (a Rust target triple) is required for Arm boards".into());
        }
        if let Some(t) = &self.target {
            if !t.starts_with("thumbv") {
                return Err(format!("target `{t}` is not a Cortex-M (thumbv*) target"));
            }
        }
        match (&self.emulator, self.load) {
            (Some(_), LoadFlow::Emulator) | (None, LoadFlow::Flash | LoadFlow::Ram | LoadFlow::Vendor) => {}
            (None, LoadFlow::Emulator) => return Err("load = \"emulator\" needs an [emulator] table".into()),
            (Some(_), _) => return Err("a board with an [emulator] table must have load = \"emulator\"".into()),
        }
        if let Some(emu) = &self.emulator {
            if emu.systick_hz == 0 || emu.machine.is_empty() || emu.qemu.is_empty() {
                return Err("emulator needs a qemu binary, a machine and systick_hz > 0".into());
            }
        }
        if matches!(self.load, LoadFlow::Flash | LoadFlow::Ram) && self.probe_rs_chip.is_none() {
            return Err("boards loaded through a debugger need `probe_rs_chip`".into());
        }
        if self.sources.is_empty() {
            return Err("`sources` must name the documents the numbers come from".into());
        }
        for r in &self.memory {
            if r.length == 0 {
                return Err(format!("memory region {} is empty", r.name));
            }
            if r.origin.checked_add(r.length).is_none_or(|end| end > 1 << 32) {
                return Err(format!("memory region {} does not fit the 32-bit address space", r.name));
            }
        }
        for (i, a) in self.memory.iter().enumerate() {
            for b in &self.memory[i + 1..] {
                if a.name == b.name {
                    return Err(format!("memory region name {} is used twice", a.name));
                }
                if a.origin < b.origin + b.length && b.origin < a.origin + a.length {
                    return Err(format!("memory regions {} and {} overlap", a.name, b.name));
                }
            }
        }
        for kind in [RegionKind::Flash, RegionKind::Ram] {
            let n = self.memory.iter().filter(|r| r.kind == kind).count();
            if n != 1 {
                return Err(format!("exactly one memory region must have kind = \"{}\", found {n}", kind.as_str()));
            }
        }
        if let Some(r) = self.memory.iter().find(|r| r.kind == RegionKind::Flash && r.speed.is_some()) {
            return Err(format!("memory region {} is flash: `speed` is for regions the arena may use", r.name));
        }
        Ok(())
    }

    /// The region code and constants link into (`FLASH` in `memory.x`).
    pub fn flash(&self) -> &MemoryRegion {
        self.memory.iter().find(|r| r.kind == RegionKind::Flash).expect("validated board has a flash region")
    }

    /// The region data, stack and the arena link into (`RAM` in `memory.x`).
    pub fn ram(&self) -> &MemoryRegion {
        self.memory.iter().find(|r| r.kind == RegionKind::Ram).expect("validated board has a RAM region")
    }

    /// The regions the arena may use, fastest first: by [`Speed`] (the `ram` region, when
    /// its speed is not given, counts as system SRAM), the `ram` region first among
    /// equals, then in file order.
    pub fn arena_regions(&self) -> Vec<(&MemoryRegion, Speed)> {
        let mut regions: Vec<(&MemoryRegion, Speed)> = self
            .memory
            .iter()
            .filter_map(|r| match (r.kind, r.speed) {
                (RegionKind::Ram, speed) => Some((r, speed.unwrap_or(Speed::Sram))),
                (RegionKind::Other, Some(speed)) => Some((r, speed)),
                _ => None,
            })
            .collect();
        // Stable: file order among equals.
        regions.sort_by_key(|(r, speed)| (*speed, r.kind != RegionKind::Ram));
        regions
    }

    /// Whether the board runs in an emulator rather than on hardware.
    pub fn is_emulated(&self) -> bool {
        self.emulator.is_some()
    }

    /// The LLVM CPU for `-C target-cpu`.
    pub fn cpu(&self) -> &str {
        self.target_cpu.as_deref().unwrap_or(&self.core)
    }

    /// The `memory.x` linker script for cortex-m-rt: the flash and RAM regions.
    pub fn memory_x(&self) -> String {
        self.memory_x_with_arenas(&[])
    }

    /// [`Board::memory_x`] plus, for each region named in `arena_regions`, an
    /// `.arena.<NAME>` section in it (and the region itself, when it is not the `ram`
    /// region, which is `RAM` already): the section a split arena's share for that region
    /// is linked into (the generated `arena()` names it, see [`arena_section`]). Not
    /// loaded nor zeroed: an arena is written before it is read. Inserted after
    /// cortex-m-rt's `.uninit`, not after `.bss`: its `link.x` sets `__ebss` after
    /// `.bss`, which would then take the arena's end, and the start-up code would zero RAM
    /// up to there.
    pub fn memory_x_with_arenas(&self, arena_regions: &[&str]) -> String {
        let named: Vec<&MemoryRegion> = arena_regions
            .iter()
            .filter_map(|name| self.memory.iter().find(|r| r.name == *name && r.kind != RegionKind::Flash))
            .collect();
        let mut s =
            format!("/* Generated by cargo-tinyml from board `{}`. Do not edit: the board file is the\n", self.name);
        s.push_str("   source; regenerate with `cargo tinyml new` or edit the board file. */\nMEMORY\n{\n");
        for (label, r) in [("FLASH", self.flash()), ("RAM", self.ram())] {
            let _ = writeln!(s, "  /* {} */", r.name);
            let _ = writeln!(
                s,
                "  {label:<5} : ORIGIN = {:#010X}, LENGTH = {}",
                r.origin,
                crate::format::size_literal(r.length)
            );
        }
        for r in named.iter().filter(|r| r.kind != RegionKind::Ram) {
            let _ = writeln!(
                s,
                "  {} : ORIGIN = {:#010X}, LENGTH = {}",
                r.name,
                r.origin,
                crate::format::size_literal(r.length)
            );
        }
        s.push_str("}\n");
        if !named.is_empty() {
            s.push_str("\n/* The shares of an arena split across memory regions. */\nSECTIONS\n{\n");
            for r in &named {
                let section = arena_section(&r.name);
                let memory = if r.kind == RegionKind::Ram { "RAM" } else { r.name.as_str() };
                let _ = writeln!(
                    s,
                    "  {section} (NOLOAD) : ALIGN(16)\n  {{\n    *({section} {section}.*);\n  }} > {memory}"
                );
            }
            s.push_str("}\nINSERT AFTER .uninit;\n");
        }
        s
    }

    /// The command `cargo run` uses to start an ELF (without the ELF path).
    pub fn runner(&self) -> Vec<String> {
        match self.flow() {
            Flow::Qemu(emu) => {
                let mut v = vec![emu.qemu.clone()];
                v.extend(emu.qemu_args());
                v.push("-kernel".into());
                v
            }
            // `cargo tinyml flash ELF` flashes, starts and shows the RTT output until the
            // firmware exits, as `probe-rs run` would, with no second tool to install.
            Flow::Probe { .. } => ["cargo", "tinyml", "flash", "--board", &self.name].map(String::from).to_vec(),
            Flow::VendorTool | Flow::CProject => Vec::new(),
        }
    }

    /// How firmware for this board is made and started: the one question `new`, `run`,
    /// `flash` and `profile` branch on.
    pub fn flow(&self) -> Flow<'_> {
        if self.target.is_none() {
            return Flow::CProject;
        }
        match (&self.emulator, &self.probe_rs_chip) {
            (Some(emu), _) => Flow::Qemu(emu),
            (None, Some(chip)) => Flow::Probe { chip, ram: self.load == LoadFlow::Ram },
            (None, None) => Flow::VendorTool,
        }
    }

    /// Where `cargo tinyml boards` lists a built-in board: boards that need no hardware
    /// first, then hardware boards with a Rust target, then C projects; within a group the
    /// higher Cortex-M number first (`cortex-m55` before `cortex-m33`), then by name.
    fn listing_key(&self) -> (u8, std::cmp::Reverse<u32>, String) {
        let group = match self.flow() {
            Flow::Qemu(_) => 0,
            Flow::Probe { .. } | Flow::VendorTool => 1,
            Flow::CProject => 2,
        };
        let cortex_m = self.core.strip_prefix("cortex-m").and_then(|n| n.parse().ok()).unwrap_or(0);
        (group, std::cmp::Reverse(cortex_m), self.name.clone())
    }

    /// The project's `.cargo/config.toml`: build target, target CPU, linker script and
    /// runner, so that plain `cargo build` and `cargo run` work in the project.
    pub fn cargo_config(&self) -> String {
        let target = self.target.as_deref().unwrap_or_default();
        let mut s = format!("# Generated by cargo-tinyml from board `{}`.\n", self.name);
        let _ = writeln!(s, "[build]\ntarget = \"{target}\"\n");
        let _ = writeln!(s, "[target.{target}]");
        let runner = self.runner();
        if !runner.is_empty() {
            let how = if self.is_emulated() {
                "starts the firmware in QEMU with semihosting"
            } else {
                "flashes the firmware with `cargo tinyml flash` (probe-rs built in) and shows its RTT output"
            };
            let _ = writeln!(s, "# `cargo run` {how}.");
            let _ = writeln!(s, "runner = \"{}\"", runner.join(" "));
        }
        let _ = writeln!(s, "rustflags = [\"-C\", \"target-cpu={}\", \"-C\", \"link-arg=-Tlink.x\"]", self.cpu());
        s
    }
}

/// How firmware for a board is made and started (see [`Board::flow`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flow<'a> {
    /// Rust firmware started by QEMU from the ELF.
    Qemu(&'a Emulator),
    /// Rust firmware written through probe-rs: into flash (then reset), or into RAM and
    /// started at its vector table (`ram`).
    Probe {
        /// probe-rs chip name.
        chip: &'a str,
        /// RAM load (STM32N6 development flow) rather than flash.
        ram: bool,
    },
    /// Rust firmware that only a vendor tool can load (no probe-rs chip).
    VendorTool,
    /// No Rust target (C28x): a C project for the vendor's compiler and loader.
    CProject,
}

impl Emulator {
    /// The QEMU arguments for this machine, without `-kernel ELF`.
    pub fn qemu_args(&self) -> Vec<String> {
        [
            "-machine",
            &self.machine,
            "-nographic",
            "-semihosting-config",
            "enable=on,target=native",
            "-icount",
            "shift=0",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    }

    /// Emulated instructions per SysTick tick: with `-icount shift=0` one instruction is
    /// 1 ns of virtual time, so a tick at `systick_hz` is 1e9 / systick_hz instructions.
    pub fn instructions_per_tick(&self) -> f64 {
        1e9 / self.systick_hz as f64
    }
}

impl RegionKind {
    /// The name used in board files.
    pub fn as_str(self) -> &'static str {
        match self {
            RegionKind::Flash => "flash",
            RegionKind::Ram => "ram",
            RegionKind::Other => "other",
        }
    }
}

impl Timer {
    /// The name used in board files.
    pub fn as_str(self) -> &'static str {
        match self {
            Timer::Dwt => "dwt",
            Timer::Systick => "systick",
            Timer::CpuTimer => "cpu-timer",
        }
    }
}

impl LoadFlow {
    /// The name used in board files.
    pub fn as_str(self) -> &'static str {
        match self {
            LoadFlow::Flash => "flash",
            LoadFlow::Ram => "ram",
            LoadFlow::Emulator => "emulator",
            LoadFlow::Vendor => "vendor",
        }
    }
}

/// Every board cargo-tinyml knows: the built-in ones, then the user's (a user board with
/// a built-in board's name replaces it).
#[derive(Clone, Debug)]
pub struct Catalog {
    /// The boards, built-in first, in a stable order.
    pub boards: Vec<Board>,
}

/// The user boards directory: `$TINYML_BOARDS_DIR`, else
/// `$XDG_CONFIG_HOME/cargo-tinyml/boards`, else `~/.config/cargo-tinyml/boards`.
pub fn user_boards_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("TINYML_BOARDS_DIR") {
        return Some(PathBuf::from(dir));
    }
    let config = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))?;
    Some(config.join("cargo-tinyml").join("boards"))
}

impl Catalog {
    /// The built-in boards only, in listing order (see `Board::listing_key`).
    pub fn builtin() -> Result<Catalog, BoardError> {
        let mut boards = BUILTIN
            .iter()
            .map(|(file, text)| Board::from_toml(text, &format!("builtin:{file}")))
            .collect::<Result<Vec<_>, _>>()?;
        boards.sort_by_key(Board::listing_key);
        Ok(Catalog { boards })
    }

    /// Built-in boards plus those in [`user_boards_dir`].
    pub fn load() -> Result<Catalog, BoardError> {
        let mut catalog = Catalog::builtin()?;
        if let Some(dir) = user_boards_dir() {
            catalog.add_dir(&dir)?;
        }
        Ok(catalog)
    }

    /// Adds every `*.toml` in `dir` (if it exists), replacing boards of the same name.
    pub fn add_dir(&mut self, dir: &Path) -> Result<(), BoardError> {
        let entries = match std::fs::read_dir(dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(source) => return Err(BoardError::Io { path: dir.to_owned(), source }),
        };
        let mut paths: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .collect();
        paths.sort();
        for path in paths {
            let text =
                std::fs::read_to_string(&path).map_err(|source| BoardError::Io { path: path.clone(), source })?;
            let board = Board::from_toml(&text, &path.display().to_string())?;
            match self.boards.iter_mut().find(|b| b.name == board.name) {
                Some(existing) => *existing = board,
                None => self.boards.push(board),
            }
        }
        Ok(())
    }

    /// The board called `name`, or an error listing the known ones.
    pub fn get(&self, name: &str) -> Result<&Board, BoardError> {
        self.boards.iter().find(|b| b.name == name).ok_or_else(|| BoardError::Unknown {
            name: name.to_owned(),
            known: self.boards.iter().map(|b| b.name.clone()).collect(),
        })
    }
}

/// ` (did you mean `x`?)` for the known name closest to `name` (case, `_` for `-`, or
/// at most two edits), else nothing.
fn did_you_mean(name: &str, known: &[String]) -> String {
    closest(name, known).map(|k| format!(" (did you mean `{k}`?)")).unwrap_or_default()
}

/// The known board name closest to `name`, if one is close enough to be a typo.
pub fn closest<'a>(name: &str, known: &'a [String]) -> Option<&'a str> {
    let norm = |s: &str| s.to_ascii_lowercase().replace('_', "-");
    let wanted = norm(name);
    let limit = (wanted.len() / 4).clamp(1, 3);
    known
        .iter()
        .map(|k| (edit_distance(&wanted, &norm(k)), k))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k.as_str())
}

/// Levenshtein distance (insertions, deletions, substitutions) between two strings.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}
