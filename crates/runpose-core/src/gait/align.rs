//! Event alignment: each foot's initial contacts and toe-offs matched to its average step (docs/metrics.md §Gait
//! events, event alignment).

use super::ground::GroundFrame;
use super::stance::{
    ContactLevel, ContactParams, Stance, contact_heights, frame_interval, refine_initial_contacts, stances_at,
};
use crate::PoseFrame;
use crate::skeleton::{Landmark, Point, Pose, Side};
use crate::stats::{median, percentile};

/// Least stances of a foot for `align_events` (fewer make no trustworthy average step).
pub const ALIGN_MIN_STANCES: usize = 6;
/// Half-width of the stretch of foot motion compared around each event, seconds.
pub const ALIGN_WINDOW_S: f64 = 0.15;
/// Farthest an event moves from its threshold estimate in one round, seconds (at least two frame intervals).
pub const ALIGN_SEARCH_S: f64 = 0.06;
/// Rounds of matching and averaging.
const ALIGN_ROUNDS: usize = 6;
/// Samples of the average step per frame interval.
const ALIGN_SUBSAMPLES: usize = 4;

/// The points whose motion `align_events` compares: the foot's three and the knee.
fn align_landmarks(side: Side) -> [Landmark; 4] {
    [side.heel(), side.toe(), side.ankle(), side.knee()]
}

/// A landmark's position at time `at`, interpolated linearly between the frames around it; `None` outside the
/// frames or where either has no person.
fn position_at(frames: &[PoseFrame], t: &[f64], at: f64, l: Landmark) -> Option<Point> {
    let after = t.partition_point(|&x| x < at);
    if after >= t.len() || (after == 0 && at < t[0]) {
        return None;
    }
    let before = after.saturating_sub(1);
    let (p, q) = (frames[before].pose.as_ref()?.pt(l), frames[after].pose.as_ref()?.pt(l));
    let w = if t[after] > t[before] { (at - t[before]) / (t[after] - t[before]) } else { 0.0 };
    Some(p.lerp(q, w))
}

/// Refines the initial contacts and toe-offs of one foot's stances (`stances`, all of `side`, from the threshold
/// crossings) against the foot's average step (docs/metrics.md §Gait events, event alignment). Each event's
/// neighbourhood of foot and knee motion (`ALIGN_WINDOW_S` either side, unsmoothed landmarks `raw`) is matched to
/// the average of all the other steps' neighbourhoods by shifting it in time (least squares; each step's
/// horizontal position is free, its heights are not), and the average is rebuilt from the aligned steps, for
/// `ALIGN_ROUNDS` rounds. Then the contact is detected once on the average stance, whose noise is that of one
/// frame over the square root of the number of steps, with the same rules (`stances_at`, and the touchdown
/// refinement where that noise allows it), and every step's events are placed at the same point of its own motion.
/// `smoothed_noise` is the noise left in smoothed landmarks, pixels; `level` the foot's contact level over the
/// clip; `stances` sorted by time. Returns false, changing nothing, where there are fewer than `ALIGN_MIN_STANCES`
/// whole steps, the average stance shows no contact, the events would move by more than one round's search
/// (median over the steps) or the contacts would overlap.
#[allow(clippy::too_many_arguments)]
pub fn align_events(
    stances: &mut [Stance],
    raw: &[PoseFrame],
    ground: &GroundFrame,
    side: Side,
    leg_length: f64,
    smoothed_noise: f64,
    level: ContactLevel,
    params: &ContactParams,
) -> bool {
    let t: Vec<f64> = raw.iter().map(|f| f.t).collect();
    let Some(dt) = frame_interval(&t) else { return false };
    // An open contact (live, still going on) has no toe-off yet: its initial contact is aligned, not its end.
    let last = t.len() - 1;
    let closed: Vec<usize> =
        (0..stances.len()).filter(|&k| !(params.open_end && stances[k].to_frame == last)).collect();
    if closed.len() < ALIGN_MIN_STANCES {
        return false;
    }
    let ics: Vec<f64> = stances.iter().map(|s| s.ic_t).collect();
    let tos: Vec<f64> = closed.iter().map(|&k| stances[k].to_t).collect();
    let (Some(ics), Some(tos)) = (match_to_average(raw, &t, dt, side, &ics), match_to_average(raw, &t, dt, side, &tos))
    else {
        return false;
    };
    let closed_ics: Vec<f64> = closed.iter().map(|&k| ics[k]).collect();
    let Some((average, steps, contact)) = average_stance(raw, &t, dt, side, &closed_ics, &tos) else { return false };
    let Some((ic_at, to_at)) =
        contact_of_average(average, side, ground, leg_length, dt, smoothed_noise, steps, level, params)
    else {
        return false;
    };
    let mut aligned = stances.to_vec();
    for (k, s) in aligned.iter_mut().enumerate() {
        s.ic_t = ics[k] + ic_at;
    }
    for (j, &k) in closed.iter().enumerate() {
        aligned[k].to_t = tos[j] + (to_at - contact);
    }
    // The average step must agree with the crossings to within one round's search, and each contact must still
    // end after it starts and before the foot's next one; otherwise (a short or irregular run) the crossings stay.
    let reach = ALIGN_SEARCH_S.max(2.0 * dt);
    let moved = |a: &dyn Fn(&Stance) -> f64| {
        median(&stances.iter().zip(&aligned).map(|(s, n)| (a(n) - a(s)).abs()).collect::<Vec<_>>())
    };
    let ordered = aligned.windows(2).all(|w| w[0].ic_t < w[0].to_t && w[0].to_t < w[1].ic_t)
        && aligned.last().is_some_and(|s| s.ic_t < s.to_t);
    if !ordered || moved(&|s| s.ic_t).is_none_or(|m| m > reach) || moved(&|s| s.to_t).is_none_or(|m| m > reach) {
        return false;
    }
    stances.copy_from_slice(&aligned);
    for s in stances.iter_mut() {
        s.frames_from_instants(&t, params.open_end);
    }
    true
}

