//! The driver against a mock register block that records every access and behaves like
//! the documented hardware: a reset keeps STATUS.reset_status set for a few reads and
//! clears the other registers, CMD.transition_to_running sets STATUS.state and, after a
//! few STATUS reads, the job ends with the outcome the test chose (end of stream, or a
//! fault), raising the IRQ; CMD.clear_irq clears it.

extern crate std;

use super::*;
use std::vec::Vec;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Access {
    R(usize, u32),
    W(usize, u32),
}
use Access::{R, W};

struct Mock {
    log: Vec<Access>,
    config: u32,
    id: u32,
    cmd: u32,
    status: u32,
    prot: u32,
    qread: u32,
    other: [u32; 0x40],
    /// STATUS reads that still see reset_status after a RESET write.
    reset_left: u32,
    reset_latency: u32,
    /// PROT ignores the requested level (a bus that refuses it).
    refuse_protection: bool,
    /// STATUS reads after the start before the job ends (None: never).
    run_latency: Option<u32>,
    run_left: Option<u32>,
    /// STATUS bits the job ends with.
    outcome: u32,
}

const ID_WORD: u32 = 0x1001_1001; // arch 1.0.1, product major 1, r0p0 status 1
const U55_128: u32 = 7 | 16 << regs::config::SHRAM_SIZE_SHIFT; // log2(128) MACs/cycle, product 0

impl Mock {
    fn new(config: u32) -> Mock {
        Mock {
            log: Vec::new(),
            config,
            id: ID_WORD,
            cmd: 0,
            status: 0,
            prot: 0,
            qread: 0,
            other: [0; 0x40],
            reset_left: 0,
            reset_latency: 2,
            refuse_protection: false,
            run_latency: Some(3),
            run_left: None,
            outcome: status::IRQ_RAISED | status::CMD_END_REACHED,
        }
    }
}

impl Registers for Mock {
    fn read(&mut self, offset: usize) -> u32 {
        let v = match offset {
            regs::STATUS if self.reset_left > 0 => {
                self.reset_left -= 1;
                status::RESET_STATUS
            }
            regs::STATUS => {
                if let Some(left) = self.run_left {
                    if left == 0 {
                        self.run_left = None;
                        self.status = (self.status & !status::STATE_RUNNING) | self.outcome;
                        self.qread = self.other[regs::QSIZE / 4];
                    } else {
                        self.run_left = Some(left - 1);
                    }
                }
                self.status
            }
            regs::ID => self.id,
            regs::CONFIG => self.config,
            regs::CMD => self.cmd,
            regs::PROT => self.prot,
            regs::QREAD => self.qread,
            o => self.other[o / 4],
        };
        self.log.push(R(offset, v));
        v
    }

    fn write(&mut self, offset: usize, value: u32) {
        self.log.push(W(offset, value));
        match offset {
            regs::RESET => {
                self.reset_left = self.reset_latency;
                self.prot = if self.refuse_protection { prot::NON_SECURE } else { value & 3 };
                self.status = 0;
                self.cmd = 0;
                self.other = [0; 0x40];
                self.run_left = None;
            }
            regs::CMD => {
                if value & cmd::CLEAR_IRQ != 0 {
                    self.status &= !(status::IRQ_RAISED | status::PMU_IRQ_RAISED);
                }
                if value & cmd::TRANSITION_TO_RUNNING != 0 {
                    self.status = (self.status | status::STATE_RUNNING) & !status::CMD_END_REACHED;
                    self.run_left = self.run_latency;
                }
                self.cmd = value;
            }
            o => {
                if (o == regs::QBASE0 || o == regs::QSIZE) && self.status & status::STATE_RUNNING == 0 {
                    self.status &= !status::CMD_END_REACHED;
                }
                self.other[o / 4] = value;
            }
        }
    }
}

fn init_sequence(cfg: &Config, reset_latency: u32) -> Vec<Access> {
    let mut s = std::vec![R(regs::CONFIG, U55_128), W(regs::RESET, cfg.protection())];
    s.extend((0..reset_latency).map(|_| R(regs::STATUS, status::RESET_STATUS)));
    s.push(R(regs::STATUS, 0));
    s.push(R(regs::PROT, cfg.protection()));
    s.push(W(regs::QCONFIG, cfg.qconfig as u32));
    s.push(W(regs::REGIONCFG, cfg.regioncfg_word()));
    s.extend(regs::AXI_LIMIT.iter().zip(cfg.axi_limit).map(|(&o, l)| W(o, l.word())));
    s
}

