//! The per-layer report of a compiled program (`cargo tinyml analyze`).
