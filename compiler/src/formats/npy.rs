//! Reading and writing `.npy` files (NumPy format 1.0/2.0/3.0), the exchange format for
//! model inputs and reference outputs.
//!
//! Only what tensors need is supported: little-endian numeric and boolean element types
//! in C order. Files are untrusted input, so the header is parsed by a small literal
//! parser (never evaluated) and every size is checked before anything is allocated.

use crate::graph::DType;

/// The magic string that starts every `.npy` file.
const MAGIC: &[u8; 6] = b"\x93NUMPY";

/// The `descr` strings this module reads and writes, as `(type code, DType)`; the byte
/// order character is handled apart.
const TYPES: &[(&str, DType)] = &[
    ("i1", DType::I8),
    ("u1", DType::U8),
    ("i2", DType::I16),
    ("i4", DType::I32),
    ("u4", DType::U32),
    ("i8", DType::I64),
    ("u8", DType::U64),
    ("f4", DType::F32),
    ("b1", DType::Bool),
];

/// Header sizes beyond this are not plausible for a tensor and are refused before
/// allocating (numpy itself caps headers at 10,000 bytes when reading).
const MAX_HEADER_BYTES: usize = 1 << 20;

/// An n-dimensional array: element type, shape and raw little-endian data in C order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NpyArray {
    /// Element type.
    pub dtype: DType,
    /// Dimensions; empty for a scalar.
    pub shape: Vec<usize>,
    /// Elements, little endian, C (row-major) order.
    pub data: Vec<u8>,
}

impl NpyArray {
    /// An array, checking that `data` holds exactly `shape` elements of `dtype`.
    pub fn new(dtype: DType, shape: Vec<usize>, data: Vec<u8>) -> Result<Self, NpyError> {
        let expected = byte_len(dtype, &shape)?;
        if data.len() != expected {
            return Err(NpyError::DataSize { expected, actual: data.len() });
        }
        Ok(NpyArray { dtype, shape, data })
    }

    /// Number of elements.
    pub fn elements(&self) -> usize {
        self.shape.iter().product()
    }
}

/// A `.npy` file could not be read. Every variant is a problem with the file, not an
/// internal bug.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NpyError {
    /// The file does not start with the `.npy` magic string.
    #[error("not a .npy file (missing the \\x93NUMPY magic string)")]
    NotNpy,
    /// The file ends before the header or the data it announces.
    #[error("truncated .npy file: {0}")]
    Truncated(&'static str),
    /// A format version other than 1.0, 2.0 or 3.0.
    #[error("unsupported .npy format version {major}.{minor} (supported: 1.0, 2.0, 3.0)")]
    Version {
        /// Major version.
        major: u8,
        /// Minor version.
        minor: u8,
    },
    /// The header is not the dictionary literal numpy writes.
    #[error("malformed .npy header: {0}")]
    Header(String),
    /// The array is stored in Fortran (column-major) order.
    #[error("the array is stored in Fortran order; save it in C order (np.ascontiguousarray)")]
    FortranOrder,
    /// Multi-byte elements stored big endian.
    #[error("the array is big endian ('{0}'); save it little endian (arr.astype(arr.dtype.newbyteorder('<')))")]
    BigEndian(String),
    /// Python objects (pickles) are never loaded.
    #[error("the array holds Python objects (pickled data), which are not loaded")]
    Pickle,
    /// An element type outside the supported list.
    #[error(
        "unsupported element type '{0}' (supported: int8, uint8, int16, int32, uint32, int64, uint64, float32, bool)"
    )]
    DType(String),
    /// The shape's byte size does not fit in memory.
    #[error("shape {0:?} is too large")]
    TooLarge(Vec<usize>),
    /// The data length disagrees with the shape and element type.
    #[error("the data has {actual} bytes, the header's shape and type need {expected}")]
    DataSize {
        /// Bytes the header announces.
        expected: usize,
        /// Bytes present.
        actual: usize,
    },
}

