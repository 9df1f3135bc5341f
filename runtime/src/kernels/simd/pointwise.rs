//! The innermost routine of the pointwise convolution by groups (`conv::pointwise`): one
//! group of four output channels over a grid of output pixels, so that the group's
//! constants are set up once for all pixels instead of once per pixel. The portable
//! version here (the host) defines the arithmetic; on Helium it is inline assembly
//! (`mve_pointwise.rs`).

pub use super::run::PixelGrid;
use super::{dot4_requantize, Group4, OutQuant};

/// Deepest column [`pointwise_group4`] runs on Helium without falling back to one call
/// per pixel (three 16-byte chunks, unrolled); the same everywhere, so that the host
/// tests take the decisions the device takes.
pub const POINTWISE_MAX_DEPTH: usize = 48;

/// For every pixel of `grid`, with the `k` bytes of `x` at the pixel's column and the
/// four filter rows `w[c * k..(c + 1) * k]`:
/// `out[o + c] = clamp(mbqm(x . w_c + bias_c, mult_c, shift_c) + offset)` for `c < 4`,
/// `o` the pixel's output base, the reference kernels' arithmetic. On Helium one routine
/// runs the whole grid when `k <= POINTWISE_MAX_DEPTH` and no lane of `group` shifts left
/// (`mve_pointwise.rs`, which needs no left shift), else one call per pixel.
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
    let groups = core::slice::from_ref(group);
    for r in 0..rows {
        for i in 0..width {
            let c = grid.column(r, i);
            let o = (r * width + i) * grid.ostep;
            dot4_requantize(&x[c..c + k], w, groups, q, &mut out[o..o + 4]);
        }
    }
}
