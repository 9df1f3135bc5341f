//! What lowering produces and both back ends consume: the [`Kernel`] trait (a lowered
//! operator that runs on the host and emits a structured [`Call`]), [`Lowered`] and
//! [`Step`], and [`LowerCx`], the checked view of one operator that every `ops` module
//! lowers from. This module imports neither `ops` nor any back end, so lowering, planning
//! and code generation depend on it and not on each other.

pub mod call;
pub mod emitter;
pub mod io;

pub use call::{Arg, Call};
pub use emitter::{Emitter, Item, TableData, TableElem};
pub use io::{AlignedBuf, OpIo, StepViews};

use crate::error::{CompileError, OpSite};
use crate::graph::{DType, Graph, Operator, Tensor, TensorId};
pub use tinyml_runtime::kernels::rows_in_place::{Band, RowWindow};
pub use tinyml_runtime::kernels::Scratch;

/// A lowered operator, ready to run on the host or to emit.
pub trait Kernel: std::fmt::Debug + Send + Sync {
    /// The TFLite operator name (`CONV_2D`).
    fn op_name(&self) -> &'static str;
    /// Multiply-accumulates per inference (by default 0, as for data movement).
    fn macs(&self) -> u64 {
        0
    }
    /// Bytes of constant data this kernel keeps in flash (weights, biases, tables; by
    /// default none).
    fn const_bytes(&self) -> usize {
        0
    }
    /// Arena scratch the kernel can use while it runs: the planner grants `min`, and
    /// `preferred` when that does not grow the arena ([`crate::plan::plan_program`]).
    /// Sizes come from the runtime's own functions (`conv_s8_scratch`), so the kernel on
    /// the device reads the layout the compiler planned. A kernel with scratch emits its
    /// call with `scratch`, bound even when the plan gives it 0 bytes.
    fn scratch(&self) -> Scratch {
        Scratch::NONE
    }
    /// Whether the output is arena input 0 reinterpreted (RESHAPE, SQUEEZE): the planner
    /// gives both the same bytes, and the kernel is neither run nor emitted.
    fn is_reinterpretation(&self) -> bool {
        false
    }
    /// The arena inputs whose bytes the output may take (in-place execution), best
    /// first: an input of the output's element type and element count whose element `i`
    /// only output element `i` reads. The planner uses one when that input dies here
    /// ([`crate::plan::in_place_candidates`]). By default none.
    fn in_place_inputs(&self) -> Vec<usize> {
        Vec::new()
    }
    /// The call that runs the kernel with its output over arena input `k`, one of
    /// [`Kernel::in_place_inputs`]. By default the unary form of [`Kernel::emit`]: the
    /// runtime's `<function>_in_place`, with input `k` as [`Arg::State`] and no output.
    fn emit_in_place(&self, e: &mut Emitter, k: usize) -> Call {
        let mut call = self.emit(e);
        e.use_path("tinyml_runtime::kernels::in_place::*");
        call.function.push_str("_in_place");
        call.args.retain(|a| *a != Arg::Output);
        for a in &mut call.args {
            if *a == Arg::Input(k) {
                *a = Arg::State(k);
            }
        }
        call
    }
    /// The vertical window of a layer that can write over its own input a band of output
    /// rows at a time (`tinyml_runtime::kernels::rows_in_place`): int8 convolutions and
    /// depthwise convolutions of one batch. The planner may then give its output and its
    /// input one buffer ([`crate::plan::rows`]). By default none.
    fn row_window(&self) -> Option<RowWindow> {
        None
    }
    /// The kernel scratch of one band of rows (by default the whole layer's).
    fn band_scratch(&self, _band: &Band) -> Scratch {
        self.scratch()
    }
    /// Runs on the host like the device's rows form: the output from `buf[0]`, the input
    /// at `buf[shift]`, `band` rows at a time (`direct`: straight into place where the
    /// rows allow), the ring then the band's scratch in `scratch`. Only layers with a
    /// [`Kernel::row_window`] implement it.
    fn execute_rows(
        &self,
        buf: &mut [i8],
        _shift: usize,
        _band: usize,
        _direct: bool,
        _scratch: &mut [u8],
    ) -> Result<(), tinyml_runtime::Error> {
        Err(tinyml_runtime::Error::BufferLength { expected: 0, actual: buf.len() })
    }
    /// Runs one band of rows on the host, as a fused chain calls it
    /// (`tinyml_runtime::kernels::fused_rows`): the band's input rows to its output rows,
    /// with the band's scratch. Only layers with a [`Kernel::row_window`] implement it.
    fn execute_band(
        &self,
        _band: &Band,
        _input: &[i8],
        output: &mut [i8],
        _scratch: &mut [u8],
    ) -> Result<(), tinyml_runtime::Error> {
        Err(tinyml_runtime::Error::BufferLength { expected: 0, actual: output.len() })
    }
    /// For a layer with a [`Kernel::row_window`]: the runtime functions that give its
    /// parameters' window and one band's parameters (`RowWindow::of_conv`, `conv_band`),
    /// for the generated loop of a fused chain, which prepares [`Kernel::emit`]'s
    /// function once for all bands with the runtime's `<function>_bands` form and calls
    /// it on each band. By default none.
    fn band_functions(&self) -> Option<(&'static str, &'static str)> {
        None
    }
    /// The call of the rows form: the runtime's `<function>_rows_in_place`, with the
    /// buffer ([`Arg::Buffer`]), `shift`, `band` and `direct` in place of the input, no
    /// output, and the scratch (ring and band scratch) last.
    fn emit_rows(&self, e: &mut Emitter, shift: usize, band: usize, direct: bool) -> Call {
        let call = self.emit(e);
        rows_call(call, e, shift, band, direct)
    }
    /// The parts of the kernel's code, past its operator's ([`crate::analysis::kernel_code_bytes`]),
    /// that the step links given the scratch the plan grants it (`granted`, as
    /// [`Emitter::scratch`]) and, when it runs by rows in place, its `(shift, band,
    /// direct)`: the paths its call takes (`"conv_s8 general"`). By default none.
    fn code_parts(&self, _granted: Option<usize>, _rows: Option<(usize, usize, bool)>) -> Vec<&'static str> {
        Vec::new()
    }
    /// For a step that an NPU runs (`crate::npu`): the region the NPU works in, which
    /// holds the step's inputs and outputs at fixed offsets. The planner places the
    /// tensors so ([`crate::plan::buffers_of`]); the region starts where the first input
    /// sits less its offset ([`crate::program::Program::npu_region`]). By default none.
    fn npu_region(&self) -> Option<NpuRegion> {
        None
    }
    /// What the generated code embeds for an NPU step: its driver payload and weights.
    /// `None` for a step whose NPU is simulated ([`Kernel::npu_simulation`]).
    fn npu_stream(&self) -> Option<NpuStream<'_>> {
        None
    }
    /// For a simulated NPU step, the program that stands in for the NPU: a
    /// `crate::program::Program` of the operators it replaces, run in the step's scratch
    /// (its own arena) with the inputs copied in and the outputs copied out (named
    /// through `Any` because programs are built from kernels, not the reverse).
    fn npu_simulation(&self) -> Option<&dyn std::any::Any> {
        None
    }
    /// Runs on the host over the planned arena.
    fn execute(&self, io: &mut OpIo<'_>) -> Result<(), tinyml_runtime::Error>;
    /// The kernel call, with its constants added to `e`. [`Arg::Input`] `k` is arena
    /// input `k` in the order of [`Lowered::inputs`].
    fn emit(&self, e: &mut Emitter) -> Call;
    /// The call of a layer run whole (not by rows, in place or fused): by default
    /// [`Kernel::emit`]'s. A kernel may emit here an equivalent form that only a call on
    /// the whole layer can take (a depthwise layer of one column as one row).
    fn emit_whole(&self, e: &mut Emitter) -> Call {
        self.emit(e)
    }
    /// Constant bytes of [`Kernel::emit_whole`]'s call: by default [`Kernel::const_bytes`]
    /// (which counts the tables of the other calls).
    fn whole_const_bytes(&self) -> usize {
        self.const_bytes()
    }
}

