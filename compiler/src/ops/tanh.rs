//! TANH: int8 in and out (output scale 1/128, zero point 0 by the TFLite spec; TFLM's
//! kernel assumes them). Prepare logic from TFLM `tanh.cc` (`CalculateArithmeticOpData`),
//! which for int8 is LOGISTIC's: see [`super::logistic::sigmoid_params`].

use super::{LowerCx, Lowered};
use crate::error::CompileError;

/// Lowers a TANH operator.
pub fn lower(cx: &LowerCx) -> Result<Lowered, CompileError> {
    super::logistic::sigmoid_params(cx, true)
}
