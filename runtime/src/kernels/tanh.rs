//! `tanh` kernels (not implemented yet).
