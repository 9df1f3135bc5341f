//! The importer on malformed input: truncations of every shared model, random byte and
//! word mutations (proptest, fixed seed), files of other formats, and the committed
//! regression corpus (`tests/corpus/`). Import may succeed or fail, but must never
//! panic, and the memory it allocates stays proportional to the file (measured with a
//! counting allocator).
//!
//! A failing case is written to the system temp directory; copy it into `tests/corpus/`
//! so it stays a regression test.

use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::path::PathBuf;
use tinyml_compiler::tflite::{import, ImportError};

/// Counts live and peak heap bytes per thread (tests run on parallel threads).
struct Counting;

thread_local! {
    static LIVE: Cell<usize> = const { Cell::new(0) };
    static PEAK: Cell<usize> = const { Cell::new(0) };
}

fn note_alloc(n: usize) {
    let _ = LIVE.try_with(|l| {
        let now = l.get() + n;
        l.set(now);
        let _ = PEAK.try_with(|p| p.set(p.get().max(now)));
    });
}

fn note_free(n: usize) {
    let _ = LIVE.try_with(|l| l.set(l.get().saturating_sub(n)));
}

// SAFETY: forwards to the system allocator unchanged; only counts sizes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note_alloc(layout.size());
        // SAFETY: same contract as ours.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        note_free(layout.size());
        // SAFETY: same contract as ours.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note_free(layout.size());
        note_alloc(new_size);
        // SAFETY: same contract as ours.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Imports `bytes` and checks the peak allocation: a real model materializes about its
/// own size (tensor structs, copied weights), so 64 bytes per file byte plus 1 MiB is
/// far above any honest need and far below a "giant allocation".
fn import_checked(bytes: &[u8]) -> Result<(), ImportError> {
    let base = LIVE.with(Cell::get);
    PEAK.with(|p| p.set(base));
    let result = import(bytes).map(drop);
    let peak = PEAK.with(Cell::get) - base;
    let limit = 64 * bytes.len() + (1 << 20);
    assert!(peak <= limit, "importing {} bytes allocated {peak} bytes at peak (limit {limit})", bytes.len());
    result
}

fn models_dir() -> PathBuf {
    std::env::var_os("TINYML_MODELS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/data"))
}

fn models() -> Vec<(&'static str, Vec<u8>)> {
    [
        "mlperf-tiny/ad01_int8.tflite",
        "mlperf-tiny/kws_ref_model.tflite",
        "tflite-micro/audio_preprocessor_int8.tflite",
        "tflite-micro/hello_world_int8.tflite",
        "tflite-micro/micro_speech_quantized.tflite",
    ]
    .into_iter()
    .map(|rel| {
        let path = models_dir().join(rel);
        (
            rel,
            std::fs::read(&path)
                .unwrap_or_else(|e| panic!("cannot read {} (set TINYML_MODELS_DIR): {e}", path.display())),
        )
    })
    .collect()
}

/// Saves a failing input so it can be added to the corpus.
fn save_failure(name: &str, bytes: &[u8]) -> PathBuf {
    let path = std::env::temp_dir().join(format!("tinyml-import-failure-{name}.tflite"));
    std::fs::write(&path, bytes).unwrap();
    path
}

#[test]
fn shared_models_import_within_memory_bounds() {
    for (rel, bytes) in models() {
        import_checked(&bytes).unwrap_or_else(|e| panic!("{rel}: {e}"));
    }
}

#[test]
fn truncations_never_panic() {
    for (rel, bytes) in models() {
        let n = bytes.len();
        // Every length of the header region, then ~400 lengths spread over the file.
        let mut lengths: Vec<usize> = (0..n.min(600)).collect();
        lengths.extend((0..400).map(|k| k * n / 400));
        lengths.extend(n.saturating_sub(16)..n);
        let mut errors = 0;
        for &len in &lengths {
            let cut = &bytes[..len];
            let r = std::panic::catch_unwind(|| import_checked(cut));
            match r {
                Ok(Err(_)) => errors += 1,
                Ok(Ok(())) => {}
                Err(_) => {
                    panic!("{rel} truncated to {len} bytes: panicked (saved to {:?})", save_failure("truncated", cut))
                }
            }
        }
        // The weights sit near the end of these files, so nearly every cut breaks them.
        assert!(
            errors * 10 >= lengths.len() * 9,
            "{rel}: only {errors} of {} truncations were rejected",
            lengths.len()
        );
    }
}

#[test]
fn empty_and_tiny_files_are_too_short() {
    for len in 0..8 {
        assert!(matches!(import(&vec![0u8; len]), Err(ImportError::TooShort { .. })), "{len} bytes");
    }
}

