//! The live pipeline on the real treadmill clip played at its own 30 fps, as the live view runs it: capture thread →
//! inference thread (model + live analysis) → a drawing thread that builds the overlay scene of each newest frame
//! (the UI's work before the GPU). Reports latency from the capture time stamp to the frame being drawn (median, p95),
//! frames dropped and frames drawn per second, per model. `cargo bench -p runpose-benches --bench live`, on the
//! backend and precision `RUNPOSE_BACKEND` and `RUNPOSE_PRECISION` name.
//! Targets (issue 4): median ≤ 50 ms, p95 ≤ 80 ms, keeping up with 30 fps with the full model.

// A test (or bench) fails loudly: unwrap and expect are its asserts (clippy.toml allows them in #[test] items).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use runpose_app::draw::overlay;
use runpose_app::session::live::{LiveStats, Pipeline, PipelineEvent, PipelineOptions};
use runpose_capture::live::LiveSource;
use runpose_vision::ModelVariant;

const SECONDS: f64 = 20.0;

fn run(model: ModelVariant) -> Result<(), String> {
    let pipeline = Pipeline::start(
        PipelineOptions {
            source: LiveSource::Video(runpose_benches::treadmill_clip()),
            model,
            height_cm: Some(175.0),
            threads: None,
        },
        || {},
    );
    let mut stats = LiveStats::default();
    let mut warm = false;
    let start = Instant::now();
    let mut warm_at = start;
    let mut dropped_before = 0;
    while start.elapsed().as_secs_f64() < SECONDS + 2.0 {
        let Some(event) = pipeline.next_timeout(Duration::from_secs(10)) else {
            return Err("no frame for 10 s".into());
        };
        let state = match event {
            PipelineEvent::State(s) => s,
            PipelineEvent::SourceFailed(why) | PipelineEvent::ModelFailed(why) => return Err(why),
        };
        // Drawing: the overlay scene of the newest frame, as the window builds it.
        let scene = state.view.as_ref().ok().map(|v| overlay::scene(&v.analysis, v.newest()));
        std::hint::black_box(&scene);
        // The first 2 s warm the model and fill the analysis window; they are not counted.
        if !warm && start.elapsed() >= Duration::from_secs(2) {
            warm = true;
            warm_at = Instant::now();
            dropped_before = pipeline.dropped();
            stats = LiveStats::default();
        }
        stats.record(state.frame.captured, Instant::now());
    }
    let dropped = pipeline.dropped() - dropped_before;
    let source_frames = (warm_at.elapsed().as_secs_f64() * 30.0).round();
    let backend = runpose_vision::runtime::loaded().map_or("?", |(_, p)| p.name());
    let precision = runpose_vision::backend::landmark_precision().map_or("?", |p| p.name());
    println!(
        "{:>5} ({backend} {precision}): {}  (of about {source_frames} frames captured)",
        model.name(),
        stats.summary_line(dropped)
    );
    Ok(())
}

fn main() {
    if !runpose_benches::treadmill_clip().is_file() {
        eprintln!("the treadmill clip is missing from tests/data (or the folder RUNPOSE_DATA names)");
        std::process::exit(1);
    }
    for model in [ModelVariant::Lite, ModelVariant::Full, ModelVariant::Heavy] {
        if let Err(why) = run(model) {
            eprintln!("{}: {why}", model.name());
            std::process::exit(1);
        }
    }
}
