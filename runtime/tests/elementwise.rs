//! Property tests of the int8 elementwise kernels against their reference loops: MUL
//! (`mul_s8`, and `mul_s8_rows` where one input is a repeated row) over random multipliers, shifts, zero points, activations and broadcast
//! patterns, and the two-table ADD/SUB (`add_s8` with a table from `add_s8_pack`): quantization parameters derived from
//! random scales as the compiler derives them (TFLM `CalculateOpDataAdd`), random zero
//! points and activations, and random broadcast patterns (same shape, per-channel,
//! scalar, rows and columns, up to four dimensions). The table is checked exhaustively
//! when it is packed; these tests check the kernel that reads it, its broadcast walk,
//! and that a table is found for the parameters models have.
#![cfg(not(feature = "reference-kernels"))]

use proptest::prelude::*;
use tinyml_runtime::kernels::add::{add_s8, add_s8_pack, add_s8_reference, AddParams, ADD_S8_PACKED_WORDS};
use tinyml_runtime::kernels::broadcast::{Broadcast, MAX_DIMS};
use tinyml_runtime::kernels::mul::{mul_s8, mul_s8_reference, mul_s8_rows, MulParams};

/// TFLM `QuantizeMultiplier`: `real = mult * 2^(shift - 31)` with `mult` in `[2^30, 2^31)`.
fn quantize_multiplier(real: f64) -> (i32, i32) {
    let mut shift = 0;
    let mut q = real;
    while q >= 1.0 {
        q /= 2.0;
        shift += 1;
    }
    while q < 0.5 {
        q *= 2.0;
        shift -= 1;
    }
    let mut m = (q * (1i64 << 31) as f64).round() as i64;
    if m == 1i64 << 31 {
        m /= 2;
        shift += 1;
    }
    (m as i32, shift)
}

/// ADD/SUB parameters from scales, as the compiler lowers them (the ADD variant, in
/// double).
fn params(
    s1: f64,
    s2: f64,
    so: f64,
    zp: (i32, i32, i32),
    act: (i32, i32),
    subtract: bool,
    shape: Broadcast,
) -> AddParams {
    let twice_max = 2.0 * s1.max(s2);
    let (m1, sh1) = quantize_multiplier(s1 / twice_max);
    let (m2, sh2) = quantize_multiplier(s2 / twice_max);
    let (mo, sho) = quantize_multiplier(twice_max / ((1 << 20) as f64 * so));
    AddParams {
        left_shift: 20,
        input1_offset: -zp.0,
        input1_multiplier: m1,
        input1_shift: sh1,
        input2_offset: -zp.1,
        input2_multiplier: m2,
        input2_shift: sh2,
        output_offset: zp.2,
        output_multiplier: mo,
        output_shift: sho,
        activation_min: act.0,
        activation_max: act.1,
        subtract,
        shape,
    }
}

/// A broadcast of two inputs to `out` (rank up to 4) where input `k` keeps dimension `d`
/// when bit `d` of `keep[k]` is set, else has 1 there; strides as the compiler computes.
fn broadcast(out: &[usize], keep: [u32; 2]) -> (Broadcast, usize, usize) {
    let mut dims = [1usize; MAX_DIMS];
    dims[MAX_DIMS - out.len()..].copy_from_slice(out);
    let input = |mask: u32| {
        let mut d = [1usize; MAX_DIMS];
        for (k, &v) in out.iter().enumerate() {
            if mask & (1 << k) != 0 {
                d[MAX_DIMS - out.len() + k] = v;
            }
        }
        d
    };
    let (d1, d2) = (input(keep[0]), input(keep[1]));
    let strides = |d: &[usize; MAX_DIMS]| {
        let mut s = [0; MAX_DIMS];
        let mut step = 1;
        for k in (0..MAX_DIMS).rev() {
            s[k] = if d[k] == 1 { 0 } else { step };
            step *= d[k];
        }
        s
    };
    let n = dims.iter().product();
    let shape = if d1 == dims && d2 == dims {
        Broadcast::elementwise(n)
    } else {
        Broadcast { out_dims: dims, in1_strides: strides(&d1), in2_strides: strides(&d2), elementwise: false }
    };
    (shape, d1.iter().product(), d2.iter().product())
}

/// Scales of input 1, input 2 and the output as models have them: the inputs within a
/// factor 16 of each other, the output from half the larger input's scale to four times.
fn scales() -> impl Strategy<Value = (f64, f64, f64)> {
    (-12.0f64..2.0, -4.0f64..4.0, -1.0f64..2.0).prop_map(|(e, d, u)| {
        let (s1, s2) = (e.exp2(), (e + d).exp2());
        (s1, s2, s1.max(s2) * u.exp2())
    })
}

fn zero_point() -> impl Strategy<Value = i32> {
    prop_oneof![Just(0), Just(-128), -128i32..128]
}

fn activation() -> impl Strategy<Value = (i32, i32)> {
    prop_oneof![Just((-128, 127)), (-128i32..0).prop_map(|lo| (lo, 127)), (-128i32..0, 0i32..128)]
}

fn shape() -> impl Strategy<Value = (Vec<usize>, [u32; 2])> {
    let dim = prop_oneof![1usize..5, 5usize..40];
    (proptest::collection::vec(dim, 1..5), prop_oneof![Just(0xfu32), 0u32..16], prop_oneof![Just(0xfu32), 0u32..16])
        .prop_map(|(d, k1, k2)| (d, [k1, k2]))
}

