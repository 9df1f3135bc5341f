//! The driver payload Vela writes into the `ethos-u` custom operator (its first input
//! tensor): little-endian words, the fourcc `COP1`, then driver actions, each a tag word
//! `command | reserved << 8 | param << 16` (Vela's `driver_actions.py`):
//!
//! - `1` CONFIG: two words follow, the CONFIG and ID register values Vela compiled for;
//! - `2` COMMAND_STREAM: `reserved << 16 | param` words of command stream follow (Vela
//!   pads with NOPs so that they start 16-byte aligned);
//! - `3` READ_APB, `4` DUMP_SHRAM: debug actions, no payload words (ignored here);
//! - `5` NOP.

/// `COP1` as a little-endian word.
pub const FOURCC: u32 = u32::from_le_bytes(*b"COP1");

/// A payload, parsed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Payload<'a> {
    /// The CONFIG and ID words Vela compiled for, if the payload carries them.
    pub optimizer: Option<(u32, u32)>,
    /// The command stream, to hand to [`crate::EthosU::start`].
    pub command_stream: &'a [u32],
    /// Offset of the command stream in the payload, in words.
    pub command_stream_offset: usize,
}

/// Why a payload was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PayloadError {
    /// The first word is not `COP1`.
    NotCop1,
    /// A driver action runs past the end.
    Truncated {
        /// Word offset of the action.
        at: usize,
    },
    /// An unknown driver action.
    UnknownAction {
        /// Word offset of the action.
        at: usize,
        /// Its command byte.
        command: u8,
    },
    /// No COMMAND_STREAM action.
    NoCommandStream,
    /// The command stream does not end with `NPU_OP_STOP` after whole commands.
    BadStream {
        /// Word offset in the command stream where the framing broke.
        at: usize,
    },
}

/// Why the hardware cannot run a payload compiled for another configuration (the checks
/// of Arm's driver: product, MACs per cycle, command stream version, architecture).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Mismatch {
    /// CONFIG the payload was compiled for.
    pub optimizer_config: u32,
    /// CONFIG of the hardware.
    pub hardware_config: u32,
    /// ID the payload was compiled for.
    pub optimizer_id: u32,
    /// ID of the hardware.
    pub hardware_id: u32,
}

/// Parses a payload of little-endian words.
pub fn parse(words: &[u32]) -> Result<Payload<'_>, PayloadError> {
    if words.first() != Some(&FOURCC) {
        return Err(PayloadError::NotCop1);
    }
    let (mut at, mut optimizer) = (1, None);
    while at < words.len() {
        let tag = words[at];
        let (command, reserved, param) = (tag as u8, (tag >> 8) as u8, (tag >> 16) as usize);
        match command {
            1 => {
                let [c, i] = words.get(at + 1..at + 3).ok_or(PayloadError::Truncated { at })? else {
                    unreachable!("a two-word slice")
                };
                optimizer = Some((*c, *i));
                at += 3;
            }
            2 => {
                let len = (reserved as usize) << 16 | param;
                let stream = words.get(at + 1..at + 1 + len).ok_or(PayloadError::Truncated { at })?;
                return Ok(Payload { optimizer, command_stream: stream, command_stream_offset: at + 1 });
            }
            3..=5 => at += 1,
            _ => return Err(PayloadError::UnknownAction { at, command }),
        }
    }
    Err(PayloadError::NoCommandStream)
}

/// Walks a command stream's framing: each command is one word (bits 15:14 = 0) or one
/// word and a 32-bit payload word (bits 15:14 = 1); opcode in bits 9:0, parameter in 31:16.
/// It must end with `NPU_OP_STOP` (opcode 0 without payload, parameter 0xFFFF, as Vela
/// emits it). Returns the number of commands.
pub fn check_stream(stream: &[u32]) -> Result<usize, PayloadError> {
    let (mut at, mut commands) = (0, 0);
    while at < stream.len() {
        let w = stream[at];
        commands += 1;
        match (w >> 14) & 0x3 {
            0 if w & 0x3FF == 0 => {
                // NPU_OP_STOP: the last word of the stream.
                return if at + 1 == stream.len() { Ok(commands) } else { Err(PayloadError::BadStream { at }) };
            }
            0 => at += 1,
            1 => at += 2,
            _ => return Err(PayloadError::BadStream { at }),
        }
    }
    Err(PayloadError::BadStream { at: stream.len() })
}

impl Payload<'_> {
    /// Compares the optimizer's CONFIG/ID with the hardware's: the product, MACs per cycle
    /// and command stream version must be equal, the architecture major equal and the
    /// hardware's minor at least the optimizer's.
    pub fn check_hardware(&self, hardware_config: u32, hardware_id: u32) -> Result<(), Mismatch> {
        let Some((config, id)) = self.optimizer else { return Ok(()) };
        use crate::regs::config::{CMD_STREAM_VERSION_SHIFT, MACS_PER_CC_MASK, PRODUCT_SHIFT};
        let field = |w: u32, shift: u32, mask: u32| (w >> shift) & mask;
        let same = |shift, mask| field(config, shift, mask) == field(hardware_config, shift, mask);
        let arch_ok =
            field(id, 28, 0xF) == field(hardware_id, 28, 0xF) && field(hardware_id, 20, 0xFF) >= field(id, 20, 0xFF);
        if same(PRODUCT_SHIFT, 0xF) && same(0, MACS_PER_CC_MASK) && same(CMD_STREAM_VERSION_SHIFT, 0xF) && arch_ok {
            Ok(())
        } else {
            Err(Mismatch { optimizer_config: config, hardware_config, optimizer_id: id, hardware_id })
        }
    }
}
