//! The whole keypoint pipeline over a recorded sequence: cleaning, smoothing, direction, ground, gait events,
//! per-frame and per-step metrics, and the run's summary with its cues.

use serde::Serialize;

use crate::cues::{Cue, summary_cues};
use crate::filter::{
    SideSettling, detect_foot_collapse, landmark_jitter_ll, noise_power_kept, repair_unreliable_feet,
    settle_sides, smooth_offline,
};
use crate::gait::{self, ContactLevel, ContactParams, GroundFrame, Stance};
use crate::metrics::{
    self, FootStrike, FrameMetrics, LOW_CONFIDENCE, StepConfidence, StepContext, StepMetrics,
    frame_metrics, step_metrics,
};
use crate::skeleton::{Facing, Pose, Side};
use crate::stats::median_of;

/// One frame of a sequence: its time stamp (seconds from the first frame) and the pose, if a person was found.
#[derive(Debug, Clone, PartialEq)]
pub struct PoseFrame {
    pub t: f64,
    pub pose: Option<Pose>,
}

/// Leg length (greater trochanter to lateral malleolus) as a share of standing height: Winter 2009, Fig. 4.1
/// (0.530 H − 0.039 H). Converts leg lengths to centimetres when the runner's height is given.
pub const LEG_LENGTH_PER_HEIGHT: f64 = 0.491;

#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct AnalysisConfig {
    /// The runner's height, cm: lengths are then also given in cm.
    pub height_cm: Option<f64>,
    /// Image units per centimetre, when the scale is known (marker data in millimetres: 10). Takes precedence over
    /// `height_cm` for converting lengths to cm.
    pub units_per_cm: Option<f64>,
    /// The ground is level in the view (marker data in a lab frame): no ground profile is learnt
    /// (docs/metrics.md §Ground line).
    pub level_ground: bool,
    pub contact: ContactParams,
}

impl AnalysisConfig {
    /// For motion-capture markers drawn at `units_per_cm`: the marker settings of the contact detector and a level
    /// ground (docs/metrics.md §Gait events, docs/markers.md).
    pub fn markers(units_per_cm: f64) -> Self {
        Self { units_per_cm: Some(units_per_cm), level_ground: true, contact: ContactParams::markers(), ..Self::default() }
    }
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum AnalysisError {
    #[error("no person was found in any frame")]
    NoPerson,
    #[error(
        "the person was seen too poorly to measure the body (no frame shows hip, knee and ankle clearly)"
    )]
    NoScale,
}

/// Counts of foot-strike types over the steps.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct FootStrikeCounts {
    pub heel: usize,
    pub mid: usize,
    pub fore: usize,
}

/// The run in a few numbers: medians over steps (docs/metrics.md §Summary).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    pub frames: usize,
    pub detected_frames: usize,
    pub duration_s: f64,
    pub fps: f64,
    pub facing: Facing,
    pub near_side: Side,
    pub leg_length_px: f64,
    pub cm_per_leg_length: Option<f64>,
    pub unreliable_foot_frames: usize,
    /// How left and right were settled (docs/metrics.md §Landmark cleaning).
    pub sides: SideSettling,
    /// Frame-to-frame noise of the legs' landmarks before smoothing, leg lengths.
    pub landmark_jitter_ll: Option<f64>,
    /// Feet whose gait events were aligned to their average step (docs/metrics.md §Gait events); a foot with too
    /// few steps keeps its threshold crossings.
    pub events_aligned: Vec<Side>,
    /// Landmarks never seen in the sequence (a marker set without them): the metrics that need them are left out.
    pub missing_landmarks: Vec<&'static str>,
    pub steps: usize,
    pub cadence_spm: Option<f64>,
    pub contact_ms: Option<f64>,
    pub flight_ms: Option<f64>,
    pub fall_angle_deg: Option<f64>,
    pub fall_angle_max_deg: Option<f64>,
    pub landing_distance_ll: Option<f64>,
    pub landing_distance_cm: Option<f64>,
    pub knee_flexion_contact_deg: Option<f64>,
    pub trunk_angle_deg: Option<f64>,
    pub vertical_oscillation_ll: Option<f64>,
    pub vertical_oscillation_cm: Option<f64>,
    pub pull_height_ll: Option<f64>,
    pub foot_strikes: FootStrikeCounts,
    /// Median confidence of each metric over the steps (docs/metrics.md §Confidence).
    pub confidence: StepConfidence,
    /// Metrics measured with a median confidence below `LOW_CONFIDENCE`: reported, but not to be trusted alone.
    pub low_confidence: Vec<&'static str>,
    pub cues: Vec<Cue>,
}

