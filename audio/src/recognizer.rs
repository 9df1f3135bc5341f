//! Posterior smoothing and keyword detection: TFLM micro_speech's `RecognizeCommands`
//! (`tensorflow/lite/micro/examples/micro_speech/recognize_commands.cc`), with the
//! same arithmetic, defaults and edge cases, in fixed memory.
//!
//! Each inference's int8 scores go into a time-stamped queue; scores older than the
//! averaging window are dropped; the average of `score + 128` per category picks the
//! top category, which becomes a new command when it beats the threshold and is not a
//! repeat within the suppression time.

/// Tuning of [`RecognizeCommands`]; [`Default`] is TFLM's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecognizerConfig {
    /// Scores are averaged over this many milliseconds (TFLM: 1000).
    pub average_window_ms: i32,
    /// An average (0..=255, i.e. int8 score + 128) above this detects (TFLM: 200).
    pub detection_threshold: u8,
    /// The same command is not reported again within this time (TFLM: 1500).
    pub suppression_ms: i32,
    /// At least this many results must be in the window (TFLM: 3).
    pub minimum_count: i32,
}

impl Default for RecognizerConfig {
    fn default() -> Self {
        Self { average_window_ms: 1000, detection_threshold: 200, suppression_ms: 1500, minimum_count: 3 }
    }
}

/// What [`RecognizeCommands::process_latest_results`] found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Recognition {
    /// Index of the top category (for micro_speech: 0 silence, 1 unknown, 2 yes, 3 no).
    pub category: usize,
    /// Its average score, 0..=255 (0 while there are too few results).
    pub score: u8,
    /// Whether this is a new detection (the event to act on).
    pub is_new_command: bool,
}

/// A result arrived with a timestamp before the oldest one still queued.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TimeWentBackwards {
    /// The rejected timestamp.
    pub time_ms: i32,
    /// The oldest queued timestamp.
    pub oldest_ms: i32,
}

/// TFLM `RecognizeCommands` for `N` categories with room for `M` queued results
/// (TFLM: 50, i.e. one second of inferences every 20 ms).
pub struct RecognizeCommands<const N: usize, const M: usize = 50> {
    config: RecognizerConfig,
    times: [i32; M],
    scores: [[i8; N]; M],
    /// Index of the oldest queued result.
    front: usize,
    len: usize,
    previous_top: usize,
    previous_top_time: i32,
}

impl<const N: usize, const M: usize> RecognizeCommands<N, M> {
    /// A recognizer with an empty queue whose last reported command is category 0
    /// (silence), as TFLM's constructor sets it.
    pub const fn new(config: RecognizerConfig) -> Self {
        Self {
            config,
            times: [0; M],
            scores: [[0; N]; M],
            front: 0,
            len: 0,
            previous_top: 0,
            previous_top_time: i32::MIN,
        }
    }

