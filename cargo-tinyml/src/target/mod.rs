//! Running and loading firmware images: QEMU for emulated boards ([`qemu`]), probe-rs for
//! hardware ([`probe`]), and what both need to know about an ELF ([`elf`]).

pub mod elf;
pub mod probe;
pub mod qemu;
