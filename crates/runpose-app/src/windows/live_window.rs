//! `runpose live`: the coaching window. The frame with the overlay of `overlay::scene` (the same scene the overlay
//! video draws), the last step's numbers and cue, charts of the last 30 s, and a treadmill mode readable from 3 m.
//! `logic` (events from the pipeline, retries, automation) is kept apart from `ui` (drawing), so tests can draw a
//! fixed state without a model or a camera. Recording (R) writes a clip into the recordings folder; a clip whose
//! recording was cut off is offered for recovery at start-up.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use egui::{Color32, FontId, Pos2, Rect, RichText, Stroke, Vec2};
use runpose_capture::clip::{ClipManifest, find_interrupted};
use runpose_capture::live::{CameraDescription, LiveSource, list_cameras};
use runpose_core::Point;

use crate::draw::overlay;
use crate::session::live::{LiveState, LiveStats, Pipeline, PipelineEvent, PipelineOptions};
use crate::session::recent::Recent;
use crate::session::record::Recorder;
use crate::windows::common::{Job, paint_scene, renderer, rgb, upload_frame};
use crate::windows::files::Chooser;
use crate::windows::live_panels::{numbers_panel, treadmill_panel};
use crate::windows::live_settings::{Automation, LiveOptions, Settings, Status, demo_clip};

/// How often a lost camera is looked for again.
const CAMERA_RETRY: Duration = Duration::from_secs(2);

/// A line for the user under the controls: what happened to a recording.
#[derive(Debug, Clone, PartialEq)]
pub struct Notice {
    pub text: String,
    pub error: bool,
}

/// How an automated run ended: the latency line, or why it failed.
pub type Outcome = Arc<Mutex<Option<Result<String, String>>>>;

pub struct LiveApp {
    pub settings: Settings,
    pub status: Status,
    pub(crate) pipeline: Option<Pipeline>,
    pub(crate) state: Option<Box<LiveState>>,
    pub(crate) texture: Option<(egui::TextureHandle, u64)>,
    pub(crate) stats: LiveStats,
    pub(crate) cameras: Vec<CameraDescription>,
    pub(crate) video_text: String,
    pub(crate) demo_clip: Option<PathBuf>,
    pub(crate) last_retry: Instant,
    pub(crate) automation: Option<Automation>,
    pub outcome: Outcome,
    /// The window's context, once known: the pipeline wakes it for each new frame.
    pub(crate) ctx: Option<egui::Context>,
    pub(crate) recorder: Option<Recorder>,
    /// A stopped recording being closed and analysed on its own thread (landmarks of skipped frames estimated, the
    /// analysis files written), and its folder.
    pub(crate) finishing: Option<(PathBuf, Job<ClipManifest>)>,
    pub notice: Option<Notice>,
    /// Recordings cut off by a crash, found in the recordings folder at start-up, to offer for recovery.
    pub interrupted: Vec<(PathBuf, ClipManifest)>,
    /// The person the coach clicked, pixels of the frame (followed by the pipeline from the next frame on).
    pub followed: Option<(f32, f32)>,
    /// Where the last frame was drawn: its rectangle on screen, the zoom, whether mirrored.
    pub(crate) picture: Option<(Rect, f32, bool)>,
    /// The file dialog on screen (a video to play, the recordings folder).
    pub chooser: Option<Chooser>,
    /// The clips and videos opened lately (the Recent menu); `run_window` loads the user's.
    pub recent: Recent,
}

impl LiveApp {
    /// Follows the person at `point` (pixels of the frame): the pipeline's tracker takes them from the next
    /// frame on and the live analysis starts again on them.
    pub fn follow_at(&mut self, point: (f32, f32)) {
        self.followed = Some(point);
        if let Some(pipeline) = &self.pipeline {
            pipeline.follow(Some(point));
        }
        self.notice = Some(Notice { text: "Following the person you clicked".into(), error: false });
    }

    /// Where a point of the frame (pixels) was drawn on screen, once a frame was.
    pub fn picture_to_screen(&self, x: f32, y: f32) -> Option<Pos2> {
        let (rect, zoom, mirror) = self.picture?;
        let x = if mirror { rect.width() / zoom - x } else { x };
        Some(Pos2::new(rect.left() + x * zoom, rect.top() + y * zoom))
    }

