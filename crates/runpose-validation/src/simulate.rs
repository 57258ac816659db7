//! Checking gait events against ground truth (docs/validation.md): contacts from a force plate's vertical force,
//! matching detected stances to them, and the degradations that turn motion-capture markers into what a camera gives
//! (a lower frame rate, landmark jitter).

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};
use runpose_core::PoseFrame;
use runpose_core::gait::Stance;
use runpose_core::stats::{median, percentile};
use serde::Serialize;

/// A foot contact on the force plate: from the vertical force rising through the threshold to its falling back.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ForceContact {
    pub ic_t: f64,
    pub to_t: f64,
    /// Peak vertical force during the contact (the channel's units, loading positive).
    pub peak: f64,
}

/// The contact threshold as a share of the median peak vertical force of the trial (docs/validation.md §Ground
/// truth): 5 % of a running peak of about 2.5 body weights is about 0.12 body weights (75 N for a 62 kg runner).
pub const FORCE_THRESHOLD_FRACTION: f64 = 0.05;
/// Loaded periods shorter than this are noise, seconds.
const MIN_FORCE_CONTACT_S: f64 = 0.05;

/// Contacts from a vertical force series sampled at `rate_hz` (`loaded_negative`: the plate reads negative under
/// load, as Fukuchi 2017's does). The threshold is `FORCE_THRESHOLD_FRACTION` of the median peak of a first pass at
/// a fifth of the 99th percentile; crossings are interpolated linearly between samples. Contacts cut by the start
/// or the end of the series are dropped. Returns the contacts and the threshold.
pub fn force_contacts(force: &[f64], rate_hz: f64, loaded_negative: bool) -> (Vec<ForceContact>, f64) {
    let f: Vec<f64> = force.iter().map(|&v| if loaded_negative { -v } else { v }).collect();
    let runs = |threshold: f64| -> Vec<ForceContact> {
        let cross = |i: usize| {
            let (a, b) = (f[i], f[i + 1]);
            let w = if (b - a).abs() > f64::EPSILON { ((threshold - a) / (b - a)).clamp(0.0, 1.0) } else { 0.5 };
            (i as f64 + w) / rate_hz
        };
        let mut out = Vec::new();
        let mut start: Option<usize> = None;
        for i in 1..f.len() {
            match (start, f[i - 1] < threshold, f[i] >= threshold) {
                (None, true, true) => start = Some(i - 1),
                (Some(s), _, false) if f[i - 1] >= threshold => {
                    let peak = f[s..i].iter().copied().fold(f64::NEG_INFINITY, f64::max);
                    let c = ForceContact { ic_t: cross(s), to_t: cross(i - 1), peak };
                    if c.to_t - c.ic_t >= MIN_FORCE_CONTACT_S {
                        out.push(c);
                    }
                    start = None;
                }
                _ => {}
            }
        }
        out
    };
    let first = runs(0.2 * percentile(&f, 0.99).unwrap_or(0.0).max(f64::EPSILON));
    let peaks: Vec<f64> = first.iter().map(|c| c.peak).collect();
    let threshold = FORCE_THRESHOLD_FRACTION * median(&peaks).unwrap_or(0.0);
    if threshold <= 0.0 {
        return (Vec::new(), threshold);
    }
    (runs(threshold), threshold)
}

/// Largest distance between a detected and a true initial contact for them to be the same contact, seconds.
pub const MATCH_WINDOW_S: f64 = 0.1;

/// Errors of detected stances against true contacts (detected minus true), per matched contact.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EventErrors {
    pub truth: usize,
    pub detected: usize,
    pub matched: usize,
    /// Initial contact and toe-off errors, seconds.
    pub ic: Vec<f64>,
    pub to: Vec<f64>,
    /// Contact time errors, seconds.
    pub contact: Vec<f64>,
    /// Flight time errors (to the next contact, when both are matched and consecutive), seconds.
    pub flight: Vec<f64>,
    /// Cadence from the mean step time, steps per minute: truth and detected.
    pub cadence_truth_spm: f64,
    pub cadence_detected_spm: f64,
    /// Median contact and flight times, seconds: truth and detected.
    pub contact_truth_s: f64,
    pub contact_detected_s: f64,
    pub flight_truth_s: f64,
    pub flight_detected_s: f64,
}

