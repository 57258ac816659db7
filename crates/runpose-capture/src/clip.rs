//! Clips: a recording's folder (docs/recording.md). The video (Motion JPEG in Matroska), the landmarks the live model
//! found for each frame (poses.csv) and a manifest (clip.json) are written as the frames come, and put on the disk
//! every half second, so a killed process or a power cut loses at most that. A recording that did not finish is
//! found by its manifest (still "recording") and its lock (no longer held), and `recover` makes it whole again.
//! The analysis files (frames.csv, steps.csv, summary.json, in `analyze`'s schema) are written by the app.

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use ffmpeg_next as ffmpeg;
use image::RgbImage;
use runpose_core::{Keypoint, Landmark, NUM_LANDMARKS, Pose, PoseFrame};
use serde::{Deserialize, Serialize};

use crate::CaptureError;
use crate::video::{VideoCodec, VideoWriter};

/// The manifest's `format`.
pub const CLIP_FORMAT: &str = "runpose-clip";
/// The manifest's `version`; a newer one is refused with a message.
pub const CLIP_VERSION: u32 = 1;
pub const MANIFEST_FILE: &str = "clip.json";
pub const VIDEO_FILE: &str = "video.mkv";
pub const POSES_FILE: &str = "poses.csv";
/// Held (an OS file lock) while a recorder writes the clip; a crash releases it.
pub const LOCK_FILE: &str = "recording.lock";
/// How often the recorder puts the clip on the disk, in wall time.
pub const SYNC_INTERVAL: Duration = Duration::from_millis(500);

/// Where a clip stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClipState {
    /// Being written, or cut off by a crash (then `open_clip` says `Interrupted`).
    Recording,
    /// Finished (or recovered) and analysed.
    Complete,
}

/// clip.json.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClipManifest {
    pub format: String,
    pub version: u32,
    pub state: ClipState,
    /// The recording was cut off (crash, kill, power cut) and recovered.
    pub recovered: bool,
    /// When recording started, RFC 3339 UTC.
    pub created: String,
    /// What was filmed: "camera 0 (1280×720 at 30 fps)", "video run.mp4".
    pub source: String,
    pub height_cm: Option<f64>,
    /// The landmark model of the live analysis.
    pub model: String,
    pub width: u32,
    pub height: u32,
    /// Frames in the clip (known once it is complete).
    pub frames: usize,
    /// From the first frame's time stamp to the last's, seconds.
    pub duration_s: f64,
    /// Steps the analysis found (known once it is complete).
    pub steps: Option<usize>,
    /// Frames missing from the clip: the recorder could not take them (the disk did not keep up).
    pub dropped: u64,
    /// Frames the live model skipped (it was busy): they are in the video, and their landmarks were estimated when
    /// the recording was finished.
    #[serde(default)]
    pub estimated: u64,
}

/// What the recorder is told about the session.
#[derive(Debug, Clone, PartialEq)]
pub struct ClipMeta {
    pub source: String,
    pub height_cm: Option<f64>,
    pub model: String,
}

/// Writes `value` as pretty JSON to `path` atomically (`atomic::write_atomic`): a crash leaves either the old file
/// or the new one, never half of one.
pub fn write_json_atomic<T: Serialize>(path: &Path, value: &T) -> Result<(), CaptureError> {
    let text = serde_json::to_string_pretty(value)
        .map_err(|e| CaptureError::Write { path: path.to_path_buf(), reason: e.to_string() })?;
    crate::atomic::write_atomic(path, |w| {
        w.write_all(text.as_bytes())?;
        w.write_all(b"\n")
    })
}

fn read_error(path: &Path, what: impl std::fmt::Display) -> CaptureError {
    CaptureError::Clip(format!("{}: {what}", path.display()))
}

/// Reads a clip's manifest.
pub fn read_manifest(dir: &Path) -> Result<ClipManifest, CaptureError> {
    let path = dir.join(MANIFEST_FILE);
    if !dir.is_dir() {
        return Err(CaptureError::NotFound(dir.to_path_buf()));
    }
    let text = std::fs::read_to_string(&path)
        .map_err(|e| read_error(&path, format!("{e}: is {} a runpose clip folder?", dir.display())))?;
    let manifest: ClipManifest =
        serde_json::from_str(&text).map_err(|e| read_error(&path, format!("damaged manifest ({e})")))?;
    if manifest.format != CLIP_FORMAT {
        return Err(read_error(&path, format!("not a runpose clip (format '{}')", manifest.format)));
    }
    if manifest.version > CLIP_VERSION {
        return Err(read_error(
            &path,
            format!(
                "clip version {} is newer than this runpose reads ({CLIP_VERSION}): update runpose",
                manifest.version
            ),
        ));
    }
    Ok(manifest)
}

