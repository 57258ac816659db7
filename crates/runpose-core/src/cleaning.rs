//! Landmark cleaning before smoothing (docs/metrics.md §Landmark cleaning): left and right settled along the limbs'
//! paths, the model's landmark jitter, and the swing-foot collapse of BlazePose detected and repaired.

use std::borrow::Cow;

use crate::PoseFrame;
use crate::gaps::frames_missing;
use crate::skeleton::{Landmark, Point, Pose, Side};

/// The landmarks of each limb group whose left/right labels are settled together: `[left, right]` lists.
const LIMB_GROUPS: [(&[Landmark], &[Landmark]); 2] = {
    use Landmark::*;
    [
        (
            &[LeftHip, LeftKnee, LeftAnkle, LeftHeel, LeftFootIndex],
            &[RightHip, RightKnee, RightAnkle, RightHeel, RightFootIndex],
        ),
        (
            &[LeftShoulder, LeftElbow, LeftWrist, LeftPinky, LeftIndex, LeftThumb],
            &[RightShoulder, RightElbow, RightWrist, RightPinky, RightIndex, RightThumb],
        ),
    ]
};

fn swap_limbs(pose: &mut Pose, left: &[Landmark], right: &[Landmark]) {
    for (&l, &r) in left.iter().zip(right) {
        pose.keypoints.swap(l.index(), r.index());
    }
}

/// Cost of a frame kept relabelled, leg lengths per frame: a small prior for the model's own labels, so that a
/// relabelling needs the evidence of continuity.
const RELABEL_PRIOR_LL: f64 = 0.02;

/// Settles which leg (and which arm) is left and which is right over the whole sequence, so that labels never flip
/// mid-clip (docs/metrics.md §Landmark cleaning). In a side view the model often swaps the two legs for a few frames;
/// a limb's path is continuous, so for each limb group the labelling (as given, or swapped) of every frame is chosen
/// to minimise the total frame-to-frame travel of both limbs (a two-state Viterbi path), with a small prior for the
/// model's labels. Then the whole sequence is relabelled if needed so that the limbs nearer the camera (by the
/// model's depth, median over the clip) are the side a camera sees when the runner faces `facing` (facing left: the
/// left side).
pub(crate) fn settle_sides(frames: &mut [PoseFrame], facing: crate::Facing, leg_length: f64) -> SideSettling {
    let mut changed = vec![false; frames.len()];
    let mut whole_clip = [false; 2];
    for (g, (left, right)) in LIMB_GROUPS.into_iter().enumerate() {
        let positions = |p: &Pose, swapped: bool| -> Vec<Point> {
            let (a, b) = if swapped { (right, left) } else { (left, right) };
            a.iter().chain(b.iter()).map(|&l| p.pt(l)).collect()
        };
        let travel = |a: &[Point], b: &[Point]| a.iter().zip(b).map(|(p, q)| p.dist(*q)).sum::<f64>() / leg_length;
        // Viterbi over the frames with a person; a frame without one breaks nothing but adds no evidence.
        let (idx, pts): (Vec<usize>, Vec<[Vec<Point>; 2]>) = frames
            .iter()
            .enumerate()
            .filter_map(|(i, f)| f.pose.as_ref().map(|p| (i, [positions(p, false), positions(p, true)])))
            .unzip();
        if idx.is_empty() {
            continue;
        }
        // Across a gap (frames dropped or without a person) the limbs keep moving, and two legs crossing while
        // unseen would look like a relabelling: there each limb's position is first carried on at its velocity along
        // the best labelling into the frame before the gap, for the frames missing. An evenly sampled run compares
        // positions frame to frame, as before.
        let t: Vec<f64> = idx.iter().map(|&i| frames[i].t).collect();
        let dt = crate::stats::regular_interval(&t).unwrap_or(0.0);
        let mut cost = [0.0, RELABEL_PRIOR_LL];
        let mut back: Vec<[usize; 2]> = vec![[0, 1]];
        for k in 1..idx.len() {
            let gap = t[k] - t[k - 1];
            let carried = |r: usize| -> Cow<'_, [Point]> {
                let from = &pts[k - 1][r];
                if k < 2 || dt <= 0.0 || !frames_missing(gap, dt) {
                    return Cow::Borrowed(from);
                }
                let before = &pts[k - 2][back[k - 1][r]];
                let span = t[k - 1] - t[k - 2];
                let w = (gap - dt) / span;
                Cow::Owned(from.iter().zip(before).map(|(&p, &q)| p + (p - q) * w).collect())
            };
            let mut next = [0.0; 2];
            let mut from = [0; 2];
            let starts = [carried(0), carried(1)];
            for s in 0..2 {
                let c: [f64; 2] = [0, 1].map(|r| cost[r] + travel(&starts[r], &pts[k][s]));
                from[s] = if c[0] <= c[1] { 0 } else { 1 };
                next[s] = c[from[s]] + if s == 1 { RELABEL_PRIOR_LL } else { 0.0 };
            }
            cost = next;
            back.push(from);
        }
        let mut state = if cost[0] <= cost[1] { 0 } else { 1 };
        for k in (0..idx.len()).rev() {
            if state == 1
                && let Some(pose) = frames[idx[k]].pose.as_mut()
            {
                swap_limbs(pose, left, right);
                changed[idx[k]] = true;
            }
            state = back[k][state];
        }
        // Which labelled limb is nearer the camera over the clip, against which should be.
        let depth: Vec<f64> = frames
            .iter()
            .filter_map(|f| f.pose.as_ref())
            .map(|p| left.iter().zip(right).map(|(&l, &r)| p.kp(l).z - p.kp(r).z).sum::<f64>())
            .collect();
        let left_nearer = crate::stats::median(&depth).is_some_and(|d| d < 0.0);
        let left_should_be_nearer = facing == crate::Facing::Left;
        let has_depth = depth.iter().any(|d| *d != 0.0);
        if has_depth && left_nearer != left_should_be_nearer {
            for pose in frames.iter_mut().filter_map(|f| f.pose.as_mut()) {
                swap_limbs(pose, left, right);
            }
            whole_clip[g] = true;
        }
    }
    SideSettling {
        relabelled_frames: changed.iter().filter(|&&c| c).count(),
        legs_relabelled_in_whole_clip: whole_clip[0],
        arms_relabelled_in_whole_clip: whole_clip[1],
    }
}

