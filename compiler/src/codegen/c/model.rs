//! `model.c`: the constants, the code of every step (a [`crate::kernel::Call`] rendered
//! in C) and the invoke functions.

use super::error::CExportError;
use super::header::c_type;
use super::kernels::{self, KERNEL_SOURCES};
use super::literal::{self, array_body, element_literals};
use super::options::{is_single_io, COptions};
use crate::codegen::layers::layers;
use crate::graph::{DType, TensorId};
use crate::kernel::{Arg, Emitter, Item};
use crate::plan::containers::Container;
use crate::plan::MemoryPlan;
use crate::program::Program;
use std::collections::BTreeSet;
use std::fmt::Write;

/// The C type of a table of `elem`.
fn table_type(elem: DType) -> Result<&'static str, CExportError> {
    match elem {
        DType::Bool => Err(CExportError::Unsupported("table element type `bool`".into())),
        d => Ok(c_type(d)),
    }
}

/// The constants of `items` as C definitions.
pub fn render_items(items: &[Item]) -> Result<String, CExportError> {
    let mut out = String::new();
    for item in items {
        match item {
            Item::Params { ident, ty, debug } => {
                let init = literal::debug_to_initializer(debug)?;
                let _ = writeln!(out, "static const {ty} {ident} = {init};");
            }
            Item::Table { ident, elem, values } => {
                let ty = table_type(*elem)?;
                let values = literal::table_values(*elem, values)?;
                if values.is_empty() {
                    // C has no empty arrays; kernels never read it (lengths come from params).
                    let _ = writeln!(out, "static const {ty} {ident}[1] = {{0}};");
                } else {
                    let _ = writeln!(out, "static const {ty} {ident}[{}] = {{{}}};", values.len(), array_body(&values));
                }
            }
            // Read only by the optimized Rust kernels; the C kernels get `NULL`.
            Item::Packed { .. } => {}
        }
    }
    Ok(out)
}

/// A call argument in C: tables by name, what only the optimized Rust kernels read
/// (packed tables, scratch) and absent tables as `NULL`, a list as a brace list.
fn c_arg(a: &Arg) -> Result<String, CExportError> {
    Ok(match a {
        Arg::Params(ident) => format!("&{ident}"),
        Arg::Table(ident) => ident.clone(),
        // Packed tables and scratch serve only the optimized Rust kernels: the C kernels
        // take them (one signature with the Rust ones) and ignore them.
        Arg::Packed(_) | Arg::NoTable | Arg::NoScratch => "NULL".to_owned(),
        // Real memory only for kernels that cannot run without it (the C plan holds just
        // their minimum, see `plan::containers`); the rest get NULL and run their
        // reference path.
        Arg::Scratch => "scratch".to_owned(),
        Arg::Input(k) => format!("in{k}"),
        Arg::State(k) => format!("st{k}"),
        Arg::Output => "out".to_owned(),
        Arg::Buffer => return Err(CExportError::Unsupported("a layer run in place by rows".to_owned())),
        Arg::NthOutput(0) => "out".to_owned(),
        Arg::NthOutput(k) => format!("out{k}"),
        Arg::List(items) => {
            let items: Vec<String> = items.iter().map(c_arg).collect::<Result<_, _>>()?;
            if items.iter().any(|i| i.starts_with('{') || i == "NULL") {
                return Err(CExportError::Unsupported(format!("list `{items:?}` nests lists or absent tables")));
            }
            format!("{{ {} }}", items.join(", "))
        }
        Arg::Int(v) => literal::c_int(*v),
        Arg::Bool(v) => literal::c_int(i64::from(*v)),
        Arg::F32(v) => literal::c_float(*v)?,
    })
}

