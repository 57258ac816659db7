//! The live pipeline: a capture thread (runpose-capture) → an inference thread (pose model, then the live analysis
//! of runpose-core) → the UI thread, joined by newest-wins channels so a slow stage drops stale frames instead of
//! building a queue. Every frame keeps its capture time stamp, so the UI measures latency from capture to drawing.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use runpose_capture::live::{
    CaptureEvent, CaptureHandle, LatestReceiver, LiveFrame, LiveSource, Tee, latest, spawn_capture,
};
use runpose_core::{AnalysisConfig, AnalysisError, LiveAnalyzer, LiveView, PoseFrame};
use runpose_vision::ModelVariant;

use crate::session::estimate::load_tracker;
use crate::session::live_person::{LiveChooser, LivePerson, Step};
use crate::session::person::PersonChoice;
use crate::session::record::{RecordItem, RecorderTap};

/// What the live pipeline runs.
#[derive(Debug, Clone, PartialEq)]
pub struct PipelineOptions {
    pub source: LiveSource,
    pub model: ModelVariant,
    pub height_cm: Option<f64>,
    /// ONNX Runtime threads (default: the machine's cores, at most 4).
    pub threads: Option<usize>,
}

/// One analysed frame, ready to draw.
pub struct LiveState {
    pub frame: LiveFrame,
    /// The live analysis up to this frame; `Err` says why nothing is measured yet (no runner in view).
    pub view: Result<Arc<LiveView>, String>,
    /// Time the model and the analysis took on this frame.
    pub inference: Duration,
    /// Whom the pipeline follows when several people are in view or one was clicked (`live_person`).
    pub person: Option<LivePerson>,
}

impl LiveState {
    /// Whom the pipeline follows, in words for the view (none while one person is in view, as ever).
    pub fn person_line(&self) -> Option<String> {
        self.person.as_ref().map(LivePerson::line)
    }
}

/// What the inference thread hands to the UI.
pub enum PipelineEvent {
    State(Box<LiveState>),
    /// The source failed or ended (camera missing or unplugged, unreadable file); one sentence.
    SourceFailed(String),
    /// The model could not be loaded; one sentence.
    ModelFailed(String),
}

/// The running pipeline; dropping it stops both threads.
pub struct Pipeline {
    pub options: PipelineOptions,
    rx: LatestReceiver<PipelineEvent>,
    capture_drops: LatestReceiver<CaptureEvent>,
    stop: Arc<AtomicBool>,
    inference: Option<JoinHandle<()>>,
    capture: Option<CaptureHandle>,
    /// Where the poses of analysed frames go while recording.
    recorder: Arc<Mutex<Option<RecorderTap>>>,
    /// Where every captured frame goes while recording (the capture thread's side of the recorder).
    capture_tee: Tee<CaptureEvent>,
    /// A person to follow from the next frame on (`follow`), taken by the inference thread.
    follow: FollowRequest,
}

/// The tracker's pose in `frame` (a model failure is logged and the frame has none).
fn track(tracker: &mut runpose_vision::PoseTracker, frame: &LiveFrame) -> Option<runpose_core::Pose> {
    match tracker.process(&frame.image) {
        Ok(estimate) => estimate.map(|e| e.pose),
        Err(e) => {
            tracing::warn!("frame {}: {e}", frame.index);
            None
        }
    }
}

/// How often the window is woken to redraw while the scan for the runner goes on (`live_person`): five times a
/// second, not every frame. Without a GPU drawing takes a core, and the scan, which runs the landmark model once per
/// person a frame, needs the frames (`live_person::MIN_SCAN_RATE`); the view meanwhile only shows that it is looking.
const SCAN_REDRAW: Duration = Duration::from_millis(200);

/// A request to follow someone else (`Pipeline::follow`): `Some(point)` when one is waiting, the point itself
/// `None` for the detector's surest person.
type FollowRequest = Arc<Mutex<Option<Option<(f32, f32)>>>>;

