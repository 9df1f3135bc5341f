//! `flash --dry-run` without a probe: where an image's bytes land in a chip's memory map
//! from probe-rs' built-in target database, whether every section fits (and by how many
//! bytes it does not), and whether probe-rs has a flash algorithm for each flash region
//! written. (probe-rs' own planning, `DownloadOptions::dry_run`, needs a session; its
//! `FakeProbe` would give one, but prints every register access on stdout.)

use super::elf::Elf;
use super::probe::{self, ProbeError};
use probe_rs::config::{MemoryRegion, Registry};
use serde::Serialize;

/// Bytes of the image in one region of the chip's memory map.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RegionUse {
    /// Region name from the target database (`PROGRAM_FLASH0`, `XSPI2`).
    pub name: String,
    /// `flash` (non-volatile, written by a flash algorithm) or `ram`.
    pub kind: &'static str,
    /// First address.
    pub start: u64,
    /// One past the last address.
    pub end: u64,
    /// Bytes of the image stored in it (`flash`: load bytes; `ram`: run-time extent,
    /// `.bss` included).
    pub used: u64,
    /// Sections with bytes in it.
    pub sections: Vec<String>,
    /// `flash` regions: the probe-rs flash algorithm that writes it (`None`: none does).
    pub flash_algorithm: Option<String>,
}

/// The outcome of the dry run.
#[derive(Clone, Debug, Serialize)]
pub struct FitReport {
    /// The ELF checked.
    pub elf: String,
    /// The probe-rs chip name.
    pub chip: String,
    /// Regions the image uses, in address order.
    pub regions: Vec<RegionUse>,
    /// Regions of the chip the image does not use.
    pub unused_regions: usize,
    /// Whether every section lies inside the memory map (and probe-rs accepted it).
    pub fits: bool,
    /// Why not: the section, its addresses and the bytes over ([`super::elf::FitError`]),
    /// or a flash region probe-rs cannot write.
    pub problem: Option<String>,
}

/// Checks `elf` against `chip`'s memory map; needs no probe. An unknown chip is an error;
/// an image that does not fit is a report with `fits == false`.
pub fn dry_run(elf: &Elf, chip: &str) -> Result<FitReport, ProbeError> {
    let target = Registry::from_builtin_families()
        .get_target_by_name(chip)
        .map_err(|e| ProbeError::UnknownChip { chip: chip.to_owned(), detail: format!("{e:?}") })?;
    let mut regions: Vec<RegionUse> = target
        .memory_map
        .iter()
        .filter_map(|r| {
            let (name, kind, range) = match r {
                MemoryRegion::Nvm(r) => (r.name.clone().unwrap_or_else(|| "NVM".into()), "flash", r.range.clone()),
                MemoryRegion::Ram(r) => (r.name.clone().unwrap_or_else(|| "RAM".into()), "ram", r.range.clone()),
                MemoryRegion::Generic(_) => return None,
            };
            let flash_algorithm = (kind == "flash")
                .then(|| {
                    let covers = |a: &&probe_rs::config::RawFlashAlgorithm| {
                        let p = &a.flash_properties.address_range;
                        p.start <= range.start && range.end <= p.end
                    };
                    target.flash_algorithms.iter().find(covers).map(|a| a.name.clone())
                })
                .flatten();
            Some(RegionUse {
                name,
                kind,
                start: range.start,
                end: range.end,
                used: 0,
                sections: Vec::new(),
                flash_algorithm,
            })
        })
        .collect();
    for s in &elf.sections {
        let run = s.address..s.address + s.size;
        let load = (s.has_bytes && s.load_address != s.address).then(|| s.load_address..s.load_address + s.size);
        for range in std::iter::once(run).chain(load) {
            // The first region holding each byte: probe-rs maps alias regions too (secure
            // and non-secure views of one RAM), which must not count a byte twice.
            let mut at = range.start;
            while at < range.end {
                let Some(r) = regions.iter_mut().find(|r| r.start <= at && at < r.end) else { break };
                let upto = range.end.min(r.end);
                r.used += upto - at;
                if !r.sections.contains(&s.name) {
                    r.sections.push(s.name.clone());
                }
                at = upto;
            }
        }
    }
    let total = regions.len();
    regions.retain(|r| r.used > 0);
    regions.sort_by_key(|r| r.start);
    let mut report = FitReport {
        elf: elf.path.display().to_string(),
        chip: chip.to_owned(),
        unused_regions: total - regions.len(),
        regions,
        fits: true,
        problem: None,
    };
    if let Err(e) = probe::check_fit(elf, chip) {
        report.fits = false;
        report.problem = Some(e.to_string());
    } else if let Some(r) = report.regions.iter().find(|r| r.kind == "flash" && r.flash_algorithm.is_none()) {
        report.fits = false;
        report.problem = Some(format!(
            "probe-rs has no flash algorithm for {} of {chip} ({:#010x}..{:#010x}), which the image writes ({})",
            r.name,
            r.start,
            r.end,
            r.sections.join(" ")
        ));
    }
    Ok(report)
}

/// The report as `flash --dry-run` prints it.
pub fn render(r: &FitReport) -> String {
    use crate::format::grouped;
    let mut s = format!("dry run: {} against {} (probe-rs target database; no probe used)\n", r.elf, r.chip);
    let width = r.regions.iter().map(|x| x.name.len()).max().unwrap_or(0).max("region".len());
    s.push_str(&format!(
        "  {:<width$}  {:<5}  {:<23}  {:>13}  {:>13}  sections\n",
        "region", "kind", "addresses", "size B", "used B"
    ));
    for x in &r.regions {
        s.push_str(&format!(
            "  {:<width$}  {:<5}  {:#010x}..{:#010x}  {:>13}  {:>13}  {}\n",
            x.name,
            x.kind,
            x.start,
            x.end,
            grouped(x.end - x.start),
            grouped(x.used),
            x.sections.join(" ")
        ));
        if x.kind == "flash" {
            let algo = x.flash_algorithm.as_deref().unwrap_or("none: probe-rs cannot write this region");
            s.push_str(&format!("  {:<width$}  flash algorithm: {algo}\n", ""));
        }
    }
    if r.unused_regions > 0 {
        s.push_str(&format!("  ({} other regions of {} unused)\n", r.unused_regions, r.chip));
    }
    match &r.problem {
        None => s.push_str(&format!("FITS: every section lies in {}'s memory map\n", r.chip)),
        Some(p) => s.push_str(&format!("DOES NOT FIT: {p}\n")),
    }
    s
}
