//! Drawing the analysis onto frames: skeleton, support point, vertical, fall-angle line, alignment marks, the pulled
//! foot's path, the last step's numbers and its cue.

use std::path::{Path, PathBuf};

use ab_glyph::{FontRef, PxScale};
use anyhow::Context;
use image::{Rgb, RgbImage};
use imageproc::drawing::{draw_filled_circle_mut, draw_filled_rect_mut, draw_hollow_circle_mut, draw_line_segment_mut, draw_text_mut, text_size};
use imageproc::rect::Rect;
use runpose_core::cues::{MAX_FALL_DEG, step_cues};
use runpose_core::metrics::FrameMetrics;
use runpose_core::skeleton::SKELETON_EDGES;
use runpose_core::{Analysis, Landmark, Point, Pose, Side};

const LEFT: Rgb<u8> = Rgb([255, 140, 0]);
const RIGHT: Rgb<u8> = Rgb([0, 170, 255]);
const CENTRE: Rgb<u8> = Rgb([235, 235, 235]);
const UNRELIABLE: Rgb<u8> = Rgb([140, 140, 140]);
const SUPPORT: Rgb<u8> = Rgb([255, 230, 0]);
const FALL_OK: Rgb<u8> = Rgb([40, 220, 90]);
const FALL_HIGH: Rgb<u8> = Rgb([240, 50, 50]);
const COM: Rgb<u8> = Rgb([255, 60, 220]);
const ALIGN: Rgb<u8> = Rgb([0, 230, 230]);
const PANEL: Rgb<u8> = Rgb([20, 20, 20]);
const TEXT: Rgb<u8> = Rgb([255, 255, 255]);
const CUE: Rgb<u8> = Rgb([255, 220, 0]);

/// The font bundled with egui (Ubuntu Light), so nothing needs installing.
pub fn font() -> FontRef<'static> {
    FontRef::try_from_slice(epaint_default_fonts::UBUNTU_LIGHT).expect("egui's bundled font parses")
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

fn thick_line(img: &mut RgbImage, a: Point, b: Point, width: f32, color: Rgb<u8>) {
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

fn text_block(img: &mut RgbImage, font: &FontRef, lines: &[(String, f32, Rgb<u8>)], x: i32, y: i32) -> i32 {
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

/// Context for drawing frame `i` of an analysis.
pub struct OverlayFrame<'a> {
    pub analysis: &'a Analysis,
    pub index: usize,
}

/// Draws the analysis of one frame onto `img`.
pub fn draw(img: &mut RgbImage, frame: &OverlayFrame, font: &FontRef) {
    let a = frame.analysis;
    let Some(pf) = a.frames.get(frame.index) else { return };
    let m = &a.metrics[frame.index];
    let scale = (img.height().min(img.width()) as f32 / 720.0).max(0.5);
    let width = 3.0 * scale;
    let ground = &a.ground;

    // Ground line across the frame.
    let (w, _) = img.dimensions();
    let gy = |x: f64| ground.a + ground.b * x;
    thick_line(img, Point::new(0.0, gy(0.0)), Point::new(w as f64, gy(w as f64)), 1.0, UNRELIABLE);

    if let Some(pose) = &pf.pose {
        draw_swing_path(img, a, frame.index, width);
        draw_skeleton(img, pose, m, width, scale);
        draw_fall(img, a, m, pose, width, scale, font);
    }
    draw_panel(img, a, frame.index, font, scale);
}

fn draw_skeleton(img: &mut RgbImage, pose: &Pose, m: &FrameMetrics, width: f32, scale: f32) {
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
        thick_line(img, pose.pt(p), pose.pt(q), width, color);
    }
    let r = (4.0 * scale) as i32;
    for l in Landmark::ALL.into_iter().filter(|l| l.index() == 0 || l.index() >= 11) {
        let p = pose.pt(l);
        let c = (p.x as i32, p.y as i32);
        if reliable(l) {
            draw_filled_circle_mut(img, c, r, side_of(l).map_or(CENTRE, |s| if s == Side::Left { LEFT } else { RIGHT }));
        } else {
            draw_hollow_circle_mut(img, c, r, UNRELIABLE);
        }
    }
}