/// What `settle_sides` changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct SideSettling {
    /// Frames in which the model's labels of a limb pair were swapped back to follow the limbs' paths.
    pub relabelled_frames: usize,
    /// Whether the whole clip's legs (arms) were relabelled so the near side matches the running direction.
    pub legs_relabelled_in_whole_clip: bool,
    pub arms_relabelled_in_whole_clip: bool,
}

/// Jitter of the model's landmarks: the root mean square of the difference between the raw and the smoothed
/// positions of the legs' points (hip, knee, ankle, heel, toe of both sides; x and y), leg lengths. This is the
/// frame-to-frame noise that smoothing removes (docs/metrics.md §Landmark cleaning). Only the frames `seen` count:
/// one put back between two others (`gaps::fill_gaps`) lies on a straight line and has no noise of its own.
pub fn landmark_jitter_ll(raw: &[PoseFrame], smoothed: &[PoseFrame], seen: &[bool], leg_length: f64) -> Option<f64> {
    let mut sum = 0.0;
    let mut n = 0usize;
    for ((a, b), _) in raw.iter().zip(smoothed).zip(seen).filter(|(_, seen)| **seen) {
        let (Some(a), Some(b)) = (&a.pose, &b.pose) else {
            continue;
        };
        for side in Side::BOTH {
            for l in [side.hip(), side.knee(), side.ankle(), side.heel(), side.toe()] {
                if a.kp(l).score <= 0.0 || b.kp(l).score <= 0.0 {
                    continue;
                }
                let d = a.pt(l) - b.pt(l);
                sum += d.x * d.x + d.y * d.y;
                n += 2;
            }
        }
    }
    (n > 0 && leg_length > 0.0).then(|| (sum / n as f64).sqrt() / leg_length)
}

/// Mean distance between the two feet's matching points (ankle, heel, toe), pixels.
fn feet_distance(pose: &Pose) -> f64 {
    Side::Left.foot().iter().zip(Side::Right.foot()).map(|(&l, r)| pose.pt(l).dist(pose.pt(r))).sum::<f64>() / 3.0
}

/// Mean position of a foot's points relative to the hip midpoint.
fn foot_rel_hip(pose: &Pose, side: Side) -> Point {
    let f = side.foot();
    let c = (pose.pt(f[0]) + pose.pt(f[1]) + pose.pt(f[2])) * (1.0 / 3.0);
    c - pose.hip_mid()
}

