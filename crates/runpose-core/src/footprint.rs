//! Gait events timed by footprints (docs/metrics.md §Gait events, footprint timing): a foot on the ground moves with
//! the ground (a treadmill belt, or nothing at all overground), so in ground coordinates its heel and toe stand
//! still from the moment it lands to the moment it lifts. The initial contact is the instant the heel arrives at its
//! footprint, the toe-off the instant the toe rises from its own. A pose model's foot points are a few pixels off at
//! any frame, but the heel sweeps into its footprint at tens of pixels a frame, so the arrival is timed far better
//! than the heights the contact threshold sees (on the real treadmill clip the threshold crossings came 1.5 frames
//! before the shoe touched the belt; docs/validation.md §Video).

use crate::PoseFrame;
use crate::gait::{FootprintParams, Stance};
use crate::skeleton::{Landmark, Point, Side};
use crate::stats::median;

/// The velocity of the ground under one foot, pixels per second: the median frame-to-frame velocity of its heel and
/// toe over the middle third of its stances, where the whole foot is down (before it the heel may still be landing
/// and the toe coming down, after it the heel rises). A treadmill's belt moves; overground the ground stands still.
/// `None` without such frames.
pub(crate) fn ground_velocity(frames: &[PoseFrame], stances: &[Stance], side: Side) -> Option<Point> {
    let (mut vx, mut vy) = (Vec::new(), Vec::new());
    for s in stances.iter().filter(|s| s.side == side) {
        let third = (s.to_frame - s.ic_frame) / 3;
        for i in s.ic_frame + third..s.to_frame - third {
            let (Some(p), Some(q)) = (frames[i].pose.as_ref(), frames[i + 1].pose.as_ref()) else { continue };
            let dt = frames[i + 1].t - frames[i].t;
            if dt <= 0.0 {
                continue;
            }
            for l in [side.heel(), side.toe()] {
                let v = (q.pt(l) - p.pt(l)) * (1.0 / dt);
                vx.push(v.x);
                vy.push(v.y);
            }
        }
    }
    Some(Point::new(median(&vx)?, median(&vy)?))
}

/// A walk from mid-stance goes on while a point stays within this multiple of the reach (one frame a little beyond it
/// is noise), then comes back to the last frame within the reach itself.
pub const HYSTERESIS: f64 = 2.0;

/// How fast a standing foot's heel or toe may move over the ground as the foot rolls, leg lengths per second: a
/// foot in the air moves over the ground at 5 leg lengths a second or more.
pub const STILL_LL_PER_S: f64 = 0.8;

/// Least length of a contact found standing still, seconds (frames either side of the still run): running contacts
/// last 0.15 s or more but at a sprint, less a frame at 15 fps
/// (Weyand et al. 2000), and those the threshold misses are whole contacts of a foot seen poorly.
pub const STILL_MIN_S: f64 = 0.12;
/// A still run this near one of the foot's known contacts is the end of that contact, not another, seconds.
pub const STILL_CLEAR_S: f64 = 0.1;

