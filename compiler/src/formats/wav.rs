//! A strict reader for RIFF/WAVE files of 16-bit PCM, the input of the audio front
//! ends on the host (`cargo tinyml features`, tests).
//!
//! Untrusted input: every chunk size is checked against the file, and anything that is
//! not integer PCM of 16 bits gets an error that says what the file holds and how to
//! convert it, never a panic or a silent conversion.

use std::path::Path;

/// A decoded WAV file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Wav {
    /// Samples per second.
    pub sample_rate: u32,
    /// Interleaved channels.
    pub channels: u16,
    /// Interleaved samples, `channels` per frame.
    pub samples: Vec<i16>,
}

/// Why a WAV file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum WavError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The OS error.
        source: std::io::Error,
    },
    /// Zero bytes.
    #[error("the file is empty, not a WAV file")]
    Empty,
    /// Not a RIFF/WAVE file at all.
    #[error("not a WAV file (no RIFF/WAVE header; found {found:?})")]
    NotWav {
        /// The first bytes, for the message.
        found: String,
    },
    /// A chunk or header runs past the end of the file.
    #[error("truncated WAV file: {what} needs {needed} bytes at offset {offset}, the file has {len}")]
    Truncated {
        /// What was being read.
        what: &'static str,
        /// Bytes needed from `offset`.
        needed: u64,
        /// Offset in the file.
        offset: usize,
        /// File length.
        len: usize,
    },
    /// No `fmt ` chunk before the `data` chunk.
    #[error("malformed WAV file: no 'fmt ' chunk before the 'data' chunk")]
    MissingFormat,
    /// No `data` chunk.
    #[error("malformed WAV file: no 'data' chunk")]
    MissingData,
    /// A sample encoding other than 16-bit integer PCM.
    #[error("unsupported WAV sample format: {found}; only 16-bit integer PCM is supported (convert with e.g. `sox in.wav -e signed -b 16 out.wav`)")]
    UnsupportedFormat {
        /// The encoding found (`IEEE float, 32 bits`, `PCM, 24 bits`, ...).
        found: String,
    },
    /// The channel count in the header is 0.
    #[error("malformed WAV file: 0 channels")]
    NoChannels,
    /// The data chunk does not hold whole frames.
    #[error("malformed WAV file: {bytes} data bytes is not a whole number of {channels}-channel 16-bit frames")]
    PartialFrame {
        /// Size of the data chunk.
        bytes: usize,
        /// Channels.
        channels: u16,
    },
    /// Not the sample rate the front end needs.
    #[error("the WAV file is sampled at {found} Hz; the front end needs {expected} Hz (resample with e.g. `sox in.wav -r {expected} out.wav`)")]
    SampleRate {
        /// Rate of the file.
        found: u32,
        /// Rate needed.
        expected: u32,
    },
    /// Not mono.
    #[error(
        "the WAV file has {found} channels; the front end needs mono (mix down with e.g. `sox in.wav -c 1 out.wav`)"
    )]
    Channels {
        /// Channels of the file.
        found: u16,
    },
}

const WAVE_FORMAT_PCM: u16 = 1;
const WAVE_FORMAT_IEEE_FLOAT: u16 = 3;
const WAVE_FORMAT_EXTENSIBLE: u16 = 0xFFFE;

