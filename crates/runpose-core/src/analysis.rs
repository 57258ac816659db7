//! The whole keypoint pipeline over a recorded sequence: cleaning, smoothing, direction, ground, gait events,
//! per-frame and per-step metrics, and the run's summary with its cues.

use crate::body;
use crate::cleaning::{detect_foot_collapse, landmark_jitter_ll, repair_unreliable_feet, settle_sides};
use crate::filter::{noise_power_kept, smooth_offline};
use crate::footprint;
use crate::gait::{self, ContactLevel, ContactParams, GroundFrame, Stance};
use crate::gaps;
use crate::metrics::{FrameMetrics, StepContext, StepMetrics, frame_metrics, step_metrics};
use crate::plausibility;
use crate::skeleton::{PoseFrame, Side};
use crate::stats::median_of;
use crate::summary::{self, Activity, Cleaning, Facts, summarize};

/// Leg length (greater trochanter to lateral malleolus) as a share of standing height: Winter 2009, Fig. 4.1
/// (0.530 H − 0.039 H). Converts leg lengths to centimetres when the runner's height is given.
pub const LEG_LENGTH_PER_HEIGHT: f64 = 0.491;

#[derive(Debug, Clone, Copy, PartialEq)]
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
    /// The far foot's toe-off metrics are low confidence (docs/metrics.md §Flags): a pose model's far toe point; not
    /// for markers, which see both feet alike.
    pub far_toe_off_unreliable: bool,
    /// Frames the source dropped are put back by interpolation once left and right are settled (`gaps::fill_gaps`,
    /// docs/metrics.md §Live analysis): live, where the machine drops frames.
    pub fill_dropped_frames: bool,
}

impl Default for AnalysisConfig {
    fn default() -> Self {
        Self {
            height_cm: None,
            units_per_cm: None,
            level_ground: false,
            contact: ContactParams::default(),
            far_toe_off_unreliable: true,
            fill_dropped_frames: false,
        }
    }
}

impl AnalysisConfig {
    /// For motion-capture markers drawn at `units_per_cm`: the marker settings of the contact detector and a level
    /// ground (docs/metrics.md §Gait events, docs/markers.md).
    pub fn markers(units_per_cm: f64) -> Self {
        Self {
            units_per_cm: Some(units_per_cm),
            level_ground: true,
            contact: ContactParams::markers(),
            far_toe_off_unreliable: false,
            ..Self::default()
        }
    }
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum AnalysisError {
    #[error("no person was found in any frame")]
    NoPerson,
    #[error("the person was seen too poorly to measure the body (no frame shows hip, knee and ankle clearly)")]
    NoScale,
    #[error(
        "the feet were not seen in any frame, so the ground could not be found: film the whole body, feet included"
    )]
    NoGround,
}

