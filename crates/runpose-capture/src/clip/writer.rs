//! Writing a recording as the frames come: the video, poses.csv and the manifest, put on the disk every half second.

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::time::{Instant, SystemTime};

use image::RgbImage;
use runpose_core::Pose;

use super::poses::{pose_row, poses_header};
use super::{
    CLIP_FORMAT, CLIP_VERSION, ClipManifest, ClipMeta, ClipState, LOCK_FILE, POSES_FILE, SYNC_INTERVAL, VIDEO_FILE,
    check_new_clip_dir, write_manifest,
};
use crate::video::{VideoCodec, VideoWriter};
use crate::{BoxError, CaptureError};

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
        let fail = |e: BoxError| CaptureError::Write { path: dir.to_path_buf(), source: e };
        check_new_clip_dir(dir)?;
        std::fs::create_dir_all(dir).map_err(|e| fail(e.into()))?;
        let lock = File::create(dir.join(LOCK_FILE)).map_err(|e| fail(e.into()))?;
        lock.try_lock().map_err(|e| fail(e.into()))?;
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
        let poses_file = File::create(&poses_path).map_err(|e| fail(e.into()))?;
        let mut poses = csv::Writer::from_writer(BufWriter::new(poses_file.try_clone().map_err(|e| fail(e.into()))?));
        poses.write_record(poses_header()).map_err(|e| fail(e.into()))?;
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
        self.poses.write_record(&row).map_err(|e| self.write_error(POSES_FILE, e))?;
        // To the OS at once (a killed process loses no landmarks); to the disk at each sync.
        self.poses.flush().map_err(|e| self.write_error(POSES_FILE, e))?;
        if !analysed {
            self.manifest.estimated += 1;
        }
        Ok(())
    }

    /// Counts frames missing from the clip (the recorder could not take them).
    pub fn add_dropped(&mut self, n: u64) {
        self.manifest.dropped += n;
    }

    fn write_error(&self, file: &str, e: impl Into<BoxError>) -> CaptureError {
        CaptureError::Write { path: self.dir.join(file), source: e.into() }
    }

    /// Puts everything written so far on the disk.
    pub fn sync(&mut self) -> Result<(), CaptureError> {
        self.poses.flush().map_err(|e| self.write_error(POSES_FILE, e))?;
        self.poses_file.sync_data().map_err(|e| self.write_error(POSES_FILE, e))?;
        self.video.sync()?;
        self.last_sync = Instant::now();
        Ok(())
    }

    /// Closes the video and poses.csv. The manifest stays "recording" until the app has analysed the clip
    /// (`write_manifest` with `ClipState::Complete`): a crash in between is recovered like any other.
    pub fn finish(mut self) -> Result<ClipManifest, CaptureError> {
        self.poses.flush().map_err(|e| self.write_error(POSES_FILE, e))?;
        self.poses_file.sync_data().map_err(|e| self.write_error(POSES_FILE, e))?;
        self.video.finish()?;
        write_manifest(&self.dir, &self.manifest)?;
        // Closed: nothing holds the clip any more (unanalysed, it reads as interrupted and is recovered).
        let _ = std::fs::remove_file(self.dir.join(LOCK_FILE));
        Ok(self.manifest)
    }
}
