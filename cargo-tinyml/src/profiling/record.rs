//! Host decoder of the profile record format (version 1) that the firmware's profile
//! module writes with `tinyml_runtime::profile::record`. The format is specified there;
//! this module is its only reader. Decoding never panics: truncated, corrupted or
//! foreign input becomes a [`DecodeError`] that says what is wrong and where.

use std::fmt;
use tinyml_runtime::profile::record::{crc16, tag, MAGIC, VERSION};

pub use tinyml_runtime::profile::record::{Timer, LINE_PREFIX};

/// A decoded record stream: per-run, per-layer ticks of the timer named in
/// [`Recording::timer`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recording {
    /// Format version of the stream.
    pub version: u8,
    /// The counter the ticks come from.
    pub timer: Timer,
    /// Number of layers of the model.
    pub layers: u16,
    /// One entry per inference, in order.
    pub runs: Vec<Run>,
    /// Stack high-water mark in bytes, if the firmware measured it.
    pub stack_bytes: Option<u32>,
}

/// One inference.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Run {
    /// Ticks per layer, indexed by layer.
    pub layer_ticks: Vec<u32>,
    /// Ticks of the whole inference.
    pub total_ticks: u32,
    /// FNV-1a 32 of the output bytes.
    pub checksum: Option<u32>,
}

/// Why a profile stream could not be decoded. Byte offsets count from the stream start
/// (the magic); line numbers from the first line of the text.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// No line carried the record prefix.
    #[error("the firmware printed no profile records (lines starting with `{LINE_PREFIX}`): was it built with the `profile` feature, and did it reach its profiling loop?")]
    NoRecords,
    /// A record line is not hex.
    #[error("line {line}: profile record is not valid hex: {text:?}")]
    BadHex {
        /// 1-based line number.
        line: usize,
        /// The offending text after the prefix.
        text: String,
    },
    /// The stream does not start with `TMLP`.
    #[error("not a profile stream: it starts with {found:02x?}, expected the magic {MAGIC:02x?} (\"TMLP\")")]
    BadMagic {
        /// The first bytes.
        found: Vec<u8>,
    },
    /// The stream's version is not one this decoder reads.
    #[error("profile record format version {found} is not supported: this cargo-tinyml reads version {VERSION}; build the firmware against the tinyml-runtime of the same release")]
    UnsupportedVersion {
        /// Version byte found.
        found: u8,
    },
    /// The stream ends inside a record.
    #[error("profile stream truncated at byte {offset}: the record there needs {needed} bytes, {available} are left (output cut short?)")]
    Truncated {
        /// Where the record starts.
        offset: usize,
        /// Bytes the record needs.
        needed: usize,
        /// Bytes left.
        available: usize,
    },
    /// A record's CRC does not match.
    #[error("profile record at byte {offset} (tag {tag}) is corrupted: CRC {found:#06x}, computed {computed:#06x}")]
    BadCrc {
        /// Where the record starts.
        offset: usize,
        /// Its tag.
        tag: u8,
        /// CRC in the stream.
        found: u16,
        /// CRC of the bytes received.
        computed: u16,
    },
    /// A known record with the wrong payload size.
    #[error("profile record at byte {offset} (tag {tag}) has a {len}-byte payload, expected {expected}")]
    BadLength {
        /// Where the record starts.
        offset: usize,
        /// Its tag.
        tag: u8,
        /// Payload length found.
        len: u8,
        /// Payload length of this tag.
        expected: u8,
    },
    /// A record that needs BEGIN came first, or BEGIN came twice.
    #[error("profile record at byte {offset} (tag {tag}) is out of order: {why}")]
    OutOfOrder {
        /// Where the record starts.
        offset: usize,
        /// Its tag.
        tag: u8,
        /// What was expected.
        why: &'static str,
    },
    /// A layer or run index beyond what BEGIN announced.
    #[error("profile record at byte {offset}: run {run} layer {layer} is out of range ({runs} runs of {layers} layers announced)")]
    OutOfRange {
        /// Where the record starts.
        offset: usize,
        /// Run index.
        run: u16,
        /// Layer index.
        layer: u16,
        /// Runs announced.
        runs: u16,
        /// Layers announced.
        layers: u16,
    },
    /// The stream stops before END.
    #[error("profile stream has no END record after {records} records: the firmware stopped early (crash, timeout) or output was lost")]
    MissingEnd {
        /// Records received.
        records: usize,
    },
    /// END counts a different number of records than were received.
    #[error("profile END record counts {expected} records but {received} arrived: records were lost in transport")]
    Lost {
        /// Count announced by END.
        expected: u16,
        /// Records received.
        received: usize,
    },
    /// A run lacks some of its records.
    #[error("profile incomplete: run {run} has no {what}")]
    Incomplete {
        /// Run index.
        run: u16,
        /// What is missing.
        what: String,
    },
}