/// Saves a clip's manifest (atomically).
pub fn write_manifest(dir: &Path, manifest: &ClipManifest) -> Result<(), CaptureError> {
    write_json_atomic(&dir.join(MANIFEST_FILE), manifest)
}

/// Whether `path` is a clip folder (it has a manifest).
pub fn is_clip(path: &Path) -> bool {
    path.join(MANIFEST_FILE).is_file()
}

/// A clip as found on the disk.
#[derive(Debug, Clone, PartialEq)]
pub enum ClipStatus {
    Complete(ClipManifest),
    /// A recorder is still writing it.
    InProgress(ClipManifest),
    /// The recording was cut off: `recover` it.
    Interrupted(ClipManifest),
}

/// Opens a clip's manifest and tells whether it is complete, being recorded, or was cut off.
pub fn open_clip(dir: &Path) -> Result<ClipStatus, CaptureError> {
    let manifest = read_manifest(dir)?;
    if manifest.state == ClipState::Complete {
        return Ok(ClipStatus::Complete(manifest));
    }
    let held = match File::open(dir.join(LOCK_FILE)) {
        Ok(f) => match f.try_lock() {
            Ok(()) => false,
            Err(std::fs::TryLockError::WouldBlock) => true,
            Err(std::fs::TryLockError::Error(_)) => false,
        },
        Err(_) => false,
    };
    Ok(if held { ClipStatus::InProgress(manifest) } else { ClipStatus::Interrupted(manifest) })
}

/// The clips under `folder` (one level down) whose recording was cut off, oldest first.
pub fn find_interrupted(folder: &Path) -> Vec<(PathBuf, ClipManifest)> {
    let Ok(entries) = std::fs::read_dir(folder) else { return Vec::new() };
    let mut found: Vec<(PathBuf, ClipManifest)> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| is_clip(p))
        .filter_map(|p| match open_clip(&p) {
            Ok(ClipStatus::Interrupted(m)) => Some((p, m)),
            _ => None,
        })
        .collect();
    found.sort_by(|a, b| a.1.created.cmp(&b.1.created));
    found
}

fn poses_header() -> Vec<String> {
    let mut header: Vec<String> = vec!["frame".into(), "t_s".into(), "detected".into()];
    for l in Landmark::ALL {
        header.extend(["x", "y", "z", "score"].map(|c| format!("{}_{c}", l.name())));
    }
    header
}

/// A new clip goes into a folder that does not exist yet, or is empty: a clip (or anything else) is never written
/// into.
pub fn check_new_clip_dir(dir: &Path) -> Result<(), CaptureError> {
    let fail = |e: &dyn std::fmt::Display| CaptureError::Write { path: dir.to_path_buf(), reason: e.to_string() };
    if dir.exists() && std::fs::read_dir(dir).map_err(|e| fail(&e))?.next().is_some() {
        return Err(fail(&"the folder already exists and is not empty: choose another name"));
    }
    Ok(())
}

/// One row of poses.csv. `detected`: 1 with a pose, 0 where no runner was found, empty where the frame was not
/// analysed (the live model skipped it; its landmarks are estimated when the recording is finished).
fn pose_row(frame: usize, t: f64, pose: Option<&Pose>, analysed: bool) -> Vec<String> {
    let detected = if analysed { u8::from(pose.is_some()).to_string() } else { String::new() };
    let mut row = vec![frame.to_string(), format!("{t:.4}"), detected];
    match pose {
        Some(p) => row.extend(p.keypoints.iter().flat_map(|k| {
            [format!("{:.2}", k.x), format!("{:.2}", k.y), format!("{:.2}", k.z), format!("{:.4}", k.score)]
        })),
        None => row.extend(std::iter::repeat_n(String::new(), NUM_LANDMARKS * 4)),
    }
    row
}

