//! The replay window's work on other threads: opening a clip or video (analysing a video without landmarks first)
//! and exporting the annotated MP4, each polled by the window every frame.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use runpose_vision::ModelVariant;

use crate::session::document::{Loaded, Replay};
use crate::windows::common::Job;

/// A clip or video being opened on its own thread (a video without landmarks is analysed first, which takes a while).
pub struct Opening {
    pub path: PathBuf,
    /// It goes beside the clip open (Compare) instead of replacing it.
    pub beside: bool,
    /// The person followed: the one at this point of the first frame with people (frame pixels), the video
    /// analysed again for them.
    pub follow: Option<(f32, f32)>,
    /// Frames analysed so far, of how many (a hidden bar that counts).
    pub bar: indicatif::ProgressBar,
    pub(crate) job: Job<Loaded>,
}

impl Opening {
    pub(crate) fn start(
        path: PathBuf,
        beside: bool,
        model: ModelVariant,
        follow: Option<(f32, f32)>,
    ) -> std::io::Result<Self> {
        let bar = indicatif::ProgressBar::hidden();
        let (p, b) = (path.clone(), bar.clone());
        let job =
            Job::spawn(
                "runpose-open",
                format!("opening {} stopped unexpectedly", path.display()),
                move || match follow {
                    Some(point) => Loaded::read_following(&p, model, point, &b),
                    None => Loaded::read(&p, model, &b),
                },
            )?;
        Ok(Self { path, beside, follow, bar, job })
    }
}

/// An MP4 export running on its own thread (`export::write_annotated_video`).
pub struct VideoExport {
    pub done: Arc<AtomicUsize>,
    pub total: usize,
    pub(crate) cancel: Arc<AtomicBool>,
    pub(crate) job: Job<PathBuf>,
}

impl VideoExport {
    /// Starts writing `doc` with overlay and markup to `out`.
    pub fn start(doc: &Replay, out: PathBuf) -> std::io::Result<Self> {
        let (done, cancel) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicBool::new(false)));
        let (video, total, analysis, markup) =
            (doc.video_path().to_path_buf(), doc.frames(), doc.analysis.clone(), doc.markup.clone());
        let (d, c) = (done.clone(), cancel.clone());
        let job = Job::spawn("runpose-export", "the export stopped unexpectedly".into(), move || {
            crate::session::export::write_annotated_video(&video, total, analysis.as_ref(), &markup, &out, |n, _| {
                d.store(n, Ordering::Relaxed);
                !c.load(Ordering::Relaxed)
            })
        })?;
        Ok(Self { done, total, cancel, job })
    }

    pub fn cancel(&self) {
        self.cancel.store(true, Ordering::Relaxed);
    }
}
