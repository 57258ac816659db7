//! Pose Method metrics per frame and per step. Every quantity here is defined in docs/metrics.md; the section is
//! named beside each.

use serde::Serialize;

use crate::PoseFrame;
use crate::gait::{GroundFrame, Stance, foot_low_point};
use crate::skeleton::{Point, Pose, Side};

pub use crate::body::{
    BALL_OF_FOOT_FRACTION, COM_FALLBACK_CONFIDENCE, LOW_CONFIDENCE, center_of_mass, fall_angle_deg, knee_flexion_deg,
};
use crate::body::{
    HIPS, SHOULDERS, ball_of_foot, com_confidence, foot_angle_deg, foot_confidence, leg_confidence, mean_score,
    shoulders_seen, trunk_confidence,
};

/// Measurements of one frame (docs/metrics.md §Per-frame metrics). Lengths are in leg lengths (`_ll`).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct FrameMetrics {
    pub support: Option<Side>,
    pub com: Option<Point>,
    pub com_fallback: bool,
    pub support_point: Option<Point>,
    pub fall_angle_deg: Option<f64>,
    pub trunk_angle_deg: Option<f64>,
    pub knee_flexion_left_deg: Option<f64>,
    pub knee_flexion_right_deg: Option<f64>,
    pub shoulder_ahead_of_support_ll: Option<f64>,
    pub hip_ahead_of_support_ll: Option<f64>,
    pub swing_foot_height_ll: Option<f64>,
    pub swing_foot_ahead_of_hip_ll: Option<f64>,
    pub com_height_ll: Option<f64>,
    /// Confidence of the fall angle (support foot and centre of mass) and of the trunk angle, 0..1
    /// (docs/metrics.md §Confidence).
    pub fall_angle_confidence: Option<f64>,
    pub trunk_angle_confidence: Option<f64>,
    /// Height of each foot's lowest point above the ground line, `[left, right]`.
    pub foot_height_ll: [Option<f64>; 2],
    /// `[left, right]`: false where the foot's points were found collapsed and were interpolated.
    pub foot_reliable: [bool; 2],
}

/// Computes the per-frame metrics of one pose given its support foot (if any). `shoulders_seen`: whether the
/// shoulders were seen anywhere in the sequence (without them there is no trunk angle and no shoulder alignment).
pub(crate) fn frame_metrics(
    pose: &Pose,
    support: Option<Side>,
    ground: &GroundFrame,
    leg: f64,
    foot_reliable: [bool; 2],
    shoulders_seen: bool,
) -> FrameMetrics {
    let (com, com_fallback) = center_of_mass(pose);
    let hip = pose.hip_mid();
    let shoulder = pose.shoulder_mid();
    let support_point = support.map(|s| ball_of_foot(pose, s));
    let swing = support.map(Side::other);
    FrameMetrics {
        support,
        com: Some(com),
        com_fallback,
        support_point,
        fall_angle_deg: support_point.map(|sp| ground.lean_deg(com - sp)),
        trunk_angle_deg: shoulders_seen.then(|| ground.lean_deg(shoulder - hip)),
        knee_flexion_left_deg: Some(knee_flexion_deg(pose, Side::Left)),
        knee_flexion_right_deg: Some(knee_flexion_deg(pose, Side::Right)),
        shoulder_ahead_of_support_ll: support_point
            .filter(|_| shoulders_seen)
            .map(|sp| ground.ahead(shoulder, sp) / leg),
        hip_ahead_of_support_ll: support_point.map(|sp| ground.ahead(hip, sp) / leg),
        swing_foot_height_ll: swing.map(|s| ground.foot_height(s, foot_low_point(pose, s)) / leg),
        swing_foot_ahead_of_hip_ll: swing.map(|s| ground.ahead(pose.pt(s.ankle()), hip) / leg),
        com_height_ll: Some(ground.height(com) / leg),
        fall_angle_confidence: support.map(|s| foot_confidence(pose, s).min(com_confidence(pose))),
        trunk_angle_confidence: shoulders_seen.then(|| trunk_confidence(pose)),
        foot_height_ll: [Side::Left, Side::Right].map(|s| Some(ground.foot_height(s, foot_low_point(pose, s)) / leg)),
        foot_reliable,
    }
}

/// Foot-strike pattern at initial contact (docs/metrics.md §Foot strike; Altman and Davis 2012).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FootStrike {
    Heel,
    Mid,
    Fore,
}