/// The C code of every step, and the kernel functions it calls.
pub fn emit_steps(p: &Program, mem: &MemoryPlan, e: &mut Emitter) -> Result<(String, BTreeSet<String>), CExportError> {
    let g = &p.graph;
    let mut body = String::new();
    let mut functions = BTreeSet::new();
    let at = |t: TensorId| mem.tensor_offsets[t].expect("planned tensor");
    for layer in layers(p, e, false) {
        let (i, step) = (layer.index, layer.step);
        let out_t = &g.tensors[step.output()];
        let _ = writeln!(body, "    /* #{i} {} */", layer.summary);
        let Some(call) = layer.call else {
            let _ = writeln!(body, "    /* (reinterpretation: shares the input's arena memory, no code) */");
            continue;
        };
        // One C function per type instance: `cast::<u32, i32>` is `cast_u32_i32`.
        let mut function = call.function.clone();
        for t in &call.types {
            function = format!("{function}_{}", t.rust_name());
        }
        let Some(kernel) = kernels::ported(&function) else {
            return Err(CExportError::KernelNotPorted {
                layer: i,
                op: step.kernel.op_name(),
                function,
                available: KERNEL_SOURCES.iter().map(|s| s.file).collect::<Vec<_>>().join(", "),
            });
        };
        let mut args: Vec<String> = call.args.iter().map(c_arg).collect::<Result<_, _>>()?;
        let _ = writeln!(body, "    TINYML_LAYER_BEGIN({i});\n    {{");
        let used = call.inputs_used();
        let states = call.states_used();
        for (k, &t) in step.inputs.iter().enumerate() {
            let ty = c_type(g.tensors[t].dtype);
            if states.contains(&k) {
                let _ = writeln!(body, "        {ty} *st{k} = ({ty} *)TINYML_ARENA_AT({});", at(t));
            } else if used.contains(&k) {
                let _ = writeln!(body, "        const {ty} *in{k} = (const {ty} *)TINYML_ARENA_AT({});", at(t));
            }
        }
        for (k, &t) in step.outputs.iter().enumerate() {
            let ty = c_type(g.tensors[t].dtype);
            let name = if k == 0 { "out".to_owned() } else { format!("out{k}") };
            let _ = writeln!(body, "        {ty} *{name} = ({ty} *)TINYML_ARENA_AT({});", at(t));
        }
        let (scratch_at, scratch_len) = mem.scratch[i];
        for (a, arg) in args.iter_mut().zip(&call.args) {
            if *arg == Arg::Scratch {
                *a = if scratch_len > 0 { format!("TINYML_ARENA_AT({scratch_at})") } else { "NULL".to_owned() };
            }
        }
        // A list argument (CONCATENATION's inputs, SPLIT's outputs, all of the output's
        // element type) becomes a local array of pointers.
        let ty = c_type(out_t.dtype);
        for (k, (a, arg)) in args.iter_mut().zip(&call.args).enumerate() {
            if a.starts_with('{') {
                let writes = matches!(arg, Arg::List(items) if items.iter().all(|x| matches!(x, Arg::Output | Arg::NthOutput(_))));
                let constness = if writes { "" } else { "const " };
                let _ = writeln!(body, "        {constness}{ty} *const list{k}[] = {a};");
                *a = format!("list{k}");
            }
        }
        if kernel.counted {
            args.push(literal::c_int(out_t.elements() as i64));
        }
        let _ = writeln!(body, "        {function}({});", args.join(", "));
        let _ = writeln!(body, "    }}\n    TINYML_LAYER_END({i});");
        functions.insert(function);
    }
    Ok((body, functions))
}

/// `model.c`: the arena, the constants (`items`), the optional test vector and the
/// invoke function around the steps' code (`body`).
pub fn model_c(
    p: &Program,
    opts: &COptions,
    mem: &MemoryPlan,
    items: &str,
    body: &str,
    test_vector: Option<&(Vec<u8>, Vec<u8>)>,
) -> String {
    let g = &p.graph;
    let (t_in, t_out) = (g.inputs[0], g.outputs[0]);
    let (tin, tout) = (&g.tensors[t_in], &g.tensors[t_out]);
    let mut model_c = String::new();
    let _ = writeln!(
        model_c,
        "/* Generated by tinyml-compiler {} from {}. Do not edit. */",
        env!("CARGO_PKG_VERSION"),
        opts.source
    );
    model_c.push_str("#include \"model.h\"\n\n");
    let _ =
        writeln!(model_c, "/* The arena: {} {}, offsets planned offline. */", mem.arena_bytes, opts.container.unit());
    match opts.container {
        Container::Bits8 => {
            model_c.push_str(
                "static union {\n    unsigned char units[TINYML_ARENA_SIZE];\n    int32_t align32;\n    int64_t align64;\n} tinyml_arena;\n",
            );
            model_c.push_str("#define TINYML_ARENA_AT(offset) ((void *)(tinyml_arena.units + (offset)))\n\n");
        }
        Container::Bits16 => {
            model_c.push_str(
                "static union {\n    int16_t units[TINYML_ARENA_WORDS];\n    int32_t align32;\n    int64_t align64;\n} tinyml_arena;\n",
            );
            model_c.push_str("#define TINYML_ARENA_AT(offset) ((void *)(tinyml_arena.units + (offset)))\n\n");
        }
    }
    model_c.push_str(
        "/* Hooks around every layer, for profiling: define them before this file is compiled\n   (e.g. -DTINYML_LAYER_BEGIN(i)=...). */\n#ifndef TINYML_LAYER_BEGIN\n#define TINYML_LAYER_BEGIN(layer) ((void)0)\n#endif\n#ifndef TINYML_LAYER_END\n#define TINYML_LAYER_END(layer) ((void)0)\n#endif\n\n",
    );
    model_c.push_str("/* Constant tables and parameters (in flash on targets that place const there). */\n");
    model_c.push_str(items);
    if let Some((input, expected)) = test_vector {
        let _ = writeln!(
            model_c,
            "\nconst tinyml_input_t tinyml_test_input[TINYML_INPUT_ELEMENTS] = {{{}}};",
            array_body(&element_literals(tin.dtype, input))
        );
        let _ = writeln!(
            model_c,
            "const tinyml_output_t tinyml_test_expected[TINYML_OUTPUT_ELEMENTS] = {{{}}};",
            array_body(&element_literals(tout.dtype, expected))
        );
    }
    let state = reset_c(p, mem);
    // A model with recurrent state sets it up on its first invoke (the arena starts as
    // zero bytes, TFLM's initial state fills int8 state with its zero point).
    let body = &if state.is_empty() {
        body.to_owned()
    } else {
        model_c.push_str(&state);
        format!("    if (!tinyml_state_ready) {{\n        tinyml_reset();\n    }}\n{body}")
    };
    if !is_single_io(p) {
        model_c.push_str(&invoke_n(p, mem, body));
    } else {
        let _ = write!(
        model_c,
        "\nint tinyml_invoke(const void *input, void *output) {{\n    int32_t i;\n    if (input == NULL || output == NULL) {{\n        return -1;\n    }}\n    {{\n        const tinyml_input_t *src = (const tinyml_input_t *)input;\n        tinyml_input_t *dst = (tinyml_input_t *)TINYML_ARENA_AT({});\n        for (i = 0; i < TINYML_INPUT_ELEMENTS; ++i) {{\n            dst[i] = src[i];\n        }}\n    }}\n",
        mem.tensor_offsets[t_in].expect("planned input")
    );
        model_c.push_str(body);
        let _ = write!(
        model_c,
        "    {{\n        const tinyml_output_t *src = (const tinyml_output_t *)TINYML_ARENA_AT({});\n        tinyml_output_t *dst = (tinyml_output_t *)output;\n        for (i = 0; i < TINYML_OUTPUT_ELEMENTS; ++i) {{\n            dst[i] = src[i];\n        }}\n    }}\n    return 0;\n}}\n",
        mem.tensor_offsets[t_out].expect("planned output")
    );
    }

    model_c
}

