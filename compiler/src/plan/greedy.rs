//! Greedy-by-size placement (the strategy of TFLM's `GreedyMemoryPlanner`): buffers in
//! order of decreasing size, each at the lowest aligned offset that does not collide
//! with an already placed buffer live at the same time. Optimal on chains of layers, and
//! within a few percent of optimal on the branching graphs of small models.

use super::buffer::{align_up, Buffer, MemoryPlanner, Part};

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
/// free of already placed buffers live at the same time (part by part where buffers have
/// parts: [`Buffer::parts`]).
pub(super) fn place_in_order(buffers: &[Buffer], order: &[usize], fit: Fit) -> Vec<usize> {
    let mut offsets = vec![0usize; buffers.len()];
    // Placed bytes: (start, end, first step, last step).
    let mut placed: Vec<(usize, usize, usize, usize)> = Vec::new();
    for &i in order {
        let b = &buffers[i];
        offsets[i] = if b.parts.is_empty() { in_gap(b, &placed, fit) } else { first_free(&b.parts, &placed) };
        for p in b.live_parts().iter().filter(|p| p.bytes > 0) {
            let at = offsets[i] + p.shift;
            placed.push((at, at + p.bytes, p.first, p.last));
        }
    }
    offsets
}

/// A whole buffer's offset among the gaps between the placed bytes live with it.
fn in_gap(b: &Buffer, placed: &[(usize, usize, usize, usize)], fit: Fit) -> usize {
    let mut busy: Vec<(usize, usize)> = placed
        .iter()
        .filter(|&&(_, _, first, last)| first <= b.last && b.first <= last)
        .map(|&(start, end, _, _)| (start, end))
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
    match fit {
        Fit::First => fitting.map(|(s, _)| s).next().unwrap_or(top),
        Fit::Best => fitting.min_by_key(|&(s, len)| (len, s)).map(|(s, _)| s).unwrap_or(top),
    }
}

/// The lowest aligned offset at which no part of a buffer meets placed bytes live with
/// it. Part `p` at offset `o` meets bytes `[s, e)` when `o + p.shift < e` and
/// `s < o + p.shift + p.bytes`: each such pair rules out the offsets in between.
fn first_free(parts: &[Part], placed: &[(usize, usize, usize, usize)]) -> usize {
    let mut ruled_out: Vec<(usize, usize)> = Vec::new();
    for p in parts.iter().filter(|p| p.bytes > 0) {
        for &(start, end, first, last) in placed {
            if first > p.last || p.first > last || end <= p.shift {
                continue;
            }
            // Offsets o with start - shift - bytes < o < end - shift.
            let lo = (start + 1).saturating_sub(p.shift + p.bytes);
            ruled_out.push((lo, end - p.shift));
        }
    }
    ruled_out.sort_unstable();
    let mut o = 0;
    for (lo, hi) in ruled_out {
        if lo > o {
            break;
        }
        o = o.max(align_up(hi));
    }
    o
}

#[cfg(test)]
mod tests {
    use super::super::check_placement;
    use super::*;

    use super::super::buffer::test_buffer as buf;

    #[test]
    fn chain_reuses_memory() {
        // a -> b -> c -> d: at most two live at once.
        let bs = [buf(100, 0, 1), buf(200, 1, 2), buf(100, 2, 3), buf(50, 3, 3)];
        let offs = GreedyBySize.place(&bs);
        check_placement(&bs, &offs).unwrap();
        let top = bs.iter().zip(&offs).map(|(b, o)| o + b.bytes).max().unwrap();
        assert!(top <= 320, "arena {top}");
    }

    /// A buffer of two parts apart in time (a layer by rows: its input dies where its
    /// output is born) leaves room between them for a buffer live in the meantime.
    #[test]
    fn parts_are_placed_by_their_own_lifetimes() {
        let parts =
            vec![Part { shift: 0, bytes: 64, first: 3, last: 5 }, Part { shift: 48, bytes: 32, first: 0, last: 3 }];
        let chain = Buffer { bytes: 80, first: 0, last: 5, parts, ..buf(0, 0, 0) };
        // Live at steps 1-2, when only the part at 48..80 is: it fits below it.
        let side = buf(48, 1, 2);
        let bs = [chain, side];
        let offs = GreedyBySize.place(&bs);
        check_placement(&bs, &offs).unwrap();
        assert_eq!(offs, [0, 0], "the side buffer goes under the early part");
    }

    proptest::proptest! {
        #[test]
        fn buffers_of_parts_never_overlap(
            spec in proptest::collection::vec(
                (1usize..300, 0usize..8, 0usize..4, proptest::option::of((0usize..12, 1usize..200, 0usize..4))),
                1..20
            )
        ) {
            // Some buffers get a second part at a shift (in units of 16 B), live from
            // the buffer's first step for a while.
            let bs: Vec<Buffer> = spec
                .iter()
                .map(|&(n, f, d, second)| match second {
                    None => buf(n, f, f + d),
                    Some((shift, m, e)) => {
                        let parts = vec![
                            Part { shift: 0, bytes: n, first: f, last: f + d },
                            Part { shift: 16 * shift, bytes: m, first: f, last: f + e },
                        ];
                        Buffer { bytes: n.max(16 * shift + m), first: f, last: f + d.max(e), parts, ..buf(0, 0, 0) }
                    }
                })
                .collect();
            let offs = GreedyBySize.place(&bs);
            proptest::prop_assert!(check_placement(&bs, &offs).is_ok());
            let offs = super::super::best::BestOfGreedy.place(&bs);
            proptest::prop_assert!(check_placement(&bs, &offs).is_ok());
        }

        #[test]
        fn never_overlaps(spec in proptest::collection::vec((1usize..500, 0usize..10, 0usize..4), 1..30)) {
            let bs: Vec<Buffer> = spec.iter().map(|&(n, f, d)| buf(n, f, f + d)).collect();
            let offs = GreedyBySize.place(&bs);
            proptest::prop_assert!(check_placement(&bs, &offs).is_ok());
        }
    }
}
