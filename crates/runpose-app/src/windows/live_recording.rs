//! Recording from the live window (R): starting and stopping the recorder, finishing the clip on its own thread,
//! and recovering a recording a crash cut off.

use runpose_capture::clip::ClipMeta;
use runpose_capture::live::LiveSource;

use crate::session::record::{Recorder, new_clip_dir};
use crate::windows::common::Job;
use crate::windows::live_window::{LiveApp, Notice};

impl LiveApp {
    pub fn recording(&self) -> bool {
        self.recorder.is_some()
    }

    /// Starts recording the analysed frames into a new clip in the recordings folder, or stops and keeps it.
    pub fn toggle_recording(&mut self) {
        if self.recorder.is_some() {
            self.stop_recording();
            return;
        }
        let Some(pipeline) = &self.pipeline else {
            self.notice =
                Some(Notice { text: "Nothing to record: start a camera or a video first.".into(), error: true });
            return;
        };
        let folder = self.settings.recordings_dir();
        let dir = new_clip_dir(&folder);
        let meta = ClipMeta {
            source: pipeline.options.source.describe(),
            height_cm: self.settings.height_cm,
            model: self.settings.model().name().into(),
        };
        let fps = match pipeline.options.source {
            LiveSource::Camera { mode, .. } => f64::from(mode.fps),
            LiveSource::Video(_) => 30.0,
        };
        match Recorder::start(dir, meta, fps, None) {
            Ok(r) => {
                pipeline.set_recorder(Some(r.tap()));
                self.notice = None;
                self.recorder = Some(r);
            }
            Err(e) => self.notice = Some(Notice { text: format!("Not recording: {e:#}"), error: true }),
        }
    }

    /// Stops recording; the clip is closed and analysed on its own thread while the view goes on (`finished` says
    /// where it went, or why it failed, with what was kept).
    pub fn stop_recording(&mut self) {
        let Some(recorder) = self.recorder.take() else { return };
        if let Some(p) = &self.pipeline {
            p.set_recorder(None);
        }
        // One at a time: a clip still being finished is finished first.
        self.finish_now();
        let dir = recorder.dir().to_path_buf();
        self.notice = Some(Notice { text: format!("Saving the recording in {}…", dir.display()), error: false });
        let lost = "finishing the recording stopped unexpectedly; it is recovered at the next start".to_string();
        match Job::spawn("runpose-finish-clip", lost, move || recorder.stop()) {
            Ok(job) => self.finishing = Some((dir, job)),
            Err(e) => {
                self.notice = Some(Notice {
                    text: format!("could not finish the recording in {}: {e}", dir.display()),
                    error: true,
                })
            }
        }
    }

    /// Whether a stopped recording is still being closed and analysed.
    pub fn finishing(&self) -> bool {
        self.finishing.is_some()
    }

    /// Says how the recording being finished ended, once it has (at once with `wait`).
    pub(crate) fn finished(&mut self, wait: bool) {
        let Some((dir, job)) = &mut self.finishing else { return };
        let Some(result) = (if wait { job.wait() } else { job.poll() }) else { return };
        let dir = dir.clone();
        self.finishing = None;
        if result.is_ok()
            && let Err(e) = self.recent.add(&dir)
        {
            tracing::warn!("{e:#}");
        }
        self.notice = Some(match result {
            Ok(m) => Notice {
                text: format!(
                    "Saved {:.1} s ({} frames, {} steps) in {}",
                    m.duration_s,
                    m.frames,
                    m.steps.unwrap_or(0),
                    dir.display()
                ),
                error: false,
            },
            Err(e) => {
                tracing::warn!("recording: {e:#}");
                Notice { text: format!("{e:#}"), error: true }
            }
        });
    }

    /// Waits for the recording being finished.
    pub fn finish_now(&mut self) {
        self.finished(true);
    }

    /// Recovers and analyses the interrupted recording `index` of `interrupted`.
    pub(crate) fn recover(&mut self, index: usize) {
        let (dir, _) = self.interrupted.remove(index);
        self.notice = Some(match crate::session::record::open_clip(&dir, |_| {}) {
            Ok(m) => Notice {
                text: format!("Recovered {:.1} s ({} frames) in {}", m.duration_s, m.frames, dir.display()),
                error: false,
            },
            Err(e) => Notice { text: format!("{e:#}"), error: true },
        });
    }
}
