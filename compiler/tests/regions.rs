//! Plans split across memory regions (`CompileOptions::regions`): a plan that fits the
//! first region is the plan without regions, byte for byte; one that does not is split,
//! its placement checked, and the host run of the split plan equals the single arena's.
//! (The split image runs in QEMU in `cargo-tinyml/tests/regions.rs`.)

mod support;

use tinyml_compiler::codegen::rust::{generate_with, GenOptions};
use tinyml_compiler::plan::regions::Region;
use tinyml_compiler::plan::{check_placement, MemoryMode};
use tinyml_compiler::{CompileOptions, Program};

const MODELS: [&str; 3] = [
    "mlperf-tiny/kws_ref_model.tflite",
    "mlperf-tiny/ic_resnet8_int8.tflite",
    "tflite-micro/micro_speech_quantized.tflite",
];

fn regions(fast: usize) -> Vec<Region> {
    vec![Region { name: "DTCM".into(), capacity: fast }, Region { name: "SRAM".into(), capacity: 1 << 21 }]
}

fn compile(rel: &str, options: &CompileOptions) -> Option<Program> {
    let path = support::shared_models().join(rel);
    if !path.exists() {
        support::skip("regions", &format!("{} is missing", path.display()), "see tests/data/README.md");
        return None;
    }
    Some(tinyml_compiler::compile(&std::fs::read(path).unwrap(), options).unwrap())
}

fn run(p: &Program) -> Vec<Vec<u8>> {
    let inputs: Vec<Vec<u8>> = p
        .graph
        .inputs
        .iter()
        .map(|&t| tinyml_compiler::build::test_input_for(p.graph.tensors[t].dtype, p.graph.tensors[t].elements()))
        .collect();
    let refs: Vec<&[u8]> = inputs.iter().map(|v| v.as_slice()).collect();
    p.run(&refs).unwrap()
}

#[test]
fn a_plan_that_fits_the_first_region_is_unchanged() {
    for rel in MODELS {
        for memory in MemoryMode::ALL {
            let Some(one) = compile(rel, &CompileOptions { memory, ..Default::default() }) else { return };
            let options = CompileOptions { memory, regions: regions(one.plan.arena_bytes), ..Default::default() };
            let placed = compile(rel, &options).unwrap();
            assert_eq!(placed.plan, one.plan, "{rel} {memory:?}");
            let source = GenOptions::default();
            assert_eq!(generate_with(&placed, &source), generate_with(&one, &source), "{rel} {memory:?}");
        }
    }
}

#[test]
fn a_split_plan_is_placed_per_region_and_runs_as_the_single_arena() {
    for rel in MODELS {
        for memory in MemoryMode::ALL {
            let Some(one) = compile(rel, &CompileOptions { memory, ..Default::default() }) else { return };
            let fast = one.plan.arena_bytes / 2;
            let split = compile(rel, &CompileOptions { memory, regions: regions(fast), ..Default::default() }).unwrap();
            let r = &split.plan.regions;
            assert_eq!(r.len(), 2, "{rel} {memory:?}: not split");
            assert!(r[0].1 <= fast, "{rel} {memory:?}: {r:?} over the {fast} B of DTCM");
            assert_eq!(r[0].1 + r[1].1, split.plan.arena_bytes);
            let (buffers, offsets): (Vec<_>, Vec<usize>) = split.plan.buffers.iter().cloned().unzip();
            check_placement(&buffers, &offsets).unwrap_or_else(|e| panic!("{rel} {memory:?}: {e}"));
            // No buffer straddles the boundary between the regions.
            for (b, &o) in buffers.iter().zip(&offsets) {
                assert!(o + b.bytes <= r[0].1 || o >= r[0].1, "{rel} {memory:?}: buffer at {o} of {} B", b.bytes);
            }
            assert_eq!(run(&split), run(&one), "{rel} {memory:?}");
            let code = generate_with(&split, &GenOptions::default());
            assert!(code.contains("pub type ModelArena<'a> = arena::Regions<'a, 2>;"), "{rel}");
            assert!(!code.contains("arena::io"), "{rel}: a split arena is viewed tensor by tensor");
        }
    }
}
