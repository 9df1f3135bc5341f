//! Emits a Rust module for a compiled program: constant tables in flash, the arena
//! size, typed accessors for inputs and outputs, and `invoke`, a straight-line sequence
//! of kernel calls at planned arena offsets. Only the kernels the model uses are
//! referenced, so only they are linked.

use super::layers::layers;
use crate::graph::{DType, TensorId};
use crate::kernel::{Arg, Call, Emitter, Item, Step, TableData};
use crate::plan::{fused, RowsInPlace};
use crate::program::Program;
use std::collections::BTreeSet;
use std::fmt::Write;
use tinyml_runtime::kernels::rows_in_place::buffer_len;

/// The constants of `items` as Rust items; the tables named in `in_ram` are linked into
/// RAM (`.data`, which cortex-m-rt copies from flash at start-up) on the device.
fn render_items(items: &[Item], in_ram: &BTreeSet<String>) -> String {
    let mut out = String::new();
    for item in items {
        if let Item::Table { ident, .. } | Item::Packed { ident, .. } = item {
            if in_ram.contains(ident) {
                let _ = writeln!(out, "#[cfg_attr(target_os = \"none\", link_section = \".data.tinyml.{ident}\")]");
            }
        }
        match item {
            Item::Params { ident, ty, debug } => {
                let _ = writeln!(out, "const {ident}: {ty} = {debug};");
            }
            Item::Table { ident, elem, values } => {
                let values: Vec<String> = match values {
                    TableData::Int(v) => v.iter().map(|x| x.to_string()).collect(),
                    TableData::F32(v) => v.iter().map(|&x| f32_literal(x)).collect(),
                };
                let _ = write!(out, "static {ident}: Aligned<[{}; {}]> = Aligned([", elem.rust_name(), values.len());
                for row in values.chunks(24) {
                    let _ = write!(out, "\n    {},", row.join(", "));
                }
                out.push_str("\n]);\n");
            }
            Item::Packed { ident, values } => {
                let _ = write!(out, "static {ident}: Aligned<[i32; {}]> = Aligned([", values.len());
                for row in values.chunks(16) {
                    let row: Vec<String> = row.iter().map(|v| v.to_string()).collect();
                    let _ = write!(out, "\n    {},", row.join(", "));
                }
                out.push_str("\n]);\n");
            }
        }
    }
    out
}

/// Bytes of the tables in `in_ram`.
fn ram_bytes(items: &[Item], in_ram: &BTreeSet<String>) -> usize {
    items.iter().filter_map(table_bytes).filter(|(ident, _)| in_ram.contains(*ident)).map(|(_, b)| b).sum()
}

fn render_arg(a: &Arg) -> String {
    match a {
        Arg::Params(ident) => format!("&{ident}"),
        Arg::Table(ident) | Arg::Packed(ident) => format!("&{ident}.0"),
        Arg::NoTable => "&[]".to_owned(),
        Arg::Input(k) => format!("in{k}"),
        Arg::Output => "out".to_owned(),
        Arg::NthOutput(k) => output_name(*k),
        Arg::State(k) => format!("st{k}"),
        // A list of outputs (SPLIT's) is a slice of exclusive views.
        Arg::List(items) if items.iter().all(|a| matches!(a, Arg::Output | Arg::NthOutput(_))) => {
            format!("&mut [{}]", items.iter().map(render_arg).collect::<Vec<_>>().join(", "))
        }
        Arg::Scratch => "scratch".to_owned(),
        Arg::NoScratch => "&mut []".to_owned(),
        Arg::Buffer => "buf".to_owned(),
        Arg::List(items) => format!("&[{}]", items.iter().map(render_arg).collect::<Vec<_>>().join(", ")),
        // Integer literals take their type from the kernel's parameter.
        Arg::Int(v) => v.to_string(),
        Arg::Bool(v) => v.to_string(),
        Arg::F32(v) => format!("f32::from_bits({:#x})", v.to_bits()),
    }
}

/// `call` as a Rust expression (`conv_s8(&L0_PARAMS, in0, &L0_FILTER.0, ...)`).
pub fn render_call(call: &Call) -> String {
    let types = if call.explicit_types && !call.types.is_empty() {
        format!("::<{}>", call.types.iter().map(|t| t.rust_name()).collect::<Vec<_>>().join(", "))
    } else {
        String::new()
    };
    let args: Vec<String> = call.args.iter().map(render_arg).collect();
    let fallible = if call.fallible { "?" } else { "" };
    format!("{}{types}({}){fallible}", call.rust_function(""), args.join(", "))
}

