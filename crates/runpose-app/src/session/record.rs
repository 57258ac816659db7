//! Recording from the live pipeline into a clip (docs/recording.md), finishing a clip with the analysis files
//! `analyze` writes, and opening a clip (recovering it first if its recording was cut off).

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use anyhow::Context;
use crossbeam_channel::{Receiver, RecvTimeoutError, Sender, bounded};
use image::RgbImage;
use runpose_capture::clip::{self, ClipManifest, ClipMeta, ClipState, ClipStatus, ClipWriter};
use runpose_capture::{CaptureError, VideoInfo};
use runpose_core::{AnalysisConfig, Pose};
use runpose_vision::ModelVariant;

use crate::session::estimate::{AnalyzeOptions, PoseRun, StageTimings};
use crate::session::output;

/// Frames (and poses) that may wait for the recorder's disk writes: about three seconds of video.
const RECORD_QUEUE: usize = 180;

/// What the live pipeline hands the recorder: every captured frame (from the capture thread, before the model may
/// skip it), and the pose of each frame the model analysed (from the inference thread, in frame order).
pub enum RecordItem {
    Frame { index: u64, t: f64, image: RgbImage },
    Pose { index: u64, pose: Option<Box<Pose>> },
}

/// Where a recording stands, for the window and the command line.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RecordingStatus {
    pub frames: usize,
    pub duration_s: f64,
    /// The recording stopped on an error (disk full, folder not writable): one sentence. What was written is kept.
    pub error: Option<String>,
    /// `max_duration_s` was reached: later frames are not recorded.
    pub full: bool,
}

/// The sending side the live pipeline feeds (`Pipeline::set_recorder`).
#[derive(Clone)]
pub struct RecorderTap {
    tx: Sender<RecordItem>,
    /// Frames the recorder could not take (its queue was full: the disk is too slow).
    lost: Arc<AtomicU64>,
}

