//! What `flash` and `profile` need from a firmware ELF: its allocated sections with
//! their run (VMA) and load (LMA) addresses, flash and static RAM totals, symbol
//! addresses (`_SEGGER_RTT`), and whether every section fits a memory map.

use object::elf::{PT_LOAD, SHF_ALLOC, SHF_EXECINSTR, SHF_WRITE, SHT_NOBITS};
use object::read::elf::{ElfFile32, FileHeader, ProgramHeader, SectionHeader};
use object::{Endianness, Object, ObjectSymbol};
use std::ops::Range;
use std::path::{Path, PathBuf};

/// Errors reading an ELF.
#[derive(Debug, thiserror::Error)]
pub enum ElfError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// Not a 32-bit little-endian ELF (every Cortex-M image is one).
    #[error("{path} is not a 32-bit ELF firmware image: {why}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// What the parser said.
        why: String,
    },
}

/// An allocated section of the image.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Section {
    /// Name (`.text`).
    pub name: String,
    /// Address the section runs at.
    pub address: u64,
    /// Address its bytes are loaded to (differs from `address` for `.data`).
    pub load_address: u64,
    /// Size in bytes.
    pub size: u64,
    /// Whether the image carries bytes for it (false for `.bss`, `.uninit`).
    pub has_bytes: bool,
    /// Writable at run time (data, bss): counts as static RAM.
    pub writable: bool,
    /// Executable.
    pub code: bool,
}

/// A parsed firmware image.
#[derive(Clone, Debug)]
pub struct Elf {
    /// Where it was read from.
    pub path: PathBuf,
    /// Allocated, non-empty sections in address order.
    pub sections: Vec<Section>,
    symbols: Vec<(String, u64)>,
}

/// Memory taken by the image, from its sections.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct MemoryUse {
    /// Bytes stored in the image (code, constants, vector table, `.data` initial values).
    pub flash_bytes: u64,
    /// Writable RAM reserved statically (`.data` + `.bss` + `.uninit`; the arena lives
    /// here), stack excluded.
    pub static_ram_bytes: u64,
    /// Bytes of executable sections.
    pub text_bytes: u64,
}

impl Elf {
    /// Reads and parses `path`.
    pub fn read(path: &Path) -> Result<Elf, ElfError> {
        let data = std::fs::read(path).map_err(|source| ElfError::Io { path: path.to_owned(), source })?;
        Elf::parse(path, &data)
    }

    /// Parses ELF bytes (`path` is for messages).
    pub fn parse(path: &Path, data: &[u8]) -> Result<Elf, ElfError> {
        let perr = |e: object::Error| ElfError::Parse { path: path.to_owned(), why: e.to_string() };
        let file = ElfFile32::<Endianness>::parse(data).map_err(perr)?;
        let endian = file.endian();
        let header = file.elf_header();
        let segments: Vec<(u64, u64, u64)> = header
            .program_headers(endian, data)
            .map_err(perr)?
            .iter()
            .filter(|ph| ph.p_type(endian) == PT_LOAD)
            .map(|ph| (ph.p_offset(endian).into(), ph.p_filesz(endian).into(), ph.p_paddr(endian).into()))
            .collect();
        let table = header.sections(endian, data).map_err(perr)?;
        let mut sections = Vec::new();
        for sh in table.iter() {
            let flags: u64 = sh.sh_flags(endian).into();
            let size: u64 = sh.sh_size(endian).into();
            if flags & u64::from(SHF_ALLOC) == 0 || size == 0 {
                continue;
            }
            let name = String::from_utf8_lossy(table.section_name(endian, sh).map_err(perr)?).into_owned();
            let address: u64 = sh.sh_addr(endian).into();
            let has_bytes = sh.sh_type(endian) != SHT_NOBITS;
            let offset: u64 = sh.sh_offset(endian).into();
            let load_address = if has_bytes {
                segments
                    .iter()
                    .find(|(off, filesz, _)| offset >= *off && offset + size <= off + filesz)
                    .map_or(address, |(off, _, paddr)| paddr + (offset - off))
            } else {
                address
            };
            sections.push(Section {
                name,
                address,
                load_address,
                size,
                has_bytes,
                writable: flags & u64::from(SHF_WRITE) != 0,
                code: flags & u64::from(SHF_EXECINSTR) != 0,
            });
        }
        sections.sort_by_key(|s| s.address);
        let symbols = file
            .symbols()
            .filter(|s| s.section_index().is_some())
            .filter_map(|s| Some((s.name().ok()?.to_owned(), s.address())))
            .collect();
        Ok(Elf { path: path.to_owned(), sections, symbols })
    }

