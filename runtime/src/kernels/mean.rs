//! `mean` kernels (not implemented yet).
