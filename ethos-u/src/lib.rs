//! A small `no_std` driver for the Arm Ethos-U55 and Ethos-U65 NPUs, written from Arm's
//! published programmer's interface (register map in [`regs`]). It does what a TFLM
//! `ethos-u` operator needs and nothing more:
//!
//! 1. [`EthosU::new`] checks the product in CONFIG and soft-resets the NPU: RESET with the
//!    requested privilege/security level, poll STATUS until the reset is over, check that
//!    PROT took the level, then program the AXI side (QCONFIG, REGIONCFG, AXI_LIMIT0..3),
//!    which a reset clears.
//! 2. [`EthosU::start`] submits a command stream compiled by Vela: QBASE (and QBASE1 on the
//!    U65), QSIZE, one base pointer per region (BASEP), then CMD with
//!    transition-to-running, keeping the clock/power Q-interface bits of the last CMD.
//! 3. Completion: the NPU raises its IRQ when the stream ends or on a fault. From the
//!    interrupt handler call [`EthosU::on_interrupt`]; without interrupts, [`EthosU::wait`]
//!    polls STATUS.irq_raised. Either clears the IRQ (CMD.clear_irq) and reads STATUS: a bus
//!    abort, a command stream parse error, a weight decoder fault or an ECC fault is an
//!    [`Error`], and so is an IRQ before `cmd_end_reached`. After any of them the NPU needs
//!    a [`EthosU::soft_reset`] (STATUS's fault bits only clear on reset) and `start`
//!    refuses until then.
//!
//! Addresses are bus addresses as the NPU sees them (a core's TCM alias may need
//! remapping on some SoCs); the caller passes them as `u64`, so the same code runs against
//! the mock register block in the tests and against [`Mmio`] on a device. The Ethos-U85
//! has a different register map and is not covered. Not yet run on hardware.
//!
//! [`payload`] reads the driver payload Vela puts in the `ethos-u` custom operator
//! (`COP1`: the optimizer's CONFIG/ID words and the command stream).

#![no_std]

pub mod payload;
pub mod regs;
pub mod steps;

use regs::{cmd, prot, status};

/// Access to the NPU's registers by byte offset.
pub trait Registers {
    /// Reads the 32-bit register at `offset`.
    fn read(&mut self, offset: usize) -> u32;
    /// Writes the 32-bit register at `offset`.
    fn write(&mut self, offset: usize, value: u32);
}

/// The NPU's registers in memory (volatile accesses).
pub struct Mmio {
    base: *mut u32,
}

impl Mmio {
    /// # Safety
    /// `base` must be the Ethos-U's register block, valid for volatile 32-bit accesses
    /// over 0x1000 bytes, and not driven by anything else while this value exists.
    pub const unsafe fn new(base: usize) -> Self {
        Mmio { base: base as *mut u32 }
    }
}

impl Registers for Mmio {
    fn read(&mut self, offset: usize) -> u32 {
        // SAFETY: `new`'s contract: a valid register block; offsets come from `regs`.
        unsafe { self.base.add(offset / 4).read_volatile() }
    }
    fn write(&mut self, offset: usize, value: u32) {
        // SAFETY: as for `read`.
        unsafe { self.base.add(offset / 4).write_volatile(value) }
    }
}

/// Which Ethos-U (CONFIG.product).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Product {
    /// Ethos-U55: 32-bit AXI addresses.
    U55,
    /// Ethos-U65: 40-bit AXI addresses (QBASE1 and the high BASEP words are used).
    U65,
}

impl Product {
    /// Address bits of the NPU's AXI masters.
    pub const fn address_bits(self) -> u32 {
        match self {
            Product::U55 => 32,
            Product::U65 => 40,
        }
    }
}

/// One AXI_LIMIT register: how the NPU splits bursts and how many transactions it keeps
/// outstanding on one AXI counter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AxiLimit {
    /// Burst split alignment: 0 = 64 bytes, 1 = 128, 2 = 256.
    pub max_beats: u8,
    /// AXI memory type (AxCACHE encoding), 0..15.
    pub memtype: u8,
    /// Outstanding reads, 1..=32.
    pub max_reads: u8,
    /// Outstanding writes, 1..=16.
    pub max_writes: u8,
}

