//! Stance detection: each foot's contacts from its height above the ground, initial contact and toe-off at the
//! threshold crossings (docs/metrics.md §Gait events).

use serde::Serialize;

use super::ground::{GroundFrame, foot_low_point};
use crate::PoseFrame;
use crate::skeleton::{Landmark, Pose, Side};
use crate::stats::{median, percentile};

/// How far BlazePose's heel landmark (the back of the heel) sits above the ground when the heel is the foot's
/// lowest point, leg lengths: at heel strike the shoe's heel and the dorsiflexed foot hold it about 5 cm up
/// (measured on the real treadmill clip: 0.055 leg lengths between heel strike and flat foot).
pub const HEEL_ALLOWANCE_LL: f64 = 0.06;

/// The height that decides ground contact for one foot, pixels: its lowest point above the foot's ground profile,
/// less `heel_allowance_ll` leg lengths when that point is the heel (docs/metrics.md §Gait events).
pub(crate) fn contact_height(
    ground: &GroundFrame,
    pose: &Pose,
    side: Side,
    leg_length: f64,
    heel_allowance_ll: f64,
) -> f64 {
    let low = foot_low_point(pose, side);
    let heel_first = pose.pt(side.heel()).y > pose.pt(side.toe()).y;
    ground.foot_height(side, low) - if heel_first { heel_allowance_ll * leg_length } else { 0.0 }
}

/// The contact height series of one foot (`contact_height` per frame; `None` without a person), or with
/// `params.per_point_rest` the lower of the heel's and the toe's heights above their own resting levels.
pub(crate) fn contact_heights(
    frames: &[PoseFrame],
    ground: &GroundFrame,
    side: Side,
    leg_length: f64,
    params: &ContactParams,
) -> Vec<Option<f64>> {
    if !params.per_point_rest {
        return frames
            .iter()
            .map(|f| f.pose.as_ref().map(|p| contact_height(ground, p, side, leg_length, params.heel_allowance_ll)))
            .collect();
    }
    let series = |l: Landmark| -> Vec<Option<f64>> {
        frames.iter().map(|f| f.pose.as_ref().map(|p| ground.foot_height(side, p.pt(l)))).collect()
    };
    let (heel, toe) = (series(side.heel()), series(side.toe()));
    let rest = |v: &[Option<f64>]| percentile(&v.iter().flatten().copied().collect::<Vec<_>>(), 0.05).unwrap_or(0.0);
    let (rh, rt) = (rest(&heel), rest(&toe));
    heel.iter().zip(&toe).map(|(h, t)| Some(((*h)? - rh).min((*t)? - rt))).collect()
}

/// Settings of the footprint timing (docs/metrics.md §Gait events).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FootprintParams {
    /// A point counts as on its footprint within this multiple of the noise left in the smoothed landmarks.
    pub noise_factor: f64,
    /// ... or within this many leg lengths, whichever is larger.
    pub min_ll: f64,
    /// The toe point's rise, leg lengths, while the foot rolls onto the tip of the shoe before it lifts: BlazePose's
    /// toe landmark (foot_index) sits on the toe box, above the point that last touches the ground, and rises
    /// with it as the heel comes up.
    pub toe_roll_ll: f64,
    /// The farthest an event moves from its threshold crossing, seconds.
    pub search_s: f64,
}

impl Default for FootprintParams {
    fn default() -> Self {
        Self { noise_factor: 2.5, min_ll: 0.02, toe_roll_ll: 0.02, search_s: 0.25 }
    }
}

impl FootprintParams {
    /// How near its footprint a point must be to stand on it, pixels, given the noise left in the smoothed landmarks
    /// (`smoothed_noise`, pixels).
    pub fn reach(&self, leg_length: f64, smoothed_noise: f64) -> f64 {
        (self.noise_factor * smoothed_noise).max(self.min_ll * leg_length)
    }
}

/// One foot's contact with the ground: from initial contact to toe-off.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Stance {
    pub side: Side,
    /// Initial contact, seconds (interpolated between frames).
    pub ic_t: f64,
    /// Toe-off, seconds (interpolated between frames).
    pub to_t: f64,
    /// First frame in contact.
    pub ic_frame: usize,
    /// Last frame in contact.
    pub to_frame: usize,
}

impl Stance {
    pub fn contains(&self, frame: usize) -> bool {
        (self.ic_frame..=self.to_frame).contains(&frame)
    }

