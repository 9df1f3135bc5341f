//! Helium routines of the convolution's im2col: byte copies and fills of window rows.
//! A tail-predicated loop (`dlstp.8`/`letp`) moves 16 bytes per three instructions and
//! masks the last partial vector, so a row of any length needs no byte tail; the `memcpy`
//! LLVM calls for a row of runtime length cost several instructions per word.

/// Copies `n > 0` bytes from `src` to `dst`.
///
/// # Safety
/// `src` valid for `n` reads, `dst` for `n` writes, not overlapping; `n > 0`.
#[inline(always)]
pub unsafe fn copy(dst: *mut i8, src: *const i8, n: usize) {
    // SAFETY: reads `n` bytes of `src`, writes `n` of `dst` (the last partial vector is
    // masked by tail predication); clobbers q0 and lr.
    unsafe {
        core::arch::asm!(
            "dlstp.8 lr, lr",
            "2:",
            "vldrb.8 q0, [{s}], #16",
            "vstrb.8 q0, [{d}], #16",
            "letp lr, 2b",
            s = inout(reg) src => _,
            d = inout(reg) dst => _,
            inout("lr") n => _,
            out("d0") _, out("d1") _,
            options(nostack),
        );
    }
}

/// Sets `n > 0` bytes of `dst` to `v`.
///
/// # Safety
/// `dst` valid for `n` writes; `n > 0`.
#[inline(always)]
pub unsafe fn fill(dst: *mut i8, v: i8, n: usize) {
    // SAFETY: writes `n` bytes of `dst` (tail predication masks the last partial
    // vector); clobbers q0 and lr.
    unsafe {
        core::arch::asm!(
            "vdup.8 q0, {v}",
            "dlstp.8 lr, lr",
            "2:",
            "vstrb.8 q0, [{d}], #16",
            "letp lr, 2b",
            v = in(reg) v as i32,
            d = inout(reg) dst => _,
            inout("lr") n => _,
            out("d0") _, out("d1") _,
            options(nostack),
        );
    }
}
