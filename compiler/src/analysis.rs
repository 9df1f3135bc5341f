//! The static analysis of a compiled program (`cargo tinyml analyze`): an estimate, per
//! layer, of what it computes and where its memory goes, with totals that say whether a
//! board can hold it. (The measured report of a run is `cargo tinyml profile`'s.)

use crate::plan::bound::{self, Breakdown};
use crate::plan::rows::InPlaceCost;
use crate::plan::{fused, MemoryMode, RowsInPlace};
use crate::program::Program;
use serde::Serialize;

/// Flash the runtime and generated code take besides the constant tables, estimated from
/// what the model links: a fixed part, a part per distinct kernel and a part per layer
/// (the generated call, its views and parameters). Fitted to the larger of the dev build
/// (`cargo tinyml run`, opt-level 1) and the release build (`cargo tinyml profile`, LTO)
/// on mps3-an547, code = flash minus constants, measured by
/// `cargo-tinyml/tests/code_size.rs` (which fails when the estimate leaves -15%..+25% of
/// the measurement and prints the figures to refit from): dev builds, the larger,
/// hello_world 19,480 B, ad01 21,040 B, KWS 89,256 B, ic_resnet8 83,672 B, VWW 119,860 B
/// (2026-12-07, second round: pooling by rows, about 4.5 KB in a dev build; main e13e8b3
/// before it measured 19,500, 21,060, 84,528, 79,264 and 115,144, which the estimate had
/// drifted to -15% of: the conv and depthwise growth of that day, refitted here from the
/// three models' differences, KWS and VWW alike, IC ResNet-8 without depthwise). Release
/// builds are about half (KWS 46,348 B). Per-kernel parts follow the kernels' symbol
/// sizes in the KWS ELF.
pub const CODE_BYTES_BASE: usize = 16_900;
/// Code per layer of a convolution (CONV_2D, DEPTHWISE_CONV_2D, and TRANSPOSE_CONV,
/// assumed alike): its call, views and parameter tables in the generated code.
pub const CODE_BYTES_PER_CONV_LAYER: usize = 1_700;
/// Code per layer of any other operator that is not a reinterpretation.
pub const CODE_BYTES_PER_LAYER: usize = 230;

/// The code a kernel family (by operator name) or a part of one (`Kernel::code_parts`:
/// the paths of a kernel only some layers take) adds once, however many layers use it.
pub fn kernel_code_bytes(op: &str) -> usize {
    match op {
        // Refitted 2026-12-08 (flashlink merged with main 16f5487: narrowfix's row routine,
        // dwlist's depthwise border walk), by part as dev builds measure them: a model
        // built with every conv path (`conv_path::ALL` in each call) against the paths its
        // layers take. Dev KWS (general and pointwise) 124,892 -> 101,296 B, less the
        // in-place and narrow parts; IC ResNet-8 (narrow, general, pointwise) 101,684 ->
        // 89,476 B, less the in-place part (12,208 B); VWW (narrow and pointwise: on
        // Helium a narrow layer links its narrow path alone) 155,556 -> 128,148 B, less
        // the in-place and general parts (general 15,200 B); the narrow part 23,596 -
        // 12,208 = 11,388 B (3,700 before: the row routine, its chunks' walk and border
        // masks). What every conv links, pointwise included, is fitted to dev KWS
        // (estimated 101,340 B) with the depthwise part below. (Before: 43,000 with the
        // general path; 44,500 with every path; main's 50,350 with every path and the
        // row routine.)
        "CONV_2D" => 26_500,
        // Columns in the arena scratch (im2col, and the padded input when it fits).
        "conv_s8 general" => 15_200,
        // Windows read in place, layers whose arena has no scratch for the column.
        "conv_s8 in place" => 12_200,
        // The narrow-input path (Helium; other cores link nothing for it).
        "conv_s8 narrow" => 11_400,
        // Refitted 2026-12-07 (issue 11, the depthwise lists read from the layer's table):
        // a 3x3 window's border pixels inlined into each part's sweep, dev KWS measured
        // 110,600 B and VWW 141,288 B (16,650 here before).
        // Refitted 2026-12-08 (flashlink merged with main 16f5487): dev KWS with every
        // conv path 124,892 B, main's (every conv and depthwise path, before dwlist)
        // 133,168 B: 8.3 KB less, the depthwise layers linking their path alone
        // (`depthwise_conv_s8_only`) and dwlist's border pixels walking their window
        // (25,650 here before).
        "DEPTHWISE_CONV_2D" => 17_400,
        // The int8 dispatcher, optimized scatter and reference (symbol sizes in an
        // mps3-an547 release build, 2026-12-06); dot4 is counted with CONV_2D.
        "TRANSPOSE_CONV" => 3_650,
        "FULLY_CONNECTED" => 2_800,
        "ADD" | "SUB" | "MUL" => 10_400,
        "AVERAGE_POOL_2D" | "MAX_POOL_2D" => 5_800,
        "SOFTMAX" => 750,
        _ => 1_500,
    }
}

