//! `strided_slice` kernels (not implemented yet).
