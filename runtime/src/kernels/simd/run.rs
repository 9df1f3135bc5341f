//! The run of output pixels the depthwise routines (`depthwise.rs`, `mve_depthwise.rs`)
//! take, apart so that neither file imports the other's.

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
