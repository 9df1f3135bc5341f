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
/// and padded input in arena scratch, and on the stack a block's accumulators, tap
/// pointers, a row of zero points, when the arena had no scratch for it a column of at
/// most 128 B, on Helium the narrow-input conv path's band of input rows, repacked
/// weights and gather offsets (832 B, `kernels::conv::narrow`), and the depthwise runs'
/// per-layer values (`depthwise_conv::rows::Shared`, about 360 B) beside their lists of
/// taps and channel constants (about 830 B). It must hold for the dev profile too
/// (opt-level 1, which a generated project's `cargo tinyml run` builds), whose frames are
/// larger. Measured on mps3-an547 (2026-12-07, after the layers by rows built their
/// shared values once): release (`cargo tinyml profile`) KWS 3,660 B; dev (the
/// profiler's stack record of `cargo run --features profile`) VWW 4,280 B, KWS 4,216 B,
/// IC ResNet-8 3,600 B. (Before the shared values: release VWW 3,776 B, KWS 2,840 B;
/// the estimate was 3,840 B, and a KWS dev build on a 12 KiB DTCM overran it.)
pub const STACK_BYTES_CONV: usize = 4352;

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
/// tinyml profile --memory ram`, 2026-12-07): VWW 4,608 B (3,776 B in `speed`), KWS
/// 3,828 B (2,840 B), IC ResNet-8 3,332 B (3,048 B), micro_speech 2,836 B (656 B).
pub const STACK_BYTES_BY_ROWS: usize = 896;

/// [`steps_stack_estimate`] for a planned program: more when its plan runs a layer by
/// rows or a pair fused ([`STACK_BYTES_BY_ROWS`]).
pub fn plan_stack_estimate(steps: &[crate::kernel::Step], plan: &crate::plan::MemoryPlan) -> usize {
    let banded = plan.rows.iter().any(Option::is_some) || plan.fused.iter().any(|&f| f);
    steps_stack_estimate(steps) + if banded { STACK_BYTES_BY_ROWS } else { 0 }
}
