//! Runs of output pixels of an int8 depthwise convolution with depth multiplier 1, sixteen
//! (or up to fifteen) channels per vector group: the innermost routines of
//! `kernels::depthwise_conv`'s optimized kernel.
//!
//! A run is `npix` output pixels whose input pixels are `xstep` bytes apart (a stride
//! along a row) and whose outputs are `ostep` bytes apart. Every filter tap `t` reads the
//! input at `x + offs[t]` from the run's current pixel base `x`: inside the image the
//! offsets are the same for every pixel of the run, so one list (the layer's, in flash)
//! serves a whole row. The weights of tap `t` are `w[t * wstride..]`. A pixel whose
//! window crosses the border is computed alone ([`depthwise_wide_window`],
//! [`depthwise_narrow_window`]), its taps walked as a [`Window`]: the inside ones read the
//! input, the padded ones a buffer of input zero points (whose `zp * w` takes the folded
//! offset term of that tap back out of the bias).
//!
//! The portable versions here (the host, cores without Helium) define the arithmetic;
//! on Helium the same contracts are inline assembly (`mve_depthwise.rs`).

pub use super::run::{ChannelConsts, Run, Tap, Window};
use super::OutQuant;
#[cfg(not(tinyml_mve))]
use crate::fixedpoint::multiply_by_quantized_multiplier;
use crate::kernels::packed::Group16;

#[cfg(tinyml_mve)]
use super::mve_depthwise as mve;

/// The taps of one pixel the portable routines walk: a list of offsets from the pixel's
/// base (tap `t`'s weights `t * wstride` bytes on), or a border pixel's [`Window`].
#[cfg(not(tinyml_mve))]
trait Taps: Copy {
    /// Calls `f` with each tap's input and weights, from the pixel's base `x` and the
    /// first tap's weights `w`.
    ///
    /// # Safety
    /// The list's or window's contract.
    unsafe fn each(self, x: *const i8, w: *const i8, wstride: usize, f: impl FnMut(*const i8, *const i8));
}

#[cfg(not(tinyml_mve))]
impl Taps for &[i32] {
    #[inline(always)]
    unsafe fn each(self, x: *const i8, w: *const i8, wstride: usize, mut f: impl FnMut(*const i8, *const i8)) {
        for (t, &o) in self.iter().enumerate() {
            // The base may be outside the input's allocation (a window crossing the
            // border): the address is formed as an integer.
            f((x as isize).wrapping_add(o as isize) as usize as *const i8, w.wrapping_add(t * wstride));
        }
    }
}

#[cfg(not(tinyml_mve))]
impl Taps for &Window {
    #[inline(always)]
    unsafe fn each(self, x: *const i8, w: *const i8, _: usize, mut f: impl FnMut(*const i8, *const i8)) {
        // SAFETY: the caller's contract.
        unsafe {
            self.for_each(|[xo, wo], inside| {
                let xp = if inside { (x as isize).wrapping_add(xo as isize) as usize as *const i8 } else { self.zp };
                f(xp, w.wrapping_add(wo as usize))
            })
        };
    }
}

/// Channels `c0..c0 + n` (`n <= 4`, slots `j0..j0 + n` of `g`) of one pixel: four
/// accumulators stay in registers over the taps, where a loop per channel reloaded each
/// tap's offset and paid the loop per product.
///
/// # Safety
/// As the callers'.
#[cfg(not(tinyml_mve))]
#[inline(always)]
#[allow(clippy::too_many_arguments)]
unsafe fn channels4(
    taps: impl Taps,
    x: *const i8,
    w: *const i8,
    wstride: usize,
    (c0, n): (usize, usize),
    m: usize,
    g: &Group16,
    j0: usize,
    q: OutQuant,
    out: *mut i8,
) {
    let mut acc = [0i32; 4];
    for (k, a) in acc.iter_mut().enumerate().take(n) {
        let (quad, lane) = Group16::slot(j0 + k);
        *a = g.bias[4 * quad + lane];
    }
    // SAFETY: the caller's contract.
    unsafe {
        taps.each(x, w, wstride, |xp, wp| {
            let wp = wp.wrapping_add(c0);
            for (k, a) in acc.iter_mut().enumerate().take(n) {
                // SAFETY: in bounds by the caller's contract.
                let (xv, wv) = (*xp.add((c0 + k) / m), *wp.add(k));
                *a = a.wrapping_add(xv as i32 * wv as i32);
            }
        })
    };
    for (k, &a) in acc.iter().enumerate().take(n) {
        let (quad, lane) = Group16::slot(j0 + k);
        let qd = &g.quant[quad];
        let v = multiply_by_quantized_multiplier(a, qd.mult[lane], qd.left[lane] + qd.right[lane]) + q.offset;
        // SAFETY: in bounds by the caller's contract.
        unsafe { *out.add(c0 + k) = v.clamp(q.min, q.max) as i8 };
    }
}

