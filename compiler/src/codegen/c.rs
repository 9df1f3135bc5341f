//! Emits portable C99 for a compiled [`Program`]: the same steps and memory plan as the
//! Rust back end ([`super::rust`]), with the kernels of `compiler/c/` (a line-for-line
//! port of the `tinyml-runtime` reference kernels) instead of the Rust crate.
//!
//! The op modules are not aware of C: every kernel emits its call in the Rust form the
//! [`Emitter`] documents, and [`literal`] maps that form mechanically (parameter structs
//! to designated initializers, `&TABLE.0` to `TABLE`, `&[]` to `NULL`, `f::<T>` to
//! `f_T`). A kernel without a C port is reported by name, never silently skipped.
//!
//! Targets without 8-bit memory units (TI C28x: `CHAR_BIT` is 16) use
//! [`Container::Bits16`]: int8 values are held in `int16_t`, and the arena is planned
//! again in 16-bit words (an int8 element takes one word, an int32 two), so every
//! offset and size in the generated C is in words there.

mod literal;
mod output;

pub use literal::{debug_to_initializer, parse_call, Call};
pub use output::write_dir;

use crate::codegen::rust::{Emitter, Item};
use crate::graph::{DType, TensorId};
use crate::plan::{self, Buffer, BufferKind, MemoryPlan, PlannerKind};
use crate::program::Program;
use std::collections::BTreeSet;
use std::fmt::Write;

/// How int8 values are stored.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Container {
    /// `int8_t`, arena in bytes: every target with `CHAR_BIT == 8`.
    #[default]
    Bits8,
    /// `int16_t` holding values in -128..127, arena in 16-bit words: C28x and other
    /// word-addressed cores.
    Bits16,
}

impl Container {
    /// Bits per int8 container (8 or 16), as on the command line.
    pub fn bits(self) -> u32 {
        match self {
            Container::Bits8 => 8,
            Container::Bits16 => 16,
        }
    }

    /// The unit of arena offsets and sizes.
    pub fn unit(self) -> &'static str {
        match self {
            Container::Bits8 => "bytes",
            Container::Bits16 => "16-bit words",
        }
    }
}

/// Options of [`generate`].
#[derive(Clone, Debug, Default)]
pub struct COptions {
    /// The model file name, for comments.
    pub source: String,
    /// int8 container width.
    pub container: Container,
    /// The planner of the C arena (the program's tensors re-placed without scratch).
    pub planner: PlannerKind,
    /// Embed `tinyml_test_input` (the deterministic test input of
    /// [`crate::build::test_input_for`]) and `tinyml_test_expected` (the host run's
    /// output for it), so firmware can check itself on the target.
    pub embed_test_vector: bool,
}

/// A generated export: file names (no directories) and contents.
#[derive(Clone, Debug)]
pub struct CExport {
    /// Files to write, `model.h` first.
    pub files: Vec<(String, String)>,
    /// The C kernel functions the model calls, sorted.
    pub functions: Vec<String>,
    /// Arena size in the container's units (bytes, or 16-bit words).
    pub arena_units: usize,
}

impl CExport {
    /// The contents of `name`, if generated.
    pub fn file(&self, name: &str) -> Option<&str> {
        self.files.iter().find(|(n, _)| n == name).map(|(_, t)| t.as_str())
    }
}

/// Why a C export failed.
#[derive(Debug, thiserror::Error)]
pub enum CExportError {
    /// A kernel the model needs has no C port yet (the Rust back end has it).
    #[error(
        "layer #{layer} ({op}) calls `{function}`, which has no C port yet (the Rust back end supports it; C kernel files: {available})"
    )]
    KernelNotPorted {
        /// Step index.
        layer: usize,
        /// Operator name.
        op: &'static str,
        /// The kernel function.
        function: String,
        /// The C kernel files, which name the ported operators.
        available: String,
    },
    /// Something in the model or its lowering has no C form (e.g. several inputs).
    #[error("cannot export to C: {0}")]
    Unsupported(String),
    /// Planning the 16-bit-word arena failed.
    #[error(transparent)]
    Compile(#[from] crate::CompileError),
    /// Running the program on the host (for the embedded test vector) failed.
    #[error("host run for the embedded test vector failed: {0}")]
    Exec(String),
    /// The destination cannot be used.
    #[error("cannot write the export to {}: {reason}", path.display())]
    Destination {
        /// The directory.
        path: std::path::PathBuf,
        /// Why.
        reason: String,
    },
    /// Writing a file failed.
    #[error("cannot write {}: {source}", path.display())]
    Io {
        /// The file or directory.
        path: std::path::PathBuf,
        /// The cause.
        source: std::io::Error,
    },
}

