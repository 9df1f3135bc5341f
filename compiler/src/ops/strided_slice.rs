//! STRIDED_SLICE of int8, int16, int32, float32 and bool tensors (ranks 1 to 5), with
//! constant begin, end and strides. Prepare logic from TFLM
//! `micro/kernels/strided_slice_common.cc`; the per-axis start and stop are resolved here
//! with `strided_slice::StridedSliceStartForAxis` / `StridedSliceEndForAxis` after
//! `StridedSlicePadIndices`, exactly as `reference_ops::StridedSlice` does at run time,
//! and become a strided copy (`strided_copy.rs`): one step along an output dimension moves
//! the slice's stride times the input's, negative to walk back.

use super::strided_copy::{row_strides, StridedCopy};
use super::{LowerCx, Lowered};
use crate::error::CompileError;
use crate::graph::{DType, Options};
use tinyml_runtime::kernels::strided_copy::{StridedCopyParams, COPY_MAX_DIMS as SLICE_MAX_DIMS};

/// The resolved masks and indices of one slice, already extended to five dimensions.
struct Spec {
    begin: [i32; SLICE_MAX_DIMS],
    end: [i32; SLICE_MAX_DIMS],
    strides: [i32; SLICE_MAX_DIMS],
    begin_mask: i32,
    end_mask: i32,
    shrink_mask: i32,
}

/// `StridedSliceStartForAxis`.
fn start_for_axis(s: &Spec, dims: &[usize; SLICE_MAX_DIMS], k: usize) -> i32 {
    let size = dims[k] as i32;
    let stride = s.strides[k];
    let mut start = s.begin[k];
    if start < 0 {
        start += size;
    }
    start = if stride > 0 { start.clamp(0, size) } else { start.clamp(-1, size - 1) };
    if s.begin_mask & (1 << k) != 0 {
        start = if stride > 0 { 0 } else { size - 1 };
    }
    start
}

/// `StridedSliceEndForAxis`.
fn end_for_axis(s: &Spec, dims: &[usize; SLICE_MAX_DIMS], k: usize, start: i32) -> i32 {
    let size = dims[k] as i32;
    if s.shrink_mask & (1 << k) != 0 {
        return if start >= size { start } else { start + 1 };
    }
    // TFLM's `if (offset) end += start;` never applies: micro does not pass the flag.
    let mut end = s.end[k];
    let stride = s.strides[k];
    if end < 0 {
        end += size;
    }
    end = if stride > 0 { end.clamp(0, size) } else { end.clamp(-1, size - 1) };
    if s.end_mask & (1 << k) != 0 {
        end = if stride > 0 { size } else { -1 };
    }
    end
}

/// Iterations of `for (i = start; stride > 0 ? i < stop : i > stop; i += stride)`.
fn steps(start: i32, stop: i32, stride: i32) -> usize {
    let span = if stride > 0 { stop as i64 - start as i64 } else { start as i64 - stop as i64 };
    if span <= 0 {
        0
    } else {
        ((span + stride.unsigned_abs() as i64 - 1) / stride.unsigned_abs() as i64) as usize
    }
}