impl EventErrors {
    fn empty(truth: usize) -> Self {
        Self {
            truth,
            detected: 0,
            matched: 0,
            ic: Vec::new(),
            to: Vec::new(),
            contact: Vec::new(),
            flight: Vec::new(),
            cadence_truth_spm: 0.0,
            cadence_detected_spm: 0.0,
            contact_truth_s: 0.0,
            contact_detected_s: 0.0,
            flight_truth_s: 0.0,
            flight_detected_s: 0.0,
        }
    }

    /// Share of matched contacts whose initial contact and toe-off are both within `tolerance_s` of the truth,
    /// counting unmatched true contacts as failures.
    pub fn share_within(&self, tolerance_s: f64) -> f64 {
        let ok = self.ic.iter().zip(&self.to).filter(|(a, b)| a.abs() <= tolerance_s && b.abs() <= tolerance_s).count();
        ok as f64 / self.truth.max(1) as f64
    }

    /// Share of single events (initial contacts and toe-offs counted apart) within `tolerance_s`, unmatched counting
    /// as failures.
    pub fn event_share_within(&self, tolerance_s: f64) -> f64 {
        let ok = self.ic.iter().chain(&self.to).filter(|e| e.abs() <= tolerance_s).count();
        ok as f64 / (2 * self.truth.max(1)) as f64
    }
}

/// Matches each true contact to the detected stance with the nearest initial contact within `MATCH_WINDOW_S`
/// (each stance used once) and measures the errors. True contacts outside the detected stances' time span (the
/// clip's ends, where no stance can be complete) are not counted.
pub fn compare_events(truth: &[ForceContact], detected: &[Stance]) -> EventErrors {
    let (Some(first), Some(last)) =
        (detected.iter().map(|s| s.ic_t).reduce(f64::min), detected.iter().map(|s| s.to_t).reduce(f64::max))
    else {
        return EventErrors::empty(truth.len());
    };
    let truth: Vec<ForceContact> =
        truth.iter().copied().filter(|c| c.ic_t >= first - MATCH_WINDOW_S && c.to_t <= last + MATCH_WINDOW_S).collect();
    let mut used = vec![false; detected.len()];
    let matches: Vec<Option<usize>> = truth
        .iter()
        .map(|c| {
            let best = (0..detected.len())
                .filter(|&k| !used[k] && (detected[k].ic_t - c.ic_t).abs() <= MATCH_WINDOW_S)
                .min_by(|&a, &b| (detected[a].ic_t - c.ic_t).abs().total_cmp(&(detected[b].ic_t - c.ic_t).abs()));
            if let Some(k) = best {
                used[k] = true;
            }
            best
        })
        .collect();
    let mut e = EventErrors::empty(truth.len());
    e.detected = detected.len();
    for (c, m) in truth.iter().zip(&matches) {
        if let Some(k) = *m {
            let s = detected[k];
            e.matched += 1;
            e.ic.push(s.ic_t - c.ic_t);
            e.to.push(s.to_t - c.to_t);
            e.contact.push((s.to_t - s.ic_t) - (c.to_t - c.ic_t));
        }
    }
    for w in 0..truth.len().saturating_sub(1) {
        if let (Some(a), Some(b)) = (matches[w], matches[w + 1]) {
            e.flight.push((detected[b].ic_t - detected[a].to_t) - (truth[w + 1].ic_t - truth[w].to_t));
        }
    }
    let step_times = |ics: Vec<f64>| -> f64 {
        // A gap of a second or more is missed contacts, not a step.
        let steps: Vec<f64> = ics.windows(2).map(|w| w[1] - w[0]).filter(|d| *d < 1.0).collect();
        if steps.is_empty() { 0.0 } else { 60.0 * steps.len() as f64 / steps.iter().sum::<f64>() }
    };
    let mut det_ics: Vec<f64> = detected.iter().map(|s| s.ic_t).collect();
    det_ics.sort_by(f64::total_cmp);
    e.cadence_truth_spm = step_times(truth.iter().map(|c| c.ic_t).collect());
    e.cadence_detected_spm = step_times(det_ics);
    e.contact_truth_s = median(&truth.iter().map(|c| c.to_t - c.ic_t).collect::<Vec<_>>()).unwrap_or(0.0);
    e.contact_detected_s = median(&detected.iter().map(|s| s.to_t - s.ic_t).collect::<Vec<_>>()).unwrap_or(0.0);
    e.flight_truth_s = median(&truth.windows(2).map(|w| w[1].ic_t - w[0].to_t).collect::<Vec<_>>()).unwrap_or(0.0);
    let mut sorted = detected.to_vec();
    sorted.sort_by(|a, b| a.ic_t.total_cmp(&b.ic_t));
    e.flight_detected_s = median(&sorted.windows(2).map(|w| w[1].ic_t - w[0].to_t).collect::<Vec<_>>()).unwrap_or(0.0);
    e
}

