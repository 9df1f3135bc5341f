//! Benchmark firmware for `microflow`: one timed int8 inference of the model that
//! `build.rs` hands to microflow's `#[model]` macro, on the same test input as the other
//! bench variants, its output compared with the host run of cargo-tinyml's reference
//! kernels (which is bit-exact with TFLM), and the shared calibration loop.
//!
//! Prints one line the runner parses:
//! `bench: ticks=<n> calib_ticks=<n> calib_insns=<n> stack=<bytes> macs=<n> check=<ok|FAIL> max_abs_diff=<n>`
#![no_std]
#![no_main]

use tinyml_firmware::println;

// microflow's macro also generates `predict`/`predict_quantized`; the glue's index
// arithmetic has literal shapes (`* 1`, `0 * ...`) on purpose, one formula for all models.
#[allow(dead_code, clippy::identity_op, clippy::erasing_op)]
mod model {
    include!(concat!(env!("OUT_DIR"), "/microflow_model.rs"));
}

#[path = "../../firmware/src/calibrate.rs"]
mod calibrate;

#[cortex_m_rt::entry]
fn main() -> ! {
    tinyml_firmware::init();
    let calib_ticks = calibrate::ticks();
    // Built before timing: the other variants also start with the input in place.
    let input = core::hint::black_box(model::input());
    tinyml_firmware::stack::paint();
    tinyml_firmware::timer::start();
    let output = model::predict(input);
    let ticks = tinyml_firmware::timer::now();
    let stack = tinyml_firmware::stack::high_water();
    let out = model::output_bytes(&output);
    let max_abs_diff =
        out.iter().zip(model::EXPECTED.iter()).map(|(&a, &b)| (i16::from(a) - i16::from(b)).abs()).max().unwrap_or(0);
    let ok = max_abs_diff == 0;
    println!(
        "bench: ticks={} calib_ticks={} calib_insns={} stack={} macs={} check={} max_abs_diff={}",
        ticks,
        calib_ticks,
        calibrate::INSNS,
        stack,
        model::MACS,
        if ok { "ok" } else { "FAIL" },
        max_abs_diff
    );
    if !ok {
        println!("bench: output   {:?}", &out[..]);
        println!("bench: expected {:?}", &model::EXPECTED[..]);
    }
    tinyml_firmware::exit(if ok { 0 } else { 2 })
}
