//! The innermost routine of the pointwise convolution by groups (`conv::pointwise`): one
//! group of four output channels over a grid of output pixels, so that the group's
//! constants are set up once for all pixels instead of once per pixel. The portable
//! version here defines the arithmetic and runs on the host and the DSP cores (its dot
//! products `dsp::dot4_bias` there); on Helium it is inline assembly
//! (`mve_pointwise.rs`).

pub use super::run::PixelGrid;
use super::{dot4_bias, dot4_requantize, mul_high_rounded, Group4, OutQuant};
use core::mem::MaybeUninit;

/// Deepest column [`pointwise_group4`] runs on Helium without falling back to one call
/// per pixel (three 16-byte chunks, unrolled); the same everywhere, so that the host
/// tests take the decisions the device takes.
pub const POINTWISE_MAX_DEPTH: usize = 48;

/// For every pixel of `grid`, with the `k` bytes of `x` at the pixel's column and the
/// four filter rows `w[c * k..(c + 1) * k]`:
/// `out[o + c] = clamp(mbqm(x . w_c + bias_c, mult_c, shift_c) + offset)` for `c < 4`,
/// `o` the pixel's output base, the reference kernels' arithmetic. On Helium one routine
/// runs the whole grid when `k <= POINTWISE_MAX_DEPTH` and no lane of `group` shifts left
/// (`mve_pointwise.rs`, which needs no left shift); elsewhere (the DSP cores, the host)
/// [`by_pixels`] where [`GroupRequant`] is exact; otherwise one `dot4_requantize` per pixel.
///
/// Panics when a slice is too short for the grid, or when a row starts before the one
/// above it.
#[inline]
pub fn pointwise_group4(x: &[i8], k: usize, w: &[i8], group: &Group4, q: OutQuant, grid: &PixelGrid, out: &mut [i8]) {
    let PixelGrid { rows, width, .. } = *grid;
    if rows == 0 || width == 0 || k == 0 {
        return;
    }
    assert!((width * grid.xstep) as isize + grid.row_skip >= 0, "rows of a pixel grid go down the input");
    // Bounds of the last pixel's column and outputs: every other one comes before.
    let x = &x[..grid.column(rows - 1, width - 1) + k];
    let out = &mut out[..(rows * width - 1) * grid.ostep + 4];
    let w = &w[..4 * k];
    #[cfg(tinyml_mve)]
    if k <= super::mve_pointwise::MAX_DEPTH && !group.shifts_left() {
        // SAFETY: `x` holds every pixel's column and `out` every pixel's four outputs
        // (the last ones checked by the slicing above, the others come before them),
        // `w` four rows of `k` bytes; `1 <= k <= MAX_DEPTH`, rows and width at least 1,
        // no left shift.
        unsafe { super::mve_pointwise::group(x.as_ptr(), w.as_ptr(), k, group, q, grid, out.as_mut_ptr()) };
        return;
    }
    // Not on Helium, where the routine above takes the grids this would (its fallbacks
    // are rare: deep columns, left shifts), and the copy cost 2.3 KB of code per image.
    if let Some(rq) = GroupRequant::exact_for(group, q).filter(|_| !cfg!(tinyml_mve)) {
        return by_pixels(x, k, w, group, rq, grid, out);
    }
    let groups = core::slice::from_ref(group);
    for r in 0..rows {
        for i in 0..width {
            let c = grid.column(r, i);
            let o = (r * width + i) * grid.ostep;
            dot4_requantize(&x[c..c + k], w, groups, q, &mut out[o..o + 4]);
        }
    }
}

/// The group's requantization for cores without Helium, its constants taken out of the
/// pixel loop: per lane a `qadd`, an `smmulr`, the rounding shift and the clamp (as the
/// fully connected kernel's `Requant`), where the reference's
/// `multiply_by_quantized_multiplier` also handles a left shift and rounds in 64 bits.
#[derive(Clone, Copy)]
struct GroupRequant {
    mult: [i32; 4],
    /// Right shifts, 1 to 21.
    right: [u32; 4],
    /// `2^(right - 1)`.
    round: [i32; 4],
    q: OutQuant,
}

impl GroupRequant {
    /// The constants when [`GroupRequant::apply`] equals the reference for every lane:
    /// multipliers normalized as `quantize_multiplier` makes them (`[2^30, 2^31)`), right
    /// shifts of 1 to 21 (the `qadd` that doubles the sum may saturate only where both
    /// results clamp to the same end: see `fully_connected::optimized::Requant::apply`),
    /// the output offset and activation range within int8.
    fn exact_for(g: &Group4, q: OutQuant) -> Option<Self> {
        let lanes_fit = (0..4).all(|j| g.mult[j] >= 1 << 30 && g.left[j] == 0 && (-21..=-1).contains(&g.right[j]));
        let out_fits = (-128..=127).contains(&q.offset) && q.min >= -128 && q.max <= 127;
        (lanes_fit && out_fits).then(|| {
            let right = g.right.map(|r| (-r) as u32);
            GroupRequant { mult: g.mult, right, round: right.map(|r| 1 << (r - 1)), q }
        })
    }

    /// `clamp(mbqm(acc, mult, -right) + offset)` of lane `j`: gemmlowp's doubling high
    /// multiply is `floor((2 acc * mult + 2^31) / 2^32)` (one `smmulr`), and
    /// `RoundingDivideByPOT` (ties away from zero) `(h + 2^(right-1) - (h < 0)) >> right`.
    #[inline(always)]
    fn apply(&self, j: usize, acc: i32) -> i8 {
        let h = mul_high_rounded(acc.saturating_add(acc), self.mult[j]);
        let r = (h + self.round[j] + (h >> 31)) >> self.right[j];
        (r + self.q.offset).clamp(self.q.min, self.q.max) as i8
    }
}

/// [`pointwise_group4`] without Helium, where [`GroupRequant`] is exact: per pixel the
/// group's biases start the four sums (`dot4_bias`: on the DSP cores one pass of
/// `sxtb16`/`smlad` over the column shared by the four rows), then the four lanes are
/// requantized with the constants prepared once for the grid. `x`, `w` and `out` are
/// checked by the caller for the whole grid.
#[inline(never)]
fn by_pixels(x: &[i8], k: usize, w: &[i8], group: &Group4, rq: GroupRequant, grid: &PixelGrid, out: &mut [i8]) {
    let mut acc = [MaybeUninit::<i32>::uninit(); 4];
    let mut o = 0;
    for r in 0..grid.rows {
        let mut c = grid.column(r, 0);
        for _ in 0..grid.width {
            dot4_bias(&x[c..c + k], w, &group.bias, &mut acc);
            // SAFETY: `dot4_bias` writes all four sums.
            let sums = acc.map(|a| unsafe { a.assume_init() });
            let dst = &mut out[o..o + 4];
            for j in 0..4 {
                dst[j] = rq.apply(j, sums[j]);
            }
            c += grid.xstep;
            o += grid.ostep;
        }
    }
}
