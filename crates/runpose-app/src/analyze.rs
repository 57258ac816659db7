//! `runpose analyze`: video → poses → Pose Method metrics → files.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use indicatif::{ProgressBar, ProgressStyle};
use runpose_capture::markers::{self, Calibration, CameraSide, MarkerMap};
use runpose_capture::{VideoInfo, spawn_decoder};
use runpose_core::{Analysis, AnalysisConfig, PoseFrame};
use runpose_vision::{ModelVariant, PoseTracker, TrackerOptions, runtime};

use crate::{output, overlay};

/// Marker or keypoint trajectories to analyse instead of a video (docs/markers.md).
#[derive(Debug, Clone)]
pub struct MarkerOptions {
    /// A .trc or .c3d file.
    pub path: PathBuf,
    /// A preset name or a JSON map file; `None` picks the preset that finds the most markers.
    pub map: Option<String>,
    /// A static trial (.c3d or .trc) to rebuild anatomical markers the running trial lacks.
    pub static_trial: Option<PathBuf>,
    /// The side of the runner the virtual camera films.
    pub camera: CameraSide,
}

/// What `analyze` was asked to do.
#[derive(Debug, Clone)]
pub struct AnalyzeOptions {
    /// The video (ignored when `markers` is given).
    pub video: PathBuf,
    pub markers: Option<MarkerOptions>,
    /// Also write the 2D landmarks as a TRC file here.
    pub trc_out: Option<PathBuf>,
    pub out: PathBuf,
    pub height_cm: Option<f64>,
    pub model: ModelVariant,
    pub overlay: bool,
    /// ONNX Runtime threads per session (default: the machine's cores, at most 4).
    pub threads: Option<usize>,
    pub progress: bool,
}

/// Wall time per stage of the pose pass.
#[derive(Debug, Clone, Copy, Default)]
pub struct StageTimings {
    /// Time the pose pass waited for decoded frames (decoding runs on its own thread, overlapped with inference).
    pub decode_wait: Duration,
    pub detect: Duration,
    pub detect_calls: u32,
    pub landmarks: Duration,
    pub landmark_calls: u32,
    /// The keypoint pipeline (runpose-core) over the whole sequence.
    pub metrics: Duration,
    /// The whole pose pass plus metrics.
    pub total: Duration,
}

/// The poses of every frame of a video (or of a marker file).
pub struct PoseRun {
    /// The video's description; `None` for marker files.
    pub info: Option<VideoInfo>,
    pub frames: Vec<PoseFrame>,
    /// Why the video ended early, if it did.
    pub damage: Option<String>,
    pub timings: StageTimings,
}

/// The landmark model `runpose analyze` uses unless told: the heavy model puts the feet best (README, `--model`).
pub const DEFAULT_MODEL: ModelVariant = ModelVariant::Heavy;

/// Runs the tracker over every frame of `video`, decoding on a separate thread.
pub fn estimate_poses(video: &Path, tracker: &mut PoseTracker, progress: bool) -> anyhow::Result<PoseRun> {
    estimate_poses_with(video, tracker, &terminal_bar(progress, "analysing"))
}

/// A progress bar on the terminal (`show`), else a hidden one that still counts (a window can read it).
#[expect(clippy::expect_used, reason = "the template is a constant, the same for every run")]
pub fn terminal_bar(show: bool, prefix: &'static str) -> ProgressBar {
    if !show {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template("{prefix} [{bar:40}] {pos}/{len} frames ({per_sec}, {eta})")
            .expect("valid template")
            .progress_chars("=> "),
    );
    bar.set_prefix(prefix);
    bar
}