    /// A window with `settings`, showing nothing until `start` (tests draw fixed states instead).
    pub fn new(settings: Settings, demo_clip: Option<PathBuf>, automation: Option<Automation>) -> Self {
        let video_text =
            settings.video.as_ref().or(demo_clip.as_ref()).map(|p| p.display().to_string()).unwrap_or_default();
        Self {
            settings,
            status: Status::Starting,
            pipeline: None,
            state: None,
            texture: None,
            stats: LiveStats::default(),
            cameras: Vec::new(),
            video_text,
            demo_clip,
            last_retry: Instant::now(),
            automation,
            outcome: Arc::new(Mutex::new(None)),
            ctx: None,
            recorder: None,
            finishing: None,
            notice: None,
            interrupted: Vec::new(),
            followed: None,
            picture: None,
            chooser: None,
            recent: Recent::in_memory(),
        }
    }

    /// Opens the chosen source among `cameras` (as listed at start-up); new frames wake `ctx`.
    pub fn start(&mut self, ctx: &egui::Context, cameras: Vec<CameraDescription>) {
        self.ctx = Some(ctx.clone());
        self.cameras = cameras;
        self.interrupted = find_interrupted(&self.settings.recordings_dir());
        self.restart();
    }

    /// Shows a fixed analysed frame (tests, and replaying a still).
    pub fn show_state(&mut self, state: LiveState) {
        self.state = Some(Box::new(state));
        self.status = Status::Live;
    }

    /// (Re)opens the chosen source with the chosen model; the window's context, once known, is woken for each new
    /// frame.
    pub fn restart(&mut self) {
        // A new source or model ends the recording (its frame size and analysis would change).
        self.stop_recording();
        self.pipeline = None;
        self.last_retry = Instant::now();
        let Some(source) = self.settings.source() else {
            self.status = Status::NoSource("No source chosen: pick a camera or open a video.".into());
            return;
        };
        if let LiveSource::Camera { index, .. } = source
            && !self.cameras.iter().any(|c| c.index == index)
        {
            self.status = Status::NoSource(if self.cameras.is_empty() {
                "No camera found: plug one in (runpose keeps looking), or open a video.".into()
            } else {
                format!("Camera {index} is not connected: pick another, or open a video.")
            });
            return;
        }
        self.status = Status::Starting;
        self.stats = LiveStats::default();
        let ctx = self.ctx.clone();
        let options =
            PipelineOptions { source, model: self.settings.model(), height_cm: self.settings.height_cm, threads: None };
        self.pipeline = Some(Pipeline::start(options, move || {
            if let Some(ctx) = &ctx {
                ctx.request_repaint();
            }
        }));
    }

    pub(crate) fn open_video(&mut self, path: PathBuf) {
        if path.is_file()
            && let Err(e) = self.recent.add(&path)
        {
            tracing::warn!("{e:#}");
        }
        self.video_text = path.display().to_string();
        self.settings.camera = None;
        self.settings.video = Some(path);
        self.restart();
    }

    pub(crate) fn use_camera(&mut self, index: u32) {
        self.settings.camera = Some(index);
        self.restart();
    }

    /// Everything but drawing: takes the pipeline's newest event, looks for a lost camera again, runs automation.
    pub fn logic(&mut self, ctx: &egui::Context) {
        // A video dropped on the window plays in place of the source.
        if let Some(path) = crate::windows::common::dropped_file(ctx) {
            self.open_video(path);
        }
        if let Some(pipeline) = &self.pipeline {
            while let Some(event) = pipeline.try_next() {
                match event {
                    PipelineEvent::State(state) => {
                        if let (Some(auto), Some(person)) = (&mut self.automation, &state.person) {
                            auto.saw(person);
                        }
                        self.state = Some(state);
                        self.status = Status::Live;
                    }
                    PipelineEvent::SourceFailed(why) => {
                        self.status = Status::NoSource(why);
                        self.stop_recording();
                        self.pipeline = None;
                        break;
                    }
                    PipelineEvent::ModelFailed(why) => {
                        self.status = Status::ModelFailed(why);
                        self.pipeline = None;
                        break;
                    }
                }
            }
        }
        // A recording that failed (disk full, folder not writable) stops with a message; the live view goes on.
        if self.recorder.as_ref().is_some_and(|r| r.status().error.is_some()) {
            self.stop_recording();
        }
        self.finished(false);
        if self.recorder.is_some() || self.finishing.is_some() {
            ctx.request_repaint_after(Duration::from_millis(500));
        }
        // A camera that is missing or was unplugged: look again every few seconds, and recover when it is back.
        if matches!(self.status, Status::NoSource(_))
            && self.settings.camera.is_some()
            && self.last_retry.elapsed() >= CAMERA_RETRY
        {
            self.cameras = list_cameras().unwrap_or_default();
            self.restart();
        }
        self.automate(ctx);
        // New frames wake the window (`Pipeline::start`); without a pipeline, look for the camera again later.
        if self.pipeline.is_none() {
            ctx.request_repaint_after(CAMERA_RETRY / 2);
        }
    }