impl RecorderTap {
    /// Hands a frame or pose on without ever blocking the live view; a full queue counts a frame as lost (a pose
    /// that cannot be taken leaves its frame to be estimated at the end).
    pub fn offer(&self, item: RecordItem) {
        if let Err(e) = self.tx.try_send(item)
            && matches!(e.into_inner(), RecordItem::Frame { .. })
        {
            self.lost.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// A recording in progress: a thread that writes the frames it is handed into a clip folder.
pub struct Recorder {
    dir: PathBuf,
    tap: RecorderTap,
    status: Arc<Mutex<RecordingStatus>>,
    /// Set by `stop`: the thread writes what is queued, then closes the clip.
    stopping: Arc<AtomicBool>,
    thread: JoinHandle<Result<bool, CaptureError>>,
}

impl Recorder {
    /// Starts a recording into `dir` (which must not exist, or be empty). The clip is created at the first frame,
    /// when its size is known; errors from then on arrive in `status()`. Frames later than `max_duration_s` after
    /// the first are not recorded.
    pub fn start(dir: PathBuf, meta: ClipMeta, fps_hint: f64, max_duration_s: Option<f64>) -> anyhow::Result<Self> {
        // Checked now for an answer at once; the clip itself is created at the first frame.
        clip::check_new_clip_dir(&dir)?;
        let (tx, rx) = bounded::<RecordItem>(RECORD_QUEUE);
        let status = Arc::new(Mutex::new(RecordingStatus::default()));
        let stopping = Arc::new(AtomicBool::new(false));
        let lost = Arc::new(AtomicU64::new(0));
        let job = RecordJob {
            dir: dir.clone(),
            meta,
            fps_hint,
            max_duration_s,
            rx,
            status: status.clone(),
            stopping: stopping.clone(),
            lost: lost.clone(),
        };
        let thread = std::thread::Builder::new()
            .name("runpose-record".into())
            .spawn(move || job.run())
            .context("could not start the recording thread")?;
        Ok(Self { dir, tap: RecorderTap { tx, lost }, status, stopping, thread })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn tap(&self) -> RecorderTap {
        self.tap.clone()
    }

    pub fn status(&self) -> RecordingStatus {
        self.status.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// Stops: waits for the queued frames to be written, closes the clip, and analyses it (frames.csv, steps.csv,
    /// summary.json, as `analyze` writes them).
    pub fn stop(self) -> anyhow::Result<ClipManifest> {
        self.stopping.store(true, Ordering::Relaxed);
        let written = self.thread.join().map_err(|_| anyhow::anyhow!("the recording thread panicked"))?;
        let error = self.status.lock().ok().and_then(|s| s.error.clone());
        match written {
            Ok(true) => {}
            Ok(false) => match error {
                Some(e) => {
                    anyhow::bail!("nothing recorded: {e}; choose a recordings folder you can write to, with free space")
                }
                None => anyhow::bail!("nothing was recorded: no frame came from the source"),
            },
            Err(e) => {
                return Err(anyhow::Error::new(e).context(format!("closing the recording {}", self.dir.display())));
            }
        }
        let manifest = finish_clip(&self.dir)?;
        if let Some(e) = error {
            anyhow::bail!(
                "{e} (the {:.1} s recorded before it are saved in {})",
                manifest.duration_s,
                self.dir.display()
            );
        }
        Ok(manifest)
    }
}

/// The recording thread's work.
struct RecordJob {
    dir: PathBuf,
    meta: ClipMeta,
    fps_hint: f64,
    max_duration_s: Option<f64>,
    rx: Receiver<RecordItem>,
    status: Arc<Mutex<RecordingStatus>>,
    stopping: Arc<AtomicBool>,
    lost: Arc<AtomicU64>,
}

impl RecordJob {
    fn set(&self, f: impl FnOnce(&mut RecordingStatus)) {
        if let Ok(mut s) = self.status.lock() {
            f(&mut s);
        }
    }

    /// Creates the clip at the first frame and writes until stopped, then closes it. Each frame's picture is written
    /// as it comes; its landmarks row when its pose comes, or, once a later frame's pose has come (the model skipped
    /// it) or the recording stops, as not analysed. `Ok(false)`: nothing was recorded (no frame came, or the clip
    /// could not be created: `status().error` says why).
    fn run(self) -> Result<bool, CaptureError> {
        let mut writer: Option<ClipWriter> = None;
        let mut first_t: Option<f64> = None;
        // Frames written whose landmarks row is not: (source index, clip frame, clip time).
        let mut pending: std::collections::VecDeque<(u64, usize, f64)> = Default::default();
        let mut failed = false;
        // Once stopping, what is queued at that moment is written, and no more.
        let mut remaining: Option<usize> = None;
        loop {
            if remaining.is_none() && self.stopping.load(Ordering::Relaxed) {
                remaining = Some(self.rx.len());
            }
            if remaining == Some(0) {
                break;
            }
            let item = match self.rx.recv_timeout(Duration::from_millis(50)) {
                Ok(item) => item,
                Err(RecvTimeoutError::Timeout) => continue,
                Err(RecvTimeoutError::Disconnected) => break,
            };
            if let Some(r) = remaining.as_mut() {
                *r -= 1;
            }
            if failed {
                continue; // Drain the queue so the live view never waits; the error is reported.
            }
            let result = match item {
                RecordItem::Frame { index, t, image } => {
                    let first = *first_t.get_or_insert(t);
                    if self.max_duration_s.is_some_and(|max| t - first > max + 1e-6) {
                        self.set(|s| s.full = true);
                        continue;
                    }
                    if writer.is_none() {
                        match ClipWriter::create(
                            &self.dir,
                            self.meta.clone(),
                            image.width(),
                            image.height(),
                            self.fps_hint,
                        ) {
                            Ok(created) => writer = Some(created),
                            Err(e) => {
                                self.set(|s| s.error = Some(e.to_string()));
                                failed = true;
                                continue;
                            }
                        }
                    }
                    let Some(w) = writer.as_mut() else { continue };
                    w.push_frame(t, &image).map(|(frame, t)| {
                        pending.push_back((index, frame, t));
                        let (frames, duration_s) = (w.frames(), w.duration_s());
                        self.set(|s| {
                            s.frames = frames;
                            s.duration_s = duration_s;
                        });
                    })
                }
                RecordItem::Pose { index, pose } => {
                    let Some(w) = writer.as_mut() else { continue };
                    write_rows(w, &mut pending, Some(index), pose.as_deref())
                }
            };
            if let Err(e) = result {
                self.set(|s| s.error = Some(format!("recording stopped: {e}")));
                failed = true;
            }
        }
        let Some(mut w) = writer else { return Ok(false) };
        // Frames whose pose never came (the model was busy when the recording stopped) are estimated at the end.
        if !failed {
            write_rows(&mut w, &mut pending, None, None)?;
        }
        w.add_dropped(self.lost.load(Ordering::Relaxed));
        w.finish().map(|_| true)
    }
}

/// Writes the landmarks rows of the pending frames up to source frame `upto` (all with `None`): that frame's with
/// `pose`, earlier ones (skipped by the model) as not analysed.
fn write_rows(
    w: &mut ClipWriter,
    pending: &mut std::collections::VecDeque<(u64, usize, f64)>,
    upto: Option<u64>,
    pose: Option<&Pose>,
) -> Result<(), CaptureError> {
    while let Some(&(index, frame, t)) = pending.front() {
        if upto.is_some_and(|u| index > u) {
            break;
        }
        pending.pop_front();
        let analysed = upto == Some(index);
        w.push_row(frame, t, if analysed { pose } else { None }, analysed)?;
    }
    Ok(())
}

/// The model a clip's manifest names (its live analysis), full if unknown.
fn clip_model(manifest: &ClipManifest) -> ModelVariant {
    manifest.model.parse().unwrap_or(ModelVariant::Full)
}

/// Analyses a clip's recorded poses and writes frames.csv, steps.csv and summary.json beside them (the schema of
/// `analyze`), then marks the clip complete. A clip with no runner in it is complete with no steps.
pub fn finish_clip(dir: &Path) -> anyhow::Result<ClipManifest> {
    let mut manifest = clip::read_manifest(dir)?;
    let frames = clip_poses(dir, &mut manifest)?;
    let config = AnalysisConfig { height_cm: manifest.height_cm, ..Default::default() };
    match runpose_core::analyze(frames.clone(), &config) {
        Ok(analysis) => {
            let options = AnalyzeOptions {
                video: dir.join(clip::VIDEO_FILE),
                markers: None,
                trc_out: None,
                out: dir.to_path_buf(),
                height_cm: manifest.height_cm,
                model: clip_model(&manifest),
                overlay: false,
                threads: None,
                progress: false,
                person: None,
                chunks: 1,
                mirror_average: false,
            };
            let info = VideoInfo {
                width: manifest.width,
                height: manifest.height,
                rotation: 0,
                fps: analysis.summary.fps,
                frames_hint: Some(frames.len() as u64),
                duration_s: Some(manifest.duration_s),
                codec: "mjpeg".into(),
            };
            let run =
                PoseRun { info: Some(info), frames, damage: None, timings: StageTimings::default(), person: None };
            output::write_frames_csv(&dir.join("frames.csv"), &run.frames, &analysis)?;
            output::write_steps_csv(&dir.join("steps.csv"), &analysis)?;
            output::write_summary(&dir.join("summary.json"), &options, &run, &analysis, None)?;
            manifest.steps = Some(analysis.steps.len());
        }
        Err(e) => {
            tracing::warn!("{}: {e}; the clip is kept without metrics", dir.display());
            manifest.steps = None;
        }
    }
    manifest.state = ClipState::Complete;
    clip::write_manifest(dir, &manifest)?;
    Ok(manifest)
}

/// The clip's poses, with those of the frames the live model skipped estimated now from its video with the clip's
/// model (written back to poses.csv atomically, and counted in the manifest's `estimated`). Without the model they
/// stay empty (no runner on those frames), with a warning.
fn clip_poses(dir: &Path, manifest: &mut ClipManifest) -> anyhow::Result<Vec<runpose_core::PoseFrame>> {
    let path = dir.join(clip::POSES_FILE);
    let mut rows = clip::read_pose_rows(&path)?;
    let missing: Vec<usize> = (0..rows.frames.len()).filter(|&i| !rows.analysed[i]).collect();
    if missing.is_empty() {
        return Ok(rows.frames);
    }
    let mut tracker = match crate::session::estimate::load_tracker(clip_model(manifest), None) {
        Ok(t) => t,
        Err(e) => {
            tracing::warn!(
                "{}: {} frames the live model skipped stay without landmarks: {e:#}",
                dir.display(),
                missing.len()
            );
            return Ok(rows.frames);
        }
    };
    let mut reader = runpose_capture::VideoReader::open(dir.join(clip::VIDEO_FILE))?;
    let mut wanted = missing.iter().copied().peekable();
    let mut i = 0;
    while let Some(&want) = wanted.peek() {
        let Some(frame) = reader.next_frame()? else { break };
        if i == want {
            rows.frames[i].pose = match tracker.process(&frame.image) {
                Ok(estimate) => estimate.map(|e| e.pose),
                Err(e) => {
                    tracing::warn!("frame {i} of {}: {e}", dir.display());
                    None
                }
            };
            rows.analysed[i] = true;
            wanted.next();
        }
        i += 1;
    }
    clip::write_pose_rows(&path, &rows.frames, &rows.analysed)?;
    manifest.estimated = manifest.estimated.max(missing.len() as u64);
    Ok(rows.frames)
}

/// Opens a clip for use: a complete clip as it is; one whose recording was cut off is recovered and analysed first
/// (`on_recover` is told); one still being recorded is refused.
pub fn open_clip(dir: &Path, on_recover: impl FnOnce(&clip::Recovery)) -> anyhow::Result<ClipManifest> {
    match clip::open_clip(dir)? {
        ClipStatus::Complete(m) => Ok(m),
        ClipStatus::InProgress(_) => {
            anyhow::bail!("{} is still being recorded: stop the recording first", dir.display())
        }
        ClipStatus::Interrupted(_) => {
            let recovery = clip::recover(dir).with_context(|| format!("recovering {}", dir.display()))?;
            on_recover(&recovery);
            finish_clip(dir)
        }
    }
}

/// What `runpose info` prints about a clip.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ClipInfo<'a> {
    pub frames: usize,
    pub duration_s: f64,
    pub steps: Option<usize>,
    pub recovered: bool,
    pub created: &'a str,
    pub source: &'a str,
    pub model: &'a str,
    pub height_cm: Option<f64>,
    pub width: u32,
    pub height: u32,
    pub dropped: u64,
    pub estimated: u64,
}

impl<'a> From<&'a ClipManifest> for ClipInfo<'a> {
    fn from(m: &'a ClipManifest) -> Self {
        Self {
            frames: m.frames,
            duration_s: m.duration_s,
            steps: m.steps,
            recovered: m.recovered,
            created: &m.created,
            source: &m.source,
            model: &m.model,
            height_cm: m.height_cm,
            width: m.width,
            height: m.height,
            dropped: m.dropped,
            estimated: m.estimated,
        }
    }
}

/// A new recording's folder inside `folder`, named by the UTC date and time it starts, e.g. `run-2026-11-25T14-03-07`.
pub fn new_clip_dir(folder: &Path) -> PathBuf {
    let stamp = humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string();
    let stamp = stamp.trim_end_matches('Z').replace(':', "-");
    let mut dir = folder.join(format!("run-{stamp}"));
    let mut n = 2;
    while dir.exists() {
        dir = folder.join(format!("run-{stamp}-{n}"));
        n += 1;
    }
    dir
}

/// Where the window records by default: the user's video folder, else the home folder, in `runpose`.
pub fn default_recordings_dir() -> PathBuf {
    dirs::video_dir().or_else(dirs::home_dir).unwrap_or_else(|| PathBuf::from(".")).join("runpose")
}
