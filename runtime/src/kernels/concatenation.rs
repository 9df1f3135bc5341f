//! `concatenation` kernels (not implemented yet).