/// Bytes needed by `shape` elements of `dtype`, checked against overflow.
fn byte_len(dtype: DType, shape: &[usize]) -> Result<usize, NpyError> {
    shape
        .iter()
        .try_fold(dtype.size(), |acc, &d| acc.checked_mul(d))
        .filter(|&n| n <= isize::MAX as usize)
        .ok_or_else(|| NpyError::TooLarge(shape.to_vec()))
}

/// Parses a `.npy` file.
pub fn read(bytes: &[u8]) -> Result<NpyArray, NpyError> {
    if bytes.len() < MAGIC.len() || &bytes[..MAGIC.len()] != MAGIC {
        return Err(NpyError::NotNpy);
    }
    let (major, minor) = match bytes.get(6..8) {
        Some(v) => (v[0], v[1]),
        None => return Err(NpyError::Truncated("no version")),
    };
    // Version 1.0 has a 2-byte header length; 2.0 widens it to 4 bytes; 3.0 only allows
    // UTF-8 in the header, which this parser accepts anyway.
    let (len_bytes, utf8) = match (major, minor) {
        (1, 0) => (2, false),
        (2, 0) => (4, false),
        (3, 0) => (4, true),
        _ => return Err(NpyError::Version { major, minor }),
    };
    let len_field = bytes.get(8..8 + len_bytes).ok_or(NpyError::Truncated("no header length"))?;
    let header_len = len_field.iter().rev().fold(0usize, |acc, &b| (acc << 8) | b as usize);
    if header_len > MAX_HEADER_BYTES {
        return Err(NpyError::Header(format!("header of {header_len} bytes is implausibly long")));
    }
    let start = 8 + len_bytes;
    let header = bytes.get(start..start + header_len).ok_or(NpyError::Truncated("header shorter than announced"))?;
    let header = if utf8 {
        std::str::from_utf8(header).map_err(|_| NpyError::Header("header is not UTF-8".into()))?
    } else {
        // Format 1.0/2.0 headers are latin-1; anything outside ASCII cannot occur in a
        // valid numeric header, so reject it rather than decode.
        if !header.is_ascii() {
            return Err(NpyError::Header("header is not ASCII".into()));
        }
        std::str::from_utf8(header).map_err(|_| NpyError::Header("header is not ASCII".into()))?
    };
    let header = parse_header(header)?;
    let dtype = dtype_of(&header.descr)?;
    if header.fortran_order && header.shape.iter().filter(|&&d| d > 1).count() > 1 {
        // A Fortran-ordered array with at most one non-trivial dimension has the same
        // bytes as in C order; anything else would be silently transposed.
        return Err(NpyError::FortranOrder);
    }
    let data = &bytes[start + header_len..];
    NpyArray::new(dtype, header.shape, data.to_vec())
}

/// Serializes an array as a `.npy` file (format 1.0, or 2.0 when the header needs it).
pub fn write(array: &NpyArray) -> Vec<u8> {
    let descr = descr_of(array.dtype);
    let shape = match array.shape.as_slice() {
        [] => "()".to_string(),
        [d] => format!("({d},)"),
        dims => format!("({})", dims.iter().map(|d| d.to_string()).collect::<Vec<_>>().join(", ")),
    };
    let dict = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}");
    // numpy pads the header with spaces and a final newline so the data starts on a
    // 64-byte boundary.
    let pad_to = |prefix: usize| {
        let unpadded = prefix + dict.len() + 1;
        dict.len() + 1 + (64 - unpadded % 64) % 64
    };
    let (version, prefix) = if pad_to(10) <= u16::MAX as usize { (1u8, 10) } else { (2u8, 12) };
    let header_len = pad_to(prefix);
    let mut out = Vec::with_capacity(prefix + header_len + array.data.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&[version, 0]);
    if version == 1 {
        out.extend_from_slice(&(header_len as u16).to_le_bytes());
    } else {
        out.extend_from_slice(&(header_len as u32).to_le_bytes());
    }
    out.extend_from_slice(dict.as_bytes());
    out.resize(prefix + header_len - 1, b' ');
    out.push(b'\n');
    out.extend_from_slice(&array.data);
    out
}