fn draw_fall(img: &mut RgbImage, a: &Analysis, m: &FrameMetrics, pose: &Pose, width: f32, scale: f32, font: &FontRef) {
    let ground = &a.ground;
    let leg = a.summary.leg_length_px;
    if let Some(com) = m.com {
        draw_filled_circle_mut(img, (com.x as i32, com.y as i32), (6.0 * scale) as i32, COM);
    }
    let (Some(sp), Some(com), Some(fall)) = (m.support_point, m.com, m.fall_angle_deg) else { return };
    // The vertical through the support point, up to shoulder height.
    let top = sp + ground.up * (1.9 * leg);
    thick_line(img, sp, top, 1.5 * scale, TEXT);
    // Alignment marks: horizontal offsets of shoulder and hip from that vertical.
    for p in [pose.shoulder_mid(), pose.hip_mid()] {
        let on_vertical = sp + ground.up * (sp.y - p.y);
        thick_line(img, on_vertical, p, width * 0.8, ALIGN);
    }
    // The fall line from the support point to the centre of mass.
    let color = if fall.abs() > MAX_FALL_DEG { FALL_HIGH } else { FALL_OK };
    let end = sp + (com - sp) * 1.15;
    thick_line(img, sp, end, width * 1.3, color);
    draw_filled_circle_mut(img, (sp.x as i32, sp.y as i32), (7.0 * scale) as i32, SUPPORT);
    let label = format!("fall {fall:.1}°");
    let size = 26.0 * scale;
    let at = com + ground.forward * (0.25 * leg);
    let (tw, th) = text_size(PxScale::from(size), font, &label);
    let (x, y) = ((at.x as i32 - tw as i32 / 2).max(0), at.y as i32);
    draw_filled_rect_mut(img, Rect::at(x - 4, y - 2).of_size(tw + 8, th + 8), PANEL);
    draw_text_mut(img, color, x, y, PxScale::from(size), font, &label);
}

/// The swing ankle's path over the last 0.4 s, relative to the hip, drawn at the current hip.
fn draw_swing_path(img: &mut RgbImage, a: &Analysis, index: usize, width: f32) {
    let Some(side) = a.metrics[index].support.map(Side::other) else { return };
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
            thick_line(img, prev, q, width * 0.6, if side == Side::Left { LEFT } else { RIGHT });
        }
        last = Some(q);
    }
}

fn draw_panel(img: &mut RgbImage, a: &Analysis, index: usize, font: &FontRef, scale: f32) {
    let t = a.frames[index].t;
    let mut lines = Vec::new();
    let small = 24.0 * scale;
    if let Some(s) = a.last_step_before(t) {
        let opt = |v: Option<f64>, unit: &str, d: usize| v.map_or("–".to_string(), |x| format!("{x:.d$}{unit}"));
        lines.push((format!("cadence {}   contact {}", opt(s.cadence_spm, " spm", 0), opt(Some(s.contact_ms), " ms", 0)), small, TEXT));
        let landing = match a.cm(s.landing_distance_ll) {
            Some(cm) => format!("{cm:.0} cm"),
            None => opt(s.landing_distance_ll, " leg", 2),
        };
        lines.push((format!("fall at toe-off {}   landing {landing}", opt(s.fall_angle_toe_off_deg, "°", 1)), small, TEXT));
        lines.push((format!("{} foot, {} strike", s.side.name(), s.foot_strike.map_or("–", |f| f.name())), small, TEXT));
        if let Some(cue) = step_cues(s).first() {
            for line in wrap(cue.text, 26) {
                lines.push((line, 40.0 * scale, CUE));
            }
        }
    } else {
        lines.push(("waiting for the first step…".to_string(), small, TEXT));
    }
    text_block(img, font, &lines, (12.0 * scale) as i32, (12.0 * scale) as i32);
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

/// Decodes `video` again and writes it with the analysis drawn on every frame.
pub fn write_overlay_video(video: &Path, out: &Path, analysis: &Analysis, progress: bool) -> anyhow::Result<PathBuf> {
    let (info, rx, decoder) = runpose_capture::spawn_decoder(video, 4)?;
    let mut writer = runpose_capture::VideoWriter::create(out, info.width, info.height, analysis.summary.fps.max(1.0))?;
    let font = font();
    let bar = if progress {
        let bar = indicatif::ProgressBar::new(analysis.frames.len() as u64);
        bar.set_style(indicatif::ProgressStyle::with_template("overlay   [{bar:40}] {pos}/{len} frames").expect("valid template").progress_chars("=> "));
        bar
    } else {
        indicatif::ProgressBar::hidden()
    };
    for item in rx.iter().take(analysis.frames.len()) {
        let mut frame = item?;
        draw(&mut frame.image, &OverlayFrame { analysis, index: frame.index }, &font);
        writer.write(&frame.image, frame.t)?;
        bar.inc(1);
    }
    bar.finish_and_clear();
    drop(rx);
    let _ = decoder.join();
    writer.finish().with_context(|| format!("could not finish {}", out.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cues_wrap_at_spaces() {
        assert_eq!(wrap("Stack shoulders and hips over the support foot", 26), vec!["Stack shoulders and hips", "over the support foot"]);
        assert_eq!(wrap("Short", 26), vec!["Short"]);
    }
}