/// Feet closer than this (mean point distance, leg lengths) are taken to be collapsed onto one another: in real
/// running the swing foot passes the support foot well above it (docs/metrics.md §Landmark cleaning).
pub const COLLAPSE_DISTANCE_LL: f64 = 0.12;

/// Finds frames where the model has put both feet's points on the same foot and marks the foot that jumped there as
/// unreliable: returns `[left_reliable, right_reliable]` per frame. Of the two coinciding feet, the one that moved
/// further (relative to the hip) from its last reliable position is the wrong one.
pub(crate) fn detect_foot_collapse(frames: &[PoseFrame], leg_length: f64) -> Vec<[bool; 2]> {
    let mut reliable = vec![[true; 2]; frames.len()];
    let mut last_good: [Option<Point>; 2] = [None, None];
    for (i, frame) in frames.iter().enumerate() {
        let Some(pose) = &frame.pose else {
            last_good = [None, None];
            continue;
        };
        let rel = [foot_rel_hip(pose, Side::Left), foot_rel_hip(pose, Side::Right)];
        if feet_distance(pose) < COLLAPSE_DISTANCE_LL * leg_length {
            let moved = |s: usize| last_good[s].map_or(0.0, |p| p.dist(rel[s]));
            let bad = if moved(0) > moved(1) { 0 } else { 1 };
            reliable[i][bad] = false;
            last_good[1 - bad] = Some(rel[1 - bad]);
        } else {
            last_good = [Some(rel[0]), Some(rel[1])];
        }
    }
    reliable
}

