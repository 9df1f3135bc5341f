//! What Vela said of one model (`crate::npu::vela`): per operator, NPU or CPU, cycles and
//! SRAM; the network totals; and the partition into NPU and CPU runs.

use serde::Serialize;

/// Where a lowered operator runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Target {
    /// On the Ethos-U.
    Npu,
    /// Left to the Cortex-M (TFLM's kernels, or ours).
    Cpu,
}

/// One operator of the input model as Vela placed and estimated it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct VelaLayer {
    /// Index of the operator in the model (Vela's `ext_key`).
    pub index: usize,
    /// Vela's name of the operator (`Conv2D`, `Softmax`, ...).
    pub op: String,
    /// NPU or CPU.
    pub target: Target,
    /// Why Vela left it on the CPU, as it printed it (None on the NPU or when Vela gave no reason).
    pub reason: Option<String>,
    /// Sum of Vela's `Op Cycles` over the operator's lowered rows.
    pub cycles: u64,
    /// Sum of Vela's `NPU` cycles over the operator's lowered rows.
    pub npu_cycles: u64,
    /// The largest `Staging Usage` (SRAM bytes live while it runs) of its lowered rows.
    pub sram_bytes: u64,
    /// Sum of Vela's `MAC Count` over its lowered rows.
    pub macs: u64,
    /// How many lowered operators Vela made of it (0: removed, e.g. a RESHAPE that became
    /// a view of its input).
    pub lowered: usize,
    /// The Vela command stream (one per `ethos-u` operator of its output) that runs it.
    pub command_stream: Option<u32>,
}

/// A run of consecutive operators of the model on one side of the partition.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Segment {
    /// NPU or CPU.
    pub target: Target,
    /// For an NPU segment, the command stream Vela made of it.
    pub command_stream: Option<u32>,
    /// First operator index.
    pub first: usize,
    /// Last operator index (inclusive).
    pub last: usize,
}

/// Splits the model into runs of operators: each NPU run is one Vela command stream (one
/// `ethos-u` operator in Vela's output model, to be embedded as one step), each CPU run
/// the operators between them. An operator Vela removed (no command stream of its own)
/// joins the NPU run around it.
pub fn partition(layers: &[VelaLayer]) -> Vec<Segment> {
    let mut out: Vec<Segment> = Vec::new();
    for l in layers {
        match out.last_mut() {
            Some(s)
                if s.target == l.target
                    && (l.target == Target::Cpu
                        || l.command_stream.is_none()
                        || s.command_stream.is_none()
                        || s.command_stream == l.command_stream) =>
            {
                s.last = l.index;
                s.command_stream = s.command_stream.or(l.command_stream);
            }
            _ => {
                out.push(Segment { target: l.target, command_stream: l.command_stream, first: l.index, last: l.index })
            }
        }
    }
    out
}

/// Vela's network summary (the summary CSV).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct VelaSummary {
    /// `accelerator_configuration`, e.g. `Ethos_U55_128`.
    pub accelerator: String,
    /// `system_config`.
    pub system_config: String,
    /// `memory_mode`.
    pub memory_mode: String,
    /// `core_clock`, Hz.
    pub clock_hz: u64,
    /// `cycles_total`.
    pub cycles_total: u64,
    /// `cycles_npu`.
    pub cycles_npu: u64,
    /// `sram_memory_used` (KiB in the CSV), bytes.
    pub sram_bytes: u64,
    /// `off_chip_flash_memory_used`, bytes.
    pub off_chip_flash_bytes: u64,
    /// `on_chip_flash_memory_used`, bytes.
    pub on_chip_flash_bytes: u64,
    /// `dram_memory_used`, bytes (the Ethos-U65/U85 default configurations keep weights there).
    pub dram_bytes: u64,
    /// `nn_macs`.
    pub macs: u64,
    /// `inference_time`, seconds.
    pub inference_time_s: f64,
}

/// Vela's placement and estimates for one model and accelerator.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct VelaReport {
    /// The `--accelerator-config` given.
    pub accelerator_config: String,
    /// Vela's version.
    pub vela_version: String,
    /// The totals.
    pub summary: VelaSummary,
    /// One entry per operator of the model, in model order.
    pub layers: Vec<VelaLayer>,
    /// The `ethos-u` operators of Vela's output model, one per command stream, in order.
    pub ethos_u: Vec<super::offload::EthosUOp>,
}

impl VelaReport {
    /// Operators placed on the NPU.
    pub fn npu_layers(&self) -> usize {
        self.layers.iter().filter(|l| l.target == Target::Npu).count()
    }

    /// Whether the per-layer cycles add up to the summary's total, as Vela writes them.
    pub fn consistent(&self) -> bool {
        self.layers.iter().map(|l| l.cycles).sum::<u64>() == self.summary.cycles_total
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partition_splits_npu_runs_by_command_stream() {
        let layer = |index, target, command_stream| VelaLayer {
            index,
            op: "Add".into(),
            target,
            reason: None,
            cycles: 0,
            npu_cycles: 0,
            sram_bytes: 0,
            macs: 0,
            lowered: 1,
            command_stream,
        };
        let (n, c) = (Target::Npu, Target::Cpu);
        let l = [layer(0, n, Some(1)), layer(1, n, Some(2)), layer(2, n, None), layer(3, c, None), layer(4, c, None)];
        let p = partition(&l);
        assert_eq!(p.len(), 3);
        assert_eq!((p[0].first, p[0].last, p[1].first, p[1].last, p[2].first, p[2].last), (0, 0, 1, 2, 3, 4));
        assert_eq!(partition(&[]), []);
    }
}
