//! The f32 dot product of the float front ends' mel filters (`sww`, `admel`).

/// Dot product in four interleaved partial sums (lanes `i mod 4`), added pairwise at the
/// end: a fixed order (the same on every target, so the host and the firmware agree bit for
/// bit) that the compiler can keep in vector registers, unlike one serial sum.
#[inline(always)]
pub(crate) fn dot_f32(a: &[f32], b: &[f32]) -> f32 {
    let mut acc = [0.0f32; 4];
    let (a4, b4) = (a.chunks_exact(4), b.chunks_exact(4));
    let (ra, rb) = (a4.remainder(), b4.remainder());
    for (x, y) in a4.zip(b4) {
        for l in 0..4 {
            acc[l] += x[l] * y[l];
        }
    }
    for (l, (&x, &y)) in ra.iter().zip(rb).enumerate() {
        acc[l] += x * y;
    }
    (acc[0] + acc[1]) + (acc[2] + acc[3])
}