/// Where an NPU step's tensors sit in the memory the NPU works in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NpuRegion {
    /// Its bytes.
    pub bytes: usize,
    /// The offset in it of each of the step's inputs, then of each output.
    pub at: Vec<usize>,
}

/// The command stream of an NPU step, as the device runs it.
#[derive(Clone, Copy, Debug)]
pub struct NpuStream<'a> {
    /// The driver payload (Vela's `COP1`: CONFIG/ID words and the command stream).
    pub payload: &'a [u8],
    /// The weights the command stream reads (region 0).
    pub weights: &'a [u8],
}

/// The result of lowering one operator.
#[derive(Debug)]
pub struct Lowered {
    /// The kernel.
    pub kernel: Box<dyn Kernel>,
    /// Arena tensors read, in the order the kernel expects (constants are folded into the
    /// kernel and do not appear here). Variable tensors (recurrent state) are listed here
    /// too: the kernel reads and updates them in place through [`Arg::State`].
    pub inputs: Vec<TensorId>,
    /// The arena tensors written, in the order of the operator's outputs.
    pub outputs: Vec<TensorId>,
}

/// One lowered operator in execution order.
#[derive(Debug)]
pub struct Step {
    /// Index of the operator in the graph.
    pub op_index: usize,
    /// The kernel call.
    pub kernel: Box<dyn Kernel>,
    /// Arena tensors read (variable tensors among them are also written).
    pub inputs: Vec<TensorId>,
    /// Arena tensors written.
    pub outputs: Vec<TensorId>,
}

impl Step {
    /// The first output, which single-output operators write.
    pub fn output(&self) -> TensorId {
        self.outputs[0]
    }
}

