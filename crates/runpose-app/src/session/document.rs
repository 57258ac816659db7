//! A clip or video opened for replay (the document of `runpose replay` and `runpose export`): its frames, poses,
//! markup and analysis, and reading them (a clip folder, recovering a cut-off recording first, or a video analysed on
//! opening with its poses kept beside it). No window here: the replay window (`windows::replay_window`) and the
//! exports (`session::export`) both work on it.

use std::path::{Path, PathBuf};

use runpose_capture::SeekableVideo;
use runpose_capture::clip::{self, load_markup, markup_path, save_markup};
use runpose_core::markup::Markup;
use runpose_core::phase::{EventKind, GaitEvent, PhaseMap, StepInstants, gait_events, step_instants};
use runpose_core::{Analysis, AnalysisConfig, PoseFrame};
use runpose_vision::ModelVariant;

/// A clip or video opened for replay.
pub struct Replay {
    /// The clip folder or video given.
    pub source: PathBuf,
    pub video: SeekableVideo,
    video_path: PathBuf,
    /// The poses as recorded (or estimated on opening), before corrections.
    pub raw: Vec<PoseFrame>,
    pub markup: Markup,
    pub markup_path: PathBuf,
    /// The markup file there could not be read: it is kept, and saving asks before replacing it.
    pub markup_problem: Option<String>,
    pub height_cm: Option<f64>,
    /// Each frame's time from the first frame, seconds.
    pub times: Vec<f64>,
    /// The analysis of the corrected poses (`None`: no runner found).
    pub analysis: Option<Analysis>,
    pub instants: Vec<StepInstants>,
    /// The corrections the analysis was computed with.
    analysed_corrections: Vec<runpose_core::markup::Correction>,
}

/// Where the poses of a plain video are kept once estimated: `NAME.poses.csv` beside it.
pub fn poses_cache(video: &Path) -> PathBuf {
    let name = video.file_name().map_or_else(|| "video".into(), |n| n.to_string_lossy().into_owned());
    video.with_file_name(format!("{name}.poses.csv"))
}

/// What opening a clip or video reads or estimates (plain data, so a thread can make it while the window goes on):
/// the video file, the poses and the runner's height the clip was recorded with.
pub struct Loaded {
    pub source: PathBuf,
    pub video_path: PathBuf,
    pub raw: Vec<PoseFrame>,
    pub height_cm: Option<f64>,
}

impl Loaded {
    /// Reads a clip folder (recovering a cut-off recording first) or a video. A video without landmarks yet is
    /// analysed with `model`, counting its frames on `bar`, and its poses kept beside it.
    pub fn read(path: &Path, model: ModelVariant, bar: &indicatif::ProgressBar) -> anyhow::Result<Self> {
        let (video_path, raw, height_cm) = if clip::is_clip(path) {
            let manifest = crate::session::record::open_clip(path, |r| {
                eprintln!("recovered an interrupted recording: {} frames kept", r.frames);
            })?;
            (path.join(clip::VIDEO_FILE), clip::read_poses(path)?, manifest.height_cm)
        } else if path.is_file() {
            (path.to_path_buf(), Self::video_poses(path, model, bar)?, None)
        } else if path.is_dir() {
            anyhow::bail!(
                "{} is a folder but not a runpose clip (no clip.json): open a clip folder or a video file",
                path.display()
            );
        } else {
            anyhow::bail!("{} does not exist: check the path", path.display());
        };
        if raw.is_empty() {
            anyhow::bail!("{} has no frames", path.display());
        }
        Ok(Self { source: path.to_path_buf(), video_path, raw, height_cm })
    }

    /// Lengths in cm for a runner of `height_cm`, when given (a clip remembers the height it was recorded with; a
    /// video needs it given).
    pub fn with_height(mut self, height_cm: Option<f64>) -> Self {
        self.height_cm = height_cm.or(self.height_cm);
        self
    }

    /// The poses of a plain video: from `NAME.poses.csv` if an earlier opening left them whole, else estimated now
    /// (and the file written again, atomically).
    fn video_poses(video: &Path, model: ModelVariant, bar: &indicatif::ProgressBar) -> anyhow::Result<Vec<PoseFrame>> {
        let cache = poses_cache(video);
        if cache.is_file() {
            match clip::read_pose_rows(&cache) {
                Ok(rows) if !rows.frames.is_empty() && !rows.cut_off => return Ok(rows.frames),
                Ok(_) => tracing::warn!("{} is incomplete; analysing the video again", cache.display()),
                Err(e) => tracing::warn!("{e}; analysing the video again"),
            }
        }
        let frames = Self::estimate(video, model, None, bar)?;
        if let Err(e) = clip::write_poses(&cache, &frames) {
            tracing::warn!(
                "the landmarks could not be kept beside the video ({e}); they will be estimated again next time"
            );
        }
        Ok(frames)
    }

    /// The poses of `video` estimated with `model`: of the person at `point` (pixels of the first frame with
    /// people), else of the person who runs when several are in view (`person::choose`, as `runpose analyze`).
    fn estimate(
        video: &Path,
        model: ModelVariant,
        point: Option<(f32, f32)>,
        bar: &indicatif::ProgressBar,
    ) -> anyhow::Result<Vec<PoseFrame>> {
        let mut tracker = crate::session::estimate::load_tracker(model, None)?;
        let choice = crate::session::person::choose(video, &mut tracker, point)?;
        tracing::info!(?choice, "person followed");
        Ok(crate::session::estimate::estimate_poses_with(video, &mut tracker, bar)?.frames)
    }