    /// Sets the contact's frames from its instants, frames at times `t`: the first frame at or after the initial
    /// contact and the last at or before the toe-off. With `open_end`, a contact still going on at the last frame
    /// keeps the last frame as its end.
    pub(crate) fn frames_from_instants(&mut self, t: &[f64], open_end: bool) {
        let last = t.len().saturating_sub(1);
        let ic_frame = t.partition_point(|&x| x < self.ic_t).min(last);
        let to_frame = t.partition_point(|&x| x <= self.to_t).saturating_sub(1).max(ic_frame);
        (self.ic_frame, self.to_frame) = (ic_frame, if open_end && self.to_frame == last { last } else { to_frame });
    }
}

/// The frame (exclusive) where the swing after stance `k` of `stances` (sorted by initial contact) ends, for a clip
/// of `n_frames` (docs/metrics.md §Per-step metrics, the pull): the foot's next initial contact. Feet alternate, so
/// when the other foot lands twice before it, a contact of this foot was missed, and the swing ends at the other
/// foot's first toe-off after stance `k` instead (the missed landing comes after it); the end of the clip when
/// neither is seen.
pub(crate) fn swing_end(stances: &[Stance], k: usize, n_frames: usize) -> usize {
    let side = stances[k].side;
    let own_next = stances[k + 1..].iter().find(|s| s.side == side).map(|s| s.ic_frame);
    let mut others = stances[k + 1..].iter().filter(|s| s.side != side);
    let (first_other, second_other) = (others.next(), others.next());
    let missed = second_other.is_some_and(|s2| own_next.is_none_or(|own| s2.ic_frame < own));
    let end = if missed { first_other.map(|s| s.to_frame + 1) } else { own_next };
    end.unwrap_or(n_frames).min(n_frames)
}

/// Settings of the contact detector, documented in docs/metrics.md §Gait events: `default()` for a pose model's
/// landmarks, `markers()` for motion-capture markers on the shoe.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ContactParams {
    /// Contact threshold above the foot's resting level, leg lengths (the least threshold).
    pub min_threshold_ll: f64,
    /// Contact threshold as a share of the foot's height range (5th to 95th percentile).
    pub range_fraction: f64,
    /// Contact threshold as a multiple of the noise left in the smoothed landmarks (their measured jitter,
    /// `cleaning::landmark_jitter_ll`, times the square root of the share of the band the smoother keeps), so that
    /// noise alone never makes or breaks a contact.
    pub noise_factor: f64,
    /// Allowance for the heel point's height above the ground at heel strike, leg lengths (`HEEL_ALLOWANCE_LL` for
    /// BlazePose; 0 for a marker on the shoe's heel).
    pub heel_allowance_ll: f64,
    /// Measure the heel and the toe each from its own resting level (its 5th-percentile height) and take the lower:
    /// markers sit at fixed heights on the shoe (a heel marker lower than the metatarsal markers), and the foot's
    /// lowest marker changes as it rolls from heel to toe.
    pub per_point_rest: bool,
    /// Move each threshold crossing along the foot's speed to the instant it reaches its resting level (a pose
    /// model's foot point stops dead at the ground). Off for markers: the shoe's sole compresses about a centimetre
    /// under load, so a marker touches down near the threshold height and only then sinks to its resting level.
    pub extrapolate_to_rest: bool,
    /// Contacts shorter than this are noise, seconds.
    pub min_contact_s: f64,
    /// Gaps in contact shorter than this are noise, seconds.
    pub min_gap_s: f64,
    /// Refine each initial contact to the landing point's touchdown (`refine_initial_contacts`), where the landmarks
    /// are exact enough: on for markers.
    pub refine_ic: bool,
    /// Align each foot's events to its average step (`align_events`): on for markers, where there are enough steps.
    pub align_events: bool,
    /// A contact still going on at the last frame is returned too, ending at that frame: the live view's newest
    /// frames have a support foot (docs/metrics.md §Live analysis). `analyze` measures no step on it.
    pub open_end: bool,
    /// Re-time each event by the foot's footprint (`footprint::time_by_footprints`): on for a pose model's
    /// landmarks, whose foot heights are too noisy to time a landing by, off for markers.
    pub footprint: Option<FootprintParams>,
}

impl Default for ContactParams {
    fn default() -> Self {
        Self {
            min_threshold_ll: 0.05,
            range_fraction: 0.1,
            noise_factor: 3.0,
            heel_allowance_ll: HEEL_ALLOWANCE_LL,
            per_point_rest: false,
            extrapolate_to_rest: true,
            min_contact_s: 0.08,
            min_gap_s: 0.2,
            refine_ic: false,
            align_events: false,
            open_end: false,
            footprint: Some(FootprintParams::default()),
        }
    }
}

