//! Frames a source dropped: where they are missing, and putting them back for the analysis.

use crate::skeleton::PoseFrame;

/// An interval between two frames longer than this many of the source's frame intervals has frames missing.
pub const MISSING_FRAME_INTERVALS: f64 = 1.5;

/// Whether frames are missing between two frames `gap` seconds apart, at the source's frame interval `dt`.
pub(crate) fn frames_missing(gap: f64, dt: f64) -> bool {
    gap > MISSING_FRAME_INTERVALS * dt
}

/// The frames with the ones the machine dropped put back (docs/metrics.md §Live analysis): a gap in which frames
/// are missing (`frames_missing`; the source's frame interval is the 10th-percentile interval: most intervals are
/// one frame even when a third of the frames go) gets evenly spaced frames whose landmarks are interpolated linearly
/// between the frames either side (none where either side has no person), so that smoothing and the contact
/// detector see an evenly sampled run. Left and right are settled before (`cleaning::settle_sides`), so that the
/// frames either side have their legs labelled alike. Also returns, for each frame, whether it is one of `frames`
/// (seen) rather than put back.
pub fn fill_gaps(frames: &[PoseFrame]) -> (Vec<PoseFrame>, Vec<bool>) {
    let Some(dt) = crate::stats::regular_interval(&frames.iter().map(|f| f.t).collect::<Vec<_>>()) else {
        return (frames.to_vec(), vec![true; frames.len()]);
    };
    let mut out = Vec::with_capacity(frames.len());
    let mut seen = Vec::with_capacity(frames.len());
    for (k, f) in frames.iter().enumerate() {
        if let Some(prev) = k.checked_sub(1).map(|j| &frames[j]) {
            let gap = f.t - prev.t;
            let missing = (gap / dt).round() as usize;
            if frames_missing(gap, dt) && missing >= 2 {
                for m in 1..missing {
                    let w = m as f64 / missing as f64;
                    let pose = match (&prev.pose, &f.pose) {
                        (Some(a), Some(b)) => Some(a.lerp(b, w)),
                        _ => None,
                    };
                    out.push(PoseFrame { t: prev.t + gap * w, pose });
                    seen.push(false);
                }
            }
        }
        out.push(f.clone());
        seen.push(true);
    }
    (out, seen)
}
