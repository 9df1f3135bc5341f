//! The constant parameters of a transposed convolution and what the model compiler
//! derives from them: the accumulators' arena scratch ([`transpose_conv_s8_scratch`],
//! [`transpose_conv_s16_scratch`]) and the optimized kernel's table of weight sums
//! ([`transpose_conv_s8_pack`]). Both sides compute these with the same functions.

use crate::kernels::Scratch;

/// Constant parameters of one transposed convolution.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TransposeConvParams {
    /// Minus the input zero point (0 for int16).
    pub input_offset: i32,
    /// The output zero point (0 for int16, whose kernel does not add it).
    pub output_offset: i32,
    /// Horizontal stride.
    pub stride_w: usize,
    /// Vertical stride.
    pub stride_h: usize,
    /// Output columns cut on the left (TFLM `ComputePaddingHeightWidth` over the output).
    pub pad_w: usize,
    /// Output rows cut at the top.
    pub pad_h: usize,
    /// Lower bound of the fused activation, quantized.
    pub activation_min: i32,
    /// Upper bound of the fused activation, quantized.
    pub activation_max: i32,
    /// Batch size.
    pub batches: usize,
    /// Input height.
    pub input_h: usize,
    /// Input width.
    pub input_w: usize,
    /// Input channels (the filter's last dimension).
    pub input_depth: usize,
    /// Filter height.
    pub filter_h: usize,
    /// Filter width.
    pub filter_w: usize,
    /// Output height.
    pub output_h: usize,
    /// Output width.
    pub output_w: usize,
    /// Output channels (filter count).
    pub output_depth: usize,
}

impl TransposeConvParams {
    /// Output elements over all batches.
    pub(super) fn output_len(&self) -> usize {
        self.batches * self.output_h * self.output_w * self.output_depth
    }
}

/// Arena scratch of [`transpose_conv_s8`]: one int32 accumulator per output element, as
/// TFLM's `Prepare` requests (`output FlatSize * sizeof(int32_t)`).
pub fn transpose_conv_s8_scratch(p: &TransposeConvParams) -> Scratch {
    // Without it the kernel gathers the same sums: the accumulators are a speed-up the
    // planner grants where they cost no arena, not a requirement.
    Scratch { min: 0, preferred: p.output_len() * 4 }
}

/// Arena scratch of [`transpose_conv_s16`]: one int64 accumulator per output element.
pub fn transpose_conv_s16_scratch(p: &TransposeConvParams) -> Scratch {
    Scratch { min: 0, preferred: p.output_len() * 8 }
}

/// Entries of the table [`transpose_conv_s8_pack`] fills: one per filter tap and output
/// channel.
pub fn transpose_conv_s8_packed_len(p: &TransposeConvParams) -> usize {
    p.filter_h * p.filter_w * p.output_depth
}

/// Fills `out` ([`transpose_conv_s8_packed_len`] words) with `input_offset` times the sum
/// of each output channel's weights at each tap, in tap-major order (`[fy][fx][oc]`,
/// wrapping as the kernel's int32 accumulators do): what the optimized kernel adds per
/// landed tap so that its inner loop is a plain int8 dot product.
pub fn transpose_conv_s8_pack(p: &TransposeConvParams, filter: &[i8], out: &mut [i32]) {
    let id = p.input_depth;
    for fy in 0..p.filter_h {
        for fx in 0..p.filter_w {
            for oc in 0..p.output_depth {
                let w = &filter[((oc * p.filter_h + fy) * p.filter_w + fx) * id..][..id];
                let sum = w.iter().fold(0i32, |a, &v| a.wrapping_add(v as i32));
                out[(fy * p.filter_w + fx) * p.output_depth + oc] = p.input_offset.wrapping_mul(sum);
            }
        }
    }
}
