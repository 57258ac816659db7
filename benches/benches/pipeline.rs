//! Throughput of `runpose analyze` on the real treadmill clip (360 frames, 720x1280), for each model: frames per
//! second of the whole analysis and the time per stage. Decoding runs on its own thread, overlapped with inference,
//! so it is measured alone too. A whole-clip pass is too long for criterion's sampling, so it is timed directly
//! (best of `RUNPOSE_BENCH_RUNS`, default 2); criterion measures the keypoint pipeline (runpose-core) on the poses.

// A test (or bench) fails loudly: unwrap and expect are its asserts (clippy.toml allows them in #[test] items).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use criterion::Criterion;
use runpose_app::session::estimate::{estimate_poses, load_tracker};
use runpose_capture::VideoReader;
use runpose_core::{AnalysisConfig, analyze};
use runpose_vision::ModelVariant;

fn ms(d: Duration, n: u32) -> f64 {
    d.as_secs_f64() * 1000.0 / n.max(1) as f64
}

fn main() {
    let clip = runpose_benches::treadmill_clip();
    let runs: usize = std::env::var("RUNPOSE_BENCH_RUNS").ok().and_then(|v| v.parse().ok()).unwrap_or(2);

    let start = Instant::now();
    let frames = VideoReader::open(&clip).expect("the treadmill clip opens").count();
    let decode = start.elapsed();
    println!("clip: {} ({frames} frames)", clip.display());
    println!(
        "decode alone: {:.1} ms/frame ({:.0} frames/s)\n",
        ms(decode, frames as u32),
        frames as f64 / decode.as_secs_f64()
    );
    println!(
        "| model | frames/s (whole analysis) | detect ms (calls) | landmarks ms/frame | waiting for decode ms/frame | metrics ms (whole clip) |"
    );
    println!("|---|---|---|---|---|---|");

    let mut poses_for_core = None;
    for model in ModelVariant::ALL {
        let mut best: Option<(Duration, runpose_app::session::estimate::StageTimings, usize)> = None;
        for _ in 0..runs {
            let mut tracker = load_tracker(model, None).expect("models load (run scripts/setup.sh)");
            let run = estimate_poses(&clip, &mut tracker, false).expect("the clip analyses");
            let t = Instant::now();
            let analysis = analyze(run.frames.clone(), &AnalysisConfig::default()).expect("a runner is found");
            let metrics = t.elapsed();
            let mut timings = run.timings;
            timings.metrics = metrics;
            timings.total += metrics;
            assert!(analysis.summary.steps > 0);
            if best.as_ref().is_none_or(|(d, ..)| timings.total < *d) {
                best = Some((timings.total, timings, run.frames.len()));
            }
            if model == ModelVariant::Full {
                poses_for_core = Some(run.frames);
            }
        }
        let (total, t, n) = best.expect("at least one run");
        println!(
            "| {} | {:.1} | {:.1} ({}) | {:.1} | {:.1} | {:.1} |",
            model.name(),
            n as f64 / total.as_secs_f64(),
            ms(t.detect, t.detect_calls),
            t.detect_calls,
            ms(t.landmarks, t.landmark_calls),
            ms(t.decode_wait, n as u32),
            t.metrics.as_secs_f64() * 1000.0
        );
    }

    let poses = poses_for_core.expect("the full model ran");
    let mut c = Criterion::default().configure_from_args().sample_size(20);
    c.bench_function("core::analyze (360 frames, full-model poses)", |b| {
        b.iter(|| analyze(poses.clone(), &AnalysisConfig::default()).expect("analyses"))
    });
    c.final_summary();
}
