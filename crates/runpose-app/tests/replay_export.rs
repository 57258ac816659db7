//! Exports from replay (docs/recording.md §Exports) on a clip of the treadmill clip's first 157 frames with the full
//! model's poses: the storyboard shows the frames each step's numbers are taken at, an exported frame and the MP4
//! carry the coach's marks, the window's buttons write beside the clip without overwriting, and `runpose export`.

// A test (or bench) fails loudly: unwrap and expect are its asserts (clippy.toml allows them in #[test] items).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::Command;

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use image::{Rgb, RgbImage};
use runpose_app::session::document::Replay;
use runpose_app::session::export::{annotated_frame, story_panels, storyboard};
use runpose_app::windows::replay_window::ReplayApp;
use runpose_core::Point;
use runpose_core::markup::{Mark, Shape};
use runpose_vision::ModelVariant;

mod common;

/// The markup colour.
const MARK: [u8; 3] = [255, 220, 40];

fn near(p: &Rgb<u8>, c: [u8; 3], tolerance: i32) -> bool {
    p.0.iter().zip(c).all(|(a, b)| (i32::from(*a) - i32::from(b)).abs() <= tolerance)
}

/// How many pixels of column `x` (rows `ys`) are near the markup colour.
fn marked(img: &RgbImage, x: u32, ys: std::ops::Range<u32>, tolerance: i32) -> usize {
    ys.filter(|&y| near(img.get_pixel(x, y), MARK, tolerance)).count()
}

fn harness(app: ReplayApp) -> Harness<'static, ReplayApp> {
    Harness::builder().with_size([1280.0, 860.0]).wgpu().build_ui_state(|ui, app: &mut ReplayApp| app.ui(ui), app)
}

#[test]
fn the_storyboard_shows_the_frames_each_steps_numbers_are_taken_at() {
    let dir = tempfile::tempdir().unwrap();
    let clip = common::make_clip(dir.path(), "clip", 0, 1.0);
    let mut doc = Replay::open(&clip, ModelVariant::Full, false).unwrap();
    let a = doc.analysis.clone().unwrap();
    assert!(doc.instants.len() >= 8);
    let (mut falls_checked, mut pulls_checked) = (0, 0);
    for inst in &doc.instants {
        let panels = story_panels(&a, inst);
        let titles: Vec<&str> = panels.iter().map(|p| p.title).collect();
        assert_eq!(titles, ["LANDING", "POSE", "FALL", "PULL"]);
        let frames: Vec<Option<usize>> = panels.iter().map(|p| p.frame).collect();
        assert_eq!(frames, [Some(inst.contact), Some(inst.pose), Some(inst.toe_off), inst.peak_pull]);
        assert!(
            inst.contact <= inst.pose && inst.pose <= inst.toe_off && inst.peak_pull.is_none_or(|p| p > inst.toe_off)
        );
        let step = &a.steps[inst.step];
        // The fall panel's frame is the one nearest the toe-off, drawn over the step's foot; the step's fall angle at
        // toe-off is interpolated between it and the frame on the other side of the instant (docs/metrics.md
        // §Per-step metrics), so it lies between their fall angles.
        let m = a.metrics_with_support(inst.toe_off, inst.side).unwrap();
        let other = if a.frames[inst.toe_off].t <= step.to_t { inst.toe_off + 1 } else { inst.toe_off - 1 };
        let n = a.metrics_with_support(other, inst.side).unwrap();
        let (lo, hi) = (
            m.fall_angle_deg.unwrap().min(n.fall_angle_deg.unwrap()),
            m.fall_angle_deg.unwrap().max(n.fall_angle_deg.unwrap()),
        );
        let v = step.fall_angle_toe_off_deg.unwrap();
        assert!(v >= lo - 1e-9 && v <= hi + 1e-9, "step {}: {v} not within {lo}..{hi}", inst.step);
        if a.metrics[inst.toe_off].support == Some(inst.side) {
            assert_eq!(a.metrics[inst.toe_off], m);
            falls_checked += 1;
        }
        // The pull panel's frame is where the foot is highest: the step's pull height.
        if let Some(p) = inst.peak_pull {
            let h = a.metrics[p].foot_height_ll[inst.side.index()].unwrap();
            assert!(
                (h - step.pull_height_ll.unwrap()).abs() < 1e-9,
                "step {}: {h} vs {:?}",
                inst.step,
                step.pull_height_ll
            );
            pulls_checked += 1;
        }
    }
    assert!(falls_checked >= 4 && pulls_checked >= 6, "{falls_checked} falls, {pulls_checked} pulls checked");

    // The picture: four key frames side by side, the runner in each (not the background of the whole frame).
    let inst = doc.instants[3];
    let img = storyboard(&mut doc, &inst).unwrap();
    assert!(img.width() > 4 * 300 && img.height() > 560, "{}×{}", img.width(), img.height());
    let quarter = img.width() / 4;
    for k in 0..4 {
        let x = k * quarter + quarter / 2;
        let distinct: std::collections::HashSet<[u8; 3]> = (64..624).map(|y| img.get_pixel(x, y).0).collect();
        assert!(distinct.len() > 50, "panel {k} holds a picture ({} colours down its middle)", distinct.len());
    }
}

