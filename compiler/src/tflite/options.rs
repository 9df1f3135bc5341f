//! Builtin operator options: the union table of an operator, read into [`Options`].
//!
//! Which table an operator needs follows from its builtin code. An absent table reads as
//! a table of defaults, as flatbuffers defines it (TFLite's own parser does the same);
//! a table of another type is an error. Values the kernels divide by or index with
//! (strides, dilations, window sizes) are checked here, so later stages can trust them.

use super::flatbuffer::{FbResult, Table};
use super::schema::{options_type as ot, opts};
use super::ImportError;
use crate::graph::{opcode as b, Activation, Options, Padding};

/// The options table type a builtin operator carries, if it is one whose options we read.
fn expected_type(code: i32) -> Option<u8> {
    Some(match code {
        b::CONV_2D => ot::CONV_2D,
        b::DEPTHWISE_CONV_2D => ot::DEPTHWISE_CONV_2D,
        b::AVERAGE_POOL_2D | b::MAX_POOL_2D | b::L2_POOL_2D => ot::POOL_2D,
        b::FULLY_CONNECTED => ot::FULLY_CONNECTED,
        b::SOFTMAX => ot::SOFTMAX,
        b::CONCATENATION => ot::CONCATENATION,
        b::ADD => ot::ADD,
        b::SUB => ot::SUB,
        b::MUL => ot::MUL,
        b::DIV => ot::DIV,
        b::RESHAPE => ot::RESHAPE,
        b::MEAN | b::SUM | b::REDUCE_PROD | b::REDUCE_MAX | b::REDUCE_MIN | b::REDUCE_ANY | b::REDUCE_ALL => {
            ot::REDUCER
        }
        b::STRIDED_SLICE => ot::STRIDED_SLICE,
        b::LEAKY_RELU => ot::LEAKY_RELU,
        b::GATHER => ot::GATHER,
        b::PACK => ot::PACK,
        b::UNPACK => ot::UNPACK,
        b::SPLIT => ot::SPLIT,
        b::SPLIT_V => ot::SPLIT_V,
        b::RESIZE_NEAREST_NEIGHBOR => ot::RESIZE_NEAREST_NEIGHBOR,
        b::L2_NORMALIZATION => ot::L2_NORM,
        b::SVDF => ot::SVDF,
        b::BATCH_MATMUL => ot::BATCH_MATMUL,
        b::UNIDIRECTIONAL_SEQUENCE_LSTM => ot::UNIDIRECTIONAL_SEQUENCE_LSTM,
        b::TRANSPOSE_CONV => ot::TRANSPOSE_CONV,
        _ => return None,
    })
}

/// Reads a field of an options table that may be absent (then every field is default).
struct Fields<'a> {
    table: Option<Table<'a>>,
    operator: usize,
    op: &'a str,
}

impl Fields<'_> {
    fn get<T: super::flatbuffer::Scalar>(&self, slot: u16, default: T) -> FbResult<T> {
        match &self.table {
            Some(t) => t.scalar(slot, default),
            None => Ok(default),
        }
    }

    fn bad(&self, field: &'static str, value: i64, reason: &'static str) -> ImportError {
        ImportError::BadOption { operator: self.operator, op: self.op.to_owned(), field, value, reason }
    }

    fn padding(&self, slot: u16) -> Result<Padding, ImportError> {
        match self.get::<i8>(slot, 0).map_err(|e| self.malformed(e))? {
            0 => Ok(Padding::Same),
            1 => Ok(Padding::Valid),
            v => Err(self.bad("padding", v.into(), "not SAME (0) or VALID (1)")),
        }
    }

    fn activation(&self, slot: u16) -> Result<Activation, ImportError> {
        match self.get::<i8>(slot, 0).map_err(|e| self.malformed(e))? {
            0 => Ok(Activation::None),
            1 => Ok(Activation::Relu),
            2 => Ok(Activation::ReluN1To1),
            3 => Ok(Activation::Relu6),
            4 => Ok(Activation::Tanh),
            5 => Ok(Activation::SignBit),
            v => Err(self.bad("fused_activation_function", v.into(), "not an ActivationFunctionType (0..=5)")),
        }
    }

    /// A stride, dilation or window size: at least 1.
    fn positive(&self, slot: u16, default: i32, field: &'static str) -> Result<usize, ImportError> {
        let v = self.get::<i32>(slot, default).map_err(|e| self.malformed(e))?;
        if v < 1 {
            return Err(self.bad(field, v.into(), "must be at least 1"));
        }
        Ok(v as usize)
    }

    fn int(&self, slot: u16) -> Result<i32, ImportError> {
        self.get::<i32>(slot, 0).map_err(|e| self.malformed(e))
    }

    fn flag(&self, slot: u16) -> Result<bool, ImportError> {
        self.get::<bool>(slot, false).map_err(|e| self.malformed(e))
    }

    fn malformed(&self, e: super::flatbuffer::FbError) -> ImportError {
        ImportError::Malformed {
            context: format!("the options of operator #{} ({})", self.operator, self.op),
            source: e,
        }
    }
}

