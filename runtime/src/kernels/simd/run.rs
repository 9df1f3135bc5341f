//! The run of output pixels the depthwise routines (`depthwise.rs`, `mve_depthwise.rs`)
//! take, and the grid of them the pointwise ones (`pointwise.rs`, `mve_pointwise.rs`)
//! take, apart so that neither file of a pair imports the other's.

/// A filter tap of `depthwise::depthwise_lanes`: the input offset from a pixel's base and
/// the weights' offset from the first channel's weights. Words as the layer's table in
/// flash holds them (`depthwise_conv::layer`), read there in place: on the 32-bit
/// targets a word is a pointer's width.
pub type Tap = [i32; 2];

/// A border pixel's window for `depthwise::depthwise_wide_window` and
/// `depthwise_narrow_window`, walked without a list of its own: the taps of a list of the
/// layer's ([`Tap`] pairs by rows or by columns, read in place from its table in flash)
/// in order, `first` padded, then `rows` times `inside` taps inside the image followed by
/// `between` padded ones (`after` padded ones after the last). A padded tap reads the
/// input zero points at `zp` (its weights times the zero point take the tap's folded
/// offset term back out of the bias) instead of the input.
#[derive(Clone, Copy, Debug)]
pub struct Window {
    /// The list's first tap.
    pub taps: *const Tap,
    /// Padded taps before the first inside ones.
    pub first: u32,
    /// Stretches of inside taps (at least 1).
    pub rows: u32,
    /// Taps per stretch of inside taps (may be 0: no tap inside).
    pub inside: u32,
    /// Padded taps after each stretch but the last.
    pub between: u32,
    /// Padded taps after the last stretch.
    pub after: u32,
    /// At least `CHANNEL_BLOCK` input zero points.
    pub zp: *const i8,
}

impl Window {
    /// Calls `f` with every tap of the window in its walk's order, and whether it lies
    /// inside the image.
    ///
    /// # Safety
    /// `taps` valid for reads of every tap the counts walk.
    #[inline(always)]
    pub unsafe fn for_each(&self, mut f: impl FnMut(Tap, bool)) {
        let mut t = self.taps;
        let mut segment = |n: u32, inside: bool| {
            for _ in 0..n {
                // SAFETY: the caller's contract.
                unsafe {
                    f(*t, inside);
                    t = t.add(1);
                }
            }
        };
        segment(self.first, false);
        for r in 1..=self.rows {
            segment(self.inside, true);
            segment(if r < self.rows { self.between } else { self.after }, false);
        }
    }
}

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
