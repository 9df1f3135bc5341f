//! Build-time settings, read from the environment of the build (the host test passes them
//! through; `option_env!` makes cargo rebuild when they change).

/// Seed of every case: `TINYML_TARGET_TESTS_SEED` (decimal or `0x` hex), else a fixed
/// default so that CI runs the same cases every time. Printed at start and with every
/// mismatch.
pub const SEED: u64 = match option_env!("TINYML_TARGET_TESTS_SEED") {
    Some(s) => parse(s),
    None => 0x7e57_6b65_726e_656c,
};

/// Cases per kernel: `TINYML_TARGET_TESTS_CASES`, default 1000.
pub const CASES: u32 = match option_env!("TINYML_TARGET_TESTS_CASES") {
    Some(s) => {
        let n = parse(s);
        assert!(n > 0 && n <= u32::MAX as u64, "TINYML_TARGET_TESTS_CASES must be in 1..2^32");
        n as u32
    }
    None => 1000,
};

/// The kernel whose first result the `sabotage` feature corrupts:
/// `TINYML_TARGET_TESTS_SABOTAGE`, default `depthwise_conv`.
#[cfg(feature = "sabotage")]
pub const SABOTAGE: &str = match option_env!("TINYML_TARGET_TESTS_SABOTAGE") {
    Some(s) => s,
    None => "depthwise_conv",
};

/// A decimal or `0x`-prefixed hexadecimal number; fails the build on anything else.
const fn parse(s: &str) -> u64 {
    let b = s.as_bytes();
    let (radix, mut i) = if b.len() > 2 && b[0] == b'0' && (b[1] == b'x' || b[1] == b'X') { (16, 2) } else { (10, 0) };
    assert!(i < b.len(), "empty number in a TINYML_TARGET_TESTS_* variable");
    let mut n: u64 = 0;
    while i < b.len() {
        let d = match b[i] {
            c @ b'0'..=b'9' => (c - b'0') as u64,
            c @ b'a'..=b'f' if radix == 16 => (c - b'a' + 10) as u64,
            c @ b'A'..=b'F' if radix == 16 => (c - b'A' + 10) as u64,
            b'_' => {
                i += 1;
                continue;
            }
            _ => panic!("a TINYML_TARGET_TESTS_* variable is not a number"),
        };
        n = match n.checked_mul(radix) {
            Some(v) => match v.checked_add(d) {
                Some(v) => v,
                None => panic!("number too large in a TINYML_TARGET_TESTS_* variable"),
            },
            None => panic!("number too large in a TINYML_TARGET_TESTS_* variable"),
        };
        i += 1;
    }
    n
}