fn u16_at(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

fn need(bytes: &[u8], offset: usize, needed: u64, what: &'static str) -> Result<(), WavError> {
    if (offset as u64).saturating_add(needed) > bytes.len() as u64 {
        return Err(WavError::Truncated { what, needed, offset, len: bytes.len() });
    }
    Ok(())
}

/// Parses a 16-bit PCM WAV file of any rate and channel count.
pub fn parse(bytes: &[u8]) -> Result<Wav, WavError> {
    if bytes.is_empty() {
        return Err(WavError::Empty);
    }
    if bytes.len() < 12 || &bytes[0..4] != b"RIFF" || &bytes[8..12] != b"WAVE" {
        if bytes.len() >= 4 && &bytes[0..4] == b"RIFF" {
            need(bytes, 0, 12, "the RIFF header")?;
        }
        let head = &bytes[..bytes.len().min(12)];
        return Err(WavError::NotWav { found: String::from_utf8_lossy(head).into_owned() });
    }
    let mut format: Option<(u32, u16)> = None;
    let mut at = 12;
    while at < bytes.len() {
        need(bytes, at, 8, "a chunk header")?;
        let id = &bytes[at..at + 4];
        let size = u32_at(bytes, at + 4) as usize;
        let body = at + 8;
        match id {
            b"fmt " => {
                if size < 16 {
                    return Err(WavError::Truncated {
                        what: "the 'fmt ' chunk (declared shorter than 16 bytes)",
                        needed: 16,
                        offset: body,
                        len: size,
                    });
                }
                need(bytes, body, size as u64, "the 'fmt ' chunk")?;
                let mut tag = u16_at(bytes, body);
                let channels = u16_at(bytes, body + 2);
                let rate = u32_at(bytes, body + 4);
                let bits = u16_at(bytes, body + 14);
                if tag == WAVE_FORMAT_EXTENSIBLE && size >= 40 {
                    // The sub-format GUID starts with the plain format tag.
                    tag = u16_at(bytes, body + 24);
                }
                if tag != WAVE_FORMAT_PCM || bits != 16 {
                    let kind = match tag {
                        WAVE_FORMAT_PCM => "integer PCM".to_string(),
                        WAVE_FORMAT_IEEE_FLOAT => "IEEE float".to_string(),
                        6 => "A-law".to_string(),
                        7 => "mu-law".to_string(),
                        other => format!("format tag {other:#06x}"),
                    };
                    return Err(WavError::UnsupportedFormat { found: format!("{kind}, {bits} bits") });
                }
                if channels == 0 {
                    return Err(WavError::NoChannels);
                }
                format = Some((rate, channels));
            }
            b"data" => {
                let (sample_rate, channels) = format.ok_or(WavError::MissingFormat)?;
                need(bytes, body, size as u64, "the 'data' chunk")?;
                let data = &bytes[body..body + size];
                if !size.is_multiple_of(2 * channels as usize) {
                    return Err(WavError::PartialFrame { bytes: size, channels });
                }
                let samples = data.chunks_exact(2).map(|c| i16::from_le_bytes([c[0], c[1]])).collect();
                return Ok(Wav { sample_rate, channels, samples });
            }
            _ => need(bytes, body, size as u64, "a chunk")?,
        }
        // Chunks are padded to an even size.
        at = body + size + (size & 1);
    }
    Err(WavError::MissingData)
}

/// Parses a WAV file and checks that it is mono at `sample_rate` Hz.
pub fn parse_mono(bytes: &[u8], sample_rate: u32) -> Result<Vec<i16>, WavError> {
    let wav = parse(bytes)?;
    if wav.channels != 1 {
        return Err(WavError::Channels { found: wav.channels });
    }
    if wav.sample_rate != sample_rate {
        return Err(WavError::SampleRate { found: wav.sample_rate, expected: sample_rate });
    }
    Ok(wav.samples)
}

/// Reads a mono 16-bit PCM WAV file at `sample_rate` Hz (16,000 for the front ends).
pub fn read_mono(path: &Path, sample_rate: u32) -> Result<Vec<i16>, WavError> {
    let bytes = std::fs::read(path).map_err(|source| WavError::Io { path: path.display().to_string(), source })?;
    parse_mono(&bytes, sample_rate)
}

/// Encodes 16-bit PCM samples as a WAV file (for tests and tools).
pub fn write(sample_rate: u32, channels: u16, samples: &[i16]) -> Vec<u8> {
    let data_len = (samples.len() * 2) as u32;
    let mut b = Vec::with_capacity(44 + samples.len() * 2);
    b.extend_from_slice(b"RIFF");
    b.extend_from_slice(&(36 + data_len).to_le_bytes());
    b.extend_from_slice(b"WAVEfmt ");
    b.extend_from_slice(&16u32.to_le_bytes());
    b.extend_from_slice(&WAVE_FORMAT_PCM.to_le_bytes());
    b.extend_from_slice(&channels.to_le_bytes());
    b.extend_from_slice(&sample_rate.to_le_bytes());
    b.extend_from_slice(&(sample_rate * 2 * u32::from(channels)).to_le_bytes());
    b.extend_from_slice(&(2 * channels).to_le_bytes());
    b.extend_from_slice(&16u16.to_le_bytes());
    b.extend_from_slice(b"data");
    b.extend_from_slice(&data_len.to_le_bytes());
    for s in samples {
        b.extend_from_slice(&s.to_le_bytes());
    }
    b
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let bytes = write(16_000, 1, &[0, 1, -1, i16::MAX, i16::MIN]);
        assert_eq!(parse_mono(&bytes, 16_000).unwrap(), [0, 1, -1, i16::MAX, i16::MIN]);
    }

    #[test]
    fn skips_unknown_and_odd_sized_chunks() {
        let plain = write(16_000, 1, &[5, 6]);
        let mut b = plain[..12].to_vec();
        b.extend_from_slice(b"LIST");
        b.extend_from_slice(&3u32.to_le_bytes());
        b.extend_from_slice(b"abc\0"); // 3 bytes and the pad byte
        b.extend_from_slice(&plain[12..]);
        assert_eq!(parse_mono(&b, 16_000).unwrap(), [5, 6]);
    }

    #[test]
    fn wrong_rate_and_channels_say_what_to_do() {
        let e = parse_mono(&write(44_100, 1, &[0; 4]), 16_000).unwrap_err();
        assert!(matches!(e, WavError::SampleRate { found: 44_100, expected: 16_000 }), "{e}");
        assert!(e.to_string().contains("44100 Hz"), "{e}");
        let e = parse_mono(&write(16_000, 2, &[0; 4]), 16_000).unwrap_err();
        assert!(matches!(e, WavError::Channels { found: 2 }), "{e}");
    }

    #[test]
    fn other_sample_formats_are_rejected() {
        let mut float = write(16_000, 1, &[0; 4]);
        float[20..22].copy_from_slice(&WAVE_FORMAT_IEEE_FLOAT.to_le_bytes());
        float[34..36].copy_from_slice(&32u16.to_le_bytes());
        let e = parse(&float).unwrap_err();
        assert!(e.to_string().contains("IEEE float, 32 bits"), "{e}");
        let mut pcm8 = write(16_000, 1, &[0; 4]);
        pcm8[34..36].copy_from_slice(&8u16.to_le_bytes());
        assert!(parse(&pcm8).unwrap_err().to_string().contains("integer PCM, 8 bits"));
    }

    #[test]
    fn truncated_and_empty_files_never_panic() {
        assert!(matches!(parse(&[]), Err(WavError::Empty)));
        assert!(matches!(parse(b"hello world, not audio"), Err(WavError::NotWav { .. })));
        let full = write(16_000, 1, &[1, 2, 3, 4]);
        for cut in 1..full.len() {
            assert!(parse(&full[..cut]).is_err(), "cut at {cut} parsed");
        }
        // A data chunk claiming more bytes than the file has.
        let mut lying = full.clone();
        lying[40..44].copy_from_slice(&1000u32.to_le_bytes());
        assert!(matches!(parse(&lying), Err(WavError::Truncated { what: "the 'data' chunk", .. })));
        // Chunk sizes near u32::MAX must not overflow offsets.
        let mut huge = full[..12].to_vec();
        huge.extend_from_slice(b"junk");
        huge.extend_from_slice(&u32::MAX.to_le_bytes());
        assert!(matches!(parse(&huge), Err(WavError::Truncated { .. })));
        // Odd byte count in 16-bit data.
        let mut odd = write(16_000, 1, &[1, 2]);
        odd[40..44].copy_from_slice(&3u32.to_le_bytes());
        assert!(matches!(parse(&odd), Err(WavError::PartialFrame { .. })));
        // No data chunk.
        assert!(matches!(parse(&full[..36]), Err(WavError::MissingData)));
    }

    #[test]
    fn reads_the_shipped_wavs() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/data/tflite-micro");
        let path = dir.join("yes_1000ms.wav");
        assert_eq!(read_mono(&path, 16_000).unwrap().len(), 16_000);
    }
}