/// Lowers a STRIDED_SLICE operator.
pub fn lower(cx: &LowerCx) -> Result<Lowered, CompileError> {
    let Options::StridedSlice { begin_mask, end_mask, ellipsis_mask, new_axis_mask, shrink_axis_mask, offset } =
        cx.op.options
    else {
        return Err(cx.invalid("missing StridedSliceOptions"));
    };
    if offset {
        // TFLM micro builds its StridedSliceParams without the flag (it reads as false)
        // while TFLite honours it: the two interpreters disagree, so refuse the model.
        return Err(cx.unsupported(
            "offset = true: TFLite Micro ignores the flag and TFLite honours it, so the result is ambiguous".to_owned(),
        ));
    }
    if ellipsis_mask != 0 || new_axis_mask != 0 {
        return Err(cx.unsupported(format!(
            "ellipsis_mask {ellipsis_mask} / new_axis_mask {new_axis_mask}: only 0 is supported (as in TFLM)"
        )));
    }
    let input = cx.expect_input_type(0, &[DType::I8, DType::I16, DType::I32, DType::F32, DType::Bool])?;
    let output = cx.output(0)?;
    if output.dtype != input.dtype {
        return Err(cx.unsupported(format!(
            "input '{}' is {} but output '{}' is {}; they must match",
            input.name,
            input.dtype.tflite_name(),
            output.name,
            output.dtype.tflite_name()
        )));
    }
    let rank = input.shape.len();
    if rank == 0 || rank > SLICE_MAX_DIMS {
        return Err(
            cx.unsupported(format!("input '{}' has shape {:?}; supported ranks: 1 to 5", input.name, input.shape))
        );
    }
    let mut vectors = [[0i32; SLICE_MAX_DIMS]; 3];
    for (k, (role, v)) in ["begin", "end", "strides"].iter().zip(vectors.iter_mut()).enumerate() {
        cx.expect_input_type(k + 1, &[DType::I32])?;
        let values = cx.const_i32(k + 1)?;
        if values.len() != rank {
            return Err(cx.invalid(format!(
                "{role} has {} values for the rank-{rank} input '{}'",
                values.len(),
                input.name
            )));
        }
        // StridedSlicePadIndices: leading dimensions are taken whole.
        let lead = SLICE_MAX_DIMS - rank;
        v[..lead].fill(if k == 0 { 0 } else { 1 });
        v[lead..].copy_from_slice(&values);
    }
    let [begin, end, strides] = vectors;
    if let Some(d) = strides.iter().position(|&s| s == 0) {
        return Err(cx.invalid(format!("stride of dimension {} is 0", d as isize - (SLICE_MAX_DIMS - rank) as isize)));
    }
    let lead = (SLICE_MAX_DIMS - rank) as u32;
    let pad_bits = (1 << lead) - 1;
    let spec = Spec {
        begin,
        end,
        strides,
        begin_mask: (begin_mask << lead) | pad_bits,
        end_mask: (end_mask << lead) | pad_bits,
        shrink_mask: shrink_axis_mask << lead,
    };
    let mut dims = [1usize; SLICE_MAX_DIMS];
    dims[lead as usize..].copy_from_slice(&input.shape);
    if dims.iter().any(|&d| d > i32::MAX as usize / 2) {
        return Err(cx.unsupported(format!("input '{}' {:?} is too large", input.name, input.shape)));
    }
    let mut start = [0i32; SLICE_MAX_DIMS];
    let mut stop = [0i32; SLICE_MAX_DIMS];
    let mut expected_shape = Vec::new();
    let mut count = 1usize;
    for k in 0..SLICE_MAX_DIMS {
        start[k] = start_for_axis(&spec, &dims, k);
        stop[k] = end_for_axis(&spec, &dims, k, start[k]);
        let n = steps(start[k], stop[k], strides[k]);
        count *= n;
        if k >= lead as usize && spec.shrink_mask & (1 << k) == 0 {
            expected_shape.push(n);
        }
    }
    if output.shape != expected_shape || output.elements() != count {
        return Err(cx.invalid(format!(
            "output '{}' has shape {:?}, but the slice of input '{}' {:?} has shape {expected_shape:?}",
            output.name, output.shape, input.name, input.shape
        )));
    }
    // Visited indices are in range (start and stop are clamped), so the first element is
    // at `start` unless the output is empty.
    let row = row_strides(&dims);
    let mut params =
        StridedCopyParams { output_dims: [0; SLICE_MAX_DIMS], input_strides: [0; SLICE_MAX_DIMS], offset: 0 };
    for k in 0..SLICE_MAX_DIMS {
        params.output_dims[k] = steps(start[k], stop[k], strides[k]);
        // Only dimensions with several steps move, and those stay inside the input.
        let step = (strides[k] as i64 * row[k] as i64).clamp(-(i32::MAX as i64), i32::MAX as i64);
        params.input_strides[k] = if params.output_dims[k] > 1 { step as i32 } else { 0 };
        if count > 0 {
            params.offset += start[k] as usize * row[k];
        }
    }
    if input.elements() > i32::MAX as usize {
        return Err(cx.unsupported(format!("input '{}' {:?} is too large", input.name, input.shape)));
    }
    StridedCopy::lowered(cx, "STRIDED_SLICE", params, Some(0), None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(begin: i32, end: i32, stride: i32) -> Spec {
        let mut s = Spec {
            begin: [0; 5],
            end: [1; 5],
            strides: [1; 5],
            begin_mask: 0b01111,
            end_mask: 0b01111,
            shrink_mask: 0,
        };
        s.begin[4] = begin;
        s.end[4] = end;
        s.strides[4] = stride;
        s
    }

    #[test]
    fn resolves_like_tflm() {
        let dims = [1, 1, 1, 1, 257];
        // The audio front end's slice: [5, 241) of 257.
        let s = spec(5, 241, 1);
        let (a, b) = (start_for_axis(&s, &dims, 4), end_for_axis(&s, &dims, 4, 5));
        assert_eq!((a, b, steps(a, b, 1)), (5, 241, 236));
        // Negative indices count from the end; a negative stride walks back to -1.
        let s = spec(-1, -300, -2);
        let a = start_for_axis(&s, &dims, 4);
        let b = end_for_axis(&s, &dims, 4, a);
        assert_eq!((a, b, steps(a, b, -2)), (256, -1, 129));
        // Shrink: one element.
        let s = Spec { shrink_mask: 1 << 4, ..spec(-2, 0, 1) };
        let a = start_for_axis(&s, &dims, 4);
        assert_eq!((a, end_for_axis(&s, &dims, 4, a)), (255, 256));
    }
}
