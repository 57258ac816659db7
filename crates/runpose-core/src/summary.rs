//! The run in a few numbers (docs/metrics.md §Summary): whether the person ran at all, medians over the sound steps,
//! each foot's own medians and the left/right asymmetry.

use serde::Serialize;

use crate::PoseFrame;
use crate::cleaning::SideSettling;
use crate::cues::{Cue, summary_cues};
use crate::gait::Stance;
use crate::metrics::{FootStrike, StepConfidence, StepMetrics};
use crate::plausibility::CADENCE_SPM;
use crate::skeleton::{Facing, Side};
use crate::stats::{median, median_of};

/// Counts of foot-strike types over the steps.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct FootStrikeCounts {
    pub heel: usize,
    pub mid: usize,
    pub fore: usize,
}

/// What the person in view is doing, from their contacts (docs/metrics.md §Summary, activity).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Activity {
    /// Feet alternate, each contact followed by a flight, at a running cadence.
    Running,
    /// Feet alternate, but each lands before the other lifts (double support).
    Walking,
    /// Both feet land together.
    Jumping,
    /// The feet hardly leave the ground.
    Standing,
    /// Too few contacts to tell.
    Unclear,
}

impl Activity {
    /// The sentence `analyze` prints, and the live view's label, when the person is not running.
    pub fn not_running_sentence(self) -> Option<&'static str> {
        match self {
            Activity::Running => None,
            Activity::Walking => Some("no running steps: the person in view appears to be walking"),
            Activity::Jumping => Some("no running steps: the person in view appears to be jumping"),
            Activity::Standing => Some("no running steps: the person in view appears to be standing"),
            Activity::Unclear => Some("no running steps: the person in view does not appear to be running"),
        }
    }
}

/// One foot's medians over its sound steps (docs/metrics.md §Summary, per foot).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct FootSummary {
    pub steps: usize,
    pub contact_ms: Option<f64>,
    pub flight_ms: Option<f64>,
    pub fall_angle_deg: Option<f64>,
    pub landing_distance_ll: Option<f64>,
    pub knee_flexion_contact_deg: Option<f64>,
    /// Metric groups with no sound step on this foot: its value above is the median of its flagged steps, not a
    /// confident number (or absent).
    pub low_confidence: Vec<&'static str>,
}

/// Left/right asymmetry in % (docs/metrics.md §Summary): 100 × (left − right) / mean of the two, from each foot's
/// sound steps; `None` where a foot has none.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Asymmetry {
    pub contact_ms: Option<f64>,
    pub flight_ms: Option<f64>,
    pub step_ms: Option<f64>,
    /// Ground-contact balance as sensor platforms give it: the left foot's share of the two contact times, %.
    pub contact_balance_left_pct: Option<f64>,
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
    /// Feet whose gait events were timed by their footprints (docs/metrics.md §Gait events): pose-model landmarks.
    pub events_timed: Vec<Side>,
    /// Landmarks never seen in the sequence (a marker set without them): the metrics that need them are left out.
    pub missing_landmarks: Vec<&'static str>,
    /// What the person is doing; running metrics and cues only when running.
    pub activity: Activity,
    /// The sentence that says the person is not running, when they are not.
    pub not_running: Option<&'static str>,
    pub steps: usize,
    /// Steps with at least one flagged metric (docs/metrics.md §Flags).
    pub flagged_steps: usize,
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
    /// Each foot's medians, `{"left": …, "right": …}`.
    pub per_foot: PerFoot,
    pub asymmetry_pct: Asymmetry,
    /// Median confidence of each metric over the steps (docs/metrics.md §Confidence).
    pub confidence: StepConfidence,
    /// Metrics with no sound step (each step flagged it: low confidence, implausible): their median above is the
    /// flagged steps', not a confident number.
    pub low_confidence: Vec<&'static str>,
    pub cues: Vec<Cue>,
}

/// `FootSummary` of each foot.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct PerFoot {
    pub left: FootSummary,
    pub right: FootSummary,
}

