//! The deterministic generator of the cases: splitmix64, seeded per case from the run's
//! seed, the kernel and the case index, so that a mismatch report's three numbers
//! reproduce the case alone (no need to replay the cases before it).

/// A splitmix64 stream.
pub struct Rng(u64);

impl Rng {
    /// The stream of case `case` of kernel number `kernel` under `seed`.
    pub fn for_case(seed: u64, kernel: u32, case: u32) -> Rng {
        let mut r = Rng(seed ^ (((kernel as u64) << 32) | case as u64).wrapping_mul(0xd1b5_4a32_d192_ed03));
        r.next();
        r
    }

    /// The next 64 random bits.
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// 32 random bits (the high half: splitmix64's best bits, and no 64-bit division
    /// on the core).
    pub fn u32(&mut self) -> u32 {
        (self.next() >> 32) as u32
    }

    /// Uniform in `lo..=hi` (the modulo bias is irrelevant for test cases).
    pub fn int(&mut self, lo: i32, hi: i32) -> i32 {
        let span = (hi as i64 - lo as i64 + 1) as u64;
        (lo as i64 + (self.u32() as u64 % span) as i64) as i32
    }

    /// Uniform in `lo..=hi`.
    pub fn size(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.u32() as usize % (hi - lo + 1)
    }

    /// True once in `n` on average.
    pub fn one_in(&mut self, n: u32) -> bool {
        self.u32().is_multiple_of(n)
    }

    /// Fills `buf` with uniform bytes.
    pub fn fill_i8(&mut self, buf: &mut [i8]) {
        for chunk in buf.chunks_mut(8) {
            let bits = self.next().to_le_bytes();
            for (d, s) in chunk.iter_mut().zip(bits) {
                *d = s as i8;
            }
        }
    }
}
