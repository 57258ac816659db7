//! Body scale, running direction, the ground line, and gait events (initial contact and toe-off) per foot.
//! Definitions: docs/metrics.md §Scale and direction, §Ground line, §Gait events.

use serde::Serialize;

use crate::PoseFrame;
use crate::skeleton::{Facing, Landmark, Point, Pose, Side};
use crate::stats::{median, percentile};

/// Landmarks below this visibility are not used to estimate the body scale.
const SCALE_MIN_SCORE: f64 = 0.5;

/// Leg length in pixels: the median over frames of the longer side's thigh (hip–knee) plus shank (knee–ankle).
/// Segment lengths do not change as the knee bends, so this is a stable scale for a side view.
pub fn leg_length(frames: &[PoseFrame]) -> Option<f64> {
    let lengths: Vec<f64> = frames
        .iter()
        .filter_map(|f| f.pose.as_ref())
        .filter_map(|p| {
            Side::BOTH
                .iter()
                .filter(|s| [s.hip(), s.knee(), s.ankle()].iter().all(|&l| p.kp(l).score >= SCALE_MIN_SCORE))
                .map(|s| p.pt(s.hip()).dist(p.pt(s.knee())) + p.pt(s.knee()).dist(p.pt(s.ankle())))
                .max_by(f64::total_cmp)
        })
        .collect();
    median(&lengths).filter(|&l| l > 0.0)
}

/// Running direction from the whole sequence (never frame by frame): each frame votes with the direction its toes
/// point from the heels and its nose points from the ears.
pub fn detect_facing(frames: &[PoseFrame]) -> Facing {
    let vote: f64 = frames
        .iter()
        .filter_map(|f| f.pose.as_ref())
        .map(|p| {
            let feet: f64 = Side::BOTH.iter().map(|s| (p.pt(s.toe()).x - p.pt(s.heel()).x).signum()).sum();
            let head = (p.pt(Landmark::Nose).x - p.mid(Landmark::LeftEar, Landmark::RightEar).x).signum();
            feet + head
        })
        .sum();
    if vote < 0.0 { Facing::Left } else { Facing::Right }
}

/// The side of the body nearer the camera, from BlazePose's relative depth (negative towards the camera) of the
/// shoulders, hips and knees over the whole sequence.
pub fn near_side(frames: &[PoseFrame]) -> Side {
    let diffs: Vec<f64> = frames
        .iter()
        .filter_map(|f| f.pose.as_ref())
        .map(|p| {
            [Landmark::LeftShoulder, Landmark::LeftHip, Landmark::LeftKnee]
                .iter()
                .map(|&l| p.kp(l).z - p.kp(l.mirrored()).z)
                .sum::<f64>()
        })
        .collect();
    if median(&diffs).unwrap_or(0.0) <= 0.0 { Side::Left } else { Side::Right }
}

/// Where one foot meets the ground in the image, as a function of x: knots (x, y) joined by straight lines and held
/// level beyond the ends. A treadmill belt seen obliquely, or the foot rolling from heel to toe, bends and slopes
/// this path, so it is learnt from the data rather than assumed flat (docs/metrics.md §Ground line).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroundProfile {
    pub knots: Vec<(f64, f64)>,
}

/// Width of the x bins of a ground profile, leg lengths.
pub const PROFILE_BIN_LL: f64 = 0.2;
/// Quantile of the lowest-point image heights in a bin that is taken as ground (the foot is on the ground in
/// about a third to two thirds of the frames it is over a bin; the highest y's are contact).
pub const PROFILE_QUANTILE: f64 = 0.8;
/// Least number of frames in a bin for a knot.
const PROFILE_MIN_POINTS: usize = 5;

impl GroundProfile {
    pub fn level(y: f64) -> Self {
        Self { knots: vec![(0.0, y)] }
    }

    /// Learns the profile from a foot's lowest points: one knot per bin of `PROFILE_BIN_LL` leg lengths, at the
    /// bin's mean x and the `PROFILE_QUANTILE` of its image heights.
    pub fn fit(points: &[Point], leg_length: f64) -> Option<Self> {
        let width = PROFILE_BIN_LL * leg_length;
        let mut bins: std::collections::BTreeMap<i64, Vec<Point>> = std::collections::BTreeMap::new();
        for p in points.iter().filter(|p| p.is_finite()) {
            bins.entry((p.x / width).floor() as i64).or_default().push(*p);
        }
        let mut knots: Vec<(f64, f64)> = bins
            .values()
            .filter(|b| b.len() >= PROFILE_MIN_POINTS)
            .filter_map(|b| {
                let x = b.iter().map(|p| p.x).sum::<f64>() / b.len() as f64;
                Some((x, percentile(&b.iter().map(|p| p.y).collect::<Vec<_>>(), PROFILE_QUANTILE)?))
            })
            .collect();
        if knots.is_empty() {
            let seen = || points.iter().filter(|p| p.is_finite());
            let xs: Vec<f64> = seen().map(|p| p.x).collect();
            let ys: Vec<f64> = seen().map(|p| p.y).collect();
            knots.push((median(&xs)?, percentile(&ys, PROFILE_QUANTILE)?));
        }
        Some(Self { knots })
    }

