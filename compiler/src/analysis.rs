//! The static analysis of a compiled program (`cargo tinyml analyze`): an estimate, per
//! layer, of what it computes and where its memory goes, with totals that say whether a
//! board can hold it. (The measured report of a run is `cargo tinyml profile`'s.)

use crate::program::Program;
use serde::Serialize;

/// Flash the runtime and generated code take besides the constant tables: a fixed part
/// and a part per distinct kernel. An estimate for fit checks before a build, fitted to
/// release builds on mps3-an547 measured by `cargo tinyml profile` (code = flash minus
/// constants: hello_world, one kernel, 15,740 B and ad01, one kernel, 17,948 B after the
/// fully connected table of folded biases (16,832 B and 19,080 B before it); KWS, five
/// kernels, 26,556 B; micro_speech, three kernels, 16,684 B, measured before it; the
/// packed tables of the optimized kernels counted as constants); `profile` reads the real
/// figure from the ELF.
pub const CODE_BYTES_PER_KERNEL: usize = 2560;
/// Fixed code: startup, runtime, board I/O, formatting of the output.
pub const CODE_BYTES_BASE: usize = 15 * 1024;
/// Stack estimate for a model whose kernels keep only small frames (no recursion).
pub const STACK_BYTES_BASE: usize = 1024;
/// Stack estimate when fully connected layers are present: the optimized kernels read
/// compile-time tables and keep at most a block's accumulators (256 B) on the stack.
/// Measured on mps3-an547 (`cargo tinyml profile`): ad01 and hello_world peak at 636 B
/// (720 B and 704 B before the fully connected table of folded biases).
pub const STACK_BYTES_FC: usize = 1024;
/// Stack estimate when convolutions are present: the optimized kernels keep their column
/// and padded input in arena scratch, and on the stack only a block's accumulators, tap
/// pointers, a row of zero points and, when the arena had no scratch for it, a column of
/// at most 128 B. Measured on mps3-an547 (`cargo tinyml profile`): KWS peaks at 1,448 B,
/// micro_speech at 504 B.
pub const STACK_BYTES_CONV: usize = 1536;

/// The stack estimate for a set of kernels (see the constants above); `cargo tinyml
/// profile` measures the real high-water mark by stack painting.
pub fn stack_estimate<'a>(ops: impl IntoIterator<Item = &'a str>) -> usize {
    ops.into_iter()
        .map(|op| match op {
            "CONV_2D" | "DEPTHWISE_CONV_2D" => STACK_BYTES_CONV,
            "FULLY_CONNECTED" => STACK_BYTES_FC,
            _ => STACK_BYTES_BASE,
        })
        .max()
        .unwrap_or(STACK_BYTES_BASE)
}

/// One layer of the report.
#[derive(Clone, Debug, Serialize)]
pub struct LayerReport {
    /// Layer index (execution order).
    pub index: usize,
    /// TFLite operator name.
    pub op: String,
    /// Shapes of the arena inputs.
    pub input_shapes: Vec<Vec<usize>>,
    /// Shape of the output.
    pub output_shape: Vec<usize>,
    /// Multiply-accumulates.
    pub macs: u64,
    /// Constant bytes (weights, biases, tables) in flash.
    pub param_bytes: usize,
    /// Bytes of the arena inputs plus the output.
    pub activation_bytes: usize,
    /// Arena offset of the output.
    pub arena_offset: usize,
    /// Scratch bytes in the arena.
    pub scratch_bytes: usize,
    /// Whether the layer is a reinterpretation (no code, no memory of its own).
    pub no_op: bool,
}

/// The whole report.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    /// Planned arena bytes (activations and scratch).
    pub arena_bytes: usize,
    /// Estimated flash: constants plus code.
    pub flash_bytes: usize,
    /// Constant bytes (weights, biases, tables).
    pub const_bytes: usize,
    /// Estimated code bytes.
    pub code_bytes_estimate: usize,
    /// Estimated RAM: arena plus stack.
    pub ram_bytes: usize,
    /// Estimated stack bytes.
    pub stack_bytes_estimate: usize,
    /// Multiply-accumulates per inference.
    pub macs: u64,
    /// Distinct kernels linked.
    pub kernels: Vec<String>,
    /// Layers in execution order.
    pub layers: Vec<LayerReport>,
}

impl Report {
    /// Builds the report of `p`.
    pub fn of(p: &Program) -> Report {
        let g = &p.graph;
        let layers: Vec<LayerReport> = p
            .steps
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let no_op = s.kernel.is_reinterpretation();
                LayerReport {
                    index: i,
                    op: s.kernel.op_name().to_owned(),
                    input_shapes: s.inputs.iter().map(|&t| g.tensors[t].shape.clone()).collect(),
                    output_shape: g.tensors[s.output].shape.clone(),
                    macs: s.kernel.macs(),
                    param_bytes: s.kernel.const_bytes(),
                    activation_bytes: if no_op {
                        0
                    } else {
                        s.inputs.iter().map(|&t| g.tensors[t].bytes()).sum::<usize>() + g.tensors[s.output].bytes()
                    },
                    arena_offset: p.offset(s.output),
                    scratch_bytes: p.plan.scratch[i].1,
                    no_op,
                }
            })
            .collect();
        let mut kernels: Vec<String> =
            p.steps.iter().filter(|s| !s.kernel.is_reinterpretation()).map(|s| s.kernel.op_name().to_owned()).collect();
        kernels.sort();
        kernels.dedup();
        let const_bytes = p.const_bytes();
        let code = CODE_BYTES_BASE + CODE_BYTES_PER_KERNEL * kernels.len();
        let stack = stack_estimate(kernels.iter().map(String::as_str));
        Report {
            arena_bytes: p.plan.arena_bytes,
            flash_bytes: const_bytes + code,
            const_bytes,
            code_bytes_estimate: code,
            ram_bytes: p.plan.arena_bytes + stack,
            stack_bytes_estimate: stack,
            macs: p.macs(),
            kernels,
            layers,
        }
    }

    /// A fixed-width table for terminals.
    pub fn to_table(&self) -> String {
        use std::fmt::Write;
        let mut s = String::new();
        let _ = writeln!(
            s,
            "{:>3}  {:<18} {:<22} {:<16} {:>10} {:>9} {:>9} {:>8}",
            "#", "op", "input", "output", "MACs", "params B", "act B", "offset"
        );
        for l in &self.layers {
            let inp = l.input_shapes.first().map(|v| format!("{v:?}")).unwrap_or_default();
            let _ = writeln!(
                s,
                "{:>3}  {:<18} {:<22} {:<16} {:>10} {:>9} {:>9} {:>8}",
                l.index,
                l.op,
                inp,
                format!("{:?}", l.output_shape),
                l.macs,
                l.param_bytes,
                l.activation_bytes,
                if l.no_op { "alias".to_owned() } else { l.arena_offset.to_string() }
            );
        }
        let _ = writeln!(
            s,
            "\ntotal: {} MACs, {} layers, kernels: {}",
            self.macs,
            self.layers.len(),
            self.kernels.join(", ")
        );
        let _ = writeln!(
            s,
            "flash: {} B ({} B constants + ~{} B code, estimated)",
            self.flash_bytes, self.const_bytes, self.code_bytes_estimate
        );
        let _ = writeln!(
            s,
            "RAM:   {} B ({} B arena, planned exactly + ~{} B stack, estimated)",
            self.ram_bytes, self.arena_bytes, self.stack_bytes_estimate
        );
        s
    }
}
