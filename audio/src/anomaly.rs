//! The anomaly path of MLPerf Tiny's AD benchmark: log-mel windows, the autoencoder
//! (`ad01_int8.tflite`), the reconstruction error as the score, a threshold.
//!
//! A window is 5 consecutive log-mel frames of 128 bands (640 floats). It is quantized
//! with the model's input scale and zero point, the model reconstructs it, and the score
//! is the mean squared error between the float window and the dequantized output, as the
//! MLPerf Tiny reference (`th_results` of the AD submission) computes it. The model is a
//! closure so that the generated `invoke` plugs in.

/// Log-mel bands per frame of the AD model.
pub const AD_BANDS: usize = 128;
/// Frames per window.
pub const AD_FRAMES: usize = 5;
/// Values per window (the model's input and output length).
pub const AD_INPUT: usize = AD_BANDS * AD_FRAMES;

/// Affine int8 quantization parameters of a tensor: `real = scale * (q - zero_point)`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Quantization {
    /// Scale (positive).
    pub scale: f32,
    /// Zero point.
    pub zero_point: i32,
}

/// A value that is NaN or infinite where features must be finite: the input is bad (a
/// corrupt feature file or a broken front end), not the model.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct NonFinite {
    /// Index of the first such value in the window.
    pub index: usize,
    /// The value.
    pub value: f32,
}

/// Why [`AnomalyDetector::score`] failed.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum AnomalyError<E> {
    /// The window holds NaN or infinity.
    NonFinite(NonFinite),
    /// The model closure failed.
    Model(E),
}

/// Rounds half away from zero, exactly, without libm (TFLM's `TfLiteRound`, which is
/// `std::round`). `x` must be finite.
fn round_half_away(x: f32) -> f32 {
    // Beyond 2^23 every f32 is an integer already; below, truncation is exact.
    if x.is_nan() || x.abs() >= 8_388_608.0 {
        return x;
    }
    let t = x as i32 as f32;
    let frac = x - t;
    if frac >= 0.5 {
        t + 1.0
    } else if frac <= -0.5 {
        t - 1.0
    } else {
        t
    }
}

/// Quantizes `input` into `out` as TFLM's QUANTIZE does (`round(x / scale) + zero_point`
/// in f32, saturated to int8). NaN or infinity is an error, never a silent -128/127.
pub fn quantize(input: &[f32], q: Quantization, out: &mut [i8]) -> Result<(), NonFinite> {
    if let Some((index, &value)) = input.iter().enumerate().find(|(_, v)| !v.is_finite()) {
        return Err(NonFinite { index, value });
    }
    for (o, &x) in out.iter_mut().zip(input) {
        let r = round_half_away(x / q.scale);
        // Saturating float-to-int cast, then the zero point in i64 so nothing wraps.
        let v = i64::from(r as i32) + i64::from(q.zero_point);
        *o = v.clamp(-128, 127) as i8;
    }
    Ok(())
}

/// Mean of `(input[i] - scale * (output[i] - zero_point))^2`: the reconstruction error
/// on dequantized values. Summed in f32 in index order, like the MLPerf C reference.
pub fn reconstruction_error(input: &[f32], output: &[i8], q: Quantization) -> f32 {
    let n = input.len().min(output.len());
    if n == 0 {
        return 0.0;
    }
    let mut sum = 0.0f32;
    for (&x, &y) in input.iter().zip(output) {
        let d = x - q.scale * (i32::from(y) - q.zero_point) as f32;
        sum += d * d;
    }
    sum / n as f32
}

/// One scored window.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AnomalyScore {
    /// Mean squared reconstruction error.
    pub score: f32,
    /// `score > threshold`.
    pub is_anomaly: bool,
}

/// Scores log-mel windows with an autoencoder; also assembles windows from a stream of
/// frames (5 frames, hop 1 frame).
///
/// Fixed memory: the float window, the quantized input and the model's output, about
/// 3.9 KB (`core::mem::size_of::<AnomalyDetector>()`), plus the model's arena.
pub struct AnomalyDetector {
    input_q: Quantization,
    output_q: Quantization,
    threshold: f32,
    window: [f32; AD_INPUT],
    frames: usize,
    quantized: [i8; AD_INPUT],
    output: [i8; AD_INPUT],
}

impl AnomalyDetector {
    /// A detector for a model with these input and output quantizations (the generated
    /// `INPUT0_SCALE`/`INPUT0_ZERO_POINT`, `OUTPUT0_...`); scores above `threshold` are
    /// anomalies.
    pub const fn new(input_q: Quantization, output_q: Quantization, threshold: f32) -> Self {
        Self {
            input_q,
            output_q,
            threshold,
            window: [0.0; AD_INPUT],
            frames: 0,
            quantized: [0; AD_INPUT],
            output: [0; AD_INPUT],
        }
    }

