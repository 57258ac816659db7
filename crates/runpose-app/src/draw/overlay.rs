//! Drawing the analysis onto frames: skeleton, support point, vertical, fall-angle line, alignment marks, the pulled
//! foot's path, the last step's numbers and its cue.

use ab_glyph::{FontRef, PxScale};
use image::{Rgb, RgbImage};
use imageproc::drawing::{
    draw_filled_circle_mut, draw_filled_rect_mut, draw_hollow_circle_mut, draw_line_segment_mut, draw_text_mut,
    text_size,
};
use imageproc::rect::Rect;
use runpose_core::cues::{MAX_FALL_DEG, step_cues};
use runpose_core::metrics::{FrameMetrics, LOW_CONFIDENCE, StepMetrics};
use runpose_core::skeleton::SKELETON_EDGES;
use runpose_core::{Analysis, Landmark, Point, Pose, Side};

const LEFT: Rgb<u8> = Rgb([255, 140, 0]);
const RIGHT: Rgb<u8> = Rgb([0, 170, 255]);
const CENTRE: Rgb<u8> = Rgb([235, 235, 235]);
pub const UNRELIABLE: Rgb<u8> = Rgb([140, 140, 140]);
const SUPPORT: Rgb<u8> = Rgb([255, 230, 0]);
const FALL_OK: Rgb<u8> = Rgb([40, 220, 90]);
const FALL_HIGH: Rgb<u8> = Rgb([240, 50, 50]);
const COM: Rgb<u8> = Rgb([255, 60, 220]);
const ALIGN: Rgb<u8> = Rgb([0, 230, 230]);
pub const PANEL: Rgb<u8> = Rgb([20, 20, 20]);
pub const TEXT: Rgb<u8> = Rgb([255, 255, 255]);
pub const CUE: Rgb<u8> = Rgb([255, 220, 0]);

/// The font bundled with egui (Ubuntu Light), so nothing needs installing.
#[expect(clippy::expect_used, reason = "the font is compiled in: it parses or no build of runpose draws text")]
pub fn font() -> FontRef<'static> {
    FontRef::try_from_slice(epaint_default_fonts::UBUNTU_LIGHT).expect("egui's bundled font parses")
}

/// The landmarks drawn: the nose and the body's (not the face's other points).
pub fn drawn_landmarks() -> impl Iterator<Item = Landmark> {
    Landmark::ALL.into_iter().filter(|l| l.index() == 0 || l.index() >= 11)
}

fn side_of(l: Landmark) -> Option<Side> {
    let name = l.name();
    if name.starts_with("left_") {
        Some(Side::Left)
    } else if name.starts_with("right_") {
        Some(Side::Right)
    } else {
        None
    }
}

pub(crate) fn thick_line(img: &mut RgbImage, a: Point, b: Point, width: f32, color: Rgb<u8>) {
    let d = b - a;
    let len = d.norm().max(1e-6);
    let n = Point::new(-d.y / len, d.x / len);
    let half = (width / 2.0).max(0.5);
    let steps = (width.ceil() as i32).max(1);
    for k in 0..steps {
        let o = n * ((k as f64 + 0.5) / steps as f64 * 2.0 * half as f64 - half as f64);
        draw_line_segment_mut(img, ((a + o).x as f32, (a + o).y as f32), ((b + o).x as f32, (b + o).y as f32), color);
    }
}

pub(crate) fn text_block(img: &mut RgbImage, font: &FontRef, lines: &[(String, f32, Rgb<u8>)], x: i32, y: i32) -> i32 {
    let pad = 8;
    let sizes: Vec<(u32, u32)> = lines.iter().map(|(t, s, _)| text_size(PxScale::from(*s), font, t)).collect();
    let w = sizes.iter().map(|s| s.0).max().unwrap_or(0) as i32 + 2 * pad;
    let h = lines.iter().map(|(_, s, _)| (*s * 1.25) as i32).sum::<i32>() + 2 * pad;
    if w > 2 * pad {
        draw_filled_rect_mut(img, Rect::at(x, y).of_size(w as u32, h as u32), PANEL);
    }
    let mut cy = y + pad;
    for (text, size, color) in lines {
        draw_text_mut(img, *color, x + pad, cy, PxScale::from(*size), font, text);
        cy += (*size * 1.25) as i32;
    }
    y + h
}

