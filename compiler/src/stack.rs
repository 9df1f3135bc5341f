//! The stack estimate of a program: the deepest frame of the kernels it calls, measured
//! per kernel family on the device (`cargo tinyml profile` paints the stack). Both the
//! report ([`crate::analysis`]) and the region placement of a build
//! ([`crate::program::CompileOptions::stack_region`]) take it.

/// Stack estimate for a model whose kernels keep only small frames (no recursion).
pub const STACK_BYTES_BASE: usize = 1024;
/// Stack estimate when fully connected layers are present: the optimized kernels read
/// compile-time tables and keep at most a block's accumulators (256 B) on the stack.
/// Measured on mps3-an547 (`cargo tinyml profile`): ad01 and hello_world peak at 636 B
/// (720 B and 704 B before the fully connected table of folded biases).
pub const STACK_BYTES_FC: usize = 1024;
/// Stack estimate when convolutions are present: the optimized kernels keep their column
/// and padded input in arena scratch; what depends on the layer only (the narrow-input
/// conv path's gather offsets and repacked weights, `kernels::conv::conv_s8_pack_narrow`;
/// the depthwise runs' zero points, tap offsets and taps by rows and by columns,
/// `depthwise_conv_s8_pack_layer`) is in the layer's packed table in flash; on the stack
/// remain a block's accumulators, tap pointers, when the arena had no scratch for it a
/// column of at most 128 B, on Helium the narrow path's context (22 words; its band of
/// input rows, 256 B, is gone since 2026-12-08: it gathers in place), the depthwise
/// routines' contexts (at most 31 words) and, while a run takes the lanes, 16 channels'
/// constants. (The interior runs' offsets and the lanes' taps are read from the table
/// since issue 11's second pass, dev KWS speed 3,192 -> 2,680 B, VWW speed 3,288 ->
/// 2,600 B, VWW ram 4,264 -> 3,640 B; a border pixel's list of 9, 25 or 64 offsets, the
/// last list written, since 2026-12-08: its window is walked over the table's taps,
/// release KWS's depthwise band frame 828 -> 608 B, its list's 256 B frame gone, the
/// high-water unchanged at 2,356 / 4,160 B in `speed` / `ram`.) It must hold for the dev
/// profile too (opt-level 1, which a generated project's `cargo tinyml run` builds), and
/// for release, whose LTO frames can be larger. Measured on mps3-an547 (2026-12-07, issue
/// 11, `--memory speed`): release (`cargo tinyml profile`) VWW 3,888 B, KWS 2,560 B, IC
/// ResNet-8 2,632 B; dev (the profiler's stack record of `cargo run --features profile`)
/// VWW 3,224 B, KWS 3,176 B, IC ResNet-8 2,680 B, micro_speech 2,848 B. (Before, with
/// those values and lists on the stack of every call: release VWW 4,512 B, KWS 3,628 B;
/// dev VWW 4,280 B, KWS 4,216 B; the estimate was 4,352 B.)
pub const STACK_BYTES_CONV: usize = 4096;

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

/// [`stack_estimate`] for the kernels of `steps` (reinterpretations run no kernel).
pub fn steps_stack_estimate(steps: &[crate::kernel::Step]) -> usize {
    stack_estimate(steps.iter().filter(|s| !s.kernel.is_reinterpretation()).map(|s| s.kernel.op_name()))
}

/// What a program whose layers run by rows or fused (`--memory ram`) adds to
/// [`STACK_BYTES_CONV`]: the band loop's frame (`rows_in_place::run` with the band's kernel
/// call inlined, about 900 B) sits under the kernel's. Measured on mps3-an547 (`cargo
/// tinyml profile --memory ram`, 2026-12-07, issue 11): release VWW 4,112 B (3,888 B in
/// `speed`), KWS 2,996 B (2,560 B), IC ResNet-8 3,488 B (2,632 B), micro_speech 1,240 B
/// (656 B); dev VWW 4,232 B, KWS 3,232 B, IC ResNet-8 3,056 B, micro_speech 2,368 B.
/// Since a layer starved of its padded copy runs by rows too (`plan_program`: KWS's first
/// layer, IC ResNet-8's layer 5), the whole-layer kernel's frame nests under the band loop
/// there: dev KWS 4,216 B, VWW 4,344 B, IC ResNet-8 4,240 B (issue 13), within 4,992.
pub const STACK_BYTES_BY_ROWS: usize = 896;

/// [`steps_stack_estimate`] for a planned program: more when its plan runs a layer by
/// rows or a pair fused ([`STACK_BYTES_BY_ROWS`]).
pub fn plan_stack_estimate(steps: &[crate::kernel::Step], plan: &crate::plan::MemoryPlan) -> usize {
    let banded = plan.rows.iter().any(Option::is_some) || plan.fused.iter().any(|&f| f);
    steps_stack_estimate(steps) + if banded { STACK_BYTES_BY_ROWS } else { 0 }
}