    /// TFLM `ProcessLatestResults`: queue `scores` (one inference's int8 output) taken at
    /// `now_ms` and report the smoothed top category.
    pub fn process_latest_results(&mut self, scores: &[i8; N], now_ms: i32) -> Result<Recognition, TimeWentBackwards> {
        if self.len > 0 && now_ms < self.times[self.front] {
            return Err(TimeWentBackwards { time_ms: now_ms, oldest_ms: self.times[self.front] });
        }
        // TFLM's queue drops (and logs) a result when it is full.
        if self.len < M {
            let slot = (self.front + self.len) % M;
            self.times[slot] = now_ms;
            self.scores[slot] = *scores;
            self.len += 1;
        }
        let time_limit = i64::from(now_ms) - i64::from(self.config.average_window_ms);
        while self.len > 0 && i64::from(self.times[self.front]) < time_limit {
            self.front = (self.front + 1) % M;
            self.len -= 1;
        }

        let how_many = self.len as i64;
        // TFLM reads front() even when the queue is empty (undefined); with M >= 1 the
        // new result is always queued unless the queue is full, so it is never empty.
        let earliest = if self.len > 0 { i64::from(self.times[self.front]) } else { i64::from(now_ms) };
        let duration = i64::from(now_ms) - earliest;
        if how_many < i64::from(self.config.minimum_count) || duration < i64::from(self.config.average_window_ms / 4) {
            return Ok(Recognition { category: self.previous_top, score: 0, is_new_command: false });
        }

        let mut average = [0i64; N];
        for k in 0..self.len {
            let s = &self.scores[(self.front + k) % M];
            for (a, &v) in average.iter_mut().zip(s) {
                *a += i64::from(v) + 128;
            }
        }
        let (mut top, mut top_score) = (0, 0i64);
        for (i, a) in average.iter_mut().enumerate() {
            *a /= how_many;
            if *a > top_score {
                top_score = *a;
                top = i;
            }
        }

        let since_last_top = if self.previous_top == 0 || self.previous_top_time == i32::MIN {
            i64::from(i32::MAX)
        } else {
            i64::from(now_ms) - i64::from(self.previous_top_time)
        };
        let is_new_command = top_score > i64::from(self.config.detection_threshold)
            && (top != self.previous_top || since_last_top > i64::from(self.config.suppression_ms));
        if is_new_command {
            self.previous_top = top;
            self.previous_top_time = now_ms;
        }
        Ok(Recognition { category: top, score: top_score.clamp(0, 255) as u8, is_new_command })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const YES: [i8; 4] = [-128, -128, 127, -128];
    const NO: [i8; 4] = [-128, -128, -128, 127];

    /// TFLM's `RecognizeCommandsTestFindCommands`, with its expected score of 231 (the
    /// score of the last call: at 1900 ms the window holds one "yes" and ten "no").
    #[test]
    fn finds_yes_then_no_like_tflm() {
        let config = RecognizerConfig { detection_threshold: 51, ..Default::default() };
        let mut r = RecognizeCommands::<4>::new(config);
        let mut found = None;
        for i in 0..10 {
            let got = r.process_latest_results(&YES, i * 100).unwrap();
            if got.is_new_command {
                assert!(found.is_none(), "yes reported twice");
                found = Some(got.category);
            }
        }
        assert_eq!(found, Some(2));
        let (mut found, mut score) = (None, 0);
        for i in 0..10 {
            let got = r.process_latest_results(&NO, 1000 + i * 100).unwrap();
            if got.is_new_command {
                assert!(found.is_none(), "no reported twice");
                found = Some(got.category);
            }
            score = got.score;
        }
        assert_eq!(found, Some(3));
        assert_eq!(score, 231);
    }

    /// TFLM's `RecognizeCommandsTestBadInputTimes`.
    #[test]
    fn rejects_time_going_backwards() {
        let mut r = RecognizeCommands::<4>::new(RecognizerConfig { detection_threshold: 51, ..Default::default() });
        r.process_latest_results(&YES, 100).unwrap();
        assert_eq!(r.process_latest_results(&YES, 0), Err(TimeWentBackwards { time_ms: 0, oldest_ms: 100 }));
    }

    /// TFLM's `RecognizeCommandsTestTooFewInputs`: one result is not enough.
    #[test]
    fn too_few_inputs_give_score_zero() {
        let mut r = RecognizeCommands::<4>::new(RecognizerConfig { detection_threshold: 51, ..Default::default() });
        let got = r.process_latest_results(&YES, 100).unwrap();
        assert_eq!(got, Recognition { category: 0, score: 0, is_new_command: false });
    }

    #[test]
    fn suppresses_repeats_and_survives_a_full_queue() {
        let mut r = RecognizeCommands::<4, 8>::new(RecognizerConfig::default());
        let mut events = 0;
        // 200 results 10 ms apart: more than the queue holds within one window.
        for i in 0..200 {
            if r.process_latest_results(&YES, i * 10).unwrap().is_new_command {
                events += 1;
            }
        }
        // 2 s of "yes" with 1.5 s suppression: reported at most twice.
        assert!((1..=2).contains(&events), "{events} events");
    }
}