/// Contacts the threshold missed (docs/metrics.md §Gait events, footprint timing): runs of frames in which the
/// foot stands still on the ground — its heel or its toe, in ground coordinates, moves less than `reach` pixels (or
/// `STILL_LL_PER_S`, whichever allows more) between the frames either side (a foot in the air always moves over the
/// ground: forward in the swing, and up and away at the ends of a contact) — lasting at least `min_contact_s` and
/// `STILL_MIN_S`, and no nearer than `STILL_CLEAR_S` to one of `known` (this foot's contacts found already). Returned as rough stances (instants at the run's ends) for
/// `time_by_footprints` to time; one whose start or end is not seen is left out, but for one still going on at the
/// last frame with `open_end`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn still_contacts(
    frames: &[PoseFrame],
    known: &[Stance],
    side: Side,
    ground_velocity: Point,
    leg_length: f64,
    reach: f64,
    min_contact_s: f64,
    open_end: bool,
) -> Vec<Stance> {
    let n = frames.len();
    let still = |i: usize| -> bool {
        if i == 0 || i + 1 >= n {
            return false;
        }
        // The foot rolls on the ground (heel to flat to toe), so its points move a little even while it stands: more
        // between frames further apart.
        let allowed = reach.max(STILL_LL_PER_S * leg_length * (frames[i + 1].t - frames[i - 1].t));
        [side.heel(), side.toe()].iter().any(|&l| {
            match (grounded(frames, i - 1, l, ground_velocity), grounded(frames, i + 1, l, ground_velocity)) {
                (Some(a), Some(b)) => a.dist(b) <= allowed,
                _ => false,
            }
        })
    };
    let taken = |i: usize| known.iter().any(|s| s.side == side && s.ic_frame <= i && i <= s.to_frame);
    let mut out = Vec::new();
    let mut i = 1;
    while i + 1 < n {
        if !still(i) || taken(i) {
            i += 1;
            continue;
        }
        let first = i;
        while i + 1 < n && still(i) && !taken(i) {
            i += 1;
        }
        let last = i - 1;
        // The still frames are those whose neighbours both stand: the contact reaches a frame further either way.
        let (a, b) = (first - 1, (last + 1).min(n - 1));
        // A contact whose start or end is not seen (the clip's edge, the person lost) is not reported, except one
        // still going on at the last frame when asked (`open_end`, live).
        let seen_start = a > 0 && frames[a - 1].pose.is_some();
        let seen_end = (b + 1 < n && frames[b + 1].pose.is_some()) || (open_end && b == n - 1);
        // Well clear of this foot's known contacts (a foot just lifted, or about to land, moves slowly over the
        // ground for a frame or two), and long enough to be a whole contact.
        let clear = |s: &&Stance| {
            s.side == side
                && frames[s.ic_frame].t - STILL_CLEAR_S <= frames[b].t
                && frames[a].t <= frames[s.to_frame].t + STILL_CLEAR_S
        };
        if seen_start
            && seen_end
            && frames[b].t - frames[a].t >= min_contact_s.max(STILL_MIN_S)
            && !known.iter().any(|s| clear(&s))
        {
            out.push(Stance { side, ic_t: frames[a].t, to_t: frames[b].t, ic_frame: a, to_frame: b });
        }
    }
    out
}

/// A landmark of `side`'s foot in ground coordinates at frame `i`: its image position less the ground's travel since
/// time 0. `None` without a person.
fn grounded(frames: &[PoseFrame], i: usize, l: Landmark, ground_velocity: Point) -> Option<Point> {
    Some(frames[i].pose.as_ref()?.pt(l) - ground_velocity * frames[i].t)
}

/// The footprint of landmark `l` over frames `range`: the median of its ground coordinates.
fn footprint(frames: &[PoseFrame], range: std::ops::RangeInclusive<usize>, l: Landmark, v: Point) -> Option<Point> {
    let points: Vec<Point> = range.filter_map(|i| grounded(frames, i, l, v)).collect();
    let xs: Vec<f64> = points.iter().map(|p| p.x).collect();
    let ys: Vec<f64> = points.iter().map(|p| p.y).collect();
    Some(Point::new(median(&xs)?, median(&ys)?))
}

/// Where a distance series crosses `reach` between frames `outside` and `inside` (adjacent), seconds.
fn crossing(frames: &[PoseFrame], outside: usize, inside: usize, d_out: f64, d_in: f64, reach: f64) -> f64 {
    let w = if d_out > d_in { ((d_out - reach) / (d_out - d_in)).clamp(0.0, 1.0) } else { 0.5 };
    frames[outside].t + w * (frames[inside].t - frames[outside].t)
}

/// The heel's walk to its footprint (`time_by_footprints`, `seen_arrivals`): over `back`, frame indices from
/// mid-stance back in time, back while the heel is `near` its footprint (within `HYSTERESIS` times the
/// reach: a frame a little beyond it is noise), then forward again to the first frame `on` it (within the reach).
/// Returns the position in `back` where the walk ends: the heel lands between that frame and the next one in `back`.
fn walk_to_footprint(back: &[usize], near: impl Fn(usize) -> bool, on: impl Fn(usize) -> bool) -> usize {
    let mut j = 0;
    while j + 1 < back.len() && near(back[j + 1]) {
        j += 1;
    }
    while j > 0 && !on(back[j]) {
        j -= 1;
    }
    j
}