impl FootStrike {
    /// Rearfoot above 8°, forefoot below −1.6°, midfoot between (foot-strike angle, degrees).
    pub fn classify(foot_strike_angle_deg: f64) -> FootStrike {
        if foot_strike_angle_deg > 8.0 {
            FootStrike::Heel
        } else if foot_strike_angle_deg < -1.6 {
            FootStrike::Fore
        } else {
            FootStrike::Mid
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            FootStrike::Heel => "heel",
            FootStrike::Mid => "mid",
            FootStrike::Fore => "fore",
        }
    }
}

/// Confidence of each step metric, 0..1 (docs/metrics.md §Confidence): the least mean score of the landmark groups the
/// metric is computed from, at the instants it is taken. Repaired (interpolated) foot points count 0.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct StepConfidence {
    /// contact_ms: the step's foot at contact and toe-off.
    pub contact: f64,
    /// flight_ms: the step's foot at toe-off and the next foot at its contact.
    pub flight: f64,
    /// step_ms and cadence_spm: both feet at their contacts.
    pub cadence: f64,
    /// fall_angle_*: the step's foot and the centre of mass at toe-off.
    pub fall_angle: f64,
    /// landing_distance_*: the step's foot and the centre of mass at contact.
    pub landing_distance: f64,
    /// foot_strike*: the step's foot at contact.
    pub foot_strike: f64,
    /// knee_flexion_*: the step's hip, knee and ankle at contact and toe-off.
    pub knee_flexion: f64,
    /// trunk_angle_midstance_deg: shoulders and hips at mid-stance.
    pub trunk_angle: f64,
    /// shoulder_ahead_of_ankle_midstance_ll: shoulders and the support foot at mid-stance.
    pub shoulder_alignment: f64,
    /// hip_ahead_of_ankle_midstance_ll: hips and the support foot at mid-stance.
    pub hip_alignment: f64,
    /// swing_ankle_ahead_of_hip_midstance_ll: hips and the swing foot at mid-stance.
    pub swing_position: f64,
    /// pull_*: the step's foot over its swing.
    pub pull: f64,
    /// vertical_oscillation_*: the centre of mass over the step.
    pub vertical_oscillation: f64,
}

impl StepConfidence {
    /// (name, confidence) of every metric group, in declaration order.
    pub fn entries(&self) -> [(&'static str, f64); 13] {
        [
            ("contact", self.contact),
            ("flight", self.flight),
            ("cadence", self.cadence),
            ("fall_angle", self.fall_angle),
            ("landing_distance", self.landing_distance),
            ("foot_strike", self.foot_strike),
            ("knee_flexion", self.knee_flexion),
            ("trunk_angle", self.trunk_angle),
            ("shoulder_alignment", self.shoulder_alignment),
            ("hip_alignment", self.hip_alignment),
            ("swing_position", self.swing_position),
            ("pull", self.pull),
            ("vertical_oscillation", self.vertical_oscillation),
        ]
    }
}

/// Measurements of one step: a stance of one foot and the flight until the other foot lands
/// (docs/metrics.md §Per-step metrics). Lengths are in leg lengths (`_ll`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StepMetrics {
    pub index: usize,
    pub side: Side,
    pub ic_t: f64,
    pub to_t: f64,
    pub contact_ms: f64,
    pub flight_ms: Option<f64>,
    pub step_ms: Option<f64>,
    pub cadence_spm: Option<f64>,
    pub fall_angle_toe_off_deg: Option<f64>,
    pub fall_angle_max_deg: Option<f64>,
    pub landing_distance_ll: Option<f64>,
    pub foot_strike_angle_deg: Option<f64>,
    pub foot_strike: Option<FootStrike>,
    pub knee_flexion_contact_deg: Option<f64>,
    pub knee_flexion_toe_off_deg: Option<f64>,
    pub trunk_angle_midstance_deg: Option<f64>,
    pub shoulder_ahead_of_ankle_midstance_ll: Option<f64>,
    pub hip_ahead_of_ankle_midstance_ll: Option<f64>,
    pub swing_ankle_ahead_of_hip_midstance_ll: Option<f64>,
    pub pull_height_ll: Option<f64>,
    pub pull_time_ms: Option<f64>,
    pub vertical_oscillation_ll: Option<f64>,
    /// Mean visibility of the support leg's hip, knee, ankle, heel and toe at contact, mid-stance and toe-off (0..1);
    /// interpolated (unreliable) foot points count as 0.
    pub confidence: f64,
    /// Confidence of each metric.
    pub metric_confidence: StepConfidence,
    /// Which metrics are not to be trusted, and why (docs/metrics.md §Flags): set by the analysis.
    pub flags: crate::flags::StepFlags,
}