impl AxiLimit {
    /// The register value (`max_beats` 1:0, `memtype` 7:4, reads - 1 at 23:16, writes - 1 at 31:24).
    pub const fn word(self) -> u32 {
        (self.max_beats as u32 & 0x3)
            | (self.memtype as u32 & 0xF) << 4
            | (self.max_reads.saturating_sub(1) as u32) << 16
            | (self.max_writes.saturating_sub(1) as u32) << 24
    }
}

/// How the NPU is set up after each reset: a property of the SoC (its bus and memories).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Config {
    /// Run the NPU as a secure AXI master.
    pub secure: bool,
    /// Run the NPU as a privileged AXI master.
    pub privileged: bool,
    /// QCONFIG: memory type for command stream reads (0..3, as a REGIONCFG entry).
    pub qconfig: u8,
    /// REGIONCFG entry (0..3) per region: which AXI memory type region k's accesses use.
    pub regioncfg: [u8; regs::REGIONS],
    /// AXI_LIMIT0..3.
    pub axi_limit: [AxiLimit; 4],
    /// How many STATUS reads to wait for the end of a reset.
    pub reset_polls: u32,
}

impl Default for Config {
    /// Secure and privileged (how a Cortex-M boots), every region and the command stream
    /// on memory type 0, the largest bursts and outstanding counts the registers allow.
    fn default() -> Self {
        let limit = AxiLimit { max_beats: 0, memtype: 0, max_reads: 32, max_writes: 16 };
        Config {
            secure: true,
            privileged: true,
            qconfig: 0,
            regioncfg: [0; regs::REGIONS],
            axi_limit: [limit; 4],
            reset_polls: 100_000,
        }
    }
}

impl Config {
    /// The RESET (and expected PROT) value.
    pub const fn protection(&self) -> u32 {
        (if self.privileged { prot::PRIVILEGED } else { 0 }) | (if self.secure { 0 } else { prot::NON_SECURE })
    }

    /// The REGIONCFG value.
    pub fn regioncfg_word(&self) -> u32 {
        self.regioncfg.iter().enumerate().fold(0, |w, (k, &m)| w | (m as u32 & 0x3) << (2 * k))
    }
}

/// The ID register, decoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Id {
    /// Architecture version a.b.c.
    pub arch: (u8, u8, u8),
    /// Product major (the X of ML00X).
    pub product_major: u8,
    /// Release rNpM: (N, M).
    pub version: (u8, u8),
    /// Version status.
    pub version_status: u8,
}

impl Id {
    /// Decodes an ID word.
    pub const fn from_word(w: u32) -> Id {
        Id {
            arch: ((w >> 28) as u8 & 0xF, (w >> 20) as u8, (w >> 16) as u8 & 0xF),
            product_major: (w >> 12) as u8 & 0xF,
            version: ((w >> 8) as u8 & 0xF, (w >> 4) as u8 & 0xF),
            version_status: w as u8 & 0xF,
        }
    }
}