/// What cleaning the landmarks and finding the events left for the summary.
pub struct Cleaning<'a> {
    pub reliable: &'a [[bool; 2]],
    pub sides: SideSettling,
    pub landmark_jitter_ll: Option<f64>,
    pub events_aligned: Vec<Side>,
    pub events_timed: Vec<Side>,
    pub seen: [bool; crate::NUM_LANDMARKS],
}

/// The sequence's facts the summary reports beside the steps.
pub struct Facts {
    pub frame_interval: Option<f64>,
    pub detected_frames: usize,
    pub leg: f64,
    pub facing: Facing,
    pub near_side: Side,
    pub cm_per_leg_length: Option<f64>,
}

/// Least number of steps that can show running (docs/metrics.md §Summary, activity).
pub const MIN_RUNNING_STEPS: usize = 3;
/// Two landings of different feet this close together are one two-footed landing, seconds.
pub const TOGETHER_S: f64 = 0.06;

/// What the person is doing (docs/metrics.md §Summary, activity), from all the contacts found (`stances`, both feet,
/// sorted), the steps measured on them and the frames' feet heights: two-footed landings make jumping, contacts
/// that overlap (median flight below the bound of running) walking, feet that never rise standing; running needs
/// `MIN_RUNNING_STEPS` steps with a median flight and cadence within the bounds of running.
pub fn activity(stances: &[Stance], steps: &[StepMetrics], foot_heights_ll: &[[Option<f64>; 2]]) -> Activity {
    let together = stances
        .iter()
        .filter(|s| stances.iter().any(|o| o.side != s.side && (o.ic_t - s.ic_t).abs() < TOGETHER_S))
        .count();
    if stances.len() >= 2 && 2 * together >= stances.len() {
        return Activity::Jumping;
    }
    let flights: Vec<f64> = steps.iter().filter_map(|s| s.flight_ms).collect();
    if flights.len() >= MIN_RUNNING_STEPS {
        let flight = median(&flights).unwrap_or(0.0);
        if flight < crate::plausibility::FLIGHT_MS.min {
            return Activity::Walking;
        }
        // Running is told from steps a running human can take: a step flagged implausible is no evidence of it.
        // (Sports2D's walker, tracked poorly by the full model, gave cadences of 93 to 1766 spm whose median, 187,
        // looked like running.) Three sound steps are needed.
        let sound: Vec<&StepMetrics> =
            steps.iter().filter(|s| s.flight_ms.is_some() && !s.flags.implausible()).collect();
        let cadence = median_of(sound.iter().map(|s| s.cadence_spm));
        if sound.len() >= MIN_RUNNING_STEPS && cadence.is_some_and(|c| (CADENCE_SPM.min..=CADENCE_SPM.max).contains(&c))
        {
            return Activity::Running;
        }
        return Activity::Unclear;
    }
    // Few contacts: still feet stand; moving feet with no measurable steps are unclear.
    let rises: Vec<f64> = foot_heights_ll.iter().flat_map(|h| h.iter().flatten().copied()).collect();
    if !rises.is_empty() && crate::stats::percentile(&rises, 0.9).is_some_and(|h| h < 0.1) {
        return Activity::Standing;
    }
    Activity::Unclear
}

/// The median of `f` over the steps where metric group `group` is not flagged; where every step flags it, the
/// median over them all, with `group` added to `low`.
fn sound_median(
    steps: &[StepMetrics],
    group: &'static str,
    f: fn(&StepMetrics) -> Option<f64>,
    low: &mut Vec<&'static str>,
) -> Option<f64> {
    let sound = median_of(steps.iter().filter(|s| !s.flags.excludes(group)).map(f));
    if sound.is_some() {
        return sound;
    }
    let any = median_of(steps.iter().map(f));
    if any.is_some() && !low.contains(&group) {
        low.push(group);
    }
    any
}