fn board_config() -> Config {
    let limit = AxiLimit { max_beats: 1, memtype: 3, max_reads: 8, max_writes: 4 };
    Config {
        secure: true,
        privileged: true,
        qconfig: 3,
        regioncfg: [3, 0, 1, 1, 1, 1, 1, 1],
        axi_limit: [limit, limit, limit, limit],
        reset_polls: 10,
    }
}

#[test]
fn init_resets_checks_the_level_and_programs_the_axi_side() {
    let cfg = board_config();
    let npu = EthosU::new(Mock::new(U55_128), cfg).unwrap();
    assert_eq!(npu.product(), Product::U55);
    assert_eq!(npu.regs.log, init_sequence(&cfg, 2));
    assert_eq!(cfg.protection(), prot::PRIVILEGED, "secure privileged: CPL 1, CSL 0");
    assert_eq!(cfg.regioncfg_word(), 0b01_01_01_01_01_01_00_11);
    assert_eq!(limit_word(), 1 | 3 << 4 | 7 << 16 | 3 << 24);
}

fn limit_word() -> u32 {
    AxiLimit { max_beats: 1, memtype: 3, max_reads: 8, max_writes: 4 }.word()
}

const STREAM: u64 = 0x1000_0040;
const BASES: [u64; 3] = [0x1008_0000, 0x2000_0000, 0x3000_0000];

#[test]
fn one_inference_by_polling_follows_the_documented_sequence() {
    let mut npu = EthosU::new(Mock::new(U55_128), board_config()).unwrap();
    // The board enabled the clock and power Q-interfaces; every CMD write must keep them.
    npu.registers().write(regs::CMD, cmd::KEEP);
    npu.regs.log.clear();
    npu.run(STREAM, 3632, &BASES, 10).unwrap();
    let expected = std::vec![
        R(regs::STATUS, 0),
        W(regs::QBASE0, 0x1000_0040),
        W(regs::QSIZE, 3632),
        W(0x80, 0x1008_0000),
        W(0x88, 0x2000_0000),
        W(0x90, 0x3000_0000),
        R(regs::CMD, cmd::KEEP),
        W(regs::CMD, cmd::KEEP | cmd::TRANSITION_TO_RUNNING),
        // Three polls while running, then the job ends with the IRQ raised.
        R(regs::STATUS, status::STATE_RUNNING),
        R(regs::STATUS, status::STATE_RUNNING),
        R(regs::STATUS, status::STATE_RUNNING),
        R(regs::STATUS, status::IRQ_RAISED | status::CMD_END_REACHED),
        R(regs::CMD, cmd::KEEP | cmd::TRANSITION_TO_RUNNING),
        W(regs::CMD, cmd::KEEP | cmd::CLEAR_IRQ),
        R(regs::STATUS, status::CMD_END_REACHED),
    ];
    assert_eq!(npu.regs.log, expected);
    // The next inference starts the same way: the stopped NPU accepts a new stream.
    npu.run(STREAM, 3632, &BASES, 10).unwrap();
}

#[test]
fn an_ethos_u65_gets_the_high_address_words() {
    let u65 = U55_128 | 1 << regs::config::PRODUCT_SHIFT;
    let mut npu = EthosU::new(Mock::new(u65), Config::default()).unwrap();
    assert_eq!(npu.product(), Product::U65);
    npu.regs.log.clear();
    npu.start(0x1_2000_0000, 16, &[0xAB_0000_0010]).unwrap();
    let writes: Vec<_> = npu.regs.log.iter().filter(|a| matches!(a, W(..))).copied().collect();
    assert_eq!(
        writes,
        [
            W(regs::QBASE0, 0x2000_0000),
            W(regs::QBASE1, 1),
            W(regs::QSIZE, 16),
            W(0x80, 0x10),
            W(0x84, 0xAB),
            W(regs::CMD, cmd::TRANSITION_TO_RUNNING)
        ]
    );
    // The U55 is a 32-bit master: the same addresses are out of its range.
    let mut u55 = EthosU::new(Mock::new(U55_128), Config::default()).unwrap();
    assert_eq!(u55.start(0x1_2000_0000, 16, &[]), Err(Error::OutOfRange));
}