/// Everything `step_metrics` needs about the sequence.
pub struct StepContext<'a> {
    pub frames: &'a [PoseFrame],
    pub metrics: &'a [FrameMetrics],
    pub ground: &'a GroundFrame,
    pub leg: f64,
    /// Median foot angle at mid-stance per side `[left, right]`: the runner's own flat-foot reference.
    pub flat_foot_angle_deg: [Option<f64>; 2],
    /// Landmarks seen anywhere in the sequence (`seen_landmarks`).
    pub seen: [bool; crate::NUM_LANDMARKS],
}

impl StepContext<'_> {
    fn pose(&self, i: usize) -> Option<&Pose> {
        self.frames.get(i)?.pose.as_ref()
    }

    /// `f` of the poses either side of instant `t`, interpolated linearly in time (docs/metrics.md §Per-step
    /// metrics: the fall angle at toe-off changes by about 4° a frame, so the nearest frame would add up to 2° of
    /// rounding); the nearest pose's value where only one side has a person.
    fn interpolated(&self, t: f64, f: impl Fn(&Pose) -> f64) -> Option<f64> {
        let after = self.frames.partition_point(|x| x.t <= t);
        let (a, b) =
            (after.checked_sub(1).and_then(|i| Some((i, f(self.pose(i)?)))), self.pose(after).map(|p| (after, f(p))));
        match (a, b) {
            (Some((i, va)), Some((j, vb))) => {
                let w = (t - self.frames[i].t) / (self.frames[j].t - self.frames[i].t);
                Some(va + (vb - va) * w.clamp(0.0, 1.0))
            }
            _ => self.pose(self.nearest_frame(t)).map(f),
        }
    }

    fn nearest_frame(&self, t: f64) -> usize {
        let after = self.frames.partition_point(|f| f.t < t);
        match after {
            0 => 0,
            n if n >= self.frames.len() => self.frames.len() - 1,
            n if (self.frames[n].t - t) < (t - self.frames[n - 1].t) => n,
            n => n - 1,
        }
    }
}

