//! Whom to follow when several people are in view (README §Several people in view). By default the person who is
//! running: each person who comes into view in the first `SCAN_S` seconds is followed through them and their
//! poses analysed; the one whose gait the analysis calls running is taken (the most
//! steps among several), else one walking, else the one the detector is surest of. `--person X,Y` (or a click in a
//! window) follows the person at that point instead (`PoseTracker::follow`).

use std::path::Path;

use anyhow::Context;
use runpose_capture::spawn_decoder;
use runpose_core::summary::Activity;
use runpose_core::{AnalysisConfig, PoseFrame};
use runpose_vision::PoseTracker;
use serde::Serialize;

/// How much of the start of a video each person is followed for to tell who runs, seconds.
pub const SCAN_S: f64 = 10.0;
/// Every this many frames of the scan the detector counts the people in view; only when it ever sees two are
/// they followed one by one (a video of one runner costs 1 detector run per this many frames).
const COUNT_EVERY: usize = 10;
/// Frames with a pose a person needs in the scan to be chosen (a second at 30 frames/s).
const MIN_POSE_FRAMES: usize = 30;

/// How the person followed was chosen, as summary.json records it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PersonChoice {
    /// Where the person followed was first seen (box centre, or the point given), pixels.
    pub x: f32,
    pub y: f32,
    /// "point" (given), "running", "walking" or "surest" (the detector's surest person).
    pub chosen_by: &'static str,
    /// People who came into view in the first `SCAN_S` seconds (0 when a point was given).
    pub people: usize,
}

/// The frames of the first `SCAN_S` seconds of `video` (time stamp, picture), each handed to `each` until it
/// returns false.
fn scan(video: &Path, mut each: impl FnMut(f64, &image::RgbImage) -> anyhow::Result<bool>) -> anyhow::Result<()> {
    let (_, frames, decoder) = spawn_decoder(video, 4)?;
    for item in frames.iter() {
        let frame = item?;
        if frame.t > SCAN_S || !each(frame.t, &frame.image)? {
            break;
        }
    }
    drop(frames);
    decoder.join().map_err(|_| anyhow::anyhow!("the decode thread panicked"))?;
    Ok(())
}

/// A person seen during the scan: where they were first seen (box centre, pixels), their size (box height) and
/// their poses over the scan.
struct Track {
    first: (f32, f32),
    height: f32,
    last: (f32, f32),
    last_frame: usize,
    frames: Vec<PoseFrame>,
}

/// A detection is the person of a track when its centre lies within this share of the person's height of where
/// the track was last seen (frame to frame a runner moves a few per cent of it).
const SAME_PERSON_HEIGHTS: f32 = 0.3;
/// A track not seen for this many frames is not continued.
const LOST_FRAMES: usize = 5;

/// Every person in view during the first `SCAN_S` seconds, each with their own poses: the detector on every frame,
/// each detection linked to the track last seen nearest it, and the landmark model run on each detection's
/// region (so that no tracking region slides from one person to another). Surest first.
fn people_in_view(video: &Path, tracker: &mut PoseTracker) -> anyhow::Result<Vec<Track>> {
    let mut tracks: Vec<Track> = Vec::new();
    let mut k = 0;
    scan(video, |t, image| {
        let mut taken = vec![false; tracks.len()];
        for d in tracker.detect_people(image)? {
            let at = (d.bbox[0], d.bbox[1]);
            let near = (0..tracks.len())
                .filter(|&j| !taken[j] && k - tracks[j].last_frame <= LOST_FRAMES)
                .map(|j| (j, (at.0 - tracks[j].last.0).hypot(at.1 - tracks[j].last.1)))
                .filter(|&(j, dist)| dist < SAME_PERSON_HEIGHTS * tracks[j].height.max(d.bbox[3]))
                .min_by(|a, b| a.1.total_cmp(&b.1));
            let (estimate, _) = tracker.landmarks(image, &d.roi())?;
            let pose = (estimate.presence >= runpose_vision::blazepose::MIN_PRESENCE).then_some(estimate.pose);
            let j = match near {
                Some((j, _)) => j,
                None => {
                    tracks.push(Track { first: at, height: d.bbox[3], last: at, last_frame: k, frames: Vec::new() });
                    taken.push(false);
                    tracks.len() - 1
                }
            };
            taken[j] = true;
            let track = &mut tracks[j];
            (track.last, track.last_frame) = (at, k);
            track.frames.push(PoseFrame { t, pose });
        }
        k += 1;
        Ok(true)
    })?;
    Ok(tracks)
}

