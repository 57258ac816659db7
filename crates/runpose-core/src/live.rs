//! Live analysis: the offline pipeline (`analysis::analyze`) run over a sliding window of the newest frames, so the
//! numbers shown live are the ones `runpose analyze` writes, defined once in docs/metrics.md (§Live analysis says
//! what the window changes).

use std::collections::VecDeque;

mod cadence;
mod count;

use crate::analysis::{Analysis, AnalysisConfig, AnalysisError, analyze};
use crate::gaps::frames_missing;
use crate::metrics::StepMetrics;
use crate::skeleton::{PoseFrame, Side};
pub use cadence::{CadenceFit, contacts_cadence_fit, contacts_cadence_spm, settled_cadence_fit, settled_cadence_spm};
pub use count::{CLEAR_COUNT, CLEAR_COUNT_PER_STEP};
use count::{clear_count, step_period, steps_between};

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
/// A step beside dropped frames is settled only when its contact time and its step time (and the step before it its
/// step time) lie within this many frame intervals of the medians of its foot's settled steps, or of the window's
/// steps until there are `RHYTHM_STEPS` (docs/metrics.md §Live analysis).
pub const RHYTHM_FRAMES: f64 = 1.0;
/// A step with every frame around it seen is settled only within this many frame intervals of its foot's rhythm
/// (as `RHYTHM_FRAMES`): a landing timed 3.5–5 frames off (the full model's, with frames dropped elsewhere) made
/// one step that much too long and the one before it too short, and numbered the steps after it wrong.
pub const RHYTHM_FRAMES_SEEN: f64 = 2.0;
/// How far back the settled steps a new step is counted from may lie, seconds (`LiveAnalyzer`): about a dozen
/// steps, over which the typical step time is known to well under a step.
pub const ANCHOR_S: f64 = 4.0;
/// Settled steps of a foot that set its rhythm for the steps beside dropped frames (else the window's steps do).
pub const RHYTHM_STEPS: usize = 3;
/// The newest settled steps a window's names of the feet are checked against (`LiveAnalyzer::named_feet`).
pub const NAMING_STEPS: usize = 4;
/// Least settled steps a window must find to vote on the naming of the feet (`LiveAnalyzer::named_feet`): with one,
/// a window whose cleaning swapped the legs across dropped frames renamed a step that was named right (with 54 %
/// of the frames dropped, the treadmill clip's only settled step for seconds).
pub const NAMING_MIN_MATCHED: usize = 2;
/// How many windows' votes the naming of the feet keeps (`LiveAnalyzer::named_feet`): about a second of frames.
pub const NAMING_MEMORY: i32 = 30;
/// A window's step period further than this share from the settled steps' is not the run's (`LiveAnalyzer`'s
/// numbering takes the settled one): a runner's cadence changes by a few per cent over the history's half minute.
pub const PERIOD_AGREEMENT: f64 = 0.1;
/// How many windows' step periods the tracked period is the median of (`count::step_period`'s prior): about a
/// second of frames; the first windows of a session each search every period.
pub const PERIOD_MEMORY: usize = 30;
/// How far back from the newest settled step the settled steps that check a window's step period reach, seconds
/// (`LiveAnalyzer::settled_period`): some 28 steps, few enough that a runner who changes pace is followed within it.
pub const SETTLED_PERIOD_S: f64 = 10.0;
/// Least settled steps whose line checks a window's step period (`LiveAnalyzer::settled_period`).
pub const SETTLED_PERIOD_STEPS: usize = 4;
/// Two initial contacts this close, seconds, are one contact seen by two windows (steps are ~0.3 s apart).
const SAME_CONTACT_S: f64 = 0.1;
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
    /// Share of the window's frames the machine dropped (put back by interpolation, `gaps::fill_gaps`).
    pub dropped_share: f64,
    /// Where the source jumped (`LiveAnalyzer::restart`) in the last `HISTORY_S`: the last frame's time before each
    /// jump, oldest first. No number is counted across one (`counted_since_jump`).
    pub jumps: Vec<f64>,
}

/// Above this share of dropped frames in the window the live numbers are shown as uncertain (docs/metrics.md §Live
/// analysis): with more gone, fewer steps settle and their timing rests more on the frames put back.
pub const UNCERTAIN_DROPPED_SHARE: f64 = 0.15;

