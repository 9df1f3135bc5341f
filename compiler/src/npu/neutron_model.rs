//! The operators of a model converted by NXP's `neutron-converter` for an eIQ Neutron
//! NPU: each run of operators the NPU takes becomes one custom operator whose
//! `custom_code` is `NeutronGraph`, and the rest stay builtin operators that TFLM runs on
//! the CPU. The name is the one NXP's TFLM kernel registers
//! (`GetString_NEUTRON_GRAPH()` in nxp-mcuxpresso/mcuxsdk-middleware-tensorflow,
//! `tensorflow/lite/micro/kernels/neutron/neutron.cpp`).
//!
//! Only the placement is read here (which operator is which); the microcode and weights
//! the `NeutronGraph` operator carries are NXP's format and stay opaque.

use super::output_model::OutputModel;
use crate::error::CompileError;
use crate::graph::opcode;
use crate::tflite::schema::{operator as op, operator_code as opcode_slot};

/// The `custom_code` of the operator that runs on the Neutron NPU.
pub const NEUTRON_GRAPH: &str = "NeutronGraph";

/// One operator of the converted model (subgraph 0), in model order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConvertedOp {
    /// Its index in the converted model.
    pub index: usize,
    /// The builtin operator's schema name (`FULLY_CONNECTED`), or the custom code.
    pub name: String,
    /// Whether it is a `NeutronGraph` operator (runs on the NPU).
    pub on_npu: bool,
    /// Its input tensor count (a `NeutronGraph` carries its NPU program as inputs).
    pub inputs: usize,
}

/// The operators of the converted model `bytes`, subgraph 0, in model order.
pub fn operators(bytes: &[u8]) -> Result<Vec<ConvertedOp>, CompileError> {
    let m = OutputModel::open(bytes, "neutron-converter's output model")?;
    let mut out = Vec::with_capacity(m.operator_count());
    for k in 0..m.operator_count() {
        let (o, code) = m.operator(k)?;
        // As the importer reads it: the int8 field below 127, the int32 one above.
        let deprecated = m.fb(code.scalar::<i8>(opcode_slot::DEPRECATED_BUILTIN_CODE, 0), "builtin code")?;
        let extended = m.fb(code.scalar::<i32>(opcode_slot::BUILTIN_CODE, 0), "builtin code")?;
        let builtin = i32::from(deprecated).max(extended);
        let name = if builtin == opcode::CUSTOM {
            let custom =
                m.custom_code(&code)?.ok_or_else(|| m.bad(format!("operator #{k}: CUSTOM without a custom code")))?;
            String::from_utf8_lossy(custom).into_owned()
        } else {
            opcode::name(builtin).map_or_else(|| format!("BUILTIN_{builtin}"), str::to_owned)
        };
        let inputs = m.fb(o.scalars::<i32>(op::INPUTS), "operator inputs")?.len();
        out.push(ConvertedOp { index: k, on_npu: builtin == opcode::CUSTOM && name == NEUTRON_GRAPH, name, inputs });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_what_is_not_a_tflite() {
        assert!(operators(b"not a model at all").is_err());
        assert!(operators(&[]).is_err());
    }
}