#[test]
fn completion_by_interrupt() {
    let mut npu = EthosU::new(Mock::new(U55_128), Config::default()).unwrap();
    npu.regs.run_latency = Some(0);
    npu.start(STREAM, 64, &BASES).unwrap();
    // The first STATUS read ends the job in the mock; a real IRQ line would fire here.
    assert_eq!(npu.regs.read(regs::STATUS) & status::IRQ_RAISED, status::IRQ_RAISED);
    npu.regs.log.clear();
    assert_eq!(npu.on_interrupt(), Ok(()));
    assert_eq!(npu.regs.log, [R(regs::CMD, 1), W(regs::CMD, cmd::CLEAR_IRQ), R(regs::STATUS, status::CMD_END_REACHED)]);
}

#[test]
fn a_bus_fault_interrupt_is_reported_and_needs_a_reset() {
    let mut npu = EthosU::new(Mock::new(U55_128), board_config()).unwrap();
    // Bus abort on AXI-M1 while writing an OFM (channel 8).
    npu.regs.outcome = status::IRQ_RAISED
        | status::BUS_STATUS
        | 1 << status::FAULTING_INTERFACE_SHIFT
        | 8 << status::FAULTING_CHANNEL_SHIFT;
    let e = npu.run(STREAM, 64, &BASES, 10).unwrap_err();
    assert_eq!(e, Error::BusFault { interface: 1, channel: 8, qread: 64 });
    // The IRQ was cleared before STATUS was read, and QREAD located the command.
    let tail = &npu.regs.log[npu.regs.log.len() - 4..];
    assert_eq!(tail[1], W(regs::CMD, cmd::CLEAR_IRQ));
    assert_eq!(tail[3], R(regs::QREAD, 64));
    // The fault bits only clear on reset: nothing starts until then.
    assert_eq!(npu.start(STREAM, 64, &BASES), Err(Error::NeedsReset));
    npu.regs.outcome = status::IRQ_RAISED | status::CMD_END_REACHED;
    npu.regs.log.clear();
    npu.soft_reset().unwrap();
    assert_eq!(npu.regs.log, init_sequence(&board_config(), 2)[1..]);
    npu.run(STREAM, 64, &BASES, 10).unwrap();
}

#[test]
fn other_faults_are_named() {
    for (bits, expected) in [
        (status::CMD_PARSE_ERROR, Error::CommandStream { qread: 64 }),
        (status::WD_FAULT, Error::WeightDecoder { qread: 64 }),
        (status::ECC_FAULT, Error::Ecc { qread: 64 }),
    ] {
        let mut npu = EthosU::new(Mock::new(U55_128), Config::default()).unwrap();
        npu.regs.outcome = status::IRQ_RAISED | bits;
        assert_eq!(npu.run(STREAM, 64, &BASES, 10), Err(expected));
        assert_eq!(npu.start(STREAM, 64, &BASES), Err(Error::NeedsReset));
    }
}

#[test]
fn an_irq_before_the_end_of_the_stream_is_not_success() {
    let mut npu = EthosU::new(Mock::new(U55_128), Config::default()).unwrap();
    npu.regs.outcome = status::IRQ_RAISED | status::PMU_IRQ_RAISED;
    assert!(matches!(npu.run(STREAM, 64, &BASES, 10), Err(Error::NotFinished { .. })));
}

#[test]
fn a_silent_npu_times_out_and_needs_a_reset() {
    let mut npu = EthosU::new(Mock::new(U55_128), Config::default()).unwrap();
    npu.regs.run_latency = None;
    assert_eq!(npu.run(STREAM, 64, &BASES, 5), Err(Error::Timeout { status: status::STATE_RUNNING, qread: 0 }));
    assert_eq!(npu.start(STREAM, 64, &BASES), Err(Error::NeedsReset));
}

#[test]
fn start_refuses_what_the_npu_cannot_take() {
    let mut npu = EthosU::new(Mock::new(U55_128), Config::default()).unwrap();
    assert_eq!(npu.start(STREAM + 2, 64, &BASES), Err(Error::Misaligned));
    assert_eq!(npu.start(STREAM, 62, &BASES), Err(Error::Misaligned));
    assert_eq!(npu.start(STREAM, 64, &[0; 9]), Err(Error::TooManyRegions));
    assert_eq!(npu.start(0xFFFF_FFF0, 64, &BASES), Err(Error::OutOfRange));
    assert!(npu.regs.log.iter().all(|a| !matches!(a, W(regs::CMD, _))), "nothing started");
    npu.regs.run_latency = None;
    npu.start(STREAM, 64, &BASES).unwrap();
    assert_eq!(npu.start(STREAM, 64, &BASES), Err(Error::Busy));
}

