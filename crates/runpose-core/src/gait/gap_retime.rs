//! Events among dropped frames (live, docs/metrics.md §Live analysis): an initial contact or toe-off that fell where
//! the machine dropped frames was found on frames put back by straight-line interpolation, which moves it by up to
//! half the gap. It is re-timed here from the frames that were seen around it, matched to the motion the same foot
//! shows around all its events of that kind; one that cannot be matched well is reported as not timed.

use super::align::ALIGN_WINDOW_S;
use super::stance::{Stance, frame_interval};
use crate::PoseFrame;
use crate::skeleton::{Landmark, Point, Side};
use crate::stats::median;

/// An event is among dropped frames when a frame within this many frame intervals of it was put back.
const GAP_REACH_FRAMES: f64 = 1.5;
/// Least events of one kind that make the motion template.
const MIN_TEMPLATE_EVENTS: usize = 3;
/// Least frames seen on each side of an event, within the compared stretch, for it to be re-timed.
const MIN_SEEN_EACH_SIDE: usize = 2;
/// An event is re-timed only where its misfit to the template is at most this many times the median misfit of the
/// foot's events of that kind (per frame seen).
const MAX_MISFIT_RATIO: f64 = 2.0;
/// An event the frames seen around it leave open over more than this many frame intervals (more than three frames
/// dropped between them) is not timed: re-timed within them, it was up to 2 frames off on the treadmill clip.
const MAX_BRACKET_FRAMES: f64 = 4.0;
/// How far outside the frames seen around it (`Arrival`) an event may lie, frame intervals: the landmarks' noise.
const ARRIVAL_SLACK_FRAMES: f64 = 0.5;
/// Where the frames seen put an event: the last frame seen before it, the first seen after it, and the crossing
/// between them (`footprint::seen_arrivals`), seconds.
pub(crate) type Arrival = (f64, f64, f64);
/// Rounds of template making and matching.
const ROUNDS: usize = 3;
/// Template bins per frame interval.
const BINS_PER_FRAME: usize = 1;
/// Shift steps per frame interval in the search.
const SHIFTS_PER_FRAME: usize = 4;

/// The points whose motion is compared: the foot's three and the knee.
fn points(side: Side) -> [Landmark; 4] {
    [side.heel(), side.toe(), side.ankle(), side.knee()]
}

/// The motion around events: per bin of offset from the event, each point's mean position (horizontal relative to
/// the point's position at the event itself, vertical as it is).
struct Template {
    half: f64,
    bin: f64,
    mean: Vec<[Option<Point>; 4]>,
}

impl Template {
    fn at(&self, offset: f64, li: usize) -> Option<Point> {
        let g = (offset + self.half) / self.bin - 0.5;
        if g < 0.0 || g > (self.mean.len() - 1) as f64 {
            return None;
        }
        let j = (g.floor() as usize).min(self.mean.len().saturating_sub(2));
        let w = g - j as f64;
        Some(self.mean[j][li]?.lerp(self.mean[j + 1][li]?, w))
    }
}

/// The frames seen (time, the four points) within `half` of `at`.
fn seen_near(frames: &[PoseFrame], seen: &[bool], side: Side, at: f64, half: f64) -> Vec<(f64, [Point; 4])> {
    let from = frames.partition_point(|f| f.t < at - half);
    frames[from..]
        .iter()
        .zip(&seen[from..])
        .take_while(|(f, _)| f.t <= at + half)
        .filter(|(_, s)| **s)
        .filter_map(|(f, _)| {
            let pose = f.pose.as_ref()?;
            Some((f.t, points(side).map(|l| pose.pt(l))))
        })
        .collect()
}

/// Whether a frame within `GAP_REACH_FRAMES` of `at` was put back.
fn among_dropped(frames: &[PoseFrame], seen: &[bool], at: f64, dt: f64) -> bool {
    let reach = GAP_REACH_FRAMES * dt;
    let from = frames.partition_point(|f| f.t < at - reach);
    frames[from..].iter().zip(&seen[from..]).take_while(|(f, _)| f.t <= at + reach).any(|(_, s)| !*s)
}

