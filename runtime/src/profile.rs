//! Per-layer profiling hooks.
//!
//! Generated code wraps every layer in [`layer!`](crate::layer). With the `profile`
//! feature off the macro expands to the layer body alone, so a normal build carries no
//! trace of profiling. With it on, the body is bracketed by calls to the hooks a firmware
//! registers with [`set_hooks`]. [`record`] is the wire format the firmware reports the
//! timings in.

/// Functions the firmware supplies to timestamp layers (a cycle counter read, a record
/// write). Plain function pointers keep the runtime free of any transport.
#[derive(Clone, Copy)]
pub struct Hooks {
    /// Called before layer `index` runs.
    pub layer_start: fn(index: u16),
    /// Called after layer `index` ran.
    pub layer_end: fn(index: u16),
}

#[cfg(feature = "profile")]
mod imp {
    use super::Hooks;
    use core::sync::atomic::{AtomicPtr, Ordering};

    static HOOKS: AtomicPtr<Hooks> = AtomicPtr::new(core::ptr::null_mut());

    /// Registers the hooks called around every layer.
    pub fn set_hooks(hooks: &'static Hooks) {
        HOOKS.store(hooks as *const Hooks as *mut Hooks, Ordering::Release);
    }

    #[doc(hidden)]
    #[inline(always)]
    pub fn start(index: u16) {
        let h = HOOKS.load(Ordering::Acquire);
        if !h.is_null() {
            // SAFETY: only ever set from a `&'static Hooks`.
            (unsafe { &*h }.layer_start)(index)
        }
    }

    #[doc(hidden)]
    #[inline(always)]
    pub fn end(index: u16) {
        let h = HOOKS.load(Ordering::Acquire);
        if !h.is_null() {
            // SAFETY: only ever set from a `&'static Hooks`.
            (unsafe { &*h }.layer_end)(index)
        }
    }
}
#[cfg(feature = "profile")]
pub use imp::*;

/// Runs one layer of a generated model, timed when the `profile` feature is on.
#[cfg(feature = "profile")]
#[macro_export]
macro_rules! layer {
    ($index:expr, $body:block) => {{
        $crate::profile::start($index);
        let r = $body;
        $crate::profile::end($index);
        r
    }};
}

/// Runs one layer of a generated model, timed when the `profile` feature is on.
#[cfg(not(feature = "profile"))]
#[macro_export]
macro_rules! layer {
    ($index:expr, $body:block) => {
        $body
    };
}

pub mod record {
    //! The profile record format, version 1: what the device sends and
    //! `cargo_tinyml::record` decodes. One format for every transport; text channels
    //! (semihosting stdout, RTT channel 0) carry each record as one line,
    //! [`LINE_PREFIX`] followed by the record's bytes in lowercase hex.
    //!
    //! A stream is the header `b"TMLP"` + [`VERSION`], then records. Each record is
    //! `tag: u8, len: u8, payload: [u8; len], crc: u16` (little endian; the CRC is
    //! CRC-16/CCITT-FALSE over tag, len and payload). Integers in payloads are little
    //! endian. Payloads by tag:
    //!
    //! | tag | record | payload |
    //! |---|---|---|
    //! | 1 | [`tag::BEGIN`] | layers: u16, timer: u8 ([`Timer`]), runs: u16 |
    //! | 2 | [`tag::LAYER`] | run: u16, layer: u16, ticks: u32 |
    //! | 3 | [`tag::INFERENCE`] | run: u16, ticks: u32 |
    //! | 4 | [`tag::CHECKSUM`] | run: u16, fnv1a32 of the output bytes: u32 |
    //! | 5 | [`tag::STACK`] | stack high-water bytes: u32 |
    //! | 6 | [`tag::END`] | records before this one, header excluded: u16 |
    //!
    //! The length byte lets a decoder skip records of tags it does not know, so adding
    //! a record kind keeps the version; changing a payload bumps [`VERSION`].

    /// First bytes of a stream.
    pub const MAGIC: [u8; 4] = *b"TMLP";
    /// Format version carried after [`MAGIC`].
    pub const VERSION: u8 = 1;
    /// Prefix of a text line carrying one hex-encoded chunk of the stream.
    pub const LINE_PREFIX: &str = "@tinyml-profile ";
    /// Largest encoded record (header or record with CRC), in bytes.
    pub const MAX_RECORD: usize = 2 + 8 + 2;

    /// Record tags.
    pub mod tag {
        /// Start of a profile: layer count, timer, runs.
        pub const BEGIN: u8 = 1;
        /// Ticks spent in one layer of one inference.
        pub const LAYER: u8 = 2;
        /// Ticks of one whole inference (`invoke`).
        pub const INFERENCE: u8 = 3;
        /// Checksum of the output after one inference.
        pub const CHECKSUM: u8 = 4;
        /// Stack high-water mark measured by painting.
        pub const STACK: u8 = 5;
        /// End of the profile.
        pub const END: u8 = 6;
    }