/// What a track's person does over the scan, and how many steps they take.
fn activity_of(track: &mut Track) -> (Activity, usize) {
    match runpose_core::analyze(std::mem::take(&mut track.frames), &AnalysisConfig::default()) {
        Ok(a) => (a.summary.activity, a.summary.steps),
        Err(_) => (Activity::Unclear, 0),
    }
}

/// Chooses whom `tracker` follows in `video` (module docs) and sets it up to follow them from the first frame:
/// the point given, else the running person when several people are in view. `None` when the detector never saw
/// two people at once (the tracker then follows as it always did).
pub fn choose(
    video: &Path,
    tracker: &mut PoseTracker,
    point: Option<(f32, f32)>,
) -> anyhow::Result<Option<PersonChoice>> {
    if let Some((x, y)) = point {
        tracker.follow(Some((x, y)));
        return Ok(Some(PersonChoice { x, y, chosen_by: "point", people: 0 }));
    }
    let mut most = 0;
    let mut k = 0;
    scan(video, |_, image| {
        if k % COUNT_EVERY == 0 {
            most = most.max(tracker.detect_people(image)?.len());
        }
        k += 1;
        Ok(most < 2)
    })?;
    tracing::info!(most, "people in view at once, at most");
    if most < 2 {
        // One person (or none): followed as the tracker always did (found again anywhere after being lost).
        tracker.follow(None);
        return Ok(None);
    }
    let people =
        people_in_view(video, tracker).with_context(|| format!("looking for people in {}", video.display()))?;
    // A track with a pose in few frames is a passer-by or a false detection: not a person to choose.
    let mut people: Vec<Track> = people
        .into_iter()
        .filter(|p| p.frames.iter().filter(|f| f.pose.is_some()).count() >= MIN_POSE_FRAMES)
        .collect();
    let Some(&Track { first: surest, .. }) = people.first() else {
        tracker.follow(None);
        return Ok(None);
    };
    if people.len() < 2 {
        tracker.follow(None);
        return Ok(Some(PersonChoice { x: surest.0, y: surest.1, chosen_by: "surest", people: 1 }));
    }
    let rank = |a: Activity| match a {
        Activity::Running => 2,
        Activity::Walking => 1,
        _ => 0,
    };
    let ranked: Vec<((f32, f32), f32, Activity, usize)> = people
        .iter_mut()
        .map(|p| {
            let (activity, steps) = activity_of(p);
            tracing::info!(x = p.first.0, y = p.first.1, ?activity, steps, "person in view");
            (p.first, p.height, activity, steps)
        })
        .collect();
    // The surest person wins ties (people come surest first and max_by keeps the last maximum: reversed).
    let best = ranked.iter().rev().max_by_key(|(_, _, a, steps)| (rank(*a), *steps));
    let ((x, y), height, by) = match best {
        Some(&(first, height, a, _)) if rank(a) == 2 => (first, height, "running"),
        Some(&(first, height, a, _)) if rank(a) == 1 => (first, height, "walking"),
        _ => (surest, people[0].height, "surest"),
    };
    // Taken up where the scan first saw them, and by nobody else before they are there.
    tracker.follow_within(Some((x, y)), SAME_PERSON_HEIGHTS * height);
    Ok(Some(PersonChoice { x, y, chosen_by: by, people: people.len() }))
}