/// The shared header of the C kernels (types, fixed-point helpers, parameter structs).
pub const KERNELS_HEADER: (&str, &str) = ("tinyml_kernels.h", include_str!("../../c/tinyml_kernels.h"));

/// One C source file of the kernel library.
#[derive(Debug)]
pub struct KernelSource {
    /// File name.
    pub file: &'static str,
    /// Contents.
    pub text: &'static str,
    /// The kernel functions it defines (calls in generated code).
    pub functions: &'static [&'static str],
    /// Other files it needs.
    pub needs: &'static [&'static str],
    /// Its functions take the element count as a last argument: their Rust versions take
    /// it from the length of their slices, which C pointers do not carry.
    pub counted: bool,
}

/// The C kernel library, embedded so an installed `cargo tinyml` can export anywhere.
pub const KERNEL_SOURCES: &[KernelSource] = &[
    KernelSource {
        file: "tinyml_fully_connected.c",
        text: include_str!("../../c/tinyml_fully_connected.c"),
        functions: &["fully_connected_s8", "fully_connected_s16"],
        needs: &[],
        counted: false,
    },
    KernelSource {
        file: "tinyml_conv.c",
        text: include_str!("../../c/tinyml_conv.c"),
        functions: &["conv_s8", "conv_s16"],
        needs: &[],
        counted: false,
    },
    KernelSource {
        file: "tinyml_depthwise_conv.c",
        text: include_str!("../../c/tinyml_depthwise_conv.c"),
        functions: &["depthwise_conv_s8", "depthwise_conv_s16"],
        needs: &[],
        counted: false,
    },
    KernelSource {
        file: "tinyml_pooling.c",
        text: include_str!("../../c/tinyml_pooling.c"),
        functions: &["average_pool_i8", "average_pool_i16", "max_pool_i8", "max_pool_i16"],
        needs: &[],
        counted: false,
    },
    KernelSource {
        file: "tinyml_softmax.c",
        text: include_str!("../../c/tinyml_softmax.c"),
        functions: &["softmax_s8", "softmax_s8_s16", "softmax_s16"],
        needs: &["tinyml_gemmlowp.c"],
        counted: false,
    },
    KernelSource {
        file: "tinyml_add.c",
        text: include_str!("../../c/tinyml_add.c"),
        functions: &["add_s8", "add_s16", "add_i32"],
        needs: &[],
        counted: false,
    },
    KernelSource {
        file: "tinyml_mul.c",
        text: include_str!("../../c/tinyml_mul.c"),
        functions: &["mul_s8", "mul_s16", "mul_i32"],
        needs: &[],
        counted: false,
    },
    KernelSource {
        file: "tinyml_minmax.c",
        text: include_str!("../../c/tinyml_minmax.c"),
        functions: &[
            "maximum_i8",
            "maximum_i16",
            "maximum_i32",
            "maximum_f32",
            "minimum_i8",
            "minimum_i16",
            "minimum_i32",
            "minimum_f32",
        ],
        needs: &[],
        counted: false,
    },
    KernelSource {
        file: "tinyml_logistic.c",
        text: include_str!("../../c/tinyml_logistic.c"),
        functions: &["logistic_s8", "logistic_s16", "tanh_s8", "tanh_s16"],
        needs: &["tinyml_gemmlowp.c", "tinyml_sigmoid_lut.c"],
        counted: true,
    },
    KernelSource {
        file: "tinyml_sigmoid_lut.c",
        text: include_str!("../../c/tinyml_sigmoid_lut.c"),
        functions: &[],
        needs: &[],
        counted: false,
    },
    KernelSource {
        file: "tinyml_quantize.c",
        text: include_str!("../../c/tinyml_quantize.c"),
        functions: &[
            "quantize_f32_i8",
            "quantize_f32_i16",
            "requantize_i8_i8",
            "requantize_i8_u8",
            "requantize_u8_i8",
            "requantize_i8_i16",
            "requantize_i8_i32",
            "requantize_i16_i8",
            "requantize_i16_i16",
            "requantize_i16_i32",
            "requantize_i32_i8",
            "requantize_i32_i16",
        ],
        needs: &[],
        counted: true,
    },
    KernelSource {
        file: "tinyml_dequantize.c",
        text: include_str!("../../c/tinyml_dequantize.c"),
        functions: &["dequantize_i8", "dequantize_u8", "dequantize_i16"],
        needs: &[],
        counted: true,
    },
    KernelSource {
        file: "tinyml_pad.c",
        text: include_str!("../../c/tinyml_pad.c"),
        functions: &["pad_i8", "pad_i16", "pad_i32", "pad_f32"],
        needs: &[],
        counted: false,
    },
    KernelSource {
        file: "tinyml_mean.c",
        text: include_str!("../../c/tinyml_mean.c"),
        functions: &["mean_i8", "mean_i16"],
        needs: &[],
        counted: false,
    },
    KernelSource {
        file: "tinyml_concatenation.c",
        text: include_str!("../../c/tinyml_concatenation.c"),
        functions: &["concatenation_i8", "concatenation_i16", "concatenation_i32", "concatenation_f32"],
        needs: &[],
        counted: false,
    },
    KernelSource {
        file: "tinyml_strided_slice.c",
        text: include_str!("../../c/tinyml_strided_slice.c"),
        functions: &[
            "strided_slice_i8",
            "strided_slice_u8",
            "strided_slice_i16",
            "strided_slice_i32",
            "strided_slice_f32",
        ],
        needs: &[],
        counted: false,
    },
    KernelSource {
        file: "tinyml_cast.c",
        text: include_str!("../../c/tinyml_cast.c"),
        functions: &[
            "cast_i8_i8",
            "cast_i8_i16",
            "cast_i8_i32",
            "cast_i8_u32",
            "cast_i8_f32",
            "cast_i16_i8",
            "cast_i16_i16",
            "cast_i16_i32",
            "cast_i16_u32",
            "cast_i16_f32",
            "cast_i32_i8",
            "cast_i32_i16",
            "cast_i32_i32",
            "cast_i32_u32",
            "cast_i32_f32",
            "cast_u32_i8",
            "cast_u32_i16",
            "cast_u32_i32",
            "cast_u32_u32",
            "cast_u32_f32",
            "cast_u8_i8",
            "cast_u8_i16",
            "cast_u8_i32",
            "cast_u8_u32",
            "cast_u8_f32",
            "cast_f32_i8",
            "cast_f32_i16",
            "cast_f32_i32",
            "cast_f32_u32",
            "cast_f32_f32",
        ],
        needs: &[],
        counted: true,
    },
    KernelSource {
        file: "tinyml_gemmlowp.c",
        text: include_str!("../../c/tinyml_gemmlowp.c"),
        functions: &[],
        needs: &[],
        counted: false,
    },
];

