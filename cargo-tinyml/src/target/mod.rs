//! Running and loading firmware images: QEMU for emulated boards ([`qemu`]), probe-rs for
//! hardware ([`probe`]: probes, flashing, RTT; [`fit`]: the dry run against a chip's
//! memory map, no probe; [`monitor`]: the firmware's output after flashing), and what
//! both need to know about an ELF ([`elf`]).

pub mod elf;
pub mod fit;
pub mod monitor;
pub mod probe;
pub mod qemu;
