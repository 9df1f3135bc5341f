//! Greedy-by-size placement (the strategy of TFLM's `GreedyMemoryPlanner`): buffers in
//! order of decreasing size, each at the lowest aligned offset that does not collide
//! with an already placed buffer live at the same time. Optimal on chains of layers, and
//! within a few percent of optimal on the branching graphs of small models.

use super::buffer::{align_up, Buffer, MemoryPlanner};

/// Largest first, lowest free offset.
pub struct GreedyBySize;

impl MemoryPlanner for GreedyBySize {
    fn place(&self, buffers: &[Buffer]) -> Vec<usize> {
        place_in_order(buffers, &by_size(buffers), Fit::First)
    }
}

/// Buffer indices larger first; among equals, earlier first, so the plan is
/// deterministic.
pub(super) fn by_size(buffers: &[Buffer]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..buffers.len()).collect();
    order.sort_by_key(|&i| (std::cmp::Reverse(buffers[i].bytes), buffers[i].first, i));
    order
}

/// Where a buffer goes among the free gaps at its lifetime.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Fit {
    /// The lowest offset where it fits (TFLM's choice).
    First,
    /// The smallest gap between placed buffers that holds it, else above them all.
    Best,
}

/// Places the buffers one by one in `order`, each where `fit` says among the offsets
/// free of already placed buffers live at the same time.
pub(super) fn place_in_order(buffers: &[Buffer], order: &[usize], fit: Fit) -> Vec<usize> {
    let mut offsets = vec![0usize; buffers.len()];
    let mut placed: Vec<usize> = Vec::new();
    for &i in order {
        let b = &buffers[i];
        let mut busy: Vec<(usize, usize)> = placed
            .iter()
            .filter(|&&j| buffers[j].overlaps_in_time(b) && buffers[j].bytes > 0)
            .map(|&j| (offsets[j], offsets[j] + buffers[j].bytes))
            .collect();
        busy.sort_unstable();
        // Free gaps (start, length), the last one unbounded.
        let mut gaps = Vec::new();
        let mut cursor = 0;
        for (start, end) in busy {
            if start > cursor {
                gaps.push((cursor, start - cursor));
            }
            cursor = cursor.max(align_up(end));
        }
        let top = cursor;
        let fitting = gaps.into_iter().filter(|&(_, len)| len >= b.bytes);
        offsets[i] = match fit {
            Fit::First => fitting.map(|(s, _)| s).next().unwrap_or(top),
            Fit::Best => fitting.min_by_key(|&(s, len)| (len, s)).map(|(s, _)| s).unwrap_or(top),
        };
        placed.push(i);
    }
    offsets
}

#[cfg(test)]
mod tests {
    use super::super::{check_placement, BufferKind};
    use super::*;

    fn buf(bytes: usize, first: usize, last: usize) -> Buffer {
        Buffer { bytes, first, last, kind: BufferKind::Scratch(0), shifts: Vec::new(), persistent: false }
    }

    #[test]
    fn chain_reuses_memory() {
        // a -> b -> c -> d: at most two live at once.
        let bs = [buf(100, 0, 1), buf(200, 1, 2), buf(100, 2, 3), buf(50, 3, 3)];
        let offs = GreedyBySize.place(&bs);
        check_placement(&bs, &offs).unwrap();
        let top = bs.iter().zip(&offs).map(|(b, o)| o + b.bytes).max().unwrap();
        assert!(top <= 320, "arena {top}");
    }

    proptest::proptest! {
        #[test]
        fn never_overlaps(spec in proptest::collection::vec((1usize..500, 0usize..10, 0usize..4), 1..30)) {
            let bs: Vec<Buffer> = spec.iter().map(|&(n, f, d)| buf(n, f, f + d)).collect();
            let offs = GreedyBySize.place(&bs);
            proptest::prop_assert!(check_placement(&bs, &offs).is_ok());
        }
    }
}
