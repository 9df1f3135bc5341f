//! Placement of a planned arena in a board's memory regions, fastest first.
//!
//! A chip's RAM is rarely one block: a Cortex-M55 or M7 has a tightly coupled data memory
//! (DTCM, single-cycle, no bus contention) beside larger system SRAM behind the bus
//! matrix, and some boards add external PSRAM. The arena goes whole into the fastest
//! region when it fits there, at the offsets the plan already has (so such a plan is
//! today's, byte for byte). When it does not, the buffers are split between regions at
//! buffer granularity: the buffers touched by the most work per byte (the MACs and bytes
//! of the steps that read or write them) fill the fast region first, the rest go to the
//! next region, and each region's share is placed as an arena of its own by the same
//! strategy ([`super::place`]). Buffers that fit nowhere go to the last region, whose
//! arena then exceeds its capacity: the shortfall `analyze` reports.
//!
//! Pure: regions are names and capacities in speed order; which regions a board has and
//! how fast they are is the board file's business (`cargo-tinyml`'s `boards`).

use super::buffer::{Buffer, BufferKind};
use super::{align_up, place, tensor_and_scratch_offsets, MemoryPlan, PlannerKind};
use crate::graph::Graph;
use crate::kernel::Step;

/// The linker section of a split arena's share in region `name` (`.arena.SRAM`): the
/// generated `arena()` links each region's arena there, and the board's `memory.x` puts
/// the section in that region.
pub fn arena_section(name: &str) -> String {
    format!(".arena.{name}")
}

/// A memory region the arena may use, as the placement sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Region {
    /// Its name in the board file (`DTCM`, `SRAM`).
    pub name: String,
    /// Bytes the arena may take there (the region's length less what else links there).
    pub capacity: usize,
}

/// One region's share of the arena.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct RegionArena {
    /// The region's name.
    pub name: String,
    /// Bytes the arena may take there.
    pub capacity: usize,
    /// The size of its arena (a multiple of the arena alignment; 0 when unused).
    pub arena_bytes: usize,
    /// Bytes of it that hold variable tensors, at its start.
    pub persistent_bytes: usize,
    /// The buffers it holds: index into [`MemoryPlan::buffers`], and offset in this
    /// region's arena.
    pub buffers: Vec<(usize, usize)>,
}

impl RegionArena {
    /// Capacity left over (negative: the bytes over).
    pub fn margin(&self) -> i64 {
        self.capacity as i64 - self.arena_bytes as i64
    }
}

/// Where every buffer of a plan lives: one [`RegionArena`] per region, in speed order.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct RegionPlan {
    /// Per region, fastest first (empty arenas included).
    pub arenas: Vec<RegionArena>,
}

impl RegionPlan {
    /// Whether more than one region holds buffers.
    pub fn is_split(&self) -> bool {
        self.arenas.iter().filter(|a| !a.buffers.is_empty()).count() > 1
    }

    /// Whether every region's arena fits its capacity.
    pub fn fits(&self) -> bool {
        self.arenas.iter().all(|a| a.margin() >= 0)
    }

    /// The region holding buffer `index` of the plan.
    pub fn region_of(&self, index: usize) -> Option<usize> {
        self.arenas.iter().position(|a| a.buffers.iter().any(|&(b, _)| b == index))
    }
}

/// Per step, the work it does: its MACs plus the bytes of the arena tensors it reads and
/// writes (so that layers without MACs, elementwise and copies, still count).
pub fn step_work(graph: &Graph, steps: &[Step]) -> Vec<u64> {
    steps
        .iter()
        .map(|s| {
            let bytes: usize = s.inputs.iter().chain(&s.outputs).map(|&t| graph.tensors[t].bytes()).sum();
            s.kernel.macs() + bytes as u64
        })
        .collect()
}

/// Per buffer, the work of the steps that touch it: the steps reading or writing one of
/// its tensors, or the step a scratch buffer belongs to.
pub fn buffer_heat(buffers: &[Buffer], steps: &[Step], work: &[u64]) -> Vec<u64> {
    buffers
        .iter()
        .map(|b| match &b.kind {
            BufferKind::Scratch(i) => work.get(*i).copied().unwrap_or(0),
            BufferKind::Tensors(ts) => steps
                .iter()
                .zip(work)
                .filter(|(s, _)| s.inputs.iter().chain(&s.outputs).any(|t| ts.contains(t)))
                .map(|(_, &w)| w)
                .sum(),
        })
        .collect()
}