/// The `descr` numpy writes for a type.
fn descr_of(dtype: DType) -> String {
    let code = TYPES.iter().find(|(_, d)| *d == dtype).map(|(c, _)| *c).unwrap_or("u1");
    let order = if dtype.size() == 1 { '|' } else { '<' };
    format!("{order}{code}")
}

/// The element type of a `descr` string such as `<i4` or `|b1`.
fn dtype_of(descr: &str) -> Result<DType, NpyError> {
    let mut chars = descr.chars();
    let order = chars.next().ok_or_else(|| NpyError::DType(descr.into()))?;
    let code = chars.as_str();
    if code.starts_with('O') {
        return Err(NpyError::Pickle);
    }
    let dtype = TYPES.iter().find(|(c, _)| *c == code).map(|(_, d)| *d).ok_or_else(|| NpyError::DType(descr.into()))?;
    match order {
        '<' | '|' => Ok(dtype),
        // Byte order is meaningless for one-byte elements.
        '>' | '=' if dtype.size() == 1 => Ok(dtype),
        '>' => Err(NpyError::BigEndian(descr.into())),
        // numpy never writes native order ('=') in files; refuse to guess.
        _ => Err(NpyError::DType(descr.into())),
    }
}

/// The three keys of a `.npy` header.
struct Header {
    descr: String,
    fortran_order: bool,
    shape: Vec<usize>,
}

/// A Python literal of the subset that appears in `.npy` headers.
#[derive(Debug)]
enum Lit {
    Str(String),
    Bool(bool),
    Int(usize),
    Tuple(Vec<Lit>),
    /// A list (structured dtypes) or anything else we do not read.
    Other,
}

