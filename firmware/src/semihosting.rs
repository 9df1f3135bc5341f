//! The two Arm semihosting calls the firmware needs: write to the host console and exit
//! with a status code (`SYS_EXIT_EXTENDED`, which QEMU, `cargo tinyml flash` and
//! `probe-rs run` turn into the host process's exit code). Semihosting traps into the
//! debugger with `bkpt 0xAB`; with no debugger or emulator attached that is a fault, so
//! hardware builds print over RTT and use semihosting only to exit under
//! `cargo tinyml flash` (or `probe-rs run`).

/// `SYS_OPEN`: open a host file; `:tt` is the host console.
const SYS_OPEN: u32 = 0x01;
/// `SYS_WRITE`: write a buffer to a host file handle.
const SYS_WRITE: u32 = 0x05;
/// `SYS_EXIT_EXTENDED`: report an exception (here: application exit) with a subcode.
const SYS_EXIT_EXTENDED: u32 = 0x20;
/// `ADP_Stopped_ApplicationExit`.
const APPLICATION_EXIT: u32 = 0x2_0026;
/// `SYS_OPEN` mode 4 (`"w"`) on `:tt` opens the host's stdout.
const MODE_WRITE: u32 = 4;

/// Host handle of stdout once opened (`u32::MAX`: not yet).
static STDOUT: core::sync::atomic::AtomicU32 = core::sync::atomic::AtomicU32::new(u32::MAX);

/// Issues a semihosting call. Returns the host's result in r0.
///
/// # Safety
/// `arg` must be valid for the operation `op` (a pointer to its parameter block).
#[cfg(target_arch = "arm")]
unsafe fn call(op: u32, arg: *const u32) -> u32 {
    let mut r0 = op;
    // SAFETY: the caller passes a valid parameter block; `bkpt 0xAB` hands control to
    // the host, which reads the block and writes the result to r0.
    unsafe {
        core::arch::asm!("bkpt #0xAB", inout("r0") r0, in("r1") arg, options(nostack));
    }
    r0
}

/// Writes `bytes` to the host's stdout.
pub fn write(bytes: &[u8]) {
    #[cfg(target_arch = "arm")]
    {
        use core::sync::atomic::Ordering;
        let mut handle = STDOUT.load(Ordering::Relaxed);
        if handle == u32::MAX {
            let name = b":tt\0";
            let block = [name.as_ptr() as u32, MODE_WRITE, 3];
            // SAFETY: `block` is a SYS_OPEN parameter block naming a NUL-terminated path.
            handle = unsafe { call(SYS_OPEN, block.as_ptr()) };
            STDOUT.store(handle, Ordering::Relaxed);
        }
        let block = [handle, bytes.as_ptr() as u32, bytes.len() as u32];
        // SAFETY: `block` is a SYS_WRITE parameter block that outlives the call.
        unsafe { call(SYS_WRITE, block.as_ptr()) };
    }
    #[cfg(not(target_arch = "arm"))]
    let _ = (bytes, SYS_OPEN, SYS_WRITE, MODE_WRITE, &STDOUT);
}

/// Exits with `code` as the host process's exit status. Never returns.
pub fn exit(code: i32) -> ! {
    #[cfg(target_arch = "arm")]
    {
        let block = [APPLICATION_EXIT, code as u32];
        // SAFETY: `block` is a SYS_EXIT_EXTENDED parameter block.
        unsafe { call(SYS_EXIT_EXTENDED, block.as_ptr()) };
    }
    #[cfg(not(target_arch = "arm"))]
    let _ = (code, SYS_EXIT_EXTENDED, APPLICATION_EXIT);
    // No host took the call (or it returned): stop here.
    loop {
        core::hint::spin_loop();
    }
}