/// Aligns the instants `events` of one kind (all initial contacts, or all toe-offs, of one foot) to each other by
/// the motion around them (`align_events`). The result is relative: the events keep their mean offset from the
/// motion, which `align_events` then fixes on the average stance. `None` where fewer than `ALIGN_MIN_STANCES`
/// neighbourhoods are whole.
fn match_to_average(raw: &[PoseFrame], t: &[f64], dt: f64, side: Side, events: &[f64]) -> Option<Vec<f64>> {
    let points = align_landmarks(side);
    let step = dt / ALIGN_SUBSAMPLES as f64;
    let search = ALIGN_SEARCH_S.max(2.0 * dt);
    let half = ALIGN_WINDOW_S + search;
    let n_grid = (2.0 * half / step).round() as usize + 1;
    let mut e = events.to_vec();
    for _ in 0..ALIGN_ROUNDS {
        // Each event's neighbourhood resampled on a common grid of offsets; only whole ones make the average.
        let sampled: Vec<Option<Vec<Point>>> = e
            .iter()
            .map(|&at| {
                (0..n_grid).flat_map(|j| points.map(|l| position_at(raw, t, at - half + j as f64 * step, l))).collect()
            })
            .collect();
        let whole: Vec<&Vec<Point>> = sampled.iter().flatten().collect();
        if whole.len() < ALIGN_MIN_STANCES {
            return None;
        }
        let mut sum = vec![Point::new(0.0, 0.0); n_grid * points.len()];
        for v in &whole {
            for (acc, p) in sum.iter_mut().zip(v.iter()) {
                *acc = *acc + *p;
            }
        }
        let n = whole.len() as f64;
        let mut next = e.clone();
        for (k, &at) in e.iter().enumerate() {
            // The average of the other steps (a step left out of its own template cannot pull it towards itself).
            let own = sampled[k].as_ref();
            let others = if own.is_some() { n - 1.0 } else { n };
            let template: Vec<Point> = match own {
                Some(v) => sum.iter().zip(v).map(|(s, p)| (*s - *p) * (1.0 / others)).collect(),
                None => sum.iter().map(|s| *s * (1.0 / others)).collect(),
            };
            let at_offset = |tau: f64, li: usize| -> Point {
                let g = ((tau + half) / step).clamp(0.0, (n_grid - 1) as f64 - 1e-9);
                let j = g.floor() as usize;
                template[j * points.len() + li].lerp(template[(j + 1) * points.len() + li], g - j as f64)
            };
            let seen: Vec<(f64, [Point; 4])> = (0..t.len())
                .filter(|&i| (t[i] - at).abs() <= ALIGN_WINDOW_S)
                .filter_map(|i| Some((t[i], raw[i].pose.as_ref().map(|p| points.map(|l| p.pt(l)))?)))
                .collect();
            if seen.len() < 3 {
                continue;
            }
            // Squared misfit at a shift: heights as they are, horizontal positions about their own mean.
            let misfit = |shift: f64| -> f64 {
                let mut total = 0.0;
                for li in 0..points.len() {
                    let d: Vec<Point> = seen.iter().map(|(ti, p)| p[li] - at_offset(ti - at - shift, li)).collect();
                    let mean_x = d.iter().map(|p| p.x).sum::<f64>() / d.len() as f64;
                    total += d.iter().map(|p| (p.x - mean_x).powi(2) + p.y.powi(2)).sum::<f64>();
                }
                total
            };
            let shifts = (2.0 * search / step).round() as i64;
            let costs: Vec<f64> = (0..=shifts).map(|m| misfit(-search + m as f64 * step)).collect();
            let best = (0..costs.len()).min_by(|&a, &b| costs[a].total_cmp(&costs[b])).unwrap_or(0);
            // Between samples: the vertex of the parabola through the best and its neighbours.
            let fine = if best > 0 && best + 1 < costs.len() {
                let (a, b, c) = (costs[best - 1], costs[best], costs[best + 1]);
                let curvature = a - 2.0 * b + c;
                if curvature > 0.0 { (0.5 * (a - c) / curvature).clamp(-0.5, 0.5) } else { 0.0 }
            } else {
                0.0
            };
            next[k] = at - search + (best as f64 + fine) * step;
        }
        e = next;
    }
    Some(e)
}

