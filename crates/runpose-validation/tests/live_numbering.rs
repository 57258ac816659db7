//! The live view's step numbers and cadence against the hand annotation of the treadmill clip when the machine is
//! busy: the full model (the live view's default), the tracker fed only the frames a busy window leaves it (about
//! 18 % dropped at random in bursts of up to four, as the live window under Xvfb drops them in tests/live_cli.rs),
//! eight seeds. In every run each settled step's number less its annotated contact's index is one constant (no
//! step counted twice or missed: the numbers count the steps run) and the settled cadence is within 3 spm of the
//! annotation's, and wherever the panel's cadence is sure (`Rolling::cadence_sure`) it is within 3 spm too. Before
//! stop 27, 2 runs of 10 were numbered wrong (a settled cadence of 191 spm in one). Stop 28's recorded runs (130:
//! 18, 30 and 45 % dropped) found 11 of 110 at 18-30 % still wrong, from a window's step period (one window's comb
//! fit, or the settled steps' mean of the two feet's median step times) off by 5-12 %; the cases here add 4 of
//! them at 18 % and 4 at 30 %, which fail on stop 27's code. Now none of the 110 is (docs/metrics.md §Live analysis).

// A test (or bench) fails loudly: unwrap and expect are its asserts (clippy.toml allows them in #[test] items).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use runpose_core::{AnalysisConfig, LiveAnalyzer, PoseFrame};
use runpose_validation::simulate::drop_frames;
use runpose_validation::video::{annotation_path, read_annotation};
use runpose_vision::ModelVariant;

mod common;
use common::treadmill_clip;

/// The annotated initial contacts of either foot, seconds, in time order.
fn annotated_contacts() -> Vec<f64> {
    let mut t: Vec<f64> = read_annotation(&annotation_path())
        .unwrap()
        .iter()
        .filter(|e| e.initial_contact)
        .map(|e| e.instant())
        .collect();
    t.sort_by(f64::total_cmp);
    t
}

#[test]
fn live_step_numbers_follow_the_annotation_when_frames_are_dropped() {
    let truth = annotated_contacts();
    let truth_cadence = 60.0 * (truth.len() - 1) as f64 / (truth[truth.len() - 1] - truth[0]);
    let mut reader = runpose_capture::VideoReader::open(treadmill_clip()).unwrap();
    let mut images = Vec::new();
    while let Some(f) = reader.next_frame().unwrap() {
        images.push(f);
    }
    let all: Vec<PoseFrame> = images.iter().map(|f| PoseFrame { t: f.t, pose: None }).collect();
    let mut failures = Vec::new();
    // (share dropped, seed): seeds 0-7 at 18 %, and the runs stop 27's code numbered wrong (161-198 spm).
    let cases = (0..8).map(|seed| (0.18, seed)).chain([(0.18, 18), (0.18, 35), (0.18, 43), (0.18, 56)]);
    for (share, seed) in cases.chain([(0.3, 0), (0.3, 3), (0.3, 11), (0.3, 39)]) {
        let kept = drop_frames(&all, share, 4, seed);
        let mut tracker = runpose_app::session::estimate::load_tracker(ModelVariant::Full, None).unwrap();
        let mut live = LiveAnalyzer::new(AnalysisConfig::default());
        let mut steps = Vec::new();
        // The panel's sure cadences that were more than 3 spm off: (time, cadence).
        let mut sure_off = Vec::new();
        for f in images.iter().filter(|f| kept.iter().any(|k| (k.t - f.t).abs() < 1e-6)) {
            let pose = tracker.process(&f.image).unwrap().map(|e| e.pose);
            if let Ok(view) = live.push(PoseFrame { t: f.t, pose }) {
                let r = view.rolling();
                if let Some(spm) = r.cadence_spm.filter(|c| r.cadence_sure && (c - truth_cadence).abs() > 3.0) {
                    sure_off.push((f.t, spm));
                }
                steps = view.steps;
            }
        }
        // Each settled step's number less the index of the annotated contact nearest it.
        let offsets: Vec<i64> = steps
            .iter()
            .map(|s| {
                let nearest = (0..truth.len())
                    .min_by(|&a, &b| (truth[a] - s.ic_t).abs().total_cmp(&(truth[b] - s.ic_t).abs()))
                    .unwrap();
                s.index as i64 - nearest as i64
            })
            .collect();
        let cadence = runpose_core::live::settled_cadence_spm(&steps).unwrap_or(f64::NAN);
        let numbered = offsets.windows(2).all(|w| w[0] == w[1]);
        println!(
            "{:.0} % dropped, seed {seed}: {} of {} frames kept, {} steps settled, cadence {cadence:.1} (annotated {truth_cadence:.1}), \
             number less annotated index {offsets:?}, sure panel cadences off {sure_off:?}",
            100.0 * share,
            kept.len(),
            all.len(),
            steps.len()
        );
        let within = (cadence - truth_cadence).abs() <= 3.0; // false when there is no cadence (NaN)
        if steps.len() < 6 || !numbered || !within || !sure_off.is_empty() {
            failures.push(format!(
                "{share} dropped, seed {seed}: {} steps, cadence {cadence:.1}, offsets {offsets:?}, sure panel \
                 cadences off {sure_off:?}",
                steps.len()
            ));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}