/// `estimate_poses`, counting the frames on `bar` (its length is set to the video's frame count when known).
pub fn estimate_poses_with(video: &Path, tracker: &mut PoseTracker, bar: &ProgressBar) -> anyhow::Result<PoseRun> {
    let start = Instant::now();
    let (info, frames_rx, decoder) = spawn_decoder(video, 4)?;
    bar.set_length(info.frames_hint.unwrap_or(0));
    let before = tracker.times();
    let mut frames = Vec::new();
    let mut decode_wait = Duration::ZERO;
    loop {
        let waited = Instant::now();
        let Ok(item) = frames_rx.recv() else { break };
        decode_wait += waited.elapsed();
        let frame = item?;
        let estimate =
            tracker.process(&frame.image).with_context(|| format!("frame {} of {}", frame.index, video.display()))?;
        frames.push(PoseFrame { t: frame.t, pose: estimate.map(|e| e.pose) });
        bar.inc(1);
    }
    bar.finish_and_clear();
    let damage = decoder.join().map_err(|_| anyhow::anyhow!("the decode thread panicked"))?;
    if frames.is_empty() {
        bail!("{} has no decodable frames: is the file complete?", video.display());
    }
    let after = tracker.times();
    let timings = StageTimings {
        decode_wait,
        detect: after.detect - before.detect,
        detect_calls: after.detect_calls - before.detect_calls,
        landmarks: after.landmark - before.landmark,
        landmark_calls: after.landmark_calls - before.landmark_calls,
        metrics: Duration::ZERO,
        total: start.elapsed(),
    };
    Ok(PoseRun { info: Some(info), frames, damage, timings })
}

/// Marker trajectories as a side view, with what was rebuilt and what is missing.
pub struct MarkerRun {
    pub view: markers::SideView,
    /// The file's analog channels (C3D force plates), if any.
    pub analog: Option<markers::AnalogData>,
    pub map: MarkerMap,
    pub rebuilt: Vec<String>,
}

/// Reads a marker file, maps it to landmarks (rebuilding from a static trial if asked) and projects it to a side
/// view.
pub fn load_markers(options: &MarkerOptions) -> anyhow::Result<MarkerRun> {
    let (mut data, analog) = markers::read_markers(&options.path)?;
    let map = match &options.map {
        Some(m) => MarkerMap::load(m)?,
        None => MarkerMap::best_preset(&data)?,
    };
    // Gaps of up to a tenth of a second are filled, as motion-capture software does.
    data.fill_gaps((0.1 * data.rate_hz).round() as usize);
    let mut rebuilt = Vec::new();
    if let Some(static_path) = &options.static_trial {
        let (static_data, _) = markers::read_markers(static_path)?;
        let calibration = Calibration::from_static(&static_data, &map)
            .with_context(|| format!("static trial {}", static_path.display()))?;
        rebuilt = calibration.rebuild(&mut data);
    }
    let view = markers::side_view(&data, &map, options.camera).map_err(|e| match e {
        markers::MarkerError::Missing(what) if options.static_trial.is_none() && !map.clusters.is_empty() => {
            anyhow::anyhow!(
                "{} lacks {what}: the {} map rebuilds them from a static trial, give one with --static",
                options.path.display(),
                map.name
            )
        }
        other => anyhow::anyhow!("{}: {other}", options.path.display()),
    })?;
    Ok(MarkerRun { view, analog, map, rebuilt })
}

/// What `options` analyses: the marker file when one is given, else the video.
fn source_of(options: &AnalyzeOptions) -> &Path {
    options.markers.as_ref().map_or(&options.video, |m| &m.path)
}

/// The sentence for an analysis of `source` that found nothing to measure.
fn analysis_failed(e: &runpose_core::AnalysisError, source: &Path) -> anyhow::Error {
    match e {
        runpose_core::AnalysisError::NoPerson => anyhow::anyhow!(
            "no person was found in {}: film the runner from the side, whole body in view",
            source.display()
        ),
        other => anyhow::anyhow!("{}: {other}", source.display()),
    }
}

/// Loads the tracker for `model`, with `threads` ONNX Runtime threads if given.
pub fn load_tracker(model: ModelVariant, threads: Option<usize>) -> anyhow::Result<PoseTracker> {
    let mut options = TrackerOptions::new(model);
    if let Some(t) = threads {
        options.threads = t.max(1);
    }
    Ok(PoseTracker::new(&runtime::models_dir(), options)?)
}