/// Collects the hex chunks of every line starting with [`LINE_PREFIX`] (anywhere in
/// `text`, other lines are the firmware's own output) into the stream bytes.
pub fn extract(text: &str) -> Result<Vec<u8>, DecodeError> {
    let mut bytes = Vec::new();
    let mut found = false;
    for (i, line) in text.lines().enumerate() {
        let Some(hex) = line.trim_end().strip_prefix(LINE_PREFIX) else { continue };
        found = true;
        let bad = || DecodeError::BadHex { line: i + 1, text: hex.chars().take(64).collect() };
        if hex.len() % 2 != 0 {
            return Err(bad());
        }
        for pair in hex.as_bytes().chunks(2) {
            let s = std::str::from_utf8(pair).map_err(|_| bad())?;
            bytes.push(u8::from_str_radix(s, 16).map_err(|_| bad())?);
        }
    }
    if found {
        Ok(bytes)
    } else {
        Err(DecodeError::NoRecords)
    }
}

/// [`extract`] then [`decode`].
pub fn decode_text(text: &str) -> Result<Recording, DecodeError> {
    decode(&extract(text)?)
}

fn payload_len(t: u8) -> Option<u8> {
    match t {
        tag::BEGIN => Some(5),
        tag::LAYER => Some(8),
        tag::INFERENCE | tag::CHECKSUM => Some(6),
        tag::STACK => Some(4),
        tag::END => Some(2),
        _ => None,
    }
}

fn u16_at(p: &[u8], i: usize) -> u16 {
    u16::from_le_bytes([p[i], p[i + 1]])
}

fn u32_at(p: &[u8], i: usize) -> u32 {
    u32::from_le_bytes([p[i], p[i + 1], p[i + 2], p[i + 3]])
}

