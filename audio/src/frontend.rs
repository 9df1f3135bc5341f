//! The micro_speech front end: one 30 ms frame of 16 kHz samples to 40 int8
//! features, the whole graph of `audio_preprocessor_int8.tflite` in order.

use super::filterbank::{filterbank_accumulate, filterbank_log, filterbank_sqrt, FilterbankConfig};
use super::noise::{pcan, spectral_subtraction};
use super::rfft::{rfft, Complex, RfftScratch, FFT_BINS, FFT_LENGTH};
use super::spectrum::{apply_window, fft_auto_scale, spectrum_to_energy};
use super::tables as t;

/// Samples per frame (30 ms at 16 kHz).
pub const FRAME_SAMPLES: usize = 480;
/// Samples between frames (20 ms at 16 kHz).
pub const HOP_SAMPLES: usize = 320;
/// Features per frame (filter bank channels).
pub const FEATURES: usize = t::NUM_CHANNELS;

const _: () = assert!(t::FFT_LENGTH == FFT_LENGTH && FRAME_SAMPLES <= FFT_LENGTH);
const _: () = assert!(t::WINDOW.len() == FRAME_SAMPLES && t::ENERGY_END <= FFT_BINS);
const FILTERBANK: FilterbankConfig<'static> = FilterbankConfig {
    weights: &t::FILTERBANK_WEIGHTS,
    unweights: &t::FILTERBANK_UNWEIGHTS,
    channel_frequency_starts: &t::FILTERBANK_FREQ_STARTS,
    channel_weight_starts: &t::FILTERBANK_WEIGHT_STARTS,
    channel_widths: &t::FILTERBANK_WIDTHS,
};
const _: () = assert!(FILTERBANK.is_valid(FFT_BINS) && t::FILTERBANK_WIDTHS.len() == FEATURES + 1);

/// The TFLM micro_speech audio front end, bit-exact with the signal library ops of
/// `audio_preprocessor_int8.tflite` run in TFLM.
///
/// Holds the spectral subtraction noise estimate (160 bytes of state carried from frame
/// to frame) and its scratch buffers, so it needs no heap and little stack: about
/// 4.3 KB in all (`core::mem::size_of::<MicroFrontend>()`).
pub struct MicroFrontend {
    noise_estimate: [u32; FEATURES],
    fft_input: [i16; FFT_LENGTH],
    fft_scratch: RfftScratch,
    spectrum: [Complex; FFT_BINS],
    energy: [u32; FFT_BINS],
}

impl MicroFrontend {
    /// A front end with a zero noise estimate (TFLM's state after `Prepare`/`Reset`).
    pub const fn new() -> Self {
        Self {
            noise_estimate: [0; FEATURES],
            fft_input: [0; FFT_LENGTH],
            fft_scratch: RfftScratch::new(),
            spectrum: [Complex { re: 0, im: 0 }; FFT_BINS],
            energy: [0; FFT_BINS],
        }
    }

    /// Forgets the noise estimate, as TFLM's `Reset` of the spectral subtraction op.
    pub fn reset(&mut self) {
        self.noise_estimate = [0; FEATURES];
    }

    /// The current per-channel noise estimate (the model's second spectral subtraction
    /// output), for inspection.
    pub fn noise_estimate(&self) -> &[u32; FEATURES] {
        &self.noise_estimate
    }

    /// Computes the features of one frame and updates the noise estimate.
    pub fn process_frame(&mut self, samples: &[i16; FRAME_SAMPLES], out: &mut [i8; FEATURES]) {
        // SignalWindow, then SignalFftAutoScale over the 480 windowed samples.
        let (frame, padding) = self.fft_input.split_at_mut(FRAME_SAMPLES);
        apply_window(samples, &t::WINDOW, t::WINDOW_SHIFT, frame);
        let scale_bits = fft_auto_scale(frame);
        // SignalRfft zero-pads the frame to the FFT length.
        padding.fill(0);
        rfft(&self.fft_input, &mut self.fft_scratch, &mut self.spectrum);
        // SignalEnergy over [start, end), the rest zeroed by STRIDED_SLICE/CONCATENATION.
        spectrum_to_energy(&self.spectrum, t::ENERGY_START, t::ENERGY_END, &mut self.energy);

        let mut channels = [0u64; FEATURES];
        filterbank_accumulate(&FILTERBANK, &self.energy, &mut channels);
        let mut magnitude = [0u32; FEATURES];
        filterbank_sqrt(&channels, scale_bits, &mut magnitude);
        let mut cleaned = [0u32; FEATURES];
        spectral_subtraction(&t::SPECTRAL_SUBTRACTION, &magnitude, &mut cleaned, &mut self.noise_estimate);
        pcan(&t::PCAN_GAIN_LUT, t::PCAN_SNR_SHIFT, &self.noise_estimate, &mut cleaned);
        let mut log = [0i16; FEATURES];
        filterbank_log(&cleaned, t::LOG_OUTPUT_SCALE, t::LOG_INPUT_CORRECTION_BITS, &mut log);

        for (o, &l) in out.iter_mut().zip(&log) {
            *o = quantize_log(l);
        }
    }
}

impl Default for MicroFrontend {
    fn default() -> Self {
        Self::new()
    }
}

