//! A coach's markup of a clip (docs/recording.md §Markup): shapes drawn on frames (line, angle, vertical reference,
//! circle, arrow, text note, freehand) and landmark corrections, with undo and redo. Pure data: the app saves it as
//! versioned JSON beside the clip, and a correction changes the poses the analysis is computed from.

use serde::{Deserialize, Serialize};

use crate::skeleton::PoseFrame;
use crate::skeleton::{Landmark, Point};

/// The markup file's `format`.
pub const MARKUP_FORMAT: &str = "runpose-markup";
/// The markup file's `version`. A file of a newer version is refused (and never overwritten without asking).
pub const MARKUP_VERSION: u32 = 1;

/// A shape on one frame, in the frame's pixels.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Shape {
    Line {
        a: Point,
        b: Point,
    },
    /// The angle at `vertex` between the rays to `a` and `b` (`angle_deg`).
    Angle {
        a: Point,
        vertex: Point,
        b: Point,
    },
    /// A vertical line through `at`, the whole height of the frame: the reference for alignment and lean.
    Vertical {
        at: Point,
    },
    Circle {
        center: Point,
        radius: f64,
    },
    Arrow {
        from: Point,
        to: Point,
    },
    Text {
        at: Point,
        text: String,
    },
    Freehand {
        points: Vec<Point>,
    },
}

/// The angle at `vertex` between the rays to `a` and `b`, degrees (0 to 180; 0 if a ray has no length).
pub(crate) fn angle_deg(a: Point, vertex: Point, b: Point) -> f64 {
    if a == vertex || b == vertex {
        return 0.0;
    }
    vertex.angle_between_deg(a, b)
}

/// Distance from `p` to the segment `a`–`b`.
fn segment_distance(p: Point, a: Point, b: Point) -> f64 {
    let d = b - a;
    let len2 = d.dot(d);
    let s = if len2 == 0.0 { 0.0 } else { ((p - a).dot(d) / len2).clamp(0.0, 1.0) };
    p.dist(a.lerp(b, s))
}

impl Shape {
    /// The shape's value to show beside it: the angle of an angle, the length of a line or arrow (pixels).
    pub fn value(&self) -> Option<f64> {
        match self {
            Shape::Angle { a, vertex, b } => Some(angle_deg(*a, *vertex, *b)),
            Shape::Line { a, b } | Shape::Arrow { from: a, to: b } => Some(a.dist(*b)),
            _ => None,
        }
    }

    /// How far `p` is from the shape's drawn lines (a text note: from its anchor).
    pub fn distance(&self, p: Point) -> f64 {
        match self {
            Shape::Line { a, b } | Shape::Arrow { from: a, to: b } => segment_distance(p, *a, *b),
            Shape::Angle { a, vertex, b } => segment_distance(p, *vertex, *a).min(segment_distance(p, *vertex, *b)),
            Shape::Vertical { at } => (p.x - at.x).abs(),
            Shape::Circle { center, radius } => (p.dist(*center) - radius).abs(),
            Shape::Text { at, .. } => p.dist(*at),
            Shape::Freehand { points } => points
                .windows(2)
                .map(|w| segment_distance(p, w[0], w[1]))
                .chain(points.first().map(|q| p.dist(*q)))
                .fold(f64::INFINITY, f64::min),
        }
    }

    /// The points that can be dragged to change the shape: the ends of a line or arrow, the three points of an angle,
    /// the anchor of a vertical or a text note, a circle's centre and a point on its rim (a freehand stroke only
    /// moves whole).
    pub fn handles(&self) -> Vec<Point> {
        match self {
            Shape::Line { a, b } | Shape::Arrow { from: a, to: b } => vec![*a, *b],
            Shape::Angle { a, vertex, b } => vec![*a, *vertex, *b],
            Shape::Vertical { at } | Shape::Text { at, .. } => vec![*at],
            Shape::Circle { center, radius } => vec![*center, Point::new(center.x + radius, center.y)],
            Shape::Freehand { .. } => Vec::new(),
        }
    }

    /// Puts handle `k` (`handles`) at `p`: the other points stay (a circle's rim handle sets its radius; its centre
    /// moves the circle).
    pub fn move_handle(&mut self, k: usize, p: Point) {
        match (self, k) {
            (Shape::Line { a, .. } | Shape::Arrow { from: a, .. } | Shape::Angle { a, .. }, 0) => *a = p,
            (Shape::Line { b, .. } | Shape::Arrow { to: b, .. }, 1) | (Shape::Angle { b, .. }, 2) => *b = p,
            (Shape::Angle { vertex, .. }, 1) => *vertex = p,
            (Shape::Vertical { at } | Shape::Text { at, .. }, 0) | (Shape::Circle { center: at, .. }, 0) => *at = p,
            (Shape::Circle { center, radius }, 1) => *radius = p.dist(*center),
            _ => {}
        }
    }

