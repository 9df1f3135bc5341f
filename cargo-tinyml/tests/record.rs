//! The profile record format: round trip through the device encoder and the host
//! decoder, a frozen version-1 stream, and damaged input (truncated, corrupted, foreign)
//! that must give a clear error and never panic.

use cargo_tinyml::profiling::record::{decode, decode_text, extract, DecodeError, Run, Timer};
use tinyml_runtime::profile::record as enc;

/// A stream as the firmware writes it: 2 runs of a 3-layer model.
fn stream() -> Vec<u8> {
    let mut recs = vec![enc::begin(3, enc::Timer::SysTick, 2)];
    for run in 0..2u16 {
        for layer in 0..3u16 {
            recs.push(enc::layer(run, layer, 10 * u32::from(layer) + 7));
        }
        recs.push(enc::inference(run, 60));
        recs.push(enc::checksum(run, 0xDEAD_BEEF));
    }
    recs.push(enc::stack(1234));
    let n = recs.len() as u16;
    recs.push(enc::end(n));
    let mut bytes = enc::header().as_bytes().to_vec();
    for r in &recs {
        bytes.extend_from_slice(r.as_bytes());
    }
    bytes
}

fn as_text(bytes: &[u8]) -> String {
    let mut text = String::from("hello from the firmware\n");
    for chunk in bytes.chunks(7) {
        text.push_str(enc::LINE_PREFIX);
        for b in chunk {
            text.push_str(&format!("{b:02x}"));
        }
        text.push('\n');
    }
    text.push_str("bye\n");
    text
}

#[test]
fn round_trip() {
    let p = decode(&stream()).unwrap();
    assert_eq!(p.version, 1);
    assert_eq!(p.timer, Timer::SysTick);
    assert_eq!(p.layers, 3);
    assert_eq!(p.stack_bytes, Some(1234));
    let run = Run { layer_ticks: vec![7, 17, 27], total_ticks: 60, checksum: Some(0xDEAD_BEEF) };
    assert_eq!(p.runs, vec![run.clone(), run]);
}

#[test]
fn round_trip_through_text_lines() {
    let text = as_text(&stream());
    assert_eq!(extract(&text).unwrap(), stream());
    assert_eq!(decode_text(&text).unwrap(), decode(&stream()).unwrap());
}

#[test]
fn device_hex_line_is_what_the_host_reads() {
    let mut buf = [0u8; enc::LINE_MAX];
    let mut text = String::new();
    text.push_str(std::str::from_utf8(enc::header().hex_line(&mut buf)).unwrap());
    text.push_str(std::str::from_utf8(enc::begin(0, enc::Timer::Dwt, 0).hex_line(&mut buf)).unwrap());
    text.push_str(std::str::from_utf8(enc::end(1).hex_line(&mut buf)).unwrap());
    let p = decode_text(&text).unwrap();
    assert_eq!((p.timer, p.layers, p.runs.len()), (Timer::Dwt, 0, 0));
}

/// Version compatibility: these bytes are a version-1 stream frozen when the format was
/// defined. If the encoder changes them the format changed: bump `VERSION` and keep a
/// decoder for version 1, or keep the bytes.
#[test]
fn frozen_version_1_stream_still_decodes() {
    const V1: &str = "544d4c5001\
                      010502000001001c7d\
                      0208000000000a000000e77e\
                      02080000010014000000ba82\
                      0306000023000000fcf4\
                      04060000785634128c4f\
                      050400080000b66d\
                      060206009f67";
    let bytes: Vec<u8> = (0..V1.len()).step_by(2).map(|i| u8::from_str_radix(&V1[i..i + 2], 16).unwrap()).collect();
    let mut now = enc::header().as_bytes().to_vec();
    for r in [
        enc::begin(2, enc::Timer::SysTick, 1),
        enc::layer(0, 0, 10),
        enc::layer(0, 1, 20),
        enc::inference(0, 35),
        enc::checksum(0, 0x1234_5678),
        enc::stack(2048),
        enc::end(6),
    ] {
        now.extend_from_slice(r.as_bytes());
    }
    assert_eq!(bytes, now, "the encoder no longer writes version-1 bytes");
    let p = decode(&bytes).unwrap();
    assert_eq!(p.runs[0], Run { layer_ticks: vec![10, 20], total_ticks: 35, checksum: Some(0x1234_5678) });
    assert_eq!(p.stack_bytes, Some(2048));
}

#[test]
fn newer_version_is_refused_clearly() {
    let mut s = stream();
    s[4] = 2;
    let e = decode(&s).unwrap_err();
    assert_eq!(e, DecodeError::UnsupportedVersion { found: 2 });
    assert!(e.to_string().contains("version 2 is not supported"), "{e}");
}

