//! What a running human can do, and the flags a step gets when its numbers cannot be trusted (docs/metrics.md
//! §Flags): outside the bounds of running, measured on landmarks seen poorly, or timed by the far foot's toe. A
//! flagged metric is never summarised as a confident number.

use crate::flags::{IMPLAUSIBLE, StepFlags};
use crate::metrics::{LOW_CONFIDENCE, StepConfidence, StepMetrics};

/// A range a running human's step stays inside, with its source (docs/metrics.md §Flags).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bound {
    /// The metric group it guards (a `StepConfidence` entry name).
    pub metric: &'static str,
    pub min: f64,
    pub max: f64,
    pub unit: &'static str,
}

/// Step frequency: recreational runners rarely step below 140 a minute (Cavanagh and Kram 1989, 2.5–4 m/s;
/// Heiderscheit et al. 2011: 160–175 typical), sprinters at top speed about 4.5–5 steps a second (Weyand et al.
/// 2000). Below 120 or above 300 a "step" is a missed or doubled contact.
pub const CADENCE_SPM: Bound = Bound { metric: "cadence", min: 120.0, max: 300.0, unit: "spm" };
/// Ground contact: about 80–100 ms for sprinters at top speed (Weyand et al. 2000) up to about 350 ms for slow
/// joggers (Cavanagh and Kram 1989); with a frame of timing either side, 70–450 ms.
pub const CONTACT_MS: Bound = Bound { metric: "contact", min: 70.0, max: 450.0, unit: "ms" };
/// Flight: running has an aerial phase, up to about 200 ms at speed (Weyand et al. 2000); a step whose next
/// contact comes more than a 30 fps frame before this one ended overlaps like walking, not running.
pub const FLIGHT_MS: Bound = Bound { metric: "flight", min: -40.0, max: 250.0, unit: "ms" };
/// Fall angle at toe-off: the Pose Method's lean is within about 22.5° (Romanov); the whole body cannot lean
/// beyond 40° forward or 15° backward at toe-off and keep running.
pub const FALL_ANGLE_DEG: Bound = Bound { metric: "fall_angle", min: -15.0, max: 40.0, unit: "°" };
/// Knee flexion at contact and toe-off: 0 (straight) to about 60° at contact and 20–40° at toe-off in running
/// (Novacheck 1998); beyond 120° the leg is not supporting the body.
pub const KNEE_FLEXION_DEG: Bound = Bound { metric: "knee_flexion", min: -5.0, max: 120.0, unit: "°" };
/// Trunk lean at mid-stance: a few degrees to about 15° forward in running (Novacheck 1998); beyond 45° forward or
/// 30° back the runner is not upright.
pub const TRUNK_ANGLE_DEG: Bound = Bound { metric: "trunk_angle", min: -30.0, max: 45.0, unit: "°" };

/// Every bound, in the order they are checked.
pub const BOUNDS: [Bound; 6] = [CADENCE_SPM, CONTACT_MS, FLIGHT_MS, FALL_ANGLE_DEG, KNEE_FLEXION_DEG, TRUNK_ANGLE_DEG];

/// Confidence given to the far foot's toe-off metrics on video (docs/metrics.md §Flags): on the annotated treadmill
/// clip the default model put the far toe's lift-off 1.4 frames early (docs/validation.md §Video).
pub const FAR_TOE_OFF_CONFIDENCE: f64 = 0.3;

/// Flags every metric of a step: it is not a running step at all (`reason`).
pub(crate) fn all_flagged(reason: &str) -> StepFlags {
    let mut flags = StepFlags { reasons: vec![reason.to_string()], metrics: Vec::new() };
    for (name, _) in StepConfidence::default().entries() {
        flags.exclude(name);
    }
    flags
}

