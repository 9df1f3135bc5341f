//! The run of output pixels the depthwise routines (`depthwise.rs`, `mve_depthwise.rs`)
//! take, and the grid of them the pointwise ones (`pointwise.rs`, `mve_pointwise.rs`)
//! take, apart so that neither file of a pair imports the other's.

/// A filter tap of `depthwise::depthwise_lanes`: the input offset from a pixel's base and
/// the weights' offset from the first channel's weights. Words as the layer's table in
/// flash holds them (`depthwise_conv::layer`), read there in place: on the 32-bit
/// targets a word is a pointer's width.
pub type Tap = [i32; 2];

/// An entry of a list of tap offsets `depthwise_wide` and `depthwise_narrow` read: a
/// word as the layer's table in flash holds them ([`Tap`]), or [`Written`].
pub trait TapOffset: Copy {
    /// The offset in bytes.
    fn bytes(self) -> isize;
}

impl TapOffset for i32 {
    #[inline(always)]
    fn bytes(self) -> isize {
        self as isize
    }
}

impl TapOffset for isize {
    #[inline(always)]
    fn bytes(self) -> isize {
        self
    }
}

/// The entries of the lists the runs write (a border pixel's, its padded taps pointing
/// at the layer's zero points): words on the 32-bit targets, the table's type, so that
/// one instance of each routine serves both; on the host, whose zero points and input
/// may be further apart than a word reaches, a pointer's width.
#[cfg(target_pointer_width = "32")]
pub type Written = i32;
/// See the 32-bit definition.
#[cfg(not(target_pointer_width = "32"))]
pub type Written = isize;

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