/// A point's position at `at`, interpolated between the seen frames `near` around it.
fn position_at(near: &[(f64, [Point; 4])], at: f64, li: usize) -> Option<Point> {
    let after = near.partition_point(|(t, _)| *t < at);
    let (a, b) = (near.get(after.checked_sub(1)?)?, near.get(after)?);
    let w = if b.0 > a.0 { (at - a.0) / (b.0 - a.0) } else { 0.0 };
    Some(a.1[li].lerp(b.1[li], w))
}

/// The template of the events at `times`: the seen frames around each, folded onto offsets from it.
fn template(frames: &[PoseFrame], seen: &[bool], side: Side, times: &[f64], half: f64, dt: f64) -> Option<Template> {
    let bin = dt / BINS_PER_FRAME as f64;
    let n = (2.0 * half / bin).ceil() as usize;
    let mut sum = vec![[(Point::new(0.0, 0.0), 0usize); 4]; n];
    for &e in times {
        let near = seen_near(frames, seen, side, e, half);
        let Some(origin) = (0..4).map(|li| position_at(&near, e, li)).collect::<Option<Vec<Point>>>() else {
            continue;
        };
        for (t, p) in &near {
            let j = (((t - e) + half) / bin).floor() as usize;
            let Some(cell) = sum.get_mut(j) else { continue };
            for li in 0..4 {
                let rel = Point::new(p[li].x - origin[li].x, p[li].y);
                cell[li] = (cell[li].0 + rel, cell[li].1 + 1);
            }
        }
    }
    let mut mean: Vec<[Option<Point>; 4]> =
        sum.iter().map(|cell| cell.map(|(s, k)| (k > 0).then(|| s * (1.0 / k as f64)))).collect();
    // A bin no frame fell in takes the line between its nearest filled neighbours.
    for li in 0..4 {
        let filled: Vec<(usize, Point)> = mean.iter().enumerate().filter_map(|(j, m)| Some((j, m[li]?))).collect();
        for w in filled.windows(2) {
            let ((a, pa), (b, pb)) = (w[0], w[1]);
            for (j, cell) in mean.iter_mut().enumerate().take(b).skip(a + 1) {
                cell[li] = Some(pa.lerp(pb, (j - a) as f64 / (b - a) as f64));
            }
        }
    }
    Some(Template { half, bin, mean })
}

/// Mean squared misfit per seen frame of the motion `near` to `template` with the event at `at` (horizontal
/// positions free: compared about their mean difference), and the frames seen before and after it.
fn misfit(near: &[(f64, [Point; 4])], template: &Template, at: f64) -> Option<(f64, usize, usize)> {
    let mut total = 0.0;
    let mut count = 0;
    for li in 0..4 {
        let d: Vec<Point> = near.iter().filter_map(|(t, p)| Some(p[li] - template.at(t - at, li)?)).collect();
        if d.len() < 2 * MIN_SEEN_EACH_SIDE {
            return None;
        }
        let mean_x = d.iter().map(|p| p.x).sum::<f64>() / d.len() as f64;
        total += d.iter().map(|p| (p.x - mean_x).powi(2) + p.y.powi(2)).sum::<f64>();
        count += d.len();
    }
    let before = near.iter().filter(|(t, _)| *t < at && template.at(t - at, 0).is_some()).count();
    let after = near.iter().filter(|(t, _)| *t >= at && template.at(t - at, 0).is_some()).count();
    Some((total / count as f64, before, after))
}