/// Places `plan`'s buffers in `regions` (fastest first; at least one): the whole arena
/// at the plan's own offsets in the first region when it fits there, else split by
/// [`split`]. `heat` has one entry per buffer of the plan ([`buffer_heat`]).
pub fn place_in_regions(plan: &MemoryPlan, heat: &[u64], regions: &[Region], kind: PlannerKind) -> RegionPlan {
    assert!(!regions.is_empty(), "at least one region for the arena");
    if plan.arena_bytes <= regions[0].capacity {
        let mut arenas = empty_arenas(regions);
        arenas[0].arena_bytes = plan.arena_bytes;
        arenas[0].persistent_bytes = plan.persistent_bytes;
        arenas[0].buffers = plan.buffers.iter().enumerate().map(|(i, (_, off))| (i, *off)).collect();
        return RegionPlan { arenas };
    }
    let buffers: Vec<Buffer> = plan.buffers.iter().map(|(b, _)| b.clone()).collect();
    split(&buffers, heat, regions, kind)
}

/// Splits `buffers` between `regions` (fastest first): in order of heat per byte, each
/// buffer goes into the current region if the region's arena, placed again with it, still
/// fits; those left over move on to the next region. The last region takes every
/// buffer still left, fitting or not.
pub fn split(buffers: &[Buffer], heat: &[u64], regions: &[Region], kind: PlannerKind) -> RegionPlan {
    assert!(!regions.is_empty(), "at least one region for the arena");
    let mut order: Vec<usize> = (0..buffers.len()).collect();
    // Hotter per byte first (compared without division), larger first among equals.
    order.sort_by(|&a, &b| {
        let (ha, hb) =
            (heat[a] as u128 * buffers[b].bytes.max(1) as u128, heat[b] as u128 * buffers[a].bytes.max(1) as u128);
        hb.cmp(&ha).then(buffers[b].bytes.cmp(&buffers[a].bytes)).then(a.cmp(&b))
    });
    let mut arenas = empty_arenas(regions);
    let mut left = order;
    for (r, region) in regions.iter().enumerate() {
        let last = r + 1 == regions.len();
        let mut chosen: Vec<usize> = Vec::new();
        let mut rest = Vec::new();
        for i in left {
            chosen.push(i);
            if !last && arena_of(buffers, &chosen, kind).0 > region.capacity {
                chosen.pop();
                rest.push(i);
            }
        }
        chosen.sort_unstable();
        let (bytes, persistent, offsets) = arena_of(buffers, &chosen, kind);
        arenas[r].arena_bytes = bytes;
        arenas[r].persistent_bytes = persistent;
        arenas[r].buffers = chosen.into_iter().zip(offsets).collect();
        left = rest;
    }
    RegionPlan { arenas }
}

/// `plan` over `regions`: unchanged when the first region holds it all (or when only the
/// last holds buffers, or the program has NPU steps), else its buffers at their places in each region's arena, the
/// regions' bytes counted one after another ([`MemoryPlan::regions`]).
pub fn split_plan(
    graph: &Graph,
    steps: &[Step],
    plan: MemoryPlan,
    regions: &[Region],
    kind: PlannerKind,
) -> MemoryPlan {
    // An NPU step's command stream addresses its region as one block of one arena.
    if steps.iter().any(|s| s.kernel.npu_region().is_some()) {
        return plan;
    }
    let buffers: Vec<Buffer> = plan.buffers.iter().map(|(b, _)| b.clone()).collect();
    let heat = buffer_heat(&buffers, steps, &step_work(graph, steps));
    let placed = place_in_regions(&plan, &heat, regions, kind);
    if !placed.is_split() {
        return plan;
    }
    let used: Vec<&RegionArena> = placed.arenas.iter().filter(|a| !a.buffers.is_empty()).collect();
    let mut offsets = vec![0; buffers.len()];
    let mut base = 0;
    for a in &used {
        for &(i, off) in &a.buffers {
            offsets[i] = base + off;
        }
        base += a.arena_bytes;
    }
    let (tensor_offsets, scratch) =
        tensor_and_scratch_offsets(&buffers, &offsets, plan.tensor_offsets.len(), plan.scratch.len());
    MemoryPlan {
        arena_bytes: base,
        persistent_bytes: used[0].persistent_bytes,
        tensor_offsets,
        scratch,
        buffers: buffers.into_iter().zip(offsets).collect(),
        regions: used.iter().map(|a| (a.name.clone(), a.arena_bytes)).collect(),
        ..plan
    }
}

/// The arena of the buffers `chosen` (indices into `buffers`): its aligned size, its
/// persistent bytes and each buffer's offset.
fn arena_of(buffers: &[Buffer], chosen: &[usize], kind: PlannerKind) -> (usize, usize, Vec<usize>) {
    let subset: Vec<Buffer> = chosen.iter().map(|&i| buffers[i].clone()).collect();
    let (offsets, persistent) = place(&subset, kind);
    let top = subset.iter().zip(&offsets).map(|(b, o)| o + b.bytes).max().unwrap_or(0);
    (align_up(top), persistent, offsets)
}