/// Everything the pipeline found.
#[derive(Debug, Clone)]
pub struct Analysis {
    /// The cleaned, smoothed landmark sequence the metrics were computed from.
    pub frames: Vec<PoseFrame>,
    pub ground: GroundFrame,
    pub stances: Vec<Stance>,
    pub metrics: Vec<FrameMetrics>,
    pub steps: Vec<StepMetrics>,
    pub summary: Summary,
}

impl Analysis {
    /// The last step that ended (toe-off) at or before time `t`: what a coach would talk about at that moment.
    pub fn last_step_before(&self, t: f64) -> Option<&StepMetrics> {
        self.steps.iter().rev().find(|s| s.to_t <= t)
    }

    /// Frame `index`'s metrics as if `side` were the support foot: at a step's key instants the other foot may
    /// already be down (the support is then the foot that landed last), and the storyboard shows the step's own
    /// foot, as its metrics are taken (docs/metrics.md §Key instants). `None` without a pose.
    pub fn metrics_with_support(&self, index: usize, side: Side) -> Option<FrameMetrics> {
        let pose = self.frames.get(index)?.pose.as_ref()?;
        let m = self.metrics.get(index)?;
        if m.support == Some(side) {
            return Some(m.clone());
        }
        // The trunk angle is there exactly when the shoulders were seen in the sequence.
        let shoulders_seen = m.trunk_angle_deg.is_some();
        Some(frame_metrics(pose, Some(side), &self.ground, self.summary.leg_length_px, m.foot_reliable, shoulders_seen))
    }

    /// Leg lengths to centimetres, when the runner's height was given.
    pub fn cm(&self, ll: Option<f64>) -> Option<f64> {
        Some(ll? * self.summary.cm_per_leg_length?)
    }
}