    pub(crate) fn automate(&mut self, ctx: &egui::Context) {
        let Some((record, requested, frames)) = self.automation.as_ref().map(|a| (a.record, a.requested, a.frames))
        else {
            return;
        };
        let failure = match &self.status {
            Status::NoSource(why) | Status::ModelFailed(why) => Some(why.clone()),
            _ => None,
        };
        if let Some(why) = failure {
            *self.outcome.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(Err(why));
            ctx.send_viewport_cmd(egui::ViewportCommand::Close);
            return;
        }
        if record && self.recorder.is_none() && self.notice.is_none() && self.status == Status::Live {
            self.toggle_recording();
            return;
        }
        if requested || self.stats.drawn < frames {
            return;
        }
        self.stop_recording();
        self.finish_now();
        let view = self.state.as_ref().and_then(|s| s.view.as_ref().ok().cloned());
        let Some(auto) = &mut self.automation else { return };
        auto.requested = true;
        let mut line = self.stats.summary_line(self.pipeline.as_ref().map_or(0, Pipeline::dropped));
        // Whom the view followed, each line it showed in turn (the newest last).
        for person in &auto.people {
            line = format!("{line}\n{person}");
        }
        if let Some(path) = auto.steps_out.clone() {
            let steps = view.as_ref().map_or(&[][..], |v| v.steps.as_slice());
            let cm = view.as_ref().and_then(|v| v.analysis.summary.cm_per_leg_length);
            if let Err(e) = crate::session::output::write_steps(&path, steps, cm) {
                *self.outcome.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(Err(format!("{e:#}")));
                ctx.send_viewport_cmd(egui::ViewportCommand::Close);
                return;
            }
            line = format!("{line}\nwrote {} settled steps to {}", steps.len(), path.display());
        }
        let outcome = self.outcome.clone();
        match auto.screenshot.clone() {
            None => {
                *outcome.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(Ok(line));
                ctx.send_viewport_cmd(egui::ViewportCommand::Close);
            }
            Some(path) => {
                let ctx2 = ctx.clone();
                ctx.request_screenshot(move |image| {
                    // The outcome crosses to the thread that ran the window as its message.
                    let result = save_png(&image, &path).map(|()| line).map_err(|e| format!("{e:#}"));
                    *outcome.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(result);
                    ctx2.send_viewport_cmd(egui::ViewportCommand::Close);
                    ctx2.request_repaint();
                });
            }
        }
    }

    /// Draws the window.
    pub fn ui(&mut self, ui: &mut egui::Ui) {
        let ctx = ui.ctx().clone();
        ctx.input(|i| {
            if i.key_pressed(egui::Key::M) {
                self.settings.mirror ^= true;
            }
            if i.key_pressed(egui::Key::T) {
                self.settings.treadmill ^= true;
            }
        });
        if ctx.input(|i| i.key_pressed(egui::Key::R)) && !ctx.egui_wants_keyboard_input() {
            self.toggle_recording();
        }
        egui::Panel::top("controls").show(ui, |ui| {
            self.controls(ui);
            self.messages(ui);
        });
        egui::Panel::bottom("status").show(ui, |ui| self.status_bar(ui));
        let view = self.state.as_ref().and_then(|s| s.view.as_ref().ok()).cloned();
        if self.settings.treadmill {
            egui::Panel::right("treadmill")
                .exact_size(ui.available_width() * 0.45)
                .show(ui, |ui| treadmill_panel(ui, view.as_deref()));
        } else {
            let person = self.state.as_ref().and_then(|s| s.person_line());
            egui::Panel::right("numbers")
                .exact_size(380.0)
                .show(ui, |ui| numbers_panel(ui, view.as_deref(), person.as_deref()));
        }
        egui::CentralPanel::default().show(ui, |ui| self.frame_view(ui));
        self.file_dialog(&ctx);
    }

