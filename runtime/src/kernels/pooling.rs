//! `pooling` kernels (not implemented yet).