/// Computes the metrics of stance `k` of `stances` (sorted by initial contact, both feet).
pub(crate) fn step_metrics(ctx: &StepContext, stances: &[Stance], k: usize) -> StepMetrics {
    let st = stances[k];
    let side = st.side;
    let leg = ctx.leg;
    let next = stances.get(k + 1).filter(|n| n.side != side);
    let mid = ctx.nearest_frame(0.5 * (st.ic_t + st.to_t));
    // Metrics taken "at" contact or toe-off use the frame nearest that (interpolated) instant.
    let (ic, to) = (ctx.nearest_frame(st.ic_t), ctx.nearest_frame(st.to_t));
    let step_ms = next.map(|n| (n.ic_t - st.ic_t) * 1000.0);

    let at = |i: usize| ctx.pose(i);
    let landing_distance_ll = at(ic).map(|p| ctx.ground.ahead(p.pt(side.ankle()), center_of_mass(p).0) / leg);
    let foot_strike_angle_deg = at(ic).and_then(|p| {
        let reference = ctx.flat_foot_angle_deg[side.index()]?;
        Some(foot_angle_deg(p, side, ctx.ground) - reference)
    });
    // Over this step's own foot, even where the other foot has already landed.
    let fall_in_stance: Vec<f64> = (ic..=to).filter_map(|i| Some(fall_angle_deg(at(i)?, side, ctx.ground))).collect();

    let fall_toe_off = ctx.interpolated(st.to_t, |p| fall_angle_deg(p, side, ctx.ground));

    // The pull of this step's foot: from its toe-off to its next contact (`swing_end`).
    let swing_end = crate::gait::swing_end(stances, k, ctx.frames.len());
    let pull_height_ll = (to + 1..swing_end)
        .filter_map(|i| Some(ctx.ground.foot_height(side, foot_low_point(at(i)?, side)) / leg))
        .max_by(f64::total_cmp);
    let pull_time_ms = (to + 1..swing_end).find_map(|i| {
        let (p0, p1) = (at(i - 1)?, at(i)?);
        let d0 = ctx.ground.ahead(p0.pt(side.ankle()), p0.hip_mid());
        let d1 = ctx.ground.ahead(p1.pt(side.ankle()), p1.hip_mid());
        (d0 < 0.0 && d1 >= 0.0).then(|| {
            let w = d0 / (d0 - d1);
            let t = ctx.frames[i - 1].t + w * (ctx.frames[i].t - ctx.frames[i - 1].t);
            (t - st.to_t) * 1000.0
        })
    });

    let com_heights: Vec<f64> =
        (ic..=next.map_or(to, |n| n.ic_frame)).filter_map(|i| ctx.metrics.get(i)?.com_height_ll).collect();
    let vertical_oscillation_ll = (next.is_some() && com_heights.len() >= 3).then(|| {
        let (lo, hi) = com_heights.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| (a.min(v), b.max(v)));
        hi - lo
    });

    let shoulders_seen = shoulders_seen(&ctx.seen);
    let conf = |i: usize, f: &dyn Fn(&Pose) -> f64| at(i).map_or(0.0, f);
    let next_foot = next.map_or(0.0, |n| conf(ctx.nearest_frame(n.ic_t), &|p| foot_confidence(p, n.side)));
    let swing_scores: Vec<f64> = (to + 1..swing_end).filter_map(|i| Some(foot_confidence(at(i)?, side))).collect();
    let com_over_step = (ic..=next.map_or(to, |n| n.ic_frame)).map(|i| conf(i, &com_confidence)).fold(1.0, f64::min);
    let ankle = |i: usize, s: Side| conf(i, &|p| p.kp(s.ankle()).score);
    let hips = |i: usize| conf(i, &|p| mean_score(p, &HIPS));
    let shoulders = |i: usize| conf(i, &|p| mean_score(p, &SHOULDERS));
    let metric_confidence = StepConfidence {
        contact: conf(ic, &|p| foot_confidence(p, side)).min(conf(to, &|p| foot_confidence(p, side))),
        flight: conf(to, &|p| foot_confidence(p, side)).min(next_foot),
        cadence: conf(ic, &|p| foot_confidence(p, side)).min(next_foot),
        fall_angle: conf(to, &|p| foot_confidence(p, side).min(com_confidence(p))),
        landing_distance: conf(ic, &|p| foot_confidence(p, side).min(com_confidence(p))),
        foot_strike: conf(ic, &|p| foot_confidence(p, side)),
        knee_flexion: conf(ic, &|p| leg_confidence(p, side)).min(conf(to, &|p| leg_confidence(p, side))),
        trunk_angle: conf(mid, &trunk_confidence),
        shoulder_alignment: shoulders(mid).min(ankle(mid, side)),
        hip_alignment: hips(mid).min(ankle(mid, side)),
        swing_position: hips(mid).min(ankle(mid, side.other())),
        pull: if swing_scores.is_empty() { 0.0 } else { swing_scores.iter().sum::<f64>() / swing_scores.len() as f64 },
        vertical_oscillation: com_over_step,
    };

    let leg_points = [side.hip(), side.knee(), side.ankle(), side.heel(), side.toe()];
    let scores: Vec<f64> = [ic, mid, to]
        .iter()
        .filter_map(|&i| at(i))
        .flat_map(|p| leg_points.iter().map(|&l| p.kp(l).score).collect::<Vec<_>>())
        .collect();
    let confidence = if scores.is_empty() { 0.0 } else { scores.iter().sum::<f64>() / scores.len() as f64 };

    StepMetrics {
        index: k,
        side,
        ic_t: st.ic_t,
        to_t: st.to_t,
        contact_ms: (st.to_t - st.ic_t) * 1000.0,
        flight_ms: next.map(|n| (n.ic_t - st.to_t) * 1000.0),
        step_ms,
        cadence_spm: step_ms.map(|ms| 60_000.0 / ms),
        fall_angle_toe_off_deg: fall_toe_off,
        fall_angle_max_deg: fall_in_stance.iter().copied().chain(fall_toe_off).max_by(f64::total_cmp),
        landing_distance_ll,
        foot_strike_angle_deg,
        foot_strike: foot_strike_angle_deg.map(FootStrike::classify),
        knee_flexion_contact_deg: at(ic).map(|p| knee_flexion_deg(p, side)),
        knee_flexion_toe_off_deg: at(to).map(|p| knee_flexion_deg(p, side)),
        trunk_angle_midstance_deg: ctx.metrics.get(mid).and_then(|m| m.trunk_angle_deg),
        shoulder_ahead_of_ankle_midstance_ll: at(mid)
            .filter(|_| shoulders_seen)
            .map(|p| ctx.ground.ahead(p.shoulder_mid(), p.pt(side.ankle())) / leg),
        hip_ahead_of_ankle_midstance_ll: at(mid).map(|p| ctx.ground.ahead(p.hip_mid(), p.pt(side.ankle())) / leg),
        swing_ankle_ahead_of_hip_midstance_ll: at(mid)
            .map(|p| ctx.ground.ahead(p.pt(side.other().ankle()), p.hip_mid()) / leg),
        pull_height_ll,
        pull_time_ms,
        vertical_oscillation_ll,
        confidence,
        metric_confidence,
        flags: Default::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::body::COM_CORE;
    use crate::skeleton::{Facing, Keypoint, Landmark, NUM_LANDMARKS};

    fn pose_with(points: &[(Landmark, f64, f64)]) -> Pose {
        let mut kps = [Keypoint { score: 1.0, ..Default::default() }; NUM_LANDMARKS];
        for &(l, x, y) in points {
            kps[l.index()] = Keypoint { x, y, z: 0.0, score: 1.0 };
        }
        Pose::new(kps)
    }

    /// Every landmark of both sides at the same place along a vertical line at x, with y per body level.
    fn upright_pose(x: f64) -> Pose {
        use Landmark::*;
        let level = |l: Landmark| -> f64 {
            match l {
                Nose | LeftEyeInner | LeftEye | LeftEyeOuter | RightEyeInner | RightEye | RightEyeOuter | LeftEar
                | RightEar | MouthLeft | MouthRight => 0.0,
                LeftShoulder | RightShoulder => 100.0,
                LeftElbow | RightElbow => 200.0,
                LeftWrist | RightWrist | LeftPinky | RightPinky | LeftIndex | RightIndex | LeftThumb | RightThumb => {
                    300.0
                }
                LeftHip | RightHip => 400.0,
                LeftKnee | RightKnee => 600.0,
                LeftAnkle | RightAnkle => 800.0,
                LeftHeel | RightHeel | LeftFootIndex | RightFootIndex => 820.0,
            }
        };
        pose_with(&Landmark::ALL.map(|l| (l, x, level(l))))
    }

    #[test]
    fn com_of_a_vertical_body_is_on_it_and_between_shoulder_and_hip_levels() {
        let (c, fallback) = center_of_mass(&upright_pose(50.0));
        assert!(!fallback);
        assert!((c.x - 50.0).abs() < 1e-9);
        // Winter's model puts the whole-body centre of mass a little above the hips for this stick figure.
        let expected = (0.081 * 0.0
            + 0.497 * 250.0
            + 2.0
                * (0.028 * (100.0 + 0.436 * 100.0)
                    + 0.016 * (200.0 + 0.43 * 100.0)
                    + 0.006 * 300.0
                    + 0.1 * (400.0 + 0.433 * 200.0)
                    + 0.0465 * (600.0 + 0.433 * 200.0)
                    + 0.0145 * 820.0))
            / 1.0;
        assert!((c.y - expected).abs() < 1e-6, "{} vs {expected}", c.y);
    }

    #[test]
    fn com_falls_back_to_the_hips_when_the_trunk_is_not_seen() {
        let mut p = upright_pose(0.0);
        for l in COM_CORE {
            p.kp_mut(l).score = 0.1;
        }
        let (c, fallback) = center_of_mass(&p);
        assert!(fallback);
        assert_eq!(c, p.hip_mid());
    }

    #[test]
    fn knee_flexion_is_zero_straight_and_ninety_at_a_right_angle() {
        let straight = pose_with(&[
            (Landmark::LeftHip, 0.0, 0.0),
            (Landmark::LeftKnee, 0.0, 10.0),
            (Landmark::LeftAnkle, 0.0, 20.0),
        ]);
        assert!(knee_flexion_deg(&straight, Side::Left).abs() < 1e-6);
        let bent = pose_with(&[
            (Landmark::LeftHip, 0.0, 0.0),
            (Landmark::LeftKnee, 0.0, 10.0),
            (Landmark::LeftAnkle, -10.0, 10.0),
        ]);
        assert!((knee_flexion_deg(&bent, Side::Left) - 90.0).abs() < 1e-6);
    }

    #[test]
    fn fall_angle_is_the_lean_of_the_support_to_com_line() {
        // Body leaning 10° forward (facing right) pivoting at the ball of the left foot.
        let ground = GroundFrame::level(1000.0, Facing::Right);
        let mut p = upright_pose(0.0);
        let lean = 10f64.to_radians();
        let ball_y = 820.0;
        for kp in p.keypoints.iter_mut() {
            let r = ball_y - kp.y;
            kp.x = r * lean.sin();
            kp.y = ball_y - r * lean.cos();
        }
        // Put the left foot flat on the ground with the ball at the pivot x = 0.
        *p.kp_mut(Landmark::LeftHeel) = Keypoint { x: -0.72 * 50.0, y: 820.0, z: 0.0, score: 1.0 };
        *p.kp_mut(Landmark::LeftFootIndex) = Keypoint { x: 0.28 * 50.0, y: 820.0, z: 0.0, score: 1.0 };
        let m = frame_metrics(&p, Some(Side::Left), &ground, 400.0, [true, true], true);
        let fall = m.fall_angle_deg.unwrap();
        // The feet points are moved, so the COM shifts a hair; the lean stays within a few tenths of a degree.
        assert!((fall - 10.0).abs() < 0.5, "fall {fall}");
        assert!((m.trunk_angle_deg.unwrap() - 10.0).abs() < 1e-6);
        assert!(m.hip_ahead_of_support_ll.unwrap() > 0.0);
        assert_eq!(m.support, Some(Side::Left));
        assert!(m.swing_foot_height_ll.is_some());
        // In flight there is no support point and no fall angle.
        let flight = frame_metrics(&p, None, &ground, 400.0, [true, true], true);
        assert_eq!(flight.fall_angle_deg, None);
        assert_eq!(flight.trunk_angle_deg, m.trunk_angle_deg);
    }

    #[test]
    fn foot_strike_thresholds_follow_altman_and_davis() {
        assert_eq!(FootStrike::classify(15.0), FootStrike::Heel);
        assert_eq!(FootStrike::classify(8.5), FootStrike::Heel);
        assert_eq!(FootStrike::classify(3.0), FootStrike::Mid);
        assert_eq!(FootStrike::classify(-1.0), FootStrike::Mid);
        assert_eq!(FootStrike::classify(-5.0), FootStrike::Fore);
    }
}

