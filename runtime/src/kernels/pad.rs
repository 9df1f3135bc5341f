//! `pad` kernels (not implemented yet).
