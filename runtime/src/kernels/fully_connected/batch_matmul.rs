//! BATCH_MATMUL, int8, int16 and float32 (TFLM micro `batch_matmul.cc`,
//! `reference_ops::BatchMatMul` with `FullyConnectedParams`): for every batch index, with
//! numpy broadcasting of the (up to three) batch dimensions,
//! `out[r][c] = requant(sum_k (lhs[r][k] + input_offset) * (rhs[k][c] + filter_offset))`.
//!
//! TFLM states one matrix product as a fully connected layer (the LHS rows are its
//! batches, the RHS columns its outputs) and so does [`BatchMatmulParams::fc`]. When both
//! matrices are laid out as that layer reads them (LHS `[rows][depth]`, RHS
//! `[cols][depth]`: a constant RHS, which the model compiler transposes, or `adj_y`),
//! the int8 product is the fully connected kernel itself. Other layouts (`adj_x`, a
//! run-time RHS without `adj_y`) and int16 (16x16 products, 64-bit sums, the 64-bit
//! requantization, as TFLM's `int64_t` accumulator) are walked with strides; TFLM
//! transposes into buffers instead, which gives the same integers. The float32 product
//! ([`batch_matmul_f32`]) sums from 0 in the order of the depth, as TFLM's float loop.

use super::params::FullyConnectedParams;
use super::reference::fully_connected_s8_reference;
use crate::fixedpoint::{multiply_by_quantized_multiplier, multiply_by_quantized_multiplier_i64};
use crate::kernels::clamp;
use crate::kernels::int::QuantizedInt;

/// Batch dimensions of BATCH_MATMUL (its ranks are at most 5: 3 batch dimensions and a
/// matrix).
pub const BATCH_MATMUL_BATCH_DIMS: usize = 3;

/// Constant parameters of one BATCH_MATMUL layer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BatchMatmulParams {
    /// One matrix product: `batches` LHS rows, `accum_depth`, `output_depth` RHS columns,
    /// the offsets (`input_offset` minus the LHS zero point, `filter_offset` minus the
    /// RHS zero point), the requantization and the type's full range.
    pub fc: FullyConnectedParams,
    /// Output batch dimensions (broadcast), extended to three at the front with ones.
    pub batch_dims: [usize; BATCH_MATMUL_BATCH_DIMS],
    /// Elements between LHS matrices along each batch dimension (0 where broadcast).
    pub lhs_batch_strides: [usize; BATCH_MATMUL_BATCH_DIMS],
    /// Elements between RHS matrices along each batch dimension (0 where broadcast).
    pub rhs_batch_strides: [usize; BATCH_MATMUL_BATCH_DIMS],
    /// Elements between LHS rows.
    pub lhs_row_stride: usize,
    /// Elements between LHS depth steps.
    pub lhs_depth_stride: usize,
    /// Elements between RHS columns.
    pub rhs_col_stride: usize,
    /// Elements between RHS depth steps.
    pub rhs_depth_stride: usize,
}

impl BatchMatmulParams {
    /// Whether both matrices are laid out as a fully connected layer reads its input and
    /// filter (rows of `accum_depth` contiguous elements).
    pub fn fc_layout(&self) -> bool {
        let depth = self.fc.accum_depth;
        self.lhs_depth_stride == 1
            && self.rhs_depth_stride == 1
            && self.lhs_row_stride == depth
            && self.rhs_col_stride == depth
    }

    /// Calls `f(lhs, rhs, out)` with the element offsets of every pair of matrices and
    /// their output, in output order.
    #[inline(always)]
    fn for_each_batch(&self, mut f: impl FnMut(usize, usize, usize)) {
        let [d0, d1, d2] = self.batch_dims;
        let (l, r) = (self.lhs_batch_strides, self.rhs_batch_strides);
        let out_len = self.fc.batches * self.fc.output_depth;
        let mut o = 0;
        for b0 in 0..d0 {
            for b1 in 0..d1 {
                for b2 in 0..d2 {
                    f(b0 * l[0] + b1 * l[1] + b2 * l[2], b0 * r[0] + b1 * r[1] + b2 * r[2], o);
                    o += out_len;
                }
            }
        }
    }
}

/// One matrix product with strides, the sum in 64 bits and `finish` requantizing it.
#[inline(always)]
fn matmul_strided<T: QuantizedInt>(
    p: &BatchMatmulParams,
    lhs: &[T],
    rhs: &[T],
    out: &mut [T],
    requantize: impl Fn(i64) -> i32,
) {
    let fc = &p.fc;
    for r in 0..fc.batches {
        for c in 0..fc.output_depth {
            let mut acc: i64 = 0;
            for k in 0..fc.accum_depth {
                let x = lhs[r * p.lhs_row_stride + k * p.lhs_depth_stride].to_i32() + fc.input_offset;
                let w = rhs[c * p.rhs_col_stride + k * p.rhs_depth_stride].to_i32() + fc.filter_offset;
                acc += (w * x) as i64;
            }
            let v = requantize(acc) + fc.output_offset;
            out[r * fc.output_depth + c] = T::from_i32(clamp(v, fc.activation_min, fc.activation_max));
        }
    }
}

