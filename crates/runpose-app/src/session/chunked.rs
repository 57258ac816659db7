//! A video's poses estimated in chunks side by side (README §Both cores busy): the video is cut by time into
//! `chunks` parts, each analysed on its own thread with its own tracker (its ONNX Runtime sessions on one thread
//! each), starting `OVERLAP_S` before its part so that the tracker has found the runner by the seam; the frames of
//! that warm-up are dropped and the parts joined in order. Offline analysis needs no real-time order, so both cores
//! work on the landmark model at once instead of one waiting on the other's part of each frame. A tracker's landmarks
//! depend a little on the region it carried from the frame before, so a chunk's poses after its seam are not the one
//! pass's (README §Both cores busy); the first part's are, exactly (tests/chunked.rs).

use std::path::Path;
use std::time::Instant;

use anyhow::Context;
use runpose_capture::VideoReader;
use runpose_core::PoseFrame;
use runpose_vision::{ModelVariant, StageTimes};

use crate::session::estimate::{PoseRun, StageTimings, load_tracker};

/// How long before its part each chunk starts tracking, seconds: a tracker finds the runner in the first frame or
/// two it sees, and the ROI it carries settles within a few more.
pub const OVERLAP_S: f64 = 1.0;

/// The parts of a video of `duration_s` seconds: `(from, to)` in seconds of frame time, the last open-ended.
pub fn parts(duration_s: f64, chunks: usize) -> Vec<(f64, f64)> {
    let n = chunks.max(1);
    (0..n)
        .map(|i| {
            let from = if i == 0 { f64::NEG_INFINITY } else { duration_s * i as f64 / n as f64 };
            let to = if i + 1 == n { f64::INFINITY } else { duration_s * (i + 1) as f64 / n as f64 };
            (from, to)
        })
        .collect()
}

/// One part's poses, its model times, and why its decoding stopped early or skipped data (`VideoReader::damage`).
type Part = (Vec<PoseFrame>, StageTimings, Option<String>);

/// The poses of the frames of `video` with a time in `[from, to)`, tracking from `from - OVERLAP_S` on.
fn part(video: &Path, model: ModelVariant, mirror_average: bool, (from, to): (f64, f64)) -> anyhow::Result<Part> {
    let mut tracker = load_tracker(model, Some(1))?;
    tracker.set_mirror_average(mirror_average);
    let mut reader = VideoReader::open(video)?;
    let warm = from - OVERLAP_S;
    if warm > 0.0 {
        reader.seek(warm).with_context(|| format!("seeking in {}", video.display()))?;
    }
    let mut frames = Vec::new();
    while let Some(frame) = reader.next_frame()? {
        if frame.t >= to {
            break;
        }
        if frame.t < warm {
            continue;
        }
        let estimate =
            tracker.process(&frame.image).with_context(|| format!("{:.3} s of {}", frame.t, video.display()))?;
        if frame.t >= from {
            frames.push(PoseFrame { t: frame.t, pose: estimate.map(|e| e.pose) });
        }
    }
    let damage = reader.damage().map(String::from);
    Ok((frames, StageTimings::models(StageTimes::default(), tracker.times()), damage))
}

/// The poses of every frame of `video` with `model`, in `chunks` parts analysed side by side (module docs). The
/// person followed is whoever the tracker finds (one person in view; `person::choose` tells when there are more).
/// `mirror_average`: `TrackerOptions::mirror_average`.
pub fn estimate_poses_chunked(
    video: &Path,
    model: ModelVariant,
    chunks: usize,
    mirror_average: bool,
) -> anyhow::Result<PoseRun> {
    let start = Instant::now();
    let info = VideoReader::open(video)?.info().clone();
    let duration = info
        .duration_s
        .or_else(|| info.frames_hint.map(|n| n as f64 / info.fps.max(1.0)))
        .context("the video does not say how long it is: it cannot be cut into chunks")?;
    let results: Vec<anyhow::Result<Part>> = std::thread::scope(|scope| {
        let handles: Vec<_> = parts(duration, chunks)
            .into_iter()
            .map(|range| scope.spawn(move || part(video, model, mirror_average, range)))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|_| Err(anyhow::anyhow!("a chunk's thread panicked"))))
            .collect()
    });
    let mut frames = Vec::new();
    let mut timings = StageTimings::default();
    // A damaged file is reported as the single pass reports it (summary.json `damage`), each cause once.
    let mut damage: Option<String> = None;
    for result in results {
        let (part_frames, t, part_damage) = result?;
        frames.extend(part_frames);
        timings.add_models(&t);
        if let Some(what) = part_damage {
            match &mut damage {
                Some(all) if all.contains(&what) => {}
                Some(all) => {
                    all.push_str("; ");
                    all.push_str(&what);
                }
                None => damage = Some(what),
            }
        }
    }
    if frames.is_empty() {
        anyhow::bail!("{} has no decodable frames: is the file complete?", video.display());
    }
    timings.total = start.elapsed();
    Ok(PoseRun { info: Some(info), frames, damage, timings, person: None })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_cover_the_video_once() {
        let p = parts(12.0, 3);
        assert_eq!(p.len(), 3);
        assert_eq!(p[0].0, f64::NEG_INFINITY);
        assert_eq!(p[0].1, p[1].0);
        assert_eq!(p[1].1, p[2].0);
        assert_eq!(p[2].1, f64::INFINITY);
        assert_eq!(p[1].0, 4.0);
        assert_eq!(parts(5.0, 1), vec![(f64::NEG_INFINITY, f64::INFINITY)]);
    }
}
