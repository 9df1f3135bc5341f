//! RESIZE_NEAREST_NEIGHBOR of int8, int16 and float32 NHWC tensors to a constant size, as
//! TFLM `micro/kernels/resize_nearest_neighbor.cc`. The source row and column of every
//! output row and column are computed here with `reference_ops::GetNearestNeighbor`'s
//! float arithmetic and become two tables.

use super::strided_copy::same_type_as_output;
use super::{Kernel, LowerCx, Lowered};
use crate::error::CompileError;
use crate::graph::{DType, Options};
use crate::kernel::OpIo;
use crate::kernel::{Arg, Call, Emitter};
use tinyml_runtime::kernels::resize_nearest::{resize_nearest, ResizeNearestParams};

/// A lowered RESIZE_NEAREST_NEIGHBOR.
#[derive(Debug)]
pub struct ResizeNearest {
    params: ResizeNearestParams,
    dtype: DType,
    rows: Vec<i32>,
    cols: Vec<i32>,
}

/// `GetNearestNeighbor` for every output index: f32 arithmetic as the C++ (an int plus a
/// float is a float), `TfLiteRound` (half away from zero) with `align_corners`, else floor.
fn nearest(input_size: usize, output_size: usize, align_corners: bool, half_pixel_centers: bool) -> Vec<i32> {
    let (input_size, output_size) = (input_size as i32, output_size as i32);
    let scale = if align_corners && output_size > 1 {
        (input_size - 1) as f32 / (output_size - 1) as f32
    } else {
        input_size as f32 / output_size as f32
    };
    let offset = if half_pixel_centers { 0.5f32 } else { 0.0 };
    (0..output_size)
        .map(|i| {
            let x = (i as f32 + offset) * scale;
            let v = if align_corners { x.round() as i32 } else { x.floor() as i32 };
            let v = v.min(input_size - 1);
            if half_pixel_centers {
                v.max(0)
            } else {
                v
            }
        })
        .collect()
}

/// Lowers a RESIZE_NEAREST_NEIGHBOR operator.
pub fn lower(cx: &LowerCx) -> Result<Lowered, CompileError> {
    let Options::ResizeNearestNeighbor { align_corners, half_pixel_centers } = cx.op.options else {
        return Err(cx.invalid("missing ResizeNearestNeighborOptions"));
    };
    let input = cx.expect_input_type(0, &[DType::I8, DType::I16, DType::F32])?;
    cx.expect_input_type(1, &[DType::I32])?;
    let output = cx.output(0)?;
    same_type_as_output(cx, input)?;
    if input.shape.len() != 4 {
        return Err(cx.unsupported(format!("input '{}' has shape {:?}; TFLM needs 4-D NHWC", input.name, input.shape)));
    }
    let size = cx.const_i32(1)?;
    if size.len() != 2 || size.iter().any(|&s| s < 1) {
        return Err(cx.invalid(format!("size {size:?} is not two positive values")));
    }
    let [n, h, w, c] = [input.shape[0], input.shape[1], input.shape[2], input.shape[3]];
    let (oh, ow) = (size[0] as usize, size[1] as usize);
    if output.shape != [n, oh, ow, c] {
        return Err(cx.invalid(format!(
            "output '{}' has shape {:?}; resizing {:?} to {size:?} gives {:?}",
            output.name,
            output.shape,
            input.shape,
            [n, oh, ow, c]
        )));
    }
    if h == 0 || w == 0 {
        return Err(cx.invalid(format!("input '{}' {:?} is empty", input.name, input.shape)));
    }
    let kernel = ResizeNearest {
        params: ResizeNearestParams {
            batches: n,
            input_height: h,
            input_width: w,
            depth: c,
            output_height: oh,
            output_width: ow,
        },
        dtype: input.dtype,
        rows: nearest(h, oh, align_corners, half_pixel_centers),
        cols: nearest(w, ow, align_corners, half_pixel_centers),
    };
    Ok(Lowered { kernel: Box::new(kernel), inputs: vec![cx.input_id(0)?], outputs: vec![cx.output_id(0)?] })
}

impl Kernel for ResizeNearest {
    fn op_name(&self) -> &'static str {
        "RESIZE_NEAREST_NEIGHBOR"
    }

    fn const_bytes(&self) -> usize {
        (self.rows.len() + self.cols.len()) * 4
    }

    fn execute(&self, io: &mut OpIo<'_>) -> Result<(), tinyml_runtime::Error> {
        let (p, r, c) = (&self.params, &self.rows, &self.cols);
        match self.dtype.size() {
            1 => io.run1::<u8, u8>(|i, o| resize_nearest(p, i, r, c, o)),
            2 => io.run1::<u16, u16>(|i, o| resize_nearest(p, i, r, c, o)),
            _ => io.run1::<u32, u32>(|i, o| resize_nearest(p, i, r, c, o)),
        }
    }

    fn emit(&self, e: &mut Emitter) -> Call {
        e.use_path("tinyml_runtime::kernels::resize_nearest::*");
        let params = e.params("PARAMS", "ResizeNearestParams", &self.params);
        let rows = e.table("ROWS", &self.rows);
        let cols = e.table("COLS", &self.cols);
        Call::new("resize_nearest", vec![params, Arg::Input(0), rows, cols, Arg::Output]).with_types(&[self.dtype])
    }
}

#[cfg(test)]
mod tests {
    use super::nearest;

    #[test]
    fn picks_like_get_nearest_neighbor() {
        assert_eq!(nearest(4, 8, false, false), [0, 0, 1, 1, 2, 2, 3, 3]);
        assert_eq!(nearest(3, 5, true, false), [0, 1, 1, 2, 2]);
        assert_eq!(nearest(4, 2, false, true), [1, 3]);
        assert_eq!(nearest(5, 1, true, true), [3]);
    }
}
