//! Coaching cues of the Pose Method, each a rule on the per-step metrics with a documented threshold
//! (docs/metrics.md §Cues). Rules are listed in coaching priority.

use serde::Serialize;

use crate::metrics::{FootStrike, StepMetrics};

/// One rule: when `fires` says true for a step, the cue applies to that step (`None`: not measurable there).
pub struct CueRule {
    pub id: &'static str,
    pub text: &'static str,
    /// The threshold in words, as documented.
    pub rule: &'static str,
    /// The metric groups it reads (`StepConfidence` names): a step that flags one of them cannot fire it
    /// (docs/metrics.md §Flags).
    pub uses: &'static [&'static str],
    pub fires: fn(&StepMetrics) -> Option<bool>,
}

impl CueRule {
    /// Whether the rule fires on `step` (`None`: not measurable there, or measured on a flagged metric).
    pub fn verdict(&self, step: &StepMetrics) -> Option<bool> {
        if self.uses.iter().any(|g| step.flags.excludes(g)) {
            return None;
        }
        (self.fires)(step)
    }
}

/// Landing distance above which the foot lands ahead of the body (overstriding), leg lengths.
pub const OVERSTRIDE_LL: f64 = 0.20;
/// Trunk lean beyond the fall angle that counts as bending at the waist, degrees.
pub const WAIST_BEND_DEG: f64 = 10.0;
/// Knee flexion at toe-off below which the leg is straight behind (pushing off), degrees.
pub const PUSH_OFF_KNEE_DEG: f64 = 20.0;
/// Swing ankle further behind the hip than this at mid-stance is a late pull, leg lengths.
pub const LATE_PULL_LL: f64 = 0.35;
/// Cadence below which steps are too slow, steps per minute.
pub const LOW_CADENCE_SPM: f64 = 170.0;
/// The Pose Method's upper limit of the fall angle, degrees.
pub const MAX_FALL_DEG: f64 = 22.5;
/// Hip off the support ankle by more than this at mid-stance breaks the Running Pose alignment, leg lengths.
pub const ALIGNMENT_LL: f64 = 0.15;

pub const RULES: [CueRule; 8] = [
    CueRule {
        id: "overstride",
        text: "Land under your hips",
        rule: "landing distance > 0.20 leg lengths",
        uses: &["landing_distance"],
        fires: |s| Some(s.landing_distance_ll? > OVERSTRIDE_LL),
    },
    CueRule {
        id: "heel_strike",
        text: "Land on the ball of the foot",
        rule: "foot strike = heel (foot-strike angle > 8°)",
        uses: &["foot_strike"],
        fires: |s| Some(s.foot_strike? == FootStrike::Heel),
    },
    CueRule {
        id: "push_off",
        text: "Don't push off: pull the foot up",
        rule: "knee flexion at toe-off < 20°",
        uses: &["knee_flexion"],
        fires: |s| Some(s.knee_flexion_toe_off_deg? < PUSH_OFF_KNEE_DEG),
    },
    CueRule {
        id: "late_pull",
        text: "Pull the foot up under the hip",
        rule: "swing ankle more than 0.35 leg lengths behind the hip at mid-stance",
        uses: &["swing_position"],
        fires: |s| Some(s.swing_ankle_ahead_of_hip_midstance_ll? < -LATE_PULL_LL),
    },
    CueRule {
        id: "waist_bend",
        text: "Lean from the ankles, not the waist",
        rule: "trunk angle at mid-stance > fall angle at toe-off + 10°",
        uses: &["trunk_angle", "fall_angle"],
        fires: |s| Some(s.trunk_angle_midstance_deg? > s.fall_angle_toe_off_deg? + WAIST_BEND_DEG),
    },
    CueRule {
        id: "alignment",
        text: "Stack shoulders and hips over the support foot",
        rule: "|hip ahead of support ankle| at mid-stance > 0.15 leg lengths",
        uses: &["hip_alignment"],
        fires: |s| Some(s.hip_ahead_of_ankle_midstance_ll?.abs() > ALIGNMENT_LL),
    },
    CueRule {
        id: "over_fall",
        text: "Less lean: stay within 22.5°",
        rule: "maximum fall angle in stance > 22.5°",
        uses: &["fall_angle"],
        fires: |s| Some(s.fall_angle_max_deg? > MAX_FALL_DEG),
    },
    CueRule {
        id: "low_cadence",
        text: "Quicker steps: aim for about 180 a minute",
        rule: "cadence < 170 steps/min",
        uses: &["cadence"],
        fires: |s| Some(s.cadence_spm? < LOW_CADENCE_SPM),
    },
];

