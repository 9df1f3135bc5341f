//! Lowering of the `minmax` operator family (not implemented yet).

use super::{LowerCx, Lowered};
use crate::error::CompileError;

/// Lowers the operator.
pub fn lower(cx: &LowerCx) -> Result<Lowered, CompileError> {
    Err(cx.unsupported("not implemented yet"))
}
