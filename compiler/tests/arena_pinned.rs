//! The planned arena of every shared model, pinned (TFLM's
//! `memory_arena_threshold_test`): a change in the planner, the lowering or a kernel's
//! scratch that moves these numbers fails here, so memory only changes on purpose.
//! Update a pin in the same commit as the change that moves it, and say why there.
//!
//! Each plan must also fit in TFLM's whole arena for the model (activations plus
//! TFLM's own bookkeeping; we keep the per-op data in flash), and the greedy placement
//! must never give two buffers that are live at the same time the same bytes.
//!
//! Models come from `TINYML_SHARED_MODELS` (or `TINYML_MODELS_DIR`), else
//! `<workspace>/tests/data`; missing models fail in CI and are skipped elsewhere.

mod support;

use tinyml_compiler::plan::{check_placement, PlannerKind};
use tinyml_compiler::program::CompileOptions;
use tinyml_compiler::Program;

/// A shared model and what its arena may be.
struct Pin {
    model: &'static str,
    /// Our planned arena in bytes (greedy by size), as of the last intended change.
    planned: usize,
    /// TFLM's whole arena for the model: "Arena allocation total" of TFLM's recording
    /// allocator (`print_allocations()` of the `tflite_micro` Python interpreter,
    /// 0.dev20261023, x86-64). KWS and AD as in `shared/NOTES.md`; micro_speech and
    /// hello_world measured the same way for this test.
    tflm_arena: usize,
    /// TFLM's activations ("Arena allocation head"), for the report.
    tflm_activations: usize,
}

const PINS: &[Pin] = &[
    Pin { model: "mlperf-tiny/kws_ref_model.tflite", planned: 16_000, tflm_arena: 24_272, tflm_activations: 16_000 },
    Pin { model: "mlperf-tiny/ad01_int8.tflite", planned: 768, tflm_arena: 3_984, tflm_activations: 768 },
    Pin {
        model: "tflite-micro/micro_speech_quantized.tflite",
        planned: 5_968,
        tflm_arena: 7_584,
        tflm_activations: 5_968,
    },
    Pin { model: "tflite-micro/hello_world_int8.tflite", planned: 32, tflm_arena: 1_504, tflm_activations: 32 },
];

/// Compiles a shared model, or `None` after a visible skip when the models are absent.
fn compile(rel: &str, planner: PlannerKind) -> Option<Program> {
    let path = support::shared_models().join(rel);
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) => {
            support::skip(
                "arena_pinned",
                &format!("cannot read {}: {e}", path.display()),
                "restore tests/data from git, or set TINYML_SHARED_MODELS=/path/to/models",
            );
            return None;
        }
    };
    let options = CompileOptions { planner };
    Some(tinyml_compiler::compile(&bytes, &options).unwrap_or_else(|e| panic!("{rel} does not compile: {e}")))
}

#[test]
fn planned_arena_bytes_are_pinned_and_within_tflm() {
    let mut rows = Vec::new();
    let mut problems = Vec::new();
    for pin in PINS {
        let Some(p) = compile(pin.model, PlannerKind::GreedyBySize) else { return };
        let got = p.plan.arena_bytes;
        if got != pin.planned {
            problems.push(format!(
                "{}: planned arena is {got} B, pinned {} B (update the pin if the change is intended)",
                pin.model, pin.planned
            ));
        }
        if got > pin.tflm_arena {
            problems.push(format!("{}: planned arena {got} B exceeds TFLM's {} B", pin.model, pin.tflm_arena));
        }
        rows.push(vec![
            pin.model.to_string(),
            got.to_string(),
            pin.planned.to_string(),
            pin.tflm_arena.to_string(),
            pin.tflm_activations.to_string(),
        ]);
    }
    eprintln!("{}", support::table(&["model", "planned B", "pinned B", "TFLM arena B", "TFLM activations B"], &rows));
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Both strategies, every shared model: no two buffers live at the same time overlap,
/// every offset is aligned, and every tensor lies inside the arena.
#[test]
fn placements_never_overlap_live_buffers() {
    for pin in PINS {
        for planner in [PlannerKind::GreedyBySize, PlannerKind::Linear] {
            let Some(p) = compile(pin.model, planner) else { return };
            let (buffers, offsets): (Vec<_>, Vec<_>) = p.plan.buffers.iter().cloned().unzip();
            assert!(!buffers.is_empty(), "{}: nothing was planned", pin.model);
            if let Err(e) = check_placement(&buffers, &offsets) {
                panic!("{} ({planner:?}): {e}", pin.model);
            }
            for (b, off) in &p.plan.buffers {
                assert!(
                    off + b.bytes <= p.plan.arena_bytes,
                    "{} ({planner:?}): a buffer of {} B at {off} ends past the {} B arena",
                    pin.model,
                    b.bytes,
                    p.plan.arena_bytes
                );
            }
        }
    }
}

/// Greedy reuse must never be worse than no reuse.
#[test]
fn greedy_is_never_larger_than_linear() {
    for pin in PINS {
        let (Some(g), Some(l)) =
            (compile(pin.model, PlannerKind::GreedyBySize), compile(pin.model, PlannerKind::Linear))
        else {
            return;
        };
        assert!(
            g.plan.arena_bytes <= l.plan.arena_bytes,
            "{}: greedy {} B > linear {} B",
            pin.model,
            g.plan.arena_bytes,
            l.plan.arena_bytes
        );
    }
}

/// Scratch is planned at a kernel's minimum and upgraded to its preferred size only where
/// that costs no arena: KWS's first convolution gets its im2col column and padded input
/// (736 B beside 8,490 B of activations), micro_speech's one-channel depthwise layer
/// (lowered to a convolution) gets none, its arena holding exactly its input and output.
#[test]
fn scratch_is_granted_only_where_it_costs_no_arena() {
    for pin in PINS {
        let Some(p) = compile(pin.model, PlannerKind::GreedyBySize) else { return };
        for (i, step) in p.steps.iter().enumerate() {
            let (got, wanted) = (p.plan.scratch[i].1, step.kernel.scratch());
            assert!(
                got == wanted.min || got == wanted.preferred,
                "{} step {i}: {got} B of scratch, neither the minimum {} nor the preferred {}",
                pin.model,
                wanted.min,
                wanted.preferred
            );
        }
        let granted: Vec<usize> = p.plan.scratch.iter().map(|s| s.1).collect();
        match pin.model {
            "mlperf-tiny/kws_ref_model.tflite" => assert_eq!(granted[0], 736, "{granted:?}"),
            "tflite-micro/micro_speech_quantized.tflite" => assert!(granted.iter().all(|&s| s == 0), "{granted:?}"),
            _ => {}
        }
    }
}
