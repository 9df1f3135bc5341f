//! What an `ethos-u` step embeds, read from Vela's output model
//! (`<model>_vela.tflite`): for each `ethos-u` custom operator, the driver payload (`COP1`,
//! its first input), the weights Vela encoded for the NPU (second input, region 0 at run
//! time), and the sizes of the scratch and fast scratch tensors (third and fourth inputs,
//! regions 1 and 2) — Vela's convention for the operator TFLM's Ethos-U kernel runs.
//!
//! The model is read by the compiler (`tinyml_compiler::npu::vela_model`, bounds-checked),
//! which embeds the same payloads in NPU steps. The payload is only checked for its `COP1`
//! mark there; the tests run every payload through the driver's own parser
//! (`tinyml_ethos_u::payload`), so what is embedded is what the driver accepts.

use serde::Serialize;

/// One `ethos-u` operator of Vela's output model.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct EthosUOp {
    /// Its index in Vela's output model.
    pub operator: usize,
    /// The `COP1` driver payload (little-endian words).
    #[serde(skip)]
    pub payload: Vec<u8>,
    /// The NPU-encoded weights (region 0).
    #[serde(skip)]
    pub weights: Vec<u8>,
    /// Payload length, bytes.
    pub payload_bytes: usize,
    /// Weights length, bytes.
    pub weights_bytes: usize,
    /// Scratch bytes (region 1: Vela's tensor arena for this operator).
    pub scratch_bytes: usize,
    /// Fast scratch bytes (region 2).
    pub fast_scratch_bytes: usize,
}

/// The `ethos-u` operators of Vela's output model `bytes`, in model order (read by the
/// compiler, which embeds them in NPU steps: `tinyml_compiler::npu::vela_model`).
pub fn ethos_u_ops(bytes: &[u8]) -> anyhow::Result<Vec<EthosUOp>> {
    let ops = tinyml_compiler::npu::vela_model::ethos_u_ops(bytes)?;
    Ok(ops
        .into_iter()
        .map(|op| EthosUOp {
            operator: op.operator,
            payload_bytes: op.payload.len(),
            weights_bytes: op.weights.len(),
            scratch_bytes: op.scratch_bytes,
            fast_scratch_bytes: op.fast_scratch_bytes,
            payload: op.payload,
            weights: op.weights,
        })
        .collect())
}
