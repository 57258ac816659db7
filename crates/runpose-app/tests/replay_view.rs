//! The replay window with egui_kittest on a clip made of the treadmill clip's first 157 frames and the full model's
//! poses of them (tests/fixtures/live_poses.json): the angle tool reports the angle of the points clicked, markup is
//! saved beside the clip as it is made and undone, the timeline's keys step through the gait events, and dragging a
//! landmark corrects it and recomputes the metrics. Snapshots in tests/snapshots/ (UPDATE_SNAPSHOTS=1 regenerates).

use std::path::{Path, PathBuf};

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use runpose_app::replay::{Replay, ReplayApp, Tool};
use runpose_capture::clip::{ClipMeta, ClipWriter, load_markup};
use runpose_core::markup::Shape;
use runpose_core::{Landmark, Point};
use runpose_vision::ModelVariant;

mod common;

/// A clip of the treadmill clip's frames 0–156 with the fixture's poses, finished and analysed.
fn make_clip(dir: &Path) -> PathBuf {
    let clip_dir = dir.join("clip");
    let mut reader = runpose_capture::VideoReader::open(common::treadmill_clip()).unwrap();
    let meta = ClipMeta { source: "video treadmill_side_male.mp4".into(), height_cm: Some(175.0), model: "full".into() };
    let mut w = ClipWriter::create(&clip_dir, meta, 720, 1280, 30.0).unwrap();
    for f in common::fixture_poses() {
        let frame = reader.next_frame().unwrap().unwrap();
        w.push(f.t, &frame.image, f.pose.as_ref()).unwrap();
    }
    w.finish().unwrap();
    runpose_app::record::finish_clip(&clip_dir).unwrap();
    clip_dir
}

/// The window on `doc`, its Open field showing a path that is the same on every machine (snapshots).
fn harness(mut app: ReplayApp) -> Harness<'static, ReplayApp> {
    app.open_text = "clip".into();
    Harness::builder().with_size([1280.0, 860.0]).wgpu().build_ui_state(|ui, app: &mut ReplayApp| app.ui(ui), app)
}

fn click(h: &mut Harness<'static, ReplayApp>, at: Point) {
    let pos = h.state().to_screen(at).expect("the frame is drawn");
    h.drag_at(pos);
    h.run();
    h.drop_at(pos);
    h.run();
}

#[test]
fn the_angle_tool_reports_the_angle_of_the_points_clicked_and_markup_is_saved_and_undone() {
    let dir = tempfile::tempdir().unwrap();
    let clip = make_clip(dir.path());
    let doc = Replay::open(&clip, ModelVariant::Full, false).unwrap();
    assert!(doc.analysis.as_ref().is_some_and(|a| a.steps.len() >= 8), "the clip is analysed");
    let mut h = harness(ReplayApp::new(Some(doc), ModelVariant::Full));
    h.run();
    h.get_by_label("Angle").click();
    h.run();
    assert_eq!(h.state().tool, Tool::Angle);
    // A right angle: up from the vertex, then along.
    for p in [Point::new(300.0, 500.0), Point::new(300.0, 800.0), Point::new(560.0, 800.0)] {
        click(&mut h, p);
    }
    // And 45°.
    for p in [Point::new(100.0, 300.0), Point::new(100.0, 600.0), Point::new(400.0, 300.0)] {
        click(&mut h, p);
    }
    let marks = h.state().doc.as_ref().unwrap().markup.marks.clone();
    assert_eq!(marks.len(), 2);
    // One screen point is 1/zoom (about 1.6) frame pixels: the angles are right to a fraction of a degree.
    let value = |i: usize| marks[i].shape.value().unwrap();
    assert!((value(0) - 90.0).abs() < 0.6, "{}", value(0));
    assert!((value(1) - 45.0).abs() < 0.6, "{}", value(1));
    assert!(matches!(marks[0].shape, Shape::Angle { .. }) && marks.iter().all(|m| m.frame == 0));
    h.snapshot("replay_angle");

    // Saved beside the clip as made, and undo saves too.
    let saved = load_markup(&clip.join("markup.json")).unwrap().unwrap();
    assert_eq!(saved.marks, marks);
    h.state_mut().undo();
    h.run();
    assert_eq!(load_markup(&clip.join("markup.json")).unwrap().unwrap().marks.len(), 1);
    h.state_mut().redo();
    // Reopening the clip brings the markup back.
    let again = Replay::open(&clip, ModelVariant::Full, false).unwrap();
    assert_eq!(again.markup.marks, marks);
}

