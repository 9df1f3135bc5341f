//! `softmax` kernels (not implemented yet).