    /// Address of a defined symbol.
    pub fn symbol(&self, name: &str) -> Option<u64> {
        self.symbols.iter().find(|(n, _)| n == name).map(|(_, a)| *a)
    }

    /// Whether any defined symbol's (mangled) name contains `part`.
    pub fn has_symbol_containing(&self, part: &str) -> bool {
        self.symbols.iter().any(|(n, _)| n.contains(part))
    }

    /// A section by name.
    pub fn section(&self, name: &str) -> Option<&Section> {
        self.sections.iter().find(|s| s.name == name)
    }

    /// Flash, static RAM and code totals.
    pub fn memory_use(&self) -> MemoryUse {
        let sum = |f: &dyn Fn(&Section) -> bool| self.sections.iter().filter(|s| f(s)).map(|s| s.size).sum();
        MemoryUse {
            flash_bytes: sum(&|s| s.has_bytes),
            static_ram_bytes: sum(&|s| s.writable),
            text_bytes: sum(&|s| s.code),
        }
    }

    /// Checks that every section's load bytes and run-time extent lie in `regions`
    /// (adjacent regions count as one span). `target` names the map in the error.
    pub fn check_fit(&self, target: &str, regions: &[Region]) -> Result<(), FitError> {
        for s in &self.sections {
            let run = s.address..s.address + s.size;
            let load = (s.has_bytes && s.load_address != s.address).then(|| s.load_address..s.load_address + s.size);
            for range in std::iter::once(run).chain(load) {
                if let Some(problem) = fit_problem(&range, regions) {
                    return Err(FitError {
                        target: target.to_owned(),
                        section: s.name.clone(),
                        range,
                        problem,
                        regions: regions.to_vec(),
                    });
                }
            }
        }
        Ok(())
    }

    /// The section whose load bytes overlap `range` (to name what probe-rs refused).
    pub fn section_at(&self, range: &Range<u64>) -> Option<&Section> {
        self.sections.iter().find(|s| {
            let r = s.load_address..s.load_address + s.size;
            s.has_bytes && r.start < range.end && range.start < r.end
        })
    }
}

/// A named address range of a memory map.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Region {
    /// Name (`PROGRAM_FLASH0`).
    pub name: String,
    /// Addresses.
    pub range: Range<u64>,
}

/// Why a section does not fit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FitProblem {
    /// Its start lies in no region.
    Outside,
    /// It starts in `region` but runs `by` bytes past its end.
    Overflows {
        /// The region it starts in.
        region: String,
        /// Bytes past the end.
        by: u64,
    },
}

/// A section that does not fit a memory map.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.describe())]
pub struct FitError {
    /// The chip or board whose map was used.
    pub target: String,
    /// Section name.
    pub section: String,
    /// The refused address range.
    pub range: Range<u64>,
    /// What is wrong.
    pub problem: FitProblem,
    /// The map.
    pub regions: Vec<Region>,
}

impl FitError {
    fn describe(&self) -> String {
        let what = format!(
            "section `{}` at {:#010x}..{:#010x} ({} bytes) does not fit {}",
            self.section,
            self.range.start,
            self.range.end,
            self.range.end - self.range.start,
            self.target
        );
        match &self.problem {
            FitProblem::Overflows { region, by } => format!("{what}: it overflows {region} by {by} bytes"),
            FitProblem::Outside => {
                let map: Vec<String> = self
                    .regions
                    .iter()
                    .map(|r| format!("{} {:#010x}..{:#010x}", r.name, r.range.start, r.range.end))
                    .collect();
                format!("{what}: no memory region contains {:#010x} (memory map: {})", self.range.start, map.join(", "))
            }
        }
    }
}

fn fit_problem(range: &Range<u64>, regions: &[Region]) -> Option<FitProblem> {
    let Some(first) = regions.iter().find(|r| r.range.contains(&range.start)) else {
        return Some(FitProblem::Outside);
    };
    let mut end = first.range.end;
    // Follow adjacent regions (probe-rs splits flash into banks).
    while let Some(next) = regions.iter().find(|r| r.range.start == end && r.range.end > end) {
        end = next.range.end;
    }
    (range.end > end).then(|| FitProblem::Overflows { region: first.name.clone(), by: range.end - end })
}