/// Re-times the events of one kind (`times`, all initial contacts or all toe-offs of one foot's stances) that fell
/// among dropped frames: for `ROUNDS` rounds, the template is made from every event's seen frames at its current
/// instant and each event among dropped frames moved to where its seen frames fit it best. Returns, for each event,
/// whether it is timed: seen whole, or re-timed within the misfit bound (`MAX_MISFIT_RATIO` times the events' median
/// misfit). `frames` are the unsmoothed frames with the dropped ones put back, `seen` which were seen; `arrivals`
/// (per event, or empty) where the frames seen put each event (`retime_across_gaps`).
fn retime_kind(
    frames: &[PoseFrame],
    seen: &[bool],
    side: Side,
    times: &mut [f64],
    arrivals: &[Option<Arrival>],
    dt: f64,
) -> Vec<bool> {
    let slack = ARRIVAL_SLACK_FRAMES * dt;
    // An event the frames seen bracket with none dropped between them is timed by them: where the smoothed one lies
    // outside the bracket (the smoothing carried frames put back into it), it takes the crossing of the frames seen.
    let dropped: Vec<bool> = times
        .iter_mut()
        .enumerate()
        .map(|(k, e)| match arrivals.get(k).copied().flatten() {
            Some((a, b, at)) if b - a <= 1.5 * dt => {
                if *e < a - slack || *e > b + slack {
                    *e = at;
                }
                false
            }
            Some(_) => true,
            None => among_dropped(frames, seen, *e, dt),
        })
        .collect();
    // Between frames seen further apart, the frames seen leave too much open (`MAX_BRACKET_FRAMES`).
    let too_wide: Vec<bool> = (0..times.len())
        .map(|k| arrivals.get(k).copied().flatten().is_some_and(|(a, b, _)| b - a > (MAX_BRACKET_FRAMES + 0.5) * dt))
        .collect();
    if !dropped.contains(&true) {
        return vec![true; times.len()];
    }
    let untimed = || dropped.iter().map(|d| !d).collect();
    if times.len() < MIN_TEMPLATE_EVENTS {
        return untimed();
    }
    let search = 3.0 * dt;
    let half = ALIGN_WINDOW_S;
    let shifts = (2.0 * search / dt * SHIFTS_PER_FRAME as f64).round() as i64;
    let original = times.to_vec();
    let mut fit: Vec<Option<(f64, bool)>> = vec![None; times.len()];
    for _ in 0..ROUNDS {
        let Some(template) = template(frames, seen, side, times, half + search, dt) else { return untimed() };
        for (k, e) in times.iter_mut().enumerate() {
            if !dropped[k] {
                continue;
            }
            let from = original[k];
            let near = seen_near(frames, seen, side, from, half + search);
            // Within the frames seen around it, where they bracket it.
            let (lo, hi) = arrivals
                .get(k)
                .copied()
                .flatten()
                .map_or((f64::NEG_INFINITY, f64::INFINITY), |(a, b, _)| (a - slack, b + slack));
            let fits: Vec<(f64, f64)> = (0..=shifts)
                .filter_map(|m| {
                    let at = from - search + m as f64 * dt / SHIFTS_PER_FRAME as f64;
                    if at < lo || at > hi {
                        return None;
                    }
                    let inside: Vec<(f64, [Point; 4])> =
                        near.iter().copied().filter(|(t, _)| (t - at).abs() <= half).collect();
                    let (cost, before, after) = misfit(&inside, &template, at)?;
                    (before >= MIN_SEEN_EACH_SIDE && after >= MIN_SEEN_EACH_SIDE).then_some((at, cost))
                })
                .collect();
            let Some(&(at, cost)) = fits.iter().min_by(|a, b| a.1.total_cmp(&b.1)) else {
                fit[k] = None;
                continue;
            };
            // A best fit at the edge of the search is no minimum.
            let edge = fits.first().is_some_and(|f| f.0 == at) || fits.last().is_some_and(|f| f.0 == at);
            *e = at;
            fit[k] = Some((cost, edge));
        }
    }
    // How well the events fit the final template: the scale for the re-timed ones' misfit.
    let Some(template) = template(frames, seen, side, times, half + search, dt) else { return untimed() };
    let all: Vec<f64> = times
        .iter()
        .zip(&dropped)
        .zip(&fit)
        .filter_map(|((&e, &d), f)| {
            if d { f.map(|f| f.0) } else { Some(misfit(&seen_near(frames, seen, side, e, half), &template, e)?.0) }
        })
        .collect();
    let Some(typical) = median(&all) else { return untimed() };
    (0..times.len())
        .map(|k| {
            if !dropped[k] {
                return true;
            }
            let timed = !too_wide[k] && fit[k].is_some_and(|(cost, edge)| !edge && cost <= MAX_MISFIT_RATIO * typical);
            if !timed {
                times[k] = original[k];
            }
            timed
        })
        .collect()
}

