//! From samples to the power spectrum: window, FFT auto scale and energy, each one
//! TFLM signal library function (`signal/src/window.cc`, `fft_auto_scale.cc`,
//! `max_abs.cc`, `energy.cc`).

use super::math::msb32;
use super::rfft::Complex;

/// TFLM `ApplyWindow`: `(x * w) >> shift`, saturated to int16.
pub fn apply_window(input: &[i16], window: &[i16], shift: u32, output: &mut [i16]) {
    for ((o, &x), &w) in output.iter_mut().zip(input).zip(window) {
        let raw = (i32::from(x) * i32::from(w)) >> shift;
        *o = raw.clamp(i32::from(i16::MIN), i32::from(i16::MAX)) as i16;
    }
}

/// TFLM `MaxAbs16`. Mirrors its int16 quirk: `-(-32768)` is stored back into an int16,
/// so a frame holding -32768 can end with a negative "maximum" (and then no scaling).
pub fn max_abs16(input: &[i16]) -> i16 {
    let mut max: i16 = 0;
    for &v in input {
        if v > max {
            max = v;
        } else if -i32::from(v) > i32::from(max) {
            max = (-i32::from(v)) as i16;
        }
    }
    max
}

/// TFLM `FftAutoScale`, in place: shifts the frame left so its largest magnitude uses
/// all 15 bits, and returns the shift (later undone by the filter bank square root).
pub fn fft_auto_scale(data: &mut [i16]) -> u32 {
    let max = max_abs16(data);
    // int16 -> uint32 sign-extends, as the C call MostSignificantBit32(max) does.
    let scale_bits = 16 - msb32(i32::from(max) as u32) as i32 - 1;
    let scale_bits = scale_bits.max(0) as u32;
    for x in data.iter_mut() {
        *x = (i32::from(*x) * (1 << scale_bits)) as i16;
    }
    scale_bits
}

/// TFLM `SpectrumToEnergy` over bins `start..end`: `re^2 + im^2` computed in int32
/// (it can wrap only for re = im = -32768) and stored as uint32. Bins outside the
/// range are zero, which is what the model's STRIDED_SLICE and CONCATENATION with zero
/// tensors around SignalEnergy produce.
pub fn spectrum_to_energy(input: &[Complex], start: usize, end: usize, output: &mut [u32]) {
    for (i, (o, c)) in output.iter_mut().zip(input).enumerate() {
        *o = if (start..end).contains(&i) {
            let (re, im) = (i32::from(c.re), i32::from(c.im));
            (re * re).wrapping_add(im * im) as u32
        } else {
            0
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_saturates() {
        let mut out = [0i16; 3];
        apply_window(&[32767, -32768, 100], &[8191, 8191, 4096], 12, &mut out);
        assert_eq!(out, [32767, -32768, 100]);
    }

    #[test]
    fn auto_scale_uses_all_bits() {
        let mut d = [100i16, -3, 0];
        assert_eq!(fft_auto_scale(&mut d), 8);
        assert_eq!(d, [25600, -768, 0]);
        // Silence: MaxAbs 0 -> MostSignificantBit32(0) = 32 -> no scaling.
        let mut z = [0i16; 4];
        assert_eq!(fft_auto_scale(&mut z), 0);
        // The int16 quirk of MaxAbs16 for -32768.
        assert_eq!(max_abs16(&[5, -32768]), -32768);
        let mut m = [5i16, -32768];
        assert_eq!(fft_auto_scale(&mut m), 0);
    }

    #[test]
    fn energy_outside_range_is_zero() {
        let spec = [Complex { re: 3, im: 4 }; 4];
        let mut e = [9u32; 4];
        spectrum_to_energy(&spec, 1, 3, &mut e);
        assert_eq!(e, [0, 25, 25, 0]);
        let mut w = [0u32; 1];
        spectrum_to_energy(&[Complex { re: -32768, im: -32768 }], 0, 1, &mut w);
        assert_eq!(w, [0x8000_0000]);
    }
}