/// A sound step with ordinary numbers, for other modules' tests.
#[cfg(test)]
pub(crate) mod test_steps {
    use super::*;
    use crate::skeleton::Side;

    pub(crate) fn good_step() -> StepMetrics {
        StepMetrics {
            index: 0,
            side: Side::Left,
            ic_t: 0.0,
            to_t: 0.2,
            contact_ms: 200.0,
            flight_ms: Some(130.0),
            step_ms: Some(330.0),
            cadence_spm: Some(182.0),
            fall_angle_toe_off_deg: Some(15.0),
            fall_angle_max_deg: Some(16.0),
            landing_distance_ll: Some(0.05),
            foot_strike_angle_deg: Some(0.0),
            foot_strike: Some(FootStrike::Mid),
            knee_flexion_contact_deg: Some(25.0),
            knee_flexion_toe_off_deg: Some(40.0),
            trunk_angle_midstance_deg: Some(8.0),
            shoulder_ahead_of_ankle_midstance_ll: Some(0.05),
            hip_ahead_of_ankle_midstance_ll: Some(0.02),
            swing_ankle_ahead_of_hip_midstance_ll: Some(-0.1),
            pull_height_ll: Some(0.5),
            pull_time_ms: Some(150.0),
            vertical_oscillation_ll: Some(0.08),
            confidence: 0.9,
            metric_confidence: StepConfidence {
                contact: 0.9,
                flight: 0.9,
                cadence: 0.9,
                fall_angle: 0.9,
                landing_distance: 0.9,
                foot_strike: 0.9,
                knee_flexion: 0.9,
                trunk_angle: 0.9,
                shoulder_alignment: 0.9,
                hip_alignment: 0.9,
                swing_position: 0.9,
                pull: 0.9,
                vertical_oscillation: 0.9,
            },
            flags: Default::default(),
        }
    }
}
