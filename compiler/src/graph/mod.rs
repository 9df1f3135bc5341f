//! The imported model graph: tensors and operators as the `.tflite` file states them,
//! validated (indices in range, shapes sane, constant data of the right size) but not yet
//! lowered. [`opcode`] is the one table of operator codes and names; [`quant`] holds the
//! quantization arithmetic lowering shares.

pub mod opcode;
pub mod quant;

/// Index of a tensor in [`Graph::tensors`].
pub type TensorId = usize;

/// Element type of a tensor (TFLite `TensorType`, the subset cargo-tinyml handles).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DType {
    /// 32-bit float.
    F32,
    /// Signed 8-bit.
    I8,
    /// Unsigned 8-bit.
    U8,
    /// Signed 16-bit.
    I16,
    /// Signed 32-bit.
    I32,
    /// Unsigned 32-bit.
    U32,
    /// Signed 64-bit.
    I64,
    /// Unsigned 64-bit.
    U64,
    /// Boolean (one byte).
    Bool,
}

impl DType {
    /// Bytes per element.
    pub fn size(self) -> usize {
        match self {
            DType::I8 | DType::U8 | DType::Bool => 1,
            DType::I16 => 2,
            DType::F32 | DType::I32 | DType::U32 => 4,
            DType::I64 | DType::U64 => 8,
        }
    }

    /// The Rust element type name used in generated code.
    pub fn rust_name(self) -> &'static str {
        match self {
            DType::F32 => "f32",
            DType::I8 => "i8",
            DType::U8 | DType::Bool => "u8",
            DType::I16 => "i16",
            DType::I32 => "i32",
            DType::U32 => "u32",
            DType::I64 => "i64",
            DType::U64 => "u64",
        }
    }

    /// The TFLite name, for messages.
    pub fn tflite_name(self) -> &'static str {
        match self {
            DType::F32 => "FLOAT32",
            DType::I8 => "INT8",
            DType::U8 => "UINT8",
            DType::I16 => "INT16",
            DType::I32 => "INT32",
            DType::U32 => "UINT32",
            DType::I64 => "INT64",
            DType::U64 => "UINT64",
            DType::Bool => "BOOL",
        }
    }
}

/// Affine quantization: `real = scale * (q - zero_point)`, per tensor (one entry) or per
/// channel along `axis`.
#[derive(Clone, Debug, PartialEq)]
pub struct Quant {
    /// One scale per tensor or per channel.
    pub scale: Vec<f32>,
    /// One zero point per tensor or per channel.
    pub zero_point: Vec<i64>,
    /// The quantized dimension (meaningful when there are several scales).
    pub axis: usize,
}

/// A tensor of the graph.
#[derive(Clone, Debug)]
pub struct Tensor {
    /// Name from the file (may be empty).
    pub name: String,
    /// Dimensions; empty for a scalar.
    pub shape: Vec<usize>,
    /// Element type.
    pub dtype: DType,
    /// Quantization parameters, if any.
    pub quant: Option<Quant>,
    /// Constant contents (little endian), if the tensor is constant.
    pub data: Option<Vec<u8>>,
    /// A variable tensor (state kept between invocations, e.g. a noise estimate).
    pub is_variable: bool,
}

impl Tensor {
    /// Number of elements.
    pub fn elements(&self) -> usize {
        self.shape.iter().product()
    }

    /// Size in bytes.
    pub fn bytes(&self) -> usize {
        self.elements() * self.dtype.size()
    }

    /// Whether the tensor has constant data.
    pub fn is_const(&self) -> bool {
        self.data.is_some()
    }

    /// The per-tensor scale and zero point (the first entry when per channel).
    pub fn scale_zp(&self) -> Option<(f32, i64)> {
        let q = self.quant.as_ref()?;
        Some((*q.scale.first()?, *q.zero_point.first().unwrap_or(&0)))
    }
}

/// A fused activation function.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub enum Activation {
    /// None.
    None,
    /// max(x, 0).
    Relu,
    /// clamp(x, -1, 1).
    ReluN1To1,
    /// clamp(x, 0, 6).
    Relu6,
    /// tanh (not fusable in int8 kernels).
    Tanh,
    /// sign bit (not fusable in int8 kernels).
    SignBit,
}

/// Convolution and pooling padding.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub enum Padding {
    /// Output size ceil(in / stride); zero padding split with the extra pixel at the end.
    Same,
    /// No padding.
    Valid,
}

