//! The entry point for build scripts: compile a `.tflite` file into a Rust module in
//! `OUT_DIR`, rebuilt whenever the model file changes.