fn place(p: &Program, t: TensorId) -> String {
    format!("({}, {})", p.offset(t), p.graph.tensors[t].elements())
}

/// Whether a step needs [`arena::Views`] rather than [`arena::io`]: several outputs,
/// variable tensors updated in place, or inputs of different element types.
fn needs_views(p: &Program, step: &Step, call: &Call) -> bool {
    if is_split(p) {
        // `arena::io` views one slice; an arena across regions is viewed tensor by tensor.
        return true;
    }
    let g = &p.graph;
    let first = step.inputs.first().map(|&t| g.tensors[t].dtype);
    step.outputs.len() > 1 || call.has_state() || step.inputs.iter().any(|&t| Some(g.tensors[t].dtype) != first)
}

/// Whether the arena is split across memory regions (one arena per region).
fn is_split(p: &Program) -> bool {
    !p.plan.regions.is_empty()
}

/// The statement that starts a step's views of the arena `a`.
fn views_of_a(p: &Program) -> &'static str {
    if is_split(p) {
        "let mut v = arena::Views::split(a);"
    } else {
        "let mut v = arena::Views::new(a);"
    }
}

/// `let ([in0, in1], out) = arena::io::<..>(a, ..)?;`: inputs of one element type, one
/// output, optional scratch.
fn io_binding(p: &Program, i: usize, step: &Step) -> String {
    let g = &p.graph;
    let in_ty = step.inputs.first().map(|&t| g.tensors[t].dtype.rust_name()).unwrap_or("i8");
    let out_ty = g.tensors[step.output()].dtype.rust_name();
    let n = step.inputs.len();
    let names: Vec<String> = (0..n).map(|k| format!("in{k}")).collect();
    let places: Vec<String> = step.inputs.iter().map(|&t| place(p, t)).collect();
    let (off, len) = p.plan.scratch[i];
    if step.kernel.scratch().preferred > 0 {
        format!(
            "let ([{}], out, scratch) = arena::io_scratch::<{in_ty}, {out_ty}, {n}>(a, [{}], {}, ({off}, {len}))?;",
            names.join(", "),
            places.join(", "),
            place(p, step.output())
        )
    } else {
        format!(
            "let ([{}], out) = arena::io::<{in_ty}, {out_ty}, {n}>(a, [{}], {})?;",
            names.join(", "),
            places.join(", "),
            place(p, step.output())
        )
    }
}

/// One `arena::Views` view per tensor: `in<k>` shared, `st<k>` (state) and outputs
/// (`out`, `out1`, ...) exclusive, then `scratch`.
fn views_binding(p: &Program, i: usize, step: &Step, call: &Call) -> String {
    let g = &p.graph;
    let states = call.states_used();
    let mut lines = vec![views_of_a(p).to_owned()];
    for (k, &t) in step.inputs.iter().enumerate() {
        let ty = g.tensors[t].dtype.rust_name();
        lines.push(if states.contains(&k) {
            format!("let st{k} = v.output::<{ty}>({})?;", place(p, t))
        } else {
            format!("let in{k} = v.input::<{ty}>({})?;", place(p, t))
        });
    }
    for (k, &t) in step.outputs.iter().enumerate() {
        // An in-place call writes its output through the state view of the input.
        if k == 0 && p.plan.in_place[i].is_some() {
            continue;
        }
        let ty = g.tensors[t].dtype.rust_name();
        lines.push(format!("let {} = v.output::<{ty}>({})?;", output_name(k), place(p, t)));
    }
    if step.kernel.scratch().preferred > 0 {
        let (off, len) = p.plan.scratch[i];
        lines.push(format!("let scratch = v.output::<u8>(({off}, {len}))?;"));
    }
    lines.join("\n        ")
}

