//! What an analysis is asked and how its poses are found: the options, the pose tracker, a video's poses estimated
//! frame by frame (decoding on its own thread), and marker files read as a side view instead.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use indicatif::{ProgressBar, ProgressStyle};
use runpose_capture::markers::{self, Calibration, CameraSide, MarkerMap};
use runpose_capture::{VideoInfo, spawn_decoder};
use runpose_core::PoseFrame;
use runpose_vision::{ModelVariant, PoseTracker, StageTimes, TrackerOptions, runtime};

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
    /// Follow the person at this point (pixels of the first frame with people) instead of the running one.
    pub person: Option<(f32, f32)>,
    /// Parts of the video analysed side by side (`session::chunked`); 1: one pass in order.
    pub chunks: usize,
    /// Average the landmark model over each region and its mirror image (`TrackerOptions::mirror_average`).
    pub mirror_average: bool,
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

impl StageTimings {
    /// The model stages of a tracker's times from `before` to `after` (`PoseTracker::times`), nothing else.
    pub fn models(before: StageTimes, after: StageTimes) -> Self {
        StageTimings {
            detect: after.detect - before.detect,
            detect_calls: after.detect_calls - before.detect_calls,
            landmarks: after.landmark - before.landmark,
            landmark_calls: after.landmark_calls - before.landmark_calls,
            ..Default::default()
        }
    }

    /// Adds `other`'s model stages (another tracker's, side by side).
    pub fn add_models(&mut self, other: &StageTimings) {
        self.detect += other.detect;
        self.detect_calls += other.detect_calls;
        self.landmarks += other.landmarks;
        self.landmark_calls += other.landmark_calls;
    }
}

/// The poses of every frame of a video (or of a marker file).
pub struct PoseRun {
    /// The video's description; `None` for marker files.
    pub info: Option<VideoInfo>,
    pub frames: Vec<PoseFrame>,
    /// Why the video ended early, if it did.
    pub damage: Option<String>,
    pub timings: StageTimings,
    /// Whom the tracker followed, when the video had people to choose from (`person::choose`).
    pub person: Option<crate::session::person::PersonChoice>,
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
    let timings = StageTimings { decode_wait, total: start.elapsed(), ..StageTimings::models(before, tracker.times()) };
    Ok(PoseRun { info: Some(info), frames, damage, timings, person: None })
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

/// Loads the tracker for `model`, with `threads` ONNX Runtime threads if given.
pub fn load_tracker(model: ModelVariant, threads: Option<usize>) -> anyhow::Result<PoseTracker> {
    let mut options = TrackerOptions::new(model);
    if let Some(t) = threads {
        options.threads = t.max(1);
    }
    Ok(PoseTracker::new(&runtime::models_dir(), options)?)
}

/// The landmark model's output on each of the first `frames` frames of `video`, each frame on its own (the detector's
/// region of it, no tracking: a backend's small differences do not carry from frame to frame), written to `out` as
/// CSV: frame, then x and y of each landmark (empty where nobody was found). `runpose landmarks`, for comparing
/// backends.
pub fn landmarks_per_frame(video: &Path, model: ModelVariant, frames: usize, out: &Path) -> anyhow::Result<()> {
    let mut tracker = load_tracker(model, None)?;
    let mut reader = runpose_capture::VideoReader::open(video)?;
    let mut writer = csv::WriterBuilder::new()
        .flexible(true)
        .from_path(out)
        .with_context(|| format!("could not write {}", out.display()))?;
    for k in 0..frames {
        let Some(frame) = reader.next_frame()? else { break };
        let mut row = vec![k.to_string()];
        if let Some(d) = tracker.detect(&frame.image)? {
            let (estimate, _) = tracker.landmarks(&frame.image, &d.roi())?;
            for kp in estimate.pose.keypoints {
                row.extend([format!("{:.4}", kp.x), format!("{:.4}", kp.y)]);
            }
        }
        writer.write_record(&row)?;
    }
    writer.flush()?;
    Ok(())
}