    pub(crate) fn frame_view(&mut self, ui: &mut egui::Ui) {
        match self.status.clone() {
            Status::NoSource(why) | Status::ModelFailed(why) => {
                self.failure(ui, &why);
                return;
            }
            Status::Starting if self.state.is_none() => {
                ui.centered_and_justified(|ui| ui.label(RichText::new("Starting…").size(28.0)));
                return;
            }
            _ => {}
        }
        let Some(state) = &self.state else { return };
        let image = &state.frame.image;
        let (w, h) = (image.width() as usize, image.height() as usize);
        let index = state.frame.index;
        let fresh = upload_frame(ui.ctx(), &mut self.texture, "frame", index, image);
        let Some((tex, _)) = &self.texture else { return };
        let avail = ui.available_rect_before_wrap();
        let zoom = (avail.width() / w as f32).min(avail.height() / h as f32);
        let rect = Rect::from_center_size(avail.center(), Vec2::new(w as f32, h as f32) * zoom);
        // A click on a person follows them (the pipeline's tracker takes the person whose body the point lies on).
        let click = ui.interact(rect, ui.scope_id().with("picture"), egui::Sense::click());
        let mirror = self.settings.mirror;
        let clicked = click.clicked().then(|| click.interact_pointer_pos()).flatten().map(|pos| {
            let (x, y) = ((pos.x - rect.left()) / zoom, (pos.y - rect.top()) / zoom);
            (if mirror { w as f32 - x } else { x }, y)
        });
        let painter = ui.painter_at(avail);
        let uv = if mirror {
            Rect::from_min_max(Pos2::new(1.0, 0.0), Pos2::new(0.0, 1.0))
        } else {
            Rect::from_min_max(Pos2::ZERO, Pos2::new(1.0, 1.0))
        };
        painter.image(tex.id(), rect, uv, Color32::WHITE);
        // What is drawn over the picture stays on it (a ground line can run off its edge).
        let painter = painter.with_clip_rect(rect.intersect(avail));
        let to_screen = |p: Point| {
            let x = if mirror { w as f64 - p.x } else { p.x };
            Pos2::new(rect.left() + x as f32 * zoom, rect.top() + p.y as f32 * zoom)
        };
        // Sizes are for a 720-pixel frame, as in the overlay video.
        let size = (rect.width().min(rect.height()) / 720.0).max(0.6);
        match &state.view {
            Ok(view) => {
                let a = &view.analysis;
                // The ground line comes from the runner's contacts: none for a person not running (a walker's
                // feet, coming nearer, drew it slanting across the picture), by the rule the scene's fall line
                // follows (`overlay::scene_with`) and the exported overlay's ground line (`draw_scene_of`).
                if a.summary.not_running.is_none() {
                    let g = &a.ground;
                    let ww = w as f64;
                    painter.line_segment(
                        [to_screen(Point::new(0.0, g.a)), to_screen(Point::new(ww, g.a + g.b * ww))],
                        Stroke::new(1.0, rgb(overlay::UNRELIABLE)),
                    );
                }
                paint_scene(&painter, &overlay::scene(a, view.newest()), to_screen, size);
            }
            Err(why) => {
                // On a dark plate: white text alone vanishes against a bright sky or wall.
                let text = painter.layout_no_wrap(why.clone(), FontId::proportional(22.0), Color32::WHITE);
                let at = rect.center_top() + Vec2::new(-0.5 * text.size().x, 20.0);
                painter.rect_filled(
                    Rect::from_min_size(at, text.size()).expand(6.0),
                    4.0,
                    Color32::from_black_alpha(170),
                );
                painter.galley(at, text, Color32::WHITE);
            }
        }
        if fresh {
            self.stats.record(state.frame.captured, Instant::now());
        }
        self.picture = Some((rect, zoom, mirror));
        if let Some(point) = clicked {
            self.follow_at(point);
        }
    }
}