/// For every pixel of `run` and every channel `c < 16 * groups.len()` (group `c / 16`,
/// slot `c % 16`): `out[c] = requant(bias + sum_t x[offs[t] + c / m] * w[t * wstride +
/// c])`, `m` the depth multiplier (1, 2 or 4).
///
/// # Safety
/// For every pixel and tap, `x + offs[t]` valid for reads of `16 * groups.len() / m` bytes;
/// `w` for `(offs.len() - 1) * wstride + 16 * groups.len()`; every pixel's `out` for
/// `16 * groups.len()` writes; `offs`, `groups` not empty, `run.npix >= 1`.
#[inline]
#[allow(clippy::too_many_arguments)]
pub unsafe fn depthwise_wide(
    offs: &[i32],
    w: *const i8,
    wstride: usize,
    groups: &[Group16],
    q: OutQuant,
    m: usize,
    run: Run,
) {
    debug_assert!(matches!(m, 1 | 2 | 4));
    #[cfg(tinyml_mve)]
    {
        // SAFETY: the caller's contract.
        unsafe { mve::wide(offs, w, wstride, groups, q, m, run) };
    }
    #[cfg(not(tinyml_mve))]
    for p in 0..run.npix as isize {
        let x = run.x.wrapping_offset(p * run.xstep);
        let out = run.out.wrapping_offset(p * run.ostep);
        for (g, t) in groups.iter().enumerate() {
            for j in (0..16).step_by(4) {
                // SAFETY: the caller's contract.
                unsafe { channels4(offs, x, w, wstride, (16 * g + j, 4), m, t, j, q, out) };
            }
        }
    }
}

/// One group of `channels < 16` channels (slots `0..channels` of `group`, or with
/// `high` and at most eight channels slots `8..8 + channels`) per pixel:
/// for every pixel of `run`, `out[c] = requant(bias + sum_t x[offs[t] + c] * w[t *
/// wstride + c])` for `c < channels`.
///
/// With eight channels or fewer, the two halves of the vectors take two pixels at once:
/// the second pixel of a step reads at `x + x2` and writes at `out + o2`; each step
/// advances by `run.xstep` and `run.ostep` (two pixels). `x2 = o2 = 0` makes a step one
/// pixel (computed twice, written twice with the same bytes). With nine channels or
/// more, `x2` and `o2` are not used and a step is one pixel.
///
/// # Safety
/// For every step and tap, `x + offs[t]` (and `x + x2 + offs[t]`) valid for reads of
/// `channels` bytes; `w` for `(offs.len() - 1) * wstride + channels`; each step's `out`
/// (and `out + o2`) for `channels` writes; `offs` not empty, `1 <= channels < 16`,
/// `run.npix >= 1` (steps).
#[inline]
#[allow(clippy::too_many_arguments)]
pub unsafe fn depthwise_narrow(
    offs: &[i32],
    w: *const i8,
    wstride: usize,
    group: &Group16,
    q: OutQuant,
    channels: usize,
    high: bool,
    [x2, o2]: [isize; 2],
    run: Run,
) {
    #[cfg(tinyml_mve)]
    {
        // SAFETY: the caller's contract.
        unsafe { mve::narrow(offs, w, wstride, group, q, channels, high, [x2, o2], run) };
    }
    #[cfg(not(tinyml_mve))]
    for s in 0..run.npix as isize {
        // A step of one pixel (`x2 = o2 = 0`) is computed once here.
        let halves: &[isize] = if channels <= 8 && (x2, o2) != (0, 0) { &[0, 1] } else { &[0] };
        for &h in halves {
            let x = run.x.wrapping_offset(s * run.xstep + h * x2);
            let out = run.out.wrapping_offset(s * run.ostep + h * o2);
            for c in (0..channels).step_by(4) {
                let n = (channels - c).min(4);
                let j = c + 8 * usize::from(high);
                // SAFETY: the caller's contract.
                unsafe { channels4(offs, x, w, wstride, (c, n), 1, group, j, q, out) };
            }
        }
    }
}

