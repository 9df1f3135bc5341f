//! `mul` kernels (not implemented yet).
