//! Benchmark firmware: one timed inference of the model compiled in by `build.rs`, its
//! output checked against the host run, and a calibration loop of a known instruction
//! count so the runner can check how many emulated instructions one SysTick tick is.
//!
//! Prints one line the runner parses:
//! `bench: ticks=<n> calib_ticks=<n> calib_insns=<n> arena=<bytes> macs=<n> check=<ok|FAIL>`
#![no_std]
#![no_main]

use tinyml_firmware::println;

#[allow(dead_code)] // the generated module defines more than the benchmark uses
mod model {
    include!(concat!(env!("OUT_DIR"), "/model.rs"));
}

mod expected {
    include!(concat!(env!("OUT_DIR"), "/expected.rs"));
}

mod calibrate;

static mut ARENA: model::ModelArena = model::ModelArena::new();

/// Per-layer ticks (feature `layers`).
#[cfg(feature = "layers")]
mod layers {
    use core::sync::atomic::{AtomicU32, Ordering};

    pub static START: AtomicU32 = AtomicU32::new(0);
    pub static TICKS: [AtomicU32; super::model::LAYERS.len()] =
        [const { AtomicU32::new(0) }; super::model::LAYERS.len()];
    pub static HOOKS: tinyml_runtime::profile::Hooks =
        tinyml_runtime::profile::Hooks { layer_start: start, layer_end: end };

    fn start(_: u16) {
        START.store(tinyml_firmware::timer::now() as u32, Ordering::Relaxed);
    }

    fn end(i: u16) {
        let t = (tinyml_firmware::timer::now() as u32).wrapping_sub(START.load(Ordering::Relaxed));
        TICKS[i as usize].store(t, Ordering::Relaxed);
    }
}

#[cortex_m_rt::entry]
fn main() -> ! {
    tinyml_firmware::init();
    let calib_ticks = calibrate::ticks();
    // SAFETY: the only reference ever taken to ARENA; no interrupt handler uses it.
    let arena = unsafe { &mut *core::ptr::addr_of_mut!(ARENA) };
    // Recurrent state (LSTM, SVDF) in its initial state; nothing for other models.
    model::reset(arena);
    model::input_mut(arena).copy_from_slice(&model::TEST_INPUT0);
    #[cfg(feature = "layers")]
    tinyml_runtime::profile::set_hooks(&layers::HOOKS);
    tinyml_firmware::timer::start();
    let result = model::invoke(arena);
    let ticks = tinyml_firmware::timer::now();
    if let Err(e) = result {
        println!("bench: inference failed: {}", e);
        tinyml_firmware::exit(1);
    }
    let out = model::output(arena);
    // SAFETY: `out` is a valid slice of plain integers or floats; viewing its bytes is
    // always valid (u8 has no alignment or validity requirements).
    let bytes = unsafe { core::slice::from_raw_parts(out.as_ptr().cast::<u8>(), core::mem::size_of_val(out)) };
    let ok = bytes == &expected::EXPECTED0[..] && core::mem::size_of_val(&out[0]) == expected::OUTPUT0_ELEM_BYTES;
    println!(
        "bench: ticks={} calib_ticks={} calib_insns={} arena={} macs={} check={}",
        ticks,
        calib_ticks,
        calibrate::INSNS,
        model::ARENA_BYTES,
        model::MACS,
        if ok { "ok" } else { "FAIL" }
    );
    #[cfg(feature = "layers")]
    for (i, t) in layers::TICKS.iter().enumerate() {
        println!("bench: layer {} {} ticks={}", i, model::LAYERS[i], t.load(core::sync::atomic::Ordering::Relaxed));
    }
    if !ok {
        println!("bench: output   {:?}", bytes);
        println!("bench: expected {:?}", &expected::EXPECTED0[..]);
    }
    tinyml_firmware::exit(if ok { 0 } else { 2 })
}
