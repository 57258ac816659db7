//! The runner's scale and direction: leg length, facing, the side nearer the camera (docs/metrics.md §Scale and
//! direction).

use crate::PoseFrame;
use crate::skeleton::{Facing, Landmark, Pose, Side};
use crate::stats::median;

/// Landmarks below this visibility are not used to estimate the body scale.
const SCALE_MIN_SCORE: f64 = 0.5;

/// Leg length in pixels: the median over frames of the longer side's thigh (hip–knee) plus shank (knee–ankle).
/// Segment lengths do not change as the knee bends, so this is a stable scale for a side view.
pub(crate) fn leg_length(frames: &[PoseFrame]) -> Option<f64> {
    let lengths: Vec<f64> = frames
        .iter()
        .filter_map(|f| f.pose.as_ref())
        .filter_map(|p| {
            Side::BOTH
                .iter()
                .filter(|s| [s.hip(), s.knee(), s.ankle()].iter().all(|&l| p.kp(l).score >= SCALE_MIN_SCORE))
                .map(|s| p.pt(s.hip()).dist(p.pt(s.knee())) + p.pt(s.knee()).dist(p.pt(s.ankle())))
                .max_by(f64::total_cmp)
        })
        .collect();
    median(&lengths).filter(|&l| l > 0.0)
}

/// Running direction from the whole sequence (never frame by frame): each frame votes (`facing_vote`).
pub fn detect_facing(frames: &[PoseFrame]) -> Facing {
    let vote: f64 = frames.iter().filter_map(|f| f.pose.as_ref()).map(facing_vote).sum();
    if vote < 0.0 { Facing::Left } else { Facing::Right }
}

/// One pose's vote on which way it faces: the sign of the direction each foot's toe points from its heel and the
/// nose from the ears, from -3 (all three image-left) to +3 (all image-right).
pub fn facing_vote(p: &Pose) -> f64 {
    let feet: f64 = Side::BOTH.iter().map(|s| (p.pt(s.toe()).x - p.pt(s.heel()).x).signum()).sum();
    feet + (p.pt(Landmark::Nose).x - p.mid(Landmark::LeftEar, Landmark::RightEar).x).signum()
}

/// The side of the body nearer the camera, from BlazePose's relative depth (negative towards the camera) of the
/// shoulders, hips and knees over the whole sequence.
pub fn near_side(frames: &[PoseFrame]) -> Side {
    let diffs: Vec<f64> = frames
        .iter()
        .filter_map(|f| f.pose.as_ref())
        .map(|p| {
            [Landmark::LeftShoulder, Landmark::LeftHip, Landmark::LeftKnee]
                .iter()
                .map(|&l| p.kp(l).z - p.kp(l.mirrored()).z)
                .sum::<f64>()
        })
        .collect();
    if median(&diffs).unwrap_or(0.0) <= 0.0 { Side::Left } else { Side::Right }
}
