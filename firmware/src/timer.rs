//! A cycle counter for cheap timing of whole inferences.
//!
//! - `systick`: SysTick on the core clock with reload 2^24 - 1 and a wrap counter kept by
//!   its exception. Under QEMU with `-icount shift=0` it advances deterministically with
//!   the emulated instruction count, so its figures are emulated ticks, never real time.
//! - `dwt`: the DWT cycle counter (CYCCNT) of real cores (QEMU reads it as 0), extended to
//!   64 bits by polling, so intervals must be read at least once per 2^32 cycles.

#[cfg(feature = "systick")]
mod imp {
    use core::sync::atomic::{AtomicU32, Ordering};

    const SYST_CSR: *mut u32 = 0xE000_E010 as *mut u32;
    const SYST_RVR: *mut u32 = 0xE000_E014 as *mut u32;
    const SYST_CVR: *mut u32 = 0xE000_E018 as *mut u32;
    const RELOAD: u32 = 0x00FF_FFFF;

    static WRAPS: AtomicU32 = AtomicU32::new(0);

    #[cortex_m_rt::exception]
    fn SysTick() {
        WRAPS.fetch_add(1, Ordering::Relaxed);
    }

    extern "C" {
        // The handler above, by its link name: referencing it here keeps the linker from
        // dropping it (handlers in library crates are otherwise only weakly wanted by the
        // vector table, which would fall back to the default handler).
        #[link_name = "SysTick"]
        fn systick_handler();
    }

    pub fn start() {
        core::hint::black_box(systick_handler as unsafe extern "C" fn());
        // SAFETY: SysTick registers exist on every Cortex-M; single-threaded setup.
        unsafe {
            SYST_RVR.write_volatile(RELOAD);
            SYST_CVR.write_volatile(0);
            // ENABLE | TICKINT | CLKSOURCE (processor clock).
            SYST_CSR.write_volatile(0b111);
            // The counter reads 0 until its first reload (which raises no exception), and
            // `now` would take that 0 for a whole elapsed period: wait for the reload so
            // time starts at a well-defined RELOAD.
            while SYST_CVR.read_volatile() & RELOAD == 0 {}
        }
        WRAPS.store(0, Ordering::Relaxed);
    }

    pub fn now() -> u64 {
        loop {
            let before = WRAPS.load(Ordering::Relaxed);
            // SAFETY: reading the SysTick current value register has no side effects.
            let current = unsafe { SYST_CVR.read_volatile() } & RELOAD;
            if WRAPS.load(Ordering::Relaxed) == before {
                return u64::from(before) * (u64::from(RELOAD) + 1) + u64::from(RELOAD - current);
            }
        }
    }

    pub const NAME: &str = "SysTick";
}

#[cfg(feature = "dwt")]
mod imp {
    use core::sync::atomic::{AtomicU32, Ordering};

    const DEMCR: *mut u32 = 0xE000_EDFC as *mut u32;
    const DWT_CTRL: *mut u32 = 0xE000_1000 as *mut u32;
    const DWT_CYCCNT: *mut u32 = 0xE000_1004 as *mut u32;

    static HIGH: AtomicU32 = AtomicU32::new(0);
    static LAST: AtomicU32 = AtomicU32::new(0);

    pub fn start() {
        // SAFETY: DEMCR and DWT registers exist on every core with a DWT unit.
        unsafe {
            DEMCR.write_volatile(DEMCR.read_volatile() | (1 << 24)); // TRCENA
            DWT_CYCCNT.write_volatile(0);
            DWT_CTRL.write_volatile(DWT_CTRL.read_volatile() | 1); // CYCCNTENA
        }
    }

    pub fn now() -> u64 {
        // SAFETY: reading CYCCNT has no side effects.
        let low = unsafe { DWT_CYCCNT.read_volatile() };
        if low < LAST.swap(low, Ordering::Relaxed) {
            HIGH.fetch_add(1, Ordering::Relaxed);
        }
        (u64::from(HIGH.load(Ordering::Relaxed)) << 32) | u64::from(low)
    }

    pub const NAME: &str = "DWT";
}

/// Name of the timer in use (`SysTick` or `DWT`), for reports.
pub const NAME: &str = imp::NAME;

/// Starts the counter at zero.
pub fn start() {
    imp::start()
}

/// Cycles since [`start`].
pub fn now() -> u64 {
    imp::now()
}
