//! Per-channel constant tables that the model compiler computes once per layer and the
//! optimized kernels read from flash (TFLM computes the like in `Prepare` into its
//! per-op data; here it happens on the host, at compile time).
//!
//! The layouts are the optimized kernels' (the order their Helium routines load them),
//! but this module is compiled with the reference kernels too: the model compiler links
//! the runtime with `reference-kernels` for its host runs and still emits the tables, so
//! a firmware built with either kernel set uses the same generated code.
//!
//! Tables are emitted as `i32` words; [`groups`] views them as `&[Group4]` or
//! `&[Group16]` again on the device.

/// Output channels handled per block by the optimized kernels: bounds their stack arrays
/// of accumulators (64 x 4 = 256 bytes) and fixes where each block's groups start in a
/// packed table.
pub const CHANNEL_BLOCK: usize = 64;

/// Constants of four consecutive output channels, in the order
/// [`dot4_requantize`](crate::kernels::simd::dot4_requantize) reads them: the folded bias (bias plus every offset term), the
/// left shift `max(shift, 0)`, the multiplier and the negated right shift `min(shift, 0)`.
#[derive(Clone, Copy, Default)]
#[repr(C)]
pub struct Group4 {
    /// Bias plus every offset term.
    pub bias: [i32; 4],
    /// `max(shift, 0)`.
    pub left: [i32; 4],
    /// Fixed-point multiplier.
    pub mult: [i32; 4],
    /// `min(shift, 0)`.
    pub right: [i32; 4],
}

impl Group4 {
    /// Sets lane `j` from a folded bias and a reference-style multiplier and shift.
    #[inline(always)]
    pub fn set(&mut self, j: usize, bias: i32, mult: i32, shift: i32) {
        self.bias[j] = bias;
        self.left[j] = shift.max(0);
        self.mult[j] = mult;
        self.right[j] = shift.min(0);
    }

    /// Whether a lane shifts left (an OR of the words, where `left == [0; 4]` compiled
    /// to a call to `memcmp`).
    #[inline(always)]
    pub fn shifts_left(&self) -> bool {
        self.left.iter().fold(0, |a, &l| a | l) != 0
    }
}

/// Requantization constants of four consecutive channels in [`Group16`].
#[derive(Clone, Copy, Default)]
#[repr(C)]
pub struct Quant4 {
    /// `max(shift, 0)`.
    pub left: [i32; 4],
    /// Fixed-point multiplier.
    pub mult: [i32; 4],
    /// `min(shift, 0)`.
    pub right: [i32; 4],
}

/// Constants of sixteen consecutive depthwise channels, in the order
/// the Helium depthwise routines (`simd::mve_depthwise`) read them: four quads of lanes, each quad holding the even or the
/// odd channels of one half (`vmullb`/`vmullt` split them so): channels 0, 2, 4, 6, then
/// 1, 3, 5, 7, then 8, 10, 12, 14, then 9, 11, 13, 15 ([`Group16::slot`]).
#[derive(Clone, Copy, Default)]
#[repr(C)]
pub struct Group16 {
    /// Bias plus the folded input-offset term of every tap, by slot.
    pub bias: [i32; 16],
    /// Multipliers and shifts, by quad.
    pub quant: [Quant4; 4],
}

impl Group16 {
    /// The (quad, lane) of channel `j < 16`.
    #[inline(always)]
    pub fn slot(j: usize) -> (usize, usize) {
        (2 * (j / 8) + j % 2, (j % 8) / 2)
    }

    /// Sets channel `j` from a folded bias and a reference-style multiplier and shift.
    #[inline(always)]
    pub fn set(&mut self, j: usize, bias: i32, mult: i32, shift: i32) {
        let (quad, lane) = Self::slot(j);
        self.bias[4 * quad + lane] = bias;
        let q = &mut self.quant[quad];
        q.left[lane] = shift.max(0);
        q.mult[lane] = mult;
        q.right[lane] = shift.min(0);
    }
}