/// What can go wrong. Every variant after `TooManyRegions` leaves the NPU needing a
/// [`EthosU::soft_reset`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Error {
    /// CONFIG.product is neither an Ethos-U55 (0) nor an Ethos-U65 (1).
    UnknownProduct {
        /// The product field.
        product: u32,
    },
    /// STATUS.reset_status stayed set for `Config::reset_polls` reads.
    ResetTimeout,
    /// After the reset PROT does not hold the requested level (the bus refused it).
    AccessState {
        /// PROT as read.
        prot: u32,
        /// What RESET asked for.
        requested: u32,
    },
    /// `start` while the NPU is running.
    Busy,
    /// `start` after a fault or a timeout, before `soft_reset`.
    NeedsReset,
    /// The command stream is not 4-byte aligned or its length not a multiple of 4.
    Misaligned,
    /// An address beyond the NPU's address bits, or a stream longer than 16 MB.
    OutOfRange,
    /// More base pointers than the NPU has regions.
    TooManyRegions,
    /// Bus abort: the NPU stopped. `channel`: read 0 command, 1 IFM, 2 weights, 3 scale and
    /// bias, 4 mem2mem; write 8 OFM, 9 mem2mem.
    BusFault {
        /// AXI-M0 (0) or AXI-M1 (1).
        interface: u8,
        /// The faulting channel.
        channel: u8,
        /// QREAD: byte offset of the command.
        qread: u32,
    },
    /// The NPU could not parse the command stream.
    CommandStream {
        /// QREAD: byte offset of the command.
        qread: u32,
    },
    /// Weight decoder fault (the weights are not what the command stream expects).
    WeightDecoder {
        /// QREAD: byte offset of the command.
        qread: u32,
    },
    /// ECC fault in an internal RAM.
    Ecc {
        /// QREAD: byte offset of the command.
        qread: u32,
    },
    /// An IRQ without a fault and before the end of the stream.
    NotFinished {
        /// STATUS as read.
        status: u32,
    },
    /// `wait` gave up: the NPU did not raise its IRQ.
    Timeout {
        /// STATUS at the last poll.
        status: u32,
        /// QREAD at the last poll.
        qread: u32,
    },
}

/// The driver: one per NPU.
pub struct EthosU<R> {
    regs: R,
    config: Config,
    product: Product,
    needs_reset: bool,
}

impl<R: Registers> EthosU<R> {
    /// Identifies the NPU and resets it into a known state (see the crate documentation).
    pub fn new(mut regs: R, config: Config) -> Result<Self, Error> {
        let product = match regs.read(regs::CONFIG) >> regs::config::PRODUCT_SHIFT {
            0 => Product::U55,
            1 => Product::U65,
            product => return Err(Error::UnknownProduct { product }),
        };
        let mut npu = EthosU { regs, config, product, needs_reset: true };
        npu.soft_reset()?;
        Ok(npu)
    }

    /// The product found in CONFIG.
    pub fn product(&self) -> Product {
        self.product
    }

    /// The ID register.
    pub fn id(&mut self) -> Id {
        Id::from_word(self.regs.read(regs::ID))
    }

    /// The raw CONFIG and ID words, to compare with the optimizer's
    /// ([`payload::Payload::check_hardware`]).
    pub fn config_and_id(&mut self) -> (u32, u32) {
        (self.regs.read(regs::CONFIG), self.regs.read(regs::ID))
    }

    /// The register block, e.g. to read QREAD or the PMU.
    pub fn registers(&mut self) -> &mut R {
        &mut self.regs
    }

    /// Soft reset: RESET with the configured level, wait for STATUS.reset_status to clear,
    /// check PROT, then program QCONFIG, REGIONCFG and AXI_LIMIT0..3 again.
    pub fn soft_reset(&mut self) -> Result<(), Error> {
        let requested = self.config.protection();
        self.regs.write(regs::RESET, requested);
        let mut done = false;
        for _ in 0..self.config.reset_polls {
            if self.regs.read(regs::STATUS) & status::RESET_STATUS == 0 {
                done = true;
                break;
            }
        }
        if !done {
            return Err(Error::ResetTimeout);
        }
        let prot = self.regs.read(regs::PROT) & (prot::PRIVILEGED | prot::NON_SECURE);
        if prot != requested {
            return Err(Error::AccessState { prot, requested });
        }
        self.regs.write(regs::QCONFIG, self.config.qconfig as u32 & 0x3);
        self.regs.write(regs::REGIONCFG, self.config.regioncfg_word());
        for (offset, limit) in regs::AXI_LIMIT.iter().zip(self.config.axi_limit) {
            self.regs.write(*offset, limit.word());
        }
        self.needs_reset = false;
        Ok(())
    }

