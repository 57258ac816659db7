//! Clips: a recording's folder (docs/recording.md). The video (Motion JPEG in Matroska), the landmarks the live model
//! found for each frame (poses.csv) and a manifest (clip.json) are written as the frames come, and put on the disk
//! every half second, so a killed process or a power cut loses at most that. A recording that did not finish is
//! found by its manifest (still "recording") and its lock (no longer held), and `recover` makes it whole again.
//! The analysis files (frames.csv, steps.csv, summary.json, in `analyze`'s schema) are written by the app.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::{BoxError, CaptureError};

mod markup_file;
mod poses;
mod recovery;
mod writer;

pub use markup_file::*;
pub use poses::*;
pub use recovery::*;
pub use writer::*;

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
        .map_err(|e| CaptureError::Write { path: path.to_path_buf(), source: e.into() })?;
    crate::atomic::write_atomic(path, |w| {
        w.write_all(text.as_bytes())?;
        w.write_all(b"\n")
    })
}

/// A clip's file at `path` that cannot be read as it is, with why.
fn read_error(path: &Path, why: impl Into<BoxError>) -> CaptureError {
    CaptureError::Read { path: path.to_path_buf(), source: why.into() }
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

/// A new clip goes into a folder that does not exist yet, or is empty: a clip (or anything else) is never written
/// into.
pub fn check_new_clip_dir(dir: &Path) -> Result<(), CaptureError> {
    let fail = |e: BoxError| CaptureError::Write { path: dir.to_path_buf(), source: e };
    if dir.exists() && std::fs::read_dir(dir).map_err(|e| fail(e.into()))?.next().is_some() {
        return Err(fail("the folder already exists and is not empty: choose another name".into()));
    }
    Ok(())
}
