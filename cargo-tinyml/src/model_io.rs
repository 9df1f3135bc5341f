//! A model's inputs and outputs as a user feeds and reads them: name, type, shape and
//! quantization (`real = scale * (q - zero_point)`). `analyze` shows them; `validate`
//! quantizes float inputs with them.

use serde::Serialize;
use tinyml_compiler::graph::{DType, Graph, Tensor};

/// One input or output tensor.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct TensorIo {
    /// Tensor name.
    pub name: String,
    /// TFLite type name (`INT8`).
    pub dtype: &'static str,
    /// Shape.
    pub shape: Vec<usize>,
    /// Scale (per tensor), if quantized.
    pub scale: Option<f32>,
    /// Zero point (per tensor), if quantized.
    pub zero_point: Option<i64>,
}

impl TensorIo {
    /// The description of `t`.
    pub fn of(t: &Tensor) -> TensorIo {
        let q = t.quant.as_ref().filter(|q| q.scale.len() == 1);
        TensorIo {
            name: t.name.clone(),
            dtype: t.dtype.tflite_name(),
            shape: t.shape.clone(),
            scale: q.map(|q| q.scale[0]),
            zero_point: q.map(|q| q.zero_point[0]),
        }
    }

    /// `input  #0 'name' INT8 [1, 49, 10, 1], scale 0.1 zero point -128` (or `not quantized`).
    pub fn line(&self, role: &str, index: usize) -> String {
        let quant = match (self.scale, self.zero_point) {
            (Some(s), Some(z)) => format!("scale {s}, zero point {z}"),
            _ => "not quantized".into(),
        };
        format!("{role} #{index} '{}' {} {:?}: {quant}", self.name, self.dtype, self.shape)
    }
}

/// The inputs and outputs of `g`, in order.
pub fn inputs_outputs(g: &Graph) -> (Vec<TensorIo>, Vec<TensorIo>) {
    let io = |ids: &[usize]| ids.iter().map(|&t| TensorIo::of(&g.tensors[t])).collect();
    (io(&g.inputs), io(&g.outputs))
}

/// Float samples quantized for tensor `t` (int8, uint8 or int16 with one scale), as its
/// little-endian bytes: `q = round(x / scale) + zero_point`, saturated, as the TFLite
/// converter's representative inputs are quantized. `None` if `t` is not quantized per
/// tensor to one of those types.
pub fn quantize(values: &[f32], t: &Tensor) -> Option<Vec<u8>> {
    let q = t.quant.as_ref().filter(|q| q.scale.len() == 1 && q.scale[0] > 0.0)?;
    let (scale, zp) = (q.scale[0], q.zero_point[0] as f32);
    let (lo, hi) = match t.dtype {
        DType::I8 => (-128.0, 127.0),
        DType::U8 => (0.0, 255.0),
        DType::I16 => (-32768.0, 32767.0),
        _ => return None,
    };
    let q = values.iter().map(|&x| ((x / scale).round() + zp).clamp(lo, hi));
    Some(match t.dtype {
        DType::I16 => q.flat_map(|v| (v as i16).to_le_bytes()).collect(),
        DType::U8 => q.map(|v| v as u8).collect(),
        _ => q.map(|v| (v as i8) as u8).collect(),
    })
}