    /// The counter the ticks come from.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    #[repr(u8)]
    pub enum Timer {
        /// SysTick at the core clock (QEMU with `-icount`: emulated instructions / ticks).
        SysTick = 0,
        /// DWT CYCCNT: core cycles.
        Dwt = 1,
        /// Another counter (a board's own timer).
        Other = 2,
    }

    /// One encoded record (or the header).
    #[derive(Clone, Copy)]
    pub struct Encoded {
        buf: [u8; MAX_RECORD],
        len: u8,
    }

    impl Encoded {
        /// The record's bytes.
        pub fn as_bytes(&self) -> &[u8] {
            &self.buf[..self.len as usize]
        }

        /// Writes [`LINE_PREFIX`], the bytes in hex and a newline into `out` and returns
        /// the line (at most `LINE_PREFIX.len() + 2 * MAX_RECORD + 1` bytes).
        pub fn hex_line<'a>(&self, out: &'a mut [u8; LINE_MAX]) -> &'a [u8] {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            let p = LINE_PREFIX.as_bytes();
            out[..p.len()].copy_from_slice(p);
            let mut n = p.len();
            for &b in self.as_bytes() {
                out[n] = HEX[(b >> 4) as usize];
                out[n + 1] = HEX[(b & 15) as usize];
                n += 2;
            }
            out[n] = b'\n';
            &out[..n + 1]
        }
    }

    /// Size of the buffer [`Encoded::hex_line`] needs.
    pub const LINE_MAX: usize = LINE_PREFIX.len() + 2 * MAX_RECORD + 1;

    /// The stream header: magic and version.
    pub fn header() -> Encoded {
        let mut buf = [0; MAX_RECORD];
        buf[..4].copy_from_slice(&MAGIC);
        buf[4] = VERSION;
        Encoded { buf, len: 5 }
    }

    fn record(tag: u8, payload: &[u8]) -> Encoded {
        let mut buf = [0; MAX_RECORD];
        buf[0] = tag;
        buf[1] = payload.len() as u8;
        buf[2..2 + payload.len()].copy_from_slice(payload);
        let n = 2 + payload.len();
        let crc = crc16(&buf[..n]);
        buf[n..n + 2].copy_from_slice(&crc.to_le_bytes());
        Encoded { buf, len: (n + 2) as u8 }
    }

    /// [`tag::BEGIN`].
    pub fn begin(layers: u16, timer: Timer, runs: u16) -> Encoded {
        let [l0, l1] = layers.to_le_bytes();
        let [r0, r1] = runs.to_le_bytes();
        record(tag::BEGIN, &[l0, l1, timer as u8, r0, r1])
    }

    /// [`tag::LAYER`].
    pub fn layer(run: u16, layer: u16, ticks: u32) -> Encoded {
        let mut p = [0; 8];
        p[..2].copy_from_slice(&run.to_le_bytes());
        p[2..4].copy_from_slice(&layer.to_le_bytes());
        p[4..].copy_from_slice(&ticks.to_le_bytes());
        record(tag::LAYER, &p)
    }

    fn run_u32(tag: u8, run: u16, value: u32) -> Encoded {
        let mut p = [0; 6];
        p[..2].copy_from_slice(&run.to_le_bytes());
        p[2..].copy_from_slice(&value.to_le_bytes());
        record(tag, &p)
    }

    /// [`tag::INFERENCE`].
    pub fn inference(run: u16, ticks: u32) -> Encoded {
        run_u32(tag::INFERENCE, run, ticks)
    }

    /// [`tag::CHECKSUM`].
    pub fn checksum(run: u16, fnv1a32: u32) -> Encoded {
        run_u32(tag::CHECKSUM, run, fnv1a32)
    }

    /// [`tag::STACK`].
    pub fn stack(bytes: u32) -> Encoded {
        record(tag::STACK, &bytes.to_le_bytes())
    }

    /// [`tag::END`].
    pub fn end(records: u16) -> Encoded {
        record(tag::END, &records.to_le_bytes())
    }

    /// CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF), the record checksum.
    pub fn crc16(bytes: &[u8]) -> u16 {
        let mut crc: u16 = 0xFFFF;
        for &b in bytes {
            crc ^= u16::from(b) << 8;
            for _ in 0..8 {
                crc = if crc & 0x8000 != 0 { (crc << 1) ^ 0x1021 } else { crc << 1 };
            }
        }
        crc
    }

    /// FNV-1a (32 bit) of `bytes`: the output checksum.
    pub fn fnv1a32(bytes: &[u8]) -> u32 {
        let mut h: u32 = 0x811C_9DC5;
        for &b in bytes {
            h ^= u32::from(b);
            h = h.wrapping_mul(0x0100_0193);
        }
        h
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn crc_check_value() {
            // The catalogue check value of CRC-16/CCITT-FALSE.
            assert_eq!(crc16(b"123456789"), 0x29B1);
        }

        #[test]
        fn hex_line_of_header() {
            let mut line = [0; LINE_MAX];
            assert_eq!(header().hex_line(&mut line), b"@tinyml-profile 544d4c5001\n");
        }
    }
}