/// Every kernel function with a C port.
pub fn ported_functions() -> Vec<&'static str> {
    KERNEL_SOURCES.iter().flat_map(|s| s.functions.iter().copied()).collect()
}

/// Where a type parameter that a Rust call leaves to inference comes from.
#[derive(Clone, Copy, Debug)]
enum TypeOf {
    /// The element type of the step's first input.
    Input0,
    /// The element type of the step's output.
    Output,
}

/// Generic kernels whose Rust call names no types (`maximum(&S, in0, in1, out)`,
/// `requantize(&P, in0, out)`): C has one function per element type, named after the
/// types taken from the step's tensors (`maximum_i8`, `requantize_i8_i16`), in the
/// order of the Rust type parameters.
const INFERRED_TYPES: &[(&str, &[TypeOf])] = &[
    ("maximum", &[TypeOf::Output]),
    ("minimum", &[TypeOf::Output]),
    ("pad", &[TypeOf::Output]),
    ("quantize_f32", &[TypeOf::Output]),
    ("requantize", &[TypeOf::Input0, TypeOf::Output]),
    ("dequantize", &[TypeOf::Input0]),
];

fn source_of(function: &str) -> Option<&'static KernelSource> {
    KERNEL_SOURCES.iter().find(|s| s.functions.contains(&function))
}

