//! `depthwise_conv` kernels (not implemented yet).
