//! The replay window with egui_kittest on a clip made of the treadmill clip's first 157 frames and the full model's
//! poses of them (tests/fixtures/live_poses.json): the angle tool reports the angle of the points clicked, markup is
//! saved beside the clip as it is made and undone, the timeline's keys step through the gait events, and dragging a
//! landmark corrects it and recomputes the metrics. Snapshots in tests/snapshots/ (UPDATE_SNAPSHOTS=1 regenerates).

// A test (or bench) fails loudly: unwrap and expect are its asserts (clippy.toml allows them in #[test] items).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use runpose_app::session::document::Replay;
use runpose_app::windows::replay_tools::Tool;
use runpose_app::windows::replay_window::ReplayApp;
use runpose_capture::clip::load_markup;
use runpose_core::markup::Shape;
use runpose_core::{Landmark, Point};
use runpose_vision::ModelVariant;

mod common;

/// A clip of the treadmill clip's frames 0–156 with the fixture's poses, finished and analysed.
fn make_clip(dir: &Path) -> PathBuf {
    common::make_clip(dir, "clip", 0, 1.0)
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
    // A landing frame whose knees are well apart, so the drag (which starts once the pointer has moved) picks this
    // knee.
    let apart = |i: &runpose_core::phase::StepInstants| {
        let p = doc.raw[i.contact].pose.as_ref().unwrap();
        p.pt(i.side.knee()).dist(p.pt(i.side.other().knee()))
    };
    let instant = doc.instants.iter().max_by(|a, b| apart(a).total_cmp(&apart(b))).expect("steps");
    assert!(apart(instant) > 80.0, "knees {} px apart", apart(instant));
    let (frame, side) = (instant.contact, instant.side);
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
    let flexion = |m: &runpose_core::metrics::FrameMetrics| {
        if side == runpose_core::Side::Left { m.knee_flexion_left_deg } else { m.knee_flexion_right_deg }
    };
    let (b, a) = (flexion(&before).unwrap(), flexion(after).unwrap());
    assert!((a - b).abs() > 5.0, "the knee angle follows the corrected knee: {b} → {a}");
    // Kept in the markup file.
    let saved = load_markup(&clip.join("markup.json")).unwrap().unwrap();
    assert_eq!(saved.corrections.len(), 1);
    assert_eq!(saved.corrections[0].landmark, Landmark::ALL[side.knee().index()]);
}

#[test]
fn side_by_side_the_second_clip_lands_when_the_first_does() {
    // The same running twice: B starts 20 frames later and runs 25 % slower, so by clock time the two drift apart
    // within a step; by gait phase, each of A's initial contacts shows B at an initial contact of the same foot.
    const SKIP: usize = 20;
    let dir = tempfile::tempdir().unwrap();
    let (a_clip, b_clip) = (make_clip(dir.path()), common::make_clip(dir.path(), "slower", SKIP, 1.25));
    let doc = Replay::open(&a_clip, ModelVariant::Full, false).unwrap();
    let b_doc = Replay::open(&b_clip, ModelVariant::Full, false).unwrap();
    let b_contacts: Vec<(usize, runpose_core::Side)> = b_doc.instants.iter().map(|s| (s.contact, s.side)).collect();
    let a_contacts: Vec<(usize, runpose_core::Side)> = doc.instants.iter().map(|s| (s.contact, s.side)).collect();
    let mut h = harness(ReplayApp::new(Some(doc), ModelVariant::Full));
    h.state_mut().compare_text = b_clip.display().to_string();
    h.run();
    h.get_by_label("Compare").click();
    h.run();
    common::settle(&mut h, |_| {});
    let compare = h.state().compare.as_ref().expect("opened beside");
    let map = compare.map.as_ref().expect("aligned by gait phase").clone();
    assert!(map.pairs().len() >= 10, "{} paired events", map.pairs().len());
    // Frames from B's contact of the same foot nearest the frame shown beside each of A's contacts (within the paired
    // range), and from B's frame by clock time.
    let (first, last) = (map.pairs()[0].0, map.pairs().last().unwrap().0);
    let a_times: Vec<f64> = h.state().doc.as_ref().unwrap().raw.iter().map(|f| f.t).collect();
    let (mut by_phase, mut by_clock) = (Vec::new(), Vec::new());
    let off = |b: usize, side| {
        b_contacts
            .iter()
            .filter(|(_, s)| *s == side)
            .map(|(c, _)| b as i64 - *c as i64)
            .min_by_key(|d| d.abs())
            .unwrap()
    };
    // The near foot's contacts: the far foot's, seen poorly by the full model, may be found a few frames apart in the
    // two clips (docs/metrics.md §Flags).
    let near = h.state().doc.as_ref().unwrap().analysis.as_ref().unwrap().summary.near_side;
    for &(f, side) in a_contacts.iter().filter(|(f, s)| *s == near && (first..=last).contains(&a_times[*f])) {
        h.state_mut().seek(f);
        by_phase.push(off(h.state().compare_frame().unwrap(), side));
        by_clock.push(off((f as f64 / 1.25).round() as usize, side));
    }
    assert!(by_phase.len() >= 5, "{by_phase:?}");
    // A contact found in one clip and missed in the other (the far foot is seen poorly) has no partner: one may.
    let lined_up = by_phase.iter().filter(|d| d.abs() <= 1).count();
    assert!(lined_up + 1 >= by_phase.len(), "frames from a contact of the same foot in B: {by_phase:?}");
    assert!(
        by_clock.iter().filter(|d| d.abs() > 2).count() >= by_clock.len() / 2,
        "clock time would not line up: {by_clock:?}"
    );
    // ] steps both: A goes to its next key instant, and B follows.
    let (f, side) = a_contacts[4];
    h.state_mut().seek(f - 1);
    h.key_press(egui::Key::CloseBracket);
    h.run();
    assert_eq!(h.state().frame, f);
    assert!(off(h.state().compare_frame().unwrap(), side).abs() <= 1);
    h.get_by_label("Close comparison");
    h.state_mut().compare_text = "slower".into(); // the same on every machine (snapshot)
    h.run();
    h.snapshot("replay_compare");
}