/// How many of the newest settled steps the live medians are taken over (docs/metrics.md §Live analysis).
pub const ROLLING_STEPS: usize = 6;
/// How many of the newest settled steps the live cadence is counted over: a line through six steps' contacts timed a
/// frame off fixes the cadence only to about 4 spm (`CadenceFit`), through twelve to about 1.3 spm. Over 130 runs of
/// the treadmill clip with 18-45 % of frames dropped (the full model) the cadence over six steps was up to 9 spm off
/// the hand annotation's, over twelve 1.8.
pub const ROLLING_CADENCE_STEPS: usize = 12;
/// The live cadence is sure (shown in white, not grey) over at least this many settled steps, with a standard error
/// (`CadenceFit::se_spm`) of at most `SURE_CADENCE_SE_SPM`: over fewer, a few contacts can lie on a line by chance (in
/// the runs above, three steps with a standard error of 0.6 spm were 18 spm off). In those runs a sure cadence was
/// at most 2.6 spm from the annotation's (at most 4.4 with a bound of 1.5 spm).
pub const SURE_CADENCE_STEPS: usize = 8;
/// Confidence of a settled step's own cadence live (its one step time; `LiveAnalyzer::settle`): low.
pub const LIVE_STEP_CADENCE_CONFIDENCE: f64 = 0.3;
/// Why a settled step's own cadence is low confidence live (steps.csv's `flagged`, `runpose live --steps-out`).
pub const LIVE_STEP_CADENCE_WHY: &str = "one step's time live; the panel counts it over the last 12 steps";
/// The largest standard error of a sure live cadence, steps/min: about 95 % of sure cadences lie within twice it.
pub const SURE_CADENCE_SE_SPM: f64 = 1.0;

/// The live panel's numbers: the cadence over the newest `ROLLING_CADENCE_STEPS` settled steps (`rolling_cadence`)
/// and whether it is sure; the rest medians over the newest `ROLLING_STEPS`, each over the steps that do not
/// flag it (docs/metrics.md §Flags).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Rolling {
    pub cadence_spm: Option<f64>,
    /// Whether `cadence_spm` is counted over enough steps that lie on a line (`SURE_CADENCE_STEPS`,
    /// `SURE_CADENCE_SE_SPM`); else it is shown as uncertain.
    pub cadence_sure: bool,
    pub contact_ms: Option<f64>,
    pub flight_ms: Option<f64>,
    pub fall_angle_deg: Option<f64>,
    pub landing_distance_ll: Option<f64>,
}

/// The live cadence over the newest `ROLLING_CADENCE_STEPS` of `steps` (oldest first, counted since the source last
/// jumped), and whether it is sure (`Rolling::cadence_sure`). Taken over every step (a step's own cadence flag is
/// about its own two contacts, and live every step's own cadence is low confidence), but none when every one of them
/// is not running or has an implausible cadence: a person not running has no cadence.
pub fn rolling_cadence(steps: &[StepMetrics]) -> Option<(f64, bool)> {
    let recent = &steps[steps.len().saturating_sub(ROLLING_CADENCE_STEPS)..];
    if recent.iter().all(|s| s.flags.not_running() || s.flags.implausible_metric("cadence")) {
        return None;
    }
    let fit = settled_cadence_fit(recent)?;
    let sure = recent.len() >= SURE_CADENCE_STEPS && fit.se_spm.is_some_and(|se| se <= SURE_CADENCE_SE_SPM);
    Some((fit.spm, sure))
}

impl Rolling {
    /// The numbers over the newest steps of `steps` (oldest first).
    pub fn of(steps: &[StepMetrics]) -> Self {
        let recent = &steps[steps.len().saturating_sub(ROLLING_STEPS)..];
        let sound = |group: &str, f: fn(&StepMetrics) -> Option<f64>| -> Vec<f64> {
            recent.iter().filter(|s| !s.flags.excludes(group)).filter_map(f).collect()
        };
        let cadence = rolling_cadence(steps);
        Rolling {
            cadence_spm: cadence.map(|c| c.0),
            cadence_sure: cadence.is_some_and(|c| c.1),
            contact_ms: crate::stats::median(&sound("contact", |s| Some(s.contact_ms))),
            flight_ms: crate::stats::median(&sound("flight", |s| s.flight_ms)),
            fall_angle_deg: crate::stats::median(&sound("fall_angle", |s| s.fall_angle_toe_off_deg)),
            landing_distance_ll: crate::stats::median(&sound("landing_distance", |s| s.landing_distance_ll)),
        }
    }
}