/// The C type of an arena element.
fn c_type(d: DType) -> &'static str {
    match d {
        DType::I8 => "tinyml_i8",
        DType::U8 | DType::Bool => "tinyml_u8",
        DType::I16 => "int16_t",
        DType::I32 => "int32_t",
        DType::U32 => "uint32_t",
        DType::F32 => "float",
        DType::I64 => "int64_t",
        DType::U64 => "uint64_t",
    }
}

/// The C type of a table of Rust element `elem`.
fn table_type(elem: &str) -> Result<&'static str, CExportError> {
    Ok(match elem {
        "i8" => "tinyml_i8",
        "u8" => "tinyml_u8",
        "i16" => "int16_t",
        "i32" => "int32_t",
        "u32" => "uint32_t",
        "i64" => "int64_t",
        "u64" => "uint64_t",
        "f32" => "float",
        other => return Err(CExportError::Unsupported(format!("table element type `{other}`"))),
    })
}

/// 16-bit words per element when int8 lives in 16-bit containers.
fn words_per_element(d: DType) -> usize {
    match d {
        DType::I8 | DType::U8 | DType::Bool | DType::I16 => 1,
        DType::I32 | DType::U32 | DType::F32 => 2,
        DType::I64 | DType::U64 => 4,
    }
}

/// The arena plan of the C export, in the container's units: the program's tensors and
/// lifetimes without any scratch (scratch serves the optimized Rust kernels; the C kernels
/// are reference ports and get `NULL`), placed again, with sizes in 16-bit words for
/// [`Container::Bits16`]. So the C arena never grows for the Rust kernels' sake.
pub fn plan_for(p: &Program, container: Container, planner: PlannerKind) -> Result<MemoryPlan, CExportError> {
    let g = &p.graph;
    let buffers = plan::buffers_of(g, &p.steps, &[])?;
    let buffers = match container {
        Container::Bits8 => buffers,
        Container::Bits16 => buffers
            .into_iter()
            .map(|b| {
                let size = match &b.kind {
                    BufferKind::Tensors(ts) => ts
                        .iter()
                        .map(|&t| g.tensors[t].elements() * words_per_element(g.tensors[t].dtype))
                        .max()
                        .unwrap_or(0),
                    BufferKind::Scratch(_) => b.bytes,
                };
                Buffer { bytes: size, ..b }
            })
            .collect(),
    };
    Ok(plan::plan(g, &p.steps, &buffers, planner))
}

/// Values of little-endian `bytes` of `dtype` as C literals.
fn element_literals(dtype: DType, bytes: &[u8]) -> Vec<String> {
    let word = |c: &[u8]| {
        let mut b = [0u8; 8];
        b[..c.len()].copy_from_slice(c);
        u64::from_le_bytes(b)
    };
    bytes
        .chunks_exact(dtype.size())
        .map(|c| match dtype {
            DType::I8 => (c[0] as i8).to_string(),
            DType::U8 | DType::Bool => c[0].to_string(),
            DType::I16 => i16::from_le_bytes([c[0], c[1]]).to_string(),
            DType::I32 => literal::c_int(i32::from_le_bytes([c[0], c[1], c[2], c[3]]) as i64),
            DType::U32 => format!("{}u", word(c)),
            DType::I64 => literal::c_int(word(c) as i64),
            DType::U64 => format!("UINT64_C({})", word(c)),
            DType::F32 => format!("{:?}f", f32::from_le_bytes([c[0], c[1], c[2], c[3]])),
        })
        .collect()
}

/// `values` as the body of a C array initializer, 16 per line.
fn array_body(values: &[String]) -> String {
    let mut s = String::new();
    for (i, v) in values.iter().enumerate() {
        s.push_str(if i % 16 == 0 { "\n    " } else { " " });
        s.push_str(v);
        s.push(',');
    }
    s.push('\n');
    s
}

