//! `logistic` kernels (not implemented yet).
