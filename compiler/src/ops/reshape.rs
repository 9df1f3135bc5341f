//! RESHAPE, SQUEEZE and EXPAND_DIMS: the same bytes under a new shape. No code runs; the
//! planner gives the output the input's bytes ([`Kernel::is_reinterpretation`]).
//!
//! TFLM (`micro/kernels/reshape_common.cc`) takes the new shape from the shape input or
//! the options, resolves one `-1`, and requires the element count to be unchanged; the
//! output tensor's shape in the file must be that shape. EXPAND_DIMS
//! (`micro/kernels/expand_dims.cc`) inserts a 1 at a constant axis of int8, int16 or
//! float32 tensors (the types its Eval copies).

use super::{Kernel, LowerCx, Lowered};
use crate::error::CompileError;
use crate::graph::{opcode, DType, OpCode, Options};
use crate::kernel::OpIo;
use crate::kernel::{Call, Emitter};

/// A lowered RESHAPE, SQUEEZE or EXPAND_DIMS.
#[derive(Debug)]
pub struct Reshape {
    op: &'static str,
}

/// Resolves a requested shape with at most one `-1` against `elements`.
fn resolve(shape: &[i32], elements: usize) -> Result<Vec<usize>, String> {
    let mut known = 1usize;
    let mut wildcard = None;
    for (k, &d) in shape.iter().enumerate() {
        match d {
            -1 if wildcard.is_none() => wildcard = Some(k),
            -1 => return Err(format!("shape {shape:?} has more than one -1")),
            d if d < 0 => return Err(format!("shape {shape:?} has a negative dimension")),
            d => known = known.checked_mul(d as usize).ok_or_else(|| format!("shape {shape:?} overflows"))?,
        }
    }
    let mut out: Vec<usize> = shape.iter().map(|&d| d.max(0) as usize).collect();
    if let Some(k) = wildcard {
        if known == 0 || !elements.is_multiple_of(known) {
            return Err(format!("shape {shape:?} cannot hold {elements} elements"));
        }
        out[k] = elements / known;
    }
    Ok(out)
}

/// The input and output of a reinterpretation: same type and element count, input not
/// constant.
fn same_bytes(cx: &LowerCx) -> Result<(), CompileError> {
    let input = cx.input(0)?;
    let output = cx.output(0)?;
    if input.dtype != output.dtype {
        return Err(cx.invalid(format!(
            "input '{}' is {} but output '{}' is {}",
            input.name,
            input.dtype.tflite_name(),
            output.name,
            output.dtype.tflite_name()
        )));
    }
    if input.elements() != output.elements() {
        return Err(cx.invalid(format!(
            "input '{}' {:?} has {} elements but output '{}' {:?} has {}",
            input.name,
            input.shape,
            input.elements(),
            output.name,
            output.shape,
            output.elements()
        )));
    }
    // Like TFLM, a reshape copies bytes whatever the quantization says.
    if input.is_const() {
        return Err(cx.unsupported(format!("input '{}' is constant; reshaping constants is not supported", input.name)));
    }
    Ok(())
}

/// Lowers a RESHAPE or SQUEEZE operator.
pub fn lower(cx: &LowerCx) -> Result<Lowered, CompileError> {
    let squeeze = cx.op.opcode == OpCode::Builtin(opcode::SQUEEZE);
    same_bytes(cx)?;
    let input = cx.input(0)?;
    // The requested shape: a constant shape input (RESHAPE input 1), else the options.
    if !squeeze {
        let requested = match (cx.optional_input(1), &cx.op.options) {
            (Some(t), _) if t.is_const() && t.shape.len() == 1 => Some(cx.const_i32(1)?),
            (_, Options::Reshape { new_shape: Some(s) }) => Some(s.clone()),
            _ => None,
        };
        if let Some(shape) = requested {
            let resolved = resolve(&shape, input.elements()).map_err(|e| cx.invalid(e))?;
            if resolved.iter().product::<usize>() != input.elements() {
                return Err(cx.invalid(format!(
                    "new shape {shape:?} does not hold the {} elements of input '{}' {:?}",
                    input.elements(),
                    input.name,
                    input.shape
                )));
            }
        }
    }
    let op = if squeeze { "SQUEEZE" } else { "RESHAPE" };
    Ok(Lowered { kernel: Box::new(Reshape { op }), inputs: vec![cx.input_id(0)?], outputs: vec![cx.output_id(0)?] })
}

/// Lowers an EXPAND_DIMS operator (TFLM's `VerifyTensorDim`).
pub fn lower_expand_dims(cx: &LowerCx) -> Result<Lowered, CompileError> {
    let input = cx.expect_input_type(0, &[DType::I8, DType::I16, DType::F32])?;
    same_bytes(cx)?;
    let axis_t = cx.expect_input_type(1, &[DType::I32])?;
    let axis = cx.const_i32(1)?;
    if axis_t.shape.len() > 1 || axis.is_empty() {
        return Err(cx.invalid(format!("axis '{}' has shape {:?}; expected one value", axis_t.name, axis_t.shape)));
    }
    let rank = input.shape.len() as i32;
    let k = if axis[0] < 0 { rank + 1 + axis[0] } else { axis[0] };
    if k < 0 || k > rank {
        return Err(
            cx.invalid(format!("axis {} is out of range for input '{}' {:?}", axis[0], input.name, input.shape))
        );
    }
    let mut shape = input.shape.clone();
    shape.insert(k as usize, 1);
    let output = cx.output(0)?;
    if output.shape != shape {
        return Err(cx.invalid(format!(
            "output '{}' has shape {:?}, but expanding input '{}' {:?} at axis {} gives {shape:?}",
            output.name, output.shape, input.name, input.shape, axis[0]
        )));
    }
    Ok(Lowered {
        kernel: Box::new(Reshape { op: "EXPAND_DIMS" }),
        inputs: vec![cx.input_id(0)?],
        outputs: vec![cx.output_id(0)?],
    })
}

impl Kernel for Reshape {
    fn op_name(&self) -> &'static str {
        self.op
    }

    fn is_reinterpretation(&self) -> bool {
        true
    }

    fn execute(&self, _io: &mut OpIo<'_>) -> Result<(), tinyml_runtime::Error> {
        Ok(())
    }

    fn emit(&self, _e: &mut Emitter) -> Call {
        // Never called: codegen emits no code for a reinterpretation.
        Call::new("", Vec::new())
    }
}

#[cfg(test)]
mod tests {
    use super::resolve;

    #[test]
    fn resolves_one_wildcard() {
        assert_eq!(resolve(&[-1, 49, 40, 1], 1960), Ok(vec![1, 49, 40, 1]));
        assert_eq!(resolve(&[1, 64], 64), Ok(vec![1, 64]));
        assert!(resolve(&[-1, -1], 4).is_err());
        assert!(resolve(&[-1, 3], 4).is_err());
        assert!(resolve(&[-1, 0], 4).is_err());
    }
}
