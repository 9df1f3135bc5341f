//! The planned arena of every shared model, pinned (TFLM's
//! `memory_arena_threshold_test`): a change in the planner, the lowering or a kernel's
//! scratch that moves these numbers fails here, so memory only changes on purpose.
//! Update a pin in the same commit as the change that moves it, and say why there.
//!
//! Each plan must also fit in TFLM's whole arena for the model (activations plus
//! TFLM's own bookkeeping; we keep the per-op data in flash), and no placement may give
//! two buffers that are live at the same time the same bytes. The layer-wise bound of
//! each model (issue 13's table) is pinned too, with what the plan holds above it.
//!
//! Models come from `TINYML_SHARED_MODELS` (or `TINYML_MODELS_DIR`), else
//! `<workspace>/tests/data`; missing models fail in CI and are skipped elsewhere.

mod support;

use tinyml_compiler::analysis::Report;
use tinyml_compiler::plan::{check_placement, MemoryMode, PlannerKind};
use tinyml_compiler::program::CompileOptions;
use tinyml_compiler::Program;

/// A shared model and what its arena may be.
struct Pin {
    model: &'static str,
    /// Our planned arena in bytes (the default planner and memory mode, `balanced`), as
    /// of the last intended change, and the layers that then write over their input
    /// (elementwise or by rows): pinned with the other modes by
    /// [`every_memory_mode_is_pinned`].
    planned: usize,
    balanced_in_place: &'static [usize],
    /// The arena with `--memory speed`: in place nowhere (the plan before issue 13).
    speed: usize,
    /// The arena with `--memory ram`, and the layers that then write over their input
    /// (both layers of a fused pair among them).
    ram: (usize, &'static [usize]),
    /// With `--memory ram`, the first layer of each pair fused by rows (`plan::fused`).
    ram_fused: &'static [usize],
    /// The layer-wise bound: the largest distinct inputs plus output of one layer.
    layer_bound: usize,
    /// TFLM's whole arena for the model: "Arena allocation total" of TFLM's recording
    /// allocator (`print_allocations()` of the `tflite_micro` Python interpreter,
    /// 0.dev20261023, x86-64). KWS and AD as in `shared/NOTES.md`; micro_speech,
    /// hello_world, VWW and IC measured the same way for this test.
    tflm_arena: usize,
    /// TFLM's activations ("Arena allocation head"), for the report.
    tflm_activations: usize,
}

const PINS: &[Pin] = &[
    // `ram` goes below the bound: the eight depthwise and pointwise layers (25 x 5 x 64)
    // write over their input by rows, with a ring of at most two output rows (640 B)
    // beside their 8,000 B buffer. The first convolution's output fits beside its 490 B
    // input in that arena, but not with the padded copy of its input it prefers: it runs
    // by rows too, its bands written straight into place with a padded copy each.
    Pin {
        model: "mlperf-tiny/kws_ref_model.tflite",
        planned: 16_000,
        balanced_in_place: &[],
        speed: 16_000,
        ram: (8_640, &[0, 1, 2, 3, 4, 5, 6, 7, 8]),
        ram_fused: &[],
        layer_bound: 16_000,
        tflm_arena: 24_272,
        tflm_activations: 16_000,
    },
    Pin {
        model: "mlperf-tiny/ad01_int8.tflite",
        planned: 768,
        balanced_in_place: &[],
        speed: 768,
        ram: (768, &[]),
        ram_fused: &[],
        layer_bound: 768,
        tflm_arena: 3_984,
        tflm_activations: 768,
    },
    // Greedy by size alone gave 64,512 B (TFLM's greedy planner 73,728 B). `ram` runs
    // the convolutions by rows and places each buffer's tensors as parts live as long as
    // they are (`plan::Part`), so the chain of layers sharing one buffer does not hold
    // the model input's bytes at the peak. It fuses layers 2 and 3 (a pointwise layer
    // widening 18,432 B to 36,864 B, then a depthwise layer of stride 2), so that 36,864 B
    // tensor is never whole: a window of 3 of its rows. The peak is then the first
    // convolution over the 27,648 B model input with its ring; layer 4 (9,216 B widened
    // to 18,432 B) is not by rows, which would push the buffer it shares with the model
    // input 8,832 B further (49,920 B before fusion). From layer 8 on no layer by rows
    // would shrink the arena, so none runs by rows.
    Pin {
        model: "mlperf-tiny/vww_96_int8.tflite",
        planned: 55_296,
        balanced_in_place: &[],
        speed: 55_296,
        ram: (28_032, &[0, 1, 2, 3, 5, 6, 7]),
        ram_fused: &[2],
        layer_bound: 55_296,
        tflm_arena: 103_680,
        tflm_activations: 73_728,
    },
    // 144 B above the bound: layer 2 (a conv) holds its input and output, the block's
    // 16,384 B skip connection and its minimum scratch of 144 B. `ram` runs that conv by
    // rows over its input (a ring of two 512 B rows) and the ADD after it in place: the
    // skip connection, one 16,384 B buffer and the ring; it takes the other blocks' ADDs
    // too, which leave the arena as it is (their convs by rows, which would too, are
    // dropped: each would pay its ring copy for no byte; but layer 5, whose padded copy
    // the arena has no room for whole, runs by rows with one per band).
    Pin {
        model: "mlperf-tiny/ic_resnet8_int8.tflite",
        planned: 49_296,
        balanced_in_place: &[],
        speed: 49_296,
        ram: (33_936, &[2, 3, 5, 7, 11]),
        ram_fused: &[],
        layer_bound: 49_152,
        tflm_arena: 55_984,
        tflm_activations: 49_152,
    },
    // 8 B above the bound: the arena rounded up to its 16-byte alignment. `ram` runs the
    // convolution (1,960 B in, 4,000 B out) by rows with its input 2,240 B into its output,
    // every two-row band written straight into place (no ring).
    Pin {
        model: "tflite-micro/micro_speech_quantized.tflite",
        planned: 5_968,
        balanced_in_place: &[],
        speed: 5_968,
        ram: (4_208, &[1]),
        ram_fused: &[],
        layer_bound: 5_960,
        tflm_arena: 7_584,
        tflm_activations: 5_968,
    },
    Pin {
        model: "tflite-micro/hello_world_int8.tflite",
        planned: 32,
        balanced_in_place: &[],
        speed: 32,
        ram: (32, &[]),
        ram_fused: &[],
        layer_bound: 32,
        tflm_arena: 1_504,
        tflm_activations: 32,
    },
];

/// Compiles a shared model, or `None` after a visible skip when the models are absent.
fn compile(rel: &str, planner: PlannerKind) -> Option<Program> {
    compile_with(rel, planner, MemoryMode::default())
}

/// [`compile`] with a memory mode.
fn compile_with(rel: &str, planner: PlannerKind, memory: MemoryMode) -> Option<Program> {
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
    let options = CompileOptions { planner, memory, ..Default::default() };
    Some(tinyml_compiler::compile(&bytes, &options).unwrap_or_else(|e| panic!("{rel} does not compile: {e}")))
}

#[test]
fn planned_arena_bytes_are_pinned_and_within_tflm() {
    let mut rows = Vec::new();
    let mut problems = Vec::new();
    for pin in PINS {
        let Some(p) = compile(pin.model, PlannerKind::default()) else { return };
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
        for planner in [PlannerKind::BestOfGreedy, PlannerKind::GreedyBySize, PlannerKind::Linear] {
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

/// The default planner is never larger than greedy by size (TFLM's strategy), which wins
/// its ties; and no plan is below its live floor.
#[test]
fn default_is_never_larger_than_greedy_by_size() {
    for pin in PINS {
        let (Some(d), Some(g)) =
            (compile(pin.model, PlannerKind::default()), compile(pin.model, PlannerKind::GreedyBySize))
        else {
            return;
        };
        assert!(
            d.plan.arena_bytes <= g.plan.arena_bytes,
            "{}: {} B > greedy by size {} B",
            pin.model,
            d.plan.arena_bytes,
            g.plan.arena_bytes
        );
        let r = Report::of(&d);
        assert!(
            r.live_floor_bytes <= d.plan.arena_bytes,
            "{}: floor {} B above the arena",
            pin.model,
            r.live_floor_bytes
        );
    }
}

/// The layer-wise bound of every model, and the arena explained from it: the busiest
/// layer's inputs and output, other live tensors, scratch, alignment and placement add
/// up to the arena exactly.
#[test]
fn layer_wise_bound_is_pinned_and_the_arena_is_explained() {
    for pin in PINS {
        let Some(p) = compile(pin.model, PlannerKind::default()) else { return };
        let r = Report::of(&p);
        assert_eq!(r.layer_bound_bytes, pin.layer_bound, "{}: layer-wise bound", pin.model);
        let b = &r.arena_breakdown;
        let sum = b.layer_bytes + b.other_tensor_bytes + b.scratch_bytes + b.alignment_bytes + b.placement_bytes;
        assert_eq!(sum, r.arena_bytes, "{}: {b:?}", pin.model);
        assert_eq!(r.live_floor_bytes + b.placement_bytes, r.arena_bytes, "{}: {b:?}", pin.model);
        assert!(b.layer_bytes <= r.layer_bound_bytes, "{}: {b:?}", pin.model);
        assert!(r.arena_bytes <= pin.speed, "{}: in place made the arena larger", pin.model);
        // Every shared model is placed at its live floor.
        assert_eq!(b.placement_bytes, 0, "{}: {b:?}", pin.model);
        // RESHAPE and SQUEEZE alias their input and are reported in place, as are the
        // layers the plan runs in place.
        for l in &r.layers {
            let planned = p.plan.in_place[l.index].is_some()
                || p.plan.rows[l.index].is_some()
                || (l.index > 0 && p.plan.fused[l.index - 1]);
            assert_eq!(l.in_place, l.no_op || planned, "{} layer {}", pin.model, l.index);
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
/// that costs no arena: with `speed`, KWS's first convolution gets its im2col column and
/// padded input (736 B beside 8,490 B of activations), micro_speech's one-channel
/// depthwise layer (lowered to a convolution) gets none, its arena holding exactly its
/// input and output. A layer by rows wants its ring besides.
#[test]
fn scratch_is_granted_only_where_it_costs_no_arena() {
    for pin in PINS {
        for mode in MemoryMode::ALL {
            let Some(p) = compile_with(pin.model, PlannerKind::default(), mode) else { return };
            let wanted = tinyml_compiler::plan::step_scratch(&p.steps, &p.plan.rows, &p.plan.fused);
            for (i, wanted) in wanted.into_iter().enumerate() {
                let got = p.plan.scratch[i].1;
                assert!(
                    got == wanted.min || got == wanted.preferred,
                    "{} ({}) step {i}: {got} B of scratch, neither the minimum {} nor the preferred {}",
                    pin.model,
                    mode.name(),
                    wanted.min,
                    wanted.preferred
                );
            }
            if mode != MemoryMode::Speed {
                continue;
            }
            let granted: Vec<usize> = p.plan.scratch.iter().map(|s| s.1).collect();
            match pin.model {
                "mlperf-tiny/kws_ref_model.tflite" => assert_eq!(granted[0], 736, "{granted:?}"),
                "tflite-micro/micro_speech_quantized.tflite" => {
                    assert!(granted.iter().all(|&s| s == 0), "{granted:?}")
                }
                _ => {}
            }
        }
    }
}

/// Every memory mode of every shared model: `speed` is the plan without in-place layers
/// (the `planned` pin, which `balanced` equals unless in place shrinks the arena), `ram`
/// its own pin and its in-place layers; every mode's placement is checked, and every
/// mode's outputs on the build's test input equal speed's.
#[test]
fn every_memory_mode_is_pinned() {
    let mut rows = Vec::new();
    let mut problems = Vec::new();
    for pin in PINS {
        let mut got = Vec::new();
        let mut speed_outputs = None;
        for mode in [MemoryMode::Speed, MemoryMode::Balanced, MemoryMode::Ram] {
            let Some(p) = compile_with(pin.model, PlannerKind::default(), mode) else { return };
            // Every mode computes what `speed` does, byte for byte (speed is the plan the
            // oracle tests hold bit-exact against TFLM).
            let inputs: Vec<Vec<u8>> = p
                .graph
                .inputs
                .iter()
                .map(|&t| {
                    let t = &p.graph.tensors[t];
                    tinyml_compiler::build::test_input_for(t.dtype, t.elements())
                })
                .collect();
            let refs: Vec<&[u8]> = inputs.iter().map(Vec::as_slice).collect();
            let outputs = p.run(&refs).unwrap_or_else(|e| panic!("{} ({}): {e}", pin.model, mode.name()));
            match &speed_outputs {
                None => speed_outputs = Some(outputs),
                Some(want) => {
                    if &outputs != want {
                        problems.push(format!("{} ({}): outputs differ from speed's", pin.model, mode.name()));
                    }
                }
            }
            let (buffers, offsets): (Vec<_>, Vec<_>) = p.plan.buffers.iter().cloned().unzip();
            if let Err(e) = check_placement(&buffers, &offsets) {
                problems.push(format!("{} ({mode:?}): {e}", pin.model));
            }
            let in_place: Vec<usize> = (0..p.steps.len())
                .filter(|&i| p.plan.in_place[i].is_some() || p.plan.rows[i].is_some() || (i > 0 && p.plan.fused[i - 1]))
                .collect();
            let fused: Vec<usize> = (0..p.steps.len()).filter(|&i| p.plan.fused[i]).collect();
            let (want_bytes, want_in_place, want_fused): (usize, &[usize], &[usize]) = match mode {
                MemoryMode::Ram => (pin.ram.0, pin.ram.1, pin.ram_fused),
                MemoryMode::Balanced => (pin.planned, pin.balanced_in_place, &[]),
                MemoryMode::Speed => (pin.speed, &[], &[]),
            };
            if p.plan.arena_bytes != want_bytes || in_place != want_in_place || fused != want_fused {
                problems.push(format!(
                    "{} ({}): arena {} B with {in_place:?} in place and {fused:?} fused, pinned {want_bytes} B with \
                     {want_in_place:?} and {want_fused:?}",
                    pin.model,
                    mode.name(),
                    p.plan.arena_bytes
                ));
            }
            got.push(p.plan.arena_bytes.to_string());
        }
        rows.push([vec![pin.model.to_string()], got, vec![pin.layer_bound.to_string()]].concat());
    }
    eprintln!("{}", support::table(&["model", "speed B", "balanced B", "ram B", "layer-wise bound B"], &rows));
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