/// `buf`, the buffer a step by rows shares between its output (from its start) and its
/// input (`shift` bytes in), and `scratch`, its ring and band scratch.
fn rows_binding(p: &Program, i: usize, step: &Step, rows: RowsInPlace) -> String {
    let len = step.kernel.row_window().map_or(0, |w| buffer_len(&w, rows.shift));
    let (off, bytes) = p.plan.scratch[i];
    format!(
        "{}\n        let buf = v.output::<i8>(({}, {len}))?;\n        let scratch = v.output::<u8>(({off}, {bytes}))?;",
        views_of_a(p),
        p.offset(step.output())
    )
}

/// `buf` and `scratch` of a fused pair starting at step `i`: the buffer the pair's
/// output (from its start) shares with its input (`shift` bytes in), and the ring,
/// window and band scratch.
fn fused_binding(p: &Program, i: usize, rows: RowsInPlace) -> String {
    let len = fused::chain(&p.steps, i).map_or(0, |c| buffer_len(&c.window(), rows.shift));
    let (off, bytes) = p.plan.scratch[i];
    format!(
        "{}\n        let buf = v.output::<i8>(({}, {len}))?;\n        let scratch = v.output::<u8>(({off}, {bytes}))?;",
        views_of_a(p),
        p.offset(p.steps[i + 1].output())
    )
}

/// The loop of a fused pair (`fused_rows::run`): each step's kernel prepared once for all
/// bands by its `<function>_bands` form (`conv_s8_bands(.., |first| ..)`), then called on
/// each band with the band's parameters (`conv_band(&L2_PARAMS, b)`) and rows. Where both
/// steps take scratch, which one prepared kernel would hold for the whole loop, each
/// step's ordinary call runs per band with the band scratch instead.
fn fused_call(p: &Program, i: usize, rows: RowsInPlace, first: &Call, second: &Call) -> String {
    let functions = |k: usize| p.steps[k].kernel.band_functions().expect("a fused step has band functions");
    let window = |k: usize, call: &Call| {
        format!("{}({})", functions(k).0, band_params(call).map(render_arg).unwrap_or_default())
    };
    let band_params_of = |k: usize, call: &Call| {
        format!("&{}({}, b)", functions(k).1, band_params(call).map(render_arg).unwrap_or_default())
    };
    let chain = format!("fused_rows::Chain {{ first: {}, second: {} }}", window(i, first), window(i + 1, second));
    let (shift, band, direct) = (rows.shift, rows.band, rows.direct);
    if first.args.contains(&Arg::Scratch) && second.args.contains(&Arg::Scratch) {
        let per_band = |k: usize, call: &Call| -> String {
            let args: Vec<String> = call
                .args
                .iter()
                .map(|a| match a {
                    Arg::Params(_) if Some(a) == band_params(call) => band_params_of(k, call),
                    Arg::Input(0) => "input".to_owned(),
                    Arg::Output => "output".to_owned(),
                    _ => render_arg(a),
                })
                .collect();
            format!("|b, input, output, scratch| {}({})", call.rust_function(""), args.join(", "))
        };
        return format!(
            "fused_rows::run(\n            &{chain},\n            buf,\n            {shift},\n            {band},\n            {direct},\n            scratch,\n            {},\n            {},\n        )?",
            per_band(i, first),
            per_band(i + 1, second)
        );
    }
    // `<function>_bands(params, tables.., [scratch,] run)`: the call's arguments without
    // its input and output, the kernels' part of the scratch for the one that takes it.
    let prepare = |call: &Call, name: &str, inner: String| -> String {
        let mut args: Vec<String> = call
            .args
            .iter()
            .filter(|a| !matches!(a, Arg::Input(0) | Arg::Output))
            .map(|a| if *a == Arg::Scratch { "kernel_scratch".to_owned() } else { render_arg(a) })
            .collect();
        args.push(format!("|{name}| {{\n{inner}\n        }}"));
        format!("{}({})", call.rust_function("_bands"), args.join(", "))
    };
    let takes_scratch = first.args.contains(&Arg::Scratch) || second.args.contains(&Arg::Scratch);
    let kernels = if takes_scratch { "kernel_scratch" } else { "_" };
    let run = format!(
        "            fused_rows::run(\n                &chain,\n                buf,\n                {shift},\n                {band},\n                {direct},\n                pair,\n                |b, input, output, _| first({}, input, output),\n                |b, input, output, _| second({}, input, output),\n            )",
        band_params_of(i, first),
        band_params_of(i + 1, second)
    );
    format!(
        "let chain = {chain};\n        let (pair, {kernels}) = fused_rows::split_kernel_scratch(&chain, scratch, {shift}, {band}, {direct})?;\n        {}?",
        prepare(first, "first", format!("            {}", prepare(second, "second", run)))
    )
}