/// Runs the whole pipeline on a sequence of frames (time stamps increasing).
pub fn analyze(
    mut frames: Vec<PoseFrame>,
    config: &AnalysisConfig,
) -> Result<Analysis, AnalysisError> {
    let detected_frames = frames.iter().filter(|f| f.pose.is_some()).count();
    if detected_frames == 0 {
        return Err(AnalysisError::NoPerson);
    }
    let leg = gait::leg_length(&frames).ok_or(AnalysisError::NoScale)?;

    let facing = gait::detect_facing(&frames);
    let sides = settle_sides(&mut frames, facing, leg);
    let reliable = detect_foot_collapse(&frames, leg);
    repair_unreliable_feet(&mut frames, &reliable);
    let unsmoothed = frames.clone();
    smooth_offline(&mut frames);
    let landmark_jitter_ll = landmark_jitter_ll(&unsmoothed, &frames, leg);
    let seen = metrics::seen_landmarks(&frames);
    let shoulders_seen = metrics::shoulders_seen(&seen);
    let near_side = gait::near_side(&frames);
    let ground = gait::fit_ground(&frames, leg, facing, config.level_ground)
        .ok_or(AnalysisError::NoPerson)?;

    let t: Vec<f64> = frames.iter().map(|f| f.t).collect();
    let frame_interval = gait::frame_interval(&t);
    // The noise left in the smoothed landmarks.
    let kept = frame_interval.map_or(1.0, noise_power_kept);
    let smoothed_noise = landmark_jitter_ll.unwrap_or(0.0) * leg * kept.sqrt();
    // Events from the threshold crossings of the smoothed contact heights, refined to the touchdown where the
    // landmarks are exact (markers), then aligned to the foot's average step (docs/metrics.md §Gait events).
    let refine = config.contact.refine_ic && !ContactLevel::noise_bound(smoothed_noise, leg, &config.contact);
    let mut stances: Vec<Stance> = Vec::new();
    let mut events_aligned = Vec::new();
    for side in Side::BOTH {
        let h = gait::contact_heights(&frames, &ground, side, leg, &config.contact);
        let Some(level) = ContactLevel::of(&h, leg, smoothed_noise, &config.contact) else { continue };
        let mut found = gait::stances_at(side, &t, &h, level, frame_interval.unwrap_or(0.0), config.contact);
        if refine {
            gait::refine_initial_contacts(&mut found, &frames, &ground);
        }
        if config.contact.align_events
            && gait::align_events(&mut found, &unsmoothed, &ground, side, leg, smoothed_noise, level, &config.contact)
        {
            events_aligned.push(side);
        }
        stances.extend(found);
    }
    stances.sort_by(|a, b| a.ic_t.total_cmp(&b.ic_t));
    // A contact still going on at the last frame (asked for live) gives those frames their support foot, but no
    // step: its toe-off is not known yet.
    let supports = stances.clone();
    let last_frame = frames.len() - 1;
    stances.retain(|s| !(config.contact.open_end && s.to_frame == last_frame));

    let metrics: Vec<FrameMetrics> = frames
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let Some(pose) = &f.pose else {
                return FrameMetrics::default();
            };
            // The support foot: the one in contact; if both are, the one that landed last.
            let support = supports.iter().rev().find(|s| s.contains(i)).map(|s| s.side);
            frame_metrics(pose, support, &ground, leg, reliable[i], shoulders_seen)
        })
        .collect();

    let flat_foot_angle_deg = [Side::Left, Side::Right].map(|side| {
        median_of(stances.iter().filter(|s| s.side == side).map(|s| {
            let mid = (s.ic_frame + s.to_frame) / 2;
            let pose = frames[mid].pose.as_ref()?;
            Some(metrics::foot_angle_deg(pose, side, &ground))
        }))
    });
    let ctx = StepContext {
        frames: &frames,
        metrics: &metrics,
        ground: &ground,
        leg,
        flat_foot_angle_deg,
        seen,
    };
    let steps: Vec<StepMetrics> = (0..stances.len())
        .map(|k| step_metrics(&ctx, &stances, k))
        .collect();

    let cleaning = Cleaning {
        reliable: &reliable,
        sides,
        landmark_jitter_ll,
        events_aligned,
        seen,
    };
    let summary = summarize(
        &frames,
        &steps,
        &cleaning,
        frame_interval,
        detected_frames,
        leg,
        facing,
        near_side,
        config,
    );
    Ok(Analysis {
        frames,
        ground,
        stances,
        metrics,
        steps,
        summary,
    })
}

/// What cleaning the landmarks found, for the summary.
struct Cleaning<'a> {
    reliable: &'a [[bool; 2]],
    sides: SideSettling,
    landmark_jitter_ll: Option<f64>,
    events_aligned: Vec<Side>,
    seen: [bool; crate::NUM_LANDMARKS],
}