/// Operator options: the builtin options table of the operators cargo-tinyml reads.
#[derive(Clone, Debug, PartialEq)]
pub enum Options {
    /// The operator has no options, or none we read.
    None,
    /// CONV_2D.
    Conv2D {
        /// Padding.
        padding: Padding,
        /// Stride along width.
        stride_w: usize,
        /// Stride along height.
        stride_h: usize,
        /// Dilation along width.
        dilation_w: usize,
        /// Dilation along height.
        dilation_h: usize,
        /// Fused activation.
        activation: Activation,
    },
    /// DEPTHWISE_CONV_2D.
    DepthwiseConv2D {
        /// Padding.
        padding: Padding,
        /// Stride along width.
        stride_w: usize,
        /// Stride along height.
        stride_h: usize,
        /// Dilation along width.
        dilation_w: usize,
        /// Dilation along height.
        dilation_h: usize,
        /// Output channels per input channel.
        depth_multiplier: usize,
        /// Fused activation.
        activation: Activation,
    },
    /// TRANSPOSE_CONV.
    TransposeConv {
        /// Padding (of the forward convolution this one transposes).
        padding: Padding,
        /// Stride along width.
        stride_w: usize,
        /// Stride along height.
        stride_h: usize,
        /// Fused activation.
        activation: Activation,
    },
    /// FULLY_CONNECTED.
    FullyConnected {
        /// Fused activation.
        activation: Activation,
        /// Keep the input's leading dimensions in the output.
        keep_num_dims: bool,
        /// Weights format; only the default (0) is supported.
        weights_format: i8,
    },
    /// AVERAGE_POOL_2D and MAX_POOL_2D.
    Pool2D {
        /// Padding.
        padding: Padding,
        /// Stride along width.
        stride_w: usize,
        /// Stride along height.
        stride_h: usize,
        /// Window width.
        filter_w: usize,
        /// Window height.
        filter_h: usize,
        /// Fused activation.
        activation: Activation,
    },
    /// SOFTMAX.
    Softmax {
        /// The exponent scale.
        beta: f32,
    },
    /// SVDF.
    Svdf {
        /// Filters summed into one output unit (at least 1).
        rank: usize,
        /// Fused activation (TFLM applies it to float layers only).
        activation: Activation,
        /// Hybrid layers only: whether float inputs are quantized asymmetrically.
        asymmetric_quantize_inputs: bool,
    },
    /// LEAKY_RELU.
    LeakyRelu {
        /// The slope below zero.
        alpha: f32,
    },
    /// ADD, SUB, MUL, DIV, L2_NORMALIZATION: the fused activation.
    Elementwise {
        /// Fused activation.
        activation: Activation,
    },
    /// CONCATENATION.
    Concatenation {
        /// Axis (may be negative).
        axis: i32,
        /// Fused activation.
        activation: Activation,
    },
    /// RESHAPE (the new shape may also come as a second input tensor).
    Reshape {
        /// The new shape from the options, if present.
        new_shape: Option<Vec<i32>>,
    },
    /// BATCH_MATMUL (`asymmetric_quantize_inputs` concerns hybrid models only, which TFLM
    /// micro does not run).
    BatchMatMul {
        /// The LHS matrices are stored transposed.
        adj_x: bool,
        /// The RHS matrices are stored transposed.
        adj_y: bool,
    },
    /// MEAN, SUM and other reductions.
    Reducer {
        /// Keep reduced dimensions with size 1.
        keep_dims: bool,
    },
    /// UNIDIRECTIONAL_SEQUENCE_LSTM.
    UnidirectionalSequenceLstm {
        /// The cell gate's activation (TANH in every Keras LSTM).
        activation: Activation,
        /// Bound of the cell state's magnitude (0: no clipping).
        cell_clip: f32,
        /// Bound of the projection (0: no clipping; TFLM has no projection).
        proj_clip: f32,
        /// Input and output are `[time, batch, ..]` (else `[batch, time, ..]`).
        time_major: bool,
        /// Hybrid models only (float input, int8 weights).
        asymmetric_quantize_inputs: bool,
        /// Diagonal recurrent weights (an LSTM variant TFLM does not run).
        diagonal_recurrent_tensors: bool,
    },
    /// STRIDED_SLICE.
    StridedSlice {
        /// Bit i: ignore `begin[i]`.
        begin_mask: i32,
        /// Bit i: ignore `end[i]`.
        end_mask: i32,
        /// Ellipsis mask (unsupported when non-zero).
        ellipsis_mask: i32,
        /// New axis mask (unsupported when non-zero).
        new_axis_mask: i32,
        /// Bit i: dimension i is removed.
        shrink_axis_mask: i32,
        /// `end` is an offset from `begin`.
        offset: bool,
    },
    /// GATHER.
    Gather {
        /// The axis picked along (may be negative).
        axis: i32,
        /// Leading dimensions shared by input and positions (may be negative).
        batch_dims: i32,
    },
    /// PACK and UNPACK.
    Pack {
        /// `values_count` of PACK, `num` of UNPACK.
        count: i32,
        /// The axis (may be negative).
        axis: i32,
    },
    /// SPLIT and SPLIT_V.
    Split {
        /// Number of outputs.
        num_splits: i32,
    },
    /// RESIZE_NEAREST_NEIGHBOR.
    ResizeNearestNeighbor {
        /// Map the corner pixels onto each other.
        align_corners: bool,
        /// Sample at pixel centres.
        half_pixel_centers: bool,
    },
}

/// How an operator is identified.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OpCode {
    /// A builtin operator by its TFLite `BuiltinOperator` number.
    Builtin(i32),
    /// A custom operator by name.
    Custom(String),
}

impl OpCode {
    /// The TFLite name (`CONV_2D`, or the custom name).
    pub fn name(&self) -> String {
        match self {
            OpCode::Builtin(code) => {
                opcode::name(*code).map(str::to_owned).unwrap_or_else(|| format!("BUILTIN_{code}"))
            }
            OpCode::Custom(name) => name.clone(),
        }
    }
}

/// An operator of the graph.
#[derive(Clone, Debug)]
pub struct Operator {
    /// Its position in the graph's execution order.
    pub index: usize,
    /// What it is.
    pub opcode: OpCode,
    /// Input tensors; `None` for an omitted optional input (-1 in the file).
    pub inputs: Vec<Option<TensorId>>,
    /// Output tensors.
    pub outputs: Vec<TensorId>,
    /// Builtin options.
    pub options: Options,
    /// Raw custom options (flexbuffer) of a custom operator.
    pub custom_options: Vec<u8>,
}

/// An imported model: one subgraph.
#[derive(Clone, Debug, Default)]
pub struct Graph {
    /// All tensors.
    pub tensors: Vec<Tensor>,
    /// Operators in execution order.
    pub operators: Vec<Operator>,
    /// Model inputs.
    pub inputs: Vec<TensorId>,
    /// Model outputs.
    pub outputs: Vec<TensorId>,
    /// The file's description string.
    pub description: String,
}