/// Parses the header dictionary `{'descr': ..., 'fortran_order': ..., 'shape': (...)}`.
fn parse_header(text: &str) -> Result<Header, NpyError> {
    let mut p = Parser { s: text.trim_end().as_bytes(), i: 0 };
    p.skip_ws();
    p.expect(b'{')?;
    let (mut descr, mut fortran, mut shape) = (None, None, None);
    loop {
        p.skip_ws();
        if p.eat(b'}') {
            break;
        }
        let key = match p.literal()? {
            Lit::Str(s) => s,
            other => return Err(NpyError::Header(format!("dictionary key {other:?} is not a string"))),
        };
        p.skip_ws();
        p.expect(b':')?;
        p.skip_ws();
        let value = p.literal()?;
        match (key.as_str(), value) {
            ("descr", Lit::Str(s)) => descr = Some(s),
            ("descr", _) => {
                return Err(NpyError::DType("a structured type (record fields)".into()));
            }
            ("fortran_order", Lit::Bool(b)) => fortran = Some(b),
            ("shape", Lit::Tuple(items)) => {
                let dims = items
                    .into_iter()
                    .map(|l| match l {
                        Lit::Int(n) => Ok(n),
                        other => Err(NpyError::Header(format!("shape entry {other:?} is not an integer"))),
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                shape = Some(dims);
            }
            (k @ ("fortran_order" | "shape"), v) => {
                return Err(NpyError::Header(format!("'{k}' has an unexpected value {v:?}")));
            }
            (k, _) => return Err(NpyError::Header(format!("unexpected key '{k}'"))),
        }
        p.skip_ws();
        if !p.eat(b',') {
            p.skip_ws();
            p.expect(b'}')?;
            break;
        }
    }
    p.skip_ws();
    if p.i != p.s.len() {
        return Err(NpyError::Header("text after the dictionary".into()));
    }
    Ok(Header {
        descr: descr.ok_or_else(|| NpyError::Header("missing 'descr'".into()))?,
        fortran_order: fortran.ok_or_else(|| NpyError::Header("missing 'fortran_order'".into()))?,
        shape: shape.ok_or_else(|| NpyError::Header("missing 'shape'".into()))?,
    })
}

/// A cursor over header text.
struct Parser<'a> {
    s: &'a [u8],
    i: usize,
}

impl Parser<'_> {
    fn skip_ws(&mut self) {
        while self.s.get(self.i).is_some_and(|c| c.is_ascii_whitespace()) {
            self.i += 1;
        }
    }

    fn eat(&mut self, c: u8) -> bool {
        if self.s.get(self.i) == Some(&c) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, c: u8) -> Result<(), NpyError> {
        if self.eat(c) {
            Ok(())
        } else {
            Err(NpyError::Header(format!("expected '{}' at byte {}", c as char, self.i)))
        }
    }

    /// One literal; nesting is bounded by the header size, and lists are skipped
    /// without recursion beyond what the header holds.
    fn literal(&mut self) -> Result<Lit, NpyError> {
        match self.s.get(self.i) {
            Some(&q @ (b'\'' | b'"')) => {
                self.i += 1;
                let start = self.i;
                while self.s.get(self.i).is_some_and(|&c| c != q) {
                    self.i += 1;
                }
                let text = &self.s[start..self.i];
                self.expect(q)?;
                Ok(Lit::Str(String::from_utf8_lossy(text).into_owned()))
            }
            Some(b'(') => {
                self.i += 1;
                let mut items = Vec::new();
                loop {
                    self.skip_ws();
                    if self.eat(b')') {
                        return Ok(Lit::Tuple(items));
                    }
                    items.push(self.literal()?);
                    self.skip_ws();
                    if !self.eat(b',') {
                        self.skip_ws();
                        self.expect(b')')?;
                        return Ok(Lit::Tuple(items));
                    }
                }
            }
            Some(b'[') => {
                // Structured dtypes: skip to the matching bracket.
                let mut depth = 0usize;
                while let Some(&c) = self.s.get(self.i) {
                    self.i += 1;
                    match c {
                        b'[' => depth += 1,
                        b']' => {
                            depth -= 1;
                            if depth == 0 {
                                return Ok(Lit::Other);
                            }
                        }
                        _ => {}
                    }
                }
                Err(NpyError::Header("unterminated list".into()))
            }
            Some(c) if c.is_ascii_digit() => {
                let start = self.i;
                while self.s.get(self.i).is_some_and(|c| c.is_ascii_digit()) {
                    self.i += 1;
                }
                // Python 2 era files may write `3L`.
                let digits = std::str::from_utf8(&self.s[start..self.i]).unwrap_or("");
                self.eat(b'L');
                digits
                    .parse::<usize>()
                    .map(Lit::Int)
                    .map_err(|_| NpyError::Header(format!("dimension {digits} is too large")))
            }
            Some(_) if self.s[self.i..].starts_with(b"True") => {
                self.i += 4;
                Ok(Lit::Bool(true))
            }
            Some(_) if self.s[self.i..].starts_with(b"False") => {
                self.i += 5;
                Ok(Lit::Bool(false))
            }
            Some(&c) => Err(NpyError::Header(format!("unexpected '{}' at byte {}", c as char, self.i))),
            None => Err(NpyError::Truncated("header ends inside a value")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(version: u8, dict: &str, data: &[u8]) -> Vec<u8> {
        let mut v = MAGIC.to_vec();
        v.extend_from_slice(&[version, 0]);
        if version == 1 {
            v.extend_from_slice(&(dict.len() as u16).to_le_bytes());
        } else {
            v.extend_from_slice(&(dict.len() as u32).to_le_bytes());
        }
        v.extend_from_slice(dict.as_bytes());
        v.extend_from_slice(data);
        v
    }

    #[test]
    fn round_trip_every_type_and_rank() {
        for &(_, dtype) in TYPES {
            for shape in [vec![], vec![3], vec![2, 3], vec![1, 2, 3, 1], vec![0, 4]] {
                let n: usize = shape.iter().product::<usize>() * dtype.size();
                let data: Vec<u8> = (0..n).map(|i| (i * 37 + 11) as u8).collect();
                let a = NpyArray::new(dtype, shape.clone(), data).unwrap();
                let bytes = write(&a);
                assert_eq!(bytes.len() % 64, n % 64, "data starts on a 64-byte boundary");
                assert_eq!(read(&bytes).unwrap(), a, "{dtype:?} {shape:?}");
            }
        }
    }

    #[test]
    fn reads_format_2_and_3_headers() {
        let dict = "{'descr': '<i2', 'fortran_order': False, 'shape': (2,), }\n";
        for v in [2, 3] {
            let a = read(&file(v, dict, &[1, 0, 255, 255])).unwrap();
            assert_eq!((a.dtype, a.shape, a.data), (DType::I16, vec![2], vec![1, 0, 255, 255]));
        }
    }

    #[test]
    fn writes_format_2_for_huge_headers() {
        let a = NpyArray::new(DType::I8, vec![1; 30_000], vec![7]).unwrap();
        let bytes = write(&a);
        assert_eq!(bytes[6], 2);
        assert_eq!(read(&bytes).unwrap(), a);
    }

    #[test]
    fn rejects_what_it_cannot_read() {
        let cases: &[(Vec<u8>, NpyError)] = &[
            (b"PK\x03\x04".to_vec(), NpyError::NotNpy),
            (
                file(1, "{'descr': '>i4', 'fortran_order': False, 'shape': (1,), }", &[0; 4]),
                NpyError::BigEndian(">i4".into()),
            ),
            (file(1, "{'descr': '|O', 'fortran_order': False, 'shape': (1,), }", &[0; 8]), NpyError::Pickle),
            (
                file(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }", &[0; 8]),
                NpyError::DType("<f8".into()),
            ),
            (file(1, "{'descr': '<i4', 'fortran_order': True, 'shape': (2, 2), }", &[0; 16]), NpyError::FortranOrder),
            (
                file(1, "{'descr': '<i4', 'fortran_order': False, 'shape': (2, 2), }", &[0; 15]),
                NpyError::DataSize { expected: 16, actual: 15 },
            ),
            (
                file(1, "{'descr': '<i4', 'fortran_order': False, 'shape': (4611686018427387904, 4), }", &[]),
                NpyError::TooLarge(vec![4611686018427387904, 4]),
            ),
            (file(4, "{}", &[]), NpyError::Version { major: 4, minor: 0 }),
        ];
        for (bytes, want) in cases {
            assert_eq!(&read(bytes).unwrap_err(), want);
        }
    }

    #[test]
    fn fortran_order_of_a_vector_is_c_order() {
        let a = read(&file(1, "{'descr': '|i1', 'fortran_order': True, 'shape': (1, 3), }", &[1, 2, 3])).unwrap();
        assert_eq!(a.shape, vec![1, 3]);
    }

    #[test]
    fn structured_types_are_refused() {
        let e =
            read(&file(1, "{'descr': [('a', '<i4')], 'fortran_order': False, 'shape': (1,), }", &[0; 4])).unwrap_err();
        assert!(matches!(e, NpyError::DType(_)), "{e:?}");
    }

    #[test]
    fn never_panics_on_truncation_or_garbage() {
        let good = write(&NpyArray::new(DType::I32, vec![2, 3], vec![1; 24]).unwrap());
        for n in 0..good.len() {
            let _ = read(&good[..n]);
        }
        let mut junk = good.clone();
        for i in 8..good.len().min(80) {
            for b in [0u8, b'(', b')', b'[', b'\'', 0xff] {
                junk[i] = b;
                let _ = read(&junk);
                junk[i] = good[i];
            }
        }
    }
}
