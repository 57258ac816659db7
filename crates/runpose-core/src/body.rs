//! The body's geometry in one pose (docs/metrics.md §Centre of mass, §Per-frame metrics): the segmental centre of
//! mass, the ball of the foot, the fall, knee and foot angles, and how well the landmarks they need were seen.

use crate::PoseFrame;
use crate::gait::GroundFrame;
use crate::skeleton::{Landmark, Point, Pose, Side};

/// A body segment of the segmental centre-of-mass model: mass fraction, and the segment's centre of mass at
/// `fraction` of the way from `from` to `to` (docs/metrics.md §Centre of mass; Winter 2009, Table 4.1).
struct Segment {
    mass: f64,
    from: fn(&Pose, Side) -> Point,
    to: fn(&Pose, Side) -> Point,
    fraction: f64,
    bilateral: bool,
}

const SEGMENTS: [Segment; 8] = [
    // Head and neck: centred between the ears.
    Segment {
        mass: 0.081,
        from: |p, _| p.pt(Landmark::LeftEar),
        to: |p, _| p.pt(Landmark::RightEar),
        fraction: 0.5,
        bilateral: false,
    },
    // Trunk: from the hip midpoint (greater trochanters) to the shoulder midpoint (glenohumeral joints).
    Segment { mass: 0.497, from: |p, _| p.hip_mid(), to: |p, _| p.shoulder_mid(), fraction: 0.5, bilateral: false },
    Segment {
        mass: 0.028,
        from: |p, s| p.pt(s.shoulder()),
        to: |p, s| p.pt(s.elbow()),
        fraction: 0.436,
        bilateral: true,
    },
    Segment { mass: 0.016, from: |p, s| p.pt(s.elbow()), to: |p, s| p.pt(s.wrist()), fraction: 0.430, bilateral: true },
    Segment {
        mass: 0.006,
        from: |p, s| p.pt(s.wrist()),
        to: |p, s| p.pt(s.index_finger()),
        fraction: 0.506,
        bilateral: true,
    },
    Segment { mass: 0.100, from: |p, s| p.pt(s.hip()), to: |p, s| p.pt(s.knee()), fraction: 0.433, bilateral: true },
    Segment { mass: 0.0465, from: |p, s| p.pt(s.knee()), to: |p, s| p.pt(s.ankle()), fraction: 0.433, bilateral: true },
    Segment { mass: 0.0145, from: |p, s| p.pt(s.heel()), to: |p, s| p.pt(s.toe()), fraction: 0.5, bilateral: true },
];

/// Trunk and head landmarks whose mean visibility must reach `COM_MIN_SCORE` for the segmental model.
pub(crate) const COM_CORE: [Landmark; 6] = [
    Landmark::LeftShoulder,
    Landmark::RightShoulder,
    Landmark::LeftHip,
    Landmark::RightHip,
    Landmark::LeftEar,
    Landmark::RightEar,
];
pub(crate) const COM_MIN_SCORE: f64 = 0.3;

pub(crate) const SHOULDERS: [Landmark; 2] = [Landmark::LeftShoulder, Landmark::RightShoulder];
pub(crate) const HIPS: [Landmark; 2] = [Landmark::LeftHip, Landmark::RightHip];

/// Whether both shoulders were seen somewhere in the sequence (`seen_landmarks`): without them there is no trunk
/// angle and no shoulder alignment.
pub(crate) fn shoulders_seen(seen: &[bool; crate::NUM_LANDMARKS]) -> bool {
    SHOULDERS.iter().all(|l| seen[l.index()])
}

/// Mean score of a set of landmarks.
pub(crate) fn mean_score(pose: &Pose, landmarks: &[Landmark]) -> f64 {
    landmarks.iter().map(|&l| pose.kp(l).score).sum::<f64>() / landmarks.len().max(1) as f64
}

