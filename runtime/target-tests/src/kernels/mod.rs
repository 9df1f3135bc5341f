//! One module per optimized kernel: draws a case, runs the optimized kernel and the
//! reference on the same data, compares. The kernels' calls live only here, so a
//! signature change touches one small module.

pub mod activation;
pub mod add;
pub mod conv;
pub mod depthwise_conv;
pub mod fully_connected;
pub mod mul;
pub mod pooling;
pub mod simd;
pub mod transpose_conv;
