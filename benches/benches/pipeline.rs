//! Throughput of `runpose analyze` on the real treadmill clip (360 frames, 720x1280), for each model and each
//! ONNX Runtime backend set up here, in one pass in order and in two chunks side by side (`--chunks 2`), against
//! MediaPipe's Python package in the same run (benches/RESULTS.md). Frames per second of the whole analysis and the
//! time per stage. Decoding runs on its own thread, overlapped with inference, so it is measured alone too.
//!
//! A process loads one ONNX Runtime library, so each backend runs in a child process of this bench
//! (`RUNPOSE_BENCH_CHILD`, `RUNPOSE_BACKEND`, `RUNPOSE_PRECISION`); OpenVINO runs again with the landmark model in
//! bf16 where the CPU computes in it (README §Precision). The baseline runs when `RUNPOSE_MEDIAPIPE_PYTHON` names a
//! Python with mediapipe 0.10.14 installed (`python3 -m venv mp && mp/bin/pip install mediapipe==0.10.14`); every
//! row then shows its ratio to MediaPipe full. A whole-clip pass is too long for criterion's sampling, so it is
//! timed directly (best of `RUNPOSE_BENCH_RUNS`, default 2); criterion measures the keypoint pipeline (runpose-core)
//! on the poses.

// A test (or bench) fails loudly: unwrap and expect are its asserts (clippy.toml allows them in #[test] items).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use criterion::Criterion;
use runpose_app::session::chunked::estimate_poses_chunked;
use runpose_app::session::estimate::{PoseRun, StageTimings, estimate_poses, load_tracker};
use runpose_capture::VideoReader;
use runpose_core::{AnalysisConfig, PoseFrame, analyze};
use runpose_vision::{ModelVariant, runtime};

fn ms(d: Duration, n: u32) -> f64 {
    d.as_secs_f64() * 1000.0 / n.max(1) as f64
}

fn runs() -> usize {
    std::env::var("RUNPOSE_BENCH_RUNS").ok().and_then(|v| v.parse().ok()).unwrap_or(2)
}

/// One analysis of the clip: the poses (one pass, or `chunks` parts side by side) and the metrics on them. The
/// pass's total includes loading the models (as the chunks' does, and MediaPipe's baseline its graph's).
fn analyse(clip: &Path, model: ModelVariant, chunks: usize) -> (PoseRun, Duration) {
    let run = if chunks > 1 {
        estimate_poses_chunked(clip, model, chunks, false).expect("the clip analyses in chunks")
    } else {
        let started = Instant::now();
        let mut tracker = load_tracker(model, None).expect("models load (run scripts/setup.sh)");
        let mut run = estimate_poses(clip, &mut tracker, false).expect("the clip analyses");
        run.timings.total = started.elapsed();
        run
    };
    let t = Instant::now();
    let analysis = analyze(run.frames.clone(), &AnalysisConfig::default()).expect("a runner is found");
    assert!(analysis.summary.steps > 0);
    (run, t.elapsed())
}

/// The child's work: one row per model and chunking, for the backend this process loaded, tab-separated after
/// `ROW` (the parent prints the table); the full model's poses are handed to criterion afterwards.
fn child(clip: &Path) -> Vec<PoseFrame> {
    let mut poses_for_core = Vec::new();
    // bf16 runs only the models validated in it (the others would repeat their f32 rows).
    let bf16 = runpose_vision::backend::requested_precision() == runpose_vision::backend::Precision::Bf16;
    for (model, chunks) in ModelVariant::ALL
        .into_iter()
        .map(|m| (m, 1))
        .chain([(ModelVariant::Full, 2), (ModelVariant::Heavy, 2)])
        .filter(|(m, _)| !bf16 || m.bf16_validated())
    {
        let mut best: Option<(StageTimings, usize)> = None;
        for _ in 0..runs() {
            let (run, metrics) = analyse(clip, model, chunks);
            let mut timings = run.timings;
            timings.metrics = metrics;
            timings.total += metrics;
            if best.as_ref().is_none_or(|(b, _)| timings.total < b.total) {
                best = Some((timings, run.frames.len()));
            }
            if model == ModelVariant::Full && chunks == 1 {
                poses_for_core = run.frames;
            }
        }
        let (t, n) = best.expect("at least one run");
        let provider = runtime::loaded().map_or("?", |(_, p)| p.name());
        let precision = runpose_vision::backend::landmark_precision().map_or("?", |p| p.name());
        println!(
            "ROW\t{}\t{chunks}\t{provider} {precision}\t{:.1}\t{:.1}\t{}\t{:.1}\t{:.1}\t{:.1}",
            model.name(),
            n as f64 / t.total.as_secs_f64(),
            ms(t.detect, t.detect_calls),
            t.detect_calls,
            ms(t.landmarks, t.landmark_calls),
            ms(t.decode_wait, n as u32),
            t.metrics.as_secs_f64() * 1000.0
        );
    }
    poses_for_core
}

