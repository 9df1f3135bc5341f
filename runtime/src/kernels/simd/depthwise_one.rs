//! `depthwise::depthwise_lanes` without Helium, one channel at a time (on the M33/M4 only
//! one-channel layers take it): four output pixels per pass over the taps, their sums in
//! registers, so that each tap's offsets and weight are loaded once for four products
//! (per pixel, the loop over taps cost about three times its one product), and the
//! requantization's constants prepared once for the run (one channel: every pixel has
//! the same).

use super::run::{ChannelConsts, Run, Tap};
use super::{mul_high_rounded, OutQuant};
use crate::fixedpoint::multiply_by_quantized_multiplier;

/// The channel's requantization: with a normalized multiplier, no left shift and a right
/// shift of 1 to 21 (what `quantize_multiplier` gives a scale in `[2^-22, 1/2)`) and an
/// int8 output range, a `qadd`, an `smmulr` and a rounding shift, as the pointwise
/// kernel's `GroupRequant` (exact there: see `fully_connected::optimized::Requant`); else
/// the reference's `multiply_by_quantized_multiplier`.
#[derive(Clone, Copy)]
struct Requant {
    mult: i32,
    /// Left plus right shift (the reference's `shift`).
    shift: i32,
    /// The right shift of the fast form, 0 when it does not apply.
    right: u32,
    q: OutQuant,
}

impl Requant {
    fn new(k: &ChannelConsts, q: OutQuant) -> Self {
        let [_, left, mult, right] = *k;
        let fast = mult >= 1 << 30
            && left == 0
            && (-21..=-1).contains(&right)
            && (-128..=127).contains(&q.offset)
            && q.min >= -128
            && q.max <= 127;
        Requant { mult, shift: left + right, right: if fast { (-right) as u32 } else { 0 }, q }
    }

    #[inline(always)]
    fn apply(&self, acc: i32) -> i8 {
        let v = if self.right > 0 {
            // gemmlowp's doubling high multiply is `floor((2 acc * mult + 2^31) / 2^32)`
            // (`qadd`, `smmulr`); `RoundingDivideByPOT` rounds ties away from zero.
            let h = mul_high_rounded(acc.saturating_add(acc), self.mult);
            (h + (1 << (self.right - 1)) + (h >> 31)) >> self.right
        } else {
            multiply_by_quantized_multiplier(acc, self.mult, self.shift)
        };
        (v + self.q.offset).clamp(self.q.min, self.q.max) as i8
    }
}

/// `depthwise_lanes` with one channel (`k` its constants): four pixels per pass, then the
/// last `npix % 4` one by one.
///
/// # Safety
/// As `depthwise_lanes`' with one channel.
#[inline(never)]
pub unsafe fn depthwise_one(taps: &[Tap], w: *const i8, k: &ChannelConsts, q: OutQuant, run: Run) {
    let rq = Requant::new(k, q);
    let (xs, os) = (run.xstep, run.ostep);
    // As in `depthwise::channels4`: addresses are formed as integers (a tap may lead
    // outside the input's allocation only for pixels the caller never runs).
    let mut x = run.x as isize;
    let mut out = run.out;
    for _ in 0..run.npix / 4 {
        let mut acc = [k[0]; 4];
        for &[xo, wo] in taps {
            let xp = x.wrapping_add(xo as isize);
            // SAFETY: the caller's contract, for the pass's four pixels.
            let (wv, xv) = unsafe {
                let xv = |j: isize| *(xp.wrapping_add(j * xs) as usize as *const i8) as i32;
                (*w.offset(wo as isize) as i32, [xv(0), xv(1), xv(2), xv(3)])
            };
            for (a, v) in acc.iter_mut().zip(xv) {
                *a = a.wrapping_add(v * wv);
            }
        }
        for (j, &a) in acc.iter().enumerate() {
            // SAFETY: the caller's contract.
            unsafe { *out.offset(j as isize * os) = rq.apply(a) };
        }
        x = x.wrapping_add(4 * xs);
        out = out.wrapping_offset(4 * os);
    }
    for _ in 0..run.npix % 4 {
        let mut acc = k[0];
        for &[xo, wo] in taps {
            // SAFETY: the caller's contract.
            let (xv, wv) = unsafe { (*(x.wrapping_add(xo as isize) as usize as *const i8), *w.offset(wo as isize)) };
            acc = acc.wrapping_add(xv as i32 * wv as i32);
        }
        // SAFETY: the caller's contract.
        unsafe { *out = rq.apply(acc) };
        x = x.wrapping_add(xs);
        out = out.wrapping_offset(os);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fast form equals the reference's requantization over its whole range (right
    /// shifts 1 to 21, which the kernel tests' shifts of -12 to 2 do not all reach), sums
    /// at the ends of i32 included; other constants take the reference's.
    #[test]
    fn requant_matches_the_reference() {
        let mut s = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            s
        };
        for i in 0..200_000 {
            let r = next();
            let mult = if i % 8 == 0 { (r as i32).max(1) } else { (1 << 30) + (r as i32 & 0x3fff_ffff) };
            let shift = ((r >> 32) % 26) as i32 - 22;
            let (left, right) = (shift.max(0), shift.min(0));
            let offset = ((r >> 40) % 256) as i32 - 128;
            let (lo, hi) = (((r >> 48) % 128) as i32 - 128, ((r >> 56) % 128) as i32);
            let acc = match i % 5 {
                0 => i32::MIN + ((r >> 20) % 4) as i32,
                1 => i32::MAX - ((r >> 20) % 4) as i32,
                2 => next() as i32 >> ((r >> 8) % 31),
                _ => next() as i32,
            };
            let q = OutQuant { offset, min: lo, max: hi };
            let rq = Requant::new(&[0, left, mult, right], q);
            // (A left shift may take the reference's sum past i32, as in its kernel.)
            let Some(v) = multiply_by_quantized_multiplier(acc, mult, shift).checked_add(offset) else {
                continue;
            };
            let want = v.clamp(lo, hi) as i8;
            assert_eq!(rq.apply(acc), want, "acc {acc} mult {mult} shift {shift} offset {offset}");
        }
    }
}
