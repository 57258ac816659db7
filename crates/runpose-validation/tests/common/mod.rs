//! Where the study's tests find the shared test data (RUNPOSE_DATA, default ../shared/data beside the project).

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
