//! The live window drawn from fixed states with egui_kittest (no camera, no model): the overlay on a fixed frame
//! with fixed poses, treadmill mode, and the no-camera state. Snapshots are in tests/snapshots/; after a deliberate
//! change to the look, regenerate them with UPDATE_SNAPSHOTS=1.
//!
//! The fixed frame is frame 156 of the real treadmill clip (tests/data, decoded here),
//! the fixed poses the full model's poses of its frames 0–156 (tests/fixtures/live_poses.json), made by running this
//! test once with RUNPOSE_UPDATE_FIXTURES=1 (that run needs the model and ONNX Runtime).

// A test (or bench) fails loudly: unwrap and expect are its asserts (clippy.toml allows them in #[test] items).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use runpose_app::session::live::LiveState;
use runpose_app::windows::live_settings::{Settings, Status};
use runpose_app::windows::live_window::LiveApp;
use runpose_capture::live::LiveFrame;
use runpose_core::{AnalysisConfig, LiveAnalyzer, LiveView};

/// Frames 0–156: the last one (5.2 s) is in a stance of the near foot.
const FIXTURE_FRAMES: usize = 157;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// One pose per frame: `[x, y, z, score]` per landmark, or null without a person.
type PoseRows = Vec<(f64, Option<Vec<[f64; 4]>>)>;

mod common;
use common::treadmill_clip as clip;

/// Frame `index` of the treadmill clip.
fn clip_frame(index: usize) -> image::RgbImage {
    let mut reader = runpose_capture::VideoReader::open(clip()).expect("the treadmill clip (RUNPOSE_DATA)");
    (0..index).for_each(|_| drop(reader.next_frame()));
    reader.next_frame().unwrap().expect("the clip is long enough").image
}

fn regenerate_fixtures() {
    let clip = clip();
    let mut tracker = runpose_app::session::estimate::load_tracker(runpose_vision::ModelVariant::Full, None)
        .expect("the model loads");
    let mut reader = runpose_capture::VideoReader::open(&clip).unwrap();
    let mut rows: PoseRows = Vec::new();
    for _ in 0..FIXTURE_FRAMES {
        let frame = reader.next_frame().unwrap().expect("enough frames");
        let pose = tracker.process(&frame.image).unwrap().map(|e| e.pose);
        rows.push((frame.t, pose.map(|p| p.keypoints.iter().map(|k| [k.x, k.y, k.z, k.score]).collect())));
    }
    std::fs::write(fixtures().join("live_poses.json"), serde_json::to_string(&rows).unwrap()).unwrap();
}

/// The fixed frame and the live view after the fixed poses.
fn fixture_state() -> LiveState {
    if std::env::var_os("RUNPOSE_UPDATE_FIXTURES").is_some() {
        regenerate_fixtures();
    }
    let frames = common::fixture_poses();
    let mut analyzer = LiveAnalyzer::new(AnalysisConfig { height_cm: Some(175.0), ..Default::default() });
    let mut view: Option<LiveView> = None;
    for f in &frames {
        view = analyzer.push(f.clone()).ok();
    }
    let view = view.expect("the fixture has a runner");
    assert!(!view.steps.is_empty(), "the fixture has settled steps");
    let image = clip_frame(frames.len() - 1);
    let (index, t) = (frames.len() as u64 - 1, frames.last().unwrap().t);
    LiveState {
        frame: LiveFrame { index, t, pass: 0, captured: Instant::now(), image },
        view: Ok(Arc::new(view)),
        inference: Duration::ZERO,
        person: None,
    }
}

fn harness(app: LiveApp) -> Harness<'static, LiveApp> {
    Harness::builder().with_size([1280.0, 800.0]).wgpu().build_ui_state(|ui, app: &mut LiveApp| app.ui(ui), app)
}

fn idle_app(settings: Settings) -> LiveApp {
    LiveApp::new(settings, Some(PathBuf::from("assets/demo.mp4")), None)
}

#[test]
fn the_overlay_shows_skeleton_fall_line_numbers_and_charts() {
    let mut app = idle_app(Settings {
        camera: None,
        video: Some("demo.mp4".into()),
        height_cm: Some(175.0),
        ..Default::default()
    });
    app.show_state(fixture_state());
    let mut h = harness(app);
    h.run();
    // The step's numbers and the chart titles are on screen.
    h.get_by_label_contains("cadence 1"); // the panel's number, not its title
    h.get_by_label_contains("Fall angle, °");
    h.get_by_label_contains("Cadence, steps/min");
    h.snapshot("live_overlay");
}

