//! `quantize` kernels (not implemented yet).