#[test]
fn reset_failures() {
    let mut slow = Mock::new(U55_128);
    slow.reset_latency = 11;
    assert_eq!(EthosU::new(slow, board_config()).err(), Some(Error::ResetTimeout));
    let mut refusing = Mock::new(U55_128);
    refusing.refuse_protection = true;
    assert_eq!(
        EthosU::new(refusing, board_config()).err(),
        Some(Error::AccessState { prot: prot::NON_SECURE, requested: prot::PRIVILEGED })
    );
    let u85ish = Mock::new(2 << regs::config::PRODUCT_SHIFT);
    assert_eq!(EthosU::new(u85ish, board_config()).err(), Some(Error::UnknownProduct { product: 2 }));
}

#[test]
fn id_fields() {
    let mut npu = EthosU::new(Mock::new(U55_128), Config::default()).unwrap();
    npu.regs.id = 0x1002_3456;
    let id = npu.id();
    assert_eq!(id.arch, (1, 0, 2));
    assert_eq!(id.product_major, 3);
    assert_eq!(id.version, (4, 5));
    assert_eq!(id.version_status, 6);
}

fn vela_style_payload(stream: &[u32]) -> Vec<u32> {
    let tag = |c: u32, r: u32, p: u32| c | r << 8 | p << 16;
    let mut w = std::vec![payload::FOURCC, tag(1, 0, 1 << 4), U55_128, ID_WORD];
    // NOPs so that the stream starts 16-byte aligned, as Vela emits them.
    while (w.len() + 1) % 4 != 0 {
        w.push(tag(5, 0, 0));
    }
    let n = stream.len() as u32;
    w.push(tag(2, n >> 16, n & 0xFFFF));
    w.extend_from_slice(stream);
    w
}

#[test]
fn payload_gives_the_command_stream_and_checks_the_hardware() {
    let stream: Vec<u32> = (0..70_000).collect();
    let words = vela_style_payload(&stream);
    let p = payload::parse(&words).unwrap();
    assert_eq!(p.command_stream, &stream[..], "a length above 16 bits uses the reserved byte");
    assert_eq!(p.command_stream_offset % 4, 0);
    assert_eq!(p.optimizer, Some((U55_128, ID_WORD)));
    assert_eq!(p.check_hardware(U55_128, ID_WORD), Ok(()));
    let u55_256 = (U55_128 & !0xF) | 8;
    assert!(p.check_hardware(u55_256, ID_WORD).is_err(), "compiled for 128 MACs/cycle");
    assert!(p.check_hardware(U55_128 | 1 << 28, ID_WORD).is_err(), "compiled for a U55");
    // Compiled for architecture 1.1: a 1.0 NPU cannot run it, a 1.2 NPU can, a 2.x cannot.
    let words_11 = {
        let mut w = words.clone();
        w[3] = 0x1010_0000;
        w
    };
    let p11 = payload::parse(&words_11).unwrap();
    assert!(p11.check_hardware(U55_128, 0x1000_0000).is_err());
    assert_eq!(p11.check_hardware(U55_128, 0x1020_0000), Ok(()));
    assert!(p11.check_hardware(U55_128, 0x2020_0000).is_err());
    let mut bad = words.clone();
    bad.truncate(words.len() - 1);
    assert!(matches!(payload::parse(&bad), Err(payload::PayloadError::Truncated { .. })));
    assert_eq!(payload::parse(&[0]), Err(payload::PayloadError::NotCop1));
    assert_eq!(payload::parse(&[payload::FOURCC, 9]), Err(payload::PayloadError::UnknownAction { at: 1, command: 9 }));
    assert_eq!(payload::parse(&[payload::FOURCC, 5]), Err(payload::PayloadError::NoCommandStream));
}

/// The payload Vela 5.2.0 made of the MLPerf Tiny KWS model for an Ethos-U55-128
/// (`tests/data/PROVENANCE.md`).
const KWS_COP1: &[u8] = include_bytes!("../tests/data/kws_ref_model_u55_128.cop1");

