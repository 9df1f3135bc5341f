//! EXP, LOG, SQRT and RSQRT: float32 (TFLM `exp.cc`, `elementwise.cc`: its EXP, LOG and
//! SQRT kernels take float32 only) and int8 and int16 RSQRT (`PrepareAbsRsqrt`'s
//! multiplier `1 / (sqrt(input_scale) * output_scale)`; int16 zero points must be 0).

use super::binary;
use super::{Kernel, LowerCx, Lowered};
use crate::error::CompileError;
use crate::graph::quant::quantize_multiplier;
use crate::graph::{opcode, DType, OpCode};
use crate::kernel::{Arg, Call, Emitter, OpIo};
use tinyml_runtime::kernels::elementwise::{exp_f32, log_f32, rsqrt_f32, rsqrt_s16, rsqrt_s8, sqrt_f32, RsqrtParams};

/// A float32 kernel of one of these operators.
type FloatFn = fn(&[f32], &mut [f32]);

/// A lowered unary math operator.
#[derive(Debug)]
pub enum Elementwise {
    /// float32 EXP, LOG, SQRT or RSQRT: its TFLite name and runtime function.
    Float(&'static str, &'static str, FloatFn),
    /// int8 RSQRT.
    RsqrtS8(RsqrtParams),
    /// int16 RSQRT.
    RsqrtS16(RsqrtParams),
}

/// Lowers an EXP, LOG, SQRT or RSQRT operator.
pub fn lower(cx: &LowerCx) -> Result<Lowered, CompileError> {
    let code = match cx.op.opcode {
        OpCode::Builtin(c) => c,
        OpCode::Custom(_) => return Err(cx.invalid("not a builtin operator")),
    };
    let (op, function, run): (_, _, FloatFn) = match code {
        opcode::EXP => ("EXP", "exp_f32", exp_f32),
        opcode::LOG => ("LOG", "log_f32", log_f32),
        opcode::SQRT => ("SQRT", "sqrt_f32", sqrt_f32),
        _ => ("RSQRT", "rsqrt_f32", rsqrt_f32),
    };
    let supported: &[DType] = if op == "RSQRT" { &[DType::F32, DType::I8, DType::I16] } else { &[DType::F32] };
    let input = cx.expect_input_type(0, supported)?;
    let output = cx.output(0)?;
    if output.dtype != input.dtype {
        return Err(cx.unsupported(format!(
            "{op} from {} to {} (input and output must have one type)",
            input.dtype.tflite_name(),
            output.dtype.tflite_name()
        )));
    }
    if input.elements() != output.elements() {
        return Err(cx.invalid(format!(
            "input '{}' {:?} and output '{}' {:?} differ in size",
            input.name, input.shape, output.name, output.shape
        )));
    }
    let kernel = if input.dtype == DType::F32 {
        Elementwise::Float(op, function, run)
    } else {
        let (in_scale, in_zp) = binary::quant(cx, input, "input")?;
        let (out_scale, out_zp) = binary::quant(cx, output, "output")?;
        if input.dtype == DType::I16 && (in_zp, out_zp) != (0, 0) {
            return Err(
                cx.unsupported(format!("int16 RSQRT with zero points {in_zp} -> {out_zp}; TFLM requires both to be 0"))
            );
        }
        let (multiplier, shift) = quantize_multiplier(1.0 / ((in_scale as f64).sqrt() * out_scale as f64));
        let params = RsqrtParams { input_zero_point: in_zp, output_zero_point: out_zp, multiplier, shift };
        if input.dtype == DType::I8 {
            Elementwise::RsqrtS8(params)
        } else {
            Elementwise::RsqrtS16(params)
        }
    };
    Ok(Lowered { kernel: Box::new(kernel), inputs: vec![cx.input_id(0)?], outputs: vec![cx.output_id(0)?] })
}