/// The medians of one foot's steps.
fn foot_summary(steps: &[StepMetrics], side: Side) -> FootSummary {
    let own: Vec<StepMetrics> = steps.iter().filter(|s| s.side == side).cloned().collect();
    let mut low = Vec::new();
    FootSummary {
        steps: own.len(),
        contact_ms: sound_median(&own, "contact", |s| Some(s.contact_ms), &mut low),
        flight_ms: sound_median(&own, "flight", |s| s.flight_ms, &mut low),
        fall_angle_deg: sound_median(&own, "fall_angle", |s| s.fall_angle_toe_off_deg, &mut low),
        landing_distance_ll: sound_median(&own, "landing_distance", |s| s.landing_distance_ll, &mut low),
        knee_flexion_contact_deg: sound_median(&own, "knee_flexion", |s| s.knee_flexion_contact_deg, &mut low),
        low_confidence: low,
    }
}

/// 100 × (a − b) / mean(a, b) for two positive quantities.
fn asymmetry(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    let (a, b) = (a?, b?);
    (a + b > 0.0).then(|| 200.0 * (a - b) / (a + b))
}

/// Steps per minute, counted rather than averaged (docs/metrics.md §Summary): the steps between the first and the
/// last initial contact over the time between them. An initial contact timed a frame late lengthens one step and
/// shortens the next by as much, so the instants the flags doubt cancel out, where a mean over the sound steps would
/// keep the short step of such a pair and drop the long one. The intervals between consecutive contacts are added up
/// until they span a whole number of typical steps (the median step time) within `RHYTHM_TOLERANCE`, and count as
/// that many: a contact the detector missed (two steps), one it found twice (a step cut in two) and one timed far off
/// (one step too long, the next as much too short) all count right. Intervals that reach past
/// `MAX_STEPS_PER_INTERVAL` typical steps without falling on the rhythm (the runner out of view) are left out.
/// `step_ms`: the steps' times (next initial contact − initial contact), in the order of the steps.
pub(crate) fn counted_cadence_spm(step_ms: &[f64]) -> Option<f64> {
    count_steps_spm(step_ms, median(step_ms)?)
}

/// Steps per minute counted over `intervals_ms`, the times between consecutive initial contacts (each one or more
/// steps long), in steps of `typical` ms (`counted_cadence_spm`).
fn count_steps_spm(intervals_ms: &[f64], typical: f64) -> Option<f64> {
    if typical <= 0.0 {
        return None;
    }
    let (mut count, mut ms, mut pending) = (0.0, 0.0, 0.0);
    for &d in intervals_ms {
        pending += d;
        let span = pending / typical;
        let n = span.round();
        if span > MAX_STEPS_PER_INTERVAL + 0.5 {
            pending = 0.0;
        } else if n >= 1.0 && (span - n).abs() <= RHYTHM_TOLERANCE {
            count += n;
            ms += pending;
            pending = 0.0;
        }
    }
    (ms > 0.0).then(|| 60_000.0 * count / ms)
}

/// How far from a whole number of typical steps a run of intervals may end and still be counted, in typical steps
/// (`counted_cadence_spm`): a quarter step, about 90 ms at 170 spm.
pub const RHYTHM_TOLERANCE: f64 = 0.25;
/// The most typical steps one run of intervals may count as (`counted_cadence_spm`).
pub const MAX_STEPS_PER_INTERVAL: f64 = 3.0;