    /// The handle within `tolerance` of `p`, nearest first.
    pub fn handle_at(&self, p: Point, tolerance: f64) -> Option<usize> {
        self.handles()
            .iter()
            .enumerate()
            .map(|(k, h)| (k, h.dist(p)))
            .filter(|&(_, d)| d <= tolerance)
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(k, _)| k)
    }

    /// Moves the whole shape by (`dx`, `dy`).
    pub fn translate(&mut self, dx: f64, dy: f64) {
        let mv = |p: &mut Point| {
            p.x += dx;
            p.y += dy;
        };
        match self {
            Shape::Line { a, b } | Shape::Arrow { from: a, to: b } => {
                mv(a);
                mv(b);
            }
            Shape::Angle { a, vertex, b } => {
                mv(a);
                mv(vertex);
                mv(b);
            }
            Shape::Vertical { at } | Shape::Text { at, .. } => mv(at),
            Shape::Circle { center, .. } => mv(center),
            Shape::Freehand { points } => points.iter_mut().for_each(mv),
        }
    }
}

/// A shape on frame `frame`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Mark {
    pub frame: usize,
    pub shape: Shape,
}

/// A landmark moved by hand to where it belongs on frame `frame` (pixels). The corrected landmark is trusted fully
/// (score 1) by the analysis.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Correction {
    pub frame: usize,
    /// By its name in frames.csv and poses.csv (e.g. "left_heel").
    #[serde(with = "landmark_name")]
    pub landmark: Landmark,
    pub x: f64,
    pub y: f64,
}

/// A landmark as its name, as in the CSV columns.
mod landmark_name {
    use crate::skeleton::Landmark;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(l: &Landmark, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(l.name())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Landmark, D::Error> {
        let name = String::deserialize(d)?;
        Landmark::from_name(&name).ok_or_else(|| serde::de::Error::custom(format!("no landmark is called '{name}'")))
    }
}

/// Everything a coach added to a clip: the markup file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Markup {
    pub format: String,
    pub version: u32,
    pub marks: Vec<Mark>,
    pub corrections: Vec<Correction>,
}

impl Default for Markup {
    fn default() -> Self {
        Self { format: MARKUP_FORMAT.into(), version: MARKUP_VERSION, marks: Vec::new(), corrections: Vec::new() }
    }
}

/// Why a markup text cannot be used.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum MarkupError {
    #[error("not valid markup JSON ({0})")]
    Damaged(String),
    #[error("not a runpose markup file (format '{0}')")]
    WrongFormat(String),
    #[error("made by a newer runpose (markup version {0}, this one reads {MARKUP_VERSION}): update runpose")]
    Newer(u32),
}

impl Markup {
    /// Reads markup JSON, checking its format and version.
    pub fn from_json(text: &str) -> Result<Self, MarkupError> {
        let m: Markup = serde_json::from_str(text).map_err(|e| MarkupError::Damaged(e.to_string()))?;
        if m.format != MARKUP_FORMAT {
            return Err(MarkupError::WrongFormat(m.format));
        }
        if m.version > MARKUP_VERSION {
            return Err(MarkupError::Newer(m.version));
        }
        Ok(m)
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    pub fn is_empty(&self) -> bool {
        self.marks.is_empty() && self.corrections.is_empty()
    }

    /// The indices of the marks on `frame`.
    pub fn marks_on(&self, frame: usize) -> impl Iterator<Item = usize> + '_ {
        self.marks.iter().enumerate().filter(move |(_, m)| m.frame == frame).map(|(i, _)| i)
    }

    /// The mark on `frame` nearest `p`, if within `tolerance` pixels: what a click selects.
    pub fn hit(&self, frame: usize, p: Point, tolerance: f64) -> Option<usize> {
        self.marks_on(frame)
            .map(|i| (i, self.marks[i].shape.distance(p)))
            .filter(|&(_, d)| d <= tolerance)
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(i, _)| i)
    }

    /// Sets (or replaces) the correction of `landmark` on `frame`.
    pub fn correct(&mut self, frame: usize, landmark: Landmark, p: Point) {
        self.corrections.retain(|c| !(c.frame == frame && c.landmark == landmark));
        self.corrections.push(Correction { frame, landmark, x: p.x, y: p.y });
        self.corrections.sort_by_key(|c| (c.frame, c.landmark.index()));
    }

    /// The poses with the corrections applied (a correction on a frame without a pose, or past the end, is kept in
    /// the markup but changes nothing).
    pub fn apply_corrections(&self, frames: &mut [PoseFrame]) {
        for c in &self.corrections {
            if let Some(pose) = frames.get_mut(c.frame).and_then(|f| f.pose.as_mut()) {
                let k = &mut pose.keypoints[c.landmark.index()];
                k.x = c.x;
                k.y = c.y;
                k.score = 1.0;
            }
        }
    }
}

