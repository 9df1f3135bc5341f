//! The Ethos-U55/U65 register map (the NPU's APB slave interface) and the fields this
//! driver uses, from Arm's published programmer's interface (`ethosu55_interface.h` of
//! Arm's `ethos-u-core-driver`; the same offsets are in Vela's `ethos_u55_regs.py`).
//! Offsets are in bytes from the NPU's base address.

/// ID: version and architecture revision (read only).
pub const ID: usize = 0x000;
/// STATUS: run state, raw IRQ, faults, IRQ history (read only).
pub const STATUS: usize = 0x004;
/// CMD: start, clear IRQ, clock/power Q-interface enables (reads as last written).
pub const CMD: usize = 0x008;
/// RESET: writing it soft-resets the NPU and requests a privilege/security level.
pub const RESET: usize = 0x00C;
/// QBASE0: command stream address bits 31:0 (4-byte aligned).
pub const QBASE0: usize = 0x010;
/// QBASE1: command stream address bits 47:32 (Ethos-U65 only; the U55 is a 32-bit master).
pub const QBASE1: usize = 0x014;
/// QREAD: byte offset of the command being executed (read only).
pub const QREAD: usize = 0x018;
/// QCONFIG: AXI configuration for command stream reads (same encoding as a REGIONCFG entry).
pub const QCONFIG: usize = 0x01C;
/// QSIZE: command stream length in bytes (multiple of 4, up to 16 MB).
pub const QSIZE: usize = 0x020;
/// PROT: the privilege/security level in force after the last reset (read only).
pub const PROT: usize = 0x024;
/// CONFIG: the hardware configuration: MACs per cycle, command stream version, SHRAM, product.
pub const CONFIG: usize = 0x028;
/// REGIONCFG: 2 bits per region k (bits 2k+1:2k): which AXI memory type region k uses.
pub const REGIONCFG: usize = 0x03C;
/// AXI_LIMIT0..3: burst split, memory type and outstanding transactions per AXI counter.
pub const AXI_LIMIT: [usize; 4] = [0x040, 0x044, 0x048, 0x04C];
/// BASEP: region k's base address, low word at `BASEP + 8k`, high word (U65) at `+ 4`.
pub const BASEP: usize = 0x080;
/// Number of regions (base pointers) a command stream can address.
pub const REGIONS: usize = 8;

/// The base pointer registers of region `k` (low, high).
pub const fn basep(k: usize) -> (usize, usize) {
    (BASEP + 8 * k, BASEP + 8 * k + 4)
}

/// STATUS fields.
pub mod status {
    /// 0 = stopped, 1 = running.
    pub const STATE_RUNNING: u32 = 1 << 0;
    /// Raw IRQ status; cleared with `cmd::CLEAR_IRQ`.
    pub const IRQ_RAISED: u32 = 1 << 1;
    /// Bus abort detected and processing halted; only a reset clears it.
    pub const BUS_STATUS: u32 = 1 << 2;
    /// Reset in progress: only STATUS can be read, other registers read 0, writes ignored.
    pub const RESET_STATUS: u32 = 1 << 3;
    /// Command stream parsing error; only a reset clears it.
    pub const CMD_PARSE_ERROR: u32 = 1 << 4;
    /// The end of the command stream was reached; cleared by writing QBASE or QSIZE while stopped.
    pub const CMD_END_REACHED: u32 = 1 << 5;
    /// PMU interrupt raised.
    pub const PMU_IRQ_RAISED: u32 = 1 << 6;
    /// Weight decoder (decompression) fault; only a reset clears it.
    pub const WD_FAULT: u32 = 1 << 7;
    /// ECC fault in an internal RAM; only a reset clears it.
    pub const ECC_FAULT: u32 = 1 << 8;
    /// On a bus abort: 0 = AXI-M0, 1 = AXI-M1.
    pub const FAULTING_INTERFACE_SHIFT: u32 = 11;
    /// On a bus abort: read 0 command, 1 IFM, 2 weights, 3 scale+bias, 4 mem2mem; write 8 OFM, 9 mem2mem.
    pub const FAULTING_CHANNEL_SHIFT: u32 = 12;
}

/// CMD fields.
pub mod cmd {
    /// Write 1 to start executing the command stream at QBASE.
    pub const TRANSITION_TO_RUNNING: u32 = 1 << 0;
    /// Write 1 to clear STATUS.irq_raised (and the PMU IRQ).
    pub const CLEAR_IRQ: u32 = 1 << 1;
    /// Enable clock gating through the clock Q-interface.
    pub const CLOCK_Q_ENABLE: u32 = 1 << 2;
    /// Enable power off through the power Q-interface.
    pub const POWER_Q_ENABLE: u32 = 1 << 3;
    /// The bits every CMD write must carry over from the last one (Arm's driver does the same).
    pub const KEEP: u32 = CLOCK_Q_ENABLE | POWER_Q_ENABLE;
}

/// RESET and PROT fields (same layout).
pub mod prot {
    /// Privilege level: 1 = privileged, 0 = user.
    pub const PRIVILEGED: u32 = 1 << 0;
    /// Security level: 1 = non-secure, 0 = secure.
    pub const NON_SECURE: u32 = 1 << 1;
}

/// CONFIG fields.
pub mod config {
    /// `product` (bits 31:28): 0 = Ethos-U55, 1 = Ethos-U65.
    pub const PRODUCT_SHIFT: u32 = 28;
    /// `macs_per_cc` (bits 3:0): log2 of the MACs per cycle (5..8 for 32..256).
    pub const MACS_PER_CC_MASK: u32 = 0xF;
    /// `cmd_stream_version` (bits 7:4).
    pub const CMD_STREAM_VERSION_SHIFT: u32 = 4;
    /// `shram_size` (bits 15:8), KiB.
    pub const SHRAM_SIZE_SHIFT: u32 = 8;
}
