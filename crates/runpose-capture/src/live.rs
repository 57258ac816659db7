//! Live sources for the coaching view: a camera (nokhwa, with the `camera` feature) or a video file played at its
//! own pace and looped, as if it were a camera; the capture thread that reads one; and the newest-wins channel that
//! joins the live pipeline's threads, so a slow consumer drops stale frames instead of building a queue.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender, TrySendError, bounded};
use image::RgbImage;

use crate::{CaptureError, VideoReader};

/// One frame of a live source.
#[derive(Debug, Clone)]
pub struct LiveFrame {
    /// Frames delivered by this source so far, from 0 (continues across a video's loops).
    pub index: u64,
    /// Source time, seconds from the source's first frame (continues across a video's loops).
    pub t: f64,
    /// How many times the source started over before this frame (a looping video's passes, from 0): where it
    /// changes, the runner's motion jumps, and the live analysis starts a new window (`LiveAnalyzer::restart`).
    pub pass: u32,
    /// When the frame was captured (a camera's frame arrived; a video's frame came due at its own pace): latency is
    /// measured from here.
    pub captured: Instant,
    pub image: RgbImage,
}

/// A camera mode to ask for; the camera gives the closest it has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CameraMode {
    pub width: u32,
    pub height: u32,
    pub fps: u32,
}

impl Default for CameraMode {
    fn default() -> Self {
        Self { width: 1280, height: 720, fps: 30 }
    }
}

/// Where live frames come from.
#[derive(Debug, Clone, PartialEq)]
pub enum LiveSource {
    Camera {
        index: u32,
        mode: CameraMode,
    },
    /// A video file played at its own pace, from the start again at its end.
    Video(PathBuf),
}

impl LiveSource {
    /// In one sentence, for the window's title and messages.
    pub fn describe(&self) -> String {
        match self {
            LiveSource::Camera { index, mode } => {
                format!("camera {index} ({}×{} at {} fps)", mode.width, mode.height, mode.fps)
            }
            LiveSource::Video(path) => {
                format!(
                    "video {}",
                    path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned())
                )
            }
        }
    }
}

/// What the capture thread hands on.
#[derive(Debug)]
pub enum CaptureEvent {
    Frame(LiveFrame),
    /// The source failed (no camera, unplugged, unreadable file): the thread has ended.
    Failed(CaptureError),
}

/// A camera the system offers.
#[derive(Debug, Clone, PartialEq)]
pub struct CameraDescription {
    pub index: u32,
    pub name: String,
}

/// The sending half of a newest-wins channel: a send replaces a value the receiver has not taken yet.
pub struct LatestSender<T> {
    tx: Sender<T>,
    /// A receiver of its own, to take out the value a new one replaces.
    stale: Receiver<T>,
    dropped: Arc<AtomicU64>,
    /// Gone when every `LatestReceiver` is (the channel itself stays connected through `stale`).
    receivers: Weak<()>,
    tee: Option<Tee<T>>,
}

/// Sees every value a `LatestSender` sends, before newest-wins can drop it (a recording keeps every frame while the
/// model takes only the newest). Set and cleared while the channel runs.
pub type Tee<T> = Arc<std::sync::Mutex<Option<Box<dyn Fn(&T) + Send>>>>;

impl<T> std::fmt::Debug for LatestSender<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LatestSender").field("dropped", &self.dropped).field("tee", &self.tee.is_some()).finish()
    }
}

impl<T> Clone for LatestSender<T> {
    fn clone(&self) -> Self {
        Self {
            tx: self.tx.clone(),
            stale: self.stale.clone(),
            dropped: self.dropped.clone(),
            receivers: self.receivers.clone(),
            tee: self.tee.clone(),
        }
    }
}

/// The receiving half: a plain bounded receiver of capacity one, plus the count of values replaced unread.
#[derive(Debug)]
pub struct LatestReceiver<T> {
    pub rx: Receiver<T>,
    dropped: Arc<AtomicU64>,
    _alive: Arc<()>,
}

impl<T> Clone for LatestReceiver<T> {
    fn clone(&self) -> Self {
        Self { rx: self.rx.clone(), dropped: self.dropped.clone(), _alive: self._alive.clone() }
    }
}