/// Undo and redo over whole markup states (markup is small: a snapshot per edit is simplest and exact).
#[derive(Debug, Clone, Default)]
pub struct History {
    undo: Vec<Markup>,
    redo: Vec<Markup>,
}

impl History {
    /// Call before changing `current`: remembers it for undo and forgets what could be redone.
    pub fn record(&mut self, current: &Markup) {
        self.undo.push(current.clone());
        self.redo.clear();
    }

    pub fn undo(&mut self, current: &mut Markup) -> bool {
        let Some(previous) = self.undo.pop() else { return false };
        self.redo.push(std::mem::replace(current, previous));
        true
    }

    pub fn redo(&mut self, current: &mut Markup) -> bool {
        let Some(next) = self.redo.pop() else { return false };
        self.undo.push(std::mem::replace(current, next));
        true
    }

    pub fn can_undo(&self) -> bool {
        !self.undo.is_empty()
    }

    pub fn can_redo(&self) -> bool {
        !self.redo.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::skeleton::{Keypoint, NUM_LANDMARKS, Pose};

    #[test]
    fn dragging_a_handle_changes_that_point_only() {
        let mut angle =
            Shape::Angle { a: Point::new(0.0, -100.0), vertex: Point::new(0.0, 0.0), b: Point::new(100.0, 0.0) };
        assert!((angle.value().unwrap() - 90.0).abs() < 1e-9);
        // The far end of the second ray, dragged up to 45°.
        let k = angle.handle_at(Point::new(98.0, 3.0), 8.0).unwrap();
        angle.move_handle(k, Point::new(100.0, -100.0));
        assert!((angle.value().unwrap() - 45.0).abs() < 1e-9);
        assert_eq!(angle.handles()[..2], [Point::new(0.0, -100.0), Point::new(0.0, 0.0)]);
        // The vertex.
        angle.move_handle(angle.handle_at(Point::new(1.0, 1.0), 8.0).unwrap(), Point::new(0.0, -50.0));
        assert_eq!(angle.handles()[1], Point::new(0.0, -50.0));
        let mut circle = Shape::Circle { center: Point::new(10.0, 10.0), radius: 5.0 };
        circle.move_handle(circle.handle_at(Point::new(15.0, 10.0), 2.0).unwrap(), Point::new(10.0, 30.0));
        assert_eq!(circle, Shape::Circle { center: Point::new(10.0, 10.0), radius: 20.0 });
        let mut line = Shape::Line { a: Point::new(0.0, 0.0), b: Point::new(10.0, 0.0) };
        assert_eq!(line.handle_at(Point::new(50.0, 50.0), 8.0), None);
        line.move_handle(1, Point::new(0.0, 10.0));
        assert_eq!(line, Shape::Line { a: Point::new(0.0, 0.0), b: Point::new(0.0, 10.0) });
        assert!(Shape::Freehand { points: vec![Point::new(0.0, 0.0)] }.handles().is_empty());
    }

    fn p(x: f64, y: f64) -> Point {
        Point::new(x, y)
    }

    #[test]
    fn angles_lines_and_hits() {
        assert!((angle_deg(p(10.0, 0.0), p(0.0, 0.0), p(0.0, 10.0)) - 90.0).abs() < 1e-9);
        assert!((angle_deg(p(10.0, 0.0), p(0.0, 0.0), p(-10.0, 0.0)) - 180.0).abs() < 1e-9);
        // A knee bent to 135° inside (hip above, ankle ahead and below).
        let knee = angle_deg(p(0.0, -100.0), p(0.0, 0.0), p(100.0f64.sqrt() * 10.0 / 2f64.sqrt(), 100.0 / 2f64.sqrt()));
        assert!((knee - 135.0).abs() < 1e-9, "{knee}");
        assert_eq!(angle_deg(p(1.0, 1.0), p(1.0, 1.0), p(2.0, 2.0)), 0.0, "a zero-length ray has no angle");

        let mut m = Markup::default();
        m.marks.push(Mark { frame: 3, shape: Shape::Line { a: p(0.0, 0.0), b: p(100.0, 0.0) } });
        m.marks.push(Mark { frame: 3, shape: Shape::Circle { center: p(50.0, 50.0), radius: 20.0 } });
        m.marks.push(Mark { frame: 4, shape: Shape::Vertical { at: p(10.0, 0.0) } });
        assert_eq!(m.hit(3, p(40.0, 3.0), 5.0), Some(0));
        assert_eq!(m.hit(3, p(50.0, 71.0), 5.0), Some(1), "near the circle's rim");
        assert_eq!(m.hit(3, p(50.0, 50.0), 5.0), None, "the circle's centre is not its line");
        assert_eq!(m.hit(4, p(12.0, 500.0), 5.0), Some(2));
        assert_eq!(m.marks[0].shape.value(), Some(100.0));
        m.marks[1].shape.translate(5.0, -5.0);
        assert_eq!(m.marks[1].shape, Shape::Circle { center: p(55.0, 45.0), radius: 20.0 });
    }

    #[test]
    fn markup_round_trips_and_refuses_what_it_cannot_read() {
        let mut m = Markup::default();
        m.marks.push(Mark { frame: 0, shape: Shape::Angle { a: p(1.0, 2.0), vertex: p(3.0, 4.0), b: p(5.0, 7.5) } });
        m.marks.push(Mark {
            frame: 9,
            shape: Shape::Text { at: p(1.0, 1.0), text: "Knee ahead of the \"ankle\" – ok?".into() },
        });
        m.marks.push(Mark { frame: 9, shape: Shape::Freehand { points: vec![p(0.0, 0.0), p(1.5, 2.25)] } });
        m.marks.push(Mark { frame: 2, shape: Shape::Arrow { from: p(0.0, 0.0), to: p(3.0, 3.0) } });
        m.correct(5, Landmark::LeftHeel, p(100.5, 200.25));
        let back = Markup::from_json(&m.to_json()).unwrap();
        assert_eq!(back, m);
        assert!(m.to_json().contains("\"landmark\": \"left_heel\""), "landmarks by their CSV names");

        assert!(matches!(Markup::from_json("{\"format\": "), Err(MarkupError::Damaged(_))));
        let newer = m.to_json().replace("\"version\": 1", "\"version\": 7");
        assert_eq!(Markup::from_json(&newer), Err(MarkupError::Newer(7)));
        let other = m.to_json().replace(MARKUP_FORMAT, "something-else");
        assert!(matches!(Markup::from_json(&other), Err(MarkupError::WrongFormat(_))));
    }

    #[test]
    fn corrections_replace_the_landmark_and_are_trusted() {
        let pose = Pose::new([Keypoint { x: 1.0, y: 1.0, z: 0.0, score: 0.3 }; NUM_LANDMARKS]);
        let mut frames = vec![PoseFrame { t: 0.0, pose: Some(pose.clone()) }, PoseFrame { t: 0.1, pose: None }];
        let mut m = Markup::default();
        m.correct(0, Landmark::RightAnkle, p(50.0, 60.0));
        m.correct(0, Landmark::RightAnkle, p(55.0, 65.0)); // a second drag replaces the first
        m.correct(1, Landmark::RightAnkle, p(5.0, 5.0)); // no pose there: kept, changes nothing
        assert_eq!(m.corrections.len(), 2);
        m.apply_corrections(&mut frames);
        let k = frames[0].pose.as_ref().unwrap().keypoints[Landmark::RightAnkle.index()];
        assert_eq!((k.x, k.y, k.score), (55.0, 65.0, 1.0));
        assert_eq!(frames[0].pose.as_ref().unwrap().keypoints[Landmark::LeftAnkle.index()], pose.keypoints[0]);
        assert!(frames[1].pose.is_none());
    }

    #[test]
    fn undo_and_redo_walk_the_edits() {
        let mut m = Markup::default();
        let mut h = History::default();
        for x in [1.0, 2.0] {
            h.record(&m);
            m.marks.push(Mark { frame: 0, shape: Shape::Vertical { at: p(x, 0.0) } });
        }
        assert!(h.undo(&mut m));
        assert_eq!(m.marks.len(), 1);
        assert!(h.redo(&mut m));
        assert_eq!(m.marks.len(), 2);
        assert!(h.undo(&mut m) && h.undo(&mut m));
        assert!(m.is_empty() && !h.can_undo());
        assert!(!h.undo(&mut m));
        // A new edit after undoing forgets the undone ones.
        h.record(&m);
        m.marks.push(Mark { frame: 1, shape: Shape::Circle { center: p(0.0, 0.0), radius: 1.0 } });
        assert!(!h.can_redo());
    }
}
