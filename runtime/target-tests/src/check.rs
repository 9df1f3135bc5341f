//! Comparison of an optimized result with the reference: on the first difference, the
//! kernel, the case (seed, index, parameters) and the first differing index are printed
//! and the firmware exits with code 1, so the host test fails with everything needed to
//! replay the case.

use core::fmt::Debug;
use tinyml_firmware::println;

/// Which case is being checked.
#[derive(Clone, Copy)]
pub struct Case {
    /// Kernel name, as printed.
    pub kernel: &'static str,
    /// Case index within the kernel.
    pub index: u32,
    /// The run's seed.
    pub seed: u64,
}

/// An element type of compared results.
pub trait Elem: Copy + PartialEq + Debug {
    /// The value with its lowest bit flipped (for the `sabotage` feature).
    #[cfg_attr(not(feature = "sabotage"), allow(dead_code))]
    fn flip(self) -> Self;
}

macro_rules! elem {
    ($($t:ty),*) => {$(
        impl Elem for $t {
            fn flip(self) -> Self {
                self ^ 1
            }
        }
    )*};
}
elem!(i8, i16, i32);

/// Fails the run unless `got == want` element for element; `what` names the compared
/// result when a case has several, `params` describes the case.
pub fn equal<T: Elem>(case: Case, what: &str, params: &dyn Debug, want: &[T], got: &mut [T]) {
    #[cfg(feature = "sabotage")]
    sabotage::apply(case, got);
    if want == got {
        return;
    }
    let index = want.iter().zip(got.iter()).position(|(a, b)| a != b).unwrap_or(want.len().min(got.len()));
    header(case, what, index);
    if index < want.len().min(got.len()) {
        println!("target-tests: reference={:?} optimized={:?} (of {})", want[index], got[index], want.len());
    } else {
        println!("target-tests: lengths differ: reference {} optimized {}", want.len(), got.len());
    }
    params_and_exit(params)
}

/// Bytes checked after every optimized output for stray stores (tail handling of the
/// vector loops).
pub const GUARD: usize = 16;

const GUARD_BYTE: i8 = 0x5a;

/// Prepares the optimized output `got` (at least `want.len() + GUARD` bytes) before the
/// call: each element the complement of the reference's, so that an element the kernel
/// fails to write differs, then [`GUARD`] guard bytes.
pub fn prepare(want: &[i8], got: &mut [i8]) {
    let (out, guard) = got.split_at_mut(want.len());
    for (g, &w) in out.iter_mut().zip(want) {
        *g = !w;
    }
    guard[..GUARD].fill(GUARD_BYTE);
}

/// Fails the run unless the [`GUARD`] bytes after the first `len` bytes of `got` are as
/// [`prepare`] left them.
pub fn guard(case: Case, params: &dyn Debug, got: &[i8], len: usize) {
    if let Some(i) = got[len..len + GUARD].iter().position(|&v| v != GUARD_BYTE) {
        header(case, "store-past-end", len + i);
        params_and_exit(params)
    }
}

/// Fails the run unless an output that an optimized kernel declined (returned `false`
/// for) is still as [`prepare`] left it: a declining kernel must touch nothing.
pub fn untouched(case: Case, params: &dyn Debug, want: &[i8], got: &[i8]) {
    if let Some(i) = want.iter().zip(got).position(|(&w, &g)| g != !w) {
        header(case, "declined-but-wrote", i);
        params_and_exit(params)
    }
    guard(case, params, got, want.len());
}

fn header(case: Case, what: &str, index: usize) {
    println!(
        "target-tests: MISMATCH kernel={} case={} seed={:#018x} result={} index={}",
        case.kernel, case.index, case.seed, what, index
    );
}

fn params_and_exit(params: &dyn Debug) -> ! {
    println!("target-tests: params {:?}", params);
    tinyml_firmware::exit(1)
}

/// The `sabotage` feature: corrupts the first result compared for one kernel.
#[cfg(feature = "sabotage")]
mod sabotage {
    use super::{Case, Elem};
    use core::sync::atomic::{AtomicBool, Ordering};

    static DONE: AtomicBool = AtomicBool::new(false);

    /// Flips the lowest bit of the middle element of `got` the first time a result of
    /// the kernel named by [`crate::config::SABOTAGE`] is compared.
    pub fn apply<T: Elem>(case: Case, got: &mut [T]) {
        if case.kernel != crate::config::SABOTAGE || got.is_empty() || DONE.load(Ordering::Relaxed) {
            return;
        }
        DONE.store(true, Ordering::Relaxed);
        let i = got.len() / 2;
        tinyml_firmware::println!(
            "target-tests: sabotage: flipping bit 0 of {} case {} result index {}",
            case.kernel,
            case.index,
            i
        );
        got[i] = got[i].flip();
    }
}
