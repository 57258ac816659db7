//! Exports of a replayed clip (docs/recording.md §Exports): a frame with its overlay and markup as PNG, a step's
//! storyboard (landing, Running Pose, fall, pull side by side with their numbers) as PNG, and the whole clip with
//! overlay and markup as MP4. The pictures are drawn with the same scene as the live view and replay.

use std::path::{Path, PathBuf};

use ab_glyph::{FontRef, PxScale};
use anyhow::Context;
use image::{Rgb, RgbImage};
use imageproc::drawing::{draw_filled_rect_mut, draw_text_mut, text_size};
use imageproc::rect::Rect;
use runpose_core::cues::{MAX_FALL_DEG, step_cues};
use runpose_core::markup::Markup;
use runpose_core::metrics::{LOW_CONFIDENCE, StepMetrics};
use runpose_core::phase::StepInstants;
use runpose_core::{Analysis, Point};

use crate::draw::markup::draw_markup;
use crate::draw::overlay::{self, CUE, PANEL, TEXT, UNRELIABLE};
use crate::session::document::Replay;

/// Markup colour, as in the replay window.
const FALL_HIGH: Rgb<u8> = Rgb([240, 50, 50]);

/// Where an export named `name` goes: inside a clip folder, or beside a video as `VIDEO.name`; never over an
/// existing file (`name-2`, `name-3`, … instead).
pub fn export_path(source: &Path, name: &str) -> PathBuf {
    let base = if source.is_dir() {
        source.join(name)
    } else {
        let video = source.file_name().map_or_else(|| "video".into(), |n| n.to_string_lossy().into_owned());
        source.with_file_name(format!("{video}.{name}"))
    };
    if !base.exists() {
        return base;
    }
    let stem = base.file_stem().map_or_else(String::new, |s| s.to_string_lossy().into_owned());
    let ext = base.extension().map_or_else(String::new, |e| format!(".{}", e.to_string_lossy()));
    runpose_capture::clip::free_path(|n| base.with_file_name(format!("{stem}-{n}{ext}")), 2)
}

/// Frame `frame` of `doc` as the replay window shows it: the picture, the overlay and the panel of the last step
/// that ended, and the coach's marks.
pub fn annotated_frame(doc: &mut Replay, frame: usize) -> anyhow::Result<RgbImage> {
    let mut img = doc
        .video
        .frame(frame)
        .with_context(|| format!("reading frame {} of {}", frame + 1, doc.source.display()))?
        .as_ref()
        .clone();
    annotate(&mut img, doc.analysis.as_ref(), &doc.markup, frame, &overlay::font());
    Ok(img)
}