impl<T> LatestReceiver<T> {
    /// Values that were replaced before they were received.
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }
}

/// A newest-wins channel: capacity one, and a send never waits.
pub fn latest<T>() -> (LatestSender<T>, LatestReceiver<T>) {
    let (tx, rx) = bounded(1);
    let dropped = Arc::new(AtomicU64::new(0));
    let alive = Arc::new(());
    let sender =
        LatestSender { tx, stale: rx.clone(), dropped: dropped.clone(), receivers: Arc::downgrade(&alive), tee: None };
    (sender, LatestReceiver { rx, dropped, _alive: alive })
}

impl<T> LatestSender<T> {
    /// Shows every value sent to `tee` first.
    pub fn with_tee(mut self, tee: Tee<T>) -> Self {
        self.tee = Some(tee);
        self
    }

    /// Sends `value`, replacing the one waiting if the receiver has not taken it. `Err` when the receiver is gone.
    pub fn send(&self, mut value: T) -> Result<(), T> {
        if self.receivers.strong_count() == 0 {
            return Err(value);
        }
        if let Some(see) = self.tee.as_ref().and_then(|t| t.lock().ok()).as_deref().and_then(Option::as_ref) {
            see(&value);
        }
        loop {
            match self.tx.try_send(value) {
                Ok(()) => return Ok(()),
                Err(TrySendError::Disconnected(v)) => return Err(v),
                Err(TrySendError::Full(v)) => {
                    if self.stale.try_recv().is_ok() {
                        self.dropped.fetch_add(1, Ordering::Relaxed);
                    }
                    value = v;
                }
            }
        }
    }
}

/// The running capture thread; dropping the handle stops it.
pub struct CaptureHandle {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl CaptureHandle {
    /// Asks the thread to stop and waits for it.
    pub fn stop(mut self) {
        self.halt();
    }

