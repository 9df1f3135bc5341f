//! The output channel behind [`print!`](crate::print): semihosting or RTT, chosen by
//! feature. Writes are unbuffered, so a print is visible before a fault that follows it.

use core::fmt::{self, Write};

/// Sets the channel up (RTT control block); a no-op for semihosting.
pub fn init() {
    #[cfg(all(feature = "rtt", not(feature = "profile")))]
    rtt_target::rtt_init_print!(rtt_target::ChannelMode::NoBlockSkip, 1024);
    // Profiling waits for the host rather than drop records (the host is always attached).
    #[cfg(all(feature = "rtt", feature = "profile"))]
    rtt_target::rtt_init_print!(rtt_target::ChannelMode::BlockIfFull, 1024);
}

/// Waits until output written so far has left the device, where that is observable.
pub fn flush() {}

struct Out;

impl Write for Out {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        write_bytes(s.as_bytes());
        Ok(())
    }
}

/// Writes formatted text; used by the `print!` macros.
pub fn write_fmt(args: fmt::Arguments<'_>) {
    let _ = Out.write_fmt(args);
}

/// Writes raw bytes to the channel.
pub fn write_bytes(bytes: &[u8]) {
    #[cfg(feature = "rtt")]
    {
        // Safe to call from any context: rtt-target serializes with a critical section.
        if let Ok(s) = core::str::from_utf8(bytes) {
            rtt_target::rprint!("{}", s);
        }
    }
    #[cfg(not(feature = "rtt"))]
    crate::semihosting::write(bytes);
}