/// Re-times the events of one foot's `stances` (sorted, all of `side`) that fell among dropped frames (module
/// docs) and returns the instants of those that could not be timed. `open_end`: the last stance may still be going
/// on (its toe-off is then not an event). `ic_arrivals` (per stance, or empty) are where the frames seen put each
/// initial contact (`footprint::seen_arrivals`): one they bracket with no frame dropped between is timed by them, one
/// in a gap is re-timed only within it, and not timed in a gap wider than `MAX_BRACKET_FRAMES`.
pub(crate) fn retime_across_gaps(
    stances: &mut [Stance],
    frames: &[PoseFrame],
    seen: &[bool],
    side: Side,
    open_end: bool,
    ic_arrivals: &[Option<Arrival>],
) -> Vec<f64> {
    let t: Vec<f64> = frames.iter().map(|f| f.t).collect();
    let Some(dt) = frame_interval(&t) else { return Vec::new() };
    let last = frames.len().saturating_sub(1);
    let mut untimed = Vec::new();
    let mut retime = |times: &mut [f64], arrivals: &[Option<Arrival>]| {
        let timed = retime_kind(frames, seen, side, times, arrivals, dt);
        untimed.extend(times.iter().zip(timed).filter(|(_, ok)| !ok).map(|(e, _)| *e));
    };
    let mut ics: Vec<f64> = stances.iter().map(|s| s.ic_t).collect();
    retime(&mut ics, ic_arrivals);
    let closed: Vec<usize> = (0..stances.len()).filter(|&k| !(open_end && stances[k].to_frame == last)).collect();
    let mut tos: Vec<f64> = closed.iter().map(|&k| stances[k].to_t).collect();
    retime(&mut tos, &[]);
    for (s, ic) in stances.iter_mut().zip(ics) {
        s.ic_t = ic;
    }
    for (&k, to) in closed.iter().zip(tos) {
        stances[k].to_t = to;
    }
    // Each contact must still end after it starts and before the foot's next one: where a re-timing broke that,
    // its events count as not timed.
    for k in 0..stances.len() {
        let next_ic = stances.get(k + 1).map_or(f64::INFINITY, |n| n.ic_t);
        if !(stances[k].ic_t < stances[k].to_t && stances[k].to_t < next_ic) {
            untimed.extend([stances[k].ic_t, stances[k].to_t]);
        }
    }
    for s in stances.iter_mut() {
        s.frames_from_instants(&t, open_end);
    }
    untimed
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::skeleton::{Keypoint, NUM_LANDMARKS, Pose};

    const FPS: f64 = 30.0;
    /// A foot that lands every 0.7 s at t = 0.35 + 0.7 k and lifts 0.25 s later: on the ground (y = 500) between,
    /// in the air on a half-sine between; the knee 100 px above, moving with it.
    fn height(t: f64) -> f64 {
        let p = (t - 0.35).rem_euclid(0.7);
        if p < 0.25 { 0.0 } else { 80.0 * (std::f64::consts::PI * (p - 0.25) / 0.45).sin() }
    }

    fn frame(t: f64) -> PoseFrame {
        let mut pose = Pose::new([Keypoint::default(); NUM_LANDMARKS]);
        let x = 300.0 + 200.0 * (std::f64::consts::TAU * (t - 0.35) / 0.7).cos();
        for (l, dy) in points(Side::Left).into_iter().zip([0.0, 0.0, -10.0, -100.0]) {
            let k = pose.kp_mut(l);
            (k.x, k.y, k.score) = (x, 500.0 - height(t) + dy, 1.0);
        }
        PoseFrame { t, pose: Some(pose) }
    }

    /// The left foot's stances landing at `truth` (seconds), each 0.25 s long.
    fn stances_at(truth: &[f64]) -> Vec<Stance> {
        truth
            .iter()
            .map(|&ic| Stance {
                side: Side::Left,
                ic_t: ic,
                to_t: ic + 0.25,
                ic_frame: (ic * FPS).ceil() as usize,
                to_frame: ((ic + 0.25) * FPS).floor() as usize,
            })
            .collect()
    }

    /// A landing among three dropped frames, found a frame and a half late on the interpolated frames, is put back
    /// where it was; one with nothing seen on one side stays untimed.
    #[test]
    fn an_event_among_dropped_frames_is_retimed_from_the_frames_seen() {
        let frames: Vec<PoseFrame> = (0..240).map(|i| frame(i as f64 / FPS)).collect();
        let truth: Vec<f64> = (0..11).map(|k| 0.35 + 0.7 * k as f64).collect();
        let mut seen = vec![true; frames.len()];
        // Frames 73–75 dropped around the landing at 2.45 s (frame 73.5).
        for s in &mut seen[73..=75] {
            *s = false;
        }
        let mut stances = stances_at(&truth);
        stances[3].ic_t += 1.5 / FPS;
        let untimed = retime_across_gaps(&mut stances, &frames, &seen, Side::Left, false, &[]);
        assert!(untimed.is_empty(), "{untimed:?}");
        assert!((stances[3].ic_t - truth[3]).abs() * FPS < 0.5, "{} vs {}", stances[3].ic_t, truth[3]);
        for (s, &t) in stances.iter().zip(&truth) {
            assert!((s.ic_t - t).abs() * FPS < 0.5, "{} vs {t}", s.ic_t);
        }
        // Nothing seen for 0.2 s before and after the landing at 4.55 s: no time given.
        for s in &mut seen[131..=142] {
            *s = false;
        }
        let untimed = retime_across_gaps(&mut stances, &frames, &seen, Side::Left, false, &[]);
        assert!(untimed.iter().any(|&u| (u - truth[6]).abs() < 0.1), "{untimed:?}");
    }

    /// Where the frames seen bracket a landing (`Arrival`): between two frames seen with none dropped between them, a
    /// landing the smoothing carried two frames early into the gap before them takes the frames' own crossing (not the
    /// template's); one in a gap of five dropped frames, wider than `MAX_BRACKET_FRAMES`, is not timed, where without
    /// the bracket the template re-timed it.
    #[test]
    fn a_landing_the_frames_seen_bracket_stays_within_them() {
        let frames: Vec<PoseFrame> = (0..240).map(|i| frame(i as f64 / FPS)).collect();
        let truth: Vec<f64> = (0..11).map(|k| 0.35 + 0.7 * k as f64).collect();
        let stances = stances_at(&truth);
        let mut seen = vec![true; frames.len()];
        // Landing 3 at frame 73.5, seen between frames 73 and 74; frames 70–72 dropped, and the landing found at 71.5.
        for s in &mut seen[70..=72] {
            *s = false;
        }
        // Landing 6 at frame 136.5, with frames 134–138 dropped.
        for s in &mut seen[134..=138] {
            *s = false;
        }
        let mut arrivals = vec![None; stances.len()];
        arrivals[3] = Some((73.0 / FPS, 74.0 / FPS, 73.8 / FPS));
        arrivals[6] = Some((133.0 / FPS, 139.0 / FPS, 136.0 / FPS));
        let mut bracketed = stances.clone();
        bracketed[3].ic_t = 71.5 / FPS;
        let untimed = retime_across_gaps(&mut bracketed, &frames, &seen, Side::Left, false, &arrivals);
        assert!((bracketed[3].ic_t * FPS - 73.8).abs() < 1e-9, "{}", bracketed[3].ic_t * FPS);
        assert!(!untimed.iter().any(|&u| (u - truth[3]).abs() < 0.1), "{untimed:?}");
        assert!(untimed.iter().any(|&u| (u - truth[6]).abs() < 0.1), "{untimed:?}");
        let mut unbracketed = stances.clone();
        let untimed = retime_across_gaps(&mut unbracketed, &frames, &seen, Side::Left, false, &[]);
        assert!(!untimed.iter().any(|&u| (u - truth[6]).abs() < 0.1), "{untimed:?}");
    }
}
