//! Front-end cost per 20 ms hop on a board: micro_speech, MFCC f32, MFCC fixed point
//! (the figures in docs/audio.md). Not built by the workspace; to run it:
//!
//!   cargo tinyml new fe --board mps3-an547
//!   cp tools/audio/bench_frontends.rs fe/src/main.rs
//!   cp tests/data/tflite-micro/yes_1000ms.wav fe/
//!   (cd fe && cargo add tinyml-audio --path ../audio)
//!   cd fe && cargo tinyml run --release
//!
//! SysTick ticks; under QEMU -icount shift=0 one tick is 1e9 / systick_hz emulated
//! instructions (31.25 on mps3-an547, 50 on mps2-an505, 40 on mps2-an386).
#![no_std]
#![no_main]

use tinyml_firmware::{println, timer};
use tinyml_audio::mfcc::{MfccF32, MfccFixed, MEL_BANDS, MFCC_COEFFS};
use tinyml_audio::{MicroFrontend, FEATURES};

static WAV: &[u8] = include_bytes!("../yes_1000ms.wav");
static mut MICRO: MicroFrontend = MicroFrontend::new();
static mut MF: MfccF32 = MfccF32::new();
static mut MQ: MfccFixed = MfccFixed::new();

fn frame(i: usize) -> [i16; 480] {
    let pcm = &WAV[44..];
    core::array::from_fn(|k| {
        let j = 2 * (i * 320 + k);
        i16::from_le_bytes([pcm[j], pcm[j + 1]])
    })
}

#[cortex_m_rt::entry]
fn main() -> ! {
    tinyml_firmware::init();
    timer::start();
    let (micro, mf, mq) = unsafe {
        (&mut *core::ptr::addr_of_mut!(MICRO), &mut *core::ptr::addr_of_mut!(MF), &mut *core::ptr::addr_of_mut!(MQ))
    };
    let frames: usize = 49;
    let (mut t_micro, mut t_f, mut t_q) = (0u64, 0u64, 0u64);
    let mut check = 0i64;
    for i in 0..frames {
        let f = frame(i);
        let mut out = [0i8; FEATURES];
        let t = timer::now();
        micro.process_frame(&f, &mut out);
        t_micro += timer::now() - t;
        let (mut lm, mut c) = ([0f32; MEL_BANDS], [0f32; MFCC_COEFFS]);
        let t = timer::now();
        mf.process_frame(&f, &mut lm, &mut c);
        t_f += timer::now() - t;
        let (mut lq, mut cq) = ([0i32; MEL_BANDS], [0i32; MFCC_COEFFS]);
        let t = timer::now();
        mq.process_frame(&f, &mut lq, &mut cq);
        t_q += timer::now() - t;
        check += i64::from(out[0]) + (c[0] * 1000.0) as i64 + i64::from(cq[0] >> 10);
    }
    println!(
        "frontends: {} frames; ticks per frame: micro_speech {}, mfcc f32 {}, mfcc fixed {} (check {})",
        frames,
        t_micro / frames as u64,
        t_f / frames as u64,
        t_q / frames as u64,
        check
    );
    println!(
        "sizes: MicroFrontend {} B, MfccF32 {} B, MfccFixed {} B",
        core::mem::size_of::<MicroFrontend>(),
        core::mem::size_of::<MfccF32>(),
        core::mem::size_of::<MfccFixed>()
    );
    tinyml_firmware::exit(0)
}