fn empty_arenas(regions: &[Region]) -> Vec<RegionArena> {
    regions
        .iter()
        .map(|r| RegionArena {
            name: r.name.clone(),
            capacity: r.capacity,
            arena_bytes: 0,
            persistent_bytes: 0,
            buffers: Vec::new(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::buffer::test_buffer as buf;
    use super::super::check_placement;
    use super::*;

    fn regions(caps: &[usize]) -> Vec<Region> {
        caps.iter().enumerate().map(|(i, &c)| Region { name: format!("R{i}"), capacity: c }).collect()
    }

    /// Every buffer in exactly one region, and within each region no two buffers live at
    /// the same time share bytes.
    fn check(buffers: &[Buffer], p: &RegionPlan) -> Result<(), String> {
        let mut seen = vec![0; buffers.len()];
        for a in &p.arenas {
            let (bs, offs): (Vec<Buffer>, Vec<usize>) =
                a.buffers.iter().map(|&(i, off)| (buffers[i].clone(), off)).unzip();
            for &(i, _) in &a.buffers {
                seen[i] += 1;
            }
            check_placement(&bs, &offs).map_err(|e| format!("{}: {e}", a.name))?;
            let top = bs.iter().zip(&offs).map(|(b, o)| o + b.bytes).max().unwrap_or(0);
            if top > a.arena_bytes {
                return Err(format!("{}: buffers reach {top} past its arena of {}", a.name, a.arena_bytes));
            }
        }
        match seen.iter().position(|&n| n != 1) {
            Some(i) => Err(format!("buffer {i} is in {} regions", seen[i])),
            None => Ok(()),
        }
    }

    /// A chain a -> b -> c: 1 KiB, 2 KiB, 1 KiB; b is the hot one.
    fn chain() -> Vec<Buffer> {
        vec![buf(1024, 0, 1), buf(2048, 1, 2), buf(1024, 2, 3)]
    }

    #[test]
    fn a_split_keeps_the_hottest_bytes_in_the_fast_region() {
        let bs = chain();
        let p = split(&bs, &[10, 1000, 10], &regions(&[2048, 1 << 20]), PlannerKind::default());
        check(&bs, &p).unwrap();
        assert!(p.is_split() && p.fits());
        assert_eq!(p.region_of(1), Some(0), "the hot 2 KiB buffer stays in the fast region");
        assert_eq!(p.arenas[0].arena_bytes, 2048);
        assert_eq!(p.arenas[1].arena_bytes, 1024, "a and c do not live together: one KiB for both");
    }

    #[test]
    fn what_fits_nowhere_overflows_the_last_region_with_its_shortfall() {
        let bs = chain();
        let p = split(&bs, &[1, 1, 1], &regions(&[512, 1024]), PlannerKind::default());
        check(&bs, &p).unwrap();
        assert!(!p.fits());
        assert_eq!(p.arenas[0].arena_bytes, 0, "no buffer fits 512 B");
        assert_eq!(p.arenas[1].margin(), 1024 - 3072);
    }

    #[test]
    fn variable_tensors_keep_the_start_of_their_region() {
        let mut state = buf(100, 0, 3);
        state.persistent = true;
        let bs = vec![state, buf(64, 0, 1), buf(64, 2, 3)];
        let p = split(&bs, &[1, 100, 100], &regions(&[128, 4096]), PlannerKind::default());
        check(&bs, &p).unwrap();
        assert_eq!(p.region_of(0), Some(1));
        assert_eq!(p.arenas[1].persistent_bytes, 112);
        assert_eq!(p.arenas[1].buffers[0], (0, 0));
    }

    proptest::proptest! {
        #[test]
        fn every_buffer_lands_in_one_region_and_none_overlap(
            spec in proptest::collection::vec((1usize..600, 0usize..10, 0usize..4, 0u64..1000), 1..25),
            caps in proptest::collection::vec(0usize..2000, 1..4),
        ) {
            let bs: Vec<Buffer> = spec.iter().map(|&(n, f, d, _)| buf(n, f, f + d)).collect();
            let heat: Vec<u64> = spec.iter().map(|s| s.3).collect();
            let p = split(&bs, &heat, &regions(&caps), PlannerKind::default());
            proptest::prop_assert!(check(&bs, &p).is_ok(), "{:?}", check(&bs, &p));
            // Every region but the last stays within its capacity.
            for a in &p.arenas[..p.arenas.len() - 1] {
                proptest::prop_assert!(a.margin() >= 0);
            }
        }
    }
}