#[test]
fn exported_frames_and_video_carry_the_overlay_and_the_coachs_marks() {
    let dir = tempfile::tempdir().unwrap();
    let clip = common::make_clip(dir.path(), "clip", 0, 1.0);
    let mut doc = Replay::open(&clip, ModelVariant::Full, false).unwrap();
    let frame = doc.instants[2].pose;
    let plain = annotated_frame(&mut doc, frame).unwrap();
    // A vertical reference at x = 600 on this frame (over the background, right of the runner).
    doc.markup.marks.push(Mark { frame, shape: Shape::Vertical { at: Point::new(600.0, 0.0) } });
    doc.markup
        .marks
        .push(Mark { frame, shape: Shape::Text { at: Point::new(380.0, 200.0), text: "hips forward".into() } });
    doc.save_markup(false).unwrap();
    let marked_frame = annotated_frame(&mut doc, frame).unwrap();
    assert!(marked(&plain, 600, 300..1000, 10) < 50);
    assert!(marked(&marked_frame, 600, 300..1000, 10) > 650, "the vertical is drawn down the frame");
    // The overlay: the support point is drawn in yellow where the analysis puts it.
    let sp = doc.analysis.as_ref().unwrap().metrics[frame].support_point.unwrap();
    assert!(near(marked_frame.get_pixel(sp.x as u32, sp.y as u32), [255, 230, 0], 10));

    // The window's buttons: the frame and the storyboard as PNG in the clip folder, never over an earlier export.
    let mut app = ReplayApp::new(Some(Replay::open(&clip, ModelVariant::Full, false).unwrap()), ModelVariant::Full);
    app.open_text = "clip".into(); // the same on every machine (snapshot)
    let mut h = harness(app);
    h.state_mut().seek(frame);
    h.run();
    for _ in 0..2 {
        h.get_by_label("Export frame").click();
        h.run();
    }
    let first = clip.join(format!("frame-{:04}.png", frame + 1));
    let second = clip.join(format!("frame-{:04}-2.png", frame + 1));
    assert_eq!(image::open(&first).unwrap().to_rgb8(), marked_frame);
    assert!(second.is_file(), "the second export does not replace the first");
    assert!(
        h.state().notice.as_deref().is_some_and(|n| n.starts_with("wrote ") && n.ends_with("-2.png")),
        "{:?}",
        h.state().notice
    );
    h.get_by_label("Storyboard").click();
    h.run();
    let step = h.state().storyboard.as_ref().expect("the storyboard is shown").0;
    assert_eq!(step, 2, "the step at the frame shown");
    h.get_by_label("Save PNG").click();
    h.run();
    let png = image::open(clip.join("storyboard-step-03.png")).unwrap().to_rgb8();
    assert_eq!(&png, &h.state().storyboard.as_ref().unwrap().1);
    h.state_mut().notice = None; // it names the temporary folder (snapshot)
    h.run();
    h.snapshot("replay_storyboard");
    h.state_mut().storyboard = None;

    // The MP4, written on its own thread while the window goes on.
    h.get_by_label("Export MP4").click();
    h.run();
    assert!(h.state().video_export.is_some(), "{:?}", h.state().notice);
    common::settle(&mut h, |_| {});
    let mp4 = clip.join("annotated.mp4");
    assert_eq!(h.state().notice.as_deref(), Some(format!("wrote {}", mp4.display()).as_str()));
    let mut reader = runpose_capture::VideoReader::open(&mp4).unwrap();
    let mut n: usize = 0;
    while let Some(f) = reader.next_frame().unwrap() {
        // H.264 keeps colour at half resolution, so a thin yellow line comes out pale: count yellowish pixels. The
        // vertical shows on its frame only.
        let count = (300..1000)
            .filter(|&y| matches!(f.image.get_pixel(600, y).0, [r, g, b] if r > 170 && g > 170 && b < 150))
            .count();
        if n == frame {
            assert!(count > 600, "frame {n}: {count}");
        } else if n.abs_diff(frame) > 1 {
            assert!(count < 100, "frame {n}: {count}");
        }
        n += 1;
    }
    assert_eq!(n, 157, "every frame");
}

fn runpose(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_runpose")).args(args).env("RUNPOSE_LOG", "error").output().unwrap()
}

#[test]
fn runpose_export_writes_the_storyboard_and_a_frame_and_says_what_is_wrong() {
    let dir = tempfile::tempdir().unwrap();
    let clip = common::make_clip(dir.path(), "clip", 0, 1.0);
    let path = clip.to_str().unwrap();
    let out = runpose(&["export", path, "--storyboard", "3", "--frame", "40"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    for key in ["LANDING (frame", "POSE (frame", "FALL (frame", "PULL (frame", "fall angle", "cadence"] {
        assert!(stdout.contains(key), "{key} in {stdout}");
    }
    let board = image::open(clip.join("storyboard-step-03.png")).unwrap();
    let doc = Replay::open(&clip, ModelVariant::Full, false).unwrap();
    let expected = storyboard(&mut Replay::open(&clip, ModelVariant::Full, false).unwrap(), &doc.instants[2]).unwrap();
    assert_eq!(board.to_rgb8(), expected, "the same picture as the window's");
    assert!(clip.join("frame-0040.png").is_file());

    let single = dir.path().join("board.png");
    assert!(runpose(&["export", path, "--storyboard", "1", "--out", single.to_str().unwrap()]).status.success());
    assert!(single.is_file());
    let stderr = |o: std::process::Output| (o.status.success(), String::from_utf8_lossy(&o.stderr).into_owned());
    let (ok, e) = stderr(runpose(&["export", path, "--storyboard", "99"]));
    assert!(!ok && e.contains("there is no step 99: the clip has steps 1 to"), "{e}");
    let (ok, e) = stderr(runpose(&["export", path, "--frame", "500"]));
    assert!(!ok && e.contains("there is no frame 500"), "{e}");
    let (ok, e) = stderr(runpose(&["export", path, "--frame", "2", "--mp4", "--out", "x.png"]));
    assert!(!ok && e.contains("--out names one file"), "{e}");
    let (ok, e) = stderr(runpose(&["export", Path::new(path).join("nowhere").to_str().unwrap(), "--frame", "1"]));
    assert!(!ok && e.contains("does not exist"), "{e}");
}