/// One thing to draw, in image pixels; sizes are for a 720-pixel frame and scale with the frame.
#[derive(Debug, Clone, PartialEq)]
pub enum Shape {
    Line {
        a: Point,
        b: Point,
        width: f32,
        color: Rgb<u8>,
    },
    Dot {
        at: Point,
        radius: f32,
        color: Rgb<u8>,
        filled: bool,
    },
    /// A label on a dark box, centred on `at`'s x, its top at `at`'s y.
    Label {
        at: Point,
        text: String,
        size: f32,
        color: Rgb<u8>,
    },
}

/// Everything drawn on one frame: the same for the overlay video, the live view and replay. (The step's numbers
/// and cue are beside the frame in the window, and on it in the video: `draw`.)
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Scene {
    pub shapes: Vec<Shape>,
}

/// The scene of frame `index` of `analysis`.
pub fn scene(analysis: &Analysis, index: usize) -> Scene {
    match analysis.metrics.get(index) {
        Some(m) => scene_with(analysis, index, m),
        None => Scene::default(),
    }
}

/// The scene of frame `index` of `analysis` drawn from the metrics `m` (`Analysis::metrics_with_support`: a step's
/// own foot as the support).
pub fn scene_with(analysis: &Analysis, index: usize, m: &FrameMetrics) -> Scene {
    let mut scene = Scene::default();
    let Some(pf) = analysis.frames.get(index) else { return scene };
    if let Some(pose) = &pf.pose {
        swing_path(&mut scene, analysis, index, m.support);
        skeleton(&mut scene, pose, m);
        // A person who is not running gets the skeleton, no running numbers (docs/metrics.md §Summary).
        if analysis.summary.not_running.is_none() {
            fall(&mut scene, analysis, m, pose);
        }
    }
    scene
}

fn line(scene: &mut Scene, a: Point, b: Point, width: f32, color: Rgb<u8>) {
    scene.shapes.push(Shape::Line { a, b, width, color });
}

fn skeleton(scene: &mut Scene, pose: &Pose, m: &FrameMetrics) {
    let reliable = |l: Landmark| match side_of(l) {
        Some(s) if s.foot().contains(&l) => m.foot_reliable[s.index()],
        _ => true,
    };
    for (p, q) in SKELETON_EDGES {
        let color = if !reliable(p) || !reliable(q) {
            UNRELIABLE
        } else {
            match (side_of(p), side_of(q)) {
                (Some(Side::Left), Some(Side::Left)) => LEFT,
                (Some(Side::Right), Some(Side::Right)) => RIGHT,
                _ => CENTRE,
            }
        };
        line(scene, pose.pt(p), pose.pt(q), 3.0, color);
    }
    for l in drawn_landmarks() {
        let (color, filled) = if reliable(l) {
            (side_of(l).map_or(CENTRE, |s| if s == Side::Left { LEFT } else { RIGHT }), true)
        } else {
            (UNRELIABLE, false)
        };
        scene.shapes.push(Shape::Dot { at: pose.pt(l), radius: 4.0, color, filled });
    }
}

