//! `flash --dry-run` without a probe: where an image's bytes land in a chip's memory map
//! from probe-rs' built-in target database, whether every section fits (and by how many
//! bytes it does not), and probe-rs' own flash planning run on a fake probe (nothing is
//! written anywhere: the fake probe discards memory writes and no hardware is opened).

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
    /// or probe-rs' refusal.
    pub problem: Option<String>,
    /// What probe-rs' flash planning on a fake probe said: `accepted`, `refused`, or
    /// `skipped: why` (a chip the fake probe cannot attach to).
    pub probe_rs_plan: String,
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
            Some(RegionUse { name, kind, start: range.start, end: range.end, used: 0, sections: Vec::new() })
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
        probe_rs_plan: String::new(),
    };
    if let Err(e) = probe::check_fit(elf, chip) {
        report.fits = false;
        report.problem = Some(e.to_string());
        report.probe_rs_plan = "skipped: the image does not fit the memory map".into();
        return Ok(report);
    }
    report.probe_rs_plan = match plan_on_fake_probe(elf, chip) {
        Ok(()) => "accepted".into(),
        Err(ProbeError::Refused { what, .. }) => {
            report.fits = false;
            report.problem = Some(format!("probe-rs refused the image: {what}"));
            "refused".into()
        }
        Err(e) => format!("skipped: {e}"),
    };
    Ok(report)
}

/// probe-rs' flash planning (`DownloadOptions::dry_run`) on a session over
/// `FakeProbe`: the flash algorithms and regions probe-rs would use, with no hardware.
fn plan_on_fake_probe(elf: &Elf, chip: &str) -> Result<(), ProbeError> {
    // The fake probe implements only what attaching and planning use; a chip whose attach
    // sequence needs more would panic inside probe-rs, which must not end the dry run.
    let attempt = std::panic::catch_unwind(|| {
        let fake = probe_rs::integration::FakeProbe::with_mocked_core().into_probe();
        let mut session = probe::attach(fake, chip)?;
        probe::plan_only(&mut session, elf, chip)
    });
    attempt.unwrap_or_else(|_| {
        Err(ProbeError::Core { what: "probe-rs planning", detail: "the fake probe cannot attach to this chip".into() })
    })
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
    }
    if r.unused_regions > 0 {
        s.push_str(&format!("  ({} other regions of {} unused)\n", r.unused_regions, r.chip));
    }
    match &r.problem {
        None => s.push_str(&format!(
            "FITS: every section lies in {}'s memory map; probe-rs flash planning: {}\n",
            r.chip, r.probe_rs_plan
        )),
        Some(p) => s.push_str(&format!("DOES NOT FIT: {p}\n")),
    }
    s
}
