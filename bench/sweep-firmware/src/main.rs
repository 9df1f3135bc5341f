//! Shape-sweep firmware: each single-layer model of the batch compiled in by `build.rs`
//! runs once over one shared arena, timed with SysTick, its output hash checked against
//! the host run; before them, the calibration loop of `../firmware` so the runner can
//! check how many emulated instructions one tick is.
//!
//! Prints lines the runner parses:
//! `sweep: calib_ticks=<n> calib_insns=<n> cells=<n>`, then per cell
//! `sweep: cell=<k> ticks=<n> macs=<n> arena=<bytes> check=<ok|FAIL>`, then `sweep: done`.
#![no_std]
#![no_main]

use tinyml_firmware::println;
use tinyml_runtime::arena::{self, Arena, Place};

#[path = "../../firmware/src/calibrate.rs"]
mod calibrate;
mod check;

/// One cell: its model's `invoke` over the shared arena, where its inputs and output are,
/// and what the host run says.
pub struct Cell {
    invoke: fn(&mut SharedArena) -> Result<(), tinyml_runtime::Error>,
    inputs: &'static [Place],
    output: Place,
    arena: usize,
    macs: u64,
    expected: u32,
}

/// A cell of model module `$m` with input places `$inputs` and expected output hash `$hash`.
macro_rules! cell {
    ($m:ident, [$($input:expr),*], $hash:expr) => {
        Cell {
            invoke: |a| $m::invoke(shrink(a)),
            inputs: &[$($input),*],
            output: $m::OUTPUT0,
            arena: $m::ARENA_BYTES,
            macs: $m::MACS,
            expected: $hash,
        }
    };
}

include!(concat!(env!("OUT_DIR"), "/cells.rs"));

type SharedArena = Arena<MAX_ARENA>;

/// The shared arena viewed as a smaller model's arena.
fn shrink<const N: usize>(a: &mut SharedArena) -> &mut Arena<N> {
    assert!(N <= MAX_ARENA);
    // SAFETY: `Arena<N>` is `repr(C, align(16))` around `[u8; N]`, so an `Arena<N>` with
    // N <= MAX_ARENA fits at the start of the (equally aligned) shared one, and the
    // exclusive borrow passes on.
    unsafe { &mut *(a as *mut SharedArena).cast::<Arena<N>>() }
}

static mut ARENA: SharedArena = Arena::new();

#[cortex_m_rt::entry]
fn main() -> ! {
    tinyml_firmware::init();
    let calib_ticks = calibrate::ticks();
    println!("sweep: calib_ticks={} calib_insns={} cells={}", calib_ticks, calibrate::INSNS, CELLS.len());
    // SAFETY: the only reference ever taken to ARENA; no interrupt handler uses it.
    let shared = unsafe { &mut *core::ptr::addr_of_mut!(ARENA) };
    let mut failed = false;
    for (k, cell) in CELLS.iter().enumerate() {
        // Each cell starts from a zeroed arena, as the host run does.
        shared.bytes_mut()[..cell.arena].fill(0);
        let mut stream = check::TestInput::new();
        for &place in cell.inputs {
            let input = arena::inplace::<u8>(shared.bytes_mut(), place).expect("planned input");
            input.iter_mut().for_each(|b| *b = stream.next_byte());
        }
        tinyml_firmware::timer::start();
        let result = (cell.invoke)(shared);
        let ticks = tinyml_firmware::timer::now();
        if let Err(e) = result {
            println!("sweep: cell={} inference failed: {}", k, e);
            failed = true;
            continue;
        }
        let out = arena::view::<u8>(shared.bytes(), cell.output).expect("planned output");
        let ok = check::fnv1a(out) == cell.expected;
        failed |= !ok;
        println!(
            "sweep: cell={} ticks={} macs={} arena={} check={}",
            k,
            ticks,
            cell.macs,
            cell.arena,
            if ok { "ok" } else { "FAIL" }
        );
    }
    println!("sweep: done");
    tinyml_firmware::exit(if failed { 2 } else { 0 })
}