    /// Scores one window: quantize, `model(input, output)`, reconstruction error.
    pub fn score<E>(
        &mut self,
        window: &[f32; AD_INPUT],
        model: impl FnOnce(&[i8; AD_INPUT], &mut [i8; AD_INPUT]) -> Result<(), E>,
    ) -> Result<AnomalyScore, AnomalyError<E>> {
        quantize(window, self.input_q, &mut self.quantized).map_err(AnomalyError::NonFinite)?;
        model(&self.quantized, &mut self.output).map_err(AnomalyError::Model)?;
        let score = reconstruction_error(window, &self.output, self.output_q);
        Ok(AnomalyScore { score, is_anomaly: score > self.threshold })
    }

    /// Appends one log-mel frame; once 5 frames are buffered, scores the window of the
    /// last 5 (so every frame after the fourth gives a score).
    pub fn push_frame<E>(
        &mut self,
        frame: &[f32; AD_BANDS],
        model: impl FnOnce(&[i8; AD_INPUT], &mut [i8; AD_INPUT]) -> Result<(), E>,
    ) -> Result<Option<AnomalyScore>, AnomalyError<E>> {
        if let Some(index) = frame.iter().position(|v| !v.is_finite()) {
            return Err(AnomalyError::NonFinite(NonFinite { index, value: frame[index] }));
        }
        if self.frames == AD_FRAMES {
            self.window.copy_within(AD_BANDS.., 0);
            self.frames -= 1;
        }
        let at = self.frames * AD_BANDS;
        self.window[at..at + AD_BANDS].copy_from_slice(frame);
        self.frames += 1;
        if self.frames < AD_FRAMES {
            return Ok(None);
        }
        let window = self.window;
        self.score(&window, model).map(Some)
    }

    /// Forgets the buffered frames (a new stream starts; the next window is complete after
    /// 5 more frames).
    pub fn reset(&mut self) {
        self.frames = 0;
    }

    /// The model's last output (valid after a score).
    pub fn output(&self) -> &[i8; AD_INPUT] {
        &self.output
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const Q: Quantization = Quantization { scale: 0.5, zero_point: 10 };

    #[test]
    fn rounds_half_away_from_zero() {
        for (x, want) in [(0.5, 1.0), (-0.5, -1.0), (1.49, 1.0), (-2.5, -3.0), (0.49999997, 0.0), (1e9, 1e9)] {
            assert_eq!(round_half_away(x), want, "{x}");
        }
    }

    #[test]
    fn quantizes_like_tflm_and_saturates() {
        let mut out = [0i8; 5];
        quantize(&[0.0, 0.25, -0.25, 1000.0, -1e30], Q, &mut out).unwrap();
        assert_eq!(out, [10, 11, 9, 127, -128]);
    }

    #[test]
    fn non_finite_features_are_an_error() {
        let mut out = [0i8; 3];
        assert_eq!(
            quantize(&[0.0, f32::INFINITY, 1.0], Q, &mut out),
            Err(NonFinite { index: 1, value: f32::INFINITY })
        );
        let err = quantize(&[f32::NAN], Q, &mut out).unwrap_err();
        assert_eq!(err.index, 0);
        assert!(err.value.is_nan());

        let mut d = AnomalyDetector::new(Q, Q, 1.0);
        let mut frame = [0.0f32; AD_BANDS];
        frame[7] = f32::NEG_INFINITY;
        let got = d.push_frame(&frame, |_, _| Ok::<_, ()>(()));
        assert_eq!(got, Err(AnomalyError::NonFinite(NonFinite { index: 7, value: f32::NEG_INFINITY })));
    }

    #[test]
    fn perfect_reconstruction_scores_zero() {
        let mut d = AnomalyDetector::new(Q, Q, 0.1);
        let window = [1.5f32; AD_INPUT];
        let s = d.score(&window, |i, o| {
            o.copy_from_slice(i);
            Ok::<_, ()>(())
        });
        assert_eq!(s, Ok(AnomalyScore { score: 0.0, is_anomaly: false }));
        // Off by one step everywhere: error = scale^2.
        let s = d.score(&window, |i, o| {
            for (o, &i) in o.iter_mut().zip(i) {
                *o = i + 1;
            }
            Ok::<_, ()>(())
        });
        assert_eq!(s, Ok(AnomalyScore { score: 0.25, is_anomaly: true }));
    }

    #[test]
    fn frames_make_windows_with_hop_one() {
        let mut d = AnomalyDetector::new(Q, Q, 1.0);
        let mut seen = 0;
        for f in 0..8 {
            let frame = [f as f32; AD_BANDS];
            let got = d
                .push_frame(&frame, |i, o| {
                    // The window is frames f-4..=f, oldest first.
                    assert_eq!(i[0], (((f - 4) as f32 / 0.5) as i32 + 10) as i8);
                    o.copy_from_slice(i);
                    Ok::<_, ()>(())
                })
                .unwrap();
            seen += got.is_some() as u32;
        }
        assert_eq!(seen, 4);
    }
}