/// One picture of a storyboard: a key instant of the step, its frame and the numbers taken there.
#[derive(Debug, Clone, PartialEq)]
pub struct StoryPanel {
    pub title: &'static str,
    /// The frame shown (`None`: the clip ends before this instant).
    pub frame: Option<usize>,
    /// Each number as text with its confidence (grey below `LOW_CONFIDENCE`) and whether it is out of its range.
    pub lines: Vec<StoryLine>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct StoryLine {
    pub text: String,
    pub confidence: f64,
    pub warn: bool,
}

/// The four panels of step `instants.step`'s storyboard (docs/metrics.md §Gait phase, key instants): landing
/// (initial contact), Running Pose (mid-stance), fall (its end, toe-off) and pull (the foot at its highest).
pub fn story_panels(a: &Analysis, instants: &StepInstants) -> Vec<StoryPanel> {
    let s = &a.steps[instants.step];
    let c = &s.metric_confidence;
    let length = |ll: Option<f64>| match (a.cm(ll), ll) {
        (Some(cm), _) => format!("{cm:.0} cm"),
        (None, Some(ll)) => format!("{ll:.2} leg"),
        _ => "–".into(),
    };
    // "0.10 leg ahead of X", "3 cm behind X".
    let offset = |ll: Option<f64>, what: &str| match ll {
        Some(v) => format!("{} {} {what}", length(Some(v.abs())), if v < 0.0 { "behind" } else { "ahead of" }),
        None => format!("– ahead of {what}"),
    };
    let num = |v: Option<f64>, unit: &str, d: usize| v.map_or("–".into(), |x| format!("{x:.d$}{unit}"));
    let line = |text: String, confidence: f64| StoryLine { text, confidence, warn: false };
    let fall = s.fall_angle_toe_off_deg;
    vec![
        StoryPanel {
            title: "LANDING",
            frame: Some(instants.contact),
            lines: vec![
                StoryLine {
                    text: format!("lands {}", offset(s.landing_distance_ll, "the COM")),
                    confidence: c.landing_distance,
                    warn: s.landing_distance_ll.is_some_and(|d| d > runpose_core::cues::OVERSTRIDE_LL),
                },
                line(format!("knee flexed {}", num(s.knee_flexion_contact_deg, "°", 0)), c.knee_flexion),
                line(format!("{} strike", s.foot_strike.map_or("–", |f| f.name())), c.foot_strike),
            ],
        },
        StoryPanel {
            title: "POSE",
            frame: Some(instants.pose),
            lines: vec![
                line(
                    format!("shoulder {}", offset(s.shoulder_ahead_of_ankle_midstance_ll, "the ankle")),
                    c.shoulder_alignment,
                ),
                line(format!("hip {}", offset(s.hip_ahead_of_ankle_midstance_ll, "the ankle")), c.hip_alignment),
                line(format!("trunk lean {}", num(s.trunk_angle_midstance_deg, "°", 1)), c.trunk_angle),
                line(
                    format!("swing ankle {}", offset(s.swing_ankle_ahead_of_hip_midstance_ll, "the hip")),
                    c.swing_position,
                ),
            ],
        },
        StoryPanel {
            title: "FALL",
            frame: Some(instants.toe_off),
            lines: vec![
                StoryLine {
                    text: format!("fall angle {} at toe-off", num(fall, "°", 1)),
                    confidence: c.fall_angle,
                    warn: fall.is_some_and(|f| f.abs() > MAX_FALL_DEG),
                },
                line(format!("largest in stance {}", num(s.fall_angle_max_deg, "°", 1)), c.fall_angle),
                line(format!("knee flexed {} at toe-off", num(s.knee_flexion_toe_off_deg, "°", 0)), c.knee_flexion),
                line(format!("contact {:.0} ms", s.contact_ms), c.contact),
            ],
        },
        StoryPanel {
            title: "PULL",
            frame: instants.peak_pull,
            lines: vec![
                line(format!("foot pulled up {}", length(s.pull_height_ll)), c.pull),
                line(format!("under the hip {} after toe-off", num(s.pull_time_ms, " ms", 0)), c.pull),
                line(format!("flight {}", num(s.flight_ms, " ms", 0)), c.flight),
                line(format!("cadence {}", num(s.cadence_spm, " spm", 0)), c.cadence),
            ],
        },
    ]
}

/// Height of each storyboard picture, pixels.
const STORY_HEIGHT: u32 = 560;

/// The storyboard of step `instants.step` of `doc` as one picture: a title, the four key frames side by side
/// (cropped alike around the runner, with the overlay and the coach's marks) with their numbers, and the step's cues.
pub fn storyboard(doc: &mut Replay, instants: &StepInstants) -> anyhow::Result<RgbImage> {
    let a = doc.analysis.as_ref().context("no runner was found in this clip: there is no step to show")?;
    let step: &StepMetrics = a.steps.get(instants.step).context("no such step")?;
    let panels = story_panels(a, instants);
    let font = overlay::font();
    // One crop for all four, so the runner's movement between them shows.
    let frames: Vec<usize> = panels.iter().filter_map(|p| p.frame).collect();
    let (fw, fh) = (doc.video.info().width, doc.video.info().height);
    let crop = runner_box(a, &frames, fw, fh);
    let zoom = STORY_HEIGHT as f64 / f64::from(crop.3);
    let pw = (f64::from(crop.2) * zoom).round() as u32;
    let (gap, header, title_h, line_h) = (12u32, 64u32, 44u32, 30u32);
    let max_lines = panels.iter().map(|p| p.lines.len()).max().unwrap_or(0) as u32;
    let cues: Vec<&str> = step_cues(step).iter().map(|c| c.text).collect();
    let cue_h = if cues.is_empty() { 0 } else { 16 + 38 * cues.len() as u32 };
    let width = 4 * pw + 5 * gap;
    let height = header + title_h + STORY_HEIGHT + 12 + max_lines * line_h + cue_h + gap;
    let mut out = RgbImage::from_pixel(width, height, PANEL);
    let name = doc.source.file_name().map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    let heading = format!(
        "Step {} · {} foot · {:.2} s · {name}",
        step.index + 1,
        step.side.name(),
        a.frames[instants.contact].t - a.frames[0].t
    );
    draw_text_mut(&mut out, TEXT, gap as i32, 14, PxScale::from(34.0), &font, &heading);
    for (k, panel) in panels.iter().enumerate() {
        let x = gap + k as u32 * (pw + gap);
        let y = header;
        let when = panel.frame.map_or_else(
            || "after the clip ends".to_string(),
            |f| format!("frame {} · {:.2} s", f + 1, a.frames[f].t - a.frames[0].t),
        );
        draw_text_mut(&mut out, CUE, x as i32, y as i32 + 6, PxScale::from(30.0), &font, panel.title);
        let (tw, _) = text_size(PxScale::from(30.0), &font, panel.title);
        draw_text_mut(&mut out, UNRELIABLE, (x + tw + 14) as i32, y as i32 + 14, PxScale::from(20.0), &font, &when);
        let y = y + title_h;
        if let Some(f) = panel.frame {
            let mut img = doc.video.frame(f).with_context(|| format!("reading frame {}", f + 1))?.as_ref().clone();
            // Landing, Pose and fall are drawn over the step's own foot (as its numbers are taken), the pull as seen.
            let scene = match (k < 3).then(|| a.metrics_with_support(f, instants.side)).flatten() {
                Some(m) => overlay::scene_with(a, f, &m),
                None => overlay::scene(a, f),
            };
            overlay::draw_scene_of(&mut img, a, &scene, &font);
            draw_markup(&mut img, &doc.markup, f, &font);
            let cut = image::imageops::crop_imm(&img, crop.0, crop.1, crop.2, crop.3).to_image();
            let small = image::imageops::resize(&cut, pw, STORY_HEIGHT, image::imageops::FilterType::Triangle);
            image::imageops::replace(&mut out, &small, i64::from(x), i64::from(y));
        } else {
            draw_filled_rect_mut(&mut out, Rect::at(x as i32, y as i32).of_size(pw, STORY_HEIGHT), Rgb([45, 45, 45]));
        }
        let mut ly = y + STORY_HEIGHT + 10;
        for l in &panel.lines {
            let color = if l.confidence < LOW_CONFIDENCE {
                UNRELIABLE
            } else if l.warn {
                FALL_HIGH
            } else {
                TEXT
            };
            draw_text_mut(&mut out, color, x as i32, ly as i32, PxScale::from(23.0), &font, &l.text);
            ly += line_h;
        }
    }
    let mut cy = header + title_h + STORY_HEIGHT + 12 + max_lines * line_h + 10;
    for cue in cues {
        draw_text_mut(&mut out, CUE, gap as i32, cy as i32, PxScale::from(32.0), &font, cue);
        cy += 38;
    }
    Ok(out)
}

/// The rectangle (x, y, w, h) around the runner (the landmarks drawn) on `frames`, with a margin, inside the `fw`×`fh` frame; the whole
/// frame when no pose is seen.
fn runner_box(a: &Analysis, frames: &[usize], fw: u32, fh: u32) -> (u32, u32, u32, u32) {
    let points: Vec<Point> = frames
        .iter()
        .filter_map(|&f| a.frames.get(f)?.pose.as_ref())
        .flat_map(|p| overlay::drawn_landmarks().map(move |l| p.pt(l)))
        .collect();
    if points.is_empty() {
        return (0, 0, fw, fh);
    }
    let (mut x0, mut y0, mut x1, mut y1) = (f64::INFINITY, f64::INFINITY, f64::NEG_INFINITY, f64::NEG_INFINITY);
    for p in &points {
        (x0, y0, x1, y1) = (x0.min(p.x), y0.min(p.y), x1.max(p.x), y1.max(p.y));
    }
    // A margin of a fifth of the runner's height on every side, and at least 3:4 wide (room for the fall line).
    let margin = 0.2 * (y1 - y0);
    let (cx, h) = (0.5 * (x0 + x1), (y1 - y0) + 2.0 * margin);
    let w = ((x1 - x0) + 2.0 * margin).max(0.75 * h);
    let clamp = |v: f64, hi: u32| v.clamp(0.0, f64::from(hi)) as u32;
    let (left, top) = (clamp(cx - 0.5 * w, fw), clamp(y0 - margin, fh));
    let (right, bottom) = (clamp(cx + 0.5 * w, fw), clamp(y1 + margin, fh));
    if right <= left + 1 || bottom <= top + 1 {
        return (0, 0, fw, fh);
    }
    (left, top, right - left, bottom - top)
}

/// Draws what replay shows on frame `index`: the overlay and panel of `analysis` (if any) and the marks of `markup`.
fn annotate(img: &mut RgbImage, analysis: Option<&Analysis>, markup: &Markup, index: usize, font: &FontRef) {
    if let Some(a) = analysis {
        overlay::draw(img, a, index, font);
    }
    draw_markup(img, markup, index, font);
}

/// Decodes the first `frames` frames of `video` again and writes them to `out` as H.264 MP4 with the overlay of
/// `analysis` and the marks of `markup` on each (at the analysis's frame rate, else the video's).
/// `progress(done, total)` is called after each frame and may return `false` to stop (the file is then removed).
pub fn write_annotated_video(
    video: &Path,
    frames: usize,
    analysis: Option<&Analysis>,
    markup: &Markup,
    out: &Path,
    mut progress: impl FnMut(usize, usize) -> bool,
) -> anyhow::Result<PathBuf> {
    let (info, rx, decoder) = runpose_capture::spawn_decoder(video, 4)?;
    let fps = analysis.map_or(info.fps, |a| a.summary.fps).max(1.0);
    let mut writer = runpose_capture::VideoWriter::create(out, info.width, info.height, fps)?;
    let font = overlay::font();
    let mut first_t = None;
    let mut written = || -> anyhow::Result<()> {
        for item in rx.iter().take(frames) {
            let mut frame = item?;
            annotate(&mut frame.image, analysis, markup, frame.index, &font);
            let t0 = *first_t.get_or_insert(frame.t);
            writer.write(&frame.image, frame.t - t0)?;
            if !progress(frame.index + 1, frames) {
                anyhow::bail!("export stopped");
            }
        }
        Ok(())
    };
    let result = written();
    drop(rx);
    let _ = decoder.join();
    match result {
        Ok(()) => writer.finish().with_context(|| format!("could not finish {}", out.display())),
        Err(e) => {
            drop(writer);
            let _ = std::fs::remove_file(out);
            Err(e)
        }
    }
}

/// The text of `panel` for a terminal or a test: title, frame, numbers.
pub fn panel_text(panel: &StoryPanel) -> String {
    let frame = panel.frame.map_or("–".into(), |f| (f + 1).to_string());
    let lines: Vec<&str> = panel.lines.iter().map(|l| l.text.as_str()).collect();
    format!("{} (frame {frame}): {}", panel.title, lines.join("; "))
}

/// Decodes `video` again and writes it with the analysis drawn on every frame (a progress bar with `progress`).
pub fn write_overlay_video(video: &Path, out: &Path, analysis: &Analysis, progress: bool) -> anyhow::Result<PathBuf> {
    let frames = analysis.frames.len();
    let bar = crate::session::estimate::terminal_bar(progress, "overlay");
    bar.set_length(frames as u64);
    let markup = Markup::default();
    let written = write_annotated_video(video, frames, Some(analysis), &markup, out, |done, _| {
        bar.set_position(done as u64);
        true
    });
    bar.finish_and_clear();
    written
}
