//! The run of output pixels the depthwise routines (`depthwise.rs`, `mve_depthwise.rs`)
//! take, and the grid of them the pointwise ones (`pointwise.rs`, `mve_pointwise.rs`)
//! take, apart so that neither file of a pair imports the other's.

/// A filter tap of `depthwise::depthwise_lanes`: the input offset from a pixel's base and
/// the weights' offset from the first channel's weights.
pub type Tap = [isize; 2];

/// One channel's constants for `depthwise::depthwise_lanes`: folded bias, left shift,
/// multiplier, right shift (as a `Group16` slot holds them; the bias may also hold the
/// terms of taps the run leaves out).
pub type ChannelConsts = [i32; 4];

/// Where a run of output pixels reads and writes.
#[derive(Clone, Copy, Debug)]
pub struct Run {
    /// Input base of the first pixel, at the first channel handled.
    pub x: *const i8,
    /// Bytes from one pixel's input base to the next one's.
    pub xstep: isize,
    /// Output of the first pixel, at the first channel handled.
    pub out: *mut i8,
    /// Bytes from one pixel's output to the next one's.
    pub ostep: isize,
    /// Pixels in the run (at least 1).
    pub npix: usize,
}

/// Output pixels in `rows` rows of `width`, and where they read and write: a pixel's
/// column is the input's bytes from its base, which advances by `xstep` per pixel and by
/// `row_skip` more after each row; its four outputs are at its output base, which
/// advances by `ostep` per pixel (rows back to back).
#[derive(Clone, Copy, Debug)]
pub struct PixelGrid {
    /// Rows of output pixels.
    pub rows: usize,
    /// Output pixels per row.
    pub width: usize,
    /// Input bytes from one pixel's column to the next one's in a row.
    pub xstep: usize,
    /// Input bytes added after a row's last step to reach the next row (negative when
    /// the last step already overshoots the row: stride 2 along a row, 1 down).
    pub row_skip: isize,
    /// Output bytes from one pixel to the next.
    pub ostep: usize,
}

impl PixelGrid {
    /// Input offset of the column of pixel `i` of row `r`.
    #[inline(always)]
    pub fn column(&self, r: usize, i: usize) -> usize {
        let row = (self.width * self.xstep) as isize + self.row_skip;
        (r as isize * row) as usize + i * self.xstep
    }
}