/// The parameter struct of a kernel call: its first [`Arg::Params`].
fn band_params(call: &Call) -> Option<&Arg> {
    call.args.iter().find(|a| matches!(a, Arg::Params(_)))
}

/// The Rust name of output view `k`: `out`, `out1`, `out2`...
fn output_name(k: usize) -> String {
    if k == 0 {
        "out".to_owned()
    } else {
        format!("out{k}")
    }
}

/// Options of [`generate_with`].
#[derive(Clone, Debug, Default)]
pub struct GenOptions {
    /// The model file name, for the header comment.
    pub source: String,
    /// Bytes of input 0 to embed as `TEST_INPUT0` (in the input's element type).
    pub test_input: Option<Vec<u8>>,
    /// Bytes of constant tables to copy into RAM at start-up ([`tables_in_ram`]); 0, the
    /// default, leaves every table in flash.
    pub weights_in_ram: usize,
}

/// The constant tables to copy into RAM, at most `budget` bytes of them: where reading
/// flash costs wait states (flash behind a cache or an XIP bus), the tables read most
/// often per byte gain most, so they go first: a table's layer's MACs over the table's
/// bytes, then the smaller table. Tables larger than what is left are skipped, so smaller
/// ones further down may still fit.
pub fn tables_in_ram(p: &Program, e: &Emitter, budget: usize) -> BTreeSet<String> {
    let mut tables: Vec<(f64, usize, &str)> = e
        .items()
        .iter()
        .zip(e.owners())
        .filter_map(|(item, owner)| {
            let (ident, bytes) = table_bytes(item)?;
            let macs = owner.map_or(0, |layer| p.steps[layer].kernel.macs());
            Some((macs as f64 / bytes as f64, bytes, ident))
        })
        .collect();
    tables.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(b.2)));
    let mut left = budget;
    let mut chosen = BTreeSet::new();
    for (_, bytes, ident) in tables {
        if bytes <= left {
            left -= bytes;
            chosen.insert(ident.to_owned());
        }
    }
    chosen
}

/// Bytes of every constant table the generated module of `p` holds: the most
/// [`GenOptions::weights_in_ram`] can move into RAM.
pub fn table_bytes_total(p: &Program) -> usize {
    let mut e = Emitter::new();
    let _ = steps_body(p, &mut e, false);
    let _ = simulations(p, &mut e);
    e.items().iter().filter_map(table_bytes).map(|(_, b)| b).sum()
}

/// A table item's name and the bytes its static takes (16-byte aligned), `None` for
/// parameters (constants the compiler folds into the code).
fn table_bytes(item: &Item) -> Option<(&str, usize)> {
    let (ident, bytes) = match item {
        Item::Table { ident, elem, values } => (ident, values.len() * elem.size()),
        Item::Packed { ident, values } => (ident, values.len() * 4),
        Item::Params { .. } => return None,
    };
    Some((ident.as_str(), bytes.next_multiple_of(16)))
}

/// A Rust `f32` literal: `Debug` prints floats with a decimal point or exponent (`1.0`,
/// `1e-5`); NaNs and infinities (test inputs may hold them) keep their bits.
fn f32_literal(x: f32) -> String {
    if x.is_finite() {
        format!("{x:?}")
    } else {
        format!("f32::from_bits({:#010x})", x.to_bits())
    }
}

fn literal_list(dtype: DType, bytes: &[u8]) -> String {
    let vals: Vec<String> = match dtype {
        DType::I8 => bytes.iter().map(|&b| (b as i8).to_string()).collect(),
        DType::U8 | DType::Bool => bytes.iter().map(|b| b.to_string()).collect(),
        DType::I16 => bytes.chunks_exact(2).map(|c| i16::from_le_bytes([c[0], c[1]]).to_string()).collect(),
        DType::I32 => bytes.chunks_exact(4).map(|c| i32::from_le_bytes([c[0], c[1], c[2], c[3]]).to_string()).collect(),
        DType::U32 => bytes.chunks_exact(4).map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]).to_string()).collect(),
        DType::F32 => {
            bytes.chunks_exact(4).map(|c| f32_literal(f32::from_le_bytes([c[0], c[1], c[2], c[3]]))).collect()
        }
        DType::I64 => bytes.chunks_exact(8).map(|c| i64::from_le_bytes(c.try_into().unwrap()).to_string()).collect(),
        DType::U64 => bytes.chunks_exact(8).map(|c| u64::from_le_bytes(c.try_into().unwrap()).to_string()).collect(),
    };
    let mut s = String::new();
    for row in vals.chunks(24) {
        s.push_str("\n    ");
        s.push_str(&row.join(", "));
        s.push(',');
    }
    s.push('\n');
    s
}