/// The result of a whole analysis.
pub struct AnalyzeReport {
    pub markers: Option<MarkerRun>,
    pub run: PoseRun,
    pub analysis: Analysis,
    pub written: Vec<PathBuf>,
}

/// Analyses a video (or a marker file) and writes frames.csv, steps.csv, summary.json (overlay.mp4, the TRC) into
/// `options.out`.
pub fn run(options: &AnalyzeOptions) -> anyhow::Result<AnalyzeReport> {
    let mut config = AnalysisConfig { height_cm: options.height_cm, ..Default::default() };
    let mut marker_run = None;
    let mut run = if let Some(m) = &options.markers {
        let start = Instant::now();
        let loaded = load_markers(m)?;
        config = AnalysisConfig { height_cm: options.height_cm, ..AnalysisConfig::markers(loaded.view.units_per_cm) };
        let frames = loaded.view.frames.clone();
        marker_run = Some(loaded);
        PoseRun {
            info: None,
            frames,
            damage: None,
            timings: StageTimings { total: start.elapsed(), ..Default::default() },
        }
    } else {
        if !options.video.exists() {
            bail!("{} does not exist: check the path", options.video.display());
        }
        let mut tracker = load_tracker(options.model, options.threads)?;
        estimate_poses(&options.video, &mut tracker, options.progress)?
    };
    if let Some(damage) = &run.damage {
        tracing::warn!("{}: {damage}", options.video.display());
    }
    let metrics_start = Instant::now();
    let analysis =
        runpose_core::analyze(run.frames.clone(), &config).map_err(|e| analysis_failed(&e, source_of(options)))?;
    run.timings.metrics = metrics_start.elapsed();
    run.timings.total += run.timings.metrics;

    std::fs::create_dir_all(&options.out)
        .with_context(|| format!("could not create the output folder {}", options.out.display()))?;
    let mut written = vec![
        output::write_frames_csv(&options.out.join("frames.csv"), &run.frames, &analysis)?,
        output::write_steps_csv(&options.out.join("steps.csv"), &analysis)?,
        output::write_summary(&options.out.join("summary.json"), options, &run, &analysis, marker_run.as_ref())?,
    ];
    if let Some(path) = &options.trc_out {
        written.push(output::write_landmarks_trc(path, &analysis, options.height_cm)?);
    }
    if options.overlay && marker_run.is_some() {
        tracing::warn!("--overlay needs a video: no overlay for marker data");
    } else if options.overlay {
        written.push(overlay::write_overlay_video(
            &options.video,
            &options.out.join("overlay.mp4"),
            &analysis,
            options.progress,
        )?);
    }
    Ok(AnalyzeReport { run, analysis, written, markers: marker_run })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// With markers the sentence names the marker file, not the (empty) video path.
    #[test]
    fn a_failed_analysis_names_what_was_analysed() {
        let mut options = AnalyzeOptions {
            video: PathBuf::new(),
            markers: Some(MarkerOptions {
                path: "trial.c3d".into(),
                map: None,
                static_trial: None,
                camera: CameraSide::Right,
            }),
            trc_out: None,
            out: PathBuf::from("out"),
            height_cm: None,
            model: DEFAULT_MODEL,
            overlay: false,
            threads: None,
            progress: false,
        };
        let e = analysis_failed(&runpose_core::AnalysisError::NoPerson, source_of(&options)).to_string();
        assert!(e.starts_with("no person was found in trial.c3d: "), "{e}");
        let e = analysis_failed(&runpose_core::AnalysisError::NoGround, source_of(&options)).to_string();
        assert!(e.starts_with("trial.c3d: the feet were not seen"), "{e}");
        options.markers = None;
        options.video = "run.mp4".into();
        let e = analysis_failed(&runpose_core::AnalysisError::NoPerson, source_of(&options)).to_string();
        assert!(e.contains("in run.mp4:"), "{e}");
    }
}