/// The newest of `steps` (oldest first) with no jump of the source (`jumps`, `LiveView::jumps`) among them: the steps
/// a cadence may be counted over. The runner's motion does not go on across a jump (a looping video's end and start),
/// so the time across it holds no whole number of steps.
pub fn counted_since_jump<'a>(steps: &'a [StepMetrics], jumps: &[f64]) -> &'a [StepMetrics] {
    let Some(last) = steps.last() else { return steps };
    match jumps.iter().copied().filter(|&j| j < last.ic_t).reduce(f64::max) {
        Some(jump) => &steps[steps.partition_point(|s| s.ic_t <= jump)..],
        None => steps,
    }
}

impl LiveView {
    /// The live panel's numbers over the newest settled steps since the source last jumped (`Rolling::of`,
    /// `counted_since_jump`).
    pub fn rolling(&self) -> Rolling {
        Rolling::of(counted_since_jump(&self.steps, &self.jumps))
    }

    /// Whether so many frames were dropped that the numbers are uncertain (`UNCERTAIN_DROPPED_SHARE`).
    pub fn uncertain(&self) -> bool {
        self.dropped_share > UNCERTAIN_DROPPED_SHARE
    }

    /// The sentence to show instead of numbers when the person in the window is not running; none while the window
    /// spans less than `MIN_WINDOW_S` (at the start, or after the source jumped): a few contacts cannot tell running
    /// from anything else, as they settle no step.
    pub fn not_running(&self) -> Option<&'static str> {
        let span = match (self.analysis.frames.first(), self.analysis.frames.last()) {
            (Some(a), Some(b)) => b.t - a.t,
            _ => 0.0,
        };
        self.analysis.summary.not_running.filter(|_| span >= MIN_WINDOW_S)
    }

    /// Index of the newest frame in `analysis`.
    pub fn newest(&self) -> usize {
        self.analysis.frames.len() - 1
    }

    /// The newest settled step: the one the coach talks about now.
    pub fn last_step(&self) -> Option<&StepMetrics> {
        self.steps.last()
    }

    /// The newest settled step as its cues are judged live (`cues::step_cues`, `cues::good_step`): with the panel's
    /// cadence (`rolling`) in place of its own one step's, where that is sure, and with no cadence otherwise (its own
    /// is low confidence live: a runner at 175 spm would be told "Quicker steps" on every other step). Its flags
    /// no longer name its own cadence, which the panel does not show.
    pub fn judged_step(&self) -> Option<StepMetrics> {
        let mut step = self.last_step()?.clone();
        // The step's own cadence is not what is judged: its flag goes.
        step.flags.reasons.retain(|r| !r.ends_with(&format!("({LIVE_STEP_CADENCE_WHY})")));
        let rolling = self.rolling();
        match rolling.cadence_spm.filter(|_| rolling.cadence_sure && !step.flags.not_running()) {
            Some(spm) => {
                step.cadence_spm = Some(spm);
                step.flags.include("cadence");
            }
            None => step.cadence_spm = None,
        }
        Some(step)
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
    /// The newest settled step's initial contact, foot and number (steps passed over are numbered too).
    last_settled: Option<(f64, Side, usize)>,
    /// The windows' votes on the settled steps' names of the feet: above 0, most recent windows agreed.
    naming: i32,
    /// Where the source jumped (`restart`) in the last `HISTORY_S`, oldest first.
    jumps: VecDeque<f64>,
    /// The newest windows' step periods (`count::step_period`), at most `PERIOD_MEMORY`.
    periods: VecDeque<f64>,
}

impl LiveAnalyzer {
    /// Live analysis with `config`; the contact still going on at the newest frame gives it its support foot
    /// (`ContactParams::open_end`).
    pub fn new(mut config: AnalysisConfig) -> Self {
        config.contact.open_end = true;
        config.fill_dropped_frames = true;
        Self {
            config,
            window: VecDeque::new(),
            steps: VecDeque::new(),
            fall_angle: VecDeque::new(),
            settled_until: f64::NEG_INFINITY,
            last_settled: None,
            naming: 0,
            jumps: VecDeque::new(),
            periods: VecDeque::new(),
        }
    }

    pub fn config(&self) -> &AnalysisConfig {
        &self.config
    }