/// The average stance of one foot: the steps' motion from `ALIGN_WINDOW_S` before their initial contacts `ics` to
/// as long after their toe-offs `tos`, the contact itself stretched to the median contact time. Returns the
/// average as frames (time 0 at the initial contact), the number of steps in it and that contact time.
fn average_stance(
    raw: &[PoseFrame],
    t: &[f64],
    dt: f64,
    side: Side,
    ics: &[f64],
    tos: &[f64],
) -> Option<(Vec<PoseFrame>, usize, f64)> {
    let points = align_landmarks(side);
    let contact = median(&ics.iter().zip(tos).map(|(a, b)| b - a).collect::<Vec<_>>())?;
    let step = dt / ALIGN_SUBSAMPLES as f64;
    let n_grid = ((contact + 2.0 * ALIGN_WINDOW_S) / step).round() as usize + 1;
    let tau = |j: usize| -ALIGN_WINDOW_S + j as f64 * step;
    let mut sum = vec![Point::new(0.0, 0.0); n_grid * points.len()];
    let mut steps = 0;
    for (&ic, &to) in ics.iter().zip(tos) {
        let at = |tau: f64| {
            if tau <= 0.0 {
                ic + tau
            } else if tau >= contact {
                to + tau - contact
            } else {
                ic + tau * (to - ic) / contact
            }
        };
        let Some(v) = (0..n_grid)
            .flat_map(|j| points.map(|l| position_at(raw, t, at(tau(j)), l)))
            .collect::<Option<Vec<Point>>>()
        else {
            continue;
        };
        for (acc, p) in sum.iter_mut().zip(&v) {
            *acc = *acc + *p;
        }
        steps += 1;
    }
    if steps < ALIGN_MIN_STANCES {
        return None;
    }
    let frames = (0..n_grid)
        .map(|j| {
            let mut pose = Pose::new([crate::Keypoint::default(); crate::NUM_LANDMARKS]);
            for (li, &l) in points.iter().enumerate() {
                let p = sum[j * points.len() + li] * (1.0 / steps as f64);
                let k = pose.kp_mut(l);
                (k.x, k.y, k.score) = (p.x, p.y, 1.0);
            }
            PoseFrame { t: tau(j), pose: Some(pose) }
        })
        .collect();
    Some((frames, steps, contact))
}

/// The initial contact and toe-off of the average stance (`average_stance`), seconds from its start of contact:
/// smoothed as every landmark is, its contact found with the foot's rules at its own resting level and the clip's
/// range, with the noise of `steps` steps averaged; refined to the touchdown where that noise allows.
#[allow(clippy::too_many_arguments)]
fn contact_of_average(
    mut average: Vec<PoseFrame>,
    side: Side,
    ground: &GroundFrame,
    leg_length: f64,
    frame_interval: f64,
    smoothed_noise: f64,
    steps: usize,
    clip_level: ContactLevel,
    params: &ContactParams,
) -> Option<(f64, f64)> {
    crate::filter::smooth_offline(&mut average);
    let noise = smoothed_noise / (steps as f64).sqrt();
    let t: Vec<f64> = average.iter().map(|f| f.t).collect();
    let h = contact_heights(&average, ground, side, leg_length, params);
    let seen: Vec<f64> = h.iter().flatten().copied().collect();
    let level = ContactLevel::new(percentile(&seen, 0.05)?, clip_level.range, leg_length, noise, params);
    let found = stances_at(side, &t, &h, level, frame_interval, ContactParams { open_end: false, ..*params });
    let mut stance = [*found.iter().min_by(|a, b| a.ic_t.abs().total_cmp(&b.ic_t.abs()))?];
    if params.refine_ic && !ContactLevel::noise_bound(noise, leg_length, params) {
        refine_initial_contacts(&mut stance, &average, ground);
    }
    Some((stance[0].ic_t, stance[0].to_t))
}