#[test]
fn a_wav_file_is_not_a_model() {
    let wav = std::fs::read(models_dir().join("tflite-micro/yes_1000ms.wav")).unwrap();
    let err = import_checked(&wav).unwrap_err();
    assert!(matches!(err, ImportError::NotTflite { .. }), "{err}");
    assert!(err.to_string().contains("TFL3"), "{err}");
}

#[test]
fn wrong_identifier_is_rejected() {
    let (_, mut bytes) = models().swap_remove(3);
    bytes[4..8].copy_from_slice(b"CIR0");
    let err = import_checked(&bytes).unwrap_err();
    assert!(matches!(err, ImportError::NotTflite { found } if &found == b"CIR0"), "{err}");
}

#[test]
fn wrong_schema_version_is_rejected() {
    let (_, bytes) = models().swap_remove(3);
    // hello_world's root table: version is field 0; find it through the vtable.
    let root = u32::from_le_bytes(bytes[0..4].try_into().unwrap()) as usize;
    let vt = (root as i64 - i32::from_le_bytes(bytes[root..root + 4].try_into().unwrap()) as i64) as usize;
    let off = u16::from_le_bytes(bytes[vt + 4..vt + 6].try_into().unwrap()) as usize;
    assert_ne!(off, 0, "hello_world stores its version");
    let mut b = bytes.clone();
    b[root + off..root + off + 4].copy_from_slice(&2u32.to_le_bytes());
    assert!(matches!(import_checked(&b), Err(ImportError::UnsupportedVersion { found: 2 })));
}

/// A mutation: overwrite bytes, or a 4-byte word with a value likely to matter to an
/// offset or a length.
#[derive(Clone, Debug)]
enum Mutation {
    Byte { at: usize, value: u8 },
    Word { at: usize, value: u32 },
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let word = prop_oneof![
        Just(0u32),
        Just(1),
        Just(u32::MAX),
        Just(i32::MAX as u32),
        Just(i32::MIN as u32),
        0u32..256,
        0u32..200_000,
        any::<u32>(),
    ];
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(at, value)| Mutation::Byte { at, value }),
        (any::<usize>(), word).prop_map(|(at, value)| Mutation::Word { at, value }),
    ]
}

fn apply(bytes: &mut [u8], m: &Mutation) {
    let n = bytes.len();
    match *m {
        Mutation::Byte { at, value } => bytes[at % n] = value,
        Mutation::Word { at, value } => {
            let at = (at % (n / 4)) * 4; // flatbuffer scalars are aligned
            bytes[at..at + 4].copy_from_slice(&value.to_le_bytes());
        }
    }
}

/// `cases`, times `$TINYML_FUZZ_SCALE` (default 1) for longer campaigns, e.g.
/// `TINYML_FUZZ_SCALE=200 cargo test --release --test import_fuzz`.
fn runner(seed: u8, cases: u32) -> TestRunner {
    let scale: u32 = std::env::var("TINYML_FUZZ_SCALE").ok().and_then(|s| s.parse().ok()).unwrap_or(1);
    let cases = cases.saturating_mul(scale);
    let config = Config { cases, failure_persistence: None, ..Config::default() };
    TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &[seed; 32]))
}

#[test]
fn mutated_models_never_panic() {
    for (i, (rel, bytes)) in models().into_iter().enumerate() {
        // Fewer cases for the big models keeps the test under a few seconds in debug.
        let cases = if bytes.len() > 100_000 { 400 } else { 2000 };
        let mut runner = runner(i as u8 + 1, cases);
        let result = runner.run(&proptest::collection::vec(mutation(), 1..8), |ms| {
            let mut b = bytes.clone();
            for m in &ms {
                apply(&mut b, m);
            }
            let _ = import_checked(&b);
            Ok(())
        });
        if let Err(e) = result {
            panic!("{rel}: {e}");
        }
    }
}

#[test]
fn random_bytes_never_panic() {
    let mut runner = runner(99, 2000);
    let header = prop_oneof![Just(b"TFL3".to_vec()), proptest::collection::vec(any::<u8>(), 4)];
    let strategy = (any::<u32>(), header, proptest::collection::vec(any::<u8>(), 0..512));
    let result = runner.run(&strategy, |(root, id, rest)| {
        let mut b = (root % 512).to_le_bytes().to_vec();
        b.extend(id);
        b.extend(rest);
        let _ = import_checked(&b);
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}

/// Every file in `tests/corpus/` (inputs that once crashed or were crafted to be
/// hostile): import must not panic or over-allocate.
#[test]
fn corpus_regressions() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let mut count = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "md") {
            continue;
        }
        let bytes = std::fs::read(&path).unwrap();
        if let Err(p) = std::panic::catch_unwind(|| import_checked(&bytes)) {
            std::panic::resume_unwind(Box::new(format!("{}: {p:?}", path.display())));
        }
        count += 1;
    }
    assert!(count > 0, "the corpus in {} is empty", dir.display());
}