/// The model's int32 tail: CAST, MUL, ADD, DIV (truncating), ADD, MINIMUM, MAXIMUM,
/// CAST to int8; it maps the log (scale 64, about 0..670) onto -128..127.
// MINIMUM then MAXIMUM in the model's order: unlike `clamp` this cannot panic whatever
// the constants.
#[allow(clippy::manual_clamp)]
pub fn quantize_log(log: i16) -> i8 {
    let v = i32::from(log).wrapping_mul(t::TAIL_MUL).wrapping_add(t::TAIL_ADD);
    let v = v.checked_div(t::TAIL_DIV).unwrap_or(0);
    v.wrapping_add(t::TAIL_OFFSET).min(t::TAIL_MIN).max(t::TAIL_MAX) as i8
}

/// [`MicroFrontend`] fed with chunks of any size: keeps the last 480 samples and emits
/// one feature frame every 320 samples, as TFLM's micro_speech feature provider does.
pub struct StreamingFrontend {
    frontend: MicroFrontend,
    window: [i16; FRAME_SAMPLES],
    filled: usize,
}

impl StreamingFrontend {
    /// An empty stream: the first frame comes after 480 samples.
    pub const fn new() -> Self {
        Self { frontend: MicroFrontend::new(), window: [0; FRAME_SAMPLES], filled: 0 }
    }

    /// Drops buffered samples and the noise estimate.
    pub fn reset(&mut self) {
        self.frontend.reset();
        self.filled = 0;
    }

    /// Appends `samples`; calls `on_frame` with each completed frame's features.
    pub fn push(&mut self, mut samples: &[i16], mut on_frame: impl FnMut(&[i8; FEATURES])) {
        while !samples.is_empty() {
            let take = (FRAME_SAMPLES - self.filled).min(samples.len());
            let (head, rest) = samples.split_at(take);
            self.window[self.filled..self.filled + take].copy_from_slice(head);
            self.filled += take;
            samples = rest;
            if self.filled == FRAME_SAMPLES {
                let mut features = [0i8; FEATURES];
                self.frontend.process_frame(&self.window, &mut features);
                on_frame(&features);
                self.window.copy_within(HOP_SAMPLES.., 0);
                self.filled = FRAME_SAMPLES - HOP_SAMPLES;
            }
        }
    }
}

impl Default for StreamingFrontend {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use std::vec::Vec;

    #[test]
    fn tail_matches_the_model_arithmetic() {
        assert_eq!(quantize_log(0), -128);
        // (670 * 256 + 333) / 666 - 128 = 130 -> 127.
        assert_eq!(quantize_log(670), 127);
        assert_eq!(quantize_log(333), ((333 * 256 + 333) / 666 - 128) as i8);
        assert_eq!(quantize_log(i16::MAX), 127);
    }

    /// RAM of the front end, pinned so it only changes on purpose.
    #[test]
    fn memory_is_fixed() {
        assert_eq!(core::mem::size_of::<MicroFrontend>(), 4264);
        assert_eq!(core::mem::size_of::<StreamingFrontend>(), 4264 + 2 * FRAME_SAMPLES + core::mem::size_of::<usize>());
    }

    #[test]
    fn silence_gives_the_lowest_feature() {
        let mut fe = MicroFrontend::new();
        let mut out = [0i8; FEATURES];
        fe.process_frame(&[0; FRAME_SAMPLES], &mut out);
        assert_eq!(out, [-128; FEATURES]);
    }

    /// Full-scale and pathological frames (debug builds check every overflow): the
    /// front end must not panic whatever the samples.
    #[test]
    fn extreme_inputs_do_not_panic() {
        let mut fe = MicroFrontend::new();
        let mut out = [0i8; FEATURES];
        let mut seed = 0x1234_5678u32;
        let mut frames: Vec<[i16; FRAME_SAMPLES]> = std::vec![
            [i16::MIN; FRAME_SAMPLES],
            [i16::MAX; FRAME_SAMPLES],
            core::array::from_fn(|i| if i % 2 == 0 { i16::MIN } else { i16::MAX }),
            core::array::from_fn(|i| if (i / 3) % 2 == 0 { i16::MIN } else { i16::MAX }),
            core::array::from_fn(|i| if i == 240 { i16::MIN } else { 0 }),
        ];
        for _ in 0..50 {
            frames.push(core::array::from_fn(|_| {
                seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                (seed >> 16) as i16
            }));
        }
        for frame in &frames {
            fe.process_frame(frame, &mut out);
        }
    }

    #[test]
    fn streaming_equals_frame_by_frame_for_any_chunk_size() {
        let signal: Vec<i16> = (0..4000).map(|i| ((i * 7919) % 20011) as i16 - 10000).collect();
        let mut reference = Vec::new();
        let mut fe = MicroFrontend::new();
        for start in (0..=signal.len() - FRAME_SAMPLES).step_by(HOP_SAMPLES) {
            let mut out = [0i8; FEATURES];
            fe.process_frame(signal[start..start + FRAME_SAMPLES].try_into().unwrap(), &mut out);
            reference.push(out);
        }
        for chunk in [1, 7, 160, 320, 333, 4000] {
            let mut s = StreamingFrontend::new();
            let mut got = Vec::new();
            for c in signal.chunks(chunk) {
                s.push(c, |f| got.push(*f));
            }
            assert_eq!(got, reference, "chunk size {chunk}");
        }
    }
}