    /// `path` (a clip or a video) again, its poses estimated anew following the person at `point` (pixels of
    /// the first frame with people). A video's poses kept beside it are replaced; a clip's recorded landmarks are
    /// left as they are (the poses followed are this opening's only).
    pub fn read_following(
        path: &Path,
        model: ModelVariant,
        point: (f32, f32),
        bar: &indicatif::ProgressBar,
    ) -> anyhow::Result<Self> {
        let mut loaded = Self::read(path, model, bar)?;
        let mut raw = Self::estimate(&loaded.video_path, model, Some(point), bar)?;
        if raw.len() == loaded.raw.len() {
            // A clip's frames keep the times they were captured at (the video's own stamps may be rounded).
            for (new, old) in raw.iter_mut().zip(&loaded.raw) {
                new.t = old.t;
            }
        }
        if !clip::is_clip(path)
            && let Err(e) = clip::write_poses(&poses_cache(path), &raw)
        {
            tracing::warn!("the landmarks of the person followed could not be kept beside the video ({e})");
        }
        if raw.is_empty() {
            anyhow::bail!("{} has no frames", path.display());
        }
        loaded.raw = raw;
        Ok(loaded)
    }
}

impl Replay {
    /// Opens a clip folder (recovering a cut-off recording first) or a video. A video without landmarks yet is
    /// analysed with `model` (a progress bar on the terminal with `progress`), and its poses kept beside it.
    pub fn open(path: &Path, model: ModelVariant, progress: bool) -> anyhow::Result<Self> {
        Self::from_loaded(Loaded::read(path, model, &crate::session::estimate::terminal_bar(progress, "analysing"))?)
    }

    /// Opens the video of `loaded` and its markup, and analyses its poses.
    pub fn from_loaded(loaded: Loaded) -> anyhow::Result<Self> {
        let Loaded { source, video_path, raw, height_cm } = loaded;
        let stamps: Vec<f64> = raw.iter().map(|f| f.t).collect();
        let times = stamps.iter().map(|t| t - stamps[0]).collect();
        let video = SeekableVideo::open(&video_path, stamps)?;
        let markup_path = markup_path(&source);
        let (markup, markup_problem) = match load_markup(&markup_path) {
            Ok(m) => (m.unwrap_or_default(), None),
            Err(e) => (Markup::default(), Some(e.to_string())),
        };
        let mut replay = Self {
            source,
            video,
            video_path,
            raw,
            markup,
            markup_path,
            markup_problem,
            height_cm,
            times,
            analysis: None,
            instants: Vec::new(),
            analysed_corrections: Vec::new(),
        };
        replay.reanalyse();
        Ok(replay)
    }

    /// Recomputes the analysis from the poses with the markup's corrections.
    pub fn reanalyse(&mut self) {
        let mut frames = self.raw.clone();
        self.markup.apply_corrections(&mut frames);
        let config = AnalysisConfig { height_cm: self.height_cm, ..Default::default() };
        self.analysis = runpose_core::analyze(frames, &config).ok();
        self.instants = self.analysis.as_ref().map(step_instants).unwrap_or_default();
        self.analysed_corrections = self.markup.corrections.clone();
    }

    /// Reanalyses if the corrections changed since the last analysis (an edit, an undo).
    pub fn reanalyse_if_corrected(&mut self) {
        if self.markup.corrections != self.analysed_corrections {
            self.reanalyse();
        }
    }

    /// The video file: the clip's video.mkv, or the video opened.
    pub fn video_path(&self) -> &Path {
        &self.video_path
    }

    pub fn frames(&self) -> usize {
        self.raw.len()
    }

    /// Frame `frame`'s time from the first frame, seconds.
    pub fn time(&self, frame: usize) -> f64 {
        self.times.get(frame).copied().unwrap_or(0.0)
    }

    /// Saves the markup beside the clip (atomically). An unreadable file there is replaced only with `replace`.
    pub fn save_markup(&mut self, replace: bool) -> anyhow::Result<()> {
        save_markup(&self.markup_path, &self.markup, replace || self.markup_problem.is_none())?;
        self.markup_problem = None;
        Ok(())
    }

    /// Every key instant on the timeline, as (frame, kind), in frame order.
    pub fn timeline(&self) -> Vec<(usize, KeyInstant)> {
        let mut v: Vec<(usize, KeyInstant)> = self
            .instants
            .iter()
            .flat_map(|s| {
                [
                    Some((s.contact, KeyInstant::Contact)),
                    Some((s.pose, KeyInstant::Pose)),
                    Some((s.toe_off, KeyInstant::ToeOff)),
                    s.peak_pull.map(|p| (p, KeyInstant::PeakPull)),
                ]
            })
            .flatten()
            .collect();
        v.sort_by_key(|(f, _)| *f);
        v
    }
}

/// A key instant of a step on the timeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyInstant {
    Contact,
    Pose,
    ToeOff,
    PeakPull,
}

impl KeyInstant {
    pub fn name(self) -> &'static str {
        match self {
            KeyInstant::Contact => "initial contact",
            KeyInstant::Pose => "Running Pose (mid-stance)",
            KeyInstant::ToeOff => "toe-off",
            KeyInstant::PeakPull => "peak pull",
        }
    }
}

/// The gait events of a replayed clip (its stances' initial contacts and toe-offs).
fn events(doc: &Replay) -> Vec<GaitEvent> {
    doc.analysis.as_ref().map_or_else(Vec::new, |a| gait_events(a.stances.iter().map(|s| (s.side, s.ic_t, s.to_t))))
}

/// Aligns `b` to `a` from each one's first initial contact of the foot that lands first in `a`.
pub fn phase_map(a: &Replay, b: &Replay) -> Option<PhaseMap> {
    let (ea, eb) = (events(a), events(b));
    let side = ea.iter().find(|e| e.kind == EventKind::InitialContact)?.side;
    PhaseMap::from_first_contact(&ea, &eb, side)
}
