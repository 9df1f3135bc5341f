//! Stack painting: fill the free stack with a pattern before a measurement, find the
//! lowest overwritten word after (`cargo tinyml profile`'s stack high-water; the
//! benchmark's microflow firmware, whose tensors all live on the stack).

const PAINT: u32 = 0xC5C5_C5C5;

extern "C" {
    // cortex-m-rt's link.x: the stack grows down from `_stack_start` to `_stack_end`.
    static _stack_start: u32;
    static _stack_end: u32;
}

fn bounds() -> (usize, usize) {
    // Only the symbols' addresses are taken (no read).
    (core::ptr::addr_of!(_stack_end) as usize, core::ptr::addr_of!(_stack_start) as usize)
}

/// Paints from the stack's end up to just below the current stack pointer.
#[inline(never)]
pub fn paint() {
    let (bottom, _) = bounds();
    let sp: usize;
    // SAFETY: reads SP.
    unsafe { core::arch::asm!("mov {}, sp", out(reg) sp) };
    // Leave 64 bytes below SP for this function's own use.
    let mut p = bottom;
    while p + 4 <= sp.saturating_sub(64) {
        // SAFETY: [bottom, sp - 64) is stack memory no frame uses now.
        unsafe { (p as *mut u32).write_volatile(PAINT) };
        p += 4;
    }
}

/// Deepest stack use since [`paint`], in bytes from the stack's top.
pub fn high_water() -> usize {
    let (bottom, top) = bounds();
    let mut p = bottom;
    // SAFETY: reads stack memory between the linker's bounds.
    while p < top && unsafe { (p as *const u32).read_volatile() } == PAINT {
        p += 4;
    }
    top - p
}