    /// Forgets everything (a new runner, a new source).
    pub fn reset(&mut self) {
        *self = Self::new(self.config);
    }

    /// The source jumped: a looping video began again, so the runner's motion does not go on from the last frame to
    /// the next (docs/metrics.md §Live analysis). A new window starts with the next frame; the settled steps and fall
    /// angles stay. No step's foot is taken from the steps before the jump, and the panel's numbers are not counted
    /// across it (`counted_since_jump`); the first step settled after it is numbered on by the time since the last
    /// one before it (the steps a runner would have run meanwhile, so that the numbers keep following the time).
    pub fn restart(&mut self) {
        let Some(last) = self.window.back().map(|f| f.t) else { return };
        self.window.clear();
        self.naming = 0;
        self.jumps.push_back(last);
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
        // The analysis puts the dropped frames back (`AnalysisConfig::fill_dropped_frames`).
        let analysis = analyze(self.window.iter().cloned().collect(), &self.config)?;
        let dropped_share = 1.0 - self.window.len() as f64 / analysis.frames.len().max(1) as f64;
        // Steps settle once their events are aligned to the average step, as `analyze` aligns them, or once the
        // window is full whatever it holds.
        let span = self.window.front().map_or(0.0, |f| now - f.t);
        let aligned = analysis.summary.events_aligned.len() == 2 || analysis.summary.events_timed.len() == 2;
        if span >= MIN_WINDOW_S && (aligned || span >= LIVE_WINDOW_S - SETTLE_S) {
            self.settle(&analysis, now);
        }
        Ok(LiveView {
            dropped_share,
            analysis,
            steps: self.steps.iter().cloned().collect(),
            fall_angle: self.fall_angle.iter().copied().collect(),
            jumps: self.jumps.iter().copied().collect(),
        })
    }