fn bytes(n: usize, seed: u64) -> Vec<i8> {
    let mut x = seed;
    (0..n)
        .map(|_| {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (x >> 56) as i8
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// MUL equals the reference over broadcasts, for every shift (the vector path takes
    /// right shifts of 1 to 22 with a positive multiplier, the rest the reference).
    #[test]
    fn mul_s8_matches_reference(
        mult in prop_oneof![Just(1i32 << 30), (1i32 << 30)..i32::MAX],
        shift in prop_oneof![-12i32..-4, -25i32..4],
        zp in (zero_point(), zero_point(), zero_point()),
        act in activation(),
        (out, keep) in shape(),
        seed in any::<u64>(),
    ) {
        let (shape, n1, n2) = broadcast(&out, keep);
        let p = MulParams {
            input1_offset: -zp.0,
            input2_offset: -zp.1,
            output_offset: zp.2,
            output_multiplier: mult,
            output_shift: shift,
            activation_min: act.0,
            activation_max: act.1,
            shape,
        };
        let (a, b) = (bytes(n1, seed), bytes(n2, !seed));
        let n = shape.out_len();
        let (mut want, mut got) = (vec![0i8; n], vec![0i8; n]);
        mul_s8_reference(&p, &a, &b, &mut want);
        mul_s8(&p, &a, &b, &mut got);
        prop_assert_eq!(&got, &want);
        // Where one input is a row repeated over the other, the compiler calls
        // `mul_s8_rows`, which takes the row from the shorter slice.
        if shape.repeated_row().is_some() {
            let mut got = vec![0i8; n];
            mul_s8_rows(&p, &a, &b, &mut got);
            prop_assert_eq!(got, want);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// The kernel with its table equals the reference over broadcasts; a table is found.
    #[test]
    fn add_s8_table_matches_reference(
        (s1, s2, so) in scales(),
        zp in (zero_point(), zero_point(), zero_point()),
        act in activation(),
        subtract in any::<bool>(),
        (out, keep) in shape(),
        seed in any::<u64>(),
    ) {
        let (shape, n1, n2) = broadcast(&out, keep);
        let p = params(s1, s2, so, zp, act, subtract, shape);
        let mut packed = vec![0; ADD_S8_PACKED_WORDS];
        let words = add_s8_pack(&p, &mut packed);
        prop_assert!(words > 0, "no table for {:?}", p);
        packed.truncate(words);
        let (a, b) = (bytes(n1, seed), bytes(n2, !seed));
        let n = shape.out_len();
        let (mut want, mut got) = (vec![0i8; n], vec![0i8; n]);
        add_s8_reference(&p, &a, &b, &mut want);
        add_s8(&p, &a, &b, &packed, &mut got);
        prop_assert_eq!(&got, &want);
        // Without a table (or with another layout) the kernel computes each element.
        let mut got = vec![0i8; n];
        add_s8(&p, &a, &b, &packed[..1], &mut got);
        prop_assert_eq!(got, want);
    }
}

/// Every pair of input bytes, with the same table, through the same-shape kernel (16
/// lanes at a time on Helium; here the portable loop) and through both scalar broadcasts.
#[test]
fn every_pair_through_each_run_kind() {
    let p = params(0.05, 0.031, 0.07, (3, -7, 5), (-100, 120), true, Broadcast::elementwise(65536));
    let mut packed = vec![0; ADD_S8_PACKED_WORDS];
    let words = add_s8_pack(&p, &mut packed);
    assert!(words > 0);
    packed.truncate(words);
    let a: Vec<i8> = (0..65536).map(|i| (i >> 8) as u8 as i8).collect();
    let b: Vec<i8> = (0..65536).map(|i| i as u8 as i8).collect();
    let (mut want, mut got) = (vec![0i8; 65536], vec![0i8; 65536]);
    add_s8_reference(&p, &a, &b, &mut want);
    add_s8(&p, &a, &b, &packed, &mut got);
    assert_eq!(got, want);
    // [256, 256] + [256, 1] and [256, 1] + [1, 256]: scalar runs of either input.
    for keep in [[3, 2], [2, 1]] {
        let (shape, n1, n2) = broadcast(&[256, 256], keep);
        let p = AddParams { shape, ..p };
        let a: Vec<i8> = (0..n1).map(|i| (i * 7) as u8 as i8).collect();
        let b: Vec<i8> = (0..n2).map(|i| (i * 13 + 1) as u8 as i8).collect();
        add_s8_reference(&p, &a, &b, &mut want);
        add_s8(&p, &a, &b, &packed, &mut got);
        assert_eq!(got, want, "{keep:?}");
    }
}

/// Every pair of input bytes through MUL, for multipliers and shifts at the edges of the
/// vector path (ties of the rounding divide hit for many products).
#[test]
fn mul_every_pair() {
    let a: Vec<i8> = (0..65536).map(|i| (i >> 8) as u8 as i8).collect();
    let b: Vec<i8> = (0..65536).map(|i| i as u8 as i8).collect();
    let (mut want, mut got) = (vec![0i8; 65536], vec![0i8; 65536]);
    for (mult, shift, zp, act) in [
        (1 << 30, -1, (0, 0, 0), (-128, 127)),
        (1 << 30, -8, (-3, 17, 5), (-128, 127)),
        (1_518_500_250, -7, (128, -127, -128), (-128, 127)),
        (2_147_483_647, -22, (-128, -128, 127), (-100, 90)),
        (1_234_567_890, -9, (5, 0, -20), (-20, 127)),
    ] {
        let p = MulParams {
            input1_offset: -zp.0,
            input2_offset: -zp.1,
            output_offset: zp.2,
            output_multiplier: mult,
            output_shift: shift,
            activation_min: act.0,
            activation_max: act.1,
            shape: Broadcast::elementwise(65536),
        };
        mul_s8_reference(&p, &a, &b, &mut want);
        mul_s8(&p, &a, &b, &mut got);
        assert_eq!(got, want, "{p:?}");
    }
}
