//! What can be wrong with a `.tflite` file. Every variant is a problem with the user's
//! file (not an internal bug) and names the tensor or operator by index and name.

use super::flatbuffer::FbError;

/// A `.tflite` file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// Shorter than the 8-byte header (root offset and file identifier).
    #[error("the file is {len} bytes long, too short to be a TFLite model")]
    TooShort {
        /// File length.
        len: usize,
    },
    /// No `TFL3` identifier and the content does not parse as a model either.
    #[error("not a TFLite model: expected the identifier \"TFL3\" at byte 4, found \"{}\"", found.escape_ascii())]
    NotTflite {
        /// Bytes 4..8 of the file.
        found: [u8; 4],
    },
    /// The flatbuffer structure is broken (truncated file, offset out of range, ...).
    #[error("malformed TFLite file, in {context}: {source}")]
    Malformed {
        /// What was being read (`tensor #3`, `operator #1`).
        context: String,
        /// The low-level problem.
        source: FbError,
    },
    /// The schema version is not 3.
    #[error("TFLite schema version {found} is not supported (only version 3)")]
    UnsupportedVersion {
        /// The version in the file.
        found: u32,
    },
    /// The model has no subgraph.
    #[error("the model has no subgraphs")]
    NoSubgraphs,
    /// An operator's `opcode_index` is past the operator code list.
    #[error("operator #{operator} uses operator code {index}, but the model has {count} operator codes")]
    OpcodeIndex {
        /// Operator index.
        operator: usize,
        /// The bad opcode index.
        index: u32,
        /// Number of operator codes.
        count: usize,
    },
    /// An operator code has a negative builtin code.
    #[error("operator code #{opcode} has the invalid builtin code {code}")]
    BadOpcode {
        /// Index in the operator code list.
        opcode: usize,
        /// The code.
        code: i32,
    },
    /// A CUSTOM operator code without a name.
    #[error("operator code #{opcode} is CUSTOM but has no custom_code name")]
    MissingCustomCode {
        /// Index in the operator code list.
        opcode: usize,
    },
    /// A tensor index out of range (or -1 where an input is not optional).
    #[error("{place} refers to tensor {index}, but the subgraph has {count} tensors")]
    TensorIndex {
        /// Where the index is (`operator #2 (CONV_2D) input 1`, `model output 0`).
        place: String,
        /// The bad index.
        index: i64,
        /// Number of tensors.
        count: usize,
    },
    /// A tensor's buffer index is past the buffer list.
    #[error("tensor #{tensor} '{name}' uses buffer {index}, but the model has {count} buffers")]
    BufferIndex {
        /// Tensor index.
        tensor: usize,
        /// Tensor name.
        name: String,
        /// The bad buffer index.
        index: u32,
        /// Number of buffers.
        count: usize,
    },
    /// Data stored after the flatbuffer (`offset`/`size`) lies past the end of the file.
    #[error("{what} at byte offset {offset} with {size} bytes lies outside the file of {file_len} bytes")]
    OutsideFile {
        /// Which data.
        what: String,
        /// Its offset from the file start.
        offset: u64,
        /// Its size.
        size: u64,
        /// File length.
        file_len: usize,
    },
    /// A tensor type cargo-tinyml does not handle.
    #[error("tensor #{tensor} '{name}' has type {type_name} (code {code}); supported types: {supported}")]
    UnsupportedType {
        /// Tensor index.
        tensor: usize,
        /// Tensor name.
        name: String,
        /// The schema name of the type (`FLOAT16`), or `unknown`.
        type_name: &'static str,
        /// The type code in the file.
        code: i8,
        /// The supported types.
        supported: &'static str,
    },
    /// A negative dimension.
    #[error("tensor #{tensor} '{name}' has shape {shape:?}: dimension {dim} is negative")]
    BadDimension {
        /// Tensor index.
        tensor: usize,
        /// Tensor name.
        name: String,
        /// The shape as stored.
        shape: Vec<i32>,
        /// Which dimension.
        dim: usize,
    },
    /// More dimensions than any kernel handles.
    #[error("tensor #{tensor} '{name}' has {rank} dimensions (at most {max})")]
    TooManyDims {
        /// Tensor index.
        tensor: usize,
        /// Tensor name.
        name: String,
        /// Its rank.
        rank: usize,
        /// The limit.
        max: usize,
    },
    /// A shape too large for any microcontroller (and for the host to hold).
    #[error("tensor #{tensor} '{name}' with shape {shape:?} of {dtype} exceeds {max_elements} elements or {max_bytes} bytes")]
    TensorTooLarge {
        /// Tensor index.
        tensor: usize,
        /// Tensor name.
        name: String,
        /// The shape.
        shape: Vec<i32>,
        /// Element type name.
        dtype: &'static str,
        /// Element limit.
        max_elements: usize,
        /// Byte limit.
        max_bytes: usize,
    },
    /// Constant data whose size does not match the tensor's shape and type.
    #[error(
        "tensor #{tensor} '{name}' with shape {shape:?} of {dtype} needs {expected} bytes, but its buffer has {found}"
    )]
    DataSize {
        /// Tensor index.
        tensor: usize,
        /// Tensor name.
        name: String,
        /// The shape.
        shape: Vec<usize>,
        /// Element type name.
        dtype: &'static str,
        /// Bytes the shape needs.
        expected: usize,
        /// Bytes in the buffer.
        found: usize,
    },
    /// Inconsistent or unsupported quantization parameters.
    #[error("tensor #{tensor} '{name}': {reason}")]
    Quantization {
        /// Tensor index.
        tensor: usize,
        /// Tensor name.
        name: String,
        /// What is wrong.
        reason: String,
    },
    /// A sparse tensor (TFLM has no sparse kernels either).
    #[error("tensor #{tensor} '{name}' is sparse; only dense tensors are supported")]
    SparseTensor {
        /// Tensor index.
        tensor: usize,
        /// Tensor name.
        name: String,
    },
    /// An operator carries the options table of another operator.
    #[error("operator #{operator} ({op}) carries {found} (union type {found_code}), expected {expected}")]
    OptionsMismatch {
        /// Operator index.
        operator: usize,
        /// Operator name.
        op: String,
        /// The table the operator needs.
        expected: &'static str,
        /// The table it has.
        found: &'static str,
        /// Its union type value.
        found_code: u8,
    },
    /// An option value out of its valid range (a zero stride, an unknown padding).
    #[error("operator #{operator} ({op}): option {field} = {value} is invalid: {reason}")]
    BadOption {
        /// Operator index.
        operator: usize,
        /// Operator name.
        op: String,
        /// The option's schema name.
        field: &'static str,
        /// Its value.
        value: i64,
        /// Why it is invalid.
        reason: &'static str,
    },
    /// The file's offsets make the importer read far more than the file holds (the same
    /// data referenced over and over): the file is corrupt or hostile.
    #[error("the file references more data than it could hold (over {limit} bytes once read); it is corrupt")]
    TooMuchData {
        /// The limit that was exceeded.
        limit: usize,
    },
}
