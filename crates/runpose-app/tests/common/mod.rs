//! Where the app's tests find the shared test data (RUNPOSE_DATA, default ../shared/data beside the project).

#![allow(dead_code)] // each test file uses what it needs

use std::path::PathBuf;

pub fn data_dir() -> PathBuf {
    std::env::var_os("RUNPOSE_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"))
}

/// The real treadmill clip: runner facing left, 720×1280, 30 fps, 360 frames.
pub fn treadmill_clip() -> PathBuf {
    data_dir().join("running/treadmill_side_male.mp4")
}

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
