//! Code generation from a compiled [`crate::Program`]: Rust for `tinyml-runtime`
//! ([`rust`]).

pub mod c;
pub mod rust;
