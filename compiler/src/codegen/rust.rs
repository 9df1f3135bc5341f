//! Emits a Rust module for a compiled program: constant tables in flash, the arena
//! size, typed accessors for inputs and outputs, and `invoke`, a straight-line sequence
//! of kernel calls at planned arena offsets. Only the kernels the model uses are
//! referenced, so only they are linked.

use crate::graph::{DType, TensorId};
use crate::program::Program;
use std::collections::BTreeSet;
use std::fmt::Write;

/// A constant item a kernel asked for, kept structured so that every back end (Rust,
/// C) renders it in its own syntax.
#[derive(Clone, Debug, PartialEq)]
pub enum Item {
    /// A parameter struct: `ident` of type `ty`, with its `Debug` form (a Rust struct
    /// literal of scalars and fixed arrays).
    Params {
        /// The constant's name (`L3_PARAMS`).
        ident: String,
        /// The struct's type name (`FullyConnectedParams`).
        ty: String,
        /// `format!("{:?}")` of the value.
        debug: String,
    },
    /// A constant table of `elem` (a Rust primitive name: `i8`, `i32`, ...).
    Table {
        /// The table's name (`L3_FILTER`).
        ident: String,
        /// Element type, as a Rust primitive name.
        elem: String,
        /// The values, formatted as Rust literals.
        values: Vec<String>,
    },
    /// A table of `i32` words only the optimized kernels read (per-channel constants the
    /// compiler packed for them, `tinyml_runtime::kernels::packed`). Rust emits it like a
    /// [`Item::Table`]; the C back end, whose kernels are reference ports, emits no data
    /// and passes `NULL` in its place.
    Packed {
        /// The table's name (`L3_PACKED`).
        ident: String,
        /// The words.
        values: Vec<i32>,
    },
}

/// Collects the items of the generated module while kernels emit their calls.
///
/// Kernels write their call in Rust syntax, referring to tables as `&IDENT.0`, to absent
/// optional tables as `&[]` (absent scratch `&mut []`), and to the bound views `in0`, `in1`,
/// `out`, `scratch`; the C back end maps that form mechanically, so keep calls to that
/// shape.
pub struct Emitter {
    layer: usize,
    items: Vec<Item>,
    uses: BTreeSet<String>,
}

impl Emitter {
    /// An emitter for layer 0.
    pub fn new() -> Self {
        Emitter { layer: 0, items: Vec::new(), uses: BTreeSet::new() }
    }

    /// Sets the layer whose items follow.
    pub fn set_layer(&mut self, layer: usize) {
        self.layer = layer;
    }

    /// Index of the layer being emitted.
    pub fn layer(&self) -> usize {
        self.layer
    }

    /// The items emitted so far.
    pub fn items(&self) -> &[Item] {
        &self.items
    }

    /// Imports a path into the generated module (`tinyml_runtime::kernels::conv::*`).
    pub fn use_path(&mut self, path: &str) {
        self.uses.insert(path.to_owned());
    }

    /// Emits a parameter struct constant (whose `Debug` form is a Rust literal) and
    /// returns its name.
    pub fn params<T: std::fmt::Debug>(&mut self, name: &str, ty: &str, value: &T) -> String {
        let ident = format!("L{}_{}", self.layer, name);
        self.items.push(Item::Params { ident: ident.clone(), ty: ty.to_owned(), debug: format!("{value:?}") });
        ident
    }

    /// Emits a static table aligned to 16 bytes and returns an expression for it as a
    /// slice (`&L3_FILTER.0`).
    pub fn table<T: std::fmt::Display>(&mut self, name: &str, elem: &str, values: &[T]) -> String {
        let ident = format!("L{}_{}", self.layer, name);
        self.items.push(Item::Table {
            ident: ident.clone(),
            elem: elem.to_owned(),
            values: values.iter().map(|v| v.to_string()).collect(),
        });
        format!("&{ident}.0")
    }

    /// Emits a [`Item::Packed`] table and returns an expression for it as a slice
    /// (`&L3_PACKED.0`).
    pub fn packed(&mut self, name: &str, values: &[i32]) -> String {
        let ident = format!("L{}_{}", self.layer, name);
        self.items.push(Item::Packed { ident: ident.clone(), values: values.to_vec() });
        format!("&{ident}.0")
    }

