//! A kernel call as data: what lowering hands to the back ends. `codegen::rust` and
//! `codegen::c` each render a [`Call`] in their own syntax, so neither parses the other's
//! text.

use crate::graph::DType;

/// One kernel call of a step.
#[derive(Clone, Debug, PartialEq)]
pub struct Call {
    /// The runtime function, without type arguments (`conv_s8`, `max_pool`, `cast`).
    pub function: String,
    /// The element types that pick the kernel instance, in the order of the Rust type
    /// parameters. C has one function per instance and appends them to its name
    /// (`cast_u32_i32`, `maximum_i8`).
    pub types: Vec<DType>,
    /// Whether Rust writes [`Call::types`] as type arguments (`cast::<u32, i32>`) or
    /// leaves them to inference from the arguments (`maximum(&S, in0, in1, out)`).
    pub explicit_types: bool,
    /// The arguments, in order.
    pub args: Vec<Arg>,
    /// Whether the function returns a `Result` the generated code passes on (`?`).
    pub fallible: bool,
    /// The const argument of the function's `_only` form, which Rust calls instead: the
    /// kernel's paths the layer takes, chosen at compile time (`conv_path::GENERAL`), so
    /// that the others are not linked. The C kernels, reference ports, have no paths.
    pub only: Option<String>,
}

impl Call {
    /// A call of `function` with `args` and no type arguments.
    pub fn new(function: impl Into<String>, args: Vec<Arg>) -> Self {
        Call { function: function.into(), types: Vec::new(), explicit_types: false, args, fallible: false, only: None }
    }

    /// The call of the function's `_only` form with the const argument `paths`
    /// ([`Call::only`]).
    pub fn with_only(mut self, paths: impl Into<String>) -> Self {
        self.only = Some(paths.into());
        self
    }

    /// The function Rust calls with `suffix` (`_bands`): `<function><suffix>`, or its
    /// `_only` form with [`Call::only`] (`conv_s8_bands_only::<{ conv_path::GENERAL }, _>`:
    /// a `_bands` form also takes the result type of its closure, inferred).
    pub fn rust_function(&self, suffix: &str) -> String {
        let inferred = if suffix == "_bands" { ", _" } else { "" };
        match &self.only {
            Some(paths) => format!("{}{suffix}_only::<{{ {paths} }}{inferred}>", self.function),
            None => format!("{}{suffix}", self.function),
        }
    }

    /// The call with type arguments Rust writes out (`mean::<i8>`).
    pub fn with_types(mut self, types: &[DType]) -> Self {
        self.types = types.to_vec();
        self.explicit_types = true;
        self
    }

    /// The call with type arguments Rust infers from the arguments.
    pub fn with_inferred_types(mut self, types: &[DType]) -> Self {
        self.types = types.to_vec();
        self.explicit_types = false;
        self
    }

    /// The arena inputs the call updates in place ([`Arg::State`]).
    pub fn states_used(&self) -> Vec<usize> {
        self.args.iter().filter_map(|a| if let Arg::State(k) = a { Some(*k) } else { None }).collect()
    }

    /// Whether the call updates a variable tensor in place.
    pub fn has_state(&self) -> bool {
        !self.states_used().is_empty()
    }

    /// The arena inputs (`Arg::Input`, `Arg::State`) the call reads, in any list too.
    pub fn inputs_used(&self) -> Vec<usize> {
        fn walk(args: &[Arg], out: &mut Vec<usize>) {
            for a in args {
                match a {
                    Arg::Input(k) | Arg::State(k) => out.push(*k),
                    Arg::List(items) => walk(items, out),
                    _ => {}
                }
            }
        }
        let mut out = Vec::new();
        walk(&self.args, &mut out);
        out
    }
}

/// One argument of a [`Call`].
#[derive(Clone, Debug, PartialEq)]
pub enum Arg {
    /// A parameter struct constant, by reference (`&L3_PARAMS`).
    Params(String),
    /// A constant table (`&L3_FILTER.0` in Rust, `L3_FILTER` in C).
    Table(String),
    /// A table only the optimized Rust kernels read ([`super::Item::Packed`]); C passes
    /// `NULL`.
    Packed(String),
    /// An absent optional table (`&[]`, C `NULL`).
    NoTable,
    /// Arena input `k` of the step (`in0`).
    Input(usize),
    /// The step's output view (`out`): output 0.
    Output,
    /// Output `k` of a step with several outputs (`out1`; output 0 is [`Arg::Output`]).
    NthOutput(usize),
    /// Arena input `k` read and updated in place: a variable tensor holding state
    /// between invocations (`st2`, a mutable view; C: a non-const pointer).
    State(usize),
    /// The step's scratch buffer (`scratch`); the C kernels are reference ports and get
    /// `NULL`.
    Scratch,
    /// No scratch (`&mut []`, C `NULL`).
    NoScratch,
    /// A slice of views (CONCATENATION's inputs: `&[in0, &L1_CONST0.0]`).
    List(Vec<Arg>),
    /// The buffer a layer run in place a band of rows at a time reads its input from and
    /// writes its output to (`buf`; see `tinyml_runtime::kernels::rows_in_place`). Rust
    /// only: the C export plans no such layer.
    Buffer,
    /// An integer scalar, typed by the kernel's parameter.
    Int(i64),
    /// A boolean.
    Bool(bool),
    /// A float scalar.
    F32(f32),
}
