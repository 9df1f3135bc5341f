//! Compiles the models listed in `TINYML_SWEEP_CELLS` (one `.tflite` path a line, written
//! by `tinyml-bench sweep`) into `$OUT_DIR/m<k>.rs`, runs each once on the host (reference
//! kernels) on the test input stream to get the hash of its expected output, writes
//! `$OUT_DIR/cells.rs` (the modules and the table the firmware walks), and copies the
//! board's `memory.x` (`TINYML_BENCH_MEMORY_X`) where the linker finds it.

use std::fmt::Write;
use std::path::PathBuf;

#[path = "src/check.rs"]
mod check;

fn main() {
    println!("cargo:rerun-if-env-changed=TINYML_SWEEP_CELLS");
    println!("cargo:rerun-if-env-changed=TINYML_BENCH_MEMORY_X");
    let list = std::env::var("TINYML_SWEEP_CELLS").expect("TINYML_SWEEP_CELLS: the file listing the cells' models");
    let memory_x = std::env::var("TINYML_BENCH_MEMORY_X").expect("TINYML_BENCH_MEMORY_X: the board's memory.x");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    println!("cargo:rerun-if-changed={list}");
    let models: Vec<String> = std::fs::read_to_string(&list)
        .expect("read the cell list")
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(str::to_owned)
        .collect();

    let mut modules = String::new();
    let mut table = String::new();
    let mut max_arena = 0;
    for (k, model) in models.iter().enumerate() {
        let built = tinyml_compiler::build::Builder::new(model).module_name(&format!("m{k}")).compile_or_exit();
        let program = &built.program;
        let g = &program.graph;
        for &t in g.inputs.iter().chain(&g.outputs) {
            assert_eq!(g.tensors[t].dtype.size(), 1, "{model}: the sweep firmware handles 1-byte tensors only");
        }
        // Every input is the next stretch of one test-input stream (the firmware fills
        // them the same way, see `check::TestInput`).
        let mut stream = check::TestInput::new();
        let inputs: Vec<Vec<u8>> =
            g.inputs.iter().map(|&t| (0..g.tensors[t].bytes()).map(|_| stream.next_byte()).collect()).collect();
        let refs: Vec<&[u8]> = inputs.iter().map(Vec::as_slice).collect();
        let outputs = program.run(&refs).unwrap_or_else(|e| panic!("{model}: host run: {e}"));
        max_arena = max_arena.max(program.plan.arena_bytes);
        let _ = writeln!(
            modules,
            "#[allow(dead_code)]\nmod m{k} {{\n    include!(concat!(env!(\"OUT_DIR\"), \"/m{k}.rs\"));\n}}"
        );
        let places: Vec<String> = (0..g.inputs.len()).map(|i| format!("m{k}::INPUT{i}")).collect();
        let _ = writeln!(table, "    cell!(m{k}, [{}], {:#010x}),", places.join(", "), check::fnv1a(&outputs[0]));
    }
    let code = format!(
        "{modules}\n/// The largest arena of the batch: one buffer serves every cell in turn.\n\
         pub const MAX_ARENA: usize = {max_arena};\n\n\
         /// The cells, in the order of the list.\npub static CELLS: [Cell; {}] = [\n{table}];\n",
        models.len()
    );
    std::fs::write(out.join("cells.rs"), code).expect("write cells.rs");

    std::fs::copy(&memory_x, out.join("memory.x")).expect("copy memory.x");
    println!("cargo:rerun-if-changed={memory_x}");
    println!("cargo:rustc-link-search={}", out.display());
}