/// A click on the picture follows the person there: the point in the frame's pixels, mirrored or not.
#[test]
fn a_click_on_a_person_follows_them() {
    for mirror in [false, true] {
        let mut app = idle_app(Settings { camera: None, video: Some("demo.mp4".into()), mirror, ..Default::default() });
        app.show_state(fixture_state());
        let mut h = harness(app);
        h.run();
        let (x, y) = (300.0, 700.0);
        let pos = h.state().picture_to_screen(x, y).expect("the frame was drawn");
        h.input_mut().events.push(egui::Event::PointerMoved(pos));
        for pressed in [true, false] {
            h.input_mut().events.push(egui::Event::PointerButton {
                pos,
                button: egui::PointerButton::Primary,
                pressed,
                modifiers: egui::Modifiers::NONE,
            });
            h.run();
        }
        let (fx, fy) = h.state().followed.expect("the click follows someone");
        assert!(
            (fx - x).abs() < 1.0 && (fy - y).abs() < 1.0,
            "mirror {mirror}: clicked ({x}, {y}), followed ({fx}, {fy})"
        );
        h.get_by_label_contains("Following the person you clicked");
    }
}

/// With many frames dropped the panel's numbers and the charts' step lines are grey and the panel says why.
#[test]
fn with_many_frames_dropped_numbers_and_charts_are_grey() {
    let mut app = idle_app(Settings {
        camera: None,
        video: Some("demo.mp4".into()),
        height_cm: Some(175.0),
        ..Default::default()
    });
    let mut state = fixture_state();
    let mut view = state.view.as_deref().unwrap().clone();
    view.dropped_share = 0.4;
    assert!(view.uncertain());
    state.view = Ok(Arc::new(view));
    app.show_state(state);
    let mut h = harness(app);
    h.run();
    h.get_by_label_contains("40 % of frames dropped: numbers uncertain");
    h.snapshot("live_uncertain");
}

#[test]
fn treadmill_mode_shows_the_cue_and_big_numbers() {
    let mut app =
        idle_app(Settings { camera: None, video: Some("demo.mp4".into()), treadmill: true, ..Default::default() });
    app.show_state(fixture_state());
    let mut h = harness(app);
    h.run();
    h.get_by_label_contains(" spm");
    h.snapshot("live_treadmill");
}

#[test]
fn without_a_camera_the_window_says_so_and_offers_retry_or_a_video() {
    let mut app = idle_app(Settings { camera: Some(0), ..Default::default() });
    app.restart(); // no camera listed
    assert!(matches!(&app.status, Status::NoSource(why) if why.starts_with("No camera found")));
    let mut h = harness(app);
    h.run();
    h.get_by_label_contains("No camera found");
    h.get_by_label("Retry");
    h.get_by_label("Open the demo video");
    h.snapshot("live_no_camera");
}

#[test]
fn a_recording_cut_off_is_offered_at_start_and_recovered_with_its_analysis() {
    use runpose_capture::clip::{ClipMeta, ClipWriter, find_interrupted, read_manifest};
    let dir = tempfile::tempdir().unwrap();
    let recordings = dir.path().join("recordings");
    let clip_dir = recordings.join("run-cut-off");
    // A recording of the fixture's real poses whose writer never finishes: as after a crash.
    let meta = ClipMeta { source: "camera 0".into(), height_cm: Some(175.0), model: "full".into() };
    let mut w = ClipWriter::create(&clip_dir, meta, 72, 128, 30.0).unwrap();
    for f in common::fixture_poses() {
        w.push(f.t, &image::RgbImage::new(72, 128), f.pose.as_ref()).unwrap();
    }
    drop(w);

    let mut app = idle_app(Settings { camera: None, recordings_dir: Some(recordings.clone()), ..Default::default() });
    app.interrupted = find_interrupted(&recordings);
    assert_eq!(app.interrupted.len(), 1);
    let mut h = harness(app);
    h.run();
    h.get_by_label_contains("A recording was cut off: run-cut-off");
    h.get_by_label("Recover it").click();
    h.run();
    h.get_by_label_contains("Recovered");
    assert!(h.state().interrupted.is_empty());
    let m = read_manifest(&clip_dir).unwrap();
    assert!(m.recovered);
    assert_eq!(m.state, runpose_capture::clip::ClipState::Complete);
    // The muxer holds its open cluster (at most 250 ms) in memory: that much is lost with the process.
    assert!(m.frames + 9 >= FIXTURE_FRAMES, "all but the last quarter second: {}", m.frames);
    assert!(m.steps.unwrap() >= 8, "the recovered clip is analysed: {m:?}");
    assert!(clip_dir.join("steps.csv").is_file());
}
