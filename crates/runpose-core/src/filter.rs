//! Temporal filtering of landmark tracks: the One Euro filter, zero-lag offline smoothing, and the detection and
//! repair of unreliable foot points (the swing-foot collapse of BlazePose, docs/metrics.md §Landmark cleaning).

use crate::skeleton::{Landmark, NUM_LANDMARKS, Pose, Side};
use crate::PoseFrame;

/// Parameters of a One Euro filter (Casiez, Roussel and Vogel, CHI 2012).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OneEuroParams {
    /// Cut-off frequency at rest, Hz.
    pub min_cutoff: f64,
    /// Speed coefficient: cut-off grows by `beta` Hz per unit of speed (units per second).
    pub beta: f64,
    /// Cut-off of the derivative's low-pass, Hz.
    pub d_cutoff: f64,
}

impl Default for OneEuroParams {
    /// Tuned for coordinates in leg lengths at 25–120 frames per second.
    fn default() -> Self {
        Self { min_cutoff: 2.0, beta: 0.5, d_cutoff: 1.0 }
    }
}

/// A One Euro filter of one scalar signal.
#[derive(Debug, Clone)]
pub struct OneEuro {
    params: OneEuroParams,
    last: Option<(f64, f64, f64)>, // (t, filtered value, filtered derivative)
}

fn smoothing_factor(cutoff: f64, dt: f64) -> f64 {
    let tau = 1.0 / (2.0 * std::f64::consts::PI * cutoff);
    1.0 / (1.0 + tau / dt)
}

impl OneEuro {
    pub fn new(params: OneEuroParams) -> Self {
        Self { params, last: None }
    }

    pub fn reset(&mut self) {
        self.last = None;
    }

    /// Filters sample `x` taken at time `t` (seconds, increasing in the direction of filtering; a backward pass passes
    /// negated times).
    pub fn filter(&mut self, t: f64, x: f64) -> f64 {
        let Some((t0, x0, dx0)) = self.last else {
            self.last = Some((t, x, 0.0));
            return x;
        };
        let dt = t - t0;
        if dt <= 0.0 {
            return x0;
        }
        let dx = (x - x0) / dt;
        let a_d = smoothing_factor(self.params.d_cutoff, dt);
        let dx_hat = dx0 + a_d * (dx - dx0);
        let cutoff = self.params.min_cutoff + self.params.beta * dx_hat.abs();
        let a = smoothing_factor(cutoff, dt);
        let x_hat = x0 + a * (x - x0);
        self.last = Some((t, x_hat, dx_hat));
        x_hat
    }
}

/// Smooths every landmark coordinate of a pose sequence without lag: the One Euro filter runs forward and backward
/// in time and the two passes are averaged, so their opposite lags cancel and event timing stays sharp. Coordinates
/// are filtered in units of `scale` pixels (the leg length) so that the parameters do not depend on image size.
/// A frame without a pose restarts both filters.
pub fn smooth_offline(frames: &mut [PoseFrame], scale: f64, params: OneEuroParams) {
    let n = frames.len();
    let mut forward = vec![[[0.0f64; 2]; NUM_LANDMARKS]; n];
    let mut filters: Vec<OneEuro> = (0..NUM_LANDMARKS * 2).map(|_| OneEuro::new(params)).collect();
    let mut run = |order: &mut dyn Iterator<Item = usize>, sign: f64, out: &mut dyn FnMut(usize, usize, usize, f64)| {
        filters.iter_mut().for_each(OneEuro::reset);
        for i in order {
            let Some(pose) = &frames[i].pose else {
                filters.iter_mut().for_each(OneEuro::reset);
                continue;
            };
            for (l, kp) in pose.keypoints.iter().enumerate() {
                for (c, v) in [kp.x, kp.y].into_iter().enumerate() {
                    let f = filters[l * 2 + c].filter(sign * frames[i].t, v / scale) * scale;
                    out(i, l, c, f);
                }
            }
        }
    };
    run(&mut (0..n), 1.0, &mut |i, l, c, v| forward[i][l][c] = v);
    let mut backward = vec![[[0.0f64; 2]; NUM_LANDMARKS]; n];
    run(&mut (0..n).rev(), -1.0, &mut |i, l, c, v| backward[i][l][c] = v);
    for (i, frame) in frames.iter_mut().enumerate() {
        if let Some(pose) = &mut frame.pose {
            for (l, kp) in pose.keypoints.iter_mut().enumerate() {
                kp.x = 0.5 * (forward[i][l][0] + backward[i][l][0]);
                kp.y = 0.5 * (forward[i][l][1] + backward[i][l][1]);
            }
        }
    }
}

