//! Field slots and enum values of the TFLite schema (`tensorflow/lite/schema/schema.fbs`,
//! schema version 3). A slot is a field's position in its table declaration, counting a
//! union as two fields (its type byte, then its value), as `flatc` lays them out.

use crate::graph::DType;

/// The only schema version this importer reads.
pub const SCHEMA_VERSION: u32 = 3;

/// The file identifier at bytes 4..8 (`file_identifier "TFL3"`).
pub const FILE_IDENTIFIER: &[u8; 4] = b"TFL3";

/// `table Model`.
pub mod model {
    pub const VERSION: u16 = 0;
    pub const OPERATOR_CODES: u16 = 1;
    pub const SUBGRAPHS: u16 = 2;
    pub const DESCRIPTION: u16 = 3;
    pub const BUFFERS: u16 = 4;
}

/// `table OperatorCode`.
pub mod operator_code {
    /// `byte`, used when the code is below 127.
    pub const DEPRECATED_BUILTIN_CODE: u16 = 0;
    pub const CUSTOM_CODE: u16 = 1;
    /// `int32`, used when the code is 127 or above.
    pub const BUILTIN_CODE: u16 = 3;
}

/// `table SubGraph`.
pub mod subgraph {
    pub const TENSORS: u16 = 0;
    pub const INPUTS: u16 = 1;
    pub const OUTPUTS: u16 = 2;
    pub const OPERATORS: u16 = 3;
}

/// `table Tensor`.
pub mod tensor {
    pub const SHAPE: u16 = 0;
    pub const TYPE: u16 = 1;
    pub const BUFFER: u16 = 2;
    pub const NAME: u16 = 3;
    pub const QUANTIZATION: u16 = 4;
    pub const IS_VARIABLE: u16 = 5;
    pub const SPARSITY: u16 = 6;
}

/// `table QuantizationParameters`.
pub mod quantization {
    pub const SCALE: u16 = 2;
    pub const ZERO_POINT: u16 = 3;
    /// Union type of `details` (custom quantization when non-zero).
    pub const DETAILS_TYPE: u16 = 4;
    pub const QUANTIZED_DIMENSION: u16 = 6;
}

/// `table Operator`.
pub mod operator {
    pub const OPCODE_INDEX: u16 = 0;
    pub const INPUTS: u16 = 1;
    pub const OUTPUTS: u16 = 2;
    pub const BUILTIN_OPTIONS_TYPE: u16 = 3;
    pub const BUILTIN_OPTIONS: u16 = 4;
    pub const CUSTOM_OPTIONS: u16 = 5;
    pub const LARGE_CUSTOM_OPTIONS_OFFSET: u16 = 9;
    pub const LARGE_CUSTOM_OPTIONS_SIZE: u16 = 10;
}

/// `table Buffer`.
pub mod buffer {
    pub const DATA: u16 = 0;
    /// Position of the data after the flatbuffer, relative to the file start; only
    /// meaningful when greater than 1 (models over 2 GB).
    pub const OFFSET: u16 = 1;
    pub const SIZE: u16 = 2;
}

/// Values of `union BuiltinOptions` (the type byte), for the tables we read.
pub mod options_type {
    pub const CONV_2D: u8 = 1;
    pub const DEPTHWISE_CONV_2D: u8 = 2;
    pub const POOL_2D: u8 = 5;
    pub const SVDF: u8 = 6;
    pub const FULLY_CONNECTED: u8 = 8;
    pub const SOFTMAX: u8 = 9;
    pub const CONCATENATION: u8 = 10;
    pub const ADD: u8 = 11;
    pub const L2_NORM: u8 = 12;
    pub const RESHAPE: u8 = 17;
    pub const MUL: u8 = 21;
    pub const GATHER: u8 = 23;
    pub const REDUCER: u8 = 27;
    pub const SUB: u8 = 28;
    pub const DIV: u8 = 29;
    pub const STRIDED_SLICE: u8 = 32;
    pub const SPLIT: u8 = 35;
    pub const PACK: u8 = 59;
    pub const UNPACK: u8 = 64;
    pub const UNIDIRECTIONAL_SEQUENCE_LSTM: u8 = 71;
    pub const TRANSPOSE_CONV: u8 = 49;
    pub const RESIZE_NEAREST_NEIGHBOR: u8 = 74;
    pub const LEAKY_RELU: u8 = 75;
    pub const SPLIT_V: u8 = 79;
    pub const BATCH_MATMUL: u8 = 101;