    /// Starts the command stream at bus address `stream` (`len` bytes) with
    /// `base_pointers[k]` as region k's base (Vela's convention for the `ethos-u` operator:
    /// region 0 the weights, 1 the scratch arena, 2 the fast scratch, then inputs and
    /// outputs when they have regions of their own). Returns at once; see `on_interrupt`
    /// and `wait`.
    pub fn start(&mut self, stream: u64, len: u32, base_pointers: &[u64]) -> Result<(), Error> {
        if self.needs_reset {
            return Err(Error::NeedsReset);
        }
        if self.regs.read(regs::STATUS) & status::STATE_RUNNING != 0 {
            return Err(Error::Busy);
        }
        if !stream.is_multiple_of(4) || !len.is_multiple_of(4) {
            return Err(Error::Misaligned);
        }
        if base_pointers.len() > regs::REGIONS {
            return Err(Error::TooManyRegions);
        }
        let limit = 1u64 << self.product.address_bits();
        let in_range = |a: u64| a < limit;
        if !in_range(stream) || !in_range(stream + len as u64) || len > 1 << 24 {
            return Err(Error::OutOfRange);
        }
        if !base_pointers.iter().all(|&a| in_range(a)) {
            return Err(Error::OutOfRange);
        }
        let wide = self.product == Product::U65;
        self.regs.write(regs::QBASE0, stream as u32);
        if wide {
            self.regs.write(regs::QBASE1, (stream >> 32) as u32);
        }
        self.regs.write(regs::QSIZE, len);
        for (k, &base) in base_pointers.iter().enumerate() {
            let (lo, hi) = regs::basep(k);
            self.regs.write(lo, base as u32);
            if wide {
                self.regs.write(hi, (base >> 32) as u32);
            }
        }
        let keep = self.regs.read(regs::CMD) & cmd::KEEP;
        self.regs.write(regs::CMD, keep | cmd::TRANSITION_TO_RUNNING);
        Ok(())
    }

    /// The interrupt handler's body: clears the IRQ, then reports how the stream ended.
    pub fn on_interrupt(&mut self) -> Result<(), Error> {
        let keep = self.regs.read(regs::CMD) & cmd::KEEP;
        self.regs.write(regs::CMD, keep | cmd::CLEAR_IRQ);
        let s = self.regs.read(regs::STATUS);
        let faults = status::BUS_STATUS | status::CMD_PARSE_ERROR | status::WD_FAULT | status::ECC_FAULT;
        if s & faults != 0 {
            self.needs_reset = true;
            let qread = self.regs.read(regs::QREAD);
            return Err(if s & status::BUS_STATUS != 0 {
                Error::BusFault {
                    interface: (s >> status::FAULTING_INTERFACE_SHIFT) as u8 & 1,
                    channel: (s >> status::FAULTING_CHANNEL_SHIFT) as u8 & 0xF,
                    qread,
                }
            } else if s & status::CMD_PARSE_ERROR != 0 {
                Error::CommandStream { qread }
            } else if s & status::WD_FAULT != 0 {
                Error::WeightDecoder { qread }
            } else {
                Error::Ecc { qread }
            });
        }
        if s & status::CMD_END_REACHED == 0 {
            return Err(Error::NotFinished { status: s });
        }
        Ok(())
    }

    /// Polls STATUS: `None` while no IRQ is raised, else what `on_interrupt` reports.
    pub fn poll(&mut self) -> Option<Result<(), Error>> {
        (self.regs.read(regs::STATUS) & status::IRQ_RAISED != 0).then(|| self.on_interrupt())
    }

    /// Polls up to `max_polls` times for the end of the stream started by `start`.
    pub fn wait(&mut self, max_polls: u32) -> Result<(), Error> {
        for _ in 0..max_polls {
            if let Some(r) = self.poll() {
                return r;
            }
        }
        self.needs_reset = true;
        Err(Error::Timeout { status: self.regs.read(regs::STATUS), qread: self.regs.read(regs::QREAD) })
    }

    /// `start`, then `wait`.
    pub fn run(&mut self, stream: u64, len: u32, base_pointers: &[u64], max_polls: u32) -> Result<(), Error> {
        self.start(stream, len, base_pointers)?;
        self.wait(max_polls)
    }
}

#[cfg(test)]
mod tests;