#[test]
fn velas_kws_payload_parses_checks_and_runs_on_the_mock() {
    let words: Vec<u32> = KWS_COP1.chunks_exact(4).map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect();
    let p = payload::parse(&words).unwrap();
    let (config, id) = p.optimizer.unwrap();
    assert_eq!(config >> regs::config::PRODUCT_SHIFT, 0, "compiled for an Ethos-U55");
    assert_eq!(config & regs::config::MACS_PER_CC_MASK, 7, "128 MACs per cycle");
    assert_eq!(p.command_stream_offset % 4, 0, "16-byte aligned in the payload");
    assert_eq!(4 * (p.command_stream_offset + p.command_stream.len()), KWS_COP1.len());
    // Vela's debug database for this model puts its last command at byte 3,624.
    assert!(p.command_stream.len() * 4 > 3624);
    let commands = payload::check_stream(p.command_stream).unwrap();
    assert!(commands > 100, "{commands} commands");
    // A U55-128 with the same architecture takes it; a U55-256 does not.
    assert_eq!(p.check_hardware(config, id), Ok(()));
    assert!(p.check_hardware((config & !0xF) | 8, id).is_err());
    // Submitted as Vela's TFLM operator would: regions 0 weights, 1 scratch, 2 fast scratch.
    let mut npu = EthosU::new(Mock::new(config), Config::default()).unwrap();
    let len = 4 * p.command_stream.len() as u32;
    npu.run(0x6010_0000, len, &[0x6020_0000, 0x2000_0000, 0x2000_0000], 10).unwrap();
    assert!(npu.regs.log.contains(&W(regs::QSIZE, len)));
    // A stream cut short, or not ending with STOP, is refused before it reaches the NPU.
    let cut = &p.command_stream[..p.command_stream.len() - 1];
    assert!(matches!(payload::check_stream(cut), Err(payload::PayloadError::BadStream { .. })));
}

/// The driver behind a generated model's NPU step (`steps::Steps`, the runtime's `Npu`
/// trait): Vela's KWS payload, weights and region submitted with Vela's regions, and each
/// refusal as its documented `tinyml_runtime::Error::Npu` code.
#[test]
fn a_generated_npu_step_runs_through_the_npu_trait() {
    use tinyml_runtime::npu::Npu;
    // The payload as the generated code keeps it: 16-byte aligned bytes in flash.
    let words: Vec<u32> = KWS_COP1.chunks_exact(4).map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect();
    // SAFETY: any initialized u32s are valid bytes.
    let payload = unsafe { core::slice::from_raw_parts(words.as_ptr().cast::<u8>(), words.len() * 4) };
    let config = payload::parse(&words).unwrap().optimizer.unwrap().0;
    let weights = [0u8; 64];
    let mut region = [0u8; 256];
    // Host addresses are wider than the NPU's 32 bits: the mock bus keeps the low 28.
    let to_bus = |a: usize| (a & 0x0FFF_FFFF) as u64;
    let mut steps =
        steps::Steps { to_bus, ..steps::Steps::new(EthosU::new(Mock::new(config), Config::default()).unwrap(), 10) };
    steps.invoke(payload, &weights, &mut region).unwrap();
    let log = &steps.npu.regs.log;
    let p = payload::parse(&words).unwrap();
    assert!(log.contains(&W(regs::QBASE0, to_bus(p.command_stream.as_ptr() as usize) as u32)));
    assert!(log.contains(&W(regs::QSIZE, 4 * p.command_stream.len() as u32)));
    let (w, s) = (to_bus(weights.as_ptr() as usize) as u32, to_bus(region.as_ptr() as usize) as u32);
    for (k, base) in [w, s, s].into_iter().enumerate() {
        assert!(log.contains(&W(regs::basep(k).0, base)), "region {k}");
    }
    // Refusals, each with its code: a misaligned payload, another configuration (U55-256),
    // a payload that is no COP1, and a fault raised by the NPU.
    let code = |r: Result<(), tinyml_runtime::Error>| match r {
        Err(tinyml_runtime::Error::Npu { code }) => code,
        other => panic!("{other:?}"),
    };
    let mut shifted = std::vec![0u8; payload.len() + 1];
    shifted[1..].copy_from_slice(payload);
    let misaligned =
        if (shifted.as_ptr() as usize).is_multiple_of(4) { &shifted[1..] } else { &shifted[..payload.len()] };
    assert_eq!(code(steps.invoke(misaligned, &weights, &mut region)), steps::code::PAYLOAD_MISALIGNED);
    let mut other = steps::Steps::new(EthosU::new(Mock::new((config & !0xF) | 8), Config::default()).unwrap(), 10);
    other.to_bus = to_bus;
    assert_eq!(code(other.invoke(payload, &weights, &mut region)), steps::code::CONFIG_MISMATCH);
    assert_eq!(code(steps.invoke(&payload[4..], &weights, &mut region)), steps::code::PAYLOAD_INVALID);
    steps.npu.regs.outcome = status::IRQ_RAISED | status::CMD_PARSE_ERROR;
    assert_eq!(code(steps.invoke(payload, &weights, &mut region)), Error::CommandStream { qread: 0 }.code());
}