/// The statements of `p`'s steps over the arena bytes `a`: each in
/// `tinyml_runtime::layer!` when `profiled` (the program's own layers), else in a block
/// (the layers of a simulated NPU step, profiled as the one step they stand for).
fn steps_body(p: &Program, e: &mut Emitter, profiled: bool) -> String {
    let mut body = String::new();
    let all = layers(p, e, true);
    for layer in &all {
        let (i, step) = (layer.index, layer.step);
        let _ = writeln!(body, "    // #{i} {}", layer.summary);
        if i > 0 && p.plan.fused[i - 1] {
            let _ = writeln!(body, "    // (fused into #{}: runs band by band there)", i - 1);
            continue;
        }
        let Some(call) = layer.call.clone() else {
            let _ = writeln!(body, "    // (reinterpretation: shares the input's arena bytes, no code)");
            continue;
        };
        if step.kernel.npu_region().is_some() {
            let block = npu_block(p, i, step, &render_call(&call));
            let _ = writeln!(body, "    tinyml_runtime::layer!({i}, {{\n{block}    }});");
            continue;
        }
        if let (true, Some(r), Some(next)) = (p.plan.fused[i], p.plan.rows[i], all.get(i + 1)) {
            e.use_path("tinyml_runtime::kernels::rows_in_place::*");
            e.use_path("tinyml_runtime::kernels::fused_rows");
            let binding = fused_binding(p, i, r);
            let next_call = next.call.as_ref().expect("a fused step has a call");
            let block = format!("{binding}\n        {};", fused_call(p, i, r, &call, next_call));
            if profiled {
                let _ = writeln!(body, "    tinyml_runtime::layer!({i}, {{\n        {block}\n    }});");
            } else {
                let _ = writeln!(body, "    {{\n        {block}\n    }}");
            }
            continue;
        }
        let binding = if let Some(r) = p.plan.rows[i] {
            rows_binding(p, i, step, r)
        } else if needs_views(p, step, &call) {
            views_binding(p, i, step, &call)
        } else {
            io_binding(p, i, step)
        };
        let call = render_call(&call);
        if profiled {
            let _ = writeln!(body, "    tinyml_runtime::layer!({i}, {{\n        {binding}\n        {call};\n    }});");
        } else {
            let _ = writeln!(body, "    {{\n        {binding}\n        {call};\n    }}");
        }
    }
    body
}

/// The statements of NPU step `i`: on the device, the driver's call over the step's
/// region; simulated, the inputs copied into the step's scratch where the simulation has
/// them, its call, and the outputs copied back (two sets of views, since Vela may give an
/// output the bytes of an input).
fn npu_block(p: &Program, i: usize, step: &Step, call: &str) -> String {
    let g = &p.graph;
    let Some(sim) = step.kernel.npu_simulation().and_then(|s| s.downcast_ref::<Program>()) else {
        let (off, len) = p.npu_region(i).expect("an NPU step has a region and a first input");
        return format!("        let scratch = &mut a[{off}..{}];\n        {call};\n", off + len);
    };
    let (off, len) = p.plan.scratch[i];
    let mut s = format!("        {{\n            let mut v = arena::Views::new(a);\n            let scratch = v.output::<u8>(({off}, {len}))?;\n");
    for &t in &step.inputs {
        let (to, n) = (sim.offset(t), g.tensors[t].bytes());
        let _ = writeln!(
            s,
            "            scratch[{to}..{}].copy_from_slice(v.input::<u8>(({}, {n}))?);",
            to + n,
            p.offset(t)
        );
    }
    let _ = writeln!(s, "            {call};\n        }}");
    s.push_str("        {\n            let mut v = arena::Views::new(a);\n");
    let _ = writeln!(s, "            let scratch = v.input::<u8>(({off}, {len}))?;");
    for &t in &step.outputs {
        let (from, n) = (sim.offset(t), g.tensors[t].bytes());
        let _ = writeln!(
            s,
            "            v.output::<u8>(({}, {n}))?.copy_from_slice(&scratch[{from}..{}]);",
            p.offset(t),
            from + n
        );
    }
    s.push_str("        }\n");
    s
}

