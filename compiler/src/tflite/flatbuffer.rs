//! A small, bounds-checked reader for the FlatBuffers binary format, enough to read a
//! TFLite model without generated code or `unsafe`.
//!
//! Format facts (FlatBuffers "internals" documentation): all scalars are little endian;
//! the buffer starts with a `u32` offset to the root table; a table starts with an `i32`
//! that is subtracted from the table's position to find its vtable; a vtable is a list
//! of `u16`: its own size in bytes, the table's inline size, then one offset per field
//! (relative to the table start, 0 = field absent, read its default). Reference fields
//! (tables, vectors, strings) hold a `u32` offset relative to the field's own position.
//! A vector is a `u32` element count followed by the elements; a vector of tables holds
//! one `u32` offset per element, relative to that element.
//!
//! Every position, offset and length is checked against the buffer before use, and
//! element counts are checked against the bytes that remain before anything is
//! allocated. Offsets to tables, vectors and strings only point forwards and the TFLite
//! schema is read to a fixed depth, so no input can make the reader loop.

/// Why a flatbuffer read failed. `at` is the byte position that was being read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FbError {
    /// A read would go past the end of the buffer.
    #[error("{what} at byte {at} needs {need} bytes, but the file ends at byte {file_len}")]
    OutOfBounds {
        /// What was being read.
        what: &'static str,
        /// Where.
        at: usize,
        /// How many bytes it needs.
        need: usize,
        /// The buffer length.
        file_len: usize,
    },
    /// An offset points before the start or past the end of the buffer.
    #[error("{what} at byte {at} points to byte {target}, outside the file of {file_len} bytes")]
    BadOffset {
        /// What kind of offset.
        what: &'static str,
        /// Where the offset is.
        at: usize,
        /// Where it points (may be negative).
        target: i64,
        /// The buffer length.
        file_len: usize,
    },
    /// A vtable is inconsistent.
    #[error("the vtable at byte {at} is invalid: {reason}")]
    BadVtable {
        /// Where the vtable is.
        at: usize,
        /// What is wrong.
        reason: &'static str,
    },
    /// A field lies outside its table's inline data.
    #[error("field {slot} of the table at byte {table} lies outside the table's {inline_len} bytes")]
    FieldOutsideTable {
        /// The field's slot number.
        slot: u16,
        /// Where the table is.
        table: usize,
        /// The table's inline size from its vtable.
        inline_len: usize,
    },
    /// A vector claims more elements than the bytes left in the buffer can hold.
    #[error(
        "the vector at byte {at} claims {len} elements of {elem_size} bytes, more than the {remaining} bytes left"
    )]
    VectorTooLong {
        /// Where the vector is.
        at: usize,
        /// Its claimed element count.
        len: usize,
        /// Bytes per element.
        elem_size: usize,
        /// Bytes between its first element and the end of the buffer.
        remaining: usize,
    },
}

/// Result of a flatbuffer read.
pub type FbResult<T> = Result<T, FbError>;

/// Reads `N` bytes at `at`.
fn read_array<const N: usize>(buf: &[u8], at: usize, what: &'static str) -> FbResult<[u8; N]> {
    at.checked_add(N).and_then(|end| buf.get(at..end)).and_then(|s| s.try_into().ok()).ok_or(FbError::OutOfBounds {
        what,
        at,
        need: N,
        file_len: buf.len(),
    })
}

fn read_u16(buf: &[u8], at: usize, what: &'static str) -> FbResult<u16> {
    read_array(buf, at, what).map(u16::from_le_bytes)
}

fn read_u32(buf: &[u8], at: usize, what: &'static str) -> FbResult<u32> {
    read_array(buf, at, what).map(u32::from_le_bytes)
}

fn read_i32(buf: &[u8], at: usize, what: &'static str) -> FbResult<i32> {
    read_array(buf, at, what).map(i32::from_le_bytes)
}

/// Follows the `u32` offset stored at `at` (relative to `at`).
fn follow(buf: &[u8], at: usize, what: &'static str) -> FbResult<usize> {
    let off = read_u32(buf, at, what)?;
    let target = at as u64 + u64::from(off);
    if target >= buf.len() as u64 {
        return Err(FbError::BadOffset { what, at, target: target as i64, file_len: buf.len() });
    }
    Ok(target as usize)
}

/// A scalar type that can sit in a table field or a vector.
pub trait Scalar: Copy {
    /// Size in bytes.
    const SIZE: usize;
    /// Decodes from exactly `SIZE` little-endian bytes.
    fn from_le(bytes: &[u8]) -> Self;
}

macro_rules! scalar {
    ($($t:ty),*) => {$(
        impl Scalar for $t {
            const SIZE: usize = std::mem::size_of::<$t>();
            fn from_le(bytes: &[u8]) -> Self {
                let mut a = [0u8; std::mem::size_of::<$t>()];
                a.copy_from_slice(bytes);
                <$t>::from_le_bytes(a)
            }
        }
    )*};
}
scalar!(u8, i8, u16, i16, u32, i32, u64, i64, f32);

