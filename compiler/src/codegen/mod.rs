//! Code generation from a compiled [`crate::Program`]: Rust for `tinyml-runtime`
//! ([`rust`]) and portable C ([`c`]), both rendering the structured calls of the step loop
//! in [`layers`].

pub mod c;
pub mod layers;
pub mod rust;
