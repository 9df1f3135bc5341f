//! The runtime's error type: small and `Copy`, since every structural check happens in
//! the model compiler and only data-dependent conditions can fail on the device.

/// A failure at inference time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Error {
    /// A tensor view did not fit the arena or was misaligned for its element type. The
    /// generated code was built for a different arena: an internal bug, not user input.
    ArenaView {
        /// Byte offset of the view.
        offset: usize,
        /// Length of the view in bytes.
        len: usize,
    },
    /// The caller passed an input or output buffer of the wrong length.
    BufferLength {
        /// Bytes expected.
        expected: usize,
        /// Bytes given.
        actual: usize,
    },
    /// An NPU step failed: the driver's error, as a code the driver documents
    /// ([`crate::npu::Npu::invoke`]).
    Npu {
        /// The driver's error code.
        code: u32,
    },
}

impl core::fmt::Display for Error {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Error::ArenaView { offset, len } => {
                write!(f, "internal error: arena view at offset {offset} of {len} bytes is out of range or misaligned")
            }
            Error::BufferLength { expected, actual } => {
                write!(f, "buffer has {actual} bytes, expected {expected}")
            }
            Error::Npu { code } => write!(f, "the NPU step failed (driver error code {code})"),
        }
    }
}
