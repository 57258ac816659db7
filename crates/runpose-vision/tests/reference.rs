//! The BlazePose decoding checked against independent references: human COCO labels and the shipped models'
//! expected signatures. Needs the ONNX Runtime library (scripts/setup.sh) and the test data
//! (tests/data, or `RUNPOSE_DATA`).

// A test (or bench) fails loudly: unwrap and expect are its asserts (clippy.toml allows them in #[test] items).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use runpose_core::{Landmark, Pose};
use runpose_vision::{ModelVariant, PoseTracker, TrackerOptions, VisionError, runtime};

fn load(name: &str) -> image::RgbImage {
    let path = runpose_testdata::images_dir().join(name);
    image::open(&path).unwrap_or_else(|e| panic!("{}: {e} (tests/data, or RUNPOSE_DATA)", path.display())).to_rgb8()
}

fn estimate(variant: ModelVariant, img: &image::RgbImage) -> Pose {
    let mut tracker = PoseTracker::with_variant(variant).expect("models load");
    tracker.process(img).expect("inference runs").expect("a person is found").pose
}

/// Share of the human-labelled COCO keypoints within 0.2 torso lengths (left shoulder to right hip) of the model's.
fn pck_on_skier(pose: &Pose) -> (f64, Vec<(String, f64)>) {
    let labels: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(runpose_testdata::images_dir().join("coco_000000000785_skier.keypoints.json"))
            .unwrap(),
    )
    .unwrap();
    let names: Vec<String> =
        labels["keypoint_names"].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_string()).collect();
    let kps: Vec<f64> =
        labels["annotations"][0]["keypoints"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
    let label = |name: &str| {
        let i = names.iter().position(|n| n == name).unwrap();
        runpose_core::Point::new(kps[i * 3], kps[i * 3 + 1])
    };
    let torso = label("left_shoulder").dist(label("right_hip"));
    let mut errors = Vec::new();
    for (i, name) in names.iter().enumerate() {
        if kps[i * 3 + 2] == 0.0 {
            continue;
        }
        let lm = Landmark::ALL.iter().find(|l| l.name() == name).unwrap();
        errors.push((name.clone(), pose.pt(*lm).dist(label(name)) / torso));
    }
    let within = errors.iter().filter(|(_, e)| *e <= 0.2).count();
    (within as f64 / errors.len() as f64, errors)
}

#[test]
fn keypoints_match_human_labels_on_the_coco_skier() {
    let img = load("coco_000000000785_skier.jpg");
    for (variant, least) in [(ModelVariant::Lite, 0.85), (ModelVariant::Full, 0.9), (ModelVariant::Heavy, 0.9)] {
        let (pck, errors) = pck_on_skier(&estimate(variant, &img));
        println!(
            "PCK@0.2 torso, {}: {:.3}  {:?}",
            variant.name(),
            pck,
            errors.iter().map(|(n, e)| format!("{n}={e:.2}")).collect::<Vec<_>>()
        );
        assert!(pck >= least, "{} PCK {pck} < {least}: {errors:?}", variant.name());
    }
}

#[test]
fn a_side_on_person_stands_upright_in_the_frame() {
    let img = load("warrior_side.jpg");
    let pose = estimate(ModelVariant::Full, &img);
    let (w, h) = (img.width() as f64, img.height() as f64);
    for l in [Landmark::Nose, Landmark::LeftHip, Landmark::RightHip, Landmark::LeftAnkle, Landmark::RightAnkle] {
        let p = pose.pt(l);
        assert!(p.x > 0.0 && p.x < w && p.y > 0.0 && p.y < h, "{} at {p:?}", l.name());
    }
    assert!(pose.pt(Landmark::Nose).y < pose.hip_mid().y);
    assert!(pose.hip_mid().y < pose.pt(Landmark::LeftAnkle).y.min(pose.pt(Landmark::RightAnkle).y));
}

#[test]
fn no_person_in_a_blank_frame() {
    let mut tracker = PoseTracker::with_variant(ModelVariant::Lite).unwrap();
    let blank = image::RgbImage::from_pixel(640, 480, image::Rgb([30, 30, 30]));
    assert!(tracker.process(&blank).unwrap().is_none());
    assert_eq!(tracker.times().detect_calls, 1);
}

#[test]
fn tracking_skips_the_detector_on_the_next_frame() {
    let img = load("coco_000000000785_skier.jpg");
    let mut tracker = PoseTracker::with_variant(ModelVariant::Lite).unwrap();
    for _ in 0..3 {
        assert!(tracker.process(&img).unwrap().is_some());
    }
    let times = tracker.times();
    assert_eq!((times.detect_calls, times.landmark_calls), (1, 3));
}

#[test]
fn wrong_or_missing_model_files_say_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let models = runtime::models_dir();
    let err = PoseTracker::new(dir.path(), TrackerOptions::new(ModelVariant::Full)).err().unwrap();
    assert!(matches!(err, VisionError::ModelMissing { .. }), "{err}");
    assert!(err.to_string().contains("RUNPOSE_MODELS"));
    // The detector where the landmark model should be: loads, but has the wrong signature.
    std::fs::copy(models.join("mp_pose_detection.onnx"), dir.path().join("mp_pose_detection.onnx")).unwrap();
    std::fs::copy(models.join("mp_pose_detection.onnx"), dir.path().join("mp_pose_landmark_full.onnx")).unwrap();
    let err = PoseTracker::new(dir.path(), TrackerOptions::new(ModelVariant::Full)).err().unwrap();
    assert!(matches!(err, VisionError::WrongModel { .. }), "{err}");
    // Not an ONNX file at all.
    std::fs::write(dir.path().join("mp_pose_landmark_full.onnx"), b"not a model").unwrap();
    let err = PoseTracker::new(dir.path(), TrackerOptions::new(ModelVariant::Full)).err().unwrap();
    assert!(matches!(err, VisionError::WrongModel { .. }), "{err}");
}
