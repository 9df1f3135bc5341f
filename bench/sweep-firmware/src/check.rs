//! What the firmware and its build script must compute alike: the test-input stream and
//! the output hash. Shared by `#[path]` so there is one definition.

/// The test-input bytes: xorshift32 from seed 0x2545F491, one byte per step, the stream of
/// `tinyml_compiler::build::test_input`; the inputs of a model are consecutive stretches.
pub struct TestInput(u32);

impl TestInput {
    /// The stream from its start.
    pub const fn new() -> Self {
        TestInput(0x2545_F491)
    }

    /// The next byte.
    pub fn next_byte(&mut self) -> u8 {
        let mut s = self.0;
        s ^= s << 13;
        s ^= s >> 17;
        s ^= s << 5;
        self.0 = s;
        (s >> 24) as u8
    }
}

/// 32-bit FNV-1a of `bytes`: the output check. A hash instead of the expected bytes keeps
/// the outputs out of flash (up to 64 KiB per cell); any differing byte changes it except
/// with probability 2^-32.
pub fn fnv1a(bytes: &[u8]) -> u32 {
    bytes.iter().fold(0x811C_9DC5, |h, &b| (h ^ u32::from(b)).wrapping_mul(0x0100_0193))
}