impl eframe::App for LiveApp {
    fn logic(&mut self, ctx: &egui::Context, _frame: &mut eframe::Frame) {
        LiveApp::logic(self, ctx);
    }

    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        LiveApp::ui(self, ui);
    }

    fn on_exit(&mut self, _gl: Option<&eframe::glow::Context>) {
        // Closing the window keeps the recording: it is closed and analysed before the program ends.
        self.stop_recording();
        self.finish_now();
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        if self.automation.is_none() {
            eframe::set_value(storage, eframe::APP_KEY, &self.settings);
        }
    }
}

fn save_png(image: &egui::ColorImage, path: &std::path::Path) -> anyhow::Result<()> {
    use anyhow::Context;
    let [w, h] = image.size;
    let bytes: Vec<u8> = image.pixels.iter().flat_map(|p| p.to_array()).collect();
    let buffer = image::RgbaImage::from_raw(w as u32, h as u32, bytes).context("the screenshot has the wrong size")?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("could not create {}", dir.display()))?;
    }
    buffer.save(path).with_context(|| format!("could not write the screenshot {}", path.display()))
}

/// Opens the live window and runs it until it is closed; for an automated run, returns its latency line.
pub fn run_window(options: LiveOptions) -> anyhow::Result<Option<String>> {
    let automated = options.automation.is_some();
    let native = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("runpose")
            .with_inner_size([1280.0, 800.0])
            .with_min_inner_size([800.0, 500.0]),
        persist_window: !automated,
        renderer: renderer(),
        ..Default::default()
    };
    if !crate::windows::common::display_present() {
        return Err(crate::windows::common::no_display("live"));
    }
    let outcome: Outcome = Arc::new(Mutex::new(None));
    let shared = outcome.clone();
    eframe::run_native(
        "runpose",
        native,
        Box::new(move |cc| {
            let remembered: Option<Settings> =
                if automated { None } else { cc.storage.and_then(|s| eframe::get_value(s, eframe::APP_KEY)) };
            let mut settings = remembered.unwrap_or_default();
            let cameras = list_cameras().unwrap_or_default();
            match (&options.video, options.camera) {
                (Some(video), _) => {
                    settings.camera = None;
                    settings.video = Some(video.clone());
                }
                (None, Some(index)) => settings.camera = Some(index),
                // No source given: the remembered camera if it is there, else the first camera, else the demo clip.
                (None, None) => {
                    let remembered_camera = settings.camera.filter(|i| cameras.iter().any(|c| c.index == *i));
                    settings.camera = remembered_camera.or(cameras.first().map(|c| c.index));
                    if settings.camera.is_none() && settings.video.as_ref().is_none_or(|v| !v.is_file()) {
                        settings.video = demo_clip();
                    }
                }
            }
            if let Some(mode) = options.mode {
                settings.camera_mode = mode;
            }
            if let Some(model) = options.model {
                settings.model = model.name().into();
            }
            if options.height_cm.is_some() {
                settings.height_cm = options.height_cm;
            }
            if let Some(dir) = &options.recordings_dir {
                settings.recordings_dir = Some(dir.clone());
            }
            settings.mirror |= options.mirror;
            settings.treadmill |= options.treadmill;
            let mut app = LiveApp::new(settings, demo_clip(), options.automation.clone());
            if !automated {
                let (recent, problem) = Recent::for_user();
                app.recent = recent;
                app.notice = problem.map(|text| Notice { text, error: true });
            }
            app.outcome = shared;
            app.start(&cc.egui_ctx, cameras);
            Ok(Box::new(app))
        }),
    )
    .map_err(|e| crate::windows::common::window_failed("live", &e))?;
    let result = outcome.lock().unwrap_or_else(std::sync::PoisonError::into_inner).take();
    match result {
        None if automated => anyhow::bail!("the window was closed before the frames were played"),
        None => Ok(None),
        Some(Ok(line)) => Ok(Some(line)),
        Some(Err(why)) => anyhow::bail!("{why}"),
    }
}