/// Mean distance between the two feet's matching points (ankle, heel, toe), pixels.
fn feet_distance(pose: &Pose) -> f64 {
    Side::Left
        .foot()
        .iter()
        .zip(Side::Right.foot())
        .map(|(&l, r)| pose.pt(l).dist(pose.pt(r)))
        .sum::<f64>()
        / 3.0
}

/// Mean position of a foot's points relative to the hip midpoint.
fn foot_rel_hip(pose: &Pose, side: Side) -> crate::Point {
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
pub fn detect_foot_collapse(frames: &[PoseFrame], leg_length: f64) -> Vec<[bool; 2]> {
    let mut reliable = vec![[true; 2]; frames.len()];
    let mut last_good: [Option<crate::Point>; 2] = [None, None];
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
pub fn repair_unreliable_feet(frames: &mut [PoseFrame], reliable: &[[bool; 2]]) {
    for (s, side) in Side::BOTH.into_iter().enumerate() {
        let good: Vec<usize> = (0..frames.len()).filter(|&i| frames[i].pose.is_some() && reliable[i][s]).collect();
        if good.is_empty() {
            continue;
        }
        for i in 0..frames.len() {
            if reliable[i][s] || frames[i].pose.is_none() {
                continue;
            }
            let after = good.partition_point(|&g| g < i);
            let prev = after.checked_sub(1).map(|k| good[k]);
            let next = good.get(after).copied();
            let rel = |j: usize, l: Landmark| {
                let p = frames[j].pose.as_ref().expect("reliable frames have poses");
                p.pt(l) - p.hip_mid()
            };
            let t = frames[i].t;
            let hip = frames[i].pose.as_ref().expect("checked above").hip_mid();
            let repaired = side.foot().map(|l| {
                let r = match (prev, next) {
                    (Some(a), Some(b)) => {
                        let w = (t - frames[a].t) / (frames[b].t - frames[a].t);
                        rel(a, l).lerp(rel(b, l), w)
                    }
                    (Some(a), None) => rel(a, l),
                    (None, Some(b)) => rel(b, l),
                    (None, None) => unreachable!("good is not empty"),
                };
                (l, hip + r)
            });
            let pose = frames[i].pose.as_mut().expect("checked above");
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
    use crate::skeleton::Keypoint;

    #[test]
    fn one_euro_follows_constant_and_reduces_noise() {
        let mut f = OneEuro::new(OneEuroParams::default());
        let mut last = 0.0;
        for i in 0..300 {
            let noise = if i % 2 == 0 { 0.02 } else { -0.02 };
            last = f.filter(i as f64 / 30.0, 1.0 + noise);
        }
        assert!((last - 1.0).abs() < 0.01, "filtered {last}");
    }

    #[test]
    fn forward_backward_smoothing_has_no_lag() {
        // A 2 Hz sinusoid: a causal filter would shift its peak later; the offline smoother must not.
        let mut frames: Vec<PoseFrame> = (0..120)
            .map(|i| {
                let t = i as f64 / 60.0;
                let mut kps = [Keypoint { score: 1.0, ..Default::default() }; NUM_LANDMARKS];
                kps[0].y = 100.0 * (2.0 * std::f64::consts::PI * 2.0 * t).sin();
                PoseFrame { t, pose: Some(Pose::new(kps)) }
            })
            .collect();
        smooth_offline(&mut frames, 100.0, OneEuroParams::default());
        let ys: Vec<f64> = frames.iter().map(|f| f.pose.as_ref().unwrap().keypoints[0].y).collect();
        // Peaks of sin(4πt) at t = 0.125 + k/2: frames 7.5, 37.5, 67.5, 97.5 at 60 fps.
        let peak = (30..50).max_by(|&a, &b| ys[a].total_cmp(&ys[b])).unwrap();
        assert!((37..=38).contains(&peak), "peak at frame {peak}");
        assert!(ys[peak] > 85.0, "amplitude kept: {}", ys[peak]);
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
        assert_eq!(frames[2].pose.as_ref().unwrap().kp(Landmark::LeftAnkle), frames_src[2].pose.as_ref().unwrap().kp(Landmark::LeftAnkle));
    }
}