/// The rules that fire on one step, in priority order.
pub fn step_cues(step: &StepMetrics) -> Vec<&'static CueRule> {
    RULES.iter().filter(|r| r.verdict(step) == Some(true)).collect()
}

/// Whether a step may be called good: no rule fires on it and at least one could judge it. A step whose numbers are
/// all flagged (a person not running, every metric implausible) is judged by none, and is not called good.
pub fn good_step(step: &StepMetrics) -> bool {
    let verdicts: Vec<bool> = RULES.iter().filter_map(|r| r.verdict(step)).collect();
    !verdicts.is_empty() && !verdicts.contains(&true)
}

/// A cue for a whole run: the rule fired on `share` of the `measured` steps where it could be evaluated.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Cue {
    pub id: &'static str,
    pub text: &'static str,
    pub rule: &'static str,
    pub share: f64,
    pub measured: usize,
}

/// A rule becomes a cue of the run when it fires on at least half of at least three measurable steps.
pub const CUE_MIN_SHARE: f64 = 0.5;
pub const CUE_MIN_STEPS: usize = 3;

/// The cues of a run, in priority order.
pub(crate) fn summary_cues(steps: &[StepMetrics]) -> Vec<Cue> {
    RULES
        .iter()
        .filter_map(|r| {
            let verdicts: Vec<bool> = steps.iter().filter_map(|s| r.verdict(s)).collect();
            let share = verdicts.iter().filter(|&&v| v).count() as f64 / verdicts.len().max(1) as f64;
            (verdicts.len() >= CUE_MIN_STEPS && share >= CUE_MIN_SHARE).then_some(Cue {
                id: r.id,
                text: r.text,
                rule: r.rule,
                share,
                measured: verdicts.len(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::test_steps::good_step;

    #[test]
    fn a_flagged_metric_fires_no_cue() {
        let mut heel = good_step();
        heel.foot_strike = Some(FootStrike::Heel);
        assert_eq!(step_cues(&heel).len(), 1);
        heel.flags = crate::flags::StepFlags {
            reasons: vec!["low confidence: foot strike".into()],
            metrics: vec!["foot_strike"],
        };
        assert!(step_cues(&heel).is_empty());
        assert!(summary_cues(&[heel.clone(), heel.clone(), heel]).is_empty(), "flagged steps are not measured");
    }

    #[test]
    fn a_good_step_gets_no_cue() {
        assert!(step_cues(&good_step()).is_empty());
    }

    #[test]
    fn each_fault_fires_its_own_rule() {
        type Fault = (&'static str, fn(&mut StepMetrics));
        let cases: [Fault; 8] = [
            ("overstride", |s| s.landing_distance_ll = Some(0.3)),
            ("heel_strike", |s| s.foot_strike = Some(FootStrike::Heel)),
            ("push_off", |s| s.knee_flexion_toe_off_deg = Some(12.0)),
            ("late_pull", |s| s.swing_ankle_ahead_of_hip_midstance_ll = Some(-0.5)),
            ("waist_bend", |s| s.trunk_angle_midstance_deg = Some(30.0)),
            ("alignment", |s| s.hip_ahead_of_ankle_midstance_ll = Some(-0.3)),
            ("over_fall", |s| s.fall_angle_max_deg = Some(25.0)),
            ("low_cadence", |s| s.cadence_spm = Some(150.0)),
        ];
        for (id, fault) in cases {
            let mut s = good_step();
            fault(&mut s);
            let fired: Vec<&str> = step_cues(&s).iter().map(|r| r.id).collect();
            assert_eq!(fired, vec![id]);
        }
    }

    #[test]
    fn run_cues_need_half_of_three_measurable_steps() {
        let mut steps = vec![good_step(), good_step(), good_step(), good_step()];
        steps[0].cadence_spm = Some(150.0);
        assert!(summary_cues(&steps).is_empty());
        steps[1].cadence_spm = Some(150.0);
        let cues = summary_cues(&steps);
        assert_eq!(cues.len(), 1);
        assert_eq!((cues[0].id, cues[0].share, cues[0].measured), ("low_cadence", 0.5, 4));
        // Unmeasurable steps don't count: two measured steps are too few.
        for s in &mut steps[2..] {
            s.cadence_spm = None;
        }
        assert!(summary_cues(&steps).is_empty());
    }
}
