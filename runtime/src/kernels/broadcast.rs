//! Index arithmetic of TFLite broadcasting for binary elementwise operators (ADD, SUB,
//! MUL, MINIMUM, MAXIMUM), TFLM `BroadcastBinaryOpSimple` semantics up to 6 dimensions.
//!
//! The model compiler right-aligns both input shapes with the output shape, pads them to
//! [`MAX_DIMS`] with leading ones, and gives every input dimension that is broadcast a
//! stride of 0. The kernel then walks the output in row-major order and reads each input
//! at the offset its strides give.

/// Most dimensions a broadcast operand may have (TFLM `kMaxMulBroadcastDim`).
pub const MAX_DIMS: usize = 6;

/// Output shape and input strides of one broadcast binary operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Broadcast {
    /// Output dimensions, padded with leading ones to [`MAX_DIMS`].
    pub out_dims: [usize; MAX_DIMS],
    /// Element stride of input 1 along each output dimension (0 where broadcast).
    pub in1_strides: [usize; MAX_DIMS],
    /// Element stride of input 2 along each output dimension (0 where broadcast).
    pub in2_strides: [usize; MAX_DIMS],
    /// Both inputs have the output's shape: plain elementwise, no index arithmetic.
    pub elementwise: bool,
}

impl Broadcast {
    /// Plain elementwise over `n` elements (both inputs and the output have one shape).
    pub const fn elementwise(n: usize) -> Self {
        Broadcast {
            out_dims: [1, 1, 1, 1, 1, n],
            in1_strides: [0, 0, 0, 0, 0, 1],
            in2_strides: [0, 0, 0, 0, 0, 1],
            elementwise: true,
        }
    }

    /// Number of output elements.
    pub fn out_len(&self) -> usize {
        self.out_dims.iter().product()
    }

    /// Calls `f(out_index, in1_index, in2_index)` for every output element in row-major
    /// order.
    #[inline]
    pub fn for_each(&self, mut f: impl FnMut(usize, usize, usize)) {
        if self.elementwise {
            for i in 0..self.out_len() {
                f(i, i, i);
            }
            return;
        }
        let [d0, d1, d2, d3, d4, d5] = self.out_dims;
        let (a, b) = (&self.in1_strides, &self.in2_strides);
        let mut o = 0;
        for i0 in 0..d0 {
            for i1 in 0..d1 {
                for i2 in 0..d2 {
                    for i3 in 0..d3 {
                        for i4 in 0..d4 {
                            let base_a = i0 * a[0] + i1 * a[1] + i2 * a[2] + i3 * a[3] + i4 * a[4];
                            let base_b = i0 * b[0] + i1 * b[1] + i2 * b[2] + i3 * b[3] + i4 * b[4];
                            for i5 in 0..d5 {
                                f(o, base_a + i5 * a[5], base_b + i5 * b[5]);
                                o += 1;
                            }
                        }
                    }
                }
            }
        }
    }
}

/// One innermost run of a broadcast ([`Broadcast::runs`]): `len` outputs from `out`
/// on, each input read from its start either at consecutive elements or at one
/// element for the whole run.
#[derive(Clone, Copy, Debug)]
pub struct Run {
    /// First output element.
    pub out: usize,
    /// First (or only) element of input 1.
    pub in1: usize,
    /// First (or only) element of input 2.
    pub in2: usize,
    /// Outputs in the run.
    pub len: usize,
    /// Input 1 advances with the output (else it repeats `in1`).
    pub in1_advances: bool,
    /// Input 2 advances with the output (else it repeats `in2`).
    pub in2_advances: bool,
}