    /// Moves what no longer changes into the history: steps whose next initial contact lies `SETTLE_S` behind
    /// `now`, and the frames up to the last toe-off that far behind (a fall angle exists only in a stance, and a stance is measured once it
    /// has ended).
    fn settle(&mut self, analysis: &Analysis, now: f64) {
        let horizon = now - SETTLE_S;
        let named = self.named_feet(&analysis.steps);
        let mut last_ic = self.steps.back().map_or(f64::NEG_INFINITY, |s| s.ic_t);
        // A foot lands again only after it lifted: a later window that times one contact differently does not settle
        // it a second time.
        let mut lifted = Side::BOTH
            .map(|side| self.steps.iter().rev().find(|s| s.side == side).map_or(f64::NEG_INFINITY, |s| s.to_t));
        // A step's cadence and flight time need the next contact: it settles once that contact is settled too.
        let settled = |k: usize| named.get(k + 1).is_some_and(|next| next.ic_t <= horizon);
        // A step whose landing, lift-off or next landing fell among frames the machine dropped and could not be
        // re-timed from the frames seen (`Analysis::untimed_events`) is passed over, not shown with a guessed
        // instant. So is one no running human could make.
        let real: Vec<f64> = self.window.iter().map(|f| f.t).collect();
        let dt = crate::stats::regular_interval(&real).unwrap_or(0.0);
        let seen = |t: f64| !analysis.untimed_events.iter().any(|&u| (u - t).abs() < 1e-9);
        // A step beside dropped frames is timed partly from frames put back: it is taken only when it keeps its
        // foot's rhythm (within `RHYTHM_FRAMES`), so that a landing or lift-off the gap moved is not shown.
        let near_gap = |from: f64, to: f64| {
            real.windows(2).any(|w| frames_missing(w[1] - w[0], dt) && w[1] >= from - 2.0 * dt && w[0] <= to + 2.0 * dt)
        };
        // The rhythm is the settled steps' where a foot has `RHYTHM_STEPS` of them (their rhythm was checked), else
        // the window's.
        let settled_rhythm = Side::BOTH.map(|side| {
            let of_foot: Vec<&StepMetrics> = self.steps.iter().filter(|s| s.side == side).collect();
            (of_foot.len(), rhythm(&of_foot))
        });
        let typical = Side::BOTH.map(|side| match settled_rhythm[side.index()] {
            (n, medians) if n >= RHYTHM_STEPS => medians,
            _ => rhythm(&named.iter().filter(|s| s.side == side && !s.flags.implausible()).collect::<Vec<_>>()),
        });
        // Within `frames` frame intervals of its foot's rhythm.
        let in_rhythm = |k: usize, s: &StepMetrics, side: Side, frames: f64| {
            let tolerance = frames * dt * 1000.0;
            let near =
                |x: Option<f64>, m: Option<f64>| matches!((x, m), (Some(x), Some(m)) if (x - m).abs() <= tolerance);
            let (contact, step) = typical[side.index()];
            // Its landing is bracketed: the step before it (the other foot's) keeps that foot's rhythm too.
            let before = k.checked_sub(1).and_then(|j| named.get(j));
            let bracketed =
                before.is_some_and(|b| b.side != s.side && near(b.step_ms, typical[side.other().index()].1));
            near(Some(s.contact_ms), contact) && near(s.step_ms, step) && bracketed
        };
        let timed = |k: usize, s: &StepMetrics, side: Side| {
            let Some(next) = named.get(k + 1) else { return false };
            seen(s.ic_t)
                && seen(s.to_t)
                && seen(next.ic_t)
                && !s.flags.implausible()
                && in_rhythm(k, s, side, if near_gap(s.ic_t, next.ic_t) { RHYTHM_FRAMES } else { RHYTHM_FRAMES_SEEN })
        };
        // A step's number counts the steps run, those passed over included: the time since the settled steps within
        // `ANCHOR_S` (the median of their counts, below) in typical steps (`counting_period`): the clear count
        // (`clear_count`), else rounded (over more than a step and a half, to an even count when both steps are of one
        // foot and an odd one otherwise: feet alternate), and always past the last settled step's number.
        let step_s = self.counting_period(&named, analysis.summary.cadence_spm);
        // Nothing before the newest jump of the source names a foot or anchors a count (`restart`).
        let since_jump = self.jumps.back().copied().unwrap_or(f64::NEG_INFINITY);
        for (k, s) in named.iter().enumerate() {
            if !settled(k) || s.ic_t <= last_ic + 0.5 * (s.to_t - s.ic_t) {
                continue;
            }
            // Its foot: the feet alternate from the last settled step where that lies a clear number of steps back
            // (`clear_count`); the window's name for it counts only where the count is unclear, for a window's
            // cleaning can lose which leg is which across a stretch of dropped frames and name the feet of its
            // later steps the other way round.
            let side = match (self.last_settled.filter(|l| l.0 > since_jump), step_s) {
                (Some((t, last_side, _)), Some(typical)) => {
                    let by_count = |n: usize| if n.is_multiple_of(2) { last_side } else { last_side.other() };
                    match clear_count(s.ic_t - t, typical) {
                        Some(n) => by_count(n),
                        // Where the count is unclear the window's name stands, if the nearest count agrees with it.
                        None => {
                            let nearest = ((s.ic_t - t) / typical).round().max(1.0) as usize;
                            if by_count(nearest) != s.side {
                                continue;
                            }
                            s.side
                        }
                    }
                }
                _ => s.side,
            };
            if s.ic_t <= lifted[side.index()] || !timed(k, s, side) {
                continue;
            }
            let mut step = s.clone();
            step.side = side;
            // Its own cadence is one step's time, between two contacts each timed live to within a frame or two
            // (`RHYTHM_FRAMES_SEEN`): 20 % off on the treadmill clip (197 and 147 spm for 168.5). The panel counts the
            // cadence over the last `ROLLING_CADENCE_STEPS` (`Rolling`), and the cadence cue is judged on that
            // (`LiveView::judged_step`).
            step.metric_confidence.cadence = step.metric_confidence.cadence.min(LIVE_STEP_CADENCE_CONFIDENCE);
            if !step.flags.excludes("cadence") {
                step.flags.low_confidence("cadence", LIVE_STEP_CADENCE_WHY);
            }
            // Counted from each settled step within `ANCHOR_S` (since the jump), the median of their counts: one
            // contact timed off (the full model's far foot lands up to 5 frames off with frames dropped), or one
            // step named the wrong foot, does not move the number.
            let mut counts: Vec<usize> = match step_s {
                Some(typical) => self
                    .steps
                    .iter()
                    .filter(|s| s.ic_t > since_jump && s.ic_t < step.ic_t && step.ic_t - s.ic_t <= ANCHOR_S)
                    .map(|s| s.index + steps_between(step.ic_t - s.ic_t, typical, s.side == step.side))
                    .collect(),
                None => Vec::new(),
            };
            counts.sort_unstable();
            step.index = match (counts.get(counts.len().saturating_sub(1) / 2), self.last_settled, step_s) {
                (Some(&n), Some((_, _, last)), _) => n.max(last + 1),
                // Across a jump the feet say nothing: the time alone, rounded.
                (None, Some((t, _, n)), Some(typical)) if t <= since_jump => {
                    (n + ((step.ic_t - t) / typical).round() as usize).max(n + 1)
                }
                (None, Some((t, side, n)), Some(typical)) => {
                    n + steps_between(step.ic_t - t, typical, side == step.side)
                }
                (_, Some((_, _, last)), _) => last + 1,
                _ => 0,
            };
            last_ic = step.ic_t;
            lifted[side.index()] = step.to_t;
            self.last_settled = Some((step.ic_t, step.side, step.index));
            self.steps.push_back(step);
        }
        let frames_until =
            analysis.stances.iter().map(|s| s.to_t).filter(|&t| t <= horizon).fold(f64::NEG_INFINITY, f64::max);
        // A person not running has no fall angle (docs/metrics.md §Summary, activity): their frames settle without.
        let running = analysis.summary.not_running.is_none();
        for (f, m) in analysis.frames.iter().zip(&analysis.metrics) {
            if f.t > self.settled_until && f.t <= frames_until {
                if let Some(angle) = m.fall_angle_deg.filter(|_| running) {
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
        while self.jumps.front().is_some_and(|&t| now - t > HISTORY_S) {
            self.jumps.pop_front();
        }
    }
}

impl LiveAnalyzer {
    /// The typical step time steps are counted in, seconds: the median of the last `PERIOD_MEMORY` windows' periods
    /// (one window's alone can be off: with its far-foot contacts up to 7 frames off, one fitted 0.385 s for this
    /// runner's 0.354 s, and the step counted over 2.8 s from it came out one short). A window's period is that of its
    /// contacts (`step_period`), tracked from the recent windows' once there are `PERIOD_MEMORY` of them, and held to
    /// the settled steps' (`settled_period`) where it lies further than `PERIOD_AGREEMENT` from it: through 5 s in
    /// which no step settled, the windows' periods drifted from 0.357 s to 0.29 s. Without a window period, the
    /// settled steps', else the window's counted cadence (`window_spm`).
    fn counting_period(&mut self, named: &[StepMetrics], window_spm: Option<f64>) -> Option<f64> {
        let ics: Vec<f64> = named.iter().map(|s| s.ic_t).collect();
        let prior = (self.periods.len() >= PERIOD_MEMORY).then(|| median_of(&self.periods)).flatten();
        let settled = self.settled_period();
        let period = match (step_period(&ics, prior), settled) {
            (Some(comb), Some(settled)) if (comb - settled).abs() > PERIOD_AGREEMENT * settled => settled,
            (Some(comb), _) => comb,
            (None, Some(settled)) => settled,
            (None, None) => 60.0 / window_spm.filter(|c| *c > 0.0)?,
        };
        self.periods.push_back(period);
        while self.periods.len() > PERIOD_MEMORY {
            self.periods.pop_front();
        }
        if prior.is_some() { median_of(&self.periods) } else { Some(period) }
    }

    /// The step period of the settled steps since the source last jumped whose contacts lie within `SETTLED_PERIOD_S`
    /// of the newest (`contacts_cadence_spm`: the slope of the line through their contacts against their numbers,
    /// robust to one contact timed off); none under `SETTLED_PERIOD_STEPS` of them or over less than two seconds. It
    /// was the mean of the two feet's median step times, which three far-foot steps 60-150 ms short (their next
    /// contacts early) took to 0.313 s for a runner's 0.354 s, and every step counted from it after a gap was off.
    fn settled_period(&self) -> Option<f64> {
        let since = self.jumps.back().copied().unwrap_or(f64::NEG_INFINITY);
        let newest = self.steps.back()?.ic_t;
        // (step number, initial contact, step time) of each: run every frame, so no step is copied whole.
        let recent: Vec<(usize, f64, Option<f64>)> = self
            .steps
            .iter()
            .filter(|s| s.ic_t > since && newest - s.ic_t <= SETTLED_PERIOD_S)
            .map(|s| (s.index, s.ic_t, s.step_ms))
            .collect();
        let span = newest - recent.first()?.1;
        if recent.len() < SETTLED_PERIOD_STEPS || span < 2.0 {
            return None;
        }
        contacts_cadence_spm(&recent).map(|spm| 60.0 / spm)
    }
}

/// The median of a deque of numbers.
fn median_of(values: &VecDeque<f64>) -> Option<f64> {
    crate::stats::median(&values.iter().copied().collect::<Vec<_>>())
}

impl LiveAnalyzer {
    /// The window's steps with the feet named as the settled steps name them. Each window is cleaned on its own
    /// (`cleaning`), and which of the two legs' paths it calls left can differ from an earlier window's (in a side
    /// view the model's own labels are a coin toss for long stretches): a step would be settled under the other
    /// foot's name, and numbered a step off (feet alternate). The window's contacts that were settled before (the
    /// newest `NAMING_STEPS`) vote; over the last `NAMING_MEMORY` windows the majority wins, so that where most
    /// windows name the feet the other way from the settled steps, it is the settled steps that are renamed (the
    /// first windows had it wrong), and otherwise the window's.
    fn named_feet(&mut self, window: &[StepMetrics]) -> Vec<StepMetrics> {
        let (mut agree, mut differ) = (0, 0);
        for settled in self.steps.iter().rev().take(NAMING_STEPS) {
            if let Some(w) = window.iter().find(|w| (w.ic_t - settled.ic_t).abs() <= SAME_CONTACT_S) {
                if w.side == settled.side {
                    agree += 1;
                } else {
                    differ += 1;
                }
            }
        }
        // A window that finds fewer of the settled steps than `NAMING_MIN_MATCHED` does not vote.
        let vote =
            if agree + differ < NAMING_MIN_MATCHED { 0 } else { i32::from(agree > differ) - i32::from(differ > agree) };
        self.naming = (self.naming + vote).clamp(-NAMING_MEMORY, NAMING_MEMORY);
        if self.naming < 0 {
            for s in &mut self.steps {
                s.side = s.side.other();
            }
            if let Some(last) = &mut self.last_settled {
                last.1 = last.1.other();
            }
            self.naming = -self.naming;
            std::mem::swap(&mut agree, &mut differ);
        }
        let rename = differ > agree;
        window
            .iter()
            .map(|s| {
                let mut s = s.clone();
                if rename {
                    s.side = s.side.other();
                }
                s
            })
            .collect()
    }
}

/// The medians of `steps`' contact times and step times, ms.
fn rhythm(steps: &[&StepMetrics]) -> (Option<f64>, Option<f64>) {
    let contact: Vec<f64> = steps.iter().map(|s| s.contact_ms).collect();
    let step: Vec<f64> = steps.iter().filter_map(|s| s.step_ms).collect();
    (crate::stats::median(&contact), crate::stats::median(&step))
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::live::cadence::tests::steps_of;

    /// Alternating long and short steps (a contact of one foot timed early): the rolling cadence is the steps over
    /// their time, not the median of the alternating per-step cadences; older steps are left out. Sure from
    /// `SURE_CADENCE_STEPS` steps on where their contacts lie on the line, not where they scatter.
    #[test]
    fn rolling_cadence_is_counted_over_the_newest_steps() {
        let mut ms = vec![500.0, 500.0];
        ms.extend([300.0, 400.0].repeat(ROLLING_CADENCE_STEPS / 2));
        let steps = steps_of(&ms);
        let r = Rolling::of(&steps);
        let cadence = r.cadence_spm.unwrap();
        assert!((cadence - 60_000.0 / 350.0).abs() < 1e-9, "{cadence}");
        assert!(r.cadence_sure);
        assert_eq!(Rolling::of(&[]), Rolling::default());
        // Too few steps to be sure, however well they lie.
        let few = Rolling::of(&steps[steps.len() - (SURE_CADENCE_STEPS - 1)..]);
        assert!(few.cadence_spm.is_some() && !few.cadence_sure);
        // Twelve steps whose contacts scatter by four frames (every third landing 133 ms late): not sure.
        let mut scattered = steps_of(&[350.0; ROLLING_CADENCE_STEPS]);
        for s in scattered.iter_mut().skip(1).step_by(3) {
            s.ic_t += 0.133;
        }
        let r = Rolling::of(&scattered);
        assert!(r.cadence_spm.is_some() && !r.cadence_sure, "{r:?}");
    }
}
