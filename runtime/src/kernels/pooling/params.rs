//! The constant parameters of a pooling layer and the element types its kernels handle.

/// Constant parameters of one pooling layer (NHWC).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PoolParams {
    /// Horizontal stride.
    pub stride_w: usize,
    /// Vertical stride.
    pub stride_h: usize,
    /// Window width.
    pub filter_w: usize,
    /// Window height.
    pub filter_h: usize,
    /// Padding on the left (TFLM `ComputePaddingHeightWidth`).
    pub pad_w: usize,
    /// Padding on the top.
    pub pad_h: usize,
    /// Lower bound of the fused activation, quantized.
    pub activation_min: i32,
    /// Upper bound of the fused activation, quantized.
    pub activation_max: i32,
    /// Batch size.
    pub batches: usize,
    /// Input height.
    pub input_h: usize,
    /// Input width.
    pub input_w: usize,
    /// Channels (input and output).
    pub depth: usize,
    /// Output height.
    pub output_h: usize,
    /// Output width.
    pub output_w: usize,
}

/// An element type the pooling kernels handle (int8, int16).
pub trait PoolElem: Copy {
    /// Widens to the accumulator type.
    fn widen(self) -> i32;
    /// Narrows a value already clamped to the type's range.
    fn narrow(v: i32) -> Self;
}

impl PoolElem for i8 {
    #[inline(always)]
    fn widen(self) -> i32 {
        self as i32
    }
    #[inline(always)]
    fn narrow(v: i32) -> Self {
        v as i8
    }
}

impl PoolElem for i16 {
    #[inline(always)]
    fn widen(self) -> i32 {
        self as i32
    }
    #[inline(always)]
    fn narrow(v: i32) -> Self {
        v as i16
    }
}