/// Builds the summary (docs/metrics.md §Summary) from the steps (with their flags: a person not running has every
/// step flagged) and what the person was found doing.
pub(crate) fn summarize(
    frames: &[PoseFrame],
    steps: &[StepMetrics],
    activity: Activity,
    cleaning: &Cleaning,
    facts: &Facts,
) -> Summary {
    let running = activity == Activity::Running;
    let conf =
        |f: fn(&StepConfidence) -> f64| median_of(steps.iter().map(|s| Some(f(&s.metric_confidence)))).unwrap_or(0.0);
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
    // Filled by the medians: a metric with no sound step (docs/metrics.md §Flags).
    let mut low: Vec<&'static str> = Vec::new();
    let (mut per_foot, mut asymmetry_pct) = (PerFoot::default(), Asymmetry::default());
    let mut m = |group: &'static str, f: fn(&StepMetrics) -> Option<f64>| {
        if running { sound_median(steps, group, f, &mut low) } else { None }
    };
    let contact_ms = m("contact", |s| Some(s.contact_ms));
    let flight_ms = m("flight", |s| s.flight_ms);
    let fall_angle_deg = m("fall_angle", |s| s.fall_angle_toe_off_deg);
    let fall_angle_max_deg = m("fall_angle", |s| s.fall_angle_max_deg);
    let landing_distance_ll = m("landing_distance", |s| s.landing_distance_ll);
    let knee_flexion_contact_deg = m("knee_flexion", |s| s.knee_flexion_contact_deg);
    let trunk_angle_deg = m("trunk_angle", |s| s.trunk_angle_midstance_deg);
    let vertical_oscillation_ll = m("vertical_oscillation", |s| s.vertical_oscillation_ll);
    let pull_height_ll = m("pull", |s| s.pull_height_ll);
    if running {
        per_foot = PerFoot { left: foot_summary(steps, Side::Left), right: foot_summary(steps, Side::Right) };
        let sound = |side: Side, group: &str, f: fn(&StepMetrics) -> Option<f64>| {
            median_of(steps.iter().filter(|s| s.side == side && !s.flags.excludes(group)).map(f))
        };
        let contact = |side| sound(side, "contact", |s| Some(s.contact_ms));
        asymmetry_pct = Asymmetry {
            contact_ms: asymmetry(contact(Side::Left), contact(Side::Right)),
            flight_ms: asymmetry(
                sound(Side::Left, "flight", |s| s.flight_ms),
                sound(Side::Right, "flight", |s| s.flight_ms),
            ),
            step_ms: asymmetry(
                sound(Side::Left, "cadence", |s| s.step_ms),
                sound(Side::Right, "cadence", |s| s.step_ms),
            ),
            contact_balance_left_pct: match (contact(Side::Left), contact(Side::Right)) {
                (Some(l), Some(r)) if l + r > 0.0 => Some(100.0 * l / (l + r)),
                _ => None,
            },
        };
    }
    let cm = |ll: Option<f64>| Some(ll? * facts.cm_per_leg_length?);
    let count =
        |k: FootStrike| steps.iter().filter(|s| s.foot_strike == Some(k) && !s.flags.excludes("foot_strike")).count();
    Summary {
        frames: frames.len(),
        detected_frames: facts.detected_frames,
        duration_s: frames.last().map_or(0.0, |f| f.t) - frames.first().map_or(0.0, |f| f.t),
        fps: facts.frame_interval.map_or(0.0, |d| 1.0 / d),
        facing: facts.facing,
        near_side: facts.near_side,
        leg_length_px: facts.leg,
        cm_per_leg_length: facts.cm_per_leg_length,
        unreliable_foot_frames: cleaning.reliable.iter().filter(|r| !(r[0] && r[1])).count(),
        sides: cleaning.sides,
        landmark_jitter_ll: cleaning.landmark_jitter_ll,
        events_aligned: cleaning.events_aligned.clone(),
        events_timed: cleaning.events_timed.clone(),
        missing_landmarks: crate::Landmark::ALL
            .iter()
            .filter(|l| !cleaning.seen[l.index()])
            .map(|l| l.name())
            .collect(),
        activity,
        not_running: activity.not_running_sentence(),
        steps: steps.len(),
        flagged_steps: steps.iter().filter(|s| !s.flags.is_sound()).count(),
        cadence_spm: if running {
            counted_cadence_spm(&steps.iter().filter_map(|s| s.step_ms).collect::<Vec<_>>())
        } else {
            None
        },
        contact_ms,
        flight_ms,
        fall_angle_deg,
        fall_angle_max_deg,
        landing_distance_ll,
        landing_distance_cm: cm(landing_distance_ll),
        knee_flexion_contact_deg,
        trunk_angle_deg,
        vertical_oscillation_ll,
        vertical_oscillation_cm: cm(vertical_oscillation_ll),
        pull_height_ll,
        foot_strikes: FootStrikeCounts {
            heel: count(FootStrike::Heel),
            mid: count(FootStrike::Mid),
            fore: count(FootStrike::Fore),
        },
        per_foot,
        asymmetry_pct,
        confidence,
        low_confidence: low,
        cues: if running { summary_cues(steps) } else { Vec::new() },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The step times of contacts at `ic`, seconds.
    fn steps(ic: &[f64]) -> Vec<f64> {
        ic.windows(2).map(|w| 1000.0 * (w[1] - w[0])).collect()
    }

    #[test]
    fn cadence_is_counted_so_a_contact_timed_late_or_missed_changes_nothing() {
        // 0.35 s steps: 171.4 spm.
        let even: Vec<f64> = (0..12).map(|k| 0.35 * k as f64).collect();
        let cadence = counted_cadence_spm(&steps(&even)).unwrap();
        assert!((cadence - 60.0 / 0.35).abs() < 1e-9, "{cadence}");
        // One contact two frames late: its step is 67 ms longer, the next as much shorter.
        let mut late = even.clone();
        late[5] += 0.067;
        assert!((counted_cadence_spm(&steps(&late)).unwrap() - cadence).abs() < 1e-9);
        // One contact missed: the 0.7 s interval counts as two steps.
        let mut missed = even.clone();
        missed.remove(6);
        assert!((counted_cadence_spm(&steps(&missed)).unwrap() - cadence).abs() < 1e-9);
        // One contact found twice (a step cut into 0.22 + 0.13 s): still one step.
        let mut twice = even.clone();
        twice.insert(6, 0.35 * 5.0 + 0.22);
        assert!((counted_cadence_spm(&steps(&twice)).unwrap() - cadence).abs() < 1e-9);
        // One contact timed half a step late (its step 1.5 typical steps long, the next 0.5).
        let mut far_off = even.clone();
        far_off[5] += 0.175;
        assert!((counted_cadence_spm(&steps(&far_off)).unwrap() - cadence).abs() < 1e-9);
        // The runner out of view for 3 s: that interval is left out.
        let mut away = even.clone();
        for t in &mut away[8..] {
            *t += 3.0;
        }
        assert!((counted_cadence_spm(&steps(&away)).unwrap() - cadence).abs() < 1e-9);
        assert_eq!(counted_cadence_spm(&steps(&[1.0])), None);
    }

    /// Steps no running human takes are no evidence of running: a poorly tracked walker's steps (cadences from 93 to
    /// 1766 spm, their median 187; median flight −17 ms) are unclear, not running; the same number of sound running
    /// steps are running.
    #[test]
    fn implausible_steps_do_not_make_running() {
        let step = |cadence: f64, flight: f64| {
            let mut s = StepMetrics {
                cadence_spm: Some(cadence),
                flight_ms: Some(flight),
                ..crate::metrics::test_steps::good_step()
            };
            s.flags = crate::plausibility::flag_step(&s, false);
            s
        };
        let walker: Vec<StepMetrics> =
            [(1303.0, -308.0), (159.0, 175.0), (256.0, -153.0), (353.0, -275.0), (106.0, 414.0)]
                .iter()
                .chain(&[(1766.0, -406.0), (93.0, 276.0), (96.0, 120.0), (187.0, -17.0)])
                .map(|&(c, f)| step(c, f))
                .collect();
        assert_eq!(activity(&[], &walker, &[]), Activity::Unclear);
        let runner: Vec<StepMetrics> = (0..9).map(|k| step(166.0 + k as f64, 50.0 + k as f64)).collect();
        assert_eq!(activity(&[], &runner, &[]), Activity::Running);
    }
}