impl Scalar for bool {
    const SIZE: usize = 1;
    fn from_le(bytes: &[u8]) -> Self {
        bytes.first().is_some_and(|&b| b != 0)
    }
}

/// The root table of a flatbuffer.
pub fn root(buf: &[u8]) -> FbResult<Table<'_>> {
    let pos = follow(buf, 0, "root table offset")?;
    Table::at(buf, pos)
}

/// A table: a position in the buffer and its checked vtable.
#[derive(Clone, Copy, Debug)]
pub struct Table<'a> {
    buf: &'a [u8],
    pos: usize,
    vtable: usize,
    vtable_len: usize,
    inline_len: usize,
}

impl<'a> Table<'a> {
    /// Reads the table at `pos`, checking its vtable.
    pub fn at(buf: &'a [u8], pos: usize) -> FbResult<Self> {
        let soff = read_i32(buf, pos, "table vtable offset")?;
        let vt = pos as i64 - i64::from(soff);
        if vt < 0 || vt >= buf.len() as i64 {
            return Err(FbError::BadOffset { what: "table vtable offset", at: pos, target: vt, file_len: buf.len() });
        }
        let vtable = vt as usize;
        let vtable_len = usize::from(read_u16(buf, vtable, "vtable size")?);
        let inline_len = usize::from(read_u16(buf, vtable + 2, "table inline size")?);
        if vtable_len < 4 || !vtable_len.is_multiple_of(2) {
            return Err(FbError::BadVtable {
                at: vtable,
                reason: "its size is not an even number of at least 4 bytes",
            });
        }
        if vtable + vtable_len > buf.len() {
            return Err(FbError::OutOfBounds { what: "vtable", at: vtable, need: vtable_len, file_len: buf.len() });
        }
        if inline_len < 4 {
            return Err(FbError::BadVtable {
                at: vtable,
                reason: "the table's inline size is smaller than its vtable offset",
            });
        }
        if pos + inline_len > buf.len() {
            return Err(FbError::OutOfBounds { what: "table", at: pos, need: inline_len, file_len: buf.len() });
        }
        Ok(Table { buf, pos, vtable, vtable_len, inline_len })
    }

    /// Byte position of the table.
    pub fn pos(&self) -> usize {
        self.pos
    }

    /// The absolute position of field `slot` of `size` bytes, if present.
    fn field(&self, slot: u16, size: usize) -> FbResult<Option<usize>> {
        let entry = 4 + 2 * usize::from(slot);
        if entry + 2 > self.vtable_len {
            return Ok(None); // Written by an older schema: the field takes its default.
        }
        let off = usize::from(read_u16(self.buf, self.vtable + entry, "vtable entry")?);
        if off == 0 {
            return Ok(None);
        }
        if off < 4 || off + size > self.inline_len {
            return Err(FbError::FieldOutsideTable { slot, table: self.pos, inline_len: self.inline_len });
        }
        Ok(Some(self.pos + off))
    }

    /// A scalar field, or `default` when absent.
    pub fn scalar<T: Scalar>(&self, slot: u16, default: T) -> FbResult<T> {
        match self.field(slot, T::SIZE)? {
            // `Table::at` checked `pos + inline_len <= len` and `field` checked the
            // field lies inside the inline data, so this slice is in bounds; `get`
            // keeps it panic-free regardless.
            Some(at) => self.buf.get(at..at + T::SIZE).map(T::from_le).ok_or(FbError::OutOfBounds {
                what: "field",
                at,
                need: T::SIZE,
                file_len: self.buf.len(),
            }),
            None => Ok(default),
        }
    }

    /// Position of the object a reference field points to, if present.
    fn reference(&self, slot: u16, what: &'static str) -> FbResult<Option<usize>> {
        match self.field(slot, 4)? {
            Some(at) => follow(self.buf, at, what).map(Some),
            None => Ok(None),
        }
    }

    /// A sub-table field.
    pub fn table(&self, slot: u16) -> FbResult<Option<Table<'a>>> {
        match self.reference(slot, "table offset")? {
            Some(pos) => Table::at(self.buf, pos).map(Some),
            None => Ok(None),
        }
    }

    /// A vector field with elements of `elem_size` bytes (4 for vectors of tables).
    pub fn vector(&self, slot: u16, elem_size: usize) -> FbResult<Option<Vector<'a>>> {
        match self.reference(slot, "vector offset")? {
            Some(pos) => Vector::at(self.buf, pos, elem_size).map(Some),
            None => Ok(None),
        }
    }

    /// A vector of scalars, decoded; absent reads as empty. The caller has bounded the
    /// count: `Vector::at` checked it against the bytes left in the buffer.
    pub fn scalars<T: Scalar>(&self, slot: u16) -> FbResult<Vec<T>> {
        match self.vector(slot, T::SIZE)? {
            Some(v) => Ok(v.scalars()),
            None => Ok(Vec::new()),
        }
    }

    /// A string field as raw bytes (not checked for UTF-8).
    pub fn string(&self, slot: u16) -> FbResult<Option<&'a [u8]>> {
        Ok(self.vector(slot, 1)?.map(|v| v.bytes()))
    }
}