/// Body centre of mass (docs/metrics.md §Centre of mass): the mass-weighted mean of the segment centres of Winter's
/// segmental model; the hip midpoint when the trunk and head are not seen well enough (their mean score, or the
/// shoulders' or the hips' alone, below `COM_MIN_SCORE`). Returns the point and whether the fallback was used.
pub fn center_of_mass(pose: &Pose) -> (Point, bool) {
    let shoulders = mean_score(pose, &SHOULDERS);
    let hips = mean_score(pose, &HIPS);
    if mean_score(pose, &COM_CORE) < COM_MIN_SCORE || shoulders < COM_MIN_SCORE || hips < COM_MIN_SCORE {
        return (pose.hip_mid(), true);
    }
    let mut sum = Point::default();
    let mut mass = 0.0;
    for seg in &SEGMENTS {
        let sides: &[Side] = if seg.bilateral { &Side::BOTH } else { &Side::BOTH[..1] };
        for &s in sides {
            sum = sum + (seg.from)(pose, s).lerp((seg.to)(pose, s), seg.fraction) * seg.mass;
            mass += seg.mass;
        }
    }
    (sum * (1.0 / mass), false)
}

/// A hip-midpoint centre of mass counts for this share of the hips' score: it is an approximation (docs/metrics.md
/// §Confidence), so metrics built on it are reported as low confidence.
pub const COM_FALLBACK_CONFIDENCE: f64 = 0.4;
/// Metrics whose confidence is below this are flagged as low confidence (docs/metrics.md §Confidence).
pub const LOW_CONFIDENCE: f64 = 0.5;

/// Confidence of the centre of mass of a pose: the mean score of the trunk and head landmarks, or
/// `COM_FALLBACK_CONFIDENCE` times the hips' score when the hip midpoint stands in.
pub(crate) fn com_confidence(pose: &Pose) -> f64 {
    if center_of_mass(pose).1 { COM_FALLBACK_CONFIDENCE * mean_score(pose, &HIPS) } else { mean_score(pose, &COM_CORE) }
}

/// Mean score of a foot's ankle, heel and toe.
pub(crate) fn foot_confidence(pose: &Pose, side: Side) -> f64 {
    mean_score(pose, &side.foot())
}

/// Mean score of a leg's hip, knee and ankle.
pub(crate) fn leg_confidence(pose: &Pose, side: Side) -> f64 {
    mean_score(pose, &[side.hip(), side.knee(), side.ankle()])
}

/// Least of the shoulders' and the hips' mean scores.
pub(crate) fn trunk_confidence(pose: &Pose) -> f64 {
    mean_score(pose, &SHOULDERS).min(mean_score(pose, &HIPS))
}

/// Landmarks seen (score above 0) in at least one frame: a landmark never seen (a marker set without shoulders,
/// say) makes the metrics that need it unavailable rather than wrong.
pub(crate) fn seen_landmarks(frames: &[PoseFrame]) -> [bool; crate::NUM_LANDMARKS] {
    let mut seen = [false; crate::NUM_LANDMARKS];
    for p in frames.iter().filter_map(|f| f.pose.as_ref()) {
        for (s, k) in seen.iter_mut().zip(&p.keypoints) {
            *s |= k.score > 0.0;
        }
    }
    seen
}

/// Where the ball of the foot (the metatarsal heads) lies along the heel-to-toe-tip line (docs/metrics.md
/// §Support point).
pub const BALL_OF_FOOT_FRACTION: f64 = 0.72;

/// The support point: the ball of the foot, between the heel and toe-tip landmarks.
pub(crate) fn ball_of_foot(pose: &Pose, side: Side) -> Point {
    pose.pt(side.heel()).lerp(pose.pt(side.toe()), BALL_OF_FOOT_FRACTION)
}

/// Fall angle over `side`'s foot, degrees (docs/metrics.md §Fall angle): the lean from the vertical of the line from
/// the ball of that foot to the body's centre of mass, positive forward.
pub fn fall_angle_deg(pose: &Pose, side: Side, ground: &GroundFrame) -> f64 {
    ground.lean_deg(center_of_mass(pose).0 - ball_of_foot(pose, side))
}

/// Angle of `side`'s heel-to-toe line above the horizontal, degrees (positive: toes up; docs/metrics.md §Foot strike).
pub(crate) fn foot_angle_deg(pose: &Pose, side: Side, ground: &GroundFrame) -> f64 {
    ground.foot_angle_deg(pose.pt(side.heel()), pose.pt(side.toe()))
}

/// Knee flexion, degrees: 180° minus the angle hip–knee–ankle, so 0° is a straight leg (docs/metrics.md §Knee).
pub fn knee_flexion_deg(pose: &Pose, side: Side) -> f64 {
    let (h, k, a) = (pose.pt(side.hip()), pose.pt(side.knee()), pose.pt(side.ankle()));
    180.0 - k.angle_between_deg(h, a)
}
