//! Click a person in the replay view to follow them (README §Several people in view), driven with egui_kittest on
//! the treadmill clip placed beside itself mirrored (two runners): the video opens following one of them; Follow
//! person shows the first frame with people, and a click on the other runner analyses the video again following
//! them in every frame, and keeps their landmarks beside it.

// A test (or bench) fails loudly: unwrap and expect are its asserts (clippy.toml allows them in #[test] items).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use runpose_app::session::document::{Loaded, poses_cache};
use runpose_app::windows::replay_tools::Tool;
use runpose_app::windows::replay_window::ReplayApp;
use runpose_core::{Landmark, Point, PoseFrame};
use runpose_vision::ModelVariant;

mod common;

/// The middle of the hips in each frame with a pose (frame pixels).
fn hips(frames: &[PoseFrame]) -> Vec<Point> {
    frames
        .iter()
        .filter_map(|f| f.pose.as_ref())
        .map(|p| {
            let (l, r) = (p.kp(Landmark::LeftHip), p.kp(Landmark::RightHip));
            Point::new((l.x + r.x) / 2.0, (l.y + r.y) / 2.0)
        })
        .collect()
}

/// The treadmill clip beside itself mirrored (ffmpeg hstack), 960 pixels high: two runners, each in a half
/// `HALF` pixels wide, facing each other.
fn two_runners(dir: &std::path::Path) -> std::path::PathBuf {
    let stack = dir.join("two_runners.mp4");
    let status = std::process::Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-i", common::treadmill_clip().to_str().unwrap()])
        .args(["-filter_complex", "[0:v]split[a][b];[b]hflip[m];[a][m]hstack=inputs=2,scale=-2:960"])
        .args(["-c:v", "libx264", "-preset", "ultrafast", "-crf", "20", stack.to_str().unwrap()])
        .status()
        .unwrap();
    assert!(status.success());
    stack
}

/// The width of each runner's half of the frame: 720 × 960/1280 pixels.
const HALF: f64 = 540.0;

#[test]
fn a_click_on_the_other_runner_follows_them_in_every_frame() {
    let dir = tempfile::tempdir().unwrap();
    let video = two_runners(dir.path());

    // Opened, the video follows one of the runners, in every frame.
    let mut h = Harness::builder()
        .with_size([1280.0, 860.0])
        .build_ui_state(|ui, app: &mut ReplayApp| app.ui(ui), ReplayApp::new(None, ModelVariant::Full));
    h.state_mut().open(&video);
    common::settle(&mut h, |_| {});
    let first = hips(&h.state().doc.as_ref().expect("the video opens").raw);
    assert!(first.len() > 250, "the runner has a pose in most frames: {}", first.len());
    let left = first[0].x < HALF;
    assert!(first.iter().all(|p| (p.x < HALF) == left), "one runner is followed in every frame");

    // The other runner near the start: the detector's person in the other half in the first frames it finds one
    // there; the click goes on their hips.
    let start = h.state().doc.as_ref().unwrap().raw.iter().position(|f| f.pose.is_some()).unwrap();
    let mut reader = runpose_capture::VideoReader::open(&video).unwrap();
    let mut tracker = runpose_app::session::estimate::load_tracker(ModelVariant::Full, None).unwrap();
    let other = (0..start + 30)
        .filter_map(|_| {
            let image = reader.next_frame().unwrap().unwrap().image;
            let people = tracker.detect_people(&image).unwrap();
            let roi = people.iter().map(|d| d.roi()).find(|r| (f64::from(r.cx) < HALF) != left)?;
            Some(Point::new(f64::from(roi.cx), f64::from(roi.cy)))
        })
        .next()
        .expect("the detector finds the other runner");

    // Follow person: the first frame with people is shown; a click on the other runner follows them.
    h.state_mut().frame = 40;
    h.get_by_label("Follow person").click();
    h.run();
    assert_eq!(h.state().tool, Tool::Follow);
    assert_eq!(h.state().frame, start, "the click is taken on the first frame with people");
    let pos = h.state().to_screen(other).expect("the frame is drawn");
    h.drag_at(pos);
    h.run();
    h.drop_at(pos);
    h.run();
    assert!(h.state().opening.is_some(), "{:?}", h.state().notice);
    common::settle(&mut h, |_| {});
    assert_eq!(h.state().notice.as_deref(), Some("Following the person you clicked"));
    h.get_by_label_contains("Following the person you clicked");

    // The runner clicked is followed from where they were clicked, in every frame, never the first one.
    let followed = hips(&h.state().doc.as_ref().unwrap().raw);
    assert!(followed.len() > 250, "the runner clicked has a pose in most frames: {}", followed.len());
    assert!(followed[0].dist(other) < 100.0, "followed from {:?}, clicked {other:?}", followed[0]);
    let on_first = followed.iter().filter(|p| (p.x < HALF) == left).count();
    assert_eq!(on_first, 0, "the first runner in {on_first} of {} frames", followed.len());

    // Their landmarks are kept beside the video: opening it again follows them.
    assert!(poses_cache(&video).is_file());
    let again = Loaded::read(&video, ModelVariant::Full, &indicatif::ProgressBar::hidden()).unwrap();
    assert!(hips(&again.raw)[0].dist(followed[0]) < 0.01, "{:?} {:?}", hips(&again.raw)[0], followed[0]);
}
