//! Whom to follow when several people are in view (README §Several people in view). By default the person who is
//! running: each person who comes into view in the first `SCAN_S` seconds is followed through them and their
//! poses analysed; the one whose gait the analysis calls running is taken (the most
//! steps among several), else one walking, else the one the detector is surest of. `--person X,Y` (or a click in a
//! window) follows the person at that point instead (`PoseTracker::follow`).

use std::path::Path;

use anyhow::Context;
use runpose_capture::spawn_decoder;
use runpose_core::summary::Activity;
use runpose_core::{AnalysisConfig, Pose, PoseFrame};
use runpose_vision::PoseTracker;
use serde::Serialize;

/// How much of the start of a video each person is followed for to tell who runs, seconds.
pub const SCAN_S: f64 = 10.0;
/// Every this many frames of the scan the detector counts the people in view; only when it ever sees two are
/// they followed one by one (a video of one runner costs 1 detector run per this many frames).
pub const COUNT_EVERY: usize = 10;
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
    /// The most people in view at once in the first `SCAN_S` seconds, of those followed long enough to choose
    /// between (0 when a point was given). At once: a person the detector lost and found again, as a track of their
    /// own, counts once.
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

/// A person seen during the scan: where they were first and last seen (box centre, pixels), their size (box
/// height) and their poses over the scan.
struct Track {
    first: (f32, f32),
    height: f32,
    last: (f32, f32),
    last_t: f64,
    frames: Vec<PoseFrame>,
}

/// A detection is the person of a track when its centre lies within this share of the person's height of where
/// the track was last seen (frame to frame a runner moves a few per cent of it).
pub const SAME_PERSON_HEIGHTS: f32 = 0.3;
/// How many 30 fps frame intervals `dt` seconds spans (at least 1, at most 3): a person moves that much further
/// between frames a live view had time for (`live_person`) than between a video's frames.
fn gap_frames(dt: f64) -> f32 {
    (dt * 30.0).clamp(1.0, 3.0) as f32
}

/// A track not seen for this long, seconds, is not continued. The detector misses a person for a few frames now and
/// then, longer while someone else crosses the view: on the treadmill clip beside Sports2D it missed the runner for 6
/// and 7 frames as the walker passed, and the walker in most frames, so that 5 frames (the rule before) cut the
/// runner into three tracks (124, 23 and 55 frames) and the walker into four of 8–11 (none a person to choose).
const LOST_S: f64 = 0.5;

/// Every person in view over a run of frames, each followed with their own poses: the detector on every frame,
/// each detection linked to the track last seen nearest it, and the landmark model run on each detection's region
/// (so that no tracking region slides from one person to another). The offline scan's and the live view's
/// (`live_person`).
#[derive(Default)]
pub struct Scan {
    tracks: Vec<Track>,
    frames: usize,
}

/// The person a scan picked: where first and last seen, their height, how, among how many people.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Picked {
    /// Which person of the scan (0: the first it saw, whose poses `add` returned).
    pub track: usize,
    pub first: (f32, f32),
    pub last: (f32, f32),
    pub height: f32,
    /// "running", "walking" or "surest" (`PersonChoice::chosen_by`).
    pub by: &'static str,
    pub people: usize,
}

impl Scan {
    /// Frames added so far.
    pub fn frames(&self) -> usize {
        self.frames
    }

    /// Adds a frame at time `t`. Returns the pose in it of the first person the scan saw (the surest then), for a
    /// view to show while the scan goes on (one person throughout, not whoever is surest in each frame).
    pub fn add(&mut self, t: f64, image: &image::RgbImage, tracker: &mut PoseTracker) -> anyhow::Result<Option<Pose>> {
        self.frames += 1;
        let tracks = &mut self.tracks;
        let mut taken = vec![false; tracks.len()];
        let mut first = None;
        for d in tracker.detect_people(image)? {
            let at = (d.bbox[0], d.bbox[1]);
            let near = (0..tracks.len())
                .filter(|&j| !taken[j] && t - tracks[j].last_t <= LOST_S)
                .map(|j| (j, (at.0 - tracks[j].last.0).hypot(at.1 - tracks[j].last.1)))
                .filter(|&(j, dist)| {
                    dist < SAME_PERSON_HEIGHTS * gap_frames(t - tracks[j].last_t) * tracks[j].height.max(d.bbox[3])
                })
                .min_by(|a, b| a.1.total_cmp(&b.1));
            let (estimate, _) = tracker.landmarks(image, &d.roi())?;
            let pose = (estimate.presence >= runpose_vision::blazepose::MIN_PRESENCE).then_some(estimate.pose);
            let j = match near {
                Some((j, _)) => j,
                None => {
                    tracks.push(Track { first: at, height: d.bbox[3], last: at, last_t: t, frames: Vec::new() });
                    taken.push(false);
                    tracks.len() - 1
                }
            };
            taken[j] = true;
            if j == 0 {
                first = pose.clone();
            }
            let track = &mut tracks[j];
            (track.last, track.last_t) = (at, t);
            track.frames.push(PoseFrame { t, pose });
        }
        Ok(first)
    }