#[test]
fn opening_a_video_in_the_window_analyses_it_with_progress_while_the_window_goes_on() {
    // A video with no landmarks yet: the treadmill clip's first 45 frames.
    let dir = tempfile::tempdir().unwrap();
    let video = dir.path().join("short.mp4");
    let mut reader = runpose_capture::VideoReader::open(common::treadmill_clip()).unwrap();
    let mut writer = runpose_capture::VideoWriter::create(&video, 720, 1280, 30.0).unwrap();
    for _ in 0..45 {
        let f = reader.next_frame().unwrap().unwrap();
        writer.write(&f.image, f.t).unwrap();
    }
    writer.finish().unwrap();
    let mut h = harness(ReplayApp::new(None, ModelVariant::Full));
    h.state_mut().open_text = video.display().to_string();
    h.run();
    h.get_by_label("Open").click();
    h.run();
    assert!(h.state().opening.is_some(), "opened on its own thread");
    let mut seen: Vec<(u64, Option<u64>)> = Vec::new();
    common::settle(&mut h, |app| {
        if let Some(o) = &app.opening {
            seen.push((o.bar.position(), o.bar.length()));
        }
    });
    // The window went on drawing frames while the video was analysed, and showed the count rising to the end.
    assert!(seen.len() >= 3, "{seen:?}");
    assert!(seen.iter().any(|&(done, len)| done > 0 && done < 45 && len == Some(45)), "{seen:?}");
    assert!(seen.windows(2).all(|w| w[1].0 >= w[0].0));
    let doc = h.state().doc.as_ref().expect("opened");
    assert_eq!(doc.frames(), 45);
    assert_eq!(doc.raw.iter().filter(|f| f.pose.is_some()).count(), 45, "the runner on every frame");
    assert!(runpose_app::session::document::poses_cache(&video).is_file(), "landmarks kept beside the video");
    // A path that is not there says so.
    h.state_mut().open_text = dir.path().join("missing.mp4").display().to_string();
    h.get_by_label("Open").click();
    h.run();
    common::settle(&mut h, |_| {});
    assert!(h.state().notice.as_deref().is_some_and(|n| n.contains("does not exist")), "{:?}", h.state().notice);
    assert_eq!(h.state().doc.as_ref().unwrap().frames(), 45, "the clip open stays open");
}

fn drag(h: &mut Harness<'static, ReplayApp>, from: Point, to: Point) {
    let (a, b) = (h.state().to_screen(from).unwrap(), h.state().to_screen(to).unwrap());
    h.drag_at(a);
    h.run();
    h.hover_at(a + (b - a) * 0.5);
    h.run();
    h.drop_at(b);
    h.run();
}