impl Pipeline {
    /// Starts capture and inference. Never fails: a source or model that cannot be opened arrives as an event.
    /// `wake` is called after each event is sent (the window repaints then, and only then).
    pub fn start(options: PipelineOptions, wake: impl Fn() + Clone + Send + 'static) -> Self {
        let (capture_tx, capture_rx) = latest::<CaptureEvent>();
        let (tx, rx) = latest::<PipelineEvent>();
        let capture_tee: Tee<CaptureEvent> = Arc::default();
        let capture = spawn_capture(options.source.clone(), capture_tx.with_tee(capture_tee.clone()));
        let stop = Arc::new(AtomicBool::new(false));
        let recorder: Arc<Mutex<Option<RecorderTap>>> = Arc::default();
        let (flag, frames, opts, record) = (stop.clone(), capture_rx.clone(), options.clone(), recorder.clone());
        let follow: FollowRequest = Arc::default();
        let asked = follow.clone();
        let failed = (tx.clone(), wake.clone());
        let inference = std::thread::Builder::new().name("runpose-inference".into()).spawn(move || {
            let mut tracker = match load_tracker(opts.model, opts.threads) {
                Ok(t) => t,
                Err(e) => {
                    let _ = tx.send(PipelineEvent::ModelFailed(format!("{e:#}")));
                    wake();
                    return;
                }
            };
            let mut analyzer = LiveAnalyzer::new(AnalysisConfig { height_cm: opts.height_cm, ..Default::default() });
            let mut chooser = LiveChooser::default();
            let mut person: Option<LivePerson> = None;
            let mut pass = 0;
            let mut last_wake = None;
            while !flag.load(Ordering::Relaxed) {
                let event = match frames.rx.recv_timeout(Duration::from_millis(50)) {
                    Ok(e) => e,
                    Err(crossbeam_channel::RecvTimeoutError::Timeout) => continue,
                    Err(crossbeam_channel::RecvTimeoutError::Disconnected) => break,
                };
                let frame = match event {
                    CaptureEvent::Frame(f) => f,
                    CaptureEvent::Failed(e) => {
                        let _ = tx.send(PipelineEvent::SourceFailed(e.to_string()));
                        wake();
                        break;
                    }
                };
                // A looping video began again (this frame, or one dropped before it): nothing is counted across
                // the jump.
                if frame.pass != pass {
                    pass = frame.pass;
                    analyzer.restart();
                }
                // A person clicked: followed from this frame, and the analysis starts again on them.
                if let Some(point) = asked.lock().ok().and_then(|mut f| f.take()) {
                    tracker.follow(point);
                    analyzer.reset();
                    chooser.cancel();
                    person =
                        point.map(|(x, y)| LivePerson::Chosen(PersonChoice { x, y, chosen_by: "point", people: 0 }));
                }
                let started = Instant::now();
                // Whom to follow, among several people (live_person): the scan may take the frame itself.
                let step = chooser.step(frame.t, &frame.image, &mut tracker).unwrap_or_else(|e| {
                    tracing::warn!("frame {}: looking for the runner: {e}", frame.index);
                    chooser.cancel();
                    Step::Track
                });
                let scanning = matches!(step, Step::Scanned(_));
                let pose = match step {
                    Step::Scanned(pose) => {
                        person = Some(LivePerson::Finding);
                        pose.map(|p| *p)
                    }
                    Step::Undecided { rate } => {
                        analyzer.reset();
                        person = Some(LivePerson::Undecided { rate });
                        track(&mut tracker, &frame)
                    }
                    Step::Chose { choice, restart } => {
                        if restart {
                            analyzer.reset();
                        }
                        // Several people were counted: without a choice the coach is asked to click.
                        person = Some(choice.map_or(LivePerson::NobodyClear, LivePerson::Chosen));
                        track(&mut tracker, &frame)
                    }
                    Step::Alone => {
                        person = None;
                        track(&mut tracker, &frame)
                    }
                    Step::Track => track(&mut tracker, &frame),
                };
                // The person chosen among several left the view: looked for again.
                if chooser.tracked(frame.t, pose.is_some(), &mut tracker) {
                    analyzer.reset();
                    person = Some(LivePerson::Left);
                }
                let model_time = started.elapsed();
                if let Some(tap) = record.lock().ok().and_then(|r| r.clone()) {
                    tap.offer(RecordItem::Pose { index: frame.index, pose: pose.clone().map(Box::new) });
                }
                let view = analyzer.push(PoseFrame { t: frame.t, pose }).map(Arc::new).map_err(|e| match e {
                    // Live, "any frame" is the last few seconds'.
                    AnalysisError::NoPerson => "Nobody in view".to_string(),
                    e => e.to_string(),
                });
                tracing::debug!(
                    frame = frame.index,
                    model_ms = model_time.as_secs_f64() * 1e3,
                    analysis_ms = (started.elapsed() - model_time).as_secs_f64() * 1e3,
                    "inference"
                );
                let state = LiveState { frame, view, inference: started.elapsed(), person: person.clone() };
                if tx.send(PipelineEvent::State(Box::new(state))).is_err() {
                    break;
                }
                // While the scan follows everyone, the window redraws a few times a second, not every frame.
                if !scanning || last_wake.is_none_or(|w: Instant| w.elapsed() >= SCAN_REDRAW) {
                    last_wake = Some(Instant::now());
                    wake();
                }
            }
        });
        // A thread that cannot start is told as a model that cannot: the window says so.
        let inference = match inference {
            Ok(t) => Some(t),
            Err(e) => {
                let _ = failed.0.send(PipelineEvent::ModelFailed(format!("the inference thread could not start: {e}")));
                (failed.1)();
                None
            }
        };
        Self {
            options,
            rx,
            capture_drops: capture_rx,
            stop,
            inference,
            capture: Some(capture),
            recorder,
            capture_tee,
            follow,
        }
    }

