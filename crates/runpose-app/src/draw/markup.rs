//! The coach's marks (docs/recording.md §Markup) as strokes to draw: what each mark is made of (an arrow's barbs, an
//! angle's caption, a note's box) is decided once here, in the picture's pixels; the replay window paints the strokes
//! with egui (`windows::common::paint_strokes`) and the exports rasterise them (`draw_markup`), in the same colours.

use ab_glyph::FontRef;
use image::{Rgb, RgbImage};
use imageproc::drawing::draw_hollow_circle_mut;
use runpose_core::Point;
use runpose_core::markup::{Markup, Shape};

use crate::draw::overlay::{frame_scale, label, thick_line};

/// The marks' colour.
pub const MARK: Rgb<u8> = Rgb([255, 220, 40]);
/// The colour of the mark selected in the replay window.
pub const SELECTED: Rgb<u8> = Rgb([255, 80, 200]);
/// Width of a mark's lines, display pixels (on a 720-pixel picture when rasterised).
pub const LINE_WIDTH: f32 = 2.5;
/// Width of the vertical reference line.
pub const VERTICAL_WIDTH: f32 = 1.5;
/// Size of a mark's text.
pub const TEXT_SIZE: f32 = 18.0;
/// Barbs of an arrow: their angle to the shaft, a quarter of the arrow long, at most this many pixels of a 720-pixel
/// picture.
const BARB_DEG: f64 = 25.0;
const BARB_MAX_PX: f64 = 24.0;

/// One stroke of a mark: positions in the picture's pixels; widths, offsets and text sizes in display pixels (a
/// renderer of a picture scales them with its size).
#[derive(Debug, Clone, PartialEq)]
pub enum Stroke {
    Segment {
        a: Point,
        b: Point,
        width: f32,
    },
    Polyline {
        points: Vec<Point>,
        width: f32,
    },
    Ring {
        center: Point,
        radius: f64,
        width: f32,
    },
    /// A line the whole height of the picture (or the view) through `x`.
    Vertical {
        x: f64,
        width: f32,
    },
    /// Text whose bottom-left corner lies `offset` from `at`.
    Caption {
        at: Point,
        offset: [f32; 2],
        text: String,
        size: f32,
    },
    /// Text on a dark box whose top-left corner is `at`.
    Note {
        at: Point,
        text: String,
        size: f32,
    },
}

/// The strokes of `shape` on a picture whose size is `scale` times 720 pixels (`overlay::frame_scale`).
pub fn strokes(shape: &Shape, scale: f32) -> Vec<Stroke> {
    let segment = |a: Point, b: Point| Stroke::Segment { a, b, width: LINE_WIDTH };
    match shape {
        Shape::Line { a, b } => vec![segment(*a, *b)],
        Shape::Arrow { from, to } => {
            let mut v = vec![segment(*from, *to)];
            let d = *to - *from;
            let len = d.norm();
            if len > 0.0 {
                let barb = (0.25 * len).min(BARB_MAX_PX * f64::from(scale));
                let (ux, uy) = (-d.x / len, -d.y / len);
                for a in [BARB_DEG.to_radians(), -BARB_DEG.to_radians()] {
                    let (s, c) = a.sin_cos();
                    v.push(segment(*to, Point::new(to.x + barb * (ux * c - uy * s), to.y + barb * (ux * s + uy * c))));
                }
            }
            v
        }
        Shape::Angle { a, vertex, b } => vec![
            segment(*vertex, *a),
            segment(*vertex, *b),
            Stroke::Caption {
                at: *vertex,
                offset: [10.0, -10.0],
                text: format!("{:.1}°", shape.value().unwrap_or(0.0)),
                size: TEXT_SIZE,
            },
        ],
        Shape::Vertical { at } => vec![Stroke::Vertical { x: at.x, width: VERTICAL_WIDTH }],
        Shape::Circle { center, radius } => vec![Stroke::Ring { center: *center, radius: *radius, width: LINE_WIDTH }],
        Shape::Text { at, text } => vec![Stroke::Note { at: *at, text: text.clone(), size: TEXT_SIZE }],
        Shape::Freehand { points } => vec![Stroke::Polyline { points: points.clone(), width: LINE_WIDTH }],
    }
}

/// Draws the marks of `frame` onto `img`, as the replay window paints them.
pub fn draw_markup(img: &mut RgbImage, markup: &Markup, frame: usize, font: &FontRef) {
    let scale = frame_scale(img);
    for i in markup.marks_on(frame) {
        for stroke in strokes(&markup.marks[i].shape, scale) {
            draw_stroke(img, &stroke, font, scale, MARK);
        }
    }
}

/// Rasterises one stroke, its widths and sizes times `scale`.
fn draw_stroke(img: &mut RgbImage, stroke: &Stroke, font: &FontRef, scale: f32, color: Rgb<u8>) {
    match stroke {
        Stroke::Segment { a, b, width } => thick_line(img, *a, *b, width * scale, color),
        Stroke::Polyline { points, width } => {
            for w in points.windows(2) {
                thick_line(img, w[0], w[1], width * scale, color);
            }
        }
        Stroke::Ring { center, radius, width } => {
            let c = (center.x.round() as i32, center.y.round() as i32);
            let half = (width * scale / 2.0).round() as i32;
            for dr in -half..=half {
                let r = radius.round() as i32 + dr;
                if r > 0 {
                    draw_hollow_circle_mut(img, c, r, color);
                }
            }
        }
        Stroke::Vertical { x, width } => {
            thick_line(img, Point::new(*x, 0.0), Point::new(*x, f64::from(img.height())), width * scale, color)
        }
        Stroke::Caption { at, offset, text, size } => {
            let (size, [dx, dy]) = (size * scale, offset.map(|o| f64::from(o * scale)));
            label(img, font, Point::new(at.x + dx, at.y + dy - f64::from(size)), text, size, color);
        }
        Stroke::Note { at, text, size } => label(img, font, *at, text, size * scale, color),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An arrow is its shaft and two barbs at the head, a quarter of its length, at ±25° to it.
    #[test]
    fn an_arrow_has_two_barbs_at_its_head() {
        let s = strokes(&Shape::Arrow { from: Point::new(0.0, 0.0), to: Point::new(40.0, 0.0) }, 1.0);
        assert_eq!(s.len(), 3);
        for barb in &s[1..] {
            let Stroke::Segment { a, b, .. } = barb else { panic!("{barb:?}") };
            assert_eq!(*a, Point::new(40.0, 0.0));
            assert!(((*b - *a).norm() - 10.0).abs() < 1e-9);
            assert!(((a.y - b.y).abs() / 10.0 - BARB_DEG.to_radians().sin()).abs() < 1e-9);
        }
    }
}
