//! `dequantize` kernels (not implemented yet).