/// Resamples a pose sequence at `fps` from its first time stamp, interpolating every landmark linearly between the
/// two nearest frames (as a camera at that rate would sample the same motion). A sample falls without a person when
/// either neighbour has none.
pub fn resample(frames: &[PoseFrame], fps: f64) -> Vec<PoseFrame> {
    let (Some(first), Some(last)) = (frames.first(), frames.last()) else {
        return Vec::new();
    };
    let n = ((last.t - first.t) * fps).floor() as usize + 1;
    (0..n)
        .map(|k| {
            let t = first.t + k as f64 / fps;
            let after = frames.partition_point(|f| f.t < t).min(frames.len() - 1);
            let before = after.saturating_sub(1);
            let (a, b) = (&frames[before], &frames[after]);
            let pose = match (&a.pose, &b.pose) {
                (Some(p), Some(q)) => {
                    let w = if b.t > a.t { ((t - a.t) / (b.t - a.t)).clamp(0.0, 1.0) } else { 1.0 };
                    Some(p.lerp(q, w))
                }
                _ => None,
            };
            PoseFrame { t, pose }
        })
        .collect()
}

/// Adds independent Gaussian noise of standard deviation `sigma` (image units) to both coordinates of every landmark,
/// from a seeded generator so the result is reproducible.
pub fn add_jitter(frames: &mut [PoseFrame], sigma: f64, seed: u64) {
    let Ok(normal) = Normal::new(0.0, sigma.max(0.0)) else {
        return;
    };
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    for pose in frames.iter_mut().filter_map(|f| f.pose.as_mut()) {
        for k in pose.keypoints.iter_mut() {
            k.x += normal.sample(&mut rng);
            k.y += normal.sample(&mut rng);
        }
    }
}