/// The function that runs each simulated NPU step's operators in the step's scratch
/// (`npu<k>_simulated`), its constants named after it.
fn simulations(p: &Program, e: &mut Emitter) -> String {
    let mut out = String::new();
    for step in &p.steps {
        let Some(sim) = step.kernel.npu_simulation().and_then(|s| s.downcast_ref::<Program>()) else { continue };
        // The name the step's own call uses (its kernel knows its stream number).
        let name = step.kernel.emit(&mut Emitter::new()).function;
        e.set_prefix(&name.to_uppercase());
        let body = steps_body(sim, e, false);
        let _ = write!(
            out,
            "\n/// NPU step at operator #{} simulated: its operators on the CPU, in the step's scratch.\nfn {name}(a: &mut [u8]) -> Result<(), tinyml_runtime::Error> {{\n{body}    Ok(())\n}}\n",
            step.op_index
        );
    }
    e.set_prefix("");
    out
}

/// Generates the Rust module for `p` with `opts`.
pub fn generate_with(p: &Program, opts: &GenOptions) -> String {
    let source = opts.source.as_str();
    let g = &p.graph;
    let mut e = Emitter::new();
    let body = steps_body(p, &mut e, true);
    let simulated = simulations(p, &mut e);
    let on_npu = p.steps.iter().any(|s| s.kernel.npu_stream().is_some());

    let mut out = String::new();
    let _ = writeln!(out, "// Generated by tinyml-compiler {} from {source}. Do not edit.", env!("CARGO_PKG_VERSION"));
    let _ = writeln!(out, "//");
    let _ = writeln!(
        out,
        "// {} layers, {} MACs, {} bytes of constants in flash, arena {} bytes.",
        p.steps.len(),
        p.macs(),
        p.const_bytes(),
        p.plan.arena_bytes
    );
    out.push_str("#[allow(unused_imports)]\nuse tinyml_runtime::arena::{self, Aligned, Arena, Place};\n");
    for u in e.uses() {
        let _ = writeln!(out, "#[allow(unused_imports)]\nuse {u};");
    }
    out.push('\n');
    let _ = writeln!(out, "/// Bytes of the tensor arena this model needs.");
    let _ = writeln!(out, "pub const ARENA_BYTES: usize = {};", p.plan.arena_bytes);
    let _ = writeln!(out, "/// Multiply-accumulates per inference.");
    let _ = writeln!(out, "pub const MACS: u64 = {};", p.macs());
    let _ = writeln!(out, "/// Operator name of every layer, in execution order.");
    let names: Vec<String> = p.steps.iter().map(|s| format!("{:?}", s.kernel.op_name())).collect();
    let _ = writeln!(out, "pub const LAYERS: [&str; {}] = [{}];", names.len(), names.join(", "));
    out.push_str(&arena_type(p));
    out.push_str(&arena_fn(p));
    for (kind, ids) in [("INPUT", &g.inputs), ("OUTPUT", &g.outputs)] {
        for (k, &t) in ids.iter().enumerate() {
            let tensor = &g.tensors[t];
            let (scale, zp) = tensor.scale_zp().unwrap_or((0.0, 0));
            let _ = writeln!(
                out,
                "/// Model {} {k}: shape {:?}, {}.",
                kind.to_lowercase(),
                tensor.shape,
                tensor.dtype.tflite_name()
            );
            let _ = writeln!(out, "pub const {kind}{k}: Place = {};", place(p, t));
            let _ = writeln!(out, "/// Element type of {} {k}.", kind.to_lowercase());
            let _ = writeln!(out, "pub type {kind}{k}Type = {};", tensor.dtype.rust_name());
            let _ = writeln!(out, "/// Quantization scale of {} {k} (0 if not quantized).", kind.to_lowercase());
            let _ = writeln!(out, "pub const {kind}{k}_SCALE: f32 = {scale:?};");
            let _ = writeln!(out, "/// Quantization zero point of {} {k}.", kind.to_lowercase());
            let _ = writeln!(out, "pub const {kind}{k}_ZERO_POINT: i32 = {zp};");
        }
    }
    let t_in = g.inputs[0];
    let t_out = g.outputs[0];
    // Split, the arena type has a lifetime of its own, apart from the views' borrow.
    let (lt, input_arg, output_arg, input_view, output_view) = if is_split(p) {
        ("'a", "&'a mut ModelArena<'_>", "&'a ModelArena<'_>", "arena.inplace(INPUT0)", "arena.view(OUTPUT0)")
    } else {
        (
            "",
            "&mut ModelArena",
            "&ModelArena",
            "arena::inplace(arena.bytes_mut(), INPUT0)",
            "arena::view(arena.bytes(), OUTPUT0)",
        )
    };
    let (generics, lt_space) = if lt.is_empty() { (String::new(), "") } else { (format!("<{lt}>"), "'a ") };
    let _ = writeln!(
        out,
        "\n/// Input 0, to be filled before [`invoke`].\npub fn input_mut{generics}(arena: {input_arg}) -> &{lt_space}mut [{}] {{\n    {input_view}.expect(\"planned input\")\n}}",
        g.tensors[t_in].dtype.rust_name()
    );
    let _ = writeln!(
        out,
        "\n/// Output 0, valid after [`invoke`].\npub fn output{generics}(arena: {output_arg}) -> &{lt_space}[{}] {{\n    {output_view}.expect(\"planned output\")\n}}",
        g.tensors[t_out].dtype.rust_name()
    );
    if let Some(bytes) = &opts.test_input {
        let t = &g.tensors[t_in];
        let _ = writeln!(
            out,
            "\n/// Deterministic test input for input 0 (see `tinyml_compiler::build::test_input`).\npub static TEST_INPUT0: [{}; {}] = [{}];",
            t.dtype.rust_name(),
            t.elements(),
            literal_list(t.dtype, bytes)
        );
    }
    let in_ram = tables_in_ram(p, &e, opts.weights_in_ram);
    let _ = writeln!(
        out,
        "\n/// Bytes of constant tables linked into RAM (copied from flash at start-up).\npub const WEIGHTS_IN_RAM_BYTES: usize = {};",
        ram_bytes(e.items(), &in_ram)
    );
    out.push_str("\n// Constant tables and parameters.\n");
    out.push_str(&render_items(e.items(), &in_ram));
    if on_npu {
        out.push_str("\n/// Runs one inference over `arena`, the NPU steps on `npu`.\npub fn invoke(arena: &mut ModelArena, npu: &mut impl tinyml_runtime::npu::Npu) -> Result<(), tinyml_runtime::Error> {\n");
    } else if is_split(p) {
        out.push_str("\n/// Runs one inference over `arena`.\npub fn invoke(arena: &mut ModelArena<'_>) -> Result<(), tinyml_runtime::Error> {\n");
    } else {
        out.push_str("\n/// Runs one inference over `arena`.\npub fn invoke(arena: &mut ModelArena) -> Result<(), tinyml_runtime::Error> {\n");
    }
    if is_split(p) {
        out.push_str("    let a = arena;\n    let _ = &a;\n");
    } else {
        out.push_str("    let a = arena.bytes_mut();\n    let _ = &a;\n");
    }
    out.push_str(&body);
    out.push_str("    Ok(())\n}\n");
    out.push_str(&simulated);
    out.push_str(&reset_fn(p));
    out
}