    /// The table name of a union type value, for messages.
    pub fn name(t: u8) -> &'static str {
        match t {
            0 => "NONE",
            CONV_2D => "Conv2DOptions",
            DEPTHWISE_CONV_2D => "DepthwiseConv2DOptions",
            POOL_2D => "Pool2DOptions",
            SVDF => "SVDFOptions",
            FULLY_CONNECTED => "FullyConnectedOptions",
            SOFTMAX => "SoftmaxOptions",
            CONCATENATION => "ConcatenationOptions",
            ADD => "AddOptions",
            L2_NORM => "L2NormOptions",
            RESHAPE => "ReshapeOptions",
            MUL => "MulOptions",
            GATHER => "GatherOptions",
            REDUCER => "ReducerOptions",
            SUB => "SubOptions",
            DIV => "DivOptions",
            STRIDED_SLICE => "StridedSliceOptions",
            SPLIT => "SplitOptions",
            PACK => "PackOptions",
            UNPACK => "UnpackOptions",
            UNIDIRECTIONAL_SEQUENCE_LSTM => "UnidirectionalSequenceLSTMOptions",
            TRANSPOSE_CONV => "TransposeConvOptions",
            RESIZE_NEAREST_NEIGHBOR => "ResizeNearestNeighborOptions",
            LEAKY_RELU => "LeakyReluOptions",
            SPLIT_V => "SplitVOptions",
            BATCH_MATMUL => "BatchMatMulOptions",
            _ => "another options table",
        }
    }
}