/// A table element made only of `i32` words (`repr(C)`, 4-byte aligned, no padding), so
/// that a table can be emitted as words and viewed back without copying.
///
/// # Safety
/// Implementors must be `repr(C)` structs of `i32` arrays: every bit pattern valid,
/// alignment 4, size a multiple of 4.
pub unsafe trait Words: Copy {
    /// `size_of::<Self>() / 4`.
    const WORDS: usize = core::mem::size_of::<Self>() / 4;
}

// SAFETY: both are `repr(C)` structs of `[i32; N]` arrays.
unsafe impl Words for Group4 {}
// SAFETY: as above (`Quant4` is itself `repr(C)` of `[i32; 4]` arrays).
unsafe impl Words for Group16 {}

/// Views `words` as a table of `T`; `None` when the length is not a whole number of
/// elements (a table emitted for another layout).
pub fn groups<T: Words>(words: &[i32]) -> Option<&[T]> {
    if !words.len().is_multiple_of(T::WORDS) {
        return None;
    }
    // SAFETY: `T` is `repr(C)` of `i32` words (the `Words` contract): same alignment as
    // `i32`, every bit pattern valid, and `words` holds exactly `len / WORDS` of them.
    Some(unsafe { core::slice::from_raw_parts(words.as_ptr() as *const T, words.len() / T::WORDS) })
}

/// The words of a table, in the order [`groups`] reads them back (for the compiler).
pub fn words<T: Words>(table: &[T]) -> &[i32] {
    // SAFETY: as in `groups`, the other way round.
    unsafe { core::slice::from_raw_parts(table.as_ptr() as *const i32, table.len() * T::WORDS) }
}

/// Groups of four in the table of a block of `n <= CHANNEL_BLOCK` channels: the full
/// groups, then one group for the remainder (the last four channels, overlapping the
/// previous group, or each of fewer than four channels in its own lane).
pub const fn group4_in_block(n: usize) -> usize {
    n.div_ceil(4)
}

/// Groups of four in the table of `channels` output channels, blocks of
/// [`CHANNEL_BLOCK`] back to back.
pub const fn group4_count(channels: usize) -> usize {
    let full = channels / CHANNEL_BLOCK;
    full * group4_in_block(CHANNEL_BLOCK) + group4_in_block(channels % CHANNEL_BLOCK)
}

/// The groups of the block of channels `c0..c0 + n` (`c0` a multiple of
/// [`CHANNEL_BLOCK`]) in a table made by [`pack_group4`].
#[inline(always)]
pub fn group4_block(table: &[Group4], c0: usize, n: usize) -> &[Group4] {
    let first = (c0 / CHANNEL_BLOCK) * group4_in_block(CHANNEL_BLOCK);
    &table[first..first + group4_in_block(n)]
}

/// The groups of four of a table made by [`pack_group4`] for `channels` output channels,
/// each with its first channel, in table order: a block's full groups, then, when its
/// count is not a multiple of four, its last four channels (overlapping the group before,
/// so a kernel writing all four rewrites identical bytes). Every block must hold at least
/// four channels: a block of one to three has no group of four.
pub fn groups_of_four(channels: usize, table: &[Group4]) -> impl Iterator<Item = (usize, &Group4)> {
    (0..channels).step_by(CHANNEL_BLOCK).flat_map(move |c0| {
        let n = CHANNEL_BLOCK.min(channels - c0);
        debug_assert!(n >= 4, "a block of {n} channels has no group of four");
        let blk = group4_block(table, c0, n);
        (0..group4_in_block(n)).map(move |g| (c0 + (4 * g).min(n - 4), &blk[g]))
    })
}

