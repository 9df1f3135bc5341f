//! Emits portable C99 for a compiled [`Program`]: the same steps and memory plan as the
//! Rust back end ([`super::rust`]), with the kernels of `compiler/c/` (a line-for-line
//! port of the `tinyml-runtime` reference kernels) instead of the Rust crate.
//!
//! The op modules are not aware of C: every kernel emits a structured
//! [`crate::kernel::Call`], which `model.rs` renders in C (tables by name, absent tables
//! and scratch as `NULL`, type arguments appended to the function name: `f_T`), and
//! `literal.rs` turns parameter structs into designated initializers. A kernel without a
//! C port is reported by name, never silently skipped.
//!
//! Targets without 8-bit memory units (TI C28x: `CHAR_BIT` is 16) use
//! [`Container::Bits16`]: int8 values are held in `int16_t`, and the arena is planned
//! again in 16-bit words (an int8 element takes one word, an int32 two), so every
//! offset and size in the generated C is in words there.

mod error;
mod header;
mod kernels;
mod literal;
mod model;
mod options;
mod output;

pub use crate::plan::containers::Container;
pub use error::CExportError;
pub use kernels::{declared_functions, ported_functions, KernelFunction, KernelSource, KERNELS_HEADER, KERNEL_SOURCES};
pub use literal::debug_to_initializer;
use options::is_single_io;
pub use options::{CExport, COptions};
pub use output::write_dir;

use crate::graph::TensorId;
use crate::kernel::{Emitter, Item};
use crate::plan::containers::plan_containers;
use crate::plan::{MemoryPlan, PlannerKind};
use crate::program::Program;
use std::collections::BTreeSet;
use std::fmt::Write;

/// The arena plan of the C export of `p`, in the container's units (see
/// [`plan_containers`]).
pub fn plan_for(p: &Program, container: Container, planner: PlannerKind) -> Result<MemoryPlan, CExportError> {
    Ok(plan_containers(&p.graph, &p.steps, container, planner, &p.plan.in_place)?)
}

/// Generates the export for `p`: `model.h`, `model.c`, the kernel header and the kernel
/// sources the model calls, and `README.md`.
pub fn generate(p: &Program, opts: &COptions) -> Result<CExport, CExportError> {
    let g = &p.graph;
    if g.inputs.is_empty() || g.outputs.is_empty() {
        return Err(CExportError::Unsupported(format!(
            "the model has {} inputs and {} outputs; the C API needs at least one of each",
            g.inputs.len(),
            g.outputs.len()
        )));
    }
    if let Some(s) = p.steps.iter().find(|s| s.kernel.npu_region().is_some()) {
        return Err(CExportError::Unsupported(format!(
            "operator #{} is an NPU step; the C export has no NPU steps yet (export the model without --npu)",
            s.op_index
        )));
    }
    let single = is_single_io(p);
    if opts.embed_test_vector && !single {
        return Err(CExportError::Unsupported(format!(
            "the embedded test vector needs one input and one output; the model has {} inputs and {} outputs",
            g.inputs.len(),
            g.outputs.len()
        )));
    }
    let mem = plan_for(p, opts.container, opts.planner)?;
    let mut e = Emitter::new();
    let (body, functions) = model::emit_steps(p, &mem, &mut e)?;
    let items = model::render_items(e.items())?;
    // The Rust figure counts the optimized kernels' packed tables, which C does not carry;
    // C calls every layer whole.
    let packed_bytes: usize =
        e.items().iter().map(|item| if let Item::Packed { values, .. } = item { 4 * values.len() } else { 0 }).sum();
    let const_bytes = p.steps.iter().map(|s| s.kernel.whole_const_bytes()).sum::<usize>() - packed_bytes;

    let tin = &g.tensors[g.inputs[0]];
    let test_vector = if opts.embed_test_vector {
        let input = crate::build::test_input_for(tin.dtype, tin.elements());
        let out = p.run(&[&input]).map_err(|e| CExportError::Exec(e.to_string()))?;
        Some((input, out.into_iter().next().unwrap_or_default()))
    } else {
        None
    };

    let header = header::model_h(p, opts, &mem, const_bytes, test_vector.is_some());
    let model_c = model::model_c(p, opts, &mem, &items, &body, test_vector.as_ref());

    // Kernel sources: those the model calls, and what they need, in library order.
    let mut files_needed: BTreeSet<&str> =
        functions.iter().filter_map(|f| kernels::source_of(f)).map(|s| s.file).collect();
    for s in KERNEL_SOURCES {
        if files_needed.contains(s.file) {
            files_needed.extend(s.needs());
        }
    }
    let mut files = vec![("model.h".to_owned(), header), ("model.c".to_owned(), model_c)];
    files.push(("tinyml_config.h".to_owned(), header::config_h(opts)));
    files.push((KERNELS_HEADER.0.to_owned(), KERNELS_HEADER.1.to_owned()));
    let kernel_files: Vec<&KernelSource> = KERNEL_SOURCES.iter().filter(|s| files_needed.contains(s.file)).collect();
    for s in &kernel_files {
        files.push((s.file.to_owned(), s.text.to_owned()));
    }
    let c_files: Vec<&str> = std::iter::once("model.c").chain(kernel_files.iter().map(|s| s.file)).collect();
    files.push(("README.md".to_owned(), readme(p, opts, &mem, const_bytes, &c_files, &functions)));
    Ok(CExport { files, functions: functions.into_iter().collect(), arena_units: mem.arena_bytes })
}

