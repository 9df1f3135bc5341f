//! `cast` kernels (not implemented yet).
