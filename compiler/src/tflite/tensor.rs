//! Tensors: shape, type, quantization and constant data, each checked.

use super::budget::{at, lossy, Budget};
use super::error::ImportError;
use super::flatbuffer::{Table, Vector};
use super::schema::{self, buffer as buf_slot, quantization as q_slot, tensor as t_slot};
use crate::graph::{Quant, Tensor};

/// Most dimensions a tensor may have (TFLite kernels handle at most 6).
pub const MAX_RANK: usize = 16;
/// Most elements a tensor may have (2^28: far beyond any microcontroller).
pub const MAX_ELEMENTS: usize = 1 << 28;
/// Most bytes a tensor may have (256 MiB).
pub const MAX_TENSOR_BYTES: usize = 256 << 20;

/// The bytes `offset..offset + size` of the file, if they lie inside it.
pub(super) fn external_range(bytes: &[u8], offset: u64, size: u64) -> Option<&[u8]> {
    let start = usize::try_from(offset).ok()?;
    let end = start.checked_add(usize::try_from(size).ok()?)?;
    bytes.get(start..end)
}

/// Reads tensor `index`.
pub(super) fn read(
    bytes: &[u8],
    t: Table<'_>,
    index: usize,
    buffers: Option<Vector<'_>>,
    budget: &mut Budget,
) -> Result<Tensor, ImportError> {
    let ctx = || format!("tensor #{index}");
    let name_bytes = at(t.string(t_slot::NAME), ctx)?;
    budget.spend::<u8>(name_bytes.map_or(0, <[u8]>::len))?;
    let name = lossy(name_bytes);

    let shape_vec = at(t.vector(t_slot::SHAPE, 4), ctx)?;
    if let Some(v) = shape_vec {
        if v.len() > MAX_RANK {
            return Err(ImportError::TooManyDims { tensor: index, name, rank: v.len(), max: MAX_RANK });
        }
    }
    let raw_shape: Vec<i32> = shape_vec.map(|v| v.scalars()).unwrap_or_default();
    budget.spend::<(i32, usize)>(raw_shape.len())?;
    if let Some(dim) = raw_shape.iter().position(|&d| d < 0) {
        return Err(ImportError::BadDimension { tensor: index, name, shape: raw_shape, dim });
    }
    let shape: Vec<usize> = raw_shape.iter().map(|&d| d as usize).collect();

    let code = at(t.scalar::<i8>(t_slot::TYPE, 0), ctx)?;
    let Some(dtype) = schema::dtype(code) else {
        return Err(ImportError::UnsupportedType {
            tensor: index,
            name,
            type_name: schema::tensor_type_name(code),
            code,
            supported: schema::SUPPORTED_TYPES,
        });
    };
    let elements = shape.iter().try_fold(1usize, |n, &d| n.checked_mul(d).filter(|&n| n <= MAX_ELEMENTS));
    let size = elements.and_then(|n| n.checked_mul(dtype.size())).filter(|&b| b <= MAX_TENSOR_BYTES);
    let Some(size) = size else {
        return Err(ImportError::TensorTooLarge {
            tensor: index,
            name,
            shape: raw_shape,
            dtype: dtype.tflite_name(),
            max_elements: MAX_ELEMENTS,
            max_bytes: MAX_TENSOR_BYTES,
        });
    };

    if at(t.table(t_slot::SPARSITY), ctx)?.is_some() {
        return Err(ImportError::SparseTensor { tensor: index, name });
    }
    let is_variable = at(t.scalar::<bool>(t_slot::IS_VARIABLE, false), ctx)?;
    let quant = match at(t.table(t_slot::QUANTIZATION), ctx)? {
        Some(q) => read_quant(q, index, &name, &shape, budget)?,
        None => None,
    };

    let buffer = at(t.scalar::<u32>(t_slot::BUFFER, 0), ctx)?;
    let data = buffer_data(bytes, buffers, buffer, index, &name)?;
    let data = match data {
        Some(d) if d.len() != size => {
            return Err(ImportError::DataSize {
                tensor: index,
                name,
                shape,
                dtype: dtype.tflite_name(),
                expected: size,
                found: d.len(),
            })
        }
        // TFLM zero-fills variable tensors (to their zero point) before the first run and
        // never reads their buffer, so a variable's buffer is not constant data.
        Some(_) if is_variable => None,
        Some(d) => {
            budget.spend::<u8>(d.len())?;
            Some(d.to_vec())
        }
        None => None,
    };
    Ok(Tensor { name, shape, dtype, quant, data, is_variable })
}