fn fall(scene: &mut Scene, a: &Analysis, m: &FrameMetrics, pose: &Pose) {
    let ground = &a.ground;
    let leg = a.summary.leg_length_px;
    if let Some(com) = m.com {
        scene.shapes.push(Shape::Dot { at: com, radius: 6.0, color: COM, filled: true });
    }
    let (Some(sp), Some(com), Some(angle)) = (m.support_point, m.com, m.fall_angle_deg) else { return };
    // The vertical through the support point, up to shoulder height.
    line(scene, sp, sp + ground.up * (1.9 * leg), 1.5, TEXT);
    // Alignment marks: horizontal offsets of shoulder and hip from that vertical.
    for p in [pose.shoulder_mid(), pose.hip_mid()] {
        line(scene, sp + ground.up * (sp.y - p.y), p, 2.4, ALIGN);
    }
    // The fall line from the support point to the centre of mass; grey when its landmarks are uncertain.
    let confident = m.fall_angle_confidence.is_none_or(|c| c >= LOW_CONFIDENCE);
    let color = if !confident {
        UNRELIABLE
    } else if angle.abs() > MAX_FALL_DEG {
        FALL_HIGH
    } else {
        FALL_OK
    };
    line(scene, sp, sp + (com - sp) * 1.15, 3.9, color);
    scene.shapes.push(Shape::Dot { at: sp, radius: 7.0, color: SUPPORT, filled: true });
    scene.shapes.push(Shape::Label {
        at: com + ground.forward * (0.25 * leg),
        text: format!("fall {angle:.1}°"),
        size: 26.0,
        color,
    });
}

/// The swing ankle's path over the last 0.4 s, relative to the hip, drawn at the current hip.
fn swing_path(scene: &mut Scene, a: &Analysis, index: usize, support: Option<Side>) {
    let Some(side) = support.map(Side::other) else { return };
    let Some(now) = a.frames[index].pose.as_ref() else { return };
    let t_now = a.frames[index].t;
    let hip_now = now.hip_mid();
    let mut last: Option<Point> = None;
    for i in (0..=index).rev() {
        if t_now - a.frames[i].t > 0.4 {
            break;
        }
        let Some(p) = a.frames[i].pose.as_ref() else { break };
        let q = hip_now + (p.pt(side.ankle()) - p.hip_mid());
        if let Some(prev) = last {
            line(scene, prev, q, 1.8, if side == Side::Left { LEFT } else { RIGHT });
        }
        last = Some(q);
    }
}

/// The step's numbers as text, each with its confidence (shown grey below `LOW_CONFIDENCE`, docs/metrics.md §Confidence).
pub fn step_numbers(a: &Analysis, s: &StepMetrics) -> Vec<(String, f64)> {
    let opt = |v: Option<f64>, unit: &str, d: usize| v.map_or("–".to_string(), |x| format!("{x:.d$}{unit}"));
    let c = &s.metric_confidence;
    let landing = landing_text(a, s.landing_distance_ll);
    vec![
        (format!("cadence {}", opt(s.cadence_spm, " spm", 0)), c.cadence),
        (format!("contact {}", opt(Some(s.contact_ms), " ms", 0)), c.contact),
        (format!("fall at toe-off {}", opt(s.fall_angle_toe_off_deg, "°", 1)), c.fall_angle),
        (format!("landing {landing}"), c.landing_distance),
        (format!("{} foot, {} strike", s.side.name(), s.foot_strike.map_or("–", |f| f.name())), c.foot_strike),
    ]
}

/// A landing distance as shown: in cm when the runner's height is known, else in leg lengths; "–" without one.
pub fn landing_text(a: &Analysis, ll: Option<f64>) -> String {
    match (a.cm(ll), ll) {
        (Some(cm), _) => format!("{cm:.0} cm"),
        (None, Some(ll)) => format!("{ll:.2} leg"),
        (None, None) => "–".into(),
    }
}

/// The video's numbers panel, top left: `step`'s numbers (grey when their confidence is low) and its first cue.
fn panel(a: &Analysis, step: Option<&StepMetrics>) -> Vec<(String, f32, Rgb<u8>)> {
    let Some(s) = step else {
        return vec![("waiting for the first step…".into(), 24.0, TEXT)];
    };
    let numbers = step_numbers(a, s);
    let color = |conf: f64| if conf < LOW_CONFIDENCE { UNRELIABLE } else { TEXT };
    let mut lines: Vec<(String, f32, Rgb<u8>)> = numbers
        .chunks(2)
        .map(|pair| {
            let text = pair.iter().map(|(t, _)| t.as_str()).collect::<Vec<_>>().join("   ");
            (text, 24.0, color(pair.iter().map(|(_, c)| *c).fold(1.0, f64::min)))
        })
        .collect();
    if let Some(cue) = step_cues(s).first() {
        lines.extend(wrap(cue.text, 26).into_iter().map(|text| (text, 40.0, CUE)));
    }
    lines
}