/// The frames a slow machine keeps: about `share` of them dropped, in bursts of 1 to `max_burst` frames in a row
/// starting at random (seed `seed`); the kept frames keep their time stamps.
pub fn drop_frames(frames: &[PoseFrame], share: f64, max_burst: usize, seed: u64) -> Vec<PoseFrame> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mean_burst = (1 + max_burst.max(1)) as f64 / 2.0;
    // A burst (the frame at hand and the next ones) starts with this probability, so that `share` of the frames go.
    let start = (share / (mean_burst * (1.0 - share) + share)).clamp(0.0, 1.0);
    let mut kept = Vec::new();
    let mut burst = 0;
    for f in frames {
        if burst > 0 {
            burst -= 1;
            continue;
        }
        if rng.random::<f64>() < start {
            burst = rng.random_range(1..=max_burst.max(1)) - 1;
            continue;
        }
        kept.push(f.clone());
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;
    use runpose_core::{Pose, Side};

    /// A vertical force trace: half-sine contacts of 250 ms every 350 ms, peak 1.5 (negative when loaded), at 300 Hz.
    fn trace() -> Vec<f64> {
        (0..(3.0 * 300.0) as usize)
            .map(|i| {
                let t = i as f64 / 300.0;
                let p = (t - 0.1).rem_euclid(0.35);
                if p < 0.25 { -1.5 * (std::f64::consts::PI * p / 0.25).sin() } else { 0.002 * ((i % 3) as f64 - 1.0) }
            })
            .collect()
    }

    #[test]
    fn force_contacts_cross_the_threshold_between_samples() {
        let (contacts, threshold) = force_contacts(&trace(), 300.0, true);
        assert!((threshold - 0.075).abs() < 0.002, "threshold {threshold}");
        // The half sine is above 5 % of its peak from asin(0.05)/π of the contact on: 4.0 ms in.
        let lead = 0.25 * 0.05f64.asin() / std::f64::consts::PI;
        // 0.1 + 0.35 k; the trace starts in flight, and the last contact (2.9 s) is cut by the end.
        assert_eq!(contacts.len(), 8, "{contacts:?}");
        for (k, c) in contacts.iter().enumerate() {
            let ic = 0.1 + 0.35 * k as f64;
            assert!((c.ic_t - (ic + lead)).abs() < 0.001, "{c:?}");
            assert!((c.to_t - (ic + 0.25 - lead)).abs() < 0.001, "{c:?}");
        }
    }

    #[test]
    fn comparison_measures_errors_and_counts_misses() {
        let (truth, _) = force_contacts(&trace(), 300.0, true);
        let stance = |k: usize, d_ic: f64, d_to: f64| Stance {
            side: if k.is_multiple_of(2) { Side::Left } else { Side::Right },
            ic_t: truth[k].ic_t + d_ic,
            to_t: truth[k].to_t + d_to,
            ic_frame: 0,
            to_frame: 0,
        };
        // Contact 3 missed; the others 10 ms late landing, 5 ms early off.
        let detected: Vec<Stance> = (0..truth.len()).filter(|&k| k != 3).map(|k| stance(k, 0.010, -0.005)).collect();
        let e = compare_events(&truth, &detected);
        assert_eq!((e.truth, e.matched), (8, 7));
        assert!(e.ic.iter().all(|v| (v - 0.010).abs() < 1e-9));
        assert!(e.contact.iter().all(|v| (v + 0.015).abs() < 1e-9));
        assert_eq!(e.flight.len(), 5, "pairs (0,1), (1,2), (4,5), (5,6), (6,7)");
        assert!(e.flight.iter().all(|v| (v - 0.015).abs() < 1e-9));
        assert!((e.share_within(1.0 / 60.0) - 7.0 / 8.0).abs() < 1e-9);
        assert_eq!(e.share_within(0.008), 0.0);
        assert!((e.cadence_truth_spm - 60.0 / 0.35).abs() < 0.1);
    }

    #[test]
    fn resampling_interpolates_and_jitter_is_reproducible() {
        let frames: Vec<PoseFrame> = (0..151)
            .map(|i| {
                let mut kps =
                    [runpose_core::Keypoint { score: 1.0, ..Default::default() }; runpose_core::NUM_LANDMARKS];
                kps[0].x = i as f64; // x = 150 t
                PoseFrame { t: i as f64 / 150.0, pose: Some(Pose::new(kps)) }
            })
            .collect();
        let r = resample(&frames, 60.0);
        assert_eq!(r.len(), 61);
        assert!((r[1].pose.as_ref().unwrap().keypoints[0].x - 2.5).abs() < 1e-9);
        let (mut a, mut b) = (r.clone(), r.clone());
        add_jitter(&mut a, 2.0, 7);
        add_jitter(&mut b, 2.0, 7);
        assert_eq!(a, b);
        let d: Vec<f64> = a
            .iter()
            .zip(&r)
            .map(|(x, y)| x.pose.as_ref().unwrap().keypoints[5].y - y.pose.as_ref().unwrap().keypoints[5].y)
            .collect();
        let rms = (d.iter().map(|v| v * v).sum::<f64>() / d.len() as f64).sqrt();
        assert!(rms > 1.4 && rms < 2.6, "rms {rms}");
    }
}