/// The code estimate for `kernels` (distinct, linked once) and the ops of the layers
/// that emit code.
pub fn code_estimate<'a>(
    kernels: impl IntoIterator<Item = &'a str>,
    layers: impl IntoIterator<Item = &'a str>,
) -> usize {
    let per_kernel: usize = kernels.into_iter().map(kernel_code_bytes).sum();
    let per_layer: usize = layers
        .into_iter()
        .map(|op| match op {
            "CONV_2D" | "DEPTHWISE_CONV_2D" | "TRANSPOSE_CONV" => CODE_BYTES_PER_CONV_LAYER,
            _ => CODE_BYTES_PER_LAYER,
        })
        .sum();
    CODE_BYTES_BASE + per_kernel + per_layer
}
pub use crate::stack::{
    plan_stack_estimate, stack_estimate, steps_stack_estimate, STACK_BYTES_BASE, STACK_BYTES_BY_ROWS, STACK_BYTES_CONV,
    STACK_BYTES_FC,
};

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
    /// Arena offset of the output (for the first layer of a fused pair, whose output is
    /// never whole in the arena: its step's scratch, where the window of its rows lives).
    pub arena_offset: usize,
    /// Scratch bytes in the arena.
    pub scratch_bytes: usize,
    /// Whether the layer is a reinterpretation (no code, no memory of its own).
    pub no_op: bool,
    /// Whether the output shares the bytes of an input in the plan (aliases such as
    /// RESHAPE; layers that write over their input).
    pub in_place: bool,
    /// How a convolution writes over its input a band of rows at a time, if it does:
    /// where the input sits in its output's buffer and the rows per kernel call.
    pub rows_in_place: Option<RowsInPlace>,
    /// The layer this one runs fused with by rows, if any (`plan::fused`): the first of
    /// the pair computes only the rows of its output that a band of the second reads.
    pub fused_with: Option<usize>,
    /// Arena bytes live while the layer runs: every tensor live across it and its scratch.
    pub live_bytes: usize,
}