pub use crate::summary::{FootStrikeCounts, Summary};

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
    /// Instants of events that fell among dropped frames and could not be re-timed from the frames seen around them
    /// (`fill_dropped_frames`; docs/metrics.md §Live analysis): a step with one is not settled live.
    pub untimed_events: Vec<f64>,
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
pub fn analyze(mut frames: Vec<PoseFrame>, config: &AnalysisConfig) -> Result<Analysis, AnalysisError> {
    let detected_frames = frames.iter().filter(|f| f.pose.is_some()).count();
    if detected_frames == 0 {
        return Err(AnalysisError::NoPerson);
    }
    let mut leg = gait::leg_length(&frames).ok_or(AnalysisError::NoScale)?;

    let facing = gait::detect_facing(&frames);
    let sides = settle_sides(&mut frames, facing, leg);
    let mut seen_frames = vec![true; frames.len()];
    if config.fill_dropped_frames {
        (frames, seen_frames) = gaps::fill_gaps(&frames);
        // What follows takes its scale on the frames it sees, the interpolated ones included.
        leg = gait::leg_length(&frames).ok_or(AnalysisError::NoScale)?;
    }
    let reliable = detect_foot_collapse(&frames, leg);
    repair_unreliable_feet(&mut frames, &reliable);
    let unsmoothed = frames.clone();
    smooth_offline(&mut frames);
    let landmark_jitter_ll = landmark_jitter_ll(&unsmoothed, &frames, &seen_frames, leg);
    let seen = body::seen_landmarks(&frames);
    let shoulders_seen = body::shoulders_seen(&seen);
    let near_side = gait::near_side(&frames);
    let ground = gait::fit_ground(&frames, leg, facing, config.level_ground).ok_or(AnalysisError::NoGround)?;

    let t: Vec<f64> = frames.iter().map(|f| f.t).collect();
    let frame_interval = gait::frame_interval(&t);
    // The noise left in the smoothed landmarks.
    let kept = frame_interval.map_or(1.0, noise_power_kept);
    let smoothed_noise = landmark_jitter_ll.unwrap_or(0.0) * leg * kept.sqrt();
    // Events from the threshold crossings of the smoothed contact heights, refined to the touchdown where the
    // landmarks are exact (markers), then aligned to the foot's average step (docs/metrics.md §Gait events).
    let refine = config.contact.refine_ic && !ContactLevel::noise_bound(smoothed_noise, leg, &config.contact);
    let mut by_foot: [Vec<Stance>; 2] = [Vec::new(), Vec::new()];
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
        by_foot[side.index()] = found;
    }
    // Pose-model landmarks: each event re-timed where the foot reaches or leaves its footprint (docs/metrics.md
    // §Gait events, footprint timing).
    let mut events_timed = Vec::new();
    // Each foot's ground velocity and the reach, for the landings the frames seen bracket (frames dropped).
    let mut footprint_scale: [Option<(crate::Point, f64)>; 2] = [None, None];
    let mut unfooted: Vec<f64> = Vec::new();
    if let Some(params) = config.contact.footprint {
        // Each foot's ground velocity; a foot without one takes the other's.
        let own = Side::BOTH.map(|side| footprint::ground_velocity(&frames, &by_foot[side.index()], side));
        let pooled = own.iter().flatten().copied().reduce(|a, b| (a + b) * 0.5);
        let reach = params.reach(leg, smoothed_noise);
        for side in Side::BOTH {
            let found = &mut by_foot[side.index()];
            let Some(v) = own[side.index()].or(pooled) else { continue };
            footprint_scale[side.index()] = Some((v, reach));
            // Contacts the threshold missed (a foot seen poorly, a low frame rate) are found where the foot stands.
            let missed = footprint::still_contacts(
                &frames,
                found,
                side,
                v,
                leg,
                reach,
                config.contact.min_contact_s,
                config.contact.open_end,
            );
            found.extend(missed);
            found.sort_by(|a, b| a.ic_t.total_cmp(&b.ic_t));
            let crossings: Vec<f64> = found.iter().map(|s| s.ic_t).collect();
            if footprint::time_by_footprints(&frames, found, side, v, leg, reach, &params, config.contact.open_end) > 0
            {
                events_timed.push(side);
            }
            // The landings the footprints did not time keep their threshold crossings.
            unfooted.extend(found.iter().map(|s| s.ic_t).filter(|t| crossings.contains(t)));
            found.retain(|s| {
                s.to_t - s.ic_t >= config.contact.min_contact_s
                    || (config.contact.open_end && s.to_frame == frames.len() - 1)
            });
        }
    }
    // Events among dropped frames re-timed from the frames seen around them (docs/metrics.md §Live analysis).
    let mut untimed_events = Vec::new();
    if seen_frames.contains(&false) {
        for side in Side::BOTH {
            let found = &mut by_foot[side.index()];
            let arrivals = footprint_scale[side.index()].map_or_else(Vec::new, |(v, reach)| {
                footprint::seen_arrivals(&frames, &unsmoothed, &seen_frames, found, side, v, reach)
            });
            let unsure: Vec<usize> = (0..found.len())
                .filter(|&k| arrivals.get(k).is_some_and(Option::is_none) && unfooted.contains(&found[k].ic_t))
                .collect();
            untimed_events.extend(gait::retime_across_gaps(
                found,
                &unsmoothed,
                &seen_frames,
                side,
                config.contact.open_end,
                &arrivals,
            ));
            // A landing the footprints did not time (`unfooted`) and the frames seen do not show either (no heel seen
            // arriving at its footprint) is not timed: it would be its threshold crossing, frames early.
            untimed_events.extend(unsure.iter().map(|&k| found[k].ic_t));
        }
    }
    let mut stances: Vec<Stance> = by_foot.into_iter().flatten().collect();
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
            Some(body::foot_angle_deg(pose, side, &ground))
        }))
    });
    let ctx = StepContext { frames: &frames, metrics: &metrics, ground: &ground, leg, flat_foot_angle_deg, seen };
    // The far foot's toe-off is timed by a toe point the pose model places poorly (docs/metrics.md §Flags).
    let far_toe_off = config.far_toe_off_unreliable.then_some(near_side.other());
    let mut steps: Vec<StepMetrics> = (0..stances.len())
        .map(|k| {
            let mut step = step_metrics(&ctx, &stances, k);
            let far = far_toe_off == Some(step.side);
            if far {
                plausibility::cap_toe_off_confidence(&mut step.metric_confidence);
            }
            step.flags = plausibility::flag_step(&step, far);
            step
        })
        .collect();
    // Not running (walking, jumping, standing): no running metric is summarised or shown (docs/metrics.md §Summary).
    let heights: Vec<[Option<f64>; 2]> = metrics.iter().map(|m| m.foot_height_ll).collect();
    let activity = summary::activity(&stances, &steps, &heights);
    if activity != Activity::Running {
        for step in &mut steps {
            step.flags = plausibility::all_flagged(crate::flags::NOT_RUNNING);
        }
    }

    let cleaning = Cleaning { reliable: &reliable, sides, landmark_jitter_ll, events_aligned, events_timed, seen };
    let cm_per_leg_length = match config.units_per_cm {
        Some(u) if u > 0.0 => Some(leg / u),
        _ => config.height_cm.map(|h| h * LEG_LENGTH_PER_HEIGHT),
    };
    let facts = Facts { frame_interval, detected_frames, leg, facing, near_side, cm_per_leg_length };
    let summary = summarize(&frames, &steps, activity, &cleaning, &facts);
    Ok(Analysis { frames, ground, stances, metrics, steps, summary, untimed_events })
}
