//! The static buffers every case draws its tensors from (no allocator on the device).
//! Cases size their shapes to fit; the total (about 125 KiB) fits the smallest RAM of the
//! emulated boards (512 KiB DTCM on mps3-an547) beside the optimized kernels' stack
//! arrays (about 8 KiB).

use crate::check::GUARD;
use tinyml_runtime::kernels::packed::{Group16, Group4, Quant4};

/// Input bytes of one case.
pub const INPUT: usize = 8192;
/// Filter bytes of one case.
pub const FILTER: usize = 32768;
/// Output bytes of one case (each of the reference and the optimized output).
pub const OUTPUT: usize = 8192;
/// Output channels of one case (biases, multipliers, shifts).
pub const CHANNELS: usize = 1024;
/// int16 input and output elements (int16 pooling).
pub const WIDE: usize = 4096;
/// Groups of four channels in a packed table (convolutions of up to 128 channels).
pub const TABLE4: usize = 32;
/// Groups of sixteen channels in a packed table (depthwise layers of up to 256 channels).
pub const TABLE16: usize = 16;
/// Words of a whole packed table: [`TABLE16`] groups of sixteen and a depthwise layer's
/// values after them (`depthwise_conv_s8_layer_words`, at most 143: 18 and five per tap
/// of a 5x5 window), or [`TABLE4`] groups of four and a narrow-input convolution's words
/// (`conv_s8_narrow_words`, at most 304: 48 of chunks' records, 128 of weights, a word per
/// chunk of each border column, at most 128 over the cases' widths).
pub const PACKED: usize = max(TABLE16 * GROUP16_WORDS + 143, TABLE4 * GROUP4_WORDS + 304);
const GROUP16_WORDS: usize = core::mem::size_of::<Group16>() / 4;
const GROUP4_WORDS: usize = core::mem::size_of::<Group4>() / 4;

const fn max(a: usize, b: usize) -> usize {
    if a > b {
        a
    } else {
        b
    }
}
/// Arena scratch bytes of one case.
pub const SCRATCH: usize = 16384;

/// The buffers; all-zero at reset (`.bss`).
pub struct Buffers {
    /// Input tensor.
    pub input: [i8; INPUT],
    /// Filter tensor (or weight rows of the primitives).
    pub filter: [i8; FILTER],
    /// The reference kernel's output.
    pub want: [i8; OUTPUT],
    /// The optimized kernel's output and its guard bytes.
    pub got: [i8; OUTPUT + GUARD],
    /// Per-channel biases.
    pub bias: [i32; CHANNELS],
    /// Per-channel multipliers.
    pub mult: [i32; CHANNELS],
    /// Per-channel shifts.
    pub shift: [i32; CHANNELS],
    /// int16 input.
    pub input16: [i16; WIDE],
    /// int16 reference output.
    pub want16: [i16; WIDE],
    /// int16 optimized output.
    pub got16: [i16; WIDE],
    /// A packed table of groups of four, as the compiler emits it for a layer.
    pub table4: [Group4; TABLE4],
    /// A packed table of groups of sixteen.
    pub table16: [Group16; TABLE16],
    /// A whole packed table as words (groups and what follows them).
    pub packed: [i32; PACKED],
    /// Arena scratch.
    pub scratch: [u8; SCRATCH],
}

static mut BUFFERS: Buffers = Buffers {
    input: [0; INPUT],
    filter: [0; FILTER],
    want: [0; OUTPUT],
    got: [0; OUTPUT + GUARD],
    bias: [0; CHANNELS],
    mult: [0; CHANNELS],
    shift: [0; CHANNELS],
    input16: [0; WIDE],
    want16: [0; WIDE],
    got16: [0; WIDE],
    table4: [Group4 { bias: [0; 4], left: [0; 4], mult: [0; 4], right: [0; 4] }; TABLE4],
    table16: [Group16 { bias: [0; 16], quant: [Quant4 { left: [0; 4], mult: [0; 4], right: [0; 4] }; 4] }; TABLE16],
    packed: [0; PACKED],
    scratch: [0; SCRATCH],
};

/// The buffers. Call once: `main` takes them and lends them to each case.
pub fn take() -> &'static mut Buffers {
    // SAFETY: called once, from `main`, before any other reference to BUFFERS exists;
    // no interrupt handler touches it.
    unsafe { &mut *core::ptr::addr_of_mut!(BUFFERS) }
}