    fn render_rust(&self) -> String {
        let mut out = String::new();
        for item in &self.items {
            match item {
                Item::Params { ident, ty, debug } => {
                    let _ = writeln!(out, "const {ident}: {ty} = {debug};");
                }
                Item::Table { ident, elem, values } => {
                    let _ = write!(out, "static {ident}: Aligned<[{elem}; {}]> = Aligned([", values.len());
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
}

impl Default for Emitter {
    fn default() -> Self {
        Self::new()
    }
}

fn place(p: &Program, t: TensorId) -> String {
    format!("({}, {})", p.offset(t), p.graph.tensors[t].elements())
}

/// Options of [`generate_with`].
#[derive(Clone, Debug, Default)]
pub struct GenOptions {
    /// The model file name, for the header comment.
    pub source: String,
    /// Bytes of input 0 to embed as `TEST_INPUT0` (in the input's element type).
    pub test_input: Option<Vec<u8>>,
}

/// Generates the Rust module for `p`. `source` names the model file in the header.
pub fn generate(p: &Program, source: &str) -> String {
    generate_with(p, &GenOptions { source: source.to_owned(), test_input: None })
}

fn literal_list(dtype: DType, bytes: &[u8]) -> String {
    let vals: Vec<String> = match dtype {
        DType::I8 => bytes.iter().map(|&b| (b as i8).to_string()).collect(),
        DType::U8 | DType::Bool => bytes.iter().map(|b| b.to_string()).collect(),
        DType::I16 => bytes.chunks_exact(2).map(|c| i16::from_le_bytes([c[0], c[1]]).to_string()).collect(),
        DType::I32 => bytes.chunks_exact(4).map(|c| i32::from_le_bytes([c[0], c[1], c[2], c[3]]).to_string()).collect(),
        DType::U32 => bytes.chunks_exact(4).map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]).to_string()).collect(),
        DType::F32 => {
            bytes.chunks_exact(4).map(|c| format!("{:?}", f32::from_le_bytes([c[0], c[1], c[2], c[3]]))).collect()
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

/// Generates the Rust module for `p` with `opts`.
pub fn generate_with(p: &Program, opts: &GenOptions) -> String {
    let source = opts.source.as_str();
    let g = &p.graph;
    let mut e = Emitter::new();
    let mut body = String::new();
    for (i, step) in p.steps.iter().enumerate() {
        e.set_layer(i);
        let out_t = &g.tensors[step.output];
        let shapes: Vec<String> = step.inputs.iter().map(|&t| format!("{:?}", g.tensors[t].shape)).collect();
        let _ = writeln!(
            body,
            "    // #{i} {}: {} -> {:?}; {} MACs",
            step.kernel.op_name(),
            shapes.join(", "),
            out_t.shape,
            step.kernel.macs()
        );
        if step.kernel.is_reinterpretation() {
            let _ = writeln!(body, "    // (reinterpretation: shares the input's arena bytes, no code)");
            continue;
        }
        let call = step.kernel.emit(&mut e);
        let in_ty = step.inputs.first().map(|&t| g.tensors[t].dtype.rust_name()).unwrap_or("i8");
        let out_ty = out_t.dtype.rust_name();
        let n = step.inputs.len();
        let names: Vec<String> = (0..n).map(|k| format!("in{k}")).collect();
        let places: Vec<String> = step.inputs.iter().map(|&t| place(p, t)).collect();
        let (off, len) = p.plan.scratch[i];
        let binding = if step.kernel.scratch().preferred > 0 {
            format!(
                "let ([{}], out, scratch) = arena::io_scratch::<{in_ty}, {out_ty}, {n}>(a, [{}], {}, ({off}, {len}))?;",
                names.join(", "),
                places.join(", "),
                place(p, step.output)
            )
        } else {
            format!(
                "let ([{}], out) = arena::io::<{in_ty}, {out_ty}, {n}>(a, [{}], {})?;",
                names.join(", "),
                places.join(", "),
                place(p, step.output)
            )
        };
        let _ = writeln!(body, "    tinyml_runtime::layer!({i}, {{\n        {binding}\n        {call};\n    }});");
    }

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
    for u in &e.uses {
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
    let _ = writeln!(out, "/// The arena type of this model.");
    let _ = writeln!(out, "pub type ModelArena = Arena<ARENA_BYTES>;");
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
    let _ = writeln!(
        out,
        "\n/// Input 0, to be filled before [`invoke`].\npub fn input_mut(arena: &mut ModelArena) -> &mut [{}] {{\n    arena::inplace(arena.bytes_mut(), INPUT0).expect(\"planned input\")\n}}",
        g.tensors[t_in].dtype.rust_name()
    );
    let _ = writeln!(
        out,
        "\n/// Output 0, valid after [`invoke`].\npub fn output(arena: &ModelArena) -> &[{}] {{\n    arena::view(arena.bytes(), OUTPUT0).expect(\"planned output\")\n}}",
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
    out.push_str("\n// Constant tables and parameters.\n");
    out.push_str(&e.render_rust());
    out.push_str("\n/// Runs one inference over `arena`.\npub fn invoke(arena: &mut ModelArena) -> Result<(), tinyml_runtime::Error> {\n    let a = arena.bytes_mut();\n    let _ = &a;\n");
    out.push_str(&body);
    out.push_str("    Ok(())\n}\n");
    out
}