impl Broadcast {
    /// Calls `f` for every innermost run in output order and returns `true`; or returns
    /// `false`, calling nothing, when the runs would be shorter than `min_len` or the
    /// innermost dimension is one that no input advances along or that an input reads
    /// with a stride. A run merges the trailing dimensions along which each input keeps
    /// reading contiguously (or keeps repeating one element): a per-channel operand
    /// gives runs of one row of channels, a scalar one a single run. Vector kernels
    /// then take whole runs, the index arithmetic happening once per run.
    pub fn runs(&self, min_len: usize, mut f: impl FnMut(Run)) -> bool {
        if self.elementwise {
            let len = self.out_len();
            if len < min_len {
                return false;
            }
            f(Run { out: 0, in1: 0, in2: 0, len, in1_advances: true, in2_advances: true });
            return true;
        }
        let (d, s1, s2) = (&self.out_dims, &self.in1_strides, &self.in2_strides);
        // The innermost dimension of more than one element; each input has stride 1
        // (advances) or 0 (repeats) along it.
        let Some(last) = (0..MAX_DIMS).rev().find(|&k| d[k] > 1) else {
            return false;
        };
        let (k1, k2) = (s1[last], s2[last]);
        if k1 > 1 || k2 > 1 || (k1 == 0 && k2 == 0) {
            return false;
        }
        let mut first = last;
        let mut len = d[last];
        while first > 0 {
            let k = first - 1;
            let keeps = |s: &[usize; MAX_DIMS], kind: usize| if kind == 1 { s[k] == len } else { s[k] == 0 };
            if d[k] == 1 || (keeps(s1, k1) && keeps(s2, k2)) {
                len *= d[k];
                first = k;
            } else {
                break;
            }
        }
        if len < min_len {
            return false;
        }
        // The outer dimensions, padded with ones at the front to five.
        const OUTER: usize = MAX_DIMS - 1;
        let mut od = [1usize; OUTER];
        let (mut o1, mut o2) = ([0usize; OUTER], [0usize; OUTER]);
        for k in 0..first {
            let j = OUTER - first + k;
            od[j] = d[k];
            o1[j] = s1[k];
            o2[j] = s2[k];
        }
        let at = |s: &[usize; OUTER], i: [usize; OUTER]| -> usize { s.iter().zip(i).map(|(a, b)| a * b).sum() };
        let mut out = 0;
        for i0 in 0..od[0] {
            for i1 in 0..od[1] {
                for i2 in 0..od[2] {
                    for i3 in 0..od[3] {
                        for i4 in 0..od[4] {
                            let i = [i0, i1, i2, i3, i4];
                            let (in1, in2) = (at(&o1, i), at(&o2, i));
                            f(Run { out, in1, in2, len, in1_advances: k1 == 1, in2_advances: k2 == 1 });
                            out += len;
                        }
                    }
                }
            }
        }
        true
    }
}

/// A broadcast of one input over rows of the other ([`Broadcast::repeated_row`]).
#[derive(Clone, Copy, Debug)]
pub struct RepeatedRow {
    /// Elements in a row (all of the repeated input).
    pub len: usize,
    /// Input 1 is the repeated row (else input 2 is).
    pub in1_repeats: bool,
    /// Elements of the output ([`Broadcast::out_len`], known by the time the row is).
    pub out_len: usize,
}