/// MediaPipe full's frames per second on the clip, when `RUNPOSE_MEDIAPIPE_PYTHON` is set.
fn mediapipe(clip: &Path) -> Option<f64> {
    let python = std::env::var_os("RUNPOSE_MEDIAPIPE_PYTHON")?;
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("mediapipe_baseline.py");
    let out = Command::new(python).arg(script).arg(clip).arg("1").output().expect("the MediaPipe baseline starts");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "the MediaPipe baseline failed: {}", String::from_utf8_lossy(&out.stderr));
    println!("{}", text.trim());
    text.rsplit(", ").next().and_then(|s| s.trim().strip_suffix(" frames/s")).and_then(|s| s.parse().ok())
}

/// The CPU's name and the vector flags that matter to the backends, from /proc/cpuinfo.
fn cpu() -> String {
    let info = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let name =
        info.lines().find_map(|l| l.strip_prefix("model name")).map_or("?", |l| l.trim_start_matches([' ', '\t', ':']));
    let flags = info.lines().find_map(|l| l.strip_prefix("flags")).unwrap_or_default();
    let wanted = ["avx2", "fma", "avx512f", "avx512_vnni", "avx512_bf16", "amx_tile", "amx_int8", "amx_bf16"];
    let have: Vec<&str> = wanted.into_iter().filter(|f| flags.split_whitespace().any(|x| x == *f)).collect();
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    format!("{name}, {cores} cores, flags {}", have.join(" "))
}

fn main() {
    let clip = runpose_benches::treadmill_clip();
    if std::env::var_os("RUNPOSE_BENCH_CHILD").is_some() {
        let poses = child(&clip);
        if std::env::var_os("RUNPOSE_BENCH_CORE").is_some() && !poses.is_empty() {
            let mut c = Criterion::default().configure_from_args().sample_size(20);
            c.bench_function("core::analyze (360 frames, full-model poses)", |b| {
                b.iter(|| analyze(poses.clone(), &AnalysisConfig::default()).expect("analyses"))
            });
            c.final_summary();
        }
        return;
    }

    println!("clip: {}", clip.display());
    println!("cpu: {}", cpu());
    let start = Instant::now();
    let frames = VideoReader::open(&clip).expect("the treadmill clip opens").count();
    let decode = start.elapsed();
    println!(
        "decode alone: {:.1} ms/frame ({:.0} frames/s)",
        ms(decode, frames as u32),
        frames as f64 / decode.as_secs_f64()
    );
    let peer = mediapipe(&clip);

    // Every backend set up here, or those `RUNPOSE_BENCH_BACKENDS` lists (cuda where a GPU is; `openvino:bf16` for
    // a precision), each with the landmark precision after its colon (f32 when none).
    let backends: Vec<String> = match std::env::var("RUNPOSE_BENCH_BACKENDS") {
        Ok(list) => list.split(',').map(str::to_string).collect(),
        Err(_) if runtime::find_openvino_library().is_some() => {
            let mut list = vec!["cpu".to_string(), "openvino".to_string()];
            if runpose_vision::backend::cpu_has_bf16() {
                list.push("openvino:bf16".into());
            }
            list
        }
        Err(_) => vec!["cpu".into()],
    };
    println!(
        "\n| model | chunks | backend | frames/s (whole analysis) | × MediaPipe full | detect ms (calls) | landmarks ms/call | waiting for decode ms/frame | metrics ms (whole clip) |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    for (i, asked) in backends.iter().enumerate() {
        let (backend, precision) = asked.split_once(':').unwrap_or((asked, "f32"));
        let mut command = Command::new(std::env::current_exe().expect("the bench knows its own path"));
        command
            .args(std::env::args_os().skip(1))
            .env("RUNPOSE_BENCH_CHILD", "1")
            .env("RUNPOSE_BACKEND", backend)
            .env("RUNPOSE_PRECISION", precision);
        if i == 0 {
            command.env("RUNPOSE_BENCH_CORE", "1");
        }
        let out = command.output().expect("the bench runs itself for a backend");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "the {asked} run failed: {}", String::from_utf8_lossy(&out.stderr));
        for line in text.lines() {
            let Some(row) = line.strip_prefix("ROW\t") else { continue };
            let f: Vec<&str> = row.split('\t').collect();
            let fps: f64 = f[3].parse().expect("frames/s");
            let ratio = peer.map_or("–".to_string(), |p| format!("{:.2}", fps / p));
            println!(
                "| {} | {} | {} | {} | {ratio} | {} ({}) | {} | {} | {} |",
                f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7], f[8]
            );
        }
        let rest: Vec<&str> = text.lines().filter(|l| !l.starts_with("ROW\t")).collect();
        if !rest.is_empty() {
            println!("\n{}\n", rest.join("\n"));
        }
    }
}
