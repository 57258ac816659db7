//! What the app's tests share: the test data (`runpose_testdata`: tests/data, or RUNPOSE_DATA), the fixture poses,
//! clips made from them, the replay window run to rest.

#![allow(dead_code, unused_imports)] // each test file uses what it needs

use std::path::PathBuf;

pub use runpose_testdata::{fukuchi_dir, treadmill_clip, two_people_clip};

/// The full model's poses of the treadmill clip's frames 0–156 (tests/fixtures/live_poses.json, made by
/// tests/live_view.rs with RUNPOSE_UPDATE_FIXTURES=1): one `(t, [x, y, z, score] per landmark or null)` per frame.
pub fn fixture_poses() -> Vec<runpose_core::PoseFrame> {
    type PoseRows = Vec<(f64, Option<Vec<[f64; 4]>>)>;
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/live_poses.json");
    let rows: PoseRows = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    rows.into_iter()
        .map(|(t, pose)| {
            let pose = pose.map(|kps| {
                let mut keypoints = [runpose_core::Keypoint::default(); runpose_core::NUM_LANDMARKS];
                for (k, v) in keypoints.iter_mut().zip(kps) {
                    *k = runpose_core::Keypoint { x: v[0], y: v[1], z: v[2], score: v[3] };
                }
                runpose_core::Pose { keypoints }
            });
            runpose_core::PoseFrame { t, pose }
        })
        .collect()
}

/// A finished, analysed clip `dir/name` of the treadmill clip's frames `skip`–156 with the fixture's poses (runner
/// 175 cm), its time stamps from 0 stretched by `time_scale` (1.25: the same running, 25 % slower).
pub fn make_clip(dir: &std::path::Path, name: &str, skip: usize, time_scale: f64) -> PathBuf {
    use runpose_capture::clip::{ClipMeta, ClipWriter};
    let clip_dir = dir.join(name);
    let mut reader = runpose_capture::VideoReader::open(treadmill_clip()).unwrap();
    let meta =
        ClipMeta { source: "video treadmill_side_male.mp4".into(), height_cm: Some(175.0), model: "full".into() };
    let mut w = ClipWriter::create(&clip_dir, meta, 720, 1280, 30.0 / time_scale).unwrap();
    let poses = fixture_poses();
    let t0 = poses[skip].t;
    for (i, f) in poses.iter().enumerate() {
        let frame = reader.next_frame().unwrap().unwrap();
        if i >= skip {
            w.push((f.t - t0) * time_scale, &frame.image, f.pose.as_ref()).unwrap();
        }
    }
    w.finish().unwrap();
    runpose_app::session::record::finish_clip(&clip_dir).unwrap();
    clip_dir
}

/// Runs the replay window's frames (with its `logic`, as eframe does) until what it opens or exports on its own
/// threads is done; calls `each` between frames.
pub fn settle(
    h: &mut egui_kittest::Harness<'static, runpose_app::windows::replay_window::ReplayApp>,
    mut each: impl FnMut(&runpose_app::windows::replay_window::ReplayApp),
) {
    let started = std::time::Instant::now();
    while h.state().opening.is_some() || h.state().video_export.is_some() {
        assert!(started.elapsed() < std::time::Duration::from_secs(300), "the window's work finishes");
        std::thread::sleep(std::time::Duration::from_millis(50));
        each(h.state());
        let ctx = h.ctx.clone();
        h.state_mut().logic(&ctx);
        h.run();
    }
}

/// The treadmill clip placed beside Sports2D's two people (ffmpeg hstack, 960 high: the runner's half is the left
/// `RUNNER_HALF` pixels), written to `dir/stack.mp4`.
pub fn runner_beside_people(dir: &std::path::Path) -> PathBuf {
    let stack = dir.join("stack.mp4");
    let status = std::process::Command::new("ffmpeg")
        .args([
            "-v",
            "error",
            "-y",
            "-i",
            treadmill_clip().to_str().unwrap(),
            "-i",
            two_people_clip().to_str().unwrap(),
        ])
        .args([
            "-filter_complex",
            "[1:v]crop=900:994:250:0,scale=-2:1280[r];[0:v][r]hstack=inputs=2:shortest=1,scale=-2:960",
        ])
        .args(["-c:v", "libx264", "-preset", "ultrafast", "-crf", "20", stack.to_str().unwrap()])
        .status()
        .unwrap();
    assert!(status.success());
    stack
}

/// The treadmill clip's half of `runner_beside_people`: 720 × 960/1280 pixels wide.
pub const RUNNER_HALF: f64 = 540.0;
