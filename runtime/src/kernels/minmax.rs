//! `minmax` kernels (not implemented yet).