impl ContactParams {
    /// For motion-capture markers on the shoe: their heights are exact to a few millimetres, so the threshold is
    /// 1.5 % of the leg (about 13 mm) unless their jitter asks for more; each marker is measured from its own resting
    /// level, so the heel needs no allowance.
    pub fn markers() -> Self {
        Self {
            min_threshold_ll: 0.015,
            range_fraction: 0.0,
            heel_allowance_ll: 0.0,
            per_point_rest: true,
            extrapolate_to_rest: false,
            refine_ic: true,
            align_events: true,
            footprint: None,
            ..Self::default()
        }
    }
}

/// How far from the threshold crossing `refine_initial_contacts` looks for the touchdown, seconds.
pub const REFINE_WINDOW_S: f64 = 0.03;

/// Moves each stance's initial contact to the touchdown of the foot's first point to land (docs/metrics.md §Gait
/// events): a point falling onto the ground is fastest just before it touches and slows from then on, so its
/// touchdown is its peak downward speed. Within `REFINE_WINDOW_S` of the threshold crossing, the heel's and the
/// toe's peak downward speeds (local minima of the vertical velocity, interpolated) are found and the earlier is
/// taken: the toe of a forefoot strike, whose heel only drops later, and the heel of a heel strike, whose forefoot
/// slaps down later. A stance where neither point has such a peak keeps its threshold crossing. Only for landmarks
/// exact to millimetres (markers): noise makes velocity peaks meaningless.
pub(crate) fn refine_initial_contacts(stances: &mut [Stance], frames: &[PoseFrame], ground: &GroundFrame) {
    let t: Vec<f64> = frames.iter().map(|f| f.t).collect();
    for stance in stances.iter_mut() {
        let side = stance.side;
        let peak = |l: Landmark| -> Option<(f64, f64)> {
            let h = |i: usize| frames[i].pose.as_ref().map(|p| ground.foot_height(side, p.pt(l)));
            let v = |i: usize| Some((h(i + 1)? - h(i - 1)?) / (t[i + 1] - t[i - 1]));
            let mut best: Option<(f64, f64)> = None; // (speed, time)
            for i in 2..t.len().saturating_sub(2) {
                if (t[i] - stance.ic_t).abs() > REFINE_WINDOW_S {
                    continue;
                }
                let (Some(a), Some(b), Some(c)) = (v(i - 1), v(i), v(i + 1)) else { continue };
                if !(b < a && b <= c) || best.is_some_and(|(speed, _)| speed <= b) {
                    continue;
                }
                let curvature = a - 2.0 * b + c;
                let shift =
                    if curvature.abs() > f64::EPSILON { (0.5 * (a - c) / curvature).clamp(-0.5, 0.5) } else { 0.0 };
                let step = if shift >= 0.0 { t[i + 1] - t[i] } else { t[i] - t[i - 1] };
                best = Some((b, t[i] + shift * step));
            }
            best
        };
        let touchdowns = [peak(side.heel()), peak(side.toe())];
        if let Some(first) = touchdowns.iter().flatten().map(|&(_, at)| at).reduce(f64::min) {
            stance.ic_t = first;
        }
    }
}

/// Where one foot counts as on the ground (docs/metrics.md §Gait events): its resting level, the range of its
/// contact heights and the threshold above which it is in the air, pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ContactLevel {
    pub rest: f64,
    /// 5th to 95th percentile of the contact heights.
    pub range: f64,
    pub threshold: f64,
}

impl ContactLevel {
    /// The level of a contact height series `h`: resting level its 5th percentile, threshold that plus the largest of
    /// the least threshold, the share of the range and the multiple of the noise left in the landmarks (`jitter`,
    /// pixels).
    pub fn of(h: &[Option<f64>], leg_length: f64, jitter: f64, params: &ContactParams) -> Option<Self> {
        let seen: Vec<f64> = h.iter().flatten().copied().collect();
        let (rest, top) = (percentile(&seen, 0.05)?, percentile(&seen, 0.95)?);
        Some(Self::new(rest, top - rest, leg_length, jitter, params))
    }

    pub(crate) fn new(rest: f64, range: f64, leg_length: f64, jitter: f64, params: &ContactParams) -> Self {
        let above =
            (params.min_threshold_ll * leg_length).max(params.range_fraction * range).max(params.noise_factor * jitter);
        Self { rest, range, threshold: rest + above }
    }

    /// Whether noise, not the least threshold, set this level: the landmarks are then too noisy for the touchdown
    /// refinement (`refine_initial_contacts`).
    pub fn noise_bound(jitter: f64, leg_length: f64, params: &ContactParams) -> bool {
        params.noise_factor * jitter > params.min_threshold_ll * leg_length
    }
}