/// Draws the analysis of frame `index` onto `img` (the overlay video), with the last step that ended in the panel.
pub fn draw(img: &mut RgbImage, analysis: &Analysis, index: usize, font: &FontRef) {
    let Some(t) = analysis.frames.get(index).map(|f| f.t) else { return };
    draw_scene(img, analysis, index, font);
    let scale = frame_scale(img);
    let lines: Vec<(String, f32, Rgb<u8>)> = panel(analysis, analysis.last_step_before(t))
        .into_iter()
        .map(|(text, size, color)| (text, size * scale, color))
        .collect();
    text_block(img, font, &lines, (12.0 * scale) as i32, (12.0 * scale) as i32);
}

/// Sizes are given for a 720-pixel frame: the factor for `img`.
pub(crate) fn frame_scale(img: &RgbImage) -> f32 {
    picture_scale(img.width(), img.height())
}

/// How much bigger than a 720-pixel frame a `width` × `height` picture is (at least half): what marks and overlays
/// sized for 720 pixels are scaled by.
pub fn picture_scale(width: u32, height: u32) -> f32 {
    (height.min(width) as f32 / 720.0).max(0.5)
}

/// Draws the ground line (for a runner) and the scene of frame `index` (skeleton, fall line, alignment) onto `img`,
/// without the panel.
pub fn draw_scene(img: &mut RgbImage, analysis: &Analysis, index: usize, font: &FontRef) {
    draw_scene_of(img, analysis, &scene(analysis, index), font);
}

/// Draws the ground line (for a runner: it comes from their contacts) and `scene` onto `img`.
pub fn draw_scene_of(img: &mut RgbImage, analysis: &Analysis, scene: &Scene, font: &FontRef) {
    let scale = frame_scale(img);
    if analysis.summary.not_running.is_none() {
        let ground = &analysis.ground;
        let w = img.width() as f64;
        thick_line(img, Point::new(0.0, ground.a), Point::new(w, ground.a + ground.b * w), 1.0, UNRELIABLE);
    }
    for shape in &scene.shapes {
        match shape {
            Shape::Line { a, b, width, color } => thick_line(img, *a, *b, width * scale, *color),
            Shape::Dot { at, radius, color, filled } => {
                let (c, r) = ((at.x as i32, at.y as i32), (radius * scale) as i32);
                if *filled {
                    draw_filled_circle_mut(img, c, r, *color)
                } else {
                    draw_hollow_circle_mut(img, c, r, *color)
                }
            }
            Shape::Label { at, text, size, color } => {
                let (tw, _) = text_size(PxScale::from(size * scale), font, text);
                label(img, font, Point::new(at.x - f64::from(tw) / 2.0, at.y), text, size * scale, *color);
            }
        }
    }
}

/// `text` on a dark box whose text starts at `at` (top left).
pub(crate) fn label(img: &mut RgbImage, font: &FontRef, at: Point, text: &str, size: f32, color: Rgb<u8>) {
    let (tw, th) = text_size(PxScale::from(size), font, text);
    let (x, y) = ((at.x as i32).max(0), at.y as i32);
    draw_filled_rect_mut(img, Rect::at(x - 4, y - 2).of_size(tw + 8, th + 8), PANEL);
    draw_text_mut(img, color, x, y, PxScale::from(size), font, text);
}

/// Splits `text` into lines of at most `width` characters at spaces.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for word in text.split_whitespace() {
        match lines.last_mut() {
            Some(line) if line.chars().count() + 1 + word.chars().count() <= width => {
                line.push(' ');
                line.push_str(word);
            }
            _ => lines.push(word.to_string()),
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cues_wrap_at_spaces() {
        assert_eq!(
            wrap("Stack shoulders and hips over the support foot", 26),
            vec!["Stack shoulders and hips", "over the support foot"]
        );
        assert_eq!(wrap("Short", 26), vec!["Short"]);
    }
}
