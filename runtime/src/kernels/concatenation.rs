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
            output[o..o + n].copy_from_slice(&input[k * n..(k + 1) * n]);
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
            output[k * n..(k + 1) * n].copy_from_slice(&input[i..i + n]);
            i += n;
        }
    }
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
}