/// Reads the builtin options of operator `operator` with builtin code `code`.
/// `type_byte` and `table` are the operator's `builtin_options` union.
pub(super) fn read(
    code: i32,
    op: &str,
    operator: usize,
    type_byte: u8,
    table: Option<Table<'_>>,
    budget: &mut super::budget::Budget,
) -> Result<Options, ImportError> {
    let Some(expected) = expected_type(code) else {
        return Ok(Options::None);
    };
    let table = match type_byte {
        0 => None,
        t if t == expected => table,
        t => {
            return Err(ImportError::OptionsMismatch {
                operator,
                op: op.to_owned(),
                expected: ot::name(expected),
                found: ot::name(t),
                found_code: t,
            })
        }
    };
    let f = Fields { table, operator, op };
    Ok(match expected {
        ot::CONV_2D => {
            use opts::conv2d as s;
            Options::Conv2D {
                padding: f.padding(s::PADDING)?,
                stride_w: f.positive(s::STRIDE_W, 0, "stride_w")?,
                stride_h: f.positive(s::STRIDE_H, 0, "stride_h")?,
                dilation_w: f.positive(s::DILATION_W, 1, "dilation_w_factor")?,
                dilation_h: f.positive(s::DILATION_H, 1, "dilation_h_factor")?,
                activation: f.activation(s::ACTIVATION)?,
            }
        }
        ot::DEPTHWISE_CONV_2D => {
            use opts::depthwise as s;
            // The schema calls depth_multiplier redundant (newer converters may write 0);
            // lowering derives it from the shapes, so only a negative value is malformed.
            let depth_multiplier = f.int(s::DEPTH_MULTIPLIER)?;
            if depth_multiplier < 0 {
                return Err(f.bad("depth_multiplier", depth_multiplier.into(), "must not be negative"));
            }
            Options::DepthwiseConv2D {
                padding: f.padding(s::PADDING)?,
                stride_w: f.positive(s::STRIDE_W, 0, "stride_w")?,
                stride_h: f.positive(s::STRIDE_H, 0, "stride_h")?,
                dilation_w: f.positive(s::DILATION_W, 1, "dilation_w_factor")?,
                dilation_h: f.positive(s::DILATION_H, 1, "dilation_h_factor")?,
                depth_multiplier: depth_multiplier as usize,
                activation: f.activation(s::ACTIVATION)?,
            }
        }
        ot::POOL_2D => {
            use opts::pool2d as s;
            Options::Pool2D {
                padding: f.padding(s::PADDING)?,
                stride_w: f.positive(s::STRIDE_W, 0, "stride_w")?,
                stride_h: f.positive(s::STRIDE_H, 0, "stride_h")?,
                filter_w: f.positive(s::FILTER_W, 0, "filter_width")?,
                filter_h: f.positive(s::FILTER_H, 0, "filter_height")?,
                activation: f.activation(s::ACTIVATION)?,
            }
        }
        ot::TRANSPOSE_CONV => {
            use opts::transpose_conv as s;
            Options::TransposeConv {
                padding: f.padding(s::PADDING)?,
                stride_w: f.positive(s::STRIDE_W, 0, "stride_w")?,
                stride_h: f.positive(s::STRIDE_H, 0, "stride_h")?,
                activation: f.activation(s::ACTIVATION)?,
            }
        }
        ot::FULLY_CONNECTED => {
            use opts::fully_connected as s;
            Options::FullyConnected {
                activation: f.activation(s::ACTIVATION)?,
                keep_num_dims: f.flag(s::KEEP_NUM_DIMS)?,
                weights_format: f.get::<i8>(s::WEIGHTS_FORMAT, 0).map_err(|e| f.malformed(e))?,
            }
        }
        ot::SVDF => {
            use opts::svdf as s;
            Options::Svdf {
                rank: f.positive(s::RANK, 0, "rank")?,
                activation: f.activation(s::ACTIVATION)?,
                asymmetric_quantize_inputs: f.flag(s::ASYMMETRIC_QUANTIZE_INPUTS)?,
            }
        }
        ot::SOFTMAX => Options::Softmax { beta: f.get::<f32>(opts::softmax::BETA, 0.0).map_err(|e| f.malformed(e))? },
        ot::LEAKY_RELU => {
            Options::LeakyRelu { alpha: f.get::<f32>(opts::leaky_relu::ALPHA, 0.0).map_err(|e| f.malformed(e))? }
        }
        ot::CONCATENATION => Options::Concatenation {
            axis: f.int(opts::concatenation::AXIS)?,
            activation: f.activation(opts::concatenation::ACTIVATION)?,
        },
        ot::ADD | ot::SUB | ot::MUL | ot::DIV | ot::L2_NORM => {
            Options::Elementwise { activation: f.activation(opts::elementwise::ACTIVATION)? }
        }
        ot::RESHAPE => {
            let new_shape = match &f.table {
                Some(t) => match t.vector(opts::reshape::NEW_SHAPE, 4).map_err(|e| f.malformed(e))? {
                    Some(v) => {
                        budget.spend::<i32>(v.len())?;
                        Some(v.scalars::<i32>())
                    }
                    None => None,
                },
                None => None,
            };
            Options::Reshape { new_shape }
        }
        ot::BATCH_MATMUL => Options::BatchMatMul {
            adj_x: f.flag(opts::batch_matmul::ADJ_X)?,
            adj_y: f.flag(opts::batch_matmul::ADJ_Y)?,
        },
        ot::UNIDIRECTIONAL_SEQUENCE_LSTM => {
            use opts::unidirectional_sequence_lstm as s;
            let float = |slot| f.get::<f32>(slot, 0.0).map_err(|e| f.malformed(e));
            Options::UnidirectionalSequenceLstm {
                activation: f.activation(s::ACTIVATION)?,
                cell_clip: float(s::CELL_CLIP)?,
                proj_clip: float(s::PROJ_CLIP)?,
                time_major: f.flag(s::TIME_MAJOR)?,
                asymmetric_quantize_inputs: f.flag(s::ASYMMETRIC_QUANTIZE_INPUTS)?,
                diagonal_recurrent_tensors: f.flag(s::DIAGONAL_RECURRENT_TENSORS)?,
            }
        }
        ot::REDUCER => Options::Reducer { keep_dims: f.flag(opts::reducer::KEEP_DIMS)? },
        ot::STRIDED_SLICE => {
            use opts::strided_slice as s;
            Options::StridedSlice {
                begin_mask: f.int(s::BEGIN_MASK)?,
                end_mask: f.int(s::END_MASK)?,
                ellipsis_mask: f.int(s::ELLIPSIS_MASK)?,
                new_axis_mask: f.int(s::NEW_AXIS_MASK)?,
                shrink_axis_mask: f.int(s::SHRINK_AXIS_MASK)?,
                offset: f.flag(s::OFFSET)?,
            }
        }
        ot::GATHER => {
            Options::Gather { axis: f.int(opts::gather::AXIS)?, batch_dims: f.int(opts::gather::BATCH_DIMS)? }
        }
        ot::PACK | ot::UNPACK => Options::Pack { count: f.int(opts::pack::COUNT)?, axis: f.int(opts::pack::AXIS)? },
        ot::SPLIT | ot::SPLIT_V => Options::Split { num_splits: f.int(opts::split::NUM_SPLITS)? },
        ot::RESIZE_NEAREST_NEIGHBOR => {
            use opts::resize_nearest_neighbor as s;
            Options::ResizeNearestNeighbor {
                align_corners: f.flag(s::ALIGN_CORNERS)?,
                half_pixel_centers: f.flag(s::HALF_PIXEL_CENTERS)?,
            }
        }
        _ => Options::None,
    })
}
