//! The calibration loop: a known number of emulated instructions timed with SysTick, so
//! the runner can check how many instructions one tick is on each board. Shared with
//! `../microflow-firmware` (by `#[path]`), so every bench variant is calibrated alike.

/// Iterations of the calibration loop; two instructions each (`subs`, `bne`).
pub const ITERS: u32 = 1_000_000;

/// Emulated instructions the loop runs.
pub const INSNS: u32 = 2 * ITERS;

/// Runs `subs`/`bne` `ITERS` times and returns the SysTick ticks it took.
pub fn ticks() -> u64 {
    tinyml_firmware::timer::start();
    let mut n = ITERS;
    // SAFETY: a register-only countdown loop; touches no memory and no stack.
    unsafe {
        core::arch::asm!("2:", "subs {n}, {n}, #1", "bne 2b", n = inout(reg) n, options(nomem, nostack));
    }
    core::hint::black_box(n);
    tinyml_firmware::timer::now()
}