/// `tinyml_reset`, for a model with variable tensors (recurrent state): their initial
/// values as TFLM's `ResetVariableTensors` sets them (`Program::variable_fills`), at
/// the C plan's offsets. Empty for a model without state.
fn reset_c(p: &Program, mem: &MemoryPlan) -> String {
    let g = &p.graph;
    let variables: Vec<TensorId> = (0..g.tensors.len()).filter(|&t| g.tensors[t].is_variable).collect();
    let mut c = String::new();
    for t in variables {
        let (Some(at), tensor) = (mem.tensor_offsets[t], &g.tensors[t]) else { continue };
        let value = match tensor.dtype {
            DType::I8 => tensor.scale_zp().map_or(0, |(_, zp)| zp),
            _ => 0,
        };
        let ty = c_type(tensor.dtype);
        let _ = write!(
            c,
            "    {{\n        {ty} *s = ({ty} *)TINYML_ARENA_AT({at});\n        for (i = 0; i < {}; ++i) {{\n            s[i] = {value};\n        }}\n    }}\n",
            tensor.elements()
        );
    }
    if c.is_empty() {
        return c;
    }
    format!("\n/* Recurrent state (variable tensors) is set up before the first invoke. */\nstatic int tinyml_state_ready;\n\nvoid tinyml_reset(void) {{\n    int32_t i;\n{c}    tinyml_state_ready = 1;\n}}\n")
}

/// `tinyml_invoke_n` of a model with several inputs or outputs: copies every input into
/// the arena, runs `body`, copies every output out.
fn invoke_n(p: &Program, mem: &MemoryPlan, body: &str) -> String {
    let g = &p.graph;
    let mut c = String::from(
        "\nint tinyml_invoke_n(const void *const inputs[TINYML_NUM_INPUTS], void *const outputs[TINYML_NUM_OUTPUTS]) {\n    int32_t i;\n    if (inputs == NULL || outputs == NULL) {\n        return -1;\n    }\n",
    );
    for (dir, n) in [("inputs", g.inputs.len()), ("outputs", g.outputs.len())] {
        for k in 0..n {
            let _ = writeln!(c, "    if ({dir}[{k}] == NULL) {{\n        return -1;\n    }}");
        }
    }
    for (k, &t) in g.inputs.iter().enumerate() {
        let _ = write!(
            c,
            "    {{\n        const tinyml_input{k}_t *src = (const tinyml_input{k}_t *)inputs[{k}];\n        tinyml_input{k}_t *dst = (tinyml_input{k}_t *)TINYML_ARENA_AT({});\n        for (i = 0; i < TINYML_INPUT{k}_ELEMENTS; ++i) {{\n            dst[i] = src[i];\n        }}\n    }}\n",
            mem.tensor_offsets[t].expect("planned input")
        );
    }
    c.push_str(body);
    for (k, &t) in g.outputs.iter().enumerate() {
        let _ = write!(
            c,
            "    {{\n        const tinyml_output{k}_t *src = (const tinyml_output{k}_t *)TINYML_ARENA_AT({});\n        tinyml_output{k}_t *dst = (tinyml_output{k}_t *)outputs[{k}];\n        for (i = 0; i < TINYML_OUTPUT{k}_ELEMENTS; ++i) {{\n            dst[i] = src[i];\n        }}\n    }}\n",
            mem.tensor_offsets[t].expect("planned output")
        );
    }
    c.push_str("    return 0;\n}\n");
    c
}
