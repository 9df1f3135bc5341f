//! `add` kernels (not implemented yet).