/// The median interval between consecutive time stamps `t`, seconds.
pub(crate) fn frame_interval(t: &[f64]) -> Option<f64> {
    median(&t.windows(2).map(|w| w[1] - w[0]).filter(|d| *d > 0.0).collect::<Vec<_>>())
}

/// Detects the stances of one foot from its height series `h` (the foot's lowest point above the ground line,
/// pixels; `None` where the person is not seen) at times `t`; `jitter` is the noise left in the smoothed landmarks,
/// pixels. A foot is in contact while its height is within the threshold of its resting level (`ContactLevel`);
/// initial contact and toe-off are the threshold crossings, interpolated between frames and corrected for the
/// threshold's height (see `stances_at`). Only stances whose both ends are seen are returned.
#[cfg(test)]
pub(crate) fn detect_stances(
    side: Side,
    t: &[f64],
    h: &[Option<f64>],
    leg_length: f64,
    jitter: f64,
    params: ContactParams,
) -> Vec<Stance> {
    match ContactLevel::of(h, leg_length, jitter, &params) {
        Some(level) => stances_at(side, t, h, level, frame_interval(t).unwrap_or(0.0), params),
        None => Vec::new(),
    }
}

/// The stances of one foot at a known contact level (`detect_stances`); `frame_interval` is the camera's, seconds
/// (the most a crossing moves along the speed, even where `t` is finer).
pub(crate) fn stances_at(
    side: Side,
    t: &[f64],
    h: &[Option<f64>],
    level: ContactLevel,
    frame_interval: f64,
    params: ContactParams,
) -> Vec<Stance> {
    let ContactLevel { rest, threshold, .. } = level;
    // Runs of frames in contact, as (first, last) frame indices; None breaks a run and unknown edges are dropped.
    let mut runs: Vec<(usize, usize, bool, bool)> = Vec::new(); // (first, last, start_seen, end_seen)
    let mut open: Option<(usize, bool)> = None;
    for i in 0..h.len() {
        match (h[i], open) {
            (Some(v), None) if v <= threshold => open = Some((i, i > 0 && h[i - 1].is_some())),
            (Some(v), Some((first, seen_start))) if v > threshold => {
                runs.push((first, i - 1, seen_start, true));
                open = None;
            }
            (None, Some((first, seen_start))) => {
                runs.push((first, i - 1, seen_start, false));
                open = None;
            }
            _ => {}
        }
    }
    if let Some((first, seen_start)) = open {
        runs.push((first, h.len() - 1, seen_start, false));
    }
    // The instant the foot is at its resting level, from the threshold crossing between frame i and i + 1: the
    // crossing is interpolated linearly, then moved along the foot's vertical speed by the time the foot takes to
    // cover the threshold's height above rest (at most one frame interval): later for a landing foot, which crosses
    // the threshold before it touches down, earlier for a lifting foot, which crosses it after it has left.
    let crossing = |i: usize| -> f64 {
        let (a, b) = (h[i].unwrap_or(threshold), h[i + 1].unwrap_or(threshold));
        let dt = t[i + 1] - t[i];
        if (b - a).abs() <= f64::EPSILON {
            return t[i] + 0.5 * dt;
        }
        let w = ((threshold - a) / (b - a)).clamp(0.0, 1.0);
        let speed = (b - a) / dt; // negative while landing, positive while lifting off
        let lag = if params.extrapolate_to_rest { ((threshold - rest) / speed.abs()).min(frame_interval) } else { 0.0 };
        t[i] + w * dt - lag * speed.signum()
    };
    // Merge runs separated by a short gap, then drop short runs.
    let mut merged: Vec<(usize, usize, bool, bool)> = Vec::new();
    for run in runs {
        if let Some(last) = merged.last_mut()
            && run.0 > 0
            && last.3
            && run.2
            && crossing(run.0 - 1) - crossing(last.1) < params.min_gap_s
        {
            last.1 = run.1;
            last.3 = run.3;
            continue;
        }
        merged.push(run);
    }
    let last_frame = h.len().saturating_sub(1);
    merged
        .into_iter()
        .filter(|&(_, last, start_seen, end_seen)| start_seen && (end_seen || (params.open_end && last == last_frame)))
        .map(|(first, last, _, end_seen)| Stance {
            side,
            ic_t: crossing(first - 1),
            to_t: if end_seen { crossing(last) } else { t[last] },
            ic_frame: first,
            to_frame: last,
        })
        // A contact still going on may be young: it is not noise for being short yet.
        .filter(|s| s.to_t - s.ic_t >= params.min_contact_s || (params.open_end && s.to_frame == last_frame))
        .collect()
}
