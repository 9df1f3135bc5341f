//! GATHER of int8 and float32 tensors (the types TFLM `micro/kernels/gather.cc` accepts)
//! by INT32 positions, with `axis` and `batch_dims` as its Prepare resolves and checks
//! them. Constant positions are checked on the host (TFLM fails the invoke on one out of
//! range) and become a table; run-time positions are arena input 1, and one out of range
//! gives a block of zeros where TFLM fails the invoke.

use super::strided_copy::same_type_as_output;
use super::{Kernel, LowerCx, Lowered};
use crate::error::CompileError;
use crate::graph::{DType, Options};
use crate::kernel::OpIo;
use crate::kernel::{Arg, Call, Emitter};
use tinyml_runtime::arena::Element;
use tinyml_runtime::kernels::gather::{gather, GatherParams};

/// A lowered GATHER.
#[derive(Debug)]
pub struct Gather {
    params: GatherParams,
    dtype: DType,
    /// Constant positions, or `None` when they are arena input 1.
    coords: Option<Vec<i32>>,
}

/// GatherPrepare's axis and batch dimensions, sizes and output shape for an input of
/// `dims` and positions of `coords`.
fn resolve(dims: &[usize], coords: &[usize], axis: i32, batch_dims: i32) -> Result<(GatherParams, Vec<usize>), String> {
    let rank = dims.len() as i32;
    let axis_k = if axis < 0 { axis + rank } else { axis };
    if !(0..rank).contains(&axis_k) {
        return Err(format!("axis {axis} is out of range for rank {rank}"));
    }
    let batch_k = if batch_dims < 0 { batch_dims + coords.len() as i32 } else { batch_dims };
    if batch_k > axis_k || batch_k < 0 || batch_k >= rank || batch_k > coords.len() as i32 {
        return Err(format!("batch_dims {batch_dims} does not fit axis {axis} and positions of rank {}", coords.len()));
    }
    let (axis_k, batch_k) = (axis_k as usize, batch_k as usize);
    if dims[..batch_k] != coords[..batch_k] {
        return Err(format!("the {batch_k} batch dimensions of {dims:?} and positions {coords:?} differ"));
    }
    let params = GatherParams {
        batches: dims[..batch_k].iter().product(),
        outer: dims[batch_k..axis_k].iter().product(),
        axis_size: dims[axis_k],
        coords: coords[batch_k..].iter().product(),
        inner: dims[axis_k + 1..].iter().product(),
    };
    let shape = [&dims[..axis_k], &coords[batch_k..], &dims[axis_k + 1..]].concat();
    Ok((params, shape))
}

/// Lowers a GATHER operator.
pub fn lower(cx: &LowerCx) -> Result<Lowered, CompileError> {
    let Options::Gather { axis, batch_dims } = cx.op.options else {
        return Err(cx.invalid("missing GatherOptions"));
    };
    let input = cx.expect_input_type(0, &[DType::I8, DType::F32])?;
    let positions = cx.expect_input_type(1, &[DType::I32])?;
    let output = cx.output(0)?;
    same_type_as_output(cx, input)?;
    let (params, shape) = resolve(&input.shape, &positions.shape, axis, batch_dims).map_err(|e| cx.invalid(e))?;
    if output.shape != shape {
        return Err(
            cx.invalid(format!("output '{}' has shape {:?}; the gather gives {shape:?}", output.name, output.shape))
        );
    }
    if input.is_const() {
        return Err(cx.unsupported(format!("input '{}' is constant (fold the gather into a constant)", input.name)));
    }
    let mut inputs = vec![cx.input_id(0)?];
    let coords = if positions.is_const() {
        let coords = cx.const_i32(1)?;
        if let Some(c) = coords.iter().find(|&&c| c < 0 || c as usize >= params.axis_size) {
            return Err(cx.invalid(format!("position {c} is outside 0..{} (TFLM fails the invoke)", params.axis_size)));
        }
        Some(coords)
    } else {
        inputs.push(cx.input_id(1)?);
        None
    };
    let kernel = Gather { params, dtype: input.dtype, coords };
    Ok(Lowered { kernel: Box::new(kernel), inputs, outputs: vec![cx.output_id(0)?] })
}

impl Gather {
    fn run<T: Element + Default>(&self, io: &mut OpIo<'_>) -> Result<(), tinyml_runtime::Error> {
        let mut v = io.views();
        let input = v.input::<T>(0)?;
        let coords = match &self.coords {
            Some(c) => c.as_slice(),
            None => v.input::<i32>(1)?,
        };
        gather(&self.params, input, coords, v.output::<T>(0)?);
        Ok(())
    }
}

impl Kernel for Gather {
    fn op_name(&self) -> &'static str {
        "GATHER"
    }

    fn const_bytes(&self) -> usize {
        self.coords.as_ref().map_or(0, |c| c.len() * 4)
    }

    fn execute(&self, io: &mut OpIo<'_>) -> Result<(), tinyml_runtime::Error> {
        match self.dtype {
            DType::I8 => self.run::<i8>(io),
            _ => self.run::<f32>(io),
        }
    }

    fn emit(&self, e: &mut Emitter) -> Call {
        e.use_path("tinyml_runtime::kernels::gather::*");
        let params = e.params("PARAMS", "GatherParams", &self.params);
        let coords = match &self.coords {
            Some(c) => e.table("POSITIONS", c),
            None => Arg::Input(1),
        };
        Call::new("gather", vec![params, Arg::Input(0), coords, Arg::Output]).with_types(&[self.dtype])
    }
}

#[cfg(test)]
mod tests {
    use super::resolve;

    #[test]
    fn resolves_like_tflm_prepare() {
        let (p, shape) = resolve(&[3, 7, 2], &[5], 1, 0).unwrap();
        assert_eq!((p.batches, p.outer, p.axis_size, p.coords, p.inner), (1, 3, 7, 5, 2));
        assert_eq!(shape, vec![3, 5, 2]);
        let (p, shape) = resolve(&[2, 4, 3], &[2, 3], -1, -1).unwrap();
        assert_eq!((p.batches, p.outer, p.axis_size, p.coords, p.inner), (2, 4, 3, 3, 1));
        assert_eq!(shape, vec![2, 4, 3]);
        assert!(resolve(&[2, 4], &[3], 2, 0).is_err());
        assert!(resolve(&[2, 4], &[3], 0, 1).is_err());
        assert!(resolve(&[2, 4], &[3, 1], 1, 1).is_err());
    }
}