    /// Follows the person at `point` (pixels of the frame) from the next frame on, and starts the analysis
    /// again on them; `None` goes back to the person the detector is surest of.
    pub fn follow(&self, point: Option<(f32, f32)>) {
        if let Ok(mut f) = self.follow.lock() {
            *f = Some(point);
        }
    }

    /// The newest event, if one came since the last call.
    pub fn try_next(&self) -> Option<PipelineEvent> {
        self.rx.rx.try_recv().ok()
    }

    /// Waits up to `timeout` for the next event.
    pub fn next_timeout(&self, timeout: Duration) -> Option<PipelineEvent> {
        self.rx.rx.recv_timeout(timeout).ok()
    }

    /// Sends every captured frame, and the pose of each the model analyses, to `tap` from now on (`None`: to
    /// nothing). Frames the model skips are recorded too; their poses are estimated when the recording stops.
    pub fn set_recorder(&self, tap: Option<RecorderTap>) {
        // Poses first: a frame is then never recorded without its pose being offered too.
        if let Ok(mut r) = self.recorder.lock() {
            *r = tap.clone();
        }
        if let Ok(mut t) = self.capture_tee.lock() {
            *t = tap.map(|tap| -> Box<dyn Fn(&CaptureEvent) + Send> {
                Box::new(move |event| {
                    if let CaptureEvent::Frame(f) = event {
                        tap.offer(RecordItem::Frame { index: f.index, t: f.t, image: f.image.clone() });
                    }
                })
            });
        }
    }

    /// Frames dropped so far: captured but never analysed (the model was busy), plus analysed but never drawn (the
    /// UI was busy).
    pub fn dropped(&self) -> u64 {
        self.capture_drops.dropped() + self.rx.dropped()
    }
}

impl Drop for Pipeline {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        // Stop capture first, so the inference thread sees its channel close.
        if let Some(c) = self.capture.take() {
            c.stop();
        }
        if let Some(t) = self.inference.take() {
            let _ = t.join();
        }
    }
}

/// Latency and rate of the frames drawn: latency from capture to drawing, over the last `WINDOW` frames.
#[derive(Debug, Clone, Default)]
pub struct LiveStats {
    latencies_ms: std::collections::VecDeque<f64>,
    drawn_at: std::collections::VecDeque<Instant>,
    /// Frames drawn in all.
    pub drawn: u64,
}

impl LiveStats {
    const WINDOW: usize = 300;

    /// Records a frame captured at `captured` and drawn at `now`.
    pub fn record(&mut self, captured: Instant, now: Instant) {
        self.latencies_ms.push_back(now.saturating_duration_since(captured).as_secs_f64() * 1000.0);
        self.drawn_at.push_back(now);
        self.drawn += 1;
        while self.latencies_ms.len() > Self::WINDOW {
            self.latencies_ms.pop_front();
            self.drawn_at.pop_front();
        }
    }

    /// Median and 95th percentile latency, ms.
    pub fn latency_ms(&self) -> Option<(f64, f64)> {
        let v: Vec<f64> = self.latencies_ms.iter().copied().collect();
        Some((runpose_core::stats::median(&v)?, runpose_core::stats::percentile(&v, 0.95)?))
    }

    /// Frames drawn per second over the window.
    pub fn fps(&self) -> Option<f64> {
        let (first, last) = (self.drawn_at.front()?, self.drawn_at.back()?);
        let span = last.duration_since(*first).as_secs_f64();
        (span > 0.0).then(|| (self.drawn_at.len() - 1) as f64 / span)
    }

    /// The line `runpose live --frames` prints.
    pub fn summary_line(&self, dropped: u64) -> String {
        let (median, p95) = self.latency_ms().unwrap_or((f64::NAN, f64::NAN));
        format!("latency_ms median={median:.1} p95={p95:.1} dropped={dropped} fps={:.1}", self.fps().unwrap_or(0.0))
    }
}