/// What a lowering function sees: the graph and one operator, with checked accessors
/// that turn mistakes in the model into errors naming the operator and tensor.
pub struct LowerCx<'g> {
    /// The whole graph.
    pub graph: &'g Graph,
    /// The operator being lowered.
    pub op: &'g Operator,
}

impl<'g> LowerCx<'g> {
    /// Where this operator is, for errors.
    pub fn site(&self) -> OpSite {
        OpSite { index: self.op.index, op: self.op.opcode.name() }
    }

    /// An "unsupported" error for this operator.
    pub fn unsupported(&self, reason: impl Into<String>) -> CompileError {
        CompileError::Unsupported { site: self.site(), reason: reason.into() }
    }

    /// An "invalid model" error for this operator.
    pub fn invalid(&self, reason: impl Into<String>) -> CompileError {
        CompileError::Invalid { site: self.site(), reason: reason.into() }
    }

    /// Tensor id of input `k`, which must be present.
    pub fn input_id(&self, k: usize) -> Result<TensorId, CompileError> {
        self.op
            .inputs
            .get(k)
            .copied()
            .flatten()
            .ok_or_else(|| self.invalid(format!("missing input {k} (has {} inputs)", self.op.inputs.len())))
    }

    /// Input `k`, which must be present.
    pub fn input(&self, k: usize) -> Result<&'g Tensor, CompileError> {
        Ok(&self.graph.tensors[self.input_id(k)?])
    }

    /// Input `k` if present (optional inputs such as a bias).
    pub fn optional_input(&self, k: usize) -> Option<&'g Tensor> {
        self.op.inputs.get(k).copied().flatten().map(|id| &self.graph.tensors[id])
    }

    /// Tensor id of output `k`.
    pub fn output_id(&self, k: usize) -> Result<TensorId, CompileError> {
        self.op.outputs.get(k).copied().ok_or_else(|| self.invalid(format!("missing output {k}")))
    }

    /// Output `k`.
    pub fn output(&self, k: usize) -> Result<&'g Tensor, CompileError> {
        Ok(&self.graph.tensors[self.output_id(k)?])
    }

    /// A display name for tensor `t` in messages: `'name' (#id)`.
    pub fn tensor_name(&self, id: TensorId) -> String {
        format!("tensor #{id} '{}'", self.graph.tensors[id].name)
    }

    /// Checks that input `k` has type `dtype`.
    pub fn expect_input_type(&self, k: usize, dtypes: &[DType]) -> Result<&'g Tensor, CompileError> {
        let t = self.input(k)?;
        if !dtypes.contains(&t.dtype) {
            return Err(self.unsupported(format!(
                "input {k} ({}) has type {}; supported: {}",
                self.tensor_name(self.input_id(k)?),
                t.dtype.tflite_name(),
                dtypes.iter().map(|d| d.tflite_name()).collect::<Vec<_>>().join(", ")
            )));
        }
        Ok(t)
    }

    /// Constant bytes of input `k`, which must be constant.
    fn const_data(&self, k: usize) -> Result<&'g [u8], CompileError> {
        let t = self.input(k)?;
        t.data.as_deref().ok_or_else(|| {
            self.unsupported(format!(
                "input {k} ({}) must be constant",
                self.tensor_name(self.input_id(k).unwrap_or(0))
            ))
        })
    }

    /// Constant data of input `k` as i8.
    pub fn const_i8(&self, k: usize) -> Result<Vec<i8>, CompileError> {
        Ok(self.const_data(k)?.iter().map(|&b| b as i8).collect())
    }

    /// Constant data of input `k` as little-endian i32.
    pub fn const_i32(&self, k: usize) -> Result<Vec<i32>, CompileError> {
        Ok(self.const_data(k)?.chunks_exact(4).map(|c| i32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect())
    }

    /// Per-tensor scale and zero point of `t`, required.
    pub fn quant_of(&self, t: &Tensor, role: &str) -> Result<(f32, i64), CompileError> {
        t.scale_zp().ok_or_else(|| self.unsupported(format!("{role} tensor '{}' is not quantized", t.name)))
    }
}

/// `call` (a kernel's ordinary call) as the call of its rows form
/// ([`Kernel::emit_rows`]): the runtime's `<function>_rows_in_place`, with the buffer,
/// `shift`, `band` and `direct` in place of the input, no output, and the scratch last.
pub fn rows_call(mut call: Call, e: &mut Emitter, shift: usize, band: usize, direct: bool) -> Call {
    e.use_path("tinyml_runtime::kernels::rows_in_place::*");
    call.function.push_str("_rows_in_place");
    call.args.retain(|a| !matches!(a, Arg::Output | Arg::Scratch | Arg::NoScratch));
    if let Some(at) = call.args.iter().position(|a| *a == Arg::Input(0)) {
        call.args.splice(at..=at, [Arg::Buffer, Arg::Int(shift as i64), Arg::Int(band as i64), Arg::Bool(direct)]);
    }
    call.args.push(Arg::Scratch);
    call.fallible = true;
    call
}
