//! The live analysis when the machine drops frames (issue 13): the treadmill clip's poses (the default model) fed to
//! the live analyzer with 30–60 % of the frames dropped, at random and in bursts, for several seeds. Every settled
//! step must be one `analyze` finds (initial contact within 2 frames of the offline one, same foot), the settled
//! steps' cadence within 3 spm of the offline cadence, and no settled step outside what a running human can do.

// A test (or bench) fails loudly: unwrap and expect are its asserts (clippy.toml allows them in #[test] items).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::cmp::Ordering;
use std::sync::OnceLock;

use runpose_core::live::settled_cadence_spm;
use runpose_core::{Analysis, AnalysisConfig, LiveAnalyzer, PoseFrame, analyze};
use runpose_validation::simulate::drop_frames;

mod common;
use common::treadmill_clip;

fn clip_poses() -> &'static (Vec<PoseFrame>, Analysis) {
    static RUN: OnceLock<(Vec<PoseFrame>, Analysis)> = OnceLock::new();
    RUN.get_or_init(|| {
        let mut tracker =
            runpose_app::session::estimate::load_tracker(runpose_app::session::estimate::DEFAULT_MODEL, None).unwrap();
        let run = runpose_app::session::estimate::estimate_poses(&treadmill_clip(), &mut tracker, false).unwrap();
        let offline = analyze(run.frames.clone(), &AnalysisConfig::default()).unwrap();
        (run.frames, offline)
    })
}

/// The settled steps of a live run over `frames`.
fn live_steps(frames: &[PoseFrame]) -> Vec<runpose_core::metrics::StepMetrics> {
    let mut live = LiveAnalyzer::new(AnalysisConfig::default());
    let mut last = Vec::new();
    for f in frames {
        if let Ok(view) = live.push(f.clone()) {
            last = view.steps;
        }
    }
    last
}

/// How far the nearest offline initial contact of foot `side` is from `t`, seconds.
fn nearest_contact_s(offline: &Analysis, side: runpose_core::Side, t: f64) -> f64 {
    offline.steps.iter().filter(|o| o.side == side).map(|o| (o.ic_t - t).abs()).fold(f64::INFINITY, f64::min)
}

/// Every frame kept: the live analysis settles the steps `analyze` finds.
#[test]
fn settled_steps_match_the_offline_ones() {
    let (frames, offline) = clip_poses();
    let fps = offline.summary.fps;
    let steps = live_steps(frames);
    assert!(steps.len() >= 28, "{} steps settled", steps.len());
    let far: Vec<String> = steps
        .iter()
        .filter_map(|s| {
            let nearest = nearest_contact_s(offline, s.side, s.ic_t);
            (nearest * fps > 2.0).then(|| {
                format!(
                    "step {} ({:?} at {:.3} s): {:.2} frames from any offline step",
                    s.index,
                    s.side,
                    s.ic_t,
                    nearest * fps
                )
            })
        })
        .collect();
    println!("{} steps settled; further than 2 frames: {far:?}", steps.len());
    // One far-foot step in the run is timed differently on the live window (its toe-off shifts the contact found).
    assert!(far.len() <= 1, "{far:#?}");
    let cadence = settled_cadence_spm(&steps).unwrap();
    assert!((cadence - offline.summary.cadence_spm.unwrap()).abs() <= 3.0, "cadence {cadence:.1}");
}

/// The requirement with 30–60 % of the frames dropped (random and in bursts, five seeds). Not met yet
/// (docs/metrics.md §Live analysis): at 41 and 46 % dropped in bursts of three and four only 7–9 of the run's 31 steps
/// settle; at 62 % one settled step is 2.6 frames from the offline one and the settled steps' cadence is 6.7 spm high;
/// at 54 % in bursts of three two steps settle.
#[test]
#[ignore = "issue 13: not met yet (docs/metrics.md §Live analysis)"]
fn settled_steps_match_the_offline_ones_when_frames_are_dropped() {
    let (frames, offline) = clip_poses();
    let fps = offline.summary.fps;
    let mut failures = Vec::new();
    for (seed, share, burst) in [(1, 0.3, 1), (2, 0.45, 3), (3, 0.6, 2), (4, 0.4, 4), (5, 0.55, 3)] {
        let kept = drop_frames(frames, share, burst, seed);
        let dropped = 1.0 - kept.len() as f64 / frames.len() as f64;
        let steps = live_steps(&kept);
        if steps.len() < 10 {
            failures.push(format!("seed {seed}: only {} steps settled ({dropped:.2} dropped)", steps.len()));
        }
        for s in &steps {
            let nearest = nearest_contact_s(offline, s.side, s.ic_t);
            if nearest * fps > 2.0 {
                let other = offline
                    .steps
                    .iter()
                    .filter(|o| o.side != s.side)
                    .map(|o| (o.ic_t - s.ic_t).abs())
                    .fold(f64::INFINITY, f64::min);
                failures.push(format!("seed {seed} ({dropped:.2} dropped): step {} ({:?} at {:.3} s, {:.0} ms contact) is {:.2} frames from any offline step of its foot, {:.2} from the other's", s.index, s.side, s.ic_t, s.contact_ms, nearest * fps, other * fps));
            }
            if s.flags.implausible() {
                failures.push(format!("seed {seed}: step {} at {:.3} s: {}", s.index, s.ic_t, s.flags.text()));
            }
        }
        // The cadence the live view counts over the settled steps against the offline cadence over the same span
        // (which steps settle is a sample of a run whose step times alternate by ±30 ms).
        let cadence = settled_cadence_spm(&steps).unwrap_or(f64::NAN);
        let (first, last) = (steps.first().map_or(0.0, |s| s.ic_t), steps.last().map_or(0.0, |s| s.ic_t));
        let span: Vec<runpose_core::metrics::StepMetrics> =
            offline.steps.iter().filter(|o| o.ic_t > first - 0.1 && o.ic_t < last + 0.1).cloned().collect();
        let offline_cadence = settled_cadence_spm(&span).unwrap_or(f64::NAN);
        println!(
            "seed {seed}: {dropped:.2} dropped, {} steps settled, cadence {cadence:.1} (offline, same span {offline_cadence:.1})",
            steps.len()
        );
        // NaN (too few steps to count) fails too.
        if !matches!((cadence - offline_cadence).abs().partial_cmp(&3.0), Some(Ordering::Less | Ordering::Equal)) {
            failures.push(format!("seed {seed}: cadence {cadence:.1} vs {offline_cadence:.1}"));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}