/// The non-empty contents of buffer `index`, inline or (models over 2 GB) after the
/// flatbuffer. Buffer 0 is the schema's empty sentinel but is read like any other.
fn buffer_data<'a>(
    bytes: &'a [u8],
    buffers: Option<Vector<'a>>,
    index: u32,
    tensor: usize,
    name: &str,
) -> Result<Option<&'a [u8]>, ImportError> {
    let count = buffers.map_or(0, |v| v.len());
    let Some(buffers) = buffers.filter(|_| (index as usize) < count) else {
        if index == 0 {
            return Ok(None); // No buffer list at all: nothing is constant.
        }
        return Err(ImportError::BufferIndex { tensor, name: name.to_owned(), index, count });
    };
    let ctx = || format!("buffer {index} of tensor #{tensor}");
    let b = at(buffers.table(index as usize), ctx)?;
    let offset = at(b.scalar::<u64>(buf_slot::OFFSET, 0), ctx)?;
    let data = if offset > 1 {
        let size = at(b.scalar::<u64>(buf_slot::SIZE, 0), ctx)?;
        external_range(bytes, offset, size).ok_or_else(|| ImportError::OutsideFile {
            what: format!("buffer {index} of tensor #{tensor} '{name}'"),
            offset,
            size,
            file_len: bytes.len(),
        })?
    } else {
        at(b.vector(buf_slot::DATA, 1), ctx)?.map(|v| v.bytes()).unwrap_or_default()
    };
    Ok(Some(data).filter(|d| !d.is_empty()))
}

/// Quantization parameters; `None` when the table has no scales (not quantized).
fn read_quant(
    q: Table<'_>,
    index: usize,
    name: &str,
    shape: &[usize],
    budget: &mut Budget,
) -> Result<Option<Quant>, ImportError> {
    let ctx = || format!("the quantization of tensor #{index}");
    let err = |reason: String| ImportError::Quantization { tensor: index, name: name.to_owned(), reason };
    let scale_vec = at(q.vector(q_slot::SCALE, 4), ctx)?;
    let zp_vec = at(q.vector(q_slot::ZERO_POINT, 8), ctx)?;
    budget.spend::<(f32, i64)>(scale_vec.map_or(0, |v| v.len()).max(zp_vec.map_or(0, |v| v.len())))?;
    let scale: Vec<f32> = scale_vec.map(|v| v.scalars()).unwrap_or_default();
    let mut zero_point: Vec<i64> = zp_vec.map(|v| v.scalars()).unwrap_or_default();
    if at(q.scalar::<u8>(q_slot::DETAILS_TYPE, 0), ctx)? != 0 {
        return Err(err("custom quantization (QuantizationDetails) is not supported".into()));
    }
    if scale.is_empty() {
        return Ok(None); // min/max only, or an empty table: not quantized.
    }
    if zero_point.is_empty() {
        zero_point = vec![0; scale.len()];
    } else if zero_point.len() != scale.len() {
        return Err(err(format!("{} scales but {} zero points", scale.len(), zero_point.len())));
    }
    if let Some((i, s)) = scale.iter().enumerate().find(|(_, s)| !s.is_finite() || **s < 0.0) {
        return Err(err(format!("scale {i} is {s}; scales must be finite and not negative")));
    }
    let axis = at(q.scalar::<i32>(q_slot::QUANTIZED_DIMENSION, 0), ctx)?;
    let Ok(axis) = usize::try_from(axis) else {
        return Err(err(format!("quantized_dimension {axis} is negative")));
    };
    if scale.len() > 1 {
        match shape.get(axis) {
            Some(&n) if n == scale.len() => {}
            Some(&n) => {
                return Err(err(format!("{} per-channel scales along dimension {axis} of size {n}", scale.len())))
            }
            None => return Err(err(format!("quantized_dimension {axis} is out of range for shape {shape:?}"))),
        }
    }
    Ok(Some(Quant { scale, zero_point, axis }))
}
