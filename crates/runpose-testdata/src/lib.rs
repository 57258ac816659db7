//! Where runpose's tests, benches and validation study find the real footage and ground truth: the repository's
//! `tests/data/` (its README says what each file is, where it came from and its licence), or the folder
//! `RUNPOSE_DATA` names, which must hold the same layout.

use std::path::PathBuf;

/// The test data folder: `RUNPOSE_DATA` when set, else the repository's `tests/data`.
pub fn data_dir() -> PathBuf {
    std::env::var_os("RUNPOSE_DATA").map_or_else(in_repository, PathBuf::from)
}

/// The repository's own `tests/data`.
pub fn in_repository() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/data")
}

/// The real treadmill clip: runner facing left, 720×1280, 30 fps, 360 frames (MIT, the runner consented).
pub fn treadmill_clip() -> PathBuf {
    data_dir().join("running/treadmill_side_male.mp4")
}

/// Two people, one jumping and one walking, nobody running (Sports2D's demo, BSD-3-Clause).
pub fn two_people_clip() -> PathBuf {
    data_dir().join("people/sports2d_demo.mp4")
}

/// The Fukuchi et al. (2017) motion-capture trials (markers and force plate).
pub fn fukuchi_dir() -> PathBuf {
    data_dir().join("mocap/fukuchi2017")
}

/// The still images (a side-on pose; a COCO image with human-labelled keypoints).
pub fn images_dir() -> PathBuf {
    data_dir().join("images")
}

/// The hand annotation of the treadmill clip's gait events (always the repository's: it is runpose's own).
pub fn treadmill_annotation() -> PathBuf {
    in_repository().join("annotations/treadmill_side_male.events.csv")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The repository carries every file the tests read, with the licence beside each.
    #[test]
    fn the_repository_carries_the_test_data() {
        let root = in_repository();
        for file in [
            "README.md",
            "running/treadmill_side_male.mp4",
            "running/LICENSE-treadmill_side_male.txt",
            "people/sports2d_demo.mp4",
            "people/LICENSE-sports2d_demo.txt",
            "mocap/fukuchi2017/RBDS001runT35.c3d",
            "mocap/fukuchi2017/RBDS001static.c3d",
            "mocap/fukuchi2017/RBDSinfo.txt",
            "mocap/fukuchi2017/LICENSE.txt",
            "images/warrior_side.jpg",
            "images/LICENSE-warrior_side.txt",
            "images/coco_000000000785_skier.jpg",
            "images/coco_000000000785_skier.keypoints.json",
            "annotations/treadmill_side_male.events.csv",
        ] {
            assert!(root.join(file).is_file(), "tests/data/{file} is missing");
        }
    }
}