/// Where the frames seen put each stance's initial contact, with frames dropped (live, docs/metrics.md §Live
/// analysis): on the unsmoothed landmarks of the frames seen only (`unsmoothed`, `seen`; the smoothing carries the
/// frames put back into the seen ones beside them), the heel walked back from mid-stance as `time_by_footprints`
/// walks it, to its footprint on the smoothed `frames`. Returns per stance the last frame seen with the heel off its
/// footprint, the first seen on it (their times), and the crossing interpolated between them; `None` where the walk
/// finds no such pair.
#[allow(clippy::too_many_arguments)]
pub(crate) fn seen_arrivals(
    frames: &[PoseFrame],
    unsmoothed: &[PoseFrame],
    seen: &[bool],
    stances: &[Stance],
    side: Side,
    ground_velocity: Point,
    reach: f64,
) -> Vec<Option<(f64, f64, f64)>> {
    let heel = side.heel();
    stances
        .iter()
        .map(|s| {
            let mid_t = 0.5 * (s.ic_t + s.to_t);
            let mid = frames.partition_point(|f| f.t < mid_t).clamp(s.ic_frame, s.to_frame);
            let print = footprint(frames, s.ic_frame..=mid, heel, ground_velocity)?;
            let dist = |i: usize| grounded(unsmoothed, i, heel, ground_velocity).map(|p| p.dist(print));
            // The frames seen up to mid-stance, newest first.
            let back: Vec<usize> = (0..=mid).rev().filter(|&i| seen[i]).collect();
            let j = walk_to_footprint(
                &back,
                |i| dist(i).is_some_and(|d| d <= HYSTERESIS * reach),
                |i| dist(i).is_some_and(|d| d <= reach),
            );
            let (inside, outside) = (*back.get(j)?, *back.get(j + 1)?);
            let (d_in, d_out) = (dist(inside)?, dist(outside)?);
            (d_out > reach && d_in <= reach).then(|| {
                let at = crossing(unsmoothed, outside, inside, d_out, d_in, reach);
                (unsmoothed[outside].t, unsmoothed[inside].t, at)
            })
        })
        .collect()
}

