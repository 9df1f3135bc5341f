//! What every table reader of the importer shares: the allocation [`Budget`] and the
//! helpers that attach context to flatbuffer errors.

use super::error::ImportError;
use super::flatbuffer::FbResult;

/// Counts the heap bytes the importer materializes (structs, decoded vectors, copied
/// constants), so that a small file whose offsets all point at the same big vector
/// cannot make the importer allocate or loop far beyond the file's size.
pub(crate) struct Budget {
    left: usize,
    limit: usize,
}

impl Budget {
    /// A real model materializes a few bytes per byte of file (weights one to one,
    /// tensor and operator structs a few times their tables); sixteen times the file
    /// size plus 64 KiB leaves room for shared buffers.
    pub(crate) fn for_file(len: usize) -> Self {
        let limit = len.saturating_mul(16).saturating_add(1 << 16);
        Budget { left: limit, limit }
    }

    /// Charges `n` values of type `T`, before they are allocated.
    pub(crate) fn spend<T>(&mut self, n: usize) -> Result<(), ImportError> {
        let bytes = n.saturating_mul(std::mem::size_of::<T>().max(1));
        self.left = self.left.checked_sub(bytes).ok_or(ImportError::TooMuchData { limit: self.limit })?;
        Ok(())
    }
}

/// Attaches a context to a flatbuffer error.
pub(crate) fn at<T>(r: FbResult<T>, context: impl FnOnce() -> String) -> Result<T, ImportError> {
    r.map_err(|source| ImportError::Malformed { context: context(), source })
}

/// A string field as text, invalid UTF-8 replaced.
pub(crate) fn lossy(bytes: Option<&[u8]>) -> String {
    bytes.map(|b| String::from_utf8_lossy(b).into_owned()).unwrap_or_default()
}