/// A vector: element count and position of the first element, checked to fit.
#[derive(Clone, Copy, Debug)]
pub struct Vector<'a> {
    buf: &'a [u8],
    start: usize,
    len: usize,
    elem_size: usize,
}

impl<'a> Vector<'a> {
    /// Reads the vector header at `pos` and checks that all elements lie in the buffer.
    pub fn at(buf: &'a [u8], pos: usize, elem_size: usize) -> FbResult<Self> {
        let len = read_u32(buf, pos, "vector length")? as usize;
        let start = pos + 4;
        let remaining = buf.len().saturating_sub(start);
        match len.checked_mul(elem_size) {
            Some(bytes) if bytes <= remaining => Ok(Vector { buf, start, len, elem_size }),
            _ => Err(FbError::VectorTooLong { at: pos, len, elem_size, remaining }),
        }
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the vector is empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Byte position of the first element.
    pub fn start(&self) -> usize {
        self.start
    }

    /// The elements as raw bytes (in bounds: checked in [`Vector::at`]).
    pub fn bytes(&self) -> &'a [u8] {
        self.buf.get(self.start..self.start + self.len * self.elem_size).unwrap_or(&[])
    }

    /// The elements decoded as scalars of type `T` (`T::SIZE` must equal the element size).
    pub fn scalars<T: Scalar>(&self) -> Vec<T> {
        debug_assert_eq!(T::SIZE, self.elem_size);
        self.bytes().chunks_exact(T::SIZE).map(T::from_le).collect()
    }

    /// Element `i` of a vector of tables.
    pub fn table(&self, i: usize) -> FbResult<Table<'a>> {
        if i >= self.len {
            return Err(FbError::OutOfBounds {
                what: "vector element",
                at: self.start,
                need: (i + 1) * 4,
                file_len: self.buf.len(),
            });
        }
        let at = self.start + i * self.elem_size;
        let pos = follow(self.buf, at, "vector element offset")?;
        Table::at(self.buf, pos)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A hand-built buffer: root offset, then vtable, then a table with one i32 field
    /// (slot 0, value 7) and one vector field (slot 1) holding [1, 2].
    fn sample() -> Vec<u8> {
        let mut b = Vec::new();
        b.extend(12u32.to_le_bytes()); // 0: root -> table at 12
        b.extend(8u16.to_le_bytes()); // 4: vtable size 8 (two fields)
        b.extend(12u16.to_le_bytes()); // 6: table inline size
        b.extend(4u16.to_le_bytes()); // 8: slot 0 at +4
        b.extend(8u16.to_le_bytes()); // 10: slot 1 at +8
        b.extend(8i32.to_le_bytes()); // 12: table: vtable at 12 - 8 = 4
        b.extend(7i32.to_le_bytes()); // 16: slot 0 = 7
        b.extend(4u32.to_le_bytes()); // 20: slot 1 -> vector at 24
        b.extend(2u32.to_le_bytes()); // 24: vector length 2
        b.extend(1i32.to_le_bytes());
        b.extend(2i32.to_le_bytes());
        b
    }

    #[test]
    fn reads_fields_and_defaults() {
        let b = sample();
        let t = root(&b).unwrap();
        assert_eq!(t.scalar::<i32>(0, 0).unwrap(), 7);
        assert_eq!(t.scalars::<i32>(1).unwrap(), vec![1, 2]);
        assert_eq!(t.scalar::<i32>(5, 42).unwrap(), 42, "a slot past the vtable reads its default");
    }

    #[test]
    fn vector_longer_than_file_is_rejected_before_allocating() {
        let mut b = sample();
        b[24..28].copy_from_slice(&u32::MAX.to_le_bytes());
        let t = root(&b).unwrap();
        assert!(matches!(t.scalars::<i32>(1), Err(FbError::VectorTooLong { .. })));
    }

    #[test]
    fn vtable_outside_file_is_rejected() {
        let mut b = sample();
        b[12..16].copy_from_slice(&1000i32.to_le_bytes());
        assert!(matches!(root(&b), Err(FbError::BadOffset { .. })));
        b[12..16].copy_from_slice(&(-1000i32).to_le_bytes());
        assert!(matches!(root(&b), Err(FbError::BadOffset { .. })));
    }

    #[test]
    fn field_outside_table_is_rejected() {
        let mut b = sample();
        b[8..10].copy_from_slice(&200u16.to_le_bytes());
        let t = root(&b).unwrap();
        assert!(matches!(t.scalar::<i32>(0, 0), Err(FbError::FieldOutsideTable { slot: 0, .. })));
    }

    #[test]
    fn every_truncation_is_an_error() {
        let b = sample();
        for n in 0..b.len() {
            let r = root(&b[..n]).and_then(|t| t.scalars::<i32>(1).map(|_| ()));
            assert!(r.is_err(), "truncated to {n} bytes but read fine");
        }
    }
}