/// `ModelArena`: one [`Arena`] of `ARENA_BYTES`, or when the plan splits the arena across
/// memory regions, one per region (`ARENA<k>_BYTES`, placed by the firmware in region
/// `ARENA_REGIONS[k]`), passed together as `arena::Regions`.
fn arena_type(p: &Program) -> String {
    if !is_split(p) {
        return "/// The arena type of this model.\npub type ModelArena = Arena<ARENA_BYTES>;\n".to_owned();
    }
    let r = &p.plan.regions;
    let names: Vec<String> = r.iter().map(|(n, _)| format!("{n:?}")).collect();
    let mut s = format!(
        "/// The memory regions the arena is split across, fastest first: one arena per region.\npub const ARENA_REGIONS: [&str; {}] = [{}];\n",
        r.len(),
        names.join(", ")
    );
    for (k, (name, bytes)) in r.iter().enumerate() {
        let _ =
            writeln!(s, "/// Bytes of the arena in region {k} ({name}).\npub const ARENA{k}_BYTES: usize = {bytes};");
    }
    let _ = writeln!(
        s,
        "/// The arena type of this model: one `Arena<ARENA<k>_BYTES>` per region, region 0 first\n/// (`ModelArena::new([arena0.bytes_mut(), arena1.bytes_mut(), ...])`).\npub type ModelArena<'a> = arena::Regions<'a, {}>;",
        r.len()
    );
    s
}