    /// Image y of the ground at `x`.
    pub fn y_at(&self, x: f64) -> f64 {
        let k = &self.knots;
        let after = k.partition_point(|&(kx, _)| kx < x);
        match after {
            0 => k[0].1,
            n if n >= k.len() => k[k.len() - 1].1,
            n => {
                let ((x0, y0), (x1, y1)) = (k[n - 1], k[n]);
                y0 + (y1 - y0) * (x - x0) / (x1 - x0)
            }
        }
    }
}

/// The measuring frame: each foot's ground profile for heights, a straight ground line for drawing, and the
/// directions for angles. Angles are measured from the image vertical, so the camera is assumed level (not
/// rolled); the ground itself may slope in the image, as a treadmill belt seen obliquely does. Each foot has its own
/// profile because the near and far foot run on tracks at different depths (docs/metrics.md §Ground line).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroundFrame {
    /// The ground line y = a + b x: least squares through both feet's profile knots.
    pub a: f64,
    pub b: f64,
    /// Ground profile of each foot `[left, right]`.
    pub feet: [GroundProfile; 2],
    /// Unit vector in the running direction (image x, signed by facing).
    pub forward: Point,
    /// Unit vector up (image −y).
    pub up: Point,
}

impl GroundFrame {
    pub fn new(feet: [GroundProfile; 2], facing: Facing) -> Self {
        let knots: Vec<Point> = feet.iter().flat_map(|f| f.knots.iter().map(|&(x, y)| Point::new(x, y))).collect();
        let n = knots.len() as f64;
        let (mx, my) = (knots.iter().map(|p| p.x).sum::<f64>() / n, knots.iter().map(|p| p.y).sum::<f64>() / n);
        let sxx: f64 = knots.iter().map(|p| (p.x - mx).powi(2)).sum();
        let b = if sxx > 1e-9 { knots.iter().map(|p| (p.x - mx) * (p.y - my)).sum::<f64>() / sxx } else { 0.0 };
        Self { a: my - b * mx, b, feet, forward: Point::new(facing.sign(), 0.0), up: Point::new(0.0, -1.0) }
    }

    /// Level ground at image height `y` for both feet.
    pub fn level(y: f64, facing: Facing) -> Self {
        Self::new([GroundProfile::level(y), GroundProfile::level(y)], facing)
    }

    /// Height of a point above the ground line, pixels (positive up, measured vertically).
    pub fn height(&self, p: Point) -> f64 {
        self.a + self.b * p.x - p.y
    }

    /// Height of a point of `side`'s foot above that foot's ground profile, pixels.
    pub fn foot_height(&self, side: Side, p: Point) -> f64 {
        self.feet[side.index()].y_at(p.x) - p.y
    }

    /// Signed angle from the upward vertical of the vector `v`, degrees, positive when it leans forward.
    pub fn lean_deg(&self, v: Point) -> f64 {
        v.dot(self.forward).atan2(v.dot(self.up)).to_degrees()
    }

    /// Signed horizontal distance of `p` ahead of `origin`, pixels.
    pub fn ahead(&self, p: Point, origin: Point) -> f64 {
        (p - origin).dot(self.forward)
    }

    /// Angle of a foot's heel-to-toe line above the horizontal, degrees (positive: toes up).
    pub fn foot_angle_deg(&self, heel: Point, toe: Point) -> f64 {
        let v = toe - heel;
        v.dot(self.up).atan2(v.dot(self.forward)).to_degrees()
    }
}

/// The lowest point (largest image y) of a foot: its heel or its toe.
pub fn foot_low_point(pose: &Pose, side: Side) -> Point {
    let (h, t) = (pose.pt(side.heel()), pose.pt(side.toe()));
    if h.y >= t.y { h } else { t }
}