#[allow(clippy::too_many_arguments)]
fn summarize(
    frames: &[PoseFrame],
    steps: &[StepMetrics],
    cleaning: &Cleaning,
    frame_interval: Option<f64>,
    detected_frames: usize,
    leg: f64,
    facing: Facing,
    near_side: Side,
    config: &AnalysisConfig,
) -> Summary {
    let med = |f: fn(&StepMetrics) -> Option<f64>| median_of(steps.iter().map(f));
    let cm_per_leg_length = match config.units_per_cm {
        Some(u) if u > 0.0 => Some(leg / u),
        _ => config.height_cm.map(|h| h * LEG_LENGTH_PER_HEIGHT),
    };
    let conf = |f: fn(&StepConfidence) -> f64| {
        median_of(steps.iter().map(|s| Some(f(&s.metric_confidence)))).unwrap_or(0.0)
    };
    let confidence = StepConfidence {
        contact: conf(|c| c.contact),
        flight: conf(|c| c.flight),
        cadence: conf(|c| c.cadence),
        fall_angle: conf(|c| c.fall_angle),
        landing_distance: conf(|c| c.landing_distance),
        foot_strike: conf(|c| c.foot_strike),
        knee_flexion: conf(|c| c.knee_flexion),
        trunk_angle: conf(|c| c.trunk_angle),
        shoulder_alignment: conf(|c| c.shoulder_alignment),
        hip_alignment: conf(|c| c.hip_alignment),
        swing_position: conf(|c| c.swing_position),
        pull: conf(|c| c.pull),
        vertical_oscillation: conf(|c| c.vertical_oscillation),
    };
    let low_confidence = if steps.is_empty() {
        Vec::new()
    } else {
        confidence
            .entries()
            .into_iter()
            .filter(|(_, c)| *c < LOW_CONFIDENCE)
            .map(|(n, _)| n)
            .collect()
    };
    let cm = |ll: Option<f64>| Some(ll? * cm_per_leg_length?);
    let count = |k: FootStrike| steps.iter().filter(|s| s.foot_strike == Some(k)).count();
    let landing_distance_ll = med(|s| s.landing_distance_ll);
    let vertical_oscillation_ll = med(|s| s.vertical_oscillation_ll);
    Summary {
        frames: frames.len(),
        detected_frames,
        duration_s: frames.last().map_or(0.0, |f| f.t) - frames.first().map_or(0.0, |f| f.t),
        fps: frame_interval.map_or(0.0, |d| 1.0 / d),
        facing,
        near_side,
        leg_length_px: leg,
        cm_per_leg_length,
        unreliable_foot_frames: cleaning.reliable.iter().filter(|r| !(r[0] && r[1])).count(),
        sides: cleaning.sides,
        landmark_jitter_ll: cleaning.landmark_jitter_ll,
        events_aligned: cleaning.events_aligned.clone(),
        missing_landmarks: crate::Landmark::ALL
            .iter()
            .filter(|l| !cleaning.seen[l.index()])
            .map(|l| l.name())
            .collect(),
        steps: steps.len(),
        // The mean step time: a median of alternating left and right steps would take one side's.
        cadence_spm: {
            let steps: Vec<f64> = steps.iter().filter_map(|s| s.step_ms).collect();
            (!steps.is_empty()).then(|| 60_000.0 * steps.len() as f64 / steps.iter().sum::<f64>())
        },
        contact_ms: med(|s| Some(s.contact_ms)),
        flight_ms: med(|s| s.flight_ms),
        fall_angle_deg: med(|s| s.fall_angle_toe_off_deg),
        fall_angle_max_deg: med(|s| s.fall_angle_max_deg),
        landing_distance_ll,
        landing_distance_cm: cm(landing_distance_ll),
        knee_flexion_contact_deg: med(|s| s.knee_flexion_contact_deg),
        trunk_angle_deg: med(|s| s.trunk_angle_midstance_deg),
        vertical_oscillation_ll,
        vertical_oscillation_cm: cm(vertical_oscillation_ll),
        pull_height_ll: med(|s| s.pull_height_ll),
        foot_strikes: FootStrikeCounts {
            heel: count(FootStrike::Heel),
            mid: count(FootStrike::Mid),
            fore: count(FootStrike::Fore),
        },
        confidence,
        low_confidence,
        cues: summary_cues(steps),
    }
}