    /// The person to follow (module docs): the running one (the most steps among several), else one walking, else
    /// the surest; also when only one person was followed long enough (the others passers-by, or, at a live view's
    /// rate, lost too often), that one is taken only if running or walking. `None` when nobody had a pose in
    /// `MIN_POSE_FRAMES` frames (a third of the frames, when the scan had fewer than three times as many: a live
    /// view that dropped frames).
    pub fn pick(self) -> Option<Picked> {
        let (min_frames, of) = (MIN_POSE_FRAMES.min(self.frames / 3).max(1), self.frames);
        // A track with a pose in few frames is a passer-by or a false detection: not a person to choose.
        let mut people: Vec<(usize, Track)> = self
            .tracks
            .into_iter()
            .enumerate()
            .filter(|(_, p)| {
                let posed = p.frames.iter().filter(|f| f.pose.is_some()).count();
                tracing::debug!(x = p.first.0, y = p.first.1, posed, min_frames, of, "person seen in the scan");
                posed >= min_frames
            })
            .collect();
        let picked = |track: usize, p: &Track| Picked {
            track,
            first: p.first,
            last: p.last,
            height: p.height,
            by: "surest",
            people: 1,
        };
        let surest = people.first().map(|(j, p)| picked(*j, p))?;
        let at_once = most_at_once(people.iter().map(|(_, p)| p));
        let rank = |a: Activity| match a {
            Activity::Running => 2,
            Activity::Walking => 1,
            _ => 0,
        };
        let ranked: Vec<(Picked, Activity, usize)> = people
            .iter_mut()
            .map(|(j, p)| {
                let (activity, steps) = activity_of(p);
                tracing::info!(x = p.first.0, y = p.first.1, ?activity, steps, "person in view");
                (picked(*j, p), activity, steps)
            })
            .collect();
        // The surest person wins ties (people come surest first and max_by keeps the last maximum: reversed).
        let best = ranked.iter().rev().max_by_key(|(_, a, steps)| (rank(*a), *steps));
        Some(match best {
            Some(&(p, a, _)) if rank(a) == 2 => Picked { by: "running", people: at_once, ..p },
            Some(&(p, a, _)) if rank(a) == 1 => Picked { by: "walking", people: at_once, ..p },
            _ => Picked { people: at_once, ..surest },
        })
    }
}

/// The most of `tracks` with a pose in one frame (`PersonChoice::people`).
fn most_at_once<'a>(tracks: impl Iterator<Item = &'a Track>) -> usize {
    let mut times: Vec<f64> = tracks.flat_map(|p| p.frames.iter().filter(|f| f.pose.is_some()).map(|f| f.t)).collect();
    times.sort_by(f64::total_cmp);
    times.chunk_by(|a, b| a == b).map(<[f64]>::len).max().unwrap_or(0)
}

/// Every person in view during the first `SCAN_S` seconds of `video` (`Scan`).
fn people_in_view(video: &Path, tracker: &mut PoseTracker) -> anyhow::Result<Scan> {
    let mut people = Scan::default();
    scan(video, |t, image| {
        people.add(t, image, tracker)?;
        Ok(true)
    })?;
    Ok(people)
}

/// What a track's person does over the scan, and how many steps they take.
fn activity_of(track: &mut Track) -> (Activity, usize) {
    match runpose_core::analyze(std::mem::take(&mut track.frames), &AnalysisConfig::default()) {
        Ok(a) => {
            let s = &a.summary;
            tracing::debug!(?s.activity, s.steps, s.flight_ms, s.contact_ms, s.cadence_spm, "gait in the scan");
            // Taken for the runner only with both feet plainly off the ground between steps (median flight above
            // zero: a duty factor under one half, the definition of running), not merely within the bounds of
            // running, which allow for a frame of timing error: at a live scan's rate that error let a walker's
            // double support pass for flight.
            let activity = match s.activity {
                Activity::Running if s.flight_ms.is_none_or(|f| f <= 0.0) => Activity::Unclear,
                other => other,
            };
            (activity, s.steps)
        }
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
    let Some(picked) = people.pick() else {
        tracker.follow(None);
        return Ok(None);
    };
    if picked.people < 2 && picked.by == "surest" {
        tracker.follow(None);
    } else {
        // Taken up where the scan first saw them, and by nobody else before they are there.
        tracker.follow_within(Some(picked.first), SAME_PERSON_HEIGHTS * picked.height);
    }
    let (x, y) = picked.first;
    Ok(Some(PersonChoice { x, y, chosen_by: picked.by, people: picked.people }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use runpose_core::Keypoint;

    /// A track with a pose in 30 fps frames `frames`.
    fn track(frames: std::ops::Range<usize>) -> Track {
        let pose = Pose::new([Keypoint { x: 100.0, y: 100.0, z: 0.0, score: 1.0 }; runpose_core::NUM_LANDMARKS]);
        Track {
            first: (100.0, 100.0),
            height: 400.0,
            last: (100.0, 100.0),
            last_t: (frames.end - 1) as f64 / 30.0,
            frames: frames.map(|k| PoseFrame { t: k as f64 / 30.0, pose: Some(pose.clone()) }).collect(),
        }
    }

    /// People in view at once: a person the detector lost and found again (two tracks one after the other) counts
    /// once beside another person, three at once count three, frames without a pose not at all.
    #[test]
    fn people_are_counted_at_once() {
        let (a, b, walker) = (track(0..40), track(50..90), track(0..90));
        assert_eq!(most_at_once([&a, &b, &walker].into_iter()), 2);
        assert_eq!(most_at_once([&a, &track(30..60), &walker].into_iter()), 3);
        let mut unseen = track(0..90);
        unseen.frames.iter_mut().for_each(|f| f.pose = None);
        assert_eq!(most_at_once([&a, &unseen].into_iter()), 1);
        assert_eq!(most_at_once(std::iter::empty()), 0);
    }
}