/// `arena()`: the model's arena as statics, so firmware need not know whether the plan
/// split it. One arena of `ARENA_BYTES` links with the other statics (the board's `ram`
/// region); a split arena links each region's share into that region's section
/// ([`arena_section`], which the board's `memory.x` places there). The section is named
/// only on the device: a host test build keeps its usual sections.
///
/// [`arena_section`]: crate::plan::regions::arena_section
fn arena_fn(p: &Program) -> String {
    let doc = "\n/// The model's arena: statics placed by the plan, returned once.\n///\n/// # Safety\n/// Call it once: every call returns the same memory.\n";
    if !is_split(p) {
        return format!("{doc}pub unsafe fn arena() -> &'static mut ModelArena {{\n    static mut ARENA: ModelArena = ModelArena::new();\n    // SAFETY: the caller takes the only reference, once.\n    unsafe {{ &mut *core::ptr::addr_of_mut!(ARENA) }}\n}}\n");
    }
    let mut statics = String::new();
    let mut slices = Vec::new();
    for (k, (name, _)) in p.plan.regions.iter().enumerate() {
        let section = crate::plan::regions::arena_section(name);
        let _ = writeln!(
            statics,
            "    #[cfg_attr(target_os = \"none\", link_section = {section:?})]\n    static mut ARENA{k}: Arena<ARENA{k}_BYTES> = Arena::new();"
        );
        slices.push(format!("(*core::ptr::addr_of_mut!(ARENA{k})).bytes_mut()"));
    }
    format!(
        "{doc}pub unsafe fn arena() -> &'static mut ModelArena<'static> {{\n{statics}    static mut REGIONS: Option<ModelArena<'static>> = None;\n    // SAFETY: the caller takes the only references, once.\n    unsafe {{ (*core::ptr::addr_of_mut!(REGIONS)).insert(arena::Regions::new([{}])) }}\n}}\n",
        slices.join(", ")
    )
}

/// `reset`: the variable tensors (recurrent state) back to their initial state, as TFLM's
/// `ResetVariableTensors`. Generated for every model, empty without state, so firmware
/// calls it unconditionally before the first [`invoke`].
fn reset_fn(p: &Program) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "\n/// Bytes at the start of the arena that hold recurrent state between invocations.");
    let _ = writeln!(s, "pub const PERSISTENT_BYTES: usize = {};", p.plan.persistent_bytes);
    s.push_str("\n/// Puts the model's recurrent state (variable tensors) in its initial state; call it\n/// before the first [`invoke`] and to start a new stream.\n");
    let fills = p.variable_fills();
    if fills.is_empty() && is_split(p) {
        s.push_str("pub fn reset(_arena: &mut ModelArena<'_>) {}\n");
    } else if fills.is_empty() {
        s.push_str("pub fn reset(_arena: &mut ModelArena) {}\n");
    } else if is_split(p) {
        s.push_str("pub fn reset(arena: &mut ModelArena<'_>) {\n");
        for (offset, bytes, value) in fills {
            let _ =
                writeln!(s, "    arena.inplace::<u8>(({offset}, {bytes})).expect(\"planned state\").fill({value});");
        }
        s.push_str("}\n");
    } else {
        s.push_str("pub fn reset(arena: &mut ModelArena) {\n    let a = arena.bytes_mut();\n");
        for (offset, bytes, value) in fills {
            let _ = writeln!(s, "    a[{offset}..{}].fill({value});", offset + bytes);
        }
        s.push_str("}\n");
    }
    s
}
