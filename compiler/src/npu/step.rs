//! The NPU step: one `ethos-u` command stream in place of the operators it runs.

use crate::graph::DType;
use crate::kernel::{Arg, Call, Emitter, Kernel, NpuRegion, NpuStream, OpIo, Scratch, TableData};
use crate::program::Program;

/// One command stream of Vela's and the operators of the input model it runs.
#[derive(Debug)]
pub struct EthosUStep {
    /// Its position among the model's command streams (0 first).
    pub stream: usize,
    /// The operators of the input model it runs.
    pub operators: Vec<usize>,
    /// Their MACs as this compiler counts them.
    pub macs: u64,
    /// Its region: Vela's scratch with the inputs and outputs at Vela's offsets (in both
    /// modes, so a simulated program has the device's arena plan).
    pub region: NpuRegion,
    /// The driver payload (`COP1`).
    pub payload: Vec<u8>,
    /// The NPU weights.
    pub weights: Vec<u8>,
    /// The operators compiled for the CPU, run instead of the command stream
    /// ([`super::NpuMode::Simulated`]).
    pub simulation: Option<Box<Program>>,
}

impl Kernel for EthosUStep {
    fn op_name(&self) -> &'static str {
        "ethos-u"
    }

    fn macs(&self) -> u64 {
        self.macs
    }

    fn const_bytes(&self) -> usize {
        match &self.simulation {
            Some(sim) => sim.const_bytes(),
            None => self.payload.len() + self.weights.len(),
        }
    }

    /// Simulated: the simulation's arena.
    fn scratch(&self) -> Scratch {
        match &self.simulation {
            Some(sim) => Scratch { min: sim.plan.arena_bytes, preferred: sim.plan.arena_bytes },
            None => Scratch::NONE,
        }
    }

    fn npu_region(&self) -> Option<NpuRegion> {
        Some(self.region.clone())
    }

    fn npu_stream(&self) -> Option<NpuStream<'_>> {
        self.simulation.is_none().then_some(NpuStream { payload: &self.payload, weights: &self.weights })
    }

    fn npu_simulation(&self) -> Option<&dyn std::any::Any> {
        self.simulation.as_deref().map(|p| p as &dyn std::any::Any)
    }

    /// The host runs NPU steps over their region (`Program::run`), not through here.
    fn execute(&self, _io: &mut OpIo<'_>) -> Result<(), tinyml_runtime::Error> {
        Err(tinyml_runtime::Error::Npu { code: 0 })
    }

    /// On the device, the driver's `invoke` with the payload and weights from flash and
    /// the region (`scratch` in the generated code); simulated, the function of the
    /// simulation the Rust back end generates beside `invoke`, over the step's scratch.
    fn emit(&self, e: &mut Emitter) -> Call {
        let mut call = if self.simulation.is_some() {
            Call::new(format!("npu{}_simulated", self.stream), Vec::new())
        } else {
            e.use_path("tinyml_runtime::npu::Npu");
            let bytes = |b: &[u8]| TableData::Int(b.iter().map(|&x| i64::from(x)).collect());
            let payload = e.table_of("NPU_PAYLOAD", DType::U8, bytes(&self.payload));
            let weights = e.table_of("NPU_WEIGHTS", DType::U8, bytes(&self.weights));
            Call::new("npu.invoke", vec![payload, weights])
        };
        call.args.push(Arg::Scratch);
        call.fallible = true;
        call
    }
}
