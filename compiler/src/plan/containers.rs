//! Re-planning the arena for C exports in int8 containers of 8 or 16 bits: the same
//! tensors and lifetimes as the program's plan, sized in the container's units. Planning
//! lives here, apart from code generation, which only reads the plan.

use super::{buffers_of, plan, Buffer, BufferKind, MemoryMode, MemoryPlan, PlannerKind};
use crate::graph::{DType, Graph};
use crate::kernel::Step;

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

/// 16-bit words per element when int8 lives in 16-bit containers.
fn words_per_element(d: DType) -> usize {
    match d {
        DType::I8 | DType::U8 | DType::Bool | DType::I16 => 1,
        DType::I32 | DType::U32 | DType::F32 => 2,
        DType::I64 | DType::U64 => 4,
    }
}

/// The arena plan of a C export, in the container's units: the program's tensors and
/// lifetimes with only the scratch a kernel cannot run without (its `min`; the scratch
/// that speeds up the optimized Rust kernels is left out, and the C kernels, reference
/// ports, get `NULL` for it), placed again, with sizes in 16-bit words for
/// [`Container::Bits16`]. So the C arena never grows for the Rust kernels' sake.
pub fn plan_containers(
    g: &Graph,
    steps: &[Step],
    container: Container,
    planner: PlannerKind,
    in_place: &[Option<usize>],
) -> Result<MemoryPlan, ContainerPlanError> {
    let needed: Vec<usize> = steps.iter().map(|s| s.kernel.scratch().min).collect();
    let buffers = buffers_of(g, steps, &needed, in_place, &[], &[]).map_err(ContainerPlanError)?;
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
                    // A word per byte: more than int32 scratch needs, never less.
                    BufferKind::Scratch(_) => b.bytes,
                };
                Buffer { bytes: size, parts: Vec::new(), ..b }
            })
            .collect(),
    };
    let mut plan = plan(g, steps, &buffers, planner);
    plan.in_place = in_place.to_vec();
    plan.memory = if in_place.iter().any(Option::is_some) { MemoryMode::Ram } else { MemoryMode::Speed };
    Ok(plan)
}

/// Why the container plan failed: the program's buffers could not be listed.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct ContainerPlanError(pub crate::CompileError);
