//! Live analysis: the offline pipeline (`analysis::analyze`) run over a sliding window of the newest frames, so the
//! numbers shown live are the ones `runpose analyze` writes, defined once in docs/metrics.md (§Live analysis says
//! what the window changes).

use std::collections::VecDeque;

use crate::analysis::{Analysis, AnalysisConfig, AnalysisError, PoseFrame, analyze};
use crate::metrics::StepMetrics;

/// Length of the sliding window, seconds: long enough for the ground line, the facing and left/right to settle on
/// a dozen steps, short enough that a re-run per frame stays within a few milliseconds.
pub const LIVE_WINDOW_S: f64 = 6.0;
/// A step is taken once its toe-off and the next initial contact lie this far behind the newest frame (and a frame's
/// fall angle once its stance is taken): the smoother and the contact detector have then seen the frames after it,
/// so it no longer changes.
pub const SETTLE_S: f64 = 0.2;
/// Nothing settles before the window spans this long: the ground line, the contact thresholds and left/right are
/// learnt from the window, and need several steps.
pub const MIN_WINDOW_S: f64 = 4.0;
/// How far back the step table and the charts reach, seconds.
pub const HISTORY_S: f64 = 30.0;

/// What the live view draws for the newest frame.
#[derive(Debug, Clone)]
pub struct LiveView {
    /// The analysis of the window; its last frame is the newest.
    pub analysis: Analysis,
    /// Steps settled in the last `HISTORY_S`, oldest first, numbered from the start of the session.
    pub steps: Vec<StepMetrics>,
    /// Fall angle of each settled frame in the last `HISTORY_S`: `[t, degrees, confidence]`.
    pub fall_angle: Vec<[f64; 3]>,
}

impl LiveView {
    /// Index of the newest frame in `analysis`.
    pub fn newest(&self) -> usize {
        self.analysis.frames.len() - 1
    }

    /// The newest settled step: the one the coach talks about now.
    pub fn last_step(&self) -> Option<&StepMetrics> {
        self.steps.last()
    }
}

/// Keeps the window and the settled history; `push` one frame at a time, in time order.
#[derive(Debug, Clone)]
pub struct LiveAnalyzer {
    config: AnalysisConfig,
    window: VecDeque<PoseFrame>,
    steps: VecDeque<StepMetrics>,
    fall_angle: VecDeque<[f64; 3]>,
    /// Time of the newest frame whose fall angle went into the history.
    settled_until: f64,
    steps_seen: usize,
}

impl LiveAnalyzer {
    /// Live analysis with `config`; the contact still going on at the newest frame gives it its support foot
    /// (`ContactParams::open_end`).
    pub fn new(mut config: AnalysisConfig) -> Self {
        config.contact.open_end = true;
        Self {
            config,
            window: VecDeque::new(),
            steps: VecDeque::new(),
            fall_angle: VecDeque::new(),
            settled_until: f64::NEG_INFINITY,
            steps_seen: 0,
        }
    }

    pub fn config(&self) -> &AnalysisConfig {
        &self.config
    }

    /// Forgets everything (a new runner, a new source).
    pub fn reset(&mut self) {
        *self = Self::new(self.config);
    }

    /// Adds the newest frame and analyses the window. A frame older than the newest one is ignored (a source
    /// restarted: call `reset`). Errors say why nothing can be measured yet (no runner in the window).
    pub fn push(&mut self, frame: PoseFrame) -> Result<LiveView, AnalysisError> {
        if self.window.back().is_some_and(|last| frame.t <= last.t) {
            self.reset();
        }
        let now = frame.t;
        self.window.push_back(frame);
        while self.window.front().is_some_and(|f| now - f.t > LIVE_WINDOW_S) {
            self.window.pop_front();
        }
        let analysis = analyze(self.window.iter().cloned().collect(), &self.config)?;
        // Steps settle once their events are aligned to the average step, as `analyze` aligns them, or once the
        // window is full whatever it holds.
        let span = self.window.front().map_or(0.0, |f| now - f.t);
        let aligned = analysis.summary.events_aligned.len() == 2 || analysis.summary.events_timed.len() == 2;
        if span >= MIN_WINDOW_S && (aligned || span >= LIVE_WINDOW_S - SETTLE_S) {
            self.settle(&analysis, now);
        }
        Ok(LiveView {
            analysis,
            steps: self.steps.iter().cloned().collect(),
            fall_angle: self.fall_angle.iter().copied().collect(),
        })
    }

    /// Moves what no longer changes into the history: steps whose next initial contact lies `SETTLE_S` behind
    /// `now`, and the frames up to the last toe-off that far behind (a fall angle exists only in a stance, and a stance is measured once it
    /// has ended).
    fn settle(&mut self, analysis: &Analysis, now: f64) {
        let horizon = now - SETTLE_S;
        let last_ic = self.steps.back().map_or(f64::NEG_INFINITY, |s| s.ic_t);
        // A step's cadence and flight time need the next contact: it settles once that contact is settled too.
        let settled = |k: usize| analysis.steps.get(k + 1).is_some_and(|next| next.ic_t <= horizon);
        let new_steps = analysis.steps.iter().enumerate().filter(|&(k, s)| settled(k) && s.ic_t > last_ic + 0.5 * (s.to_t - s.ic_t));
        for (_, step) in new_steps {
            let mut step = step.clone();
            step.index = self.steps_seen;
            self.steps_seen += 1;
            self.steps.push_back(step);
        }
        let frames_until = analysis.stances.iter().map(|s| s.to_t).filter(|&t| t <= horizon).fold(f64::NEG_INFINITY, f64::max);
        for (f, m) in analysis.frames.iter().zip(&analysis.metrics) {
            if f.t > self.settled_until && f.t <= frames_until {
                if let Some(angle) = m.fall_angle_deg {
                    self.fall_angle.push_back([f.t, angle, m.fall_angle_confidence.unwrap_or(0.0)]);
                }
                self.settled_until = f.t;
            }
        }
        while self.steps.front().is_some_and(|s| now - s.ic_t > HISTORY_S) {
            self.steps.pop_front();
        }
        while self.fall_angle.front().is_some_and(|p| now - p[0] > HISTORY_S) {
            self.fall_angle.pop_front();
        }
    }
}
