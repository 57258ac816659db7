//! Temporal filtering of landmark tracks: zero-lag offline smoothing (docs/metrics.md §Landmark cleaning, smoothing).
//! The cleaning before it (side settling, jitter, foot repair) is in `cleaning`.

use crate::PoseFrame;
use crate::skeleton::{NUM_LANDMARKS, Pose};

/// Cut-off of the offline low-pass, Hz: the usual choice for running kinematics (Winter 2009 recommends 6–10 Hz
/// for gait; steps come at about 3 Hz and are passed untouched).
pub const OFFLINE_CUTOFF_HZ: f64 = 8.0;

/// Share of white noise's power that the offline smoother keeps at frame interval `dt` seconds: the band below its
/// cut-off, 2 · cut-off · dt of the band up to the Nyquist frequency (all of it at low frame rates).
pub fn noise_power_kept(dt: f64) -> f64 {
    (2.0 * OFFLINE_CUTOFF_HZ * dt).min(1.0)
}

/// Second-order Butterworth low-pass run forward then backward (filtfilt): zero phase, so gait events keep their
/// timing, and a flat pass band, so the 3 Hz bob of the body keeps its amplitude.
pub(crate) fn filtfilt(x: &[f64], cutoff_hz: f64, sample_hz: f64) -> Vec<f64> {
    if x.len() < 3 || sample_hz <= 0.0 {
        return x.to_vec();
    }
    let fc = cutoff_hz.min(0.45 * sample_hz);
    let k = (std::f64::consts::PI * fc / sample_hz).tan();
    let norm = 1.0 / (1.0 + std::f64::consts::SQRT_2 * k + k * k);
    let (b0, b1, b2) = (k * k * norm, 2.0 * k * k * norm, k * k * norm);
    let (a1, a2) = (2.0 * (k * k - 1.0) * norm, (1.0 - std::f64::consts::SQRT_2 * k + k * k) * norm);
    let pass = |input: &mut dyn Iterator<Item = f64>| -> Vec<f64> {
        let mut out = Vec::with_capacity(x.len());
        // Start in the steady state of the first sample, so the ends do not ring.
        let mut first = true;
        let (mut x1, mut x2, mut y1, mut y2) = (0.0, 0.0, 0.0, 0.0);
        for v in input {
            if first {
                (x1, x2, y1, y2) = (v, v, v, v);
                first = false;
            }
            let y = b0 * v + b1 * x1 + b2 * x2 - a1 * y1 - a2 * y2;
            (x2, x1, y2, y1) = (x1, v, y1, y);
            out.push(y);
        }
        out
    };
    let forward = pass(&mut x.iter().copied());
    let mut back = pass(&mut forward.iter().rev().copied());
    back.reverse();
    back
}

/// Smooths every landmark coordinate of a recorded pose sequence without lag (`filtfilt` at `OFFLINE_CUTOFF_HZ`),
/// separately over each run of consecutive frames with a person. The filter needs evenly spaced samples: where frames
/// are missing from a run (a live source that dropped them) each coordinate is interpolated onto an even grid at the
/// run's shortest regular frame interval (its 10th-percentile interval), filtered there, and read back at the
/// frames' own times; a run without gaps is filtered as it is.
pub(crate) fn smooth_offline(frames: &mut [PoseFrame]) {
    let mut start = 0;
    while start < frames.len() {
        if frames[start].pose.is_none() {
            start += 1;
            continue;
        }
        let end = (start..frames.len()).find(|&i| frames[i].pose.is_none()).unwrap_or(frames.len());
        smooth_run(&mut frames[start..end]);
        start = end;
    }
}

/// `smooth_offline` over one run of frames that all have a person.
fn smooth_run(run: &mut [PoseFrame]) {
    let t: Vec<f64> = run.iter().map(|f| f.t).collect();
    let dts: Vec<f64> = t.windows(2).map(|w| w[1] - w[0]).filter(|d| *d > 0.0).collect();
    let Some(dt) = crate::stats::regular_interval(&t) else { return };
    // Even already (every interval within a fifth of the shortest): filter the samples themselves.
    let even = dts.iter().all(|d| *d < 1.2 * dt);
    let grid: Vec<f64> = if even {
        t.clone()
    } else {
        let n = ((t[t.len() - 1] - t[0]) / dt).round() as usize + 1;
        (0..n).map(|k| t[0] + k as f64 * (t[t.len() - 1] - t[0]) / (n - 1).max(1) as f64).collect()
    };
    let rate = if even {
        1.0 / crate::stats::median(&dts).unwrap_or(dt)
    } else {
        (grid.len() - 1).max(1) as f64 / (t[t.len() - 1] - t[0])
    };
    // Linear interpolation of `values` (at `from`) at the times `to` (both increasing).
    let resample = |from: &[f64], values: &[f64], to: &[f64]| -> Vec<f64> {
        to.iter()
            .map(|&x| {
                let j = from.partition_point(|&f| f < x).clamp(1, from.len().max(2) - 1);
                if from.len() < 2 {
                    return values[0];
                }
                let w = ((x - from[j - 1]) / (from[j] - from[j - 1])).clamp(0.0, 1.0);
                values[j - 1] + (values[j] - values[j - 1]) * w
            })
            .collect()
    };
    for l in 0..NUM_LANDMARKS {
        for c in 0..2 {
            let get = |p: &Pose| if c == 0 { p.keypoints[l].x } else { p.keypoints[l].y };
            let series: Vec<f64> = run.iter().map(|f| f.pose.as_ref().map_or(0.0, get)).collect();
            let smoothed = if even {
                filtfilt(&series, OFFLINE_CUTOFF_HZ, rate)
            } else {
                let on_grid = filtfilt(&resample(&t, &series, &grid), OFFLINE_CUTOFF_HZ, rate);
                resample(&grid, &on_grid, &t)
            };
            for (f, v) in run.iter_mut().zip(smoothed) {
                if let Some(p) = f.pose.as_mut() {
                    let kp = &mut p.keypoints[l];
                    if c == 0 { kp.x = v } else { kp.y = v }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::skeleton::Keypoint;

    #[test]
    fn offline_smoothing_keeps_timing_and_amplitude_and_removes_jitter() {
        // A 3 Hz bob (a runner's step rate) plus frame-to-frame jitter, at 30 fps.
        let mut frames: Vec<PoseFrame> = (0..120)
            .map(|i| {
                let t = i as f64 / 30.0;
                let mut kps = [Keypoint { score: 1.0, ..Default::default() }; NUM_LANDMARKS];
                kps[0].y = 100.0 * (2.0 * std::f64::consts::PI * 3.0 * t).sin() + if i % 2 == 0 { 5.0 } else { -5.0 };
                PoseFrame { t, pose: Some(Pose::new(kps)) }
            })
            .collect();
        smooth_offline(&mut frames);
        let ys: Vec<f64> = frames.iter().map(|f| f.pose.as_ref().unwrap().keypoints[0].y).collect();
        for (i, y) in ys.iter().enumerate().skip(10).take(100) {
            let clean = 100.0 * (2.0 * std::f64::consts::PI * 3.0 * i as f64 / 30.0).sin();
            // No lag, amplitude within 10 %, and the ±5 px jitter (at 15 Hz) gone.
            assert!((y - clean).abs() < 10.0, "frame {i}: {y} vs {clean}");
        }
        let peak = (20..30).max_by(|&a, &b| ys[a].total_cmp(&ys[b])).unwrap();
        assert!((22..=23).contains(&peak), "peak at frame {peak}"); // sin peaks at 1/12 s + k/3 s: frame 22.5
    }
}
