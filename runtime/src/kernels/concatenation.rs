//! CONCATENATION for any element type (TFLM `reference_ops::Concatenation`): no
//! requantization, so the model compiler only accepts int8 inputs that share the
//! output's scale and zero point. PACK is a concatenation along a new axis; SPLIT,
//! SPLIT_V and UNPACK are its inverse ([`split`], TFLM `SplitImpl` / `UnpackImpl`), with
//! the same parameters read for outputs.

/// The most inputs one CONCATENATION takes (TFLM micro's `kMaxInputNum`).
pub const CONCAT_MAX_INPUTS: usize = 10;

/// Constant parameters of one concatenation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConcatParams {
    /// Product of the dimensions before the axis.
    pub outer: usize,
    /// Number of inputs.
    pub inputs: usize,
    /// Per input: elements copied per outer index (its axis size times the product of
    /// the dimensions after the axis).
    pub copy: [usize; CONCAT_MAX_INPUTS],
}

/// For each outer index, copies each input's next block in turn.
pub fn concatenation<T: Copy>(p: &ConcatParams, inputs: &[&[T]], output: &mut [T]) {
    let mut o = 0;
    for k in 0..p.outer {
        for (input, &n) in inputs.iter().zip(&p.copy[..p.inputs]) {
            copy_block(&mut output[o..o + n], &input[k * n..(k + 1) * n]);
            o += n;
        }
    }
}

/// For each outer index, fills each output's next block in turn from the input (`p.inputs`
/// counts the outputs here, `p.copy[k]` is output `k`'s block).
pub fn split<T: Copy>(p: &ConcatParams, input: &[T], outputs: &mut [&mut [T]]) {
    let mut i = 0;
    for k in 0..p.outer {
        for (output, &n) in outputs.iter_mut().zip(&p.copy[..p.inputs]) {
            copy_block(&mut output[k * n..(k + 1) * n], &input[i..i + n]);
            i += n;
        }
    }
}

/// `dst.copy_from_slice(src)`: the reference's `memcpy` per block, as TFLM's; in the
/// optimized kernels short blocks (a concatenation along the channels copies a few bytes
/// per pixel) inline, `simd::copy_short`.
#[inline(always)]
fn copy_block<T: Copy>(dst: &mut [T], src: &[T]) {
    #[cfg(feature = "reference-kernels")]
    dst.copy_from_slice(src);
    #[cfg(not(feature = "reference-kernels"))]
    crate::kernels::simd::copy_short(dst, src);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn concatenates_along_the_last_axis() {
        // [2, 1] ++ [2, 2] along axis 1.
        let mut copy = [0; CONCAT_MAX_INPUTS];
        copy[..2].copy_from_slice(&[1, 2]);
        let p = ConcatParams { outer: 2, inputs: 2, copy };
        let mut out = [0i32; 6];
        concatenation(&p, &[&[1, 2], &[10, 11, 20, 21]], &mut out);
        assert_eq!(out, [1, 10, 11, 2, 20, 21]);
    }

    #[test]
    fn split_inverts_concatenation() {
        let mut copy = [0; CONCAT_MAX_INPUTS];
        copy[..2].copy_from_slice(&[1, 2]);
        let p = ConcatParams { outer: 2, inputs: 2, copy };
        let (mut a, mut b) = ([0i32; 2], [0i32; 4]);
        split(&p, &[1, 10, 11, 2, 20, 21], &mut [&mut a, &mut b]);
        assert_eq!((a, b), ([1, 2], [10, 11, 20, 21]));
    }

    #[test]
    fn blocks_of_every_length_are_copied_whole() {
        // Lengths across the inline copy's words, its remainder and the `memcpy` path.
        for (a, b) in [(0, 1), (1, 3), (3, 13), (4, 8), (5, 7), (31, 33), (32, 64)] {
            let mut copy = [0; CONCAT_MAX_INPUTS];
            copy[..2].copy_from_slice(&[a, b]);
            let p = ConcatParams { outer: 3, inputs: 2, copy };
            let x: [i8; 3 * 64] = core::array::from_fn(|i| i as i8);
            let y: [i8; 3 * 64] = core::array::from_fn(|i| !(i as i8));
            let mut out = [0i8; 3 * 128];
            concatenation(&p, &[&x[..3 * a], &y[..3 * b]], &mut out);
            for k in 0..3 {
                let row = &out[k * (a + b)..(k + 1) * (a + b)];
                assert_eq!((&row[..a], &row[a..]), (&x[k * a..(k + 1) * a], &y[k * b..(k + 1) * b]), "{a}+{b}");
            }
            let (mut u, mut v) = ([0i8; 3 * 64], [0i8; 3 * 64]);
            split(&p, &out[..3 * (a + b)], &mut [&mut u[..3 * a], &mut v[..3 * b]]);
            assert_eq!((&u[..3 * a], &v[..3 * b]), (&x[..3 * a], &y[..3 * b]), "{a}+{b}");
        }
    }
}