/// How far BlazePose's heel landmark (the back of the heel) sits above the ground when the heel is the foot's
/// lowest point, leg lengths: at heel strike the shoe's heel and the dorsiflexed foot hold it about 5 cm up
/// (measured on the real treadmill clip: 0.055 leg lengths between heel strike and flat foot).
pub const HEEL_ALLOWANCE_LL: f64 = 0.06;

/// The height that decides ground contact for one foot, pixels: its lowest point above the foot's ground profile,
/// less `heel_allowance_ll` leg lengths when that point is the heel (docs/metrics.md §Gait events).
pub fn contact_height(ground: &GroundFrame, pose: &Pose, side: Side, leg_length: f64, heel_allowance_ll: f64) -> f64 {
    let low = foot_low_point(pose, side);
    let heel_first = pose.pt(side.heel()).y > pose.pt(side.toe()).y;
    ground.foot_height(side, low) - if heel_first { heel_allowance_ll * leg_length } else { 0.0 }
}

/// The contact height series of one foot (`contact_height` per frame; `None` without a person), or with
/// `params.per_point_rest` the lower of the heel's and the toe's heights above their own resting levels.
pub fn contact_heights(
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

/// Learns each foot's ground profile from its lowest points over the sequence. With `level`, the ground is known to
/// be level in the view (markers in a lab frame): each foot's profile is then one level, the `PROFILE_QUANTILE` of
/// all its lowest points, which bins would bias where the foot hovers in late swing and touches only briefly.
pub fn fit_ground(frames: &[PoseFrame], leg_length: f64, facing: Facing, level: bool) -> Option<GroundFrame> {
    let profile = |side: Side| {
        let lows: Vec<Point> = frames.iter().filter_map(|f| f.pose.as_ref()).map(|p| foot_low_point(p, side)).collect();
        if level {
            let ys: Vec<f64> = lows.iter().map(|p| p.y).filter(|y| y.is_finite()).collect();
            return Some(GroundProfile::level(percentile(&ys, PROFILE_QUANTILE)?));
        }
        GroundProfile::fit(&lows, leg_length)
    };
    Some(GroundFrame::new([profile(Side::Left)?, profile(Side::Right)?], facing))
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
}

/// The frame (exclusive) where the swing after stance `k` of `stances` (sorted by initial contact) ends, for a clip
/// of `n_frames` (docs/metrics.md §Per-step metrics, the pull): the foot's next initial contact. Feet alternate, so
/// when the other foot lands twice before it, a contact of this foot was missed, and the swing ends at the other
/// foot's first toe-off after stance `k` instead (the missed landing comes after it); the end of the clip when
/// neither is seen.
pub fn swing_end(stances: &[Stance], k: usize, n_frames: usize) -> usize {
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
    /// `filter::landmark_jitter_ll`, times the square root of the share of the band the smoother keeps), so that
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
    pub footprint: Option<crate::footprint::FootprintParams>,
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
            footprint: Some(crate::footprint::FootprintParams::default()),
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
pub fn refine_initial_contacts(stances: &mut [Stance], frames: &[PoseFrame], ground: &GroundFrame) {
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

    fn new(rest: f64, range: f64, leg_length: f64, jitter: f64, params: &ContactParams) -> Self {
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
pub fn frame_interval(t: &[f64]) -> Option<f64> {
    median(&t.windows(2).map(|w| w[1] - w[0]).filter(|d| *d > 0.0).collect::<Vec<_>>())
}

/// Detects the stances of one foot from its height series `h` (the foot's lowest point above the ground line,
/// pixels; `None` where the person is not seen) at times `t`; `jitter` is the noise left in the smoothed landmarks,
/// pixels. A foot is in contact while its height is within the threshold of its resting level (`ContactLevel`);
/// initial contact and toe-off are the threshold crossings, interpolated between frames and corrected for the
/// threshold's height (see `stances_at`). Only stances whose both ends are seen are returned.
pub fn detect_stances(
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
pub fn stances_at(
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
        let ic_frame = t.partition_point(|&x| x < s.ic_t).min(last);
        let to_frame = t.partition_point(|&x| x <= s.to_t).saturating_sub(1).max(ic_frame);
        (s.ic_frame, s.to_frame) = (ic_frame, if params.open_end && s.to_frame == last { last } else { to_frame });
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_swing_ends_at_the_next_contact_of_its_foot_or_where_a_missed_one_must_be() {
        let st = |side, ic_frame: usize, to_frame: usize| Stance {
            side,
            ic_t: ic_frame as f64,
            to_t: to_frame as f64,
            ic_frame,
            to_frame,
        };
        let (l, r) = (Side::Left, Side::Right);
        let run = [st(l, 0, 6), st(r, 9, 15), st(l, 18, 24), st(r, 27, 33)];
        assert_eq!(swing_end(&run, 0, 40), 18, "the next left contact");
        assert_eq!(swing_end(&run, 2, 40), 40, "no left contact follows: the clip's end");
        // The left contact at 18 was missed: the right foot lands twice, so the swing ends at its toe-off (15).
        let missed = [st(l, 0, 6), st(r, 9, 15), st(r, 27, 33), st(l, 36, 42)];
        assert_eq!(swing_end(&missed, 0, 50), 16);
        assert_eq!(swing_end(&missed[..3], 0, 50), 16, "also when no left contact follows at all");
    }

    #[test]
    fn ground_frame_measures_heights_per_foot_and_lean_from_the_vertical() {
        // Left foot's track slopes down to the right by 0.2, the right foot's is level and higher in the image.
        let left = GroundProfile { knots: vec![(0.0, 500.0), (200.0, 540.0)] };
        let g = GroundFrame::new([left, GroundProfile::level(480.0)], Facing::Right);
        assert!((g.foot_height(Side::Left, Point::new(100.0, 520.0))).abs() < 1e-9);
        assert!((g.foot_height(Side::Left, Point::new(100.0, 480.0)) - 40.0).abs() < 1e-9);
        assert!((g.foot_height(Side::Left, Point::new(400.0, 540.0))).abs() < 1e-9, "held level past the last knot");
        assert!((g.foot_height(Side::Right, Point::new(100.0, 470.0)) - 10.0).abs() < 1e-9);
        // Angles are from the image vertical whatever the ground's slope.
        assert!(g.lean_deg(Point::new(0.0, -1.0)).abs() < 1e-9);
        let ten = Point::new(10f64.to_radians().sin(), -10f64.to_radians().cos());
        assert!((g.lean_deg(ten) - 10.0).abs() < 1e-9);
        // Facing left flips the forward direction, so the same vector leans backwards.
        let gl = GroundFrame::level(500.0, Facing::Left);
        assert!((gl.lean_deg(ten) + 10.0).abs() < 1e-9);
        assert!((g.foot_angle_deg(Point::new(0.0, 0.0), Point::new(10.0, -10.0)) - 45.0).abs() < 1e-9);
    }

    #[test]
    fn ground_profile_follows_the_contact_level_under_the_swing() {
        // Contact points on a line of slope 0.2 (y = 1100 + 0.2 x) for x in 200..400, plus swing points well above.
        let mut points: Vec<Point> = (0..40)
            .map(|i| {
                let x = 200.0 + 5.0 * i as f64;
                Point::new(x, 1100.0 + 0.2 * x + if i % 2 == 0 { 1.5 } else { -1.5 })
            })
            .collect();
        points.extend((0..60).map(|i| Point::new(150.0 + 5.0 * i as f64, 1000.0 + (i % 7) as f64 * 10.0)));
        let profile = GroundProfile::fit(&points, 300.0).unwrap();
        for x in [230.0, 300.0, 370.0] {
            let want = 1100.0 + 0.2 * x;
            assert!((profile.y_at(x) - want).abs() < 6.0, "ground at {x}: {} vs {want}", profile.y_at(x));
        }
    }

    /// Foot height of a runner: on the ground (0) from `ic` to `to` in each 0.7 s stride, a half sine up to 100 px in
    /// between; sampled at `fps`.
    fn synthetic_foot(fps: f64, seconds: f64, phase: f64) -> (Vec<f64>, Vec<Option<f64>>) {
        let (stride, contact) = (0.7, 0.25);
        let n = (seconds * fps) as usize;
        let t: Vec<f64> = (0..n).map(|i| i as f64 / fps).collect();
        let h = t
            .iter()
            .map(|&t| {
                let p = (t - phase).rem_euclid(stride);
                Some(if p < contact {
                    0.0
                } else {
                    100.0 * (std::f64::consts::PI * (p - contact) / (stride - contact)).sin()
                })
            })
            .collect();
        (t, h)
    }

    #[test]
    fn stances_are_found_with_subframe_timing() {
        let (t, h) = synthetic_foot(30.0, 5.0, 0.1);
        let stances = detect_stances(Side::Left, &t, &h, 400.0, 0.0, ContactParams::default());
        // Contacts begin at 0.1 + 0.7k; the first (0.1) has its start seen because frame 2 (0.067 s) is in the air.
        let expected_ic: Vec<f64> = (0..7).map(|k| 0.1 + 0.7 * k as f64).filter(|&ic| ic + 0.3 < 5.0).collect();
        assert_eq!(stances.len(), expected_ic.len(), "{stances:?}");
        for (s, ic) in stances.iter().zip(expected_ic) {
            // The threshold (12 px on a 0..100 px swing) is crossed within a few ms of the true instant.
            assert!((s.ic_t - ic).abs() < 0.012, "ic {} vs {ic}", s.ic_t);
            assert!((s.to_t - (ic + 0.25)).abs() < 0.012, "to {} vs {}", s.to_t, ic + 0.25);
            assert_eq!(s.side, Side::Left);
        }
    }

    /// A forefoot landing at `touchdown`: the toe falls ever faster, touches, then sinks 1 cm more (sole and soft
    /// tissue) at a falling speed; the heel lands the same way 40 ms later.
    fn forefoot_landing(fps: f64, touchdown: f64) -> Vec<PoseFrame> {
        let ground_y = 500.0;
        let height = |t: f64, at: f64, offset: f64| {
            let dt = t - at;
            if dt < 0.0 { offset + 1000.0 * -dt - 800.0 * dt * dt } else { offset - 10.0 * (1.0 - (-dt / 0.01).exp()) }
        };
        (0..(0.3 * fps) as usize)
            .map(|i| {
                let t = i as f64 / fps;
                let mut pose = Pose::new([crate::Keypoint::default(); crate::NUM_LANDMARKS]);
                pose.kp_mut(Landmark::LeftFootIndex).y = ground_y - height(t, touchdown, 10.0);
                pose.kp_mut(Landmark::LeftHeel).y = ground_y - height(t, touchdown + 0.04, 10.0);
                PoseFrame { t, pose: Some(pose) }
            })
            .collect()
    }

    #[test]
    fn initial_contacts_are_refined_to_the_first_touchdown() {
        for fps in [150.0, 60.0] {
            let touchdown = 0.1234;
            // Smoothed as the pipeline smooths every landmark before detecting events.
            let mut frames = forefoot_landing(fps, touchdown);
            crate::filter::smooth_offline(&mut frames);
            let ground = GroundFrame::level(500.0, Facing::Right);
            // A threshold crossing 20 ms early, as a heel hovering near its resting level gives.
            let mut stances =
                vec![Stance { side: Side::Left, ic_t: touchdown - 0.02, to_t: 0.28, ic_frame: 0, to_frame: 1 }];
            refine_initial_contacts(&mut stances, &frames, &ground);
            // Within one 60 fps frame (the validation's requirement), and nearer than the crossing was.
            assert!((stances[0].ic_t - touchdown).abs() < 1.0 / 60.0, "{fps} fps: {} vs {touchdown}", stances[0].ic_t);
            assert!((stances[0].ic_t - touchdown).abs() < 0.015, "{fps} fps: {} vs {touchdown}", stances[0].ic_t);
            // Where no point has a peak of downward speed near the crossing, the crossing stays.
            let mut far = vec![Stance { side: Side::Left, ic_t: 0.25, to_t: 0.28, ic_frame: 0, to_frame: 1 }];
            refine_initial_contacts(&mut far, &frames, &ground);
            assert_eq!(far[0].ic_t, 0.25);
        }
    }

    #[test]
    fn noise_spikes_and_unseen_edges_make_no_stance() {
        let (t, mut h) = synthetic_foot(60.0, 3.0, 0.0);
        // The clip starts in contact: that stance's start is not seen, so it is not reported.
        // A one-frame dip to the ground mid-swing is too short to be a contact.
        let mid_swing = (0.45 * 60.0) as usize;
        h[mid_swing] = Some(0.0);
        // Lose the person during the second contact.
        for v in &mut h[(0.75 * 60.0) as usize..(0.8 * 60.0) as usize] {
            *v = None;
        }
        let stances = detect_stances(Side::Right, &t, &h, 400.0, 0.0, ContactParams::default());
        assert!(stances.iter().all(|s| s.ic_t > 1.0), "{stances:?}");
        // 0.0 starts unseen, 0.7 is broken by the lost frames, 2.8 is cut by the end: 1.4 and 2.1 remain.
        assert_eq!(stances.len(), 2, "{stances:?}");
        assert!(
            (stances[0].ic_t - 1.4).abs() < 1.0 / 60.0 && (stances[1].ic_t - 2.1).abs() < 1.0 / 60.0,
            "{stances:?}"
        );
    }
}