#[test]
fn a_marks_points_are_edited_by_dragging_its_handles_and_a_note_by_typing() {
    let dir = tempfile::tempdir().unwrap();
    let clip = make_clip(dir.path());
    let mut h =
        harness(ReplayApp::new(Some(Replay::open(&clip, ModelVariant::Full, false).unwrap()), ModelVariant::Full));
    h.run();
    h.get_by_label("Angle").click();
    h.run();
    let (a, vertex, b) = (Point::new(300.0, 500.0), Point::new(300.0, 800.0), Point::new(560.0, 800.0));
    for p in [a, vertex, b] {
        click(&mut h, p);
    }
    h.get_by_label("Select").click();
    h.run();
    let angle = |h: &Harness<'static, ReplayApp>| h.state().doc.as_ref().unwrap().markup.marks[0].shape.clone();
    assert!((angle(&h).value().unwrap() - 90.0).abs() < 0.6);
    // The end of the second ray, dragged up: 45°, the other points where they were.
    drag(&mut h, b, Point::new(600.0, 500.0));
    let Shape::Angle { a: a2, vertex: v2, b: b2 } = angle(&h) else { panic!("still an angle") };
    assert!((angle(&h).value().unwrap() - 45.0).abs() < 0.6, "{:?}", angle(&h));
    assert!((a2 - a).norm() < 1e-9 && (v2 - vertex).norm() < 1e-9 && (b2 - Point::new(600.0, 500.0)).norm() < 3.0);
    // Dragging the shape between its handles moves it whole.
    drag(&mut h, Point::new(300.0, 650.0), Point::new(340.0, 650.0));
    let Shape::Angle { a: a3, vertex: v3, .. } = angle(&h) else { panic!("still an angle") };
    assert!((a3.x - 340.0).abs() < 3.0 && (v3.x - 340.0).abs() < 3.0 && (a3.y - 500.0).abs() < 3.0);
    assert!((angle(&h).value().unwrap() - 45.0).abs() < 0.6, "moving keeps the angle");
    // Each drag is saved and undone in one step.
    let saved = load_markup(&clip.join("markup.json")).unwrap().unwrap();
    assert_eq!(saved.marks[0].shape, angle(&h));
    h.state_mut().undo();
    assert!(
        (angle(&h).value().unwrap() - 45.0).abs() < 0.6
            && matches!(angle(&h), Shape::Angle { vertex, .. } if (vertex.x - 300.0).abs() < 1e-9)
    );

    // A text note: selected, its text edited in the toolbar's field, saved when the field is left.
    h.get_by_label("Text").click();
    h.run();
    click(&mut h, Point::new(100.0, 200.0));
    h.get_by_label("Select").click();
    h.run();
    assert_eq!(h.state().selected, Some(1));
    h.state_mut().set_selected_text("hips over the foot".into());
    h.state_mut().finish_text_edit();
    let saved = load_markup(&clip.join("markup.json")).unwrap().unwrap();
    assert!(matches!(&saved.marks[1].shape, Shape::Text { text, .. } if text == "hips over the foot"));
    h.state_mut().undo();
    assert!(
        matches!(&h.state().doc.as_ref().unwrap().markup.marks[1].shape, Shape::Text { text, .. } if text == "note")
    );
}

/// A file dropped on the window (egui's dropped files, as a desktop's drag and drop gives them).
#[derive(Debug)]
struct Dropped(PathBuf);

impl egui::DroppedFile for Dropped {
    fn path(&self) -> &Path {
        &self.0
    }
    fn bytes(&self) -> Result<Vec<u8>, String> {
        std::fs::read(&self.0).map_err(|e| e.to_string())
    }
}

/// A clip dragged onto the empty replay window opens; a video dragged onto the live window plays.
#[test]
fn a_clip_or_video_dropped_on_the_window_opens() {
    let dir = tempfile::tempdir().unwrap();
    let clip = make_clip(dir.path());
    let mut h = harness(ReplayApp::new(None, ModelVariant::Full));
    h.run();
    h.input_mut().dropped_files.push(std::sync::Arc::new(Dropped(clip.clone())));
    // One frame, whose input holds the drop, then the window's logic as eframe runs it after the frame.
    h.step();
    let ctx = h.ctx.clone();
    h.state_mut().logic(&ctx);
    common::settle(&mut h, |_| {});
    assert_eq!(h.state().doc.as_ref().map(|d| d.source.clone()), Some(clip), "{:?}", h.state().notice);

    let mut live = Harness::builder().with_size([1280.0, 800.0]).build_ui_state(
        |ui, app: &mut runpose_app::windows::live_window::LiveApp| app.ui(ui),
        runpose_app::windows::live_window::LiveApp::new(
            runpose_app::windows::live_settings::Settings { camera: None, video: None, ..Default::default() },
            None,
            None,
        ),
    );
    live.run();
    live.input_mut().dropped_files.push(std::sync::Arc::new(Dropped(common::treadmill_clip())));
    live.step();
    let ctx = live.ctx.clone();
    live.state_mut().logic(&ctx);
    assert_eq!(live.state().settings.video, Some(common::treadmill_clip()));
    assert_eq!(live.state().settings.camera, None);
}