/// Decodes one stream: header, records, END. Records of unknown tags are skipped (their
/// length byte says how far), so a newer firmware that adds a record kind still decodes.
pub fn decode(bytes: &[u8]) -> Result<Recording, DecodeError> {
    if bytes.len() < 4 || bytes[..4] != MAGIC {
        return Err(DecodeError::BadMagic { found: bytes.iter().take(4).copied().collect() });
    }
    let Some(&version) = bytes.get(4) else {
        return Err(DecodeError::Truncated { offset: 4, needed: 1, available: 0 });
    };
    if version != VERSION {
        return Err(DecodeError::UnsupportedVersion { found: version });
    }
    struct Partial {
        layers: Vec<Option<u32>>,
        total: Option<u32>,
        checksum: Option<u32>,
    }
    let mut begun: Option<(Timer, u16)> = None;
    let mut runs: Vec<Partial> = Vec::new();
    let mut stack_bytes = None;
    let mut records = 0usize;
    let mut at = 5;
    loop {
        if at == bytes.len() {
            return Err(DecodeError::MissingEnd { records });
        }
        let rest = &bytes[at..];
        if rest.len() < 2 {
            return Err(DecodeError::Truncated { offset: at, needed: 4, available: rest.len() });
        }
        let (t, len) = (rest[0], rest[1]);
        let needed = 2 + len as usize + 2;
        if rest.len() < needed {
            return Err(DecodeError::Truncated { offset: at, needed, available: rest.len() });
        }
        let computed = crc16(&rest[..2 + len as usize]);
        let found = u16_at(rest, 2 + len as usize);
        if found != computed {
            return Err(DecodeError::BadCrc { offset: at, tag: t, found, computed });
        }
        let p = &rest[2..2 + len as usize];
        let offset = at;
        at += needed;
        match payload_len(t) {
            None => {
                records += 1;
                continue;
            }
            Some(expected) if expected != len => {
                return Err(DecodeError::BadLength { offset, tag: t, len, expected });
            }
            Some(_) => {}
        }
        if t != tag::BEGIN && begun.is_none() {
            return Err(DecodeError::OutOfOrder { offset, tag: t, why: "the first record must be BEGIN" });
        }
        let range = |run: u16, layer: u16, nruns: usize, nlayers: u16| {
            if (run as usize) < nruns && layer < nlayers {
                Ok(run as usize)
            } else {
                Err(DecodeError::OutOfRange { offset, run, layer, runs: nruns as u16, layers: nlayers })
            }
        };
        match t {
            tag::BEGIN => {
                if begun.is_some() {
                    return Err(DecodeError::OutOfOrder { offset, tag: t, why: "BEGIN appears twice" });
                }
                let layers = u16_at(p, 0);
                let timer = match p[2] {
                    0 => Timer::SysTick,
                    1 => Timer::Dwt,
                    _ => Timer::Other,
                };
                let nruns = u16_at(p, 3);
                begun = Some((timer, layers));
                runs = (0..nruns)
                    .map(|_| Partial { layers: vec![None; layers as usize], total: None, checksum: None })
                    .collect();
            }
            tag::LAYER => {
                let (run, layer) = (u16_at(p, 0), u16_at(p, 2));
                let layers = begun.map_or(0, |b| b.1);
                let r = range(run, layer, runs.len(), layers)?;
                runs[r].layers[layer as usize] = Some(u32_at(p, 4));
            }
            tag::INFERENCE | tag::CHECKSUM => {
                let run = u16_at(p, 0);
                let r = range(run, 0, runs.len(), u16::MAX)?;
                let v = Some(u32_at(p, 2));
                if t == tag::INFERENCE {
                    runs[r].total = v;
                } else {
                    runs[r].checksum = v;
                }
            }
            tag::STACK => stack_bytes = Some(u32_at(p, 0)),
            tag::END => {
                let expected = u16_at(p, 0);
                if expected as usize != records {
                    return Err(DecodeError::Lost { expected, received: records });
                }
                break;
            }
            _ => unreachable!("payload_len knows every tag matched here"),
        }
        records += 1;
    }
    let (timer, layers) = begun.expect("END is only accepted after BEGIN");
    let runs = runs
        .into_iter()
        .enumerate()
        .map(|(i, p)| {
            let run = i as u16;
            let layer_ticks = p
                .layers
                .iter()
                .enumerate()
                .map(|(l, t)| t.ok_or_else(|| DecodeError::Incomplete { run, what: format!("record for layer {l}") }))
                .collect::<Result<Vec<_>, _>>()?;
            let total_ticks = p.total.ok_or_else(|| DecodeError::Incomplete { run, what: "inference total".into() })?;
            Ok(Run { layer_ticks, total_ticks, checksum: p.checksum })
        })
        .collect::<Result<Vec<_>, DecodeError>>()?;
    Ok(Recording { version, timer, layers, runs, stack_bytes })
}

impl fmt::Display for Recording {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "profile v{}: {} layers, {} runs, timer {:?}", self.version, self.layers, self.runs.len(), self.timer)
    }
}
