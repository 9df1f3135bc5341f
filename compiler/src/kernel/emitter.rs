//! [`Emitter`]: collects the constants (parameter structs, tables) kernels emit with
//! their calls, kept as data so that every back end renders them in its own syntax.

use super::call::Arg;
use crate::graph::DType;
use std::collections::BTreeSet;

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
    /// A constant table of `elem`.
    Table {
        /// The table's name (`L3_FILTER`).
        ident: String,
        /// Element type.
        elem: DType,
        /// The values.
        values: TableData,
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

/// The values of a constant table.
#[derive(Clone, Debug, PartialEq)]
pub enum TableData {
    /// Integers (of any width; the table's element type says which).
    Int(Vec<i64>),
    /// Floats.
    F32(Vec<f32>),
}

impl TableData {
    /// Number of values.
    pub fn len(&self) -> usize {
        match self {
            TableData::Int(v) => v.len(),
            TableData::F32(v) => v.len(),
        }
    }

    /// Whether there are no values.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// An element type of constant tables.
pub trait TableElem: Copy {
    /// Its element type.
    const DTYPE: DType;
    /// `values` as table data.
    fn data(values: &[Self]) -> TableData;
}

macro_rules! int_table_elem {
    ($($t:ty => $d:ident),*) => {$(
        impl TableElem for $t {
            const DTYPE: DType = DType::$d;
            fn data(values: &[Self]) -> TableData {
                TableData::Int(values.iter().map(|&v| v as i64).collect())
            }
        }
    )*};
}
int_table_elem!(i8 => I8, u8 => U8, i16 => I16, i32 => I32, u32 => U32, i64 => I64);

impl TableElem for f32 {
    const DTYPE: DType = DType::F32;
    fn data(values: &[Self]) -> TableData {
        TableData::F32(values.to_vec())
    }
}

/// Collects the items of the generated module while kernels emit their calls: the
/// constants a [`super::Call`] names through [`Arg::Params`], [`Arg::Table`] and
/// [`Arg::Packed`].
pub struct Emitter {
    prefix: String,
    layer: usize,
    /// The scratch bytes the plan grants the layer whose items follow (`None`: not known
    /// to its call, as in a fused pair, whose loop splits the step's scratch).
    scratch: Option<usize>,
    items: Vec<Item>,
    /// Per item, the program layer it belongs to (`None` under a prefix: an NPU step's
    /// simulation).
    owners: Vec<Option<usize>>,
    uses: BTreeSet<String>,
}

impl Emitter {
    /// An emitter for layer 0.
    pub fn new() -> Self {
        Emitter {
            prefix: String::new(),
            layer: 0,
            scratch: None,
            items: Vec::new(),
            owners: Vec::new(),
            uses: BTreeSet::new(),
        }
    }

    /// Sets the prefix of the names of the items that follow (`N0` for the layers of a
    /// simulated NPU step, so they do not clash with the program's own `L<k>_` names).
    pub fn set_prefix(&mut self, prefix: &str) {
        self.prefix = prefix.to_owned();
    }

    /// Sets the layer whose items follow.
    pub fn set_layer(&mut self, layer: usize) {
        self.layer = layer;
    }

    /// Sets the scratch bytes the plan grants the layer whose items follow (`None` where
    /// its call does not get the step's scratch as planned: a fused pair's steps).
    pub fn set_scratch(&mut self, scratch: Option<usize>) {
        self.scratch = scratch;
    }

    /// The scratch bytes the plan grants the current layer ([`Emitter::set_scratch`]):
    /// kernels whose code depends on it (`conv_s8_only`) choose with it.
    pub fn scratch(&self) -> Option<usize> {
        self.scratch
    }

    /// The items emitted so far.
    pub fn items(&self) -> &[Item] {
        &self.items
    }

    /// Per item of [`Emitter::items`], the program layer whose call names it (`None` for
    /// the items of an NPU step's simulation).
    pub fn owners(&self) -> &[Option<usize>] {
        &self.owners
    }

    fn push(&mut self, item: Item) {
        self.owners.push(self.prefix.is_empty().then_some(self.layer));
        self.items.push(item);
    }

    /// Imports a path into the generated module (`tinyml_runtime::kernels::conv::*`).
    pub fn use_path(&mut self, path: &str) {
        self.uses.insert(path.to_owned());
    }

    /// Emits a parameter struct constant (whose `Debug` form is a Rust literal).
    pub fn params<T: std::fmt::Debug>(&mut self, name: &str, ty: &str, value: &T) -> Arg {
        let ident = format!("{}L{}_{}", self.prefix, self.layer, name);
        self.push(Item::Params { ident: ident.clone(), ty: ty.to_owned(), debug: format!("{value:?}") });
        Arg::Params(ident)
    }

    /// Emits a static table aligned to 16 bytes.
    pub fn table<T: TableElem>(&mut self, name: &str, values: &[T]) -> Arg {
        self.table_of(name, T::DTYPE, T::data(values))
    }

    /// Emits a static table of `elem` holding `values`.
    pub fn table_of(&mut self, name: &str, elem: DType, values: TableData) -> Arg {
        let ident = format!("{}L{}_{}", self.prefix, self.layer, name);
        self.push(Item::Table { ident: ident.clone(), elem, values });
        Arg::Table(ident)
    }

    /// Emits a [`Item::Packed`] table.
    pub fn packed(&mut self, name: &str, values: &[i32]) -> Arg {
        let ident = format!("{}L{}_{}", self.prefix, self.layer, name);
        self.push(Item::Packed { ident: ident.clone(), values: values.to_vec() });
        Arg::Packed(ident)
    }

    /// [`Emitter::packed`], or [`Arg::NoTable`] when `values` is empty (an optional table
    /// the compiler found no form for: the optimized kernel then computes).
    pub fn packed_or_none(&mut self, name: &str, values: &[i32]) -> Arg {
        if values.is_empty() {
            Arg::NoTable
        } else {
            self.packed(name, values)
        }
    }

    /// The paths the generated module imports.
    pub fn uses(&self) -> &BTreeSet<String> {
        &self.uses
    }
}

impl Default for Emitter {
    fn default() -> Self {
        Self::new()
    }
}