fn render_items(items: &[Item]) -> Result<String, CExportError> {
    let mut out = String::new();
    for item in items {
        match item {
            Item::Params { ident, ty, debug } => {
                let init = literal::debug_to_initializer(debug)?;
                let _ = writeln!(out, "static const {ty} {ident} = {init};");
            }
            Item::Table { ident, elem, values } => {
                let ty = table_type(elem)?;
                let values: Vec<String> =
                    values.iter().map(|v| literal::table_value(elem, v)).collect::<Result<_, _>>()?;
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

/// What a step's call binds, and the code of the step.
fn emit_steps(p: &Program, mem: &MemoryPlan, e: &mut Emitter) -> Result<(String, BTreeSet<String>), CExportError> {
    let g = &p.graph;
    let mut body = String::new();
    let mut functions = BTreeSet::new();
    let at = |t: TensorId| mem.tensor_offsets[t].expect("planned tensor");
    for (i, step) in p.steps.iter().enumerate() {
        e.set_layer(i);
        let out_t = &g.tensors[step.output];
        let shapes: Vec<String> = step.inputs.iter().map(|&t| format!("{:?}", g.tensors[t].shape)).collect();
        let _ = writeln!(
            body,
            "    /* #{i} {}: {} -> {:?}; {} MACs */",
            step.kernel.op_name(),
            shapes.join(", "),
            out_t.shape,
            step.kernel.macs()
        );
        if step.kernel.is_reinterpretation() {
            let _ = writeln!(body, "    /* (reinterpretation: shares the input's arena memory, no code) */");
            continue;
        }
        let mut call = literal::parse_call(&step.kernel.emit(e))?;
        // Packed tables and scratch serve only the optimized Rust kernels: the C kernels
        // take them (one signature with the Rust ones) and ignore them.
        for arg in &mut call.args {
            let packed = e.items().iter().any(|item| matches!(item, Item::Packed { ident, .. } if ident == arg));
            if packed || arg == "scratch" {
                *arg = "NULL".to_owned();
            }
        }
        if let Some((_, types)) = INFERRED_TYPES.iter().find(|(f, _)| *f == call.function) {
            for t in *types {
                let d = match t {
                    TypeOf::Input0 => g.tensors[step.inputs[0]].dtype,
                    TypeOf::Output => out_t.dtype,
                };
                call.function = format!("{}_{}", call.function, d.rust_name());
            }
        }
        let Some(source) = source_of(&call.function) else {
            return Err(CExportError::KernelNotPorted {
                layer: i,
                op: step.kernel.op_name(),
                function: call.function,
                available: KERNEL_SOURCES.iter().map(|s| s.file).collect::<Vec<_>>().join(", "),
            });
        };
        let _ = writeln!(body, "    TINYML_LAYER_BEGIN({i});\n    {{");
        // Identifiers the arguments use (a list argument names several).
        let used: BTreeSet<&str> = call
            .args
            .iter()
            .flat_map(|a| a.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')))
            .filter(|w| !w.is_empty())
            .collect();
        for (k, &t) in step.inputs.iter().enumerate() {
            let name = format!("in{k}");
            if used.contains(name.as_str()) {
                let ty = c_type(g.tensors[t].dtype);
                let _ = writeln!(body, "        const {ty} *{name} = (const {ty} *)TINYML_ARENA_AT({});", at(t));
            }
        }
        let ty = c_type(out_t.dtype);
        let _ = writeln!(body, "        {ty} *out = ({ty} *)TINYML_ARENA_AT({});", at(step.output));
        // A list argument (CONCATENATION's inputs, all of the output's element type)
        // becomes a local array of pointers.
        for (k, a) in call.args.iter_mut().enumerate() {
            if a.starts_with('{') {
                let _ = writeln!(body, "        const {ty} *const list{k}[] = {a};");
                *a = format!("list{k}");
            }
        }
        if source.counted {
            call.args.push(literal::c_int(out_t.elements() as i64));
        }
        let _ = writeln!(body, "        {}({});", call.function, call.args.join(", "));
        let _ = writeln!(body, "    }}\n    TINYML_LAYER_END({i});");
        functions.insert(call.function);
    }
    Ok((body, functions))
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
    let (body, functions) = emit_steps(p, &mem, &mut e)?;
    let items = render_items(e.items())?;
    // The Rust figure counts the optimized kernels' packed tables, which C does not carry.
    let packed_bytes: usize =
        e.items().iter().map(|item| if let Item::Packed { values, .. } = item { 4 * values.len() } else { 0 }).sum();
    let const_bytes = p.const_bytes() - packed_bytes;

    let (t_in, t_out) = (g.inputs[0], g.outputs[0]);
    let (tin, tout) = (&g.tensors[t_in], &g.tensors[t_out]);
    let test_vector = if opts.embed_test_vector {
        let input = crate::build::test_input_for(tin.dtype, tin.elements());
        let out = p.run(&[&input]).map_err(|e| CExportError::Exec(e.to_string()))?;
        Some((input, out.into_iter().next().unwrap_or_default()))
    } else {
        None
    };

    let header = model_h(p, opts, &mem, const_bytes, test_vector.is_some());
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
    model_c.push_str(&items);
    if let Some((input, expected)) = &test_vector {
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
    if !single {
        model_c.push_str(&invoke_n(p, &mem, &body));
    } else {
        let _ = write!(
        model_c,
        "\nint tinyml_invoke(const void *input, void *output) {{\n    int32_t i;\n    if (input == NULL || output == NULL) {{\n        return -1;\n    }}\n    {{\n        const tinyml_input_t *src = (const tinyml_input_t *)input;\n        tinyml_input_t *dst = (tinyml_input_t *)TINYML_ARENA_AT({});\n        for (i = 0; i < TINYML_INPUT_ELEMENTS; ++i) {{\n            dst[i] = src[i];\n        }}\n    }}\n",
        mem.tensor_offsets[t_in].expect("planned input")
    );
        model_c.push_str(&body);
        let _ = write!(
        model_c,
        "    {{\n        const tinyml_output_t *src = (const tinyml_output_t *)TINYML_ARENA_AT({});\n        tinyml_output_t *dst = (tinyml_output_t *)output;\n        for (i = 0; i < TINYML_OUTPUT_ELEMENTS; ++i) {{\n            dst[i] = src[i];\n        }}\n    }}\n    return 0;\n}}\n",
        mem.tensor_offsets[t_out].expect("planned output")
    );
    }

    // Kernel sources: those the model calls, and what they need, in library order.
    let mut files_needed: BTreeSet<&str> = functions.iter().filter_map(|f| source_of(f)).map(|s| s.file).collect();
    for s in KERNEL_SOURCES {
        if files_needed.contains(s.file) {
            files_needed.extend(s.needs.iter().copied());
        }
    }
    let mut files = vec![("model.h".to_owned(), header), ("model.c".to_owned(), model_c)];
    files.push(("tinyml_config.h".to_owned(), config_h(opts)));
    files.push((KERNELS_HEADER.0.to_owned(), KERNELS_HEADER.1.to_owned()));
    let kernel_files: Vec<&KernelSource> = KERNEL_SOURCES.iter().filter(|s| files_needed.contains(s.file)).collect();
    for s in &kernel_files {
        files.push((s.file.to_owned(), s.text.to_owned()));
    }
    let c_files: Vec<&str> = std::iter::once("model.c").chain(kernel_files.iter().map(|s| s.file)).collect();
    files.push(("README.md".to_owned(), readme(p, opts, &mem, const_bytes, &c_files, &functions)));
    Ok(CExport { files, functions: functions.into_iter().collect(), arena_units: mem.arena_bytes })
}

/// One input and one output: the `tinyml_invoke(input, output)` API. Other models get
/// `tinyml_invoke_n(inputs, outputs)` with numbered types and sizes.
fn is_single_io(p: &Program) -> bool {
    p.graph.inputs.len() == 1 && p.graph.outputs.len() == 1
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

/// `tinyml_config.h`: the int8 container of this export, seen by every file.
fn config_h(opts: &COptions) -> String {
    let mut h = format!(
        "/* Generated by tinyml-compiler {}: configuration of this export. Do not edit. */\n",
        env!("CARGO_PKG_VERSION")
    );
    h.push_str("#ifndef TINYML_CONFIG_H\n#define TINYML_CONFIG_H\n\n");
    match opts.container {
        Container::Bits8 => h.push_str(
            "/* int8 values in int8_t, arena offsets in bytes. */\n#if CHAR_BIT != 8 || defined(TINYML_I8_CONTAINER_16)\n#error \"this model was exported with --int8-container 8 (byte arena); for targets with CHAR_BIT != 8 (C28x) export it with --int8-container 16\"\n#endif\n",
        ),
        Container::Bits16 => h.push_str(
            "/* int8 values live in int16_t containers; arena offsets are in 16-bit words. */\n#ifndef TINYML_I8_CONTAINER_16\n#define TINYML_I8_CONTAINER_16 1\n#endif\n",
        ),
    }
    h.push_str("\n#endif /* TINYML_CONFIG_H */\n");
    h
}

fn model_h(p: &Program, opts: &COptions, mem: &MemoryPlan, const_bytes: usize, test_vector: bool) -> String {
    let g = &p.graph;
    let (tin, tout) = (&g.tensors[g.inputs[0]], &g.tensors[g.outputs[0]]);
    let mut h = String::new();
    let _ =
        writeln!(h, "/* Generated by tinyml-compiler {} from {}. Do not edit.", env!("CARGO_PKG_VERSION"), opts.source);
    let _ = writeln!(
        h,
        " * {} layers, {} MACs, {} bytes of constants, arena {} {}; int8 container: {} bits. */",
        p.steps.len(),
        p.macs(),
        const_bytes,
        mem.arena_bytes,
        opts.container.unit(),
        opts.container.bits()
    );
    h.push_str("#ifndef TINYML_MODEL_H\n#define TINYML_MODEL_H\n\n");
    h.push_str("#include \"tinyml_kernels.h\"\n\n");
    if is_single_io(p) {
        let _ = writeln!(h, "/** Element type of the input ({}, shape {:?}). */", tin.dtype.tflite_name(), tin.shape);
        let _ = writeln!(h, "typedef {} tinyml_input_t;", c_type(tin.dtype));
        let _ =
            writeln!(h, "/** Element type of the output ({}, shape {:?}). */", tout.dtype.tflite_name(), tout.shape);
        let _ = writeln!(h, "typedef {} tinyml_output_t;\n", c_type(tout.dtype));
        let _ = writeln!(h, "/** Input and output element counts. */");
        let _ = writeln!(h, "#define TINYML_INPUT_ELEMENTS {}", tin.elements());
        let _ = writeln!(h, "#define TINYML_OUTPUT_ELEMENTS {}", tout.elements());
        h.push_str(
            "/** Input and output sizes in `sizeof` units: bytes, or 16-bit words where CHAR_BIT is 16 (C28x). */\n",
        );
        h.push_str("#define TINYML_INPUT_SIZE (TINYML_INPUT_ELEMENTS * sizeof(tinyml_input_t))\n");
        h.push_str("#define TINYML_OUTPUT_SIZE (TINYML_OUTPUT_ELEMENTS * sizeof(tinyml_output_t))\n");
    } else {
        numbered_io_types(&mut h, p);
    }
    match opts.container {
        Container::Bits8 => {
            let _ = writeln!(
                h,
                "/** Bytes of the tensor arena (static, inside model.c). */\n#define TINYML_ARENA_SIZE {}",
                mem.arena_bytes
            );
        }
        Container::Bits16 => {
            let _ = writeln!(
                h,
                "/** 16-bit words of the tensor arena (static, inside model.c). */\n#define TINYML_ARENA_WORDS {}",
                mem.arena_bytes
            );
            h.push_str("/** The arena in `sizeof` units: words on C28x, bytes on a byte-addressed host. */\n#define TINYML_ARENA_SIZE (TINYML_ARENA_WORDS * sizeof(int16_t))\n");
        }
    }
    let _ = writeln!(
        h,
        "/** int8 container width of this export (8 or 16). */\n#define TINYML_I8_CONTAINER_BITS {}",
        opts.container.bits()
    );
    let _ = writeln!(h, "/** Multiply-accumulates per inference. */\n#define TINYML_MACS {}", p.macs());
    if is_single_io(p) {
        for (name, t) in [("INPUT", tin), ("OUTPUT", tout)] {
            let (scale, zp) = t.scale_zp().unwrap_or((0.0, 0));
            let _ = writeln!(h, "/** Quantization of the {}: real = scale * (q - zero_point). */", name.to_lowercase());
            let _ = writeln!(h, "#define TINYML_{name}_SCALE {:?}f", scale);
            let _ = writeln!(h, "#define TINYML_{name}_ZERO_POINT {zp}");
        }
        h.push_str(
            "\n/**\n * Runs one inference: copies TINYML_INPUT_ELEMENTS values from `input` into the arena,\n * runs every layer, copies TINYML_OUTPUT_ELEMENTS values to `output`. Returns 0, or -1\n * for a NULL pointer. Not reentrant (one static arena). In the 16-bit container mode,\n * int8 values must be in -128..127.\n */\nint tinyml_invoke(const void *input, void *output);\n",
        );
    } else {
        numbered_io_api(&mut h, p);
    }
    if test_vector {
        h.push_str("\n/** The deterministic test input, and the output the host computed for it. */\n#define TINYML_HAS_TEST_VECTOR 1\n");
        h.push_str("extern const tinyml_input_t tinyml_test_input[TINYML_INPUT_ELEMENTS];\n");
        h.push_str("extern const tinyml_output_t tinyml_test_expected[TINYML_OUTPUT_ELEMENTS];\n");
    }
    h.push_str("\n#endif /* TINYML_MODEL_H */\n");
    h
}

/// Types and sizes of every input and output of a model with several (`tinyml_input0_t`,
/// `TINYML_INPUT0_ELEMENTS`, ...).
fn numbered_io_types(h: &mut String, p: &Program) {
    let g = &p.graph;
    let _ = writeln!(h, "/** Number of inputs and outputs. */");
    let _ =
        writeln!(h, "#define TINYML_NUM_INPUTS {}\n#define TINYML_NUM_OUTPUTS {}\n", g.inputs.len(), g.outputs.len());
    for (name, lower, list) in [("INPUT", "input", &g.inputs), ("OUTPUT", "output", &g.outputs)] {
        for (k, &t) in list.iter().enumerate() {
            let t = &g.tensors[t];
            let _ = writeln!(h, "/** {lower} {k}: {}, shape {:?}. */", t.dtype.tflite_name(), t.shape);
            let _ = writeln!(h, "typedef {} tinyml_{lower}{k}_t;", c_type(t.dtype));
            let _ = writeln!(h, "#define TINYML_{name}{k}_ELEMENTS {}", t.elements());
            let _ =
                writeln!(h, "#define TINYML_{name}{k}_SIZE (TINYML_{name}{k}_ELEMENTS * sizeof(tinyml_{lower}{k}_t))");
        }
    }
}

/// Quantization of every input and output, and `tinyml_invoke_n`.
fn numbered_io_api(h: &mut String, p: &Program) {
    let g = &p.graph;
    for (name, lower, list) in [("INPUT", "input", &g.inputs), ("OUTPUT", "output", &g.outputs)] {
        for (k, &t) in list.iter().enumerate() {
            let (scale, zp) = g.tensors[t].scale_zp().unwrap_or((0.0, 0));
            let _ = writeln!(h, "/** Quantization of {lower} {k}: real = scale * (q - zero_point). */");
            let _ = writeln!(h, "#define TINYML_{name}{k}_SCALE {:?}f", scale);
            let _ = writeln!(h, "#define TINYML_{name}{k}_ZERO_POINT {zp}");
        }
    }
    h.push_str(
        "\n/**\n * Runs one inference: copies TINYML_INPUTk_ELEMENTS values from each `inputs[k]` into the\n * arena, runs every layer, copies TINYML_OUTPUTk_ELEMENTS values to each `outputs[k]`.\n * Returns 0, or -1 for a NULL pointer. Not reentrant (one static arena). In the 16-bit\n * container mode, int8 values must be in -128..127.\n */\nint tinyml_invoke_n(const void *const inputs[TINYML_NUM_INPUTS], void *const outputs[TINYML_NUM_OUTPUTS]);\n",
    );
}

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

#[cfg(test)]
mod tests {
    use super::*;

    /// `tinyml_sigmoid_lut.c` is a copy of the runtime's table; they must not drift.
    #[test]
    fn c_sigmoid_table_equals_the_runtime_table() {
        let file = KERNEL_SOURCES.iter().find(|s| s.file == "tinyml_sigmoid_lut.c").expect("the table file");
        let body = &file.text[file.text.find("= {").expect("initializer")..];
        let values: Vec<u16> =
            body.split(|c: char| !c.is_ascii_digit()).filter(|w| !w.is_empty()).map(|w| w.parse().unwrap()).collect();
        assert_eq!(values, tinyml_runtime::kernels::sigmoid_lut::SIGMOID_TABLE_U16);
    }

    /// Every function the library lists is declared in the header, and every file a
    /// source needs exists.
    #[test]
    fn kernel_table_is_consistent_with_the_header() {
        for s in KERNEL_SOURCES {
            for f in s.functions {
                assert!(KERNELS_HEADER.1.contains(&format!(" {f}(")), "{f} is not declared in tinyml_kernels.h");
                assert!(s.text.contains(f), "{f} is not defined in {}", s.file);
            }
            for n in s.needs {
                assert!(KERNEL_SOURCES.iter().any(|k| k.file == *n), "{} needs the missing {n}", s.file);
            }
        }
    }
}