/// The whole report.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    /// Planned arena bytes (activations and scratch, the persistent region included).
    pub arena_bytes: usize,
    /// The memory mode of the plan (`--memory`): which layers may run in place.
    pub memory_mode: MemoryMode,
    /// The layers that write their output over an input that dies there (elementwise
    /// layers in place, convolutions by rows, both layers of a fused pair;
    /// reinterpretations are not listed).
    pub in_place_layers: Vec<usize>,
    /// Instructions the in-place layers are expected to add per inference, from the
    /// bytes layers by rows copy and the kernel calls they split into
    /// (`plan::rows::InPlaceCost`, calibrated in QEMU on mps3-an547; docs/benchmarks.md;
    /// elementwise layers in place add none).
    pub in_place_extra_instructions: u64,
    /// Of those, the instructions the fused pairs add (`plan::fused`): their kernel calls
    /// split into bands, their ring copies and the rows their windows move.
    pub fused_extra_instructions: u64,
    /// Bytes of the arena that hold variable tensors (recurrent state such as LSTM and
    /// SVDF state): kept between invocations, never shared with other tensors.
    pub persistent_bytes: usize,
    /// The layer-wise bound: the largest sum of one layer's distinct arena inputs plus
    /// its output (`plan::bound`); without in-place execution or tiling no plan is smaller.
    pub layer_bound_bytes: usize,
    /// The layer that sets the layer-wise bound.
    pub layer_bound_layer: Option<usize>,
    /// The bytes live at the plan's busiest layer (with skip connections and scratch),
    /// aligned: no placement of the plan's buffers is smaller.
    pub live_floor_bytes: usize,
    /// What the busiest layer holds, from its inputs and output up to the arena.
    pub arena_breakdown: Breakdown,
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
        let buffers: Vec<_> = p.plan.buffers.iter().map(|(b, _)| b.clone()).collect();
        let live = bound::live_bytes(&buffers, p.steps.len());
        let layers: Vec<LayerReport> = p
            .steps
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let no_op = s.kernel.is_reinterpretation();
                let fused_with =
                    if p.plan.fused[i] { Some(i + 1) } else { (i > 0 && p.plan.fused[i - 1]).then(|| i - 1) };
                LayerReport {
                    index: i,
                    op: s.kernel.op_name().to_owned(),
                    input_shapes: s.inputs.iter().map(|&t| g.tensors[t].shape.clone()).collect(),
                    output_shape: g.tensors[s.output()].shape.clone(),
                    macs: s.kernel.macs(),
                    param_bytes: p.step_const_bytes(i),
                    activation_bytes: if no_op {
                        0
                    } else {
                        s.inputs.iter().chain(&s.outputs).map(|&t| g.tensors[t].bytes()).sum::<usize>()
                    },
                    arena_offset: p.plan.tensor_offsets[s.output()].unwrap_or(p.plan.scratch[i].0),
                    scratch_bytes: p.plan.scratch[i].1,
                    no_op,
                    in_place: bound::in_place(s, &p.plan.buffers) || fused_with.is_some(),
                    rows_in_place: p.plan.rows[i],
                    fused_with,
                    live_bytes: live[i],
                }
            })
            .collect();
        let mut kernels: Vec<String> =
            p.steps.iter().filter(|s| !s.kernel.is_reinterpretation()).map(|s| s.kernel.op_name().to_owned()).collect();
        kernels.sort();
        kernels.dedup();
        // The parts of kernels only some layers link (the paths their calls take).
        let mut parts: Vec<&str> = (0..p.steps.len())
            .filter(|&i| !p.steps[i].kernel.is_reinterpretation())
            .flat_map(|i| {
                let rows = p.plan.rows[i].filter(|_| !p.plan.in_fused_pair(i)).map(|r| (r.shift, r.band, r.direct));
                p.steps[i].kernel.code_parts(p.plan.granted_scratch(i), rows)
            })
            .collect();
        parts.sort();
        parts.dedup();
        let const_bytes = p.const_bytes();
        let code = code_estimate(
            kernels.iter().map(String::as_str).chain(parts),
            layers.iter().filter(|l| !l.no_op).map(|l| l.op.as_str()),
        );
        let stack = plan_stack_estimate(&p.steps, &p.plan);
        let (layer_bound_bytes, layer_bound_layer) = bound::layer_bound(g, &p.steps);
        Report {
            arena_bytes: p.plan.arena_bytes,
            memory_mode: p.plan.memory,
            in_place_layers: (0..p.steps.len())
                .filter(|&i| p.plan.in_place[i].is_some() || p.plan.rows[i].is_some() || (i > 0 && p.plan.fused[i - 1]))
                .collect(),
            in_place_extra_instructions: in_place_extra_instructions(p, false),
            fused_extra_instructions: in_place_extra_instructions(p, true),
            persistent_bytes: p.plan.persistent_bytes,
            layer_bound_bytes,
            layer_bound_layer,
            live_floor_bytes: bound::live_floor(&buffers),
            arena_breakdown: bound::breakdown(&p.steps, &buffers, p.plan.arena_bytes),
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
        // Wide enough for the longest name (UNIDIRECTIONAL_SEQUENCE_LSTM) when present.
        let op_width = self.layers.iter().map(|l| l.op.len()).max().unwrap_or(0).max(18);
        let _ = writeln!(
            s,
            "{:>3}  {:<op_width$} {:<22} {:<16} {:>10} {:>9} {:>9} {:>8}",
            "#", "op", "input", "output", "MACs", "params B", "act B", "offset"
        );
        for l in &self.layers {
            let inp = l.input_shapes.first().map(|v| format!("{v:?}")).unwrap_or_default();
            let _ = writeln!(
                s,
                "{:>3}  {:<op_width$} {:<22} {:<16} {:>10} {:>9} {:>9} {:>8}",
                l.index,
                l.op,
                inp,
                format!("{:?}", l.output_shape),
                l.macs,
                l.param_bytes,
                l.activation_bytes,
                match (l.no_op, l.fused_with) {
                    (true, _) => "alias".to_owned(),
                    // Its output is a window of rows in the step's scratch.
                    (_, Some(j)) if j > l.index => "window".to_owned(),
                    _ => l.arena_offset.to_string(),
                }
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
        let at = self.layer_bound_layer.map(|l| format!(" (layer {l})")).unwrap_or_default();
        let _ = writeln!(
            s,
            "arena: {} B planned (--memory {}); layer-wise bound {} B{at}; live floor {} B",
            self.arena_bytes,
            self.memory_mode.name(),
            self.layer_bound_bytes,
            self.live_floor_bytes
        );
        if self.persistent_bytes > 0 {
            let _ = writeln!(
                s,
                "       persistent state: {} B of variable tensors, kept between invocations",
                self.persistent_bytes
            );
        }
        let b = &self.arena_breakdown;
        let _ = writeln!(
            s,
            "       busiest layer {}: {} B inputs + output, {} B other live tensors, {} B scratch, {} B alignment, {} B placement",
            b.step, b.layer_bytes, b.other_tensor_bytes, b.scratch_bytes, b.alignment_bytes, b.placement_bytes
        );
        let in_place: Vec<String> = self
            .layers
            .iter()
            .filter(|l| l.in_place && l.fused_with.is_none_or(|j| j > l.index))
            .map(|l| {
                if let Some(j) = l.fused_with {
                    let next = self.layers.get(j).map_or("", |n| n.op.as_str());
                    format!("{}+{j} ({} -> {next}, fused by rows)", l.index, l.op)
                } else if l.no_op {
                    format!("{} ({})", l.index, l.op)
                } else if let Some(r) = l.rows_in_place {
                    // `direct`: bands written straight into place, no ring.
                    format!("{} ({}, by rows{})", l.index, l.op, if r.direct { ", direct" } else { "" })
                } else {
                    format!("{} ({}, over its input)", l.index, l.op)
                }
            })
            .collect();
        if !in_place.is_empty() {
            let _ = writeln!(s, "       in place: {}", in_place.join(", "));
        }
        if self.in_place_extra_instructions > 0 {
            let _ = writeln!(
                s,
                "       in place costs about {} instructions per inference (copies and split kernel calls)",
                self.in_place_extra_instructions
            );
        }
        if self.fused_extra_instructions > 0 {
            let _ = writeln!(
                s,
                "       of which the fused pairs about {} (bands of both layers, ring copies, window rows moved)",
                self.fused_extra_instructions
            );
        }
        s
    }
}

/// Instructions the plan's in-place layers add per inference ([`InPlaceCost`]); with
/// `fused_only`, those of its fused pairs alone.
fn in_place_extra_instructions(p: &Program, fused_only: bool) -> u64 {
    let cost = InPlaceCost::MPS3_AN547;
    p.steps
        .iter()
        .enumerate()
        .filter(|&(i, _)| !fused_only || p.plan.fused[i])
        .map(|(i, s)| match (p.plan.in_place[i], p.plan.rows[i], s.kernel.row_window()) {
            // Elementwise layers in place: no copy, the out-of-place kernel's cost.
            (Some(_), _, _) => 0,
            (_, Some(r), _) if p.plan.fused[i] => fused::chain(&p.steps, i).map_or(0, |c| cost.fused(&c, r)),
            (_, Some(r), Some(w)) => cost.rows(&w, r),
            _ => 0,
        })
        .sum()
}