    fn halt(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for CaptureHandle {
    fn drop(&mut self) {
        self.halt();
    }
}

/// Starts the capture thread for `source`: it opens the source, then sends every frame (or the failure that ends it)
/// to `tx`, until told to stop or the receiver is gone.
pub fn spawn_capture(source: LiveSource, tx: LatestSender<CaptureEvent>) -> CaptureHandle {
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    let failed = tx.clone();
    let thread = std::thread::Builder::new().name("runpose-capture".into()).spawn(move || {
        let result = match &source {
            LiveSource::Video(path) => play_video(path, &tx, &flag),
            LiveSource::Camera { index, mode } => camera::run(*index, *mode, &tx, &flag),
        };
        if let Err(e) = result {
            tracing::warn!("{}: {e}", source.describe());
            let _ = tx.send(CaptureEvent::Failed(e));
        }
    });
    // A thread that cannot start (the system is out of threads) is the source failing, told as any other failure.
    let thread = match thread {
        Ok(t) => Some(t),
        Err(e) => {
            let _ = failed.send(CaptureEvent::Failed(CaptureError::Thread(e)));
            None
        }
    };
    CaptureHandle { stop, thread }
}

/// Sleeps until `deadline` in short naps, so a stop request is seen within 20 ms. `false` when asked to stop.
fn wait_until(deadline: Instant, stop: &AtomicBool) -> bool {
    loop {
        if stop.load(Ordering::Relaxed) {
            return false;
        }
        let now = Instant::now();
        if now >= deadline {
            return true;
        }
        std::thread::sleep((deadline - now).min(Duration::from_millis(20)));
    }
}

/// Plays `path` at the pace of its time stamps, from the start again at its end, as a camera would deliver it.
fn play_video(path: &PathBuf, tx: &LatestSender<CaptureEvent>, stop: &AtomicBool) -> Result<(), CaptureError> {
    let start = Instant::now();
    let mut offset = 0.0; // source time at which the current loop began
    let mut index = 0u64;
    for pass in 0u32.. {
        let mut reader = VideoReader::open(path)?;
        let interval = 1.0 / reader.info().fps.max(1.0);
        let mut last_t = None;
        while let Some(frame) = reader.next_frame()? {
            let t = offset + frame.t;
            if !wait_until(start + Duration::from_secs_f64(t), stop) {
                return Ok(());
            }
            let live = LiveFrame { index, t, pass, captured: Instant::now(), image: frame.image };
            if tx.send(CaptureEvent::Frame(live)).is_err() {
                return Ok(());
            }
            index += 1;
            last_t = Some(frame.t);
        }
        let Some(last_t) = last_t else {
            return Err(CaptureError::NotAVideo { path: path.clone(), source: "no frame could be decoded".into() });
        };
        offset += last_t + interval;
    }
    Ok(())
}

/// Cameras the system offers (none, not an error, where there are none).
pub fn list_cameras() -> Result<Vec<CameraDescription>, CaptureError> {
    camera::list()
}

#[cfg(feature = "camera")]
mod camera {
    use super::*;
    use nokhwa::pixel_format::RgbFormat;
    use nokhwa::utils::{
        ApiBackend, CameraFormat, CameraIndex, FrameFormat, RequestedFormat, RequestedFormatType, Resolution,
    };

    pub fn list() -> Result<Vec<CameraDescription>, CaptureError> {
        let cameras = nokhwa::query(ApiBackend::Auto)
            .map_err(|e| CaptureError::Camera { what: "cameras could not be listed".into(), source: e.into() })?;
        Ok(cameras
            .into_iter()
            .filter_map(|c| Some(CameraDescription { index: c.index().as_index().ok()?, name: c.human_name() }))
            .collect())
    }

    pub fn run(
        index: u32,
        mode: CameraMode,
        tx: &LatestSender<CaptureEvent>,
        stop: &AtomicBool,
    ) -> Result<(), CaptureError> {
        let fail = |what: &str, e: nokhwa::NokhwaError| CaptureError::Camera {
            what: format!("camera {index} {what}"),
            source: e.into(),
        };
        let wanted = CameraFormat::new(Resolution::new(mode.width, mode.height), FrameFormat::MJPEG, mode.fps);
        let request = RequestedFormat::new::<RgbFormat>(RequestedFormatType::Closest(wanted));
        let mut camera =
            nokhwa::Camera::new(CameraIndex::Index(index), request).map_err(|e| fail("could not be opened", e))?;
        camera.open_stream().map_err(|e| fail("could not start", e))?;
        let start = Instant::now();
        let mut n = 0u64;
        while !stop.load(Ordering::Relaxed) {
            let buffer = camera.frame().map_err(|e| fail("stopped sending frames", e))?;
            let captured = Instant::now();
            // MJPEG is decoded with the image crate's JPEG decoder; other formats (YUYV, NV12, …) by nokhwa.
            let image = if buffer.source_frame_format() == FrameFormat::MJPEG {
                image::load_from_memory_with_format(buffer.buffer(), image::ImageFormat::Jpeg)
                    .map(|i| i.to_rgb8())
                    .map_err(|e| CaptureError::Camera {
                        what: format!("camera {index} sent a frame that does not decode"),
                        source: e.into(),
                    })?
            } else {
                buffer.decode_image::<RgbFormat>().map_err(|e| fail("sent a frame that does not decode", e))?
            };
            let frame = LiveFrame { index: n, t: (captured - start).as_secs_f64(), pass: 0, captured, image };
            if tx.send(CaptureEvent::Frame(frame)).is_err() {
                break;
            }
            n += 1;
        }
        let _ = camera.stop_stream();
        Ok(())
    }
}

#[cfg(not(feature = "camera"))]
mod camera {
    use super::*;

    pub fn list() -> Result<Vec<CameraDescription>, CaptureError> {
        Ok(Vec::new())
    }

    pub fn run(index: u32, _: CameraMode, _: &LatestSender<CaptureEvent>, _: &AtomicBool) -> Result<(), CaptureError> {
        Err(CaptureError::Camera {
            what: format!("camera {index}"),
            source: "this build has no camera support (build with the `camera` feature)".into(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_newest_value_wins_and_replaced_ones_are_counted() {
        let (tx, rx) = latest();
        for v in 0..5 {
            tx.send(v).unwrap();
        }
        assert_eq!(rx.rx.try_recv(), Ok(4));
        assert!(rx.rx.try_recv().is_err());
        assert_eq!(rx.dropped(), 4);
        tx.send(7).unwrap();
        assert_eq!(rx.rx.recv(), Ok(7));
        drop(rx);
        assert_eq!(tx.send(8), Err(8));
    }
}
