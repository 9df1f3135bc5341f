//! Per-layer profiling for `cargo tinyml profile` (feature `profile`).
//!
//! [`run`] paints the stack, registers layer hooks with `tinyml_runtime::profile`, runs
//! the inference `RUNS` times, and reports over the board's output channel (semihosting
//! under QEMU, RTT on hardware) in the versioned record format of
//! `tinyml_runtime::profile::record`, one hex line per record. Layer times are buffered
//! during an inference and sent after it, so the transport never falls inside a
//! measured span.
//!
//! The timer is the crate's [`timer`](crate::timer): SysTick under QEMU (with
//! `-icount shift=0` its ticks are a deterministic count of emulated instructions) or
//! DWT CYCCNT on hardware (core cycles). Spans are computed modulo 2^32 ticks, so one
//! layer must take fewer than 2^32 ticks.
//!
//! `RUNS` is `TINYML_PROFILE_RUNS` at build time (default 3, at most 65535), which
//! `cargo tinyml profile --runs N` sets.

use crate::stack;
use core::sync::atomic::{AtomicU32, Ordering};
use tinyml_runtime::profile::record::{self, Encoded, Timer, LINE_MAX};
use tinyml_runtime::profile::{set_hooks, Hooks};

/// Most layers a profiled model may have (the per-layer buffer; 4 bytes each).
pub const MAX_LAYERS: usize = 512;

/// Inferences per profile: `TINYML_PROFILE_RUNS` at build time, default 3.
pub const RUNS: u16 = parse_runs(option_env!("TINYML_PROFILE_RUNS"));

const fn parse_runs(s: Option<&str>) -> u16 {
    let Some(s) = s else { return 3 };
    let b = s.as_bytes();
    let mut i = 0;
    let mut n: u32 = 0;
    while i < b.len() {
        assert!(b[i].is_ascii_digit(), "TINYML_PROFILE_RUNS must be a number");
        n = n * 10 + (b[i] - b'0') as u32;
        assert!(n <= u16::MAX as u32, "TINYML_PROFILE_RUNS must be at most 65535");
        i += 1;
    }
    assert!(n > 0, "TINYML_PROFILE_RUNS must be at least 1");
    n as u16
}

#[cfg(feature = "systick")]
const TIMER: Timer = Timer::SysTick;
#[cfg(feature = "dwt")]
const TIMER: Timer = Timer::Dwt;

static LAYER_START: AtomicU32 = AtomicU32::new(0);
static LAYER_TICKS: [AtomicU32; MAX_LAYERS] = [const { AtomicU32::new(0) }; MAX_LAYERS];

fn now() -> u32 {
    crate::timer::now() as u32
}

fn layer_start(_index: u16) {
    LAYER_START.store(now(), Ordering::Relaxed);
}

fn layer_end(index: u16) {
    let ticks = now().wrapping_sub(LAYER_START.load(Ordering::Relaxed));
    if let Some(slot) = LAYER_TICKS.get(index as usize) {
        slot.store(ticks, Ordering::Relaxed);
    }
}

static HOOKS: Hooks = Hooks { layer_start, layer_end };

fn send(r: Encoded) {
    let mut line = [0u8; LINE_MAX];
    crate::io::write_bytes(r.hex_line(&mut line));
}

/// FNV-1a of `values`' bytes in memory (for the output checksum). `T` must be a plain
/// number type (i8, u8, i16, i32, f32): no padding bytes.
pub fn checksum<T: Copy>(values: &[T]) -> u32 {
    // SAFETY: any initialized `T` without padding may be read as bytes; the length is the
    // slice's size in bytes.
    let bytes = unsafe { core::slice::from_raw_parts(values.as_ptr().cast::<u8>(), core::mem::size_of_val(values)) };
    record::fnv1a32(bytes)
}

/// Profiles a model of `layers` layers: runs `infer` [`RUNS`] times (it fills the input,
/// invokes the model and returns [`checksum`] of the output), reports, and exits with
/// code 0 (1 if an inference failed, after reporting what ran). It never returns; its
/// type says `()` so that the code after a `#[cfg(feature = "profile")]` call to it is not
/// flagged as unreachable.
pub fn run<E: core::fmt::Display>(layers: usize, mut infer: impl FnMut(u16) -> Result<u32, E>) {
    if layers > MAX_LAYERS {
        crate::println!("tinyml: profile: the model has {} layers, the profiler holds {}", layers, MAX_LAYERS);
        crate::exit(1);
    }
    stack::paint();
    crate::timer::start();
    set_hooks(&HOOKS);
    send(record::header());
    send(record::begin(layers as u16, TIMER, RUNS));
    let mut records: u16 = 1;
    for run in 0..RUNS {
        let t0 = now();
        let result = infer(run);
        let total = now().wrapping_sub(t0);
        let sum = match result {
            Ok(sum) => sum,
            Err(e) => {
                crate::println!("tinyml: profile: inference {} failed: {}", run, e);
                crate::exit(1);
            }
        };
        for (i, slot) in LAYER_TICKS.iter().take(layers).enumerate() {
            send(record::layer(run, i as u16, slot.load(Ordering::Relaxed)));
        }
        send(record::inference(run, total));
        send(record::checksum(run, sum));
        records = records.wrapping_add(layers as u16 + 2);
    }
    send(record::stack(stack::high_water() as u32));
    send(record::end(records + 1));
    crate::exit(0)
}
