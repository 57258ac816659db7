//! The ground line under each foot and a foot's height above it (docs/metrics.md §Ground line).

use serde::Serialize;

use crate::PoseFrame;
use crate::skeleton::{Facing, Point, Pose, Side};
use crate::stats::{median, percentile};

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
pub(crate) fn foot_low_point(pose: &Pose, side: Side) -> Point {
    let (h, t) = (pose.pt(side.heel()), pose.pt(side.toe()));
    if h.y >= t.y { h } else { t }
}

/// Learns each foot's ground profile from its lowest points over the sequence. With `level`, the ground is known to
/// be level in the view (markers in a lab frame): each foot's profile is then one level, the `PROFILE_QUANTILE` of
/// all its lowest points, which bins would bias where the foot hovers in late swing and touches only briefly.
pub(crate) fn fit_ground(frames: &[PoseFrame], leg_length: f64, facing: Facing, level: bool) -> Option<GroundFrame> {
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