/// `README.md` of the export.
fn readme(
    p: &Program,
    opts: &COptions,
    mem: &MemoryPlan,
    const_bytes: usize,
    c_files: &[&str],
    functions: &BTreeSet<String>,
) -> String {
    let g = &p.graph;
    let mut s = String::new();
    let _ = writeln!(s, "# C export of `{}`\n", opts.source);
    let _ = writeln!(
        s,
        "Generated by `cargo tinyml convert --emit c` (tinyml-compiler {}). Portable C99, no",
        env!("CARGO_PKG_VERSION")
    );
    s.push_str("heap, no libc beyond `<stdint.h>`, `<stddef.h>` and `<limits.h>`.\n\n");
    let _ = writeln!(s, "- Layers: {} ({} MACs); constants: {} bytes", p.steps.len(), p.macs(), const_bytes);
    let shapes = |list: &[TensorId]| {
        list.iter()
            .map(|&t| format!("{} {:?}", g.tensors[t].dtype.tflite_name(), g.tensors[t].shape))
            .collect::<Vec<_>>()
    };
    let _ = writeln!(s, "- Input: {}; output: {}", shapes(&g.inputs).join(", "), shapes(&g.outputs).join(", "));
    let _ = writeln!(s, "- Arena: {} {} (static, in `model.c`)", mem.arena_bytes, opts.container.unit());
    let _ = writeln!(s, "- int8 container: {} bits", opts.container.bits());
    let _ = writeln!(s, "- Kernels: {}\n", functions.iter().cloned().collect::<Vec<_>>().join(", "));
    s.push_str("## Build\n\n```sh\n");
    let _ = writeln!(s, "cc -std=c99 -O2 -c {}", c_files.join(" "));
    s.push_str("```\n\nAdd the `.c` files to any C project (Zephyr, a vendor SDK, CCS). The kernels use\nno compiler extensions; like TFLite Micro they access the arena through typed pointers,\nso keep `-fno-strict-aliasing` if your compiler is aggressive about aliasing.\n\n");
    if !is_single_io(p) {
        s.push_str("## API (`model.h`)\n\nThis model has several inputs or outputs: `tinyml_invoke_n(inputs, outputs)` takes an\narray of `TINYML_NUM_INPUTS` input pointers and one of `TINYML_NUM_OUTPUTS` output\npointers; input `k` is an array of `TINYML_INPUTk_ELEMENTS` values of `tinyml_inputk_t`.\n\n");
    } else {
        s.push_str("## API (`model.h`)\n\n```c\n#include \"model.h\"\ntinyml_input_t in[TINYML_INPUT_ELEMENTS];\ntinyml_output_t out[TINYML_OUTPUT_ELEMENTS];\n/* fill `in` with quantized values: q = round(x / TINYML_INPUT_SCALE) + TINYML_INPUT_ZERO_POINT */\nint rc = tinyml_invoke(in, out);\n```\n\n");
        s.push_str("`TINYML_INPUT_SIZE`, `TINYML_OUTPUT_SIZE` and `TINYML_ARENA_SIZE` are in `sizeof` units:\nbytes on byte-addressed cores, 16-bit words on C28x (where `CHAR_BIT` is 16).\n`tinyml_invoke` is not reentrant: the arena is one static buffer.\n\n");
    }
    s.push_str("## The 16-bit container mode (`--int8-container 16`)\n\nC28x (TI C2000) has no 8-bit type. In this mode `tinyml_i8` is `int16_t` holding a value\nin -128..127, input and output are arrays of `int16_t`, and the arena is planned in\n16-bit words (`TINYML_ARENA_WORDS`): an int8 element takes one word, an int32 two.\nThe arithmetic is identical, so the outputs are the same values as in the 8-bit mode.\n`tinyml_kernels.h` selects this mode by itself when `CHAR_BIT != 8`; an export made\nwith `--int8-container 8` then stops with `#error` rather than run with a wrong plan.\n\n");
    s.push_str("## What was checked\n\nThe exported C is tested on the host (gcc, both container modes) and on an emulated\nCortex-M55 (arm-none-eabi-gcc, QEMU mps3-an547) against TFLite Micro's outputs, byte\nfor byte. It has NOT been compiled with TI's cl2000 nor run on C28x hardware.\n");
    s
}
