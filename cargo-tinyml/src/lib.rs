//! cargo-tinyml library