/// Fills `out` (`group4_count(channels)` groups) with the constants of every output
/// channel: `lane(c)` gives channel `c`'s folded bias, multiplier and shift.
pub fn pack_group4(channels: usize, lane: impl Fn(usize) -> (i32, i32, i32), out: &mut [Group4]) {
    let mut g = 0;
    for c0 in (0..channels).step_by(CHANNEL_BLOCK) {
        let n = CHANNEL_BLOCK.min(channels - c0);
        let full = n / 4;
        for i in 0..full {
            let mut t = Group4::default();
            for j in 0..4 {
                let (b, m, s) = lane(c0 + 4 * i + j);
                t.set(j, b, m, s);
            }
            out[g] = t;
            g += 1;
        }
        if !n.is_multiple_of(4) {
            let first = n.saturating_sub(4);
            let mut t = Group4::default();
            for j in 0..n - first {
                let (b, m, s) = lane(c0 + first + j);
                t.set(j, b, m, s);
            }
            out[g] = t;
            g += 1;
        }
    }
}

/// Groups of sixteen in a depthwise table of `channels` channels: the full groups, then,
/// when `channels` is not a multiple of 16, one group for the remainder (the last sixteen
/// channels, overlapping the previous group, or each of fewer than sixteen channels in
/// its own slot).
pub const fn group16_count(channels: usize) -> usize {
    channels.div_ceil(16)
}

/// Fills `out` (`group16_count(channels)` groups) with the constants of every channel
/// (`lane(c)`: folded bias, multiplier, shift), laid out as [`group16_count`] says.
pub fn pack_group16(channels: usize, lane: impl Fn(usize) -> (i32, i32, i32), out: &mut [Group16]) {
    let full = channels / 16;
    for (g, t) in out[..full].iter_mut().enumerate() {
        for j in 0..16 {
            let (b, m, s) = lane(16 * g + j);
            t.set(j, b, m, s);
        }
    }
    if !channels.is_multiple_of(16) {
        let first = channels.saturating_sub(16);
        let mut t = Group16::default();
        for j in 0..channels - first {
            let (b, m, s) = lane(first + j);
            t.set(j, b, m, s);
        }
        out[full] = t;
    }
}

/// The folded bias of channel `c` in a table of `channels` channels made by
/// [`pack_group16`].
#[inline(always)]
pub fn group16_bias(table: &[Group16], channels: usize, c: usize) -> i32 {
    let full = channels / 16;
    let (g, j) = if c < 16 * full { (c / 16, c % 16) } else { (full, c - channels.saturating_sub(16)) };
    let (quad, lane) = Group16::slot(j);
    table[g].bias[4 * quad + lane]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group4_tables_round_trip_through_words() {
        for channels in [1, 3, 4, 5, 63, 64, 65, 130] {
            let mut table = [Group4::default(); 40];
            let n = group4_count(channels);
            pack_group4(channels, |c| (c as i32, 1 << 30, -(c as i32 % 7)), &mut table[..n]);
            let back: &[Group4] = groups(words(&table[..n])).unwrap();
            assert_eq!(back.len(), n);
            // Every channel is found in its block's groups, in the lane `run` reads.
            for c0 in (0..channels).step_by(CHANNEL_BLOCK) {
                let bn = CHANNEL_BLOCK.min(channels - c0);
                let blk = group4_block(back, c0, bn);
                for c in 0..bn {
                    let (g, j) = if c < bn / 4 * 4 {
                        (c / 4, c % 4)
                    } else if bn >= 4 {
                        (bn / 4, c - (bn - 4))
                    } else {
                        (0, c)
                    };
                    assert_eq!(blk[g].bias[j], (c0 + c) as i32, "channel {} of {channels}", c0 + c);
                }
            }
        }
        assert!(groups::<Group4>(&[0; 15]).is_none());
    }

    #[test]
    fn group16_tables_find_every_channel() {
        for channels in [1, 7, 15, 16, 17, 40, 64, 65] {
            let mut table = [Group16::default(); 5];
            let n = group16_count(channels);
            pack_group16(channels, |c| (c as i32, 1 << 30, 0), &mut table[..n]);
            let back: &[Group16] = groups(words(&table[..n])).unwrap();
            for c in 0..channels {
                assert_eq!(group16_bias(back, channels, c), c as i32, "channel {c} of {channels}");
            }
        }
    }
}