/// [`depthwise_wide`] for one pixel whose window crosses the border: its taps walked as
/// `win` (from the pixel's base `x`, which may lie outside the input), its outputs at
/// `out`.
///
/// # Safety
/// Every inside tap `x + taps[t][0]` valid for reads of `16 * groups.len() / m` bytes,
/// `win.zp` for [`CHANNEL_BLOCK`](crate::kernels::packed::CHANNEL_BLOCK); every tap's
/// `w + taps[t][1]` for `16 * groups.len()`; `out` for `16 * groups.len()` writes;
/// `groups` not empty.
#[inline]
#[allow(clippy::too_many_arguments)]
pub unsafe fn depthwise_wide_window(
    win: &Window,
    w: *const i8,
    wstride: usize,
    groups: &[Group16],
    q: OutQuant,
    m: usize,
    x: *const i8,
    out: *mut i8,
) {
    debug_assert!(matches!(m, 1 | 2 | 4));
    #[cfg(tinyml_mve)]
    {
        // SAFETY: the caller's contract.
        unsafe { mve::wide_window(win, w, wstride, groups, q, m, x, out) };
    }
    #[cfg(not(tinyml_mve))]
    for (g, t) in groups.iter().enumerate() {
        for j in (0..16).step_by(4) {
            // SAFETY: the caller's contract.
            unsafe { channels4(win, x, w, wstride, (16 * g + j, 4), m, t, j, q, out) };
        }
    }
}

/// [`depthwise_narrow`] for one pixel whose window crosses the border, its taps walked as
/// `win` ([`depthwise_wide_window`]).
///
/// # Safety
/// As [`depthwise_wide_window`] for `channels` channels, `1 <= channels < 16` (at most
/// eight with `high`).
#[inline]
#[allow(clippy::too_many_arguments)]
pub unsafe fn depthwise_narrow_window(
    win: &Window,
    w: *const i8,
    wstride: usize,
    group: &Group16,
    q: OutQuant,
    channels: usize,
    high: bool,
    x: *const i8,
    out: *mut i8,
) {
    #[cfg(tinyml_mve)]
    {
        // SAFETY: the caller's contract.
        unsafe { mve::narrow_window(win, w, wstride, group, q, channels, high, x, out) };
    }
    #[cfg(not(tinyml_mve))]
    for c in (0..channels).step_by(4) {
        let n = (channels - c).min(4);
        let j = c + 8 * usize::from(high);
        // SAFETY: the caller's contract.
        unsafe { channels4(win, x, w, wstride, (c, n), 1, group, j, q, out) };
    }
}

/// Pixels a run of [`depthwise_lanes`] must have: on Helium a vector holds four.
pub const LANES_MIN_PIXELS: usize = 4;

/// For every pixel of `run` and channel `c < consts.len()`: `out[c] =
/// requant(consts[c][0] + sum_t x[taps[t][0] + c] * w[taps[t][1] + c])`, the
/// requantization from `consts[c]`.
/// On Helium the lanes of a vector are four output pixels of one channel (gather loads
/// at the run's step, a multiply-accumulate by the tap's weight as a scalar), so no lane
/// idles whatever the channel count, and a tap list may leave padded taps out (the
/// caller takes their terms out of the biases).
///
/// # Safety
/// For every pixel and tap, `x + taps[t][0]` valid for reads of `consts.len()` bytes;
/// `w + taps[t][1]` likewise; every pixel's `out` for `consts.len()` writes; `taps` and
/// `consts` not empty, `run.npix >= LANES_MIN_PIXELS`, `run.xstep >= 0`.
#[inline]
pub unsafe fn depthwise_lanes(taps: &[Tap], w: *const i8, consts: &[ChannelConsts], q: OutQuant, run: Run) {
    debug_assert!(run.npix >= LANES_MIN_PIXELS && run.xstep >= 0 && !taps.is_empty() && !consts.is_empty());
    #[cfg(tinyml_mve)]
    {
        // SAFETY: the caller's contract.
        unsafe { mve::lanes(taps, w, consts, q, run) };
    }
    // Without Helium, a channel at a time, four pixels per pass (only one-channel layers
    // take this path on those cores; the host runs it for every count, so that the
    // tests check it).
    #[cfg(not(tinyml_mve))]
    for (c, k) in consts.iter().enumerate() {
        let run = Run { x: run.x.wrapping_add(c), out: run.out.wrapping_add(c), ..run };
        // SAFETY: the caller's contract, channel `c` of each pixel and tap.
        unsafe { super::depthwise_one::depthwise_one(taps, w.wrapping_add(c), k, q, run) };
    }
}
