//! TANH: int8 in and out (output scale 1/128, zero point 0 by the TFLite spec; TFLM's
//! kernel assumes them) or int16 in and out (zero points 0, output scale 1/32768).
//! Prepare logic from TFLM `tanh.cc` (`CalculateArithmeticOpData`), which is LOGISTIC's
//! but for one more power-of-two input scale: see [`super::logistic::sigmoid_params`].

use super::{LowerCx, Lowered};
use crate::error::CompileError;

/// Lowers a TANH operator.
pub fn lower(cx: &LowerCx) -> Result<Lowered, CompileError> {
    super::logistic::sigmoid_params(cx, true)
}
