//! `conv` kernels (not implemented yet).
