//! On-target property tests: every optimized kernel against its reference kernel, byte
//! for byte, over randomized cases run on the emulated core, so that the inline assembly
//! the board's CPU selects (Helium on Cortex-M55, the DSP extension on Cortex-M33/M4) is
//! what runs. One module per kernel in `kernels/` draws a case, runs both and compares.
//!
//! Output (semihosting): a header with the seed, one line per kernel with its counts,
//! then `target-tests: ok` and exit code 0; or, at the first difference, a `MISMATCH`
//! report (see `check`) and exit code 1.
#![no_std]
#![no_main]

mod buffers;
mod check;
mod config;
mod kernels;
mod params;
mod rng;

use tinyml_firmware::println;

/// What a case did.
pub enum Outcome {
    /// The optimized kernel ran and its results equal the reference.
    Checked,
    /// The optimized kernel declined the shape (the public kernel then runs the
    /// reference) and left its output untouched.
    Declined,
}

/// One kernel's case runner: draws case `case.index` from `rng` and checks it.
type Run = fn(&mut buffers::Buffers, &mut rng::Rng, check::Case) -> Outcome;

/// Every kernel, in run order: the primitives first, so that a broken primitive is
/// reported as itself rather than through a kernel built on it.
const KERNELS: &[(&str, Run)] = &[
    ("dot4", kernels::simd::dot4),
    ("requantize", kernels::simd::requantize),
    ("dot4_requantize", kernels::simd::dot4_requantize),
    ("dot4_requantize_tensor", kernels::simd::dot4_requantize_tensor),
    ("dot4_bias", kernels::simd::dot4_bias),
    ("dot4_strided", kernels::simd::dot4_strided),
    ("mul_high_rounded", kernels::simd::mul_high_rounded),
    ("conv", kernels::conv::run),
    ("depthwise_conv", kernels::depthwise_conv::run),
    ("fully_connected", kernels::fully_connected::run),
    ("transpose_conv", kernels::transpose_conv::run),
    ("average_pool", kernels::pooling::average),
    ("max_pool", kernels::pooling::max),
    ("add", kernels::add::run),
    ("add_table", kernels::add::run_table),
    ("mul", kernels::mul::run),
    ("activation_table", kernels::activation::run),
];

#[cortex_m_rt::entry]
fn main() -> ! {
    tinyml_firmware::init();
    let bufs = buffers::take();
    println!("target-tests: seed={:#018x} cases={} per kernel", config::SEED, config::CASES);
    let mut total = 0u32;
    for (id, &(kernel, run)) in KERNELS.iter().enumerate() {
        let (mut checked, mut declined) = (0u32, 0u32);
        for index in 0..config::CASES {
            let mut rng = rng::Rng::for_case(config::SEED, id as u32, index);
            match run(bufs, &mut rng, check::Case { kernel, index, seed: config::SEED }) {
                Outcome::Checked => checked += 1,
                Outcome::Declined => declined += 1,
            }
        }
        println!("target-tests: {} checked={} declined={}", kernel, checked, declined);
        total += checked;
    }
    println!("target-tests: ok {} cases checked", total);
    tinyml_firmware::exit(0)
}