/// Slots of the builtin options tables.
pub mod opts {
    /// `Conv2DOptions`; dilations default to 1.
    pub mod conv2d {
        pub const PADDING: u16 = 0;
        pub const STRIDE_W: u16 = 1;
        pub const STRIDE_H: u16 = 2;
        pub const ACTIVATION: u16 = 3;
        pub const DILATION_W: u16 = 4;
        pub const DILATION_H: u16 = 5;
    }
    /// `DepthwiseConv2DOptions`; dilations default to 1.
    pub mod depthwise {
        pub const PADDING: u16 = 0;
        pub const STRIDE_W: u16 = 1;
        pub const STRIDE_H: u16 = 2;
        pub const DEPTH_MULTIPLIER: u16 = 3;
        pub const ACTIVATION: u16 = 4;
        pub const DILATION_W: u16 = 5;
        pub const DILATION_H: u16 = 6;
    }
    /// `Pool2DOptions`.
    pub mod pool2d {
        pub const PADDING: u16 = 0;
        pub const STRIDE_W: u16 = 1;
        pub const STRIDE_H: u16 = 2;
        pub const FILTER_W: u16 = 3;
        pub const FILTER_H: u16 = 4;
        pub const ACTIVATION: u16 = 5;
    }
    /// `SVDFOptions`.
    pub mod svdf {
        pub const RANK: u16 = 0;
        pub const ACTIVATION: u16 = 1;
        pub const ASYMMETRIC_QUANTIZE_INPUTS: u16 = 2;
    }
    /// `FullyConnectedOptions`.
    pub mod fully_connected {
        pub const ACTIVATION: u16 = 0;
        pub const WEIGHTS_FORMAT: u16 = 1;
        pub const KEEP_NUM_DIMS: u16 = 2;
    }
    /// `TransposeConvOptions` (`quantized_bias_type`, slot 4, is not read: TFLM ignores it).
    pub mod transpose_conv {
        pub const PADDING: u16 = 0;
        pub const STRIDE_W: u16 = 1;
        pub const STRIDE_H: u16 = 2;
        pub const ACTIVATION: u16 = 3;
    }
    /// `SoftmaxOptions`.
    pub mod softmax {
        pub const BETA: u16 = 0;
    }
    /// `LeakyReluOptions`.
    pub mod leaky_relu {
        pub const ALPHA: u16 = 0;
    }
    /// `ConcatenationOptions`.
    pub mod concatenation {
        pub const AXIS: u16 = 0;
        pub const ACTIVATION: u16 = 1;
    }
    /// `AddOptions`, `SubOptions`, `MulOptions`, `DivOptions`: activation first.
    pub mod elementwise {
        pub const ACTIVATION: u16 = 0;
    }
    /// `ReshapeOptions`.
    pub mod reshape {
        pub const NEW_SHAPE: u16 = 0;
    }
    /// `ReducerOptions`.
    pub mod reducer {
        pub const KEEP_DIMS: u16 = 0;
    }
    /// `BatchMatMulOptions`.
    pub mod batch_matmul {
        pub const ADJ_X: u16 = 0;
        pub const ADJ_Y: u16 = 1;
    }
    /// `UnidirectionalSequenceLSTMOptions`.
    pub mod unidirectional_sequence_lstm {
        pub const ACTIVATION: u16 = 0;
        pub const CELL_CLIP: u16 = 1;
        pub const PROJ_CLIP: u16 = 2;
        pub const TIME_MAJOR: u16 = 3;
        pub const ASYMMETRIC_QUANTIZE_INPUTS: u16 = 4;
        pub const DIAGONAL_RECURRENT_TENSORS: u16 = 5;
    }
    /// `StridedSliceOptions`.
    pub mod strided_slice {
        pub const BEGIN_MASK: u16 = 0;
        pub const END_MASK: u16 = 1;
        pub const ELLIPSIS_MASK: u16 = 2;
        pub const NEW_AXIS_MASK: u16 = 3;
        pub const SHRINK_AXIS_MASK: u16 = 4;
        pub const OFFSET: u16 = 5;
    }
    /// `GatherOptions`.
    pub mod gather {
        pub const AXIS: u16 = 0;
        pub const BATCH_DIMS: u16 = 1;
    }
    /// `PackOptions` and `UnpackOptions`: the count, then the axis.
    pub mod pack {
        pub const COUNT: u16 = 0;
        pub const AXIS: u16 = 1;
    }
    /// `SplitOptions` and `SplitVOptions`.
    pub mod split {
        pub const NUM_SPLITS: u16 = 0;
    }
    /// `ResizeNearestNeighborOptions`.
    pub mod resize_nearest_neighbor {
        pub const ALIGN_CORNERS: u16 = 0;
        pub const HALF_PIXEL_CENTERS: u16 = 1;
    }
}

/// The schema name of a `TensorType` value, for messages.
pub fn tensor_type_name(code: i8) -> &'static str {
    match code {
        0 => "FLOAT32",
        1 => "FLOAT16",
        2 => "INT32",
        3 => "UINT8",
        4 => "INT64",
        5 => "STRING",
        6 => "BOOL",
        7 => "INT16",
        8 => "COMPLEX64",
        9 => "INT8",
        10 => "FLOAT64",
        11 => "COMPLEX128",
        12 => "UINT64",
        13 => "RESOURCE",
        14 => "VARIANT",
        15 => "UINT32",
        16 => "UINT16",
        17 => "INT4",
        18 => "BFLOAT16",
        _ => "unknown",
    }
}

/// The IR type of a `TensorType` value, for the types cargo-tinyml handles.
pub fn dtype(code: i8) -> Option<DType> {
    Some(match code {
        0 => DType::F32,
        2 => DType::I32,
        3 => DType::U8,
        4 => DType::I64,
        6 => DType::Bool,
        7 => DType::I16,
        9 => DType::I8,
        12 => DType::U64,
        15 => DType::U32,
        _ => return None,
    })
}

/// The tensor types [`dtype`] accepts, for messages.
pub const SUPPORTED_TYPES: &str = "FLOAT32, INT8, UINT8, INT16, INT32, UINT32, INT64, UINT64, BOOL";
