//! The keyword-spotting pipeline: samples in, keyword events out, in fixed memory.
//!
//! ```text
//! samples (any chunk size) ─► StreamingFrontend ─► FeatureWindow (49 x 40, sliding)
//!     ─► model (a closure: the generated `invoke`) ─► RecognizeCommands ─► events
//! ```
//!
//! The model is a closure so that the code `cargo tinyml` generates plugs in without
//! this crate knowing it: copy the window into the model's input, call `invoke`, copy
//! the scores out. Its error type passes through untouched.

use super::frontend::{StreamingFrontend, FEATURES, FRAME_SAMPLES, HOP_SAMPLES};
use super::recognizer::{Recognition, RecognizeCommands, RecognizerConfig, TimeWentBackwards};

/// Frames in micro_speech's input window (one second of 20 ms hops).
pub const KWS_FRAMES: usize = 49;
/// Bytes of micro_speech's input: 49 frames of 40 features, oldest frame first.
pub const KWS_INPUT: usize = KWS_FRAMES * FEATURES;

/// The last `LEN / F` frames of `F` features, oldest first, contiguous so that it can
/// be copied into a model input as it is (TFLM's micro_speech keeps its feature buffer
/// the same way).
#[derive(Clone)]
pub struct FeatureWindow<const F: usize, const LEN: usize> {
    buf: [i8; LEN],
    frames: usize,
}

impl<const F: usize, const LEN: usize> FeatureWindow<F, LEN> {
    const WHOLE_FRAMES: () = assert!(F > 0 && LEN.is_multiple_of(F) && LEN >= F, "LEN must be a multiple of F");

    /// An empty window.
    pub const fn new() -> Self {
        let () = Self::WHOLE_FRAMES;
        Self { buf: [0; LEN], frames: 0 }
    }

    /// Appends a frame, dropping the oldest when the window is full.
    pub fn push(&mut self, frame: &[i8; F]) {
        if self.frames == LEN / F {
            // A 2 KB move per 20 ms hop: negligible next to the FFT, and it keeps the
            // window contiguous for the model.
            self.buf.copy_within(F.., 0);
            self.frames -= 1;
        }
        let at = self.frames * F;
        self.buf[at..at + F].copy_from_slice(frame);
        self.frames += 1;
    }

    /// Whether the window holds `LEN / F` frames.
    pub fn is_full(&self) -> bool {
        self.frames == LEN / F
    }

    /// Frames held (at most `LEN / F`).
    pub fn frames(&self) -> usize {
        self.frames
    }

    /// The window, oldest frame first (unfilled frames are zero).
    pub fn as_slice(&self) -> &[i8; LEN] {
        &self.buf
    }

    /// Empties the window.
    pub fn clear(&mut self) {
        self.buf = [0; LEN];
        self.frames = 0;
    }
}

impl<const F: usize, const LEN: usize> Default for FeatureWindow<F, LEN> {
    fn default() -> Self {
        Self::new()
    }
}

/// Tuning of [`KwsPipeline`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KwsConfig {
    /// Run the model every this many frames once the window is full (1 = every 20 ms
    /// hop; 0 is treated as 1).
    pub infer_every: u16,
    /// Posterior smoothing and detection.
    pub recognizer: RecognizerConfig,
}

impl KwsConfig {
    /// Inference every frame and TFLM's recognizer defaults (1000 ms average, threshold
    /// 200, 1500 ms suppression, at least 3 results), usable in a `static`.
    pub const DEFAULT: Self = Self {
        infer_every: 1,
        recognizer: RecognizerConfig {
            average_window_ms: 1000,
            detection_threshold: 200,
            suppression_ms: 1500,
            minimum_count: 3,
        },
    };
}

impl Default for KwsConfig {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// One inference of [`KwsPipeline`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Inference<const N: usize> {
    /// Index of the frame that completed the window (0-based, since the last reset).
    pub frame: u32,
    /// Stream time at the end of that frame, in milliseconds (30 + 20 * frame).
    pub time_ms: i32,
    /// The model's int8 scores.
    pub scores: [i8; N],
    /// What the recognizer made of them; `is_new_command` is the keyword event.
    pub recognition: Recognition,
}

/// What [`KwsPipeline::push`] reports, in stream order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KwsEvent<'a, const N: usize> {
    /// A new frame of features (for inspection and checksums; free to ignore).
    Frame(&'a [i8; FEATURES]),
    /// The model ran on the current window.
    Inference(Inference<N>),
}

/// Why [`KwsPipeline::push`] stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KwsError<E> {
    /// The model closure failed; the samples after the current frame were not consumed.
    Model(E),
    /// The recognizer saw time go backwards (only after about 24 days of stream time,
    /// when the millisecond clock saturates; call [`KwsPipeline::reset`] before that).
    Time(TimeWentBackwards),
}

/// micro_speech from samples to keyword events: [`StreamingFrontend`], a 49-frame
/// [`FeatureWindow`], the model and [`RecognizeCommands`] over `N` categories.
///
/// Fixed memory: `core::mem::size_of::<KwsPipeline<4>>()` bytes (pinned by a test), plus
/// the model's arena.
pub struct KwsPipeline<const N: usize> {
    frontend: StreamingFrontend,
    window: FeatureWindow<FEATURES, KWS_INPUT>,
    recognizer: RecognizeCommands<N>,
    config: KwsConfig,
    frames: u32,
    /// Frames to skip before the next inference.
    since_inference: u16,
}

