//! The heavy model in bf16 on OpenVINO (README §Precision) held to the video bands of docs/validation.md against
//! the hand annotation of the treadmill clip, as the f32 run is (tests/validation.rs). Runs where OpenVINO is set up
//! (`scripts/setup.sh --openvino`) on a CPU that computes in bf16; elsewhere it says so and checks nothing. Its own
//! test binary: a process chooses its backend and precision once, before the first model loads.

// A test (or bench) fails loudly: unwrap and expect are its asserts (clippy.toml allows them in #[test] items).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use runpose_validation::force_plate;
use runpose_validation::video;
use runpose_vision::backend::{self, Backend, Precision, Provider};
use runpose_vision::{ModelVariant, runtime};

mod common;
use common::data_dir;

#[test]
fn heavy_in_bf16_meets_the_video_bands_against_the_hand_annotation() {
    if runtime::find_openvino_library().is_none() || !backend::cpu_has_bf16() {
        eprintln!("OpenVINO is not set up here or the CPU has no bf16: nothing to check");
        return;
    }
    assert!(backend::request(Backend::OpenVino) && backend::request_precision(Precision::Bf16));
    let (_, _, clip) = force_plate::trial_paths(&data_dir());
    let (jitter, analysis) = force_plate::clip_jitter(&clip, ModelVariant::Heavy).expect("the treadmill clip analyses");
    assert_eq!(runtime::loaded().map(|(_, p)| *p), Some(Provider::OpenVino));
    assert_eq!(backend::landmark_precision(), Some(Precision::Bf16));
    let events = video::read_annotation(&video::annotation_path()).expect("the annotation reads");
    let errors = video::compare("heavy", &analysis, &events);
    println!("{}", video::to_markdown(std::slice::from_ref(&errors), &events));
    println!("landmark jitter {:.4} leg lengths", jitter.residual_ll);
    let out: Vec<String> = video::bands(&errors, &events)
        .into_iter()
        .inspect(|(what, value, ok, rule)| println!("{what} = {value:.3} ({rule}) {}", if *ok { "in" } else { "OUT" }))
        .filter(|(_, _, ok, _)| !ok)
        .map(|(what, value, _, rule)| format!("{what} = {value:.3} ({rule})"))
        .collect();
    assert!(out.is_empty(), "out of band in bf16: {out:#?}");
}