/// The value of each bounded metric of a step: `(bound, value)` for those it has.
fn bounded_values(step: &StepMetrics) -> Vec<(Bound, f64)> {
    let mut v = Vec::new();
    let mut push = |b: Bound, x: Option<f64>| {
        if let Some(x) = x {
            v.push((b, x));
        }
    };
    push(CADENCE_SPM, step.cadence_spm);
    push(CONTACT_MS, Some(step.contact_ms));
    push(FLIGHT_MS, step.flight_ms);
    push(FALL_ANGLE_DEG, step.fall_angle_toe_off_deg);
    push(KNEE_FLEXION_DEG, step.knee_flexion_contact_deg);
    push(KNEE_FLEXION_DEG, step.knee_flexion_toe_off_deg);
    push(TRUNK_ANGLE_DEG, step.trunk_angle_midstance_deg);
    v
}

/// The flags of one step (docs/metrics.md §Flags): each bounded metric outside what a running human can do is
/// implausible (a cadence out of bounds means a missed or doubled contact, so the flight goes with it); each metric
/// whose confidence is below `LOW_CONFIDENCE` is low confidence, with `far_toe_off` noting that the step's toe-off
/// was timed by the far foot's toe point.
pub(crate) fn flag_step(step: &StepMetrics, far_toe_off: bool) -> StepFlags {
    let mut flags = StepFlags::default();
    for (b, x) in bounded_values(step) {
        if x < b.min || x > b.max {
            flags.reasons.push(format!(
                "{IMPLAUSIBLE} {} {x:.0} {} (running: {:.0} to {:.0} {})",
                b.metric.replace('_', " "),
                b.unit,
                b.min,
                b.max,
                b.unit
            ));
            flags.exclude(b.metric);
            if b.metric == "cadence" {
                flags.exclude("flight");
            }
        }
    }
    let low: Vec<&'static str> =
        step.metric_confidence.entries().into_iter().filter(|(_, c)| *c < LOW_CONFIDENCE).map(|(n, _)| n).collect();
    if !low.is_empty() {
        let names: Vec<String> = low.iter().map(|n| n.replace('_', " ")).collect();
        flags.reasons.push(if far_toe_off {
            format!("low confidence: {} (far foot's toe-off)", names.join(", "))
        } else {
            format!("low confidence: {}", names.join(", "))
        });
        for n in low {
            flags.exclude(n);
        }
    }
    flags
}

/// Caps the confidence of the metrics a step takes at or from its toe-off (contact and flight time, fall angle and
/// knee flexion at toe-off, the pull), for a step of the far foot on video (docs/metrics.md §Flags).
pub(crate) fn cap_toe_off_confidence(c: &mut StepConfidence) {
    for v in [&mut c.contact, &mut c.flight, &mut c.fall_angle, &mut c.knee_flexion, &mut c.pull] {
        *v = v.min(FAR_TOE_OFF_CONFIDENCE);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::test_steps::good_step;

    #[test]
    fn a_sound_step_has_no_flag_and_numbers_a_runner_cannot_make_are_implausible() {
        assert!(flag_step(&good_step(), false).is_sound());
        let mut s = good_step();
        s.contact_ms = 40.0;
        s.cadence_spm = Some(1046.0);
        let f = flag_step(&s, false);
        assert!(f.excludes("contact") && f.excludes("cadence") && f.excludes("flight"), "{f:?}");
        assert!(!f.excludes("fall_angle"));
        assert!(f.text().contains("implausible contact 40 ms (running: 70 to 450 ms)"), "{}", f.text());
    }

    #[test]
    fn the_far_foot_toe_off_metrics_are_low_confidence() {
        let mut s = good_step();
        cap_toe_off_confidence(&mut s.metric_confidence);
        let f = flag_step(&s, true);
        for m in ["contact", "flight", "fall_angle", "knee_flexion", "pull"] {
            assert!(f.excludes(m), "{m}: {f:?}");
        }
        assert!(!f.excludes("cadence") && !f.excludes("landing_distance"));
        assert!(f.text().ends_with("(far foot's toe-off)"), "{}", f.text());
        assert_eq!(all_flagged("not running").metrics.len(), 13);
    }
}
