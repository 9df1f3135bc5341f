//! Mel filter bank, its square root and its log: TFLM `FilterbankAccumulateChannels`
//! (`signal/src/filter_bank.cc` plus the kernel's "discard channel 0" copy),
//! `FilterbankSqrt` (`filter_bank_square_root.cc`) and `FilterbankLog`
//! (`filter_bank_log.cc`).

use super::math::{log32, sqrt64};

/// The filter bank layout: `num_channels + 1` channels, channel 0 being the scratch
/// channel that only carries the unweighted part into channel 1.
pub struct FilterbankConfig<'a> {
    /// Weight of each bin for its channel (Q12).
    pub weights: &'a [i16],
    /// Weight of each bin for the next channel (Q12).
    pub unweights: &'a [i16],
    /// First FFT bin of each channel.
    pub channel_frequency_starts: &'a [i16],
    /// First entry of each channel in `weights`/`unweights`.
    pub channel_weight_starts: &'a [i16],
    /// Number of bins of each channel.
    pub channel_widths: &'a [i16],
}

impl FilterbankConfig<'_> {
    /// Whether every bin and weight index stays inside `input_len` bins and the weight
    /// tables; checked at compile time for the built-in tables.
    pub const fn is_valid(&self, input_len: usize) -> bool {
        let n = self.channel_widths.len();
        if self.channel_frequency_starts.len() != n || self.channel_weight_starts.len() != n {
            return false;
        }
        if self.weights.len() != self.unweights.len() {
            return false;
        }
        let mut i = 0;
        while i < n {
            let (f, w, width) =
                (self.channel_frequency_starts[i], self.channel_weight_starts[i], self.channel_widths[i]);
            if f < 0 || w < 0 || width < 0 {
                return false;
            }
            if f as usize + width as usize > input_len || w as usize + width as usize > self.weights.len() {
                return false;
            }
            i += 1;
        }
        true
    }
}

/// `FilterbankAccumulateChannels` then the kernel's copy of channels `1..`: each
/// output channel is the weighted sum of its bins plus the unweighted sum of the
/// previous channel's bins, in wrapping uint64 (int16 weights sign-extend, as in C).
pub fn filterbank_accumulate(config: &FilterbankConfig<'_>, input: &[u32], output: &mut [u64]) {
    let mut weight_acc: u64 = 0;
    let mut unweight_acc: u64 = 0;
    let channels = config.channel_frequency_starts.iter().zip(config.channel_weight_starts).zip(config.channel_widths);
    for (i, ((&freq_start, &weight_start), &width)) in channels.enumerate() {
        let (f, w, n) = (freq_start as usize, weight_start as usize, width.max(0) as usize);
        // Out-of-range tables (impossible for the built-in ones) read as empty.
        let bins = input.get(f..f.saturating_add(n)).unwrap_or(&[]);
        let weights = config.weights.get(w..w.saturating_add(n)).unwrap_or(&[]);
        let unweights = config.unweights.get(w..w.saturating_add(n)).unwrap_or(&[]);
        for ((&x, &wt), &uw) in bins.iter().zip(weights).zip(unweights) {
            let x = u64::from(x);
            weight_acc = weight_acc.wrapping_add((i64::from(wt) as u64).wrapping_mul(x));
            unweight_acc = unweight_acc.wrapping_add((i64::from(uw) as u64).wrapping_mul(x));
        }
        // Channel 0 is scratch: TFLM computes it and discards it.
        if let Some(o) = i.checked_sub(1).and_then(|c| output.get_mut(c)) {
            *o = weight_acc;
        }
        weight_acc = unweight_acc;
        unweight_acc = 0;
    }
}

/// `FilterbankSqrt`: `Sqrt64(x) >> scale_down_bits` (undoes the FFT auto scale).
pub fn filterbank_sqrt(input: &[u64], scale_down_bits: u32, output: &mut [u32]) {
    for (o, &x) in output.iter_mut().zip(input) {
        *o = sqrt64(x) >> (scale_down_bits & 31);
    }
}

/// `FilterbankLog`: `ln(x << correction_bits) * output_scale`, saturated to int16;
/// 0 when the scaled input is 0 or 1.
pub fn filterbank_log(input: &[u32], output_scale: u32, correction_bits: u32, output: &mut [i16]) {
    for (o, &x) in output.iter_mut().zip(input) {
        let scaled = x << (correction_bits & 31);
        *o = if scaled > 1 { log32(scaled, output_scale).min(i16::MAX as u32) as i16 } else { 0 };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accumulate_carries_unweights_into_the_next_channel() {
        // Channel 0 (scratch) covers bin 0, channel 1 bins 1..3, channel 2 bin 3.
        let config = FilterbankConfig {
            weights: &[4096, 4096, 2048, 1024],
            unweights: &[1, 0, 2048, 3072],
            channel_frequency_starts: &[0, 1, 3],
            channel_weight_starts: &[0, 1, 3],
            channel_widths: &[1, 2, 1],
        };
        assert!(config.is_valid(4));
        let mut out = [0u64; 2];
        filterbank_accumulate(&config, &[10, 20, 30, 40], &mut out);
        assert_eq!(out, [10 + 20 * 4096 + 30 * 2048, 30 * 2048 + 40 * 1024]);
        assert!(!FilterbankConfig { channel_widths: &[1, 2, 2], ..config }.is_valid(4));
    }

    #[test]
    fn log_of_zero_and_one_is_zero() {
        let mut out = [7i16; 3];
        filterbank_log(&[0, 1, 1000], 64, 0, &mut out);
        assert_eq!(out[..2], [0, 0]);
        assert!((f64::from(out[2]) - 64.0 * 1000f64.ln()).abs() < 1.0);
    }
}