/// Replaces the foot points (ankle, heel, toe) of unreliable feet by linear interpolation in time, relative to the
/// hip midpoint, between the nearest reliable frames of the same foot (held constant at the ends of the clip). Their
/// scores are set to 0 so that nothing downstream takes them for measurements.
pub(crate) fn repair_unreliable_feet(frames: &mut [PoseFrame], reliable: &[[bool; 2]]) {
    for (s, side) in Side::BOTH.into_iter().enumerate() {
        let good: Vec<usize> = (0..frames.len()).filter(|&i| frames[i].pose.is_some() && reliable[i][s]).collect();
        if good.is_empty() {
            continue;
        }
        // Each good frame's foot points relative to its hips.
        let rel: Vec<[(Landmark, Point); 3]> = good
            .iter()
            .filter_map(|&j| frames[j].pose.as_ref().map(|p| side.foot().map(|l| (l, p.pt(l) - p.hip_mid()))))
            .collect();
        for i in 0..frames.len() {
            if reliable[i][s] {
                continue;
            }
            let t = frames[i].t;
            let after = good.partition_point(|&g| g < i);
            let (prev, next) = (after.checked_sub(1), (after < good.len()).then_some(after));
            let Some(pose) = frames[i].pose.as_ref() else { continue };
            let hip = pose.hip_mid();
            let repaired: [(Landmark, Point); 3] = std::array::from_fn(|k| {
                let r = match (prev, next) {
                    (Some(a), Some(b)) => {
                        let w = (t - frames[good[a]].t) / (frames[good[b]].t - frames[good[a]].t);
                        rel[a][k].1.lerp(rel[b][k].1, w)
                    }
                    (Some(a), None) | (None, Some(a)) => rel[a][k].1,
                    // Not reached: `good` is not empty.
                    (None, None) => Point::new(0.0, 0.0),
                };
                (rel[0][k].0, hip + r)
            });
            let Some(pose) = frames[i].pose.as_mut() else { continue };
            for (l, p) in repaired {
                let kp = pose.kp_mut(l);
                (kp.x, kp.y, kp.score) = (p.x, p.y, 0.0);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::skeleton::{Keypoint, NUM_LANDMARKS};

    #[test]
    fn landmark_jitter_counts_only_the_frames_seen() {
        let frame = |i: usize, dy: f64| {
            let mut kps = [Keypoint { score: 1.0, ..Default::default() }; NUM_LANDMARKS];
            for kp in kps.iter_mut() {
                kp.y = dy;
            }
            PoseFrame { t: i as f64 / 30.0, pose: Some(Pose::new(kps)) }
        };
        let smoothed: Vec<PoseFrame> = (0..6).map(|i| frame(i, 0.0)).collect();
        let raw: Vec<PoseFrame> = (0..6).map(|i| frame(i, if i % 2 == 0 { 2.0 } else { 0.0 })).collect();
        let seen = [true, false, true, false, true, false];
        let jitter = landmark_jitter_ll(&raw, &smoothed, &seen, 100.0).unwrap();
        // Each seen frame's points are 2 px off in y and not in x: RMS over x and y is √2 px.
        assert!((jitter - 2f64.sqrt() / 100.0).abs() < 1e-12, "{jitter}");
        let all = landmark_jitter_ll(&raw, &smoothed, &[true; 6], 100.0).unwrap();
        assert!(all < jitter);
    }

    #[test]
    fn collapse_marks_the_foot_that_jumped_and_repair_interpolates_it() {
        // Left foot stands at (0, 100); right foot swings behind, at x = 60, 70, then "collapses" onto the left foot
        // for two frames, then reappears at x = 100.
        let right_x = [60.0, 70.0, 0.0, 0.0, 100.0];
        let frames_src: Vec<PoseFrame> = right_x
            .iter()
            .enumerate()
            .map(|(i, &rx)| {
                let ry = if rx == 0.0 { 100.0 } else { 60.0 };
                PoseFrame { t: i as f64 * 0.1, pose: Some(standing_pose((0.0, 100.0), (rx, ry))) }
            })
            .collect();
        let reliable = detect_foot_collapse(&frames_src, 100.0);
        assert_eq!(reliable, vec![[true, true], [true, true], [true, false], [true, false], [true, true]]);
        let mut frames = frames_src.clone();
        repair_unreliable_feet(&mut frames, &reliable);
        let ankle = frames[2].pose.as_ref().unwrap().kp(Landmark::RightAnkle);
        assert!((ankle.x - 80.0).abs() < 1e-9, "interpolated x {}", ankle.x);
        assert_eq!(ankle.score, 0.0);
        // The reliable left foot is untouched.
        assert_eq!(
            frames[2].pose.as_ref().unwrap().kp(Landmark::LeftAnkle),
            frames_src[2].pose.as_ref().unwrap().kp(Landmark::LeftAnkle)
        );
    }

    /// Two legs that cross while frames are missing keep their labels: across the gap each is carried on at its
    /// velocity, so the crossing is not taken for the model swapping them.
    #[test]
    fn legs_crossing_in_a_gap_keep_their_labels() {
        let x = |i: usize| 20.0 * i as f64 - 200.0;
        let frames_src: Vec<PoseFrame> = (0..=20)
            .filter(|i| !(8..=12).contains(i))
            .map(|i| PoseFrame { t: i as f64 / 30.0, pose: Some(standing_pose((x(i), 100.0), (-x(i), 100.0))) })
            .collect();
        let mut frames = frames_src.clone();
        let settled = settle_sides(&mut frames, crate::Facing::Left, 100.0);
        assert_eq!(settled.relabelled_frames, 0);
        assert_eq!(frames, frames_src);
        // The same run seen whole crosses continuously: nothing to relabel either.
        let mut whole: Vec<PoseFrame> = (0..=20)
            .map(|i| PoseFrame { t: i as f64 / 30.0, pose: Some(standing_pose((x(i), 100.0), (-x(i), 100.0))) })
            .collect();
        assert_eq!(settle_sides(&mut whole, crate::Facing::Left, 100.0).relabelled_frames, 0);
    }

    fn standing_pose(left_foot: (f64, f64), right_foot: (f64, f64)) -> Pose {
        let mut kps = [Keypoint { score: 0.9, ..Default::default() }; NUM_LANDMARKS];
        for (side, (x, y)) in [(Side::Left, left_foot), (Side::Right, right_foot)] {
            kps[side.hip().index()] = Keypoint { x: 0.0, y: 0.0, z: 0.0, score: 0.9 };
            kps[side.ankle().index()] = Keypoint { x, y, z: 0.0, score: 0.9 };
            kps[side.heel().index()] = Keypoint { x: x + 10.0, y: y + 10.0, z: 0.0, score: 0.9 };
            kps[side.toe().index()] = Keypoint { x: x - 30.0, y: y + 10.0, z: 0.0, score: 0.9 };
        }
        Pose::new(kps)
    }
}