impl Broadcast {
    /// When one input has the output's shape and the other is one row repeated (its
    /// shape the output's trailing dimensions, as a per-channel operand `[C]` of an
    /// `[N, H, W, C]` output): the row's length and which input repeats. A kernel can
    /// then run every row in one loop. Out of line: kernels call it once per call, and
    /// inlined its registers would widen the caller's frame on every path.
    #[inline(never)]
    pub fn repeated_row(&self) -> Option<RepeatedRow> {
        if self.elementwise {
            return None;
        }
        // One pass from the innermost dimension out, unrolled (a kernel asks this on
        // every call, so it is kept to a few instructions per dimension): `step` is the
        // output's row-major stride of dimension `k`. Each input follows the output
        // (its stride is `step`) up to some dimension and from there on repeats
        // (stride 0), or is not a row at all; `l1`, `l2` are the elements an input
        // covers before it repeats, 0 while it still follows.
        let d = &self.out_dims;
        let (s1, s2) = (&self.in1_strides, &self.in2_strides);
        let (mut l1, mut l2, mut step) = (0usize, 0usize, 1usize);
        let mut dim = |k: usize| -> bool {
            let n = d[k];
            if n == 1 {
                return true;
            }
            for (s, l) in [(s1[k], &mut l1), (s2[k], &mut l2)] {
                if s == 0 {
                    if *l == 0 {
                        *l = step;
                    }
                } else if s != step || *l != 0 {
                    return false;
                }
            }
            step *= n;
            true
        };
        const _: () = assert!(MAX_DIMS == 6);
        if !(dim(5) && dim(4) && dim(3) && dim(2) && dim(1) && dim(0)) {
            return None;
        }
        let len = [(l1 != 0).then_some(l1), (l2 != 0).then_some(l2)];
        // One input follows the output everywhere, the other covers a row of at least
        // one dimension before it repeats (a scalar, `Some(1)`, is not a row: the runs
        // take it).
        match len {
            [None, None] if step > 1 => Some(RepeatedRow { len: step, in1_repeats: false, out_len: step }),
            [None, Some(n)] if n > 1 => Some(RepeatedRow { len: n, in1_repeats: false, out_len: step }),
            [Some(n), None] if n > 1 => Some(RepeatedRow { len: n, in1_repeats: true, out_len: step }),
            _ => None,
        }
    }
}

/// Applies `op` elementwise with broadcasting: `out[o] = op(in1[a], in2[b])`.
///
/// Slices must have the lengths implied by `shape`; the model compiler guarantees it.
#[inline]
pub fn binary<A: Copy, B: Copy, O>(shape: &Broadcast, in1: &[A], in2: &[B], out: &mut [O], op: impl Fn(A, B) -> O) {
    shape.for_each(|o, a, b| out[o] = op(in1[a], in2[b]));
}

/// `acc[i] = op(acc[i], other[i])` over `acc.len()` elements: a binary operator over
/// inputs of one shape with its output over input 1, each element read before it is
/// written (the in-place layers, `kernels::in_place`).
#[inline(always)]
pub fn binary_in_place<A: Copy, B: Copy>(acc: &mut [A], other: &[B], op: impl Fn(A, B) -> A) {
    let other = &other[..acc.len()];
    for (x, &y) in acc.iter_mut().zip(other) {
        *x = op(*x, y);
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use std::vec::Vec;

    #[test]
    fn row_plus_column() {
        // [2,1] + [1,3] -> [2,3]
        let shape = Broadcast {
            out_dims: [1, 1, 1, 1, 2, 3],
            in1_strides: [0, 0, 0, 0, 1, 0],
            in2_strides: [0, 0, 0, 0, 0, 1],
            elementwise: false,
        };
        let mut out = [0i32; 6];
        binary(&shape, &[10, 20], &[1, 2, 3], &mut out, |a: i32, b: i32| a + b);
        assert_eq!(out, [11, 12, 13, 21, 22, 23]);
    }

    #[test]
    fn six_dims_visit_every_output_once() {
        let shape = Broadcast {
            out_dims: [2, 1, 3, 2, 1, 2],
            in1_strides: [12, 0, 4, 2, 0, 1],
            in2_strides: [0, 0, 1, 0, 0, 0],
            elementwise: false,
        };
        let mut seen = Vec::new();
        shape.for_each(|o, a, b| seen.push((o, a, b)));
        assert_eq!(seen.len(), 24);
        for (k, &(o, a, b)) in seen.iter().enumerate() {
            assert_eq!(o, k);
            // in1 has the full shape, so its index is the output index.
            assert_eq!(a, k);
            // in2 varies only along dim 2 (size 3): index = (k / 4) % 3.
            assert_eq!(b, (k / 4) % 3);
        }
    }

    #[test]
    fn elementwise_is_identity() {
        let mut seen = Vec::new();
        Broadcast::elementwise(4).for_each(|o, a, b| seen.push((o, a, b)));
        assert_eq!(seen, [(0, 0, 0), (1, 1, 1), (2, 2, 2), (3, 3, 3)]);
    }
}