impl Kernel for Elementwise {
    fn op_name(&self) -> &'static str {
        match self {
            Elementwise::Float(op, ..) => op,
            Elementwise::RsqrtS8(_) | Elementwise::RsqrtS16(_) => "RSQRT",
        }
    }

    fn execute(&self, io: &mut OpIo<'_>) -> Result<(), tinyml_runtime::Error> {
        match self {
            Elementwise::Float(_, _, run) => io.run1(run),
            Elementwise::RsqrtS8(p) => io.run1(|i, o| rsqrt_s8(p, i, o)),
            Elementwise::RsqrtS16(p) => io.run1(|i, o| rsqrt_s16(p, i, o)),
        }
    }

    fn emit(&self, e: &mut Emitter) -> Call {
        e.use_path("tinyml_runtime::kernels::elementwise::*");
        match self {
            Elementwise::Float(_, function, _) => Call::new(*function, vec![Arg::Input(0), Arg::Output]),
            Elementwise::RsqrtS8(p) | Elementwise::RsqrtS16(p) => {
                let f = if matches!(self, Elementwise::RsqrtS8(_)) { "rsqrt_s8" } else { "rsqrt_s16" };
                let p = e.params("PARAMS", "RsqrtParams", p);
                Call::new(f, vec![p, Arg::Input(0), Arg::Output])
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::graph::{opcode, Activation, DType, Options};
    use crate::ops::testing::{lower_io as lower, tensor_data as tensor};

    #[test]
    fn lowers_the_types_tflm_takes_and_refuses_the_others_by_name() {
        let f32_io = || (tensor("in", DType::F32, &[2, 3], None, None), tensor("out", DType::F32, &[2, 3], None, None));
        let q = |dtype, zp| tensor("t", dtype, &[2, 3], Some((0.05, zp)), None);
        for code in [opcode::EXP, opcode::LOG, opcode::SQRT, opcode::RSQRT] {
            let (i, o) = f32_io();
            lower(code, vec![i], o, Options::None).expect("float32");
        }
        lower(opcode::RSQRT, vec![q(DType::I8, -3)], q(DType::I8, -128), Options::None).expect("int8 RSQRT");
        lower(opcode::RSQRT, vec![q(DType::I16, 0)], q(DType::I16, 0), Options::None).expect("int16 RSQRT");
        // TFLM's EXP, LOG and SQRT are float32 only.
        for code in [opcode::EXP, opcode::LOG, opcode::SQRT] {
            let e = lower(code, vec![q(DType::I8, 0)], q(DType::I8, 0), Options::None).unwrap_err().to_string();
            assert!(e.contains("has type INT8; supported: FLOAT32"), "{e}");
        }
        let e = lower(opcode::RSQRT, vec![q(DType::I16, 2)], q(DType::I16, 0), Options::None).unwrap_err().to_string();
        assert!(e.contains("TFLM requires both to be 0"), "{e}");
        // L2_NORMALIZATION: no fused activation, at most 4 dimensions.
        let act = Options::Elementwise { activation: Activation::Relu };
        let e = lower(opcode::L2_NORMALIZATION, vec![q(DType::I8, 0)], q(DType::I8, 0), act).unwrap_err().to_string();
        assert!(e.contains("fused activation Relu"), "{e}");
        let five = |name| tensor(name, DType::F32, &[1, 1, 2, 2, 3], None, None);
        let e = lower(opcode::L2_NORMALIZATION, vec![five("in")], five("out"), Options::None).unwrap_err().to_string();
        assert!(e.contains("of 5 dimensions (at most 4)"), "{e}");
        // LOG_SOFTMAX: TFLM fixes the int8 output at 16/256 and 127.
        let out = tensor("out", DType::I8, &[2, 3], Some((16.0 / 256.0, 127)), None);
        lower(opcode::LOG_SOFTMAX, vec![q(DType::I8, 5)], out, Options::None).expect("int8 LOG_SOFTMAX");
        let e = lower(opcode::LOG_SOFTMAX, vec![q(DType::I8, 5)], q(DType::I8, -128), Options::None)
            .unwrap_err()
            .to_string();
        assert!(e.contains("LOG_SOFTMAX requires 16/256 and 127"), "{e}");
    }
}