/// Re-times the initial contacts and toe-offs of one foot's stances (`stances`, all of `side`, sorted, from the
/// threshold crossings) by their footprints, on the smoothed landmarks `frames`: the initial contact where the heel,
/// walked back in time from mid-stance, leaves `reach` pixels of its footprint (its median ground position from the
/// initial contact to mid-stance; walked while it stays within `HYSTERESIS` times the reach, then back to the reach:
/// a frame a little beyond it is noise); the toe-off where the toe, walked forward the same way, rises more than the
/// toe's reach (`reach` plus the roll allowance) above its own (its median from mid-stance to the toe-off). The
/// crossings are interpolated between frames. An event stays at its threshold crossing where the walk meets a frame
/// without a person or the search limit first (a walk cannot pass into the foot's next stance: the foot swings
/// between them, far from this footprint); a stance still going on at the last frame (`open_end`) keeps its end. A
/// stance found on its footprint at the first frame (or, but for `open_end`, the last), or whose heel was lower than
/// its footprint in the first frames seen, is dropped: its start or end is not seen. Stances that come to overlap
/// are merged (the threshold split one contact in two), and every stance's frames are recomputed. Returns how many
/// events were re-timed.
#[allow(clippy::too_many_arguments)]
pub(crate) fn time_by_footprints(
    frames: &[PoseFrame],
    stances: &mut Vec<Stance>,
    side: Side,
    ground_velocity: Point,
    leg_length: f64,
    reach: f64,
    params: &FootprintParams,
    open_end: bool,
) -> usize {
    let n = frames.len();
    if n < 2 {
        return 0;
    }
    let last = n - 1;
    let (heel, toe) = (side.heel(), side.toe());
    let mut timed = 0;
    let mut unseen = vec![false; stances.len()];
    for (k, s) in stances.iter_mut().enumerate() {
        let mid_t = 0.5 * (s.ic_t + s.to_t);
        let mid = frames.partition_point(|f| f.t < mid_t).clamp(s.ic_frame, s.to_frame);
        // Initial contact: back from mid-stance while the heel stays on its footprint.
        let lower_t = s.ic_t - params.search_s;
        let lower = frames.partition_point(|f| f.t < lower_t);
        if let Some(print) = footprint(frames, s.ic_frame..=mid, heel, ground_velocity) {
            let dist = |i: usize| grounded(frames, i, heel, ground_velocity).map(|p| p.dist(print));
            // Back while the heel is near its footprint (within twice the reach: a frame a little beyond it is noise),
            // then on to the first frame within the reach: the heel lands between it and the frame before.
            let back: Vec<usize> = (lower.min(mid)..=mid).rev().collect();
            let i = back[walk_to_footprint(
                &back,
                |i| dist(i).is_some_and(|d| d <= HYSTERESIS * reach),
                |i| dist(i).is_some_and(|d| d <= reach),
            )];
            // A landing heel comes down onto its footprint; one that was lower in the first frames seen is rising from
            // it: the contact began before the clip (or the person's appearance) did, and what is seen is its end.
            let below =
                |i: usize| grounded(frames, i, heel, ground_velocity).is_some_and(|p| p.y - print.y > 0.5 * reach);
            if i > lower
                && let (Some(d_out), Some(d_in)) = (dist(i - 1), dist(i))
                && d_out > reach
                && d_in <= reach
            {
                s.ic_t = crossing(frames, i - 1, i, d_out, d_in, reach);
                timed += 1;
                let mut start = i - 1;
                while start > 0 && frames[start - 1].pose.is_some() {
                    start -= 1;
                }
                if i - 1 - start <= 2 && below(i - 1) && !below(i) {
                    unseen[k] = true;
                }
            } else if i == 0 {
                // Standing from the first frame: the landing is not seen.
                unseen[k] = true;
            }
        }
        // Toe-off: on from mid-stance while the toe has not risen from its footprint.
        if open_end && s.to_frame == last {
            continue;
        }
        let upper_t = s.to_t + params.search_s;
        let upper = frames.partition_point(|f| f.t <= upper_t).saturating_sub(1);
        let toe_reach = reach + params.toe_roll_ll * leg_length;
        if let Some(print) = footprint(frames, mid..=s.to_frame, toe, ground_velocity) {
            // Height above the footprint (image y grows downwards); sinking below it is no rise.
            let rise = |i: usize| grounded(frames, i, toe, ground_velocity).map(|p| (print.y - p.y).max(0.0));
            let near = |i: usize| rise(i).is_some_and(|d| d <= HYSTERESIS * toe_reach);
            let down = |i: usize| rise(i).is_some_and(|d| d <= toe_reach);
            let mut i = mid;
            while i < upper && near(i + 1) {
                i += 1;
            }
            while i > mid && !down(i) {
                i -= 1;
            }
            if i < upper
                && let (Some(d_in), Some(d_out)) = (rise(i), rise(i + 1))
                && d_out > toe_reach
            {
                // `crossing` walks from outside in: from frame i + 1 back to i.
                s.to_t = crossing(frames, i + 1, i, d_out, d_in, toe_reach);
                timed += 1;
            } else if i == last {
                // Standing at the last frame: the toe-off is not seen.
                unseen[k] = true;
            }
        }
    }
    // Contacts whose start or end the walk found unseen go; those the threshold split in two come together; frames
    // follow the new instants.
    let mut unseen = unseen.into_iter();
    stances.retain(|_| !unseen.next().unwrap_or(false));
    stances.sort_by(|a, b| a.ic_t.total_cmp(&b.ic_t));
    let mut merged: Vec<Stance> = Vec::with_capacity(stances.len());
    for s in stances.drain(..) {
        if let Some(prev) = merged.last_mut()
            && s.ic_t <= prev.to_t
        {
            prev.to_t = prev.to_t.max(s.to_t);
            prev.to_frame = prev.to_frame.max(s.to_frame);
            continue;
        }
        merged.push(s);
    }
    let t: Vec<f64> = frames.iter().map(|f| f.t).collect();
    for s in &mut merged {
        s.frames_from_instants(&t, open_end);
    }
    *stances = merged;
    timed
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::skeleton::{Keypoint, Pose};

    /// A foot on a belt moving at `belt` px/frame (30 fps): in stance from `ic` to `to` (seconds) its heel and toe move
    /// with the belt; before landing the heel sweeps forward at 40 px/frame relative to the belt, after lift-off the toe
    /// rises 6 px, 18 px, 36 px ... in successive frames.
    fn foot_on_belt(belt: f64, ic: f64, to: f64) -> Vec<PoseFrame> {
        let fps = 30.0;
        (0..30)
            .map(|i| {
                let t = i as f64 / fps;
                let mut pose = Pose::new([Keypoint::default(); crate::NUM_LANDMARKS]);
                let ground = belt * fps * t;
                let before = ((ic - t) * fps).max(0.0);
                let after = ((t - to) * fps).max(0.0);
                let heel = pose.kp_mut(Landmark::LeftHeel);
                (heel.x, heel.y) = (300.0 + ground - 40.0 * before, 500.0 - 3.0 * before);
                let toe = pose.kp_mut(Landmark::LeftFootIndex);
                (toe.x, toe.y) = (250.0 + ground, 505.0 - 6.0 * after * after);
                PoseFrame { t, pose: Some(pose) }
            })
            .collect()
    }

    #[test]
    fn events_are_timed_where_the_foot_reaches_and_leaves_its_footprint() {
        for belt in [0.0, 30.0] {
            let (ic, to) = (0.2123, 0.4950);
            let frames = foot_on_belt(belt, ic, to);
            // Threshold crossings two frames early and one late, as the contact height gave them on the real clip.
            let rough = Stance { side: Side::Left, ic_t: ic - 0.067, to_t: to + 0.033, ic_frame: 4, to_frame: 15 };
            let mut stances = vec![rough];
            let all = [Stance { ic_frame: 8, to_frame: 14, ..rough }];
            let v = ground_velocity(&frames, &all, Side::Left).unwrap();
            assert!((v.x - 30.0 * belt).abs() < 1e-6 && v.y.abs() < 1e-6, "{v:?}");
            let params = FootprintParams { toe_roll_ll: 0.0, ..FootprintParams::default() };
            assert_eq!(time_by_footprints(&frames, &mut stances, Side::Left, v, 300.0, 5.0, &params, false), 2);
            let s = stances[0];
            // The heel is 5 px off its footprint an eighth of a frame before landing (interpolated between the frames
            // around it: a third of a frame after); the toe 5 px up 0.9 frames after lifting.
            assert!((s.ic_t - ic).abs() < 0.5 / 30.0, "belt {belt}: ic {} vs {ic}", s.ic_t);
            assert!((s.to_t - to).abs() < 1.0 / 30.0 && s.to_t > to, "belt {belt}: to {} vs {to}", s.to_t);
            assert_eq!((s.ic_frame, s.to_frame), (7, 15));
        }
    }

    #[test]
    fn a_split_contact_is_joined_and_a_lost_person_stops_the_walk() {
        let (ic, to) = (0.2123, 0.4950);
        let mut frames = foot_on_belt(30.0, ic, to);
        let halves = vec![
            Stance { side: Side::Left, ic_t: 0.25, to_t: 0.33, ic_frame: 8, to_frame: 9 },
            Stance { side: Side::Left, ic_t: 0.40, to_t: 0.47, ic_frame: 12, to_frame: 14 },
        ];
        let v = Point::new(900.0, 0.0);
        let mut joined = halves.clone();
        let params = FootprintParams { toe_roll_ll: 0.0, ..FootprintParams::default() };
        time_by_footprints(&frames, &mut joined, Side::Left, v, 300.0, 5.0, &params, false);
        assert_eq!(joined.len(), 1, "{joined:?}");
        assert!((joined[0].ic_t - ic).abs() < 0.5 / 30.0 && (joined[0].to_t - to).abs() < 1.0 / 30.0, "{joined:?}");
        // Without a person in frame 5 the walk back stops there: the initial contact keeps its crossing.
        frames[6].pose = None;
        let mut kept = vec![Stance { side: Side::Left, ic_t: 0.19, to_t: 0.47, ic_frame: 6, to_frame: 14 }];
        time_by_footprints(&frames, &mut kept, Side::Left, v, 300.0, 5.0, &params, false);
        assert_eq!(kept[0].ic_t, 0.19);
    }
}