/// The int8 BATCH_MATMUL (int32 sums, as TFLM's `int32_t` accumulator).
pub fn batch_matmul_s8(p: &BatchMatmulParams, lhs: &[i8], rhs: &[i8], output: &mut [i8]) {
    let fc = &p.fc;
    let (lhs_len, rhs_len) = (fc.batches * fc.accum_depth, fc.output_depth * fc.accum_depth);
    let out_len = fc.batches * fc.output_depth;
    p.for_each_batch(|l, r, o| {
        let out = &mut output[o..o + out_len];
        if p.fc_layout() {
            fully_connected_s8_reference(fc, &lhs[l..l + lhs_len], &rhs[r..r + rhs_len], &[], out);
        } else {
            // The int32 sum wraps like TFLM's; the low 32 bits of the 64-bit sum are it.
            matmul_strided(p, &lhs[l..], &rhs[r..], out, |acc| {
                multiply_by_quantized_multiplier(acc as i32, fc.output_multiplier, fc.output_shift)
            });
        }
    });
}

/// The int16 BATCH_MATMUL (int64 sums and TFLM's 64-bit `MultiplyByQuantizedMultiplier`).
pub fn batch_matmul_s16(p: &BatchMatmulParams, lhs: &[i16], rhs: &[i16], output: &mut [i16]) {
    let fc = &p.fc;
    let out_len = fc.batches * fc.output_depth;
    p.for_each_batch(|l, r, o| {
        matmul_strided(p, &lhs[l..], &rhs[r..], &mut output[o..o + out_len], |acc| {
            multiply_by_quantized_multiplier_i64(acc, fc.output_multiplier, fc.output_shift)
        });
    });
}

/// The float32 BATCH_MATMUL: `out[r][c] = sum_k rhs[k][c] * lhs[r][k]`, summed from 0
/// in depth order (TFLM's float `BatchMatMul`); only the dimensions of `fc` are read.
pub fn batch_matmul_f32(p: &BatchMatmulParams, lhs: &[f32], rhs: &[f32], output: &mut [f32]) {
    let fc = &p.fc;
    p.for_each_batch(|l, r, o| {
        for row in 0..fc.batches {
            for c in 0..fc.output_depth {
                let mut acc = 0.0f32;
                for k in 0..fc.accum_depth {
                    acc += rhs[r + c * p.rhs_col_stride + k * p.rhs_depth_stride]
                        * lhs[l + row * p.lhs_row_stride + k * p.lhs_depth_stride];
                }
                output[o + row * fc.output_depth + c] = acc;
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Scale 1 (multiplier 2^30, shift 1), full int8 range, no offsets.
    fn params(rows: usize, depth: usize, cols: usize) -> BatchMatmulParams {
        BatchMatmulParams {
            fc: FullyConnectedParams {
                input_offset: 0,
                filter_offset: 0,
                output_offset: 0,
                output_multiplier: 1 << 30,
                output_shift: 1,
                activation_min: -128,
                activation_max: 127,
                batches: rows,
                accum_depth: depth,
                output_depth: cols,
            },
            batch_dims: [1, 1, 1],
            lhs_batch_strides: [0; 3],
            rhs_batch_strides: [0; 3],
            lhs_row_stride: depth,
            lhs_depth_stride: 1,
            rhs_col_stride: depth,
            rhs_depth_stride: 1,
        }
    }

    #[test]
    fn layouts_agree() {
        // lhs [[1, 2, 3], [4, 5, 6]] times rhs [[1, 0], [0, 1], [2, -1]] (3x2).
        let want = [7i8, -1, 16, -1];
        let p = params(2, 3, 2);
        let mut out = [0i8; 4];
        // RHS transposed to [cols][depth]: the fully connected layout.
        batch_matmul_s8(&p, &[1, 2, 3, 4, 5, 6], &[1, 0, 2, 0, 1, -1], &mut out);
        assert_eq!(out, want);
        // RHS as stored [depth][cols], LHS as stored transposed [depth][rows].
        let p =
            BatchMatmulParams { lhs_row_stride: 1, lhs_depth_stride: 2, rhs_col_stride: 1, rhs_depth_stride: 2, ..p };
        batch_matmul_s8(&p, &[1, 4, 2, 5, 3, 6], &[1, 0, 0, 1, 2, -1], &mut out);
        assert_eq!(out, want);
        let mut out16 = [0i16; 4];
        batch_matmul_s16(
            &BatchMatmulParams {
                fc: FullyConnectedParams { activation_min: -32768, activation_max: 32767, ..p.fc },
                ..p
            },
            &[1, 4, 2, 5, 3, 6],
            &[1, 0, 0, 1, 2, -1],
            &mut out16,
        );
        assert_eq!(out16, want.map(i16::from));
        let mut outf = [0f32; 4];
        batch_matmul_f32(&p, &[1.0, 4.0, 2.0, 5.0, 3.0, 6.0], &[1.0, 0.0, 0.0, 1.0, 2.0, -1.0], &mut outf);
        assert_eq!(outf, want.map(f32::from));
    }

    #[test]
    fn broadcasts_batches() {
        // Two LHS matrices (1x1) against one RHS (1x2): strides 0 for the RHS.
        let p = BatchMatmulParams { batch_dims: [1, 1, 2], lhs_batch_strides: [0, 0, 1], ..params(1, 1, 2) };
        let mut out = [0i8; 4];
        batch_matmul_s8(&p, &[3, -2], &[5, 7], &mut out);
        assert_eq!(out, [15, 21, -10, -14]);
    }
}