#[test]
fn keys_step_frames_and_jump_between_the_steps_key_instants() {
    let dir = tempfile::tempdir().unwrap();
    let clip = make_clip(dir.path());
    let doc = Replay::open(&clip, ModelVariant::Full, false).unwrap();
    let timeline: Vec<usize> = doc.timeline().iter().map(|(f, _)| *f).collect();
    assert!(timeline.len() >= 30, "four instants per step");
    let mut h = harness(ReplayApp::new(Some(doc), ModelVariant::Full));
    h.run();
    h.key_press(egui::Key::CloseBracket);
    h.run();
    let first = *timeline.iter().find(|&&f| f > 0).unwrap();
    assert_eq!(h.state().frame, first, "] goes to the first key instant");
    h.key_press(egui::Key::CloseBracket);
    h.run();
    let second = h.state().frame;
    assert!(second > first && timeline.contains(&second));
    h.key_press(egui::Key::ArrowRight);
    h.run();
    assert_eq!(h.state().frame, second + 1);
    h.key_press(egui::Key::ArrowLeft);
    h.key_press(egui::Key::ArrowLeft);
    h.run();
    assert_eq!(h.state().frame, second - 1);
    h.key_press(egui::Key::OpenBracket);
    h.run();
    assert_eq!(h.state().frame, first);
    h.key_press(egui::Key::Space);
    h.run();
    assert!(h.state().playing);
    h.get_by_label("Pause");
    h.snapshot("replay_timeline");
}

#[test]
fn dragging_a_wrong_landmark_corrects_it_and_recomputes_the_frame() {
    let dir = tempfile::tempdir().unwrap();
    let clip = make_clip(dir.path());
    let doc = Replay::open(&clip, ModelVariant::Full, false).unwrap();
    let frame = doc.instants[2].pose; // mid-stance of the third step
    let side = doc.instants[2].side;
    let before = doc.analysis.as_ref().unwrap().metrics[frame].clone();
    let knee = doc.raw[frame].pose.as_ref().unwrap().pt(side.knee());
    let mut h = harness(ReplayApp::new(Some(doc), ModelVariant::Full));
    h.state_mut().seek(frame);
    h.run();
    h.get_by_label("Correct landmark").click();
    h.run();
    // Drag the knee 60 pixels forward and up.
    let to = Point::new(knee.x - 60.0, knee.y - 30.0);
    let (from_pos, to_pos) = (h.state().to_screen(knee).unwrap(), h.state().to_screen(to).unwrap());
    h.drag_at(from_pos);
    h.run();
    h.hover_at(from_pos + (to_pos - from_pos) * 0.5);
    h.run();
    h.drop_at(to_pos);
    h.run();
    let doc = h.state().doc.as_ref().unwrap();
    let c = doc.markup.corrections.first().expect("a correction");
    assert_eq!((c.frame, c.landmark), (frame, side.knee()));
    assert!((c.x - to.x).abs() < 2.0 && (c.y - to.y).abs() < 2.0, "{c:?}");
    let after = &doc.analysis.as_ref().unwrap().metrics[frame];
    let flexion = |m: &runpose_core::metrics::FrameMetrics| if side == runpose_core::Side::Left { m.knee_flexion_left_deg } else { m.knee_flexion_right_deg };
    let (b, a) = (flexion(&before).unwrap(), flexion(after).unwrap());
    assert!((a - b).abs() > 5.0, "the knee angle follows the corrected knee: {b} → {a}");
    // Kept in the markup file.
    let saved = load_markup(&clip.join("markup.json")).unwrap().unwrap();
    assert_eq!(saved.corrections.len(), 1);
    assert_eq!(saved.corrections[0].landmark, Landmark::ALL[side.knee().index()]);
}