/// Writes a recording as frames come: the video, poses.csv and the manifest.
pub struct ClipWriter {
    dir: PathBuf,
    manifest: ClipManifest,
    video: VideoWriter,
    poses: csv::Writer<BufWriter<File>>,
    poses_file: File,
    _lock: File,
    first_t: Option<f64>,
    last_t: f64,
    last_sync: Instant,
}

impl ClipWriter {
    /// Creates the clip folder `dir` (it must not exist yet, or be empty) for frames of `width` × `height`.
    pub fn create(dir: &Path, meta: ClipMeta, width: u32, height: u32, fps: f64) -> Result<Self, CaptureError> {
        let fail = |e: &dyn std::fmt::Display| CaptureError::Write { path: dir.to_path_buf(), reason: e.to_string() };
        check_new_clip_dir(dir)?;
        std::fs::create_dir_all(dir).map_err(|e| fail(&e))?;
        let lock = File::create(dir.join(LOCK_FILE)).map_err(|e| fail(&e))?;
        lock.try_lock().map_err(|e| fail(&e))?;
        let video = VideoWriter::create_with(dir.join(VIDEO_FILE), width, height, fps, VideoCodec::Mjpeg)?;
        let (w, h) = video.size();
        let manifest = ClipManifest {
            format: CLIP_FORMAT.into(),
            version: CLIP_VERSION,
            state: ClipState::Recording,
            recovered: false,
            created: humantime::format_rfc3339_seconds(SystemTime::now()).to_string(),
            source: meta.source,
            height_cm: meta.height_cm,
            model: meta.model,
            width: w,
            height: h,
            frames: 0,
            duration_s: 0.0,
            steps: None,
            dropped: 0,
            estimated: 0,
        };
        write_manifest(dir, &manifest)?;
        let poses_path = dir.join(POSES_FILE);
        let poses_file = File::create(&poses_path).map_err(|e| fail(&e))?;
        let mut poses = csv::Writer::from_writer(BufWriter::new(poses_file.try_clone().map_err(|e| fail(&e))?));
        poses.write_record(poses_header()).map_err(|e| fail(&e))?;
        Ok(Self {
            dir: dir.to_path_buf(),
            manifest,
            video,
            poses,
            poses_file,
            _lock: lock,
            first_t: None,
            last_t: 0.0,
            last_sync: Instant::now(),
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Frames written so far.
    pub fn frames(&self) -> usize {
        self.manifest.frames
    }

    /// Seconds recorded so far.
    pub fn duration_s(&self) -> f64 {
        self.manifest.duration_s
    }

    /// Appends a frame taken at source time `t` (seconds; the clip's times start at its first frame) and the pose
    /// found on it. Every `SYNC_INTERVAL` the clip is put on the disk.
    pub fn push(&mut self, t: f64, image: &RgbImage, pose: Option<&Pose>) -> Result<(), CaptureError> {
        let (frame, t) = self.push_frame(t, image)?;
        self.push_row(frame, t, pose, true)
    }

    /// Appends a frame's picture taken at source time `t`; its landmarks follow with `push_row`, in the same order.
    /// Returns the frame's number in the clip and its clip time.
    pub fn push_frame(&mut self, t: f64, image: &RgbImage) -> Result<(usize, f64), CaptureError> {
        let first = *self.first_t.get_or_insert(t);
        let t = (t - first).max(self.last_t);
        self.video.write(image, t)?;
        let frame = self.manifest.frames;
        self.manifest.frames += 1;
        self.manifest.duration_s = t;
        self.last_t = t;
        if self.last_sync.elapsed() >= SYNC_INTERVAL {
            self.sync()?;
        }
        Ok((frame, t))
    }

    /// Writes the landmarks row of frame `frame` (clip time `t`, from `push_frame`): the pose found (`None`: no
    /// runner), or with `analysed` false, none yet (the live model skipped the frame).
    pub fn push_row(&mut self, frame: usize, t: f64, pose: Option<&Pose>, analysed: bool) -> Result<(), CaptureError> {
        let row = pose_row(frame, t, pose, analysed);
        self.poses.write_record(&row).map_err(|e| self.write_error(POSES_FILE, &e))?;
        // To the OS at once (a killed process loses no landmarks); to the disk at each sync.
        self.poses.flush().map_err(|e| self.write_error(POSES_FILE, &e))?;
        if !analysed {
            self.manifest.estimated += 1;
        }
        Ok(())
    }

    /// Counts frames missing from the clip (the recorder could not take them).
    pub fn add_dropped(&mut self, n: u64) {
        self.manifest.dropped += n;
    }

    fn write_error(&self, file: &str, e: &dyn std::fmt::Display) -> CaptureError {
        CaptureError::Write { path: self.dir.join(file), reason: e.to_string() }
    }

    /// Puts everything written so far on the disk.
    pub fn sync(&mut self) -> Result<(), CaptureError> {
        self.poses.flush().map_err(|e| self.write_error(POSES_FILE, &e))?;
        self.poses_file.sync_data().map_err(|e| self.write_error(POSES_FILE, &e))?;
        self.video.sync()?;
        self.last_sync = Instant::now();
        Ok(())
    }

    /// Closes the video and poses.csv. The manifest stays "recording" until the app has analysed the clip
    /// (`write_manifest` with `ClipState::Complete`): a crash in between is recovered like any other.
    pub fn finish(mut self) -> Result<ClipManifest, CaptureError> {
        self.poses.flush().map_err(|e| self.write_error(POSES_FILE, &e))?;
        self.poses_file.sync_data().map_err(|e| self.write_error(POSES_FILE, &e))?;
        self.video.finish()?;
        write_manifest(&self.dir, &self.manifest)?;
        // Closed: nothing holds the clip any more (unanalysed, it reads as interrupted and is recovered).
        let _ = std::fs::remove_file(self.dir.join(LOCK_FILE));
        Ok(self.manifest)
    }
}

/// Reads a clip's poses.csv: one frame per row, with its time stamp and pose (`None` where no runner was found, or
/// the frame was not analysed).
pub fn read_poses(dir: &Path) -> Result<Vec<PoseFrame>, CaptureError> {
    read_poses_file(&dir.join(POSES_FILE))
}

/// Reads a poses file (poses.csv's format) at `path`. A last row cut off by a crash is left out (`read_pose_rows`).
pub fn read_poses_file(path: &Path) -> Result<Vec<PoseFrame>, CaptureError> {
    Ok(read_pose_rows(path)?.frames)
}

/// A poses file's rows, and which the live model analysed.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PoseRows {
    pub frames: Vec<PoseFrame>,
    /// `false` where the live model skipped the frame (empty `detected`): its landmarks are still to estimate.
    pub analysed: Vec<bool>,
    /// Whether the last row was cut off (a recording that ended in a crash) and left out.
    pub cut_off: bool,
}

/// Reads a poses file (poses.csv's format) at `path` with which rows were analysed. The last row may be cut off (a
/// recording writes the file as the frames come, and a crash can end it mid-row): it is left out and `cut_off` says
/// so. A damaged or misnumbered row before the last is an error: the file is not what was written.
pub fn read_pose_rows(path: &Path) -> Result<PoseRows, CaptureError> {
    let path = path.to_path_buf();
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_path(&path).map_err(|e| read_error(&path, e))?;
    let mut rows = PoseRows::default();
    let mut records = reader.records();
    let mut i = 0;
    while let Some(record) = records.next() {
        match record.ok().as_ref().and_then(pose_row_of) {
            Some((n, frame, analysed)) if n == i => {
                rows.frames.push(frame);
                rows.analysed.push(analysed);
            }
            Some(_) => return Err(read_error(&path, format!("row {} is numbered out of order", i + 1))),
            None if records.next().is_none() => {
                rows.cut_off = true;
                break;
            }
            None => return Err(read_error(&path, format!("row {} is damaged", i + 1))),
        }
        i += 1;
    }
    Ok(rows)
}

/// A whole poses.csv row: its frame number, the frame, and whether it was analysed. `None` for a row cut short or
/// with a value that does not read.
fn pose_row_of(record: &csv::StringRecord) -> Option<(usize, PoseFrame, bool)> {
    let num = |k: usize| record.get(k).and_then(|v| v.parse::<f64>().ok());
    let t = num(1)?;
    if record.len() < 3 + NUM_LANDMARKS * 4 {
        return None;
    }
    let pose = if record.get(2) == Some("1") {
        let mut keypoints = [Keypoint::default(); NUM_LANDMARKS];
        for (j, k) in keypoints.iter_mut().enumerate() {
            let at = 3 + j * 4;
            *k = Keypoint { x: num(at)?, y: num(at + 1)?, z: num(at + 2)?, score: num(at + 3)? };
        }
        Some(Pose::new(keypoints))
    } else {
        None
    };
    let n = record.get(0)?.parse::<usize>().ok()?;
    Some((n, PoseFrame { t, pose }, record.get(2).is_some_and(|d| !d.is_empty())))
}

/// Counts the frames of a clip's video that can be read back (packets whole and uncorrupted).
fn count_video_frames(path: &Path) -> Result<usize, CaptureError> {
    crate::video::init_ffmpeg();
    let input = ffmpeg::format::input(path).map_err(|e| read_error(path, e))?;
    let stream = input
        .streams()
        .best(ffmpeg::media::Type::Video)
        .ok_or_else(|| CaptureError::NoVideoStream(path.to_path_buf()))?;
    let index = stream.index();
    let mut input = input;
    Ok(input.packets().filter(|(s, p)| s.index() == index && !p.is_corrupt()).count())
}

/// Copies the first `keep` frames of `from` into `to` (no re-encoding), so the new file has its index.
fn remux(from: &Path, to: &Path, keep: usize) -> Result<usize, CaptureError> {
    crate::video::init_ffmpeg();
    let fail = |e: &dyn std::fmt::Display| CaptureError::Write { path: to.to_path_buf(), reason: e.to_string() };
    let mut input = ffmpeg::format::input(from).map_err(|e| read_error(from, e))?;
    let ist = input
        .streams()
        .best(ffmpeg::media::Type::Video)
        .ok_or_else(|| CaptureError::NoVideoStream(from.to_path_buf()))?;
    let (index, in_tb, params) = (ist.index(), ist.time_base(), ist.parameters());
    let mut output = ffmpeg::format::output(to).map_err(|e| fail(&e))?;
    let mut ost = output.add_stream(ffmpeg::encoder::find(ffmpeg::codec::Id::None)).map_err(|e| fail(&e))?;
    ost.set_parameters(params);
    // SAFETY: the stream's codec parameters were just copied from the input; a zero tag lets the muxer choose its own.
    unsafe {
        (*ost.parameters().as_mut_ptr()).codec_tag = 0;
    }
    output.write_header().map_err(|e| fail(&e))?;
    let out_tb = output.stream(0).map_or(in_tb, |s| s.time_base());
    let mut written = 0;
    for (stream, mut packet) in input.packets() {
        if stream.index() != index || packet.is_corrupt() {
            continue;
        }
        if written == keep {
            break;
        }
        packet.set_stream(0);
        packet.rescale_ts(in_tb, out_tb);
        packet.set_position(-1);
        packet.write_interleaved(&mut output).map_err(|e| fail(&e))?;
        written += 1;
    }
    output.write_trailer().map_err(|e| fail(&e))?;
    Ok(written)
}

/// What `recover` kept.
#[derive(Debug, Clone, PartialEq)]
pub struct Recovery {
    pub video_frames: usize,
    pub pose_frames: usize,
    /// Frames in the recovered clip: those with both their picture and their pose.
    pub frames: usize,
    pub manifest: ClipManifest,
}

/// Makes a cut-off recording whole: keeps the frames that have both their picture and their pose, gives the video its
/// index again (copying it, then replacing the original only once the copy is complete), rewrites poses.csv to match,
/// and marks the manifest recovered. The analysis files are the app's to write; the state stays "recording" until
/// then.
pub fn recover(dir: &Path) -> Result<Recovery, CaptureError> {
    let mut manifest = match open_clip(dir)? {
        ClipStatus::Interrupted(m) => m,
        ClipStatus::InProgress(_) => {
            return Err(CaptureError::Clip(format!("{} is still being recorded", dir.display())));
        }
        ClipStatus::Complete(m) => m,
    };
    let video_path = dir.join(VIDEO_FILE);
    let video_frames = count_video_frames(&video_path)?;
    let rows = read_pose_rows(&dir.join(POSES_FILE))?;
    let poses = &rows.frames;
    let frames = video_frames.min(poses.len());
    if frames == 0 {
        return Err(CaptureError::Clip(format!("{}: the recording holds no whole frame", dir.display())));
    }
    let tmp = dir.join(format!(".{VIDEO_FILE}.recovering.mkv"));
    let written = remux(&video_path, &tmp, frames)?;
    if written != frames {
        let _ = std::fs::remove_file(&tmp);
        return Err(CaptureError::Clip(format!(
            "{}: only {written} of {frames} frames could be copied",
            video_path.display()
        )));
    }
    File::open(&tmp)
        .and_then(|f| f.sync_all())
        .map_err(|e| CaptureError::Write { path: tmp.clone(), reason: e.to_string() })?;
    // The poses first: the recording's own poses.csv is replaced only by a complete copy.
    write_pose_rows(&dir.join(POSES_FILE), &poses[..frames], &rows.analysed[..frames])?;
    std::fs::rename(&tmp, &video_path)
        .map_err(|e| CaptureError::Write { path: video_path.clone(), reason: e.to_string() })?;
    manifest.recovered = true;
    manifest.frames = frames;
    manifest.duration_s = poses[frames - 1].t - poses[0].t;
    write_manifest(dir, &manifest)?;
    let _ = std::fs::remove_file(dir.join(LOCK_FILE));
    Ok(Recovery { video_frames, pose_frames: poses.len(), frames, manifest })
}

/// Writes `frames` as poses.csv at `path` atomically (`atomic::write_atomic`).
pub fn write_poses(path: &Path, frames: &[PoseFrame]) -> Result<(), CaptureError> {
    write_pose_rows(path, frames, &vec![true; frames.len()])
}

/// Writes `frames` as poses.csv at `path` atomically (`atomic::write_atomic`: a crash leaves the old file or the new
/// one whole), marking those not `analysed`.
pub fn write_pose_rows(path: &Path, frames: &[PoseFrame], analysed: &[bool]) -> Result<(), CaptureError> {
    crate::atomic::write_atomic(path, |out| {
        let mut w = csv::Writer::from_writer(out);
        w.write_record(poses_header())?;
        for (i, f) in frames.iter().enumerate() {
            w.write_record(pose_row(i, f.t, f.pose.as_ref(), analysed.get(i).copied().unwrap_or(true)))?;
        }
        w.flush()
    })
}

/// A clip's markup file.
pub const MARKUP_FILE: &str = "markup.json";

/// Where the markup of `clip_or_video` is kept: `markup.json` in a clip folder, `NAME.markup.json` beside a video.
pub fn markup_path(clip_or_video: &Path) -> PathBuf {
    if clip_or_video.is_dir() {
        return clip_or_video.join(MARKUP_FILE);
    }
    let name = clip_or_video.file_name().map_or_else(|| "video".into(), |n| n.to_string_lossy().into_owned());
    clip_or_video.with_file_name(format!("{name}.markup.json"))
}

/// Reads a markup file: `Ok(None)` if there is none yet. A file that cannot be read as markup is an error saying why;
/// it is left as it is.
pub fn load_markup(path: &Path) -> Result<Option<runpose_core::markup::Markup>, CaptureError> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(read_error(path, e)),
    };
    runpose_core::markup::Markup::from_json(&text).map(Some).map_err(|e| {
        CaptureError::Clip(format!(
            "{}: {e}; it is kept as it is, and saving will ask before replacing it",
            path.display()
        ))
    })
}

/// Saves markup atomically (a crash while saving leaves the old file whole). If the file there cannot be read as
/// markup, it is replaced only with `replace_unreadable` (the user was asked), and then kept beside as
/// `NAME.unreadable-N` first.
pub fn save_markup(
    path: &Path,
    markup: &runpose_core::markup::Markup,
    replace_unreadable: bool,
) -> Result<(), CaptureError> {
    if path.exists()
        && let Err(e) = load_markup(path)
    {
        if !replace_unreadable {
            return Err(e);
        }
        let name = path.file_name().map_or_else(|| "markup".into(), |n| n.to_string_lossy().into_owned());
        let backup = free_path(|n| path.with_file_name(format!("{name}.unreadable-{n}")), 1);
        std::fs::rename(path, &backup)
            .map_err(|e| CaptureError::Write { path: backup.clone(), reason: e.to_string() })?;
    }
    write_json_atomic(path, markup)
}

/// The first of `name(from)`, `name(from + 1)`, … that names nothing yet.
pub fn free_path(name: impl Fn(usize) -> PathBuf, from: usize) -> PathBuf {
    let mut n = from;
    loop {
        let path = name(n);
        if !path.exists() {
            return path;
        }
        n += 1;
    }
}