#[test]
fn unknown_record_kinds_are_skipped() {
    // A future firmware adds tag 0x40 in version 1: an old decoder skips it.
    let mut s = enc::header().as_bytes().to_vec();
    s.extend_from_slice(enc::begin(0, enc::Timer::SysTick, 0).as_bytes());
    let mut extra = vec![0x40, 3, 1, 2, 3];
    let crc = enc::crc16(&extra);
    extra.extend_from_slice(&crc.to_le_bytes());
    s.extend_from_slice(&extra);
    s.extend_from_slice(enc::end(2).as_bytes());
    assert!(decode(&s).is_ok());
}

#[test]
fn every_truncation_is_an_error_not_a_panic() {
    let s = stream();
    for cut in 0..s.len() {
        let e = decode(&s[..cut]).expect_err("a cut stream must not decode");
        assert!(
            matches!(e, DecodeError::BadMagic { .. } | DecodeError::Truncated { .. } | DecodeError::MissingEnd { .. }),
            "cut at {cut}: {e:?}"
        );
    }
}

#[test]
fn every_single_bit_flip_is_detected() {
    let s = stream();
    for i in 0..s.len() {
        for bit in 0..8 {
            let mut c = s.clone();
            c[i] ^= 1 << bit;
            // Never panics; almost always an error. A flip in a length byte may make
            // a record swallow the next, still caught by CRC or END.
            assert!(decode(&c).is_err(), "flip of bit {bit} at byte {i} went unnoticed");
        }
    }
}

#[test]
fn corrupted_record_names_offset_and_tag() {
    let mut s = stream();
    s[5 + 2] ^= 0xFF; // first payload byte of BEGIN
    let e = decode(&s).unwrap_err();
    assert!(matches!(e, DecodeError::BadCrc { offset: 5, tag: 1, .. }), "{e:?}");
    assert!(e.to_string().contains("byte 5 (tag 1) is corrupted"), "{e}");
}

#[test]
fn lost_record_is_reported() {
    let mut s = enc::header().as_bytes().to_vec();
    s.extend_from_slice(enc::begin(1, enc::Timer::SysTick, 1).as_bytes());
    s.extend_from_slice(enc::inference(0, 5).as_bytes());
    s.extend_from_slice(enc::end(3).as_bytes()); // the LAYER record went missing
    assert_eq!(decode(&s).unwrap_err(), DecodeError::Lost { expected: 3, received: 2 });
}

#[test]
fn missing_layer_is_reported() {
    let mut s = enc::header().as_bytes().to_vec();
    s.extend_from_slice(enc::begin(2, enc::Timer::SysTick, 1).as_bytes());
    s.extend_from_slice(enc::layer(0, 0, 1).as_bytes());
    s.extend_from_slice(enc::inference(0, 5).as_bytes());
    s.extend_from_slice(enc::end(3).as_bytes());
    let e = decode(&s).unwrap_err();
    assert!(e.to_string().contains("run 0 has no record for layer 1"), "{e}");
}

#[test]
fn out_of_range_and_out_of_order() {
    let mut s = enc::header().as_bytes().to_vec();
    s.extend_from_slice(enc::layer(0, 0, 1).as_bytes());
    assert!(matches!(decode(&s).unwrap_err(), DecodeError::OutOfOrder { offset: 5, .. }));
    let mut s = enc::header().as_bytes().to_vec();
    s.extend_from_slice(enc::begin(1, enc::Timer::SysTick, 1).as_bytes());
    s.extend_from_slice(enc::layer(0, 9, 1).as_bytes());
    assert!(matches!(decode(&s).unwrap_err(), DecodeError::OutOfRange { layer: 9, .. }));
}

#[test]
fn foreign_and_empty_input() {
    assert_eq!(decode_text("just the firmware talking\n").unwrap_err(), DecodeError::NoRecords);
    assert!(matches!(decode(b"ELF\x7f...").unwrap_err(), DecodeError::BadMagic { .. }));
    assert!(matches!(decode(&[]).unwrap_err(), DecodeError::BadMagic { .. }));
    let e = decode_text(&format!("{}54zz\n", enc::LINE_PREFIX)).unwrap_err();
    assert!(matches!(e, DecodeError::BadHex { line: 1, .. }), "{e:?}");
    let e = decode_text(&format!("{}545\n", enc::LINE_PREFIX)).unwrap_err();
    assert!(matches!(e, DecodeError::BadHex { .. }), "{e:?}");
}