impl<const N: usize> KwsPipeline<N> {
    /// A pipeline with empty buffers and a fresh noise estimate.
    pub const fn new(config: KwsConfig) -> Self {
        Self {
            frontend: StreamingFrontend::new(),
            window: FeatureWindow::new(),
            recognizer: RecognizeCommands::new(config.recognizer),
            config,
            frames: 0,
            since_inference: 0,
        }
    }

    /// Starts over: empty buffers, fresh noise estimate and recognizer, time zero.
    pub fn reset(&mut self) {
        *self = Self::new(self.config);
    }

    /// Frames produced since the last reset.
    pub fn frames(&self) -> u32 {
        self.frames
    }

    /// The current feature window (the model's input).
    pub fn window(&self) -> &[i8; KWS_INPUT] {
        self.window.as_slice()
    }

    /// Feeds samples (16 kHz, int16, any chunk size). Every completed 20 ms hop gives
    /// [`KwsEvent::Frame`]; once 49 frames are buffered, every `infer_every` frames
    /// `model(window, scores)` runs and [`KwsEvent::Inference`] follows.
    pub fn push<E>(
        &mut self,
        samples: &[i16],
        mut model: impl FnMut(&[i8; KWS_INPUT], &mut [i8; N]) -> Result<(), E>,
        mut on_event: impl FnMut(KwsEvent<'_, N>),
    ) -> Result<(), KwsError<E>> {
        let mut failure = None;
        let Self { frontend, window, recognizer, config, frames, since_inference } = self;
        frontend.push(samples, |features| {
            // StreamingFrontend has no early exit: after a failure, drop the rest.
            if failure.is_some() {
                return;
            }
            let frame = *frames;
            *frames = frames.saturating_add(1);
            window.push(features);
            on_event(KwsEvent::Frame(features));
            if !window.is_full() {
                return;
            }
            // Frames still to skip before the next inference (0: infer now).
            if *since_inference > 0 {
                *since_inference -= 1;
                return;
            }
            *since_inference = config.infer_every.max(1) - 1;
            let mut scores = [0i8; N];
            if let Err(e) = model(window.as_slice(), &mut scores) {
                failure = Some(KwsError::Model(e));
                return;
            }
            let time_ms = frame_end_ms(frame);
            match recognizer.process_latest_results(&scores, time_ms) {
                Ok(recognition) => on_event(KwsEvent::Inference(Inference { frame, time_ms, scores, recognition })),
                Err(e) => failure = Some(KwsError::Time(e)),
            }
        });
        failure.map_or(Ok(()), Err)
    }
}

/// Stream time at the end of frame `frame`, saturating at `i32::MAX` ms.
pub fn frame_end_ms(frame: u32) -> i32 {
    let samples = FRAME_SAMPLES as u64 + u64::from(frame) * HOP_SAMPLES as u64;
    i32::try_from(samples / 16).unwrap_or(i32::MAX)
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use std::vec::Vec;

    #[test]
    fn const_default_is_tflms() {
        assert_eq!(KwsConfig::DEFAULT.recognizer, RecognizerConfig::default());
    }

    #[test]
    fn window_slides_oldest_first() {
        let mut w = FeatureWindow::<2, 6>::new();
        for i in 0..5i8 {
            w.push(&[i, i]);
        }
        assert!(w.is_full());
        assert_eq!(w.as_slice(), &[2, 2, 3, 3, 4, 4]);
        w.clear();
        assert_eq!(w.frames(), 0);
    }

    fn signal(n: usize) -> Vec<i16> {
        (0..n).map(|i| ((i * 7919) % 20011) as i16 - 10000).collect()
    }

    #[test]
    fn infers_once_the_window_is_full_then_every_n_frames() {
        let mut p = KwsPipeline::<4>::new(KwsConfig { infer_every: 5, ..Default::default() });
        let (mut frames, mut inferences) = (0, Vec::new());
        let s = signal(16_000 + 20 * HOP_SAMPLES);
        for chunk in s.chunks(77) {
            p.push(
                chunk,
                |_, scores| {
                    *scores = [-128, -128, 127, -128];
                    Ok::<_, ()>(())
                },
                |e| match e {
                    KwsEvent::Frame(_) => frames += 1,
                    KwsEvent::Inference(i) => inferences.push(i.frame),
                },
            )
            .unwrap();
        }
        assert_eq!(frames, 69);
        assert_eq!(inferences, [48, 53, 58, 63, 68]);
        assert_eq!(frame_end_ms(48), 990);
    }

    #[test]
    fn model_errors_pass_through_and_stop_the_stream() {
        let mut p = KwsPipeline::<4>::new(KwsConfig::default());
        let mut frames = 0;
        let got = p.push(&signal(20_000), |_, _| Err("boom"), |e| frames += matches!(e, KwsEvent::Frame(_)) as u32);
        assert_eq!(got, Err(KwsError::Model("boom")));
        assert_eq!(frames, 49);
    }

    /// RAM of the pipeline without the model, pinned so it only changes on purpose.
    #[test]
    fn memory_is_fixed() {
        let frontend = core::mem::size_of::<StreamingFrontend>();
        let recognizer = core::mem::size_of::<RecognizeCommands<4>>();
        let total = core::mem::size_of::<KwsPipeline<4>>();
        let window = core::mem::size_of::<FeatureWindow<FEATURES, KWS_INPUT>>();
        // Front end 5,232 B + recognizer 448 B + window 1,968 B + config and counters.
        assert!(total <= frontend + recognizer + window + 32, "{total}");
        assert_eq!(total, 7680);
    }
}
