//! `runpose replay`: a clip (or any video, analysed on opening) frame by frame or in slow motion, with the overlay of
//! the live view, a timeline of every step's key instants, and a coach's markup (docs/recording.md §Markup). The
//! document (`Replay`: frames, poses, markup, analysis) is kept apart from the window (`ReplayApp`: playback, tools,
//! drawing), and the window's `logic` apart from its `ui`, so tests drive it with egui_kittest.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context;
use egui::{Align2, Color32, FontId, Pos2, Rect, RichText, Sense, Vec2};
use runpose_core::markup::History;
use runpose_core::phase::{PhaseMap, nearest_frame};
use runpose_core::{Landmark, Point};
use runpose_vision::ModelVariant;

use crate::draw::markup;
use crate::draw::overlay;
use crate::session::document::{Loaded, Replay, phase_map};
use crate::session::recent::Recent;
use crate::windows::common::{paint_scene, paint_strokes};
use crate::windows::files::{Choice, Chooser, Purpose};
use crate::windows::replay_jobs::{Opening, VideoExport};
use crate::windows::replay_tools::{MARK_COLOR, Tool, mark_scale};

/// A second clip beside the first, at the same gait phase (docs/metrics.md §Gait phase): before and after, or a runner
/// and a reference.
pub struct Compare {
    pub doc: Replay,
    /// The first clip's time → this clip's (`None`: too few steps in either; both then run on clock time from their
    /// first frames).
    pub map: Option<PhaseMap>,
    texture: Option<(egui::TextureHandle, usize)>,
}

impl Compare {
    pub fn new(first: &Replay, doc: Replay) -> Self {
        let map = phase_map(first, &doc);
        Self { doc, map, texture: None }
    }

    /// This clip's frame shown beside frame `frame` of `first`.
    pub fn frame_for(&self, first: &Replay, frame: usize) -> usize {
        // The map works in each clip's own time stamps; `times` count from each clip's first frame.
        let stamp0 = |d: &Replay| d.raw.first().map_or(0.0, |f| f.t);
        let t = match &self.map {
            Some(map) => map.map(first.raw.get(frame).map_or(0.0, |f| f.t)) - stamp0(&self.doc),
            None => first.time(frame),
        };
        nearest_frame(&self.doc.times, t).unwrap_or(0)
    }
}

/// Slowest and fastest playback, × real time.
pub const SPEEDS: std::ops::RangeInclusive<f64> = 0.1..=1.0;

/// The replay window.
pub struct ReplayApp {
    pub doc: Option<Replay>,
    /// The frame shown.
    pub frame: usize,
    pub playing: bool,
    /// Playback speed, × real time (`SPEEDS`).
    pub speed: f64,
    /// When playback started, and from which clip time.
    pub(crate) play_from: Option<(Instant, f64)>,
    pub tool: Tool,
    /// Points clicked so far for the current shape, in frame pixels.
    pub pending: Vec<Point>,
    pub selected: Option<usize>,
    pub history: History,
    /// The text of the next text note.
    pub note: String,
    pub notice: Option<String>,
    /// The path in the Open field.
    pub open_text: String,
    /// The storyboard shown: its step (index into the steps) and picture.
    pub storyboard: Option<(usize, image::RgbImage)>,
    pub(crate) storyboard_texture: Option<(egui::TextureHandle, usize)>,
    /// An MP4 export in progress.
    pub video_export: Option<VideoExport>,
    /// A clip or video being opened.
    pub opening: Option<Opening>,
    /// The clip beside, and the path in its field.
    pub compare: Option<Compare>,
    pub compare_text: String,
    /// The file dialog on screen (Open… or Compare…).
    pub chooser: Option<Chooser>,
    /// The clips and videos opened lately (the Recent menu); `run_replay_window` loads the user's.
    pub recent: Recent,
    pub(crate) model: ModelVariant,
    pub(crate) texture: Option<(egui::TextureHandle, usize)>,
    /// Where the frame was last drawn: its screen rectangle and pixels per frame pixel.
    pub view: Option<(Rect, f32)>,
    /// A landmark being dragged (Correct tool), and a freehand stroke being drawn.
    pub(crate) dragging_landmark: Option<Landmark>,
    pub(crate) stroke: Vec<Point>,
    pub(crate) drag_last: Option<Point>,
    /// The handle of the selected mark being dragged (`Shape::handles`), and whether its text is being edited.
    pub(crate) dragging_handle: Option<usize>,
    /// Where the button went down for the drag in progress (frame pixels).
    pub(crate) drag_origin: Option<Point>,
    pub(crate) editing_text: bool,
}

impl ReplayApp {
    pub fn new(doc: Option<Replay>, model: ModelVariant) -> Self {
        let open_text = doc.as_ref().map(|d| d.source.display().to_string()).unwrap_or_default();
        let notice = doc.as_ref().and_then(|d| d.markup_problem.clone());
        Self {
            doc,
            frame: 0,
            playing: false,
            speed: 1.0,
            play_from: None,
            tool: Tool::Select,
            pending: Vec::new(),
            selected: None,
            history: History::default(),
            note: "note".into(),
            notice,
            open_text,
            compare: None,
            compare_text: String::new(),
            chooser: None,
            recent: Recent::in_memory(),
            storyboard: None,
            storyboard_texture: None,
            video_export: None,
            opening: None,
            model,
            texture: None,
            view: None,
            dragging_landmark: None,
            stroke: Vec::new(),
            drag_last: None,
            dragging_handle: None,
            drag_origin: None,
            editing_text: false,
        }
    }

    /// Frame pixels to screen points, where the frame was last drawn.
    pub fn to_screen(&self, p: Point) -> Option<Pos2> {
        let (rect, zoom) = self.view?;
        Some(Pos2::new(rect.left() + p.x as f32 * zoom, rect.top() + p.y as f32 * zoom))
    }

    pub(crate) fn to_frame(&self, pos: Pos2) -> Option<Point> {
        let (rect, zoom) = self.view?;
        Some(Point::new(f64::from((pos.x - rect.left()) / zoom), f64::from((pos.y - rect.top()) / zoom)))
    }

    /// Opens `path` in place of the clip open (its own thread: a video may need analysing first; `logic` shows it
    /// when ready).
    pub fn open(&mut self, path: &Path) {
        self.start_opening(path, false);
    }

    /// Opens `path` beside the clip open, aligned by gait phase.
    pub fn open_compare(&mut self, path: &Path) {
        if self.doc.is_none() {
            self.notice = Some("open a clip first, then the one to compare it with".into());
            return;
        }
        self.start_opening(path, true);
    }

    /// The step in progress at the frame shown (else the next one), as an index into the steps.
    pub fn current_step(&self) -> Option<usize> {
        let doc = self.doc.as_ref()?;
        let last = doc.instants.iter().rposition(|s| s.contact <= self.frame);
        last.or_else(|| (!doc.instants.is_empty()).then_some(0))
    }

    /// Writes the frame shown, with overlay and marks, as PNG into the clip folder (or beside the video).
    pub fn export_frame(&mut self) -> Option<PathBuf> {
        let doc = self.doc.as_mut()?;
        let path = crate::session::export::export_path(&doc.source, &format!("frame-{:04}.png", self.frame + 1));
        let result = crate::session::export::annotated_frame(doc, self.frame)
            .and_then(|img| img.save(&path).with_context(|| format!("could not write {}", path.display())));
        self.report(result.map(|()| path))
    }

    /// Shows the storyboard of step `step` (index into the steps).
    pub fn show_storyboard(&mut self, step: usize) {
        let Some(doc) = self.doc.as_mut() else { return };
        let Some(instants) = doc.instants.get(step).copied() else {
            self.notice = Some("no steps were found in this clip: there is no storyboard to show".into());
            return;
        };
        match crate::session::export::storyboard(doc, &instants) {
            Ok(img) => {
                self.storyboard = Some((step, img));
                self.storyboard_texture = None;
            }
            Err(e) => self.notice = Some(format!("{e:#}")),
        }
    }

    /// Writes the storyboard shown as PNG into the clip folder (or beside the video).
    pub fn export_storyboard(&mut self) -> Option<PathBuf> {
        let (doc, (step, img)) = (self.doc.as_ref()?, self.storyboard.as_ref()?);
        let path = crate::session::export::export_path(&doc.source, &format!("storyboard-step-{:02}.png", step + 1));
        let result = img.save(&path).with_context(|| format!("could not write {}", path.display()));
        self.report(result.map(|()| path))
    }

    /// Starts writing the clip with overlay and marks as MP4 into the clip folder (or beside the video).
    pub fn export_video(&mut self) {
        let Some(doc) = &self.doc else { return };
        if self.video_export.is_none() {
            match VideoExport::start(doc, crate::session::export::export_path(&doc.source, "annotated.mp4")) {
                Ok(export) => self.video_export = Some(export),
                Err(e) => self.notice = Some(format!("could not start the export: {e}")),
            }
        }
    }

    /// Says where an export went, or why it failed.
    pub(crate) fn report(&mut self, result: anyhow::Result<PathBuf>) -> Option<PathBuf> {
        match result {
            Ok(path) => {
                self.notice = Some(format!("wrote {}", path.display()));
                Some(path)
            }
            Err(e) => {
                self.notice = Some(format!("{e:#}"));
                None
            }
        }
    }

    pub(crate) fn start_opening(&mut self, path: &Path, beside: bool) {
        match Opening::start(path.to_path_buf(), beside, self.model, None) {
            Ok(opening) => self.opening = Some(opening),
            Err(e) => self.notice = Some(format!("could not open {}: {e}", path.display())),
        }
    }

    /// Shows `doc` in place of the clip open (keeping the one beside, aligned anew, and the recent list).
    pub fn set_doc(&mut self, doc: Replay) {
        let (compare, compare_text) = (self.compare.take(), std::mem::take(&mut self.compare_text));
        let recent = std::mem::replace(&mut self.recent, Recent::in_memory());
        *self = Self::new(Some(doc), self.model);
        self.recent = recent;
        if let (Some(c), Some(first)) = (compare, &self.doc) {
            self.compare = Some(Compare::new(first, c.doc));
            self.compare_text = compare_text;
        }
    }

    /// Shows `doc` beside the clip open, aligned by gait phase; says so when they cannot be aligned.
    pub fn set_compare(&mut self, doc: Replay) {
        let Some(first) = &self.doc else {
            self.notice = Some("open a clip first, then the one to compare it with".into());
            return;
        };
        let compare = Compare::new(first, doc);
        self.notice = compare.map.is_none().then(|| {
            "not aligned by gait phase (too few steps found in one of the clips): both play from their first frames"
                .to_string()
        });
        self.compare_text = compare.doc.source.display().to_string();
        self.compare = Some(compare);
    }

    /// The frame of the clip beside, with the frame shown.
    pub fn compare_frame(&self) -> Option<usize> {
        Some(self.compare.as_ref()?.frame_for(self.doc.as_ref()?, self.frame))
    }

    pub fn seek(&mut self, frame: usize) {
        let Some(doc) = &self.doc else { return };
        self.frame = frame.min(doc.frames().saturating_sub(1));
        self.pending.clear();
        if self.playing {
            self.play_from = Some((Instant::now(), doc.time(self.frame)));
        }
    }

    pub fn step(&mut self, delta: i64) {
        self.playing = false;
        self.seek((self.frame as i64 + delta).max(0) as usize);
    }

    pub fn toggle_play(&mut self) {
        let Some(doc) = &self.doc else { return };
        self.playing = !self.playing;
        if self.playing && self.frame + 1 >= doc.frames() {
            self.frame = 0;
        }
        self.play_from = self.playing.then(|| (Instant::now(), doc.time(self.frame)));
    }

    /// Jumps to the next (`forward`) or previous key instant on the timeline.
    pub fn jump(&mut self, forward: bool) {
        let Some(doc) = &self.doc else { return };
        let timeline = doc.timeline();
        let target = if forward {
            timeline.iter().map(|(f, _)| *f).find(|&f| f > self.frame)
        } else {
            timeline.iter().rev().map(|(f, _)| *f).find(|&f| f < self.frame)
        };
        if let Some(f) = target {
            self.playing = false;
            self.seek(f);
        }
    }

    /// Playback: the frame due at this moment.
    pub fn logic(&mut self, ctx: &egui::Context) {
        // A clip or video dropped on the window opens (as the Open button does).
        if let Some(path) = crate::windows::common::dropped_file(ctx) {
            self.open(&path);
        }
        if let Some(opening) = &mut self.opening {
            match opening.job.poll() {
                Some(result) => {
                    let (beside, follow, path) = (opening.beside, opening.follow, opening.path.clone());
                    self.opening = None;
                    let opened = result.and_then(Replay::from_loaded);
                    if opened.is_ok()
                        && let Err(e) = self.recent.add(&path)
                    {
                        tracing::warn!("{e:#}");
                    }
                    match opened {
                        Ok(doc) if beside => self.set_compare(doc),
                        Ok(doc) => {
                            self.set_doc(doc);
                            if follow.is_some() {
                                self.notice = Some("Following the person you clicked".into());
                            }
                        }
                        Err(e) => self.notice = Some(format!("{e:#}")),
                    }
                }
                None => ctx.request_repaint_after(std::time::Duration::from_millis(100)),
            }
        }
        if let Some(export) = &mut self.video_export {
            match export.job.poll() {
                Some(result) => {
                    self.video_export = None;
                    self.report(result);
                }
                None => ctx.request_repaint_after(std::time::Duration::from_millis(200)),
            }
        }
        let Some(doc) = &self.doc else { return };
        if let (true, Some((started, from))) = (self.playing, self.play_from) {
            let t = from + started.elapsed().as_secs_f64() * self.speed;
            self.frame = nearest_frame(&doc.times, t).unwrap_or(0);
            if t >= *doc.times.last().unwrap_or(&0.0) {
                self.playing = false;
                self.play_from = None;
            }
            ctx.request_repaint();
        }
    }

    pub fn ui(&mut self, ui: &mut egui::Ui) {
        self.keys(ui.ctx());
        egui::Panel::top("replay_tools").show(ui, |ui| self.toolbar(ui));
        egui::Panel::bottom("replay_transport").show(ui, |ui| self.transport(ui));
        egui::Panel::right("replay_numbers").exact_size(330.0).show(ui, |ui| self.numbers(ui));
        egui::CentralPanel::default().show(ui, |ui| self.frame_view(ui));
        self.storyboard_window(ui.ctx());
        self.file_dialog(ui.ctx());
    }

    /// Opens the file dialog for `purpose`, starting beside the clip open (or the last one opened).
    pub fn browse(&mut self, purpose: Purpose) {
        let near = self.doc.as_ref().map(|d| d.source.clone()).or_else(|| self.recent.paths().first().cloned());
        self.chooser = Some(Chooser::new(purpose, near.as_deref()));
    }

    /// The file dialog, while it is open; what it chose opens.
    fn file_dialog(&mut self, ctx: &egui::Context) {
        let Some(chooser) = &mut self.chooser else { return };
        match chooser.show(ctx) {
            Choice::Open => {}
            Choice::Cancelled => self.chooser = None,
            Choice::Chosen(path) => {
                let purpose = chooser.purpose;
                self.chooser = None;
                if purpose == Purpose::Compare {
                    self.compare_text = path.display().to_string();
                    self.open_compare(&path);
                } else {
                    self.open_text = path.display().to_string();
                    self.open(&path);
                }
            }
        }
    }

    pub(crate) fn keys(&mut self, ctx: &egui::Context) {
        if ctx.egui_wants_keyboard_input() {
            return;
        }
        let (space, left, right, next, prev, undo, redo, delete, escape) = ctx.input(|i| {
            (
                i.key_pressed(egui::Key::Space),
                i.key_pressed(egui::Key::ArrowLeft),
                i.key_pressed(egui::Key::ArrowRight),
                i.key_pressed(egui::Key::CloseBracket) || i.key_pressed(egui::Key::ArrowUp),
                i.key_pressed(egui::Key::OpenBracket) || i.key_pressed(egui::Key::ArrowDown),
                i.modifiers.command && i.key_pressed(egui::Key::Z) && !i.modifiers.shift,
                i.modifiers.command
                    && (i.key_pressed(egui::Key::Y) || (i.modifiers.shift && i.key_pressed(egui::Key::Z))),
                i.key_pressed(egui::Key::Delete) || i.key_pressed(egui::Key::Backspace),
                i.key_pressed(egui::Key::Escape),
            )
        });
        if space {
            self.toggle_play();
        }
        if left {
            self.step(-1);
        }
        if right {
            self.step(1);
        }
        if next || prev {
            self.jump(next);
        }
        if undo {
            self.undo();
        }
        if redo {
            self.redo();
        }
        if delete {
            self.delete_selected();
        }
        if escape {
            self.pending.clear();
            self.selected = None;
        }
    }

    pub(crate) fn frame_view(&mut self, ui: &mut egui::Ui) {
        if self.doc.is_none() {
            ui.centered_and_justified(|ui| ui.label(RichText::new("Open a clip folder or a video above.").size(22.0)));
            return;
        }
        let avail = ui.available_rect_before_wrap();
        // Side by side: this clip on the left, the one compared on the right.
        let (left, right) = if self.compare.is_some() {
            let half = (avail.width() - 8.0) / 2.0;
            (
                Rect::from_min_size(avail.min, Vec2::new(half, avail.height())),
                Some(Rect::from_min_size(avail.min + Vec2::new(half + 8.0, 0.0), Vec2::new(half, avail.height()))),
            )
        } else {
            (avail, None)
        };
        if let Some(area) = right {
            self.compare_view(ui, area);
        }
        let Some(doc) = &mut self.doc else { return };
        let image = match doc.video.frame(self.frame) {
            Ok(img) => img,
            Err(e) => {
                ui.label(format!("frame {}: {e}", self.frame + 1));
                return;
            }
        };
        crate::windows::common::upload_frame(ui.ctx(), &mut self.texture, "replay_frame", self.frame, &image);
        let Some((tex, _)) = &self.texture else { return };
        let (rect, zoom) = fit(left, image.width(), image.height());
        self.view = Some((rect, zoom));
        let response = ui.allocate_rect(rect, Sense::click_and_drag());
        let painter = ui.painter_at(left);
        painter.image(tex.id(), rect, Rect::from_min_max(Pos2::ZERO, Pos2::new(1.0, 1.0)), Color32::WHITE);
        let to_screen = |p: Point| Pos2::new(rect.left() + p.x as f32 * zoom, rect.top() + p.y as f32 * zoom);
        let size = (rect.width().min(rect.height()) / 720.0).max(0.6);
        if let Some(a) = &doc.analysis {
            paint_scene(&painter, &overlay::scene(a, self.frame), to_screen, size);
        }
        self.paint_markup(&painter, to_screen);
        self.interact(&response);
    }

    /// The clip compared, in `area`: its frame at this frame's gait phase, with its overlay and its own marks.
    pub(crate) fn compare_view(&mut self, ui: &mut egui::Ui, area: Rect) {
        let Some(frame) = self.compare_frame() else { return };
        let Some(c) = &mut self.compare else { return };
        let painter = ui.painter_at(area);
        let image = match c.doc.video.frame(frame) {
            Ok(img) => img,
            Err(e) => {
                painter.text(
                    area.center(),
                    Align2::CENTER_CENTER,
                    format!("frame {}: {e}", frame + 1),
                    FontId::proportional(16.0),
                    Color32::LIGHT_RED,
                );
                return;
            }
        };
        crate::windows::common::upload_frame(ui.ctx(), &mut c.texture, "compare_frame", frame, &image);
        let Some((tex, _)) = &c.texture else { return };
        let (rect, zoom) = fit(area, image.width(), image.height());
        painter.image(tex.id(), rect, Rect::from_min_max(Pos2::ZERO, Pos2::new(1.0, 1.0)), Color32::WHITE);
        let to_screen = |p: Point| Pos2::new(rect.left() + p.x as f32 * zoom, rect.top() + p.y as f32 * zoom);
        let size = (rect.width().min(rect.height()) / 720.0).max(0.6);
        if let Some(a) = &c.doc.analysis {
            paint_scene(&painter, &overlay::scene(a, frame), to_screen, size);
        }
        for i in c.doc.markup.marks_on(frame) {
            paint_strokes(
                &painter,
                &markup::strokes(&c.doc.markup.marks[i].shape, mark_scale(&c.doc)),
                &to_screen,
                MARK_COLOR,
            );
        }
        let name = c.doc.source.file_name().map_or_else(String::new, |n| n.to_string_lossy().into_owned());
        let galley = painter.layout_no_wrap(
            format!("beside: {name} · frame {}", frame + 1),
            FontId::proportional(16.0),
            Color32::WHITE,
        );
        let r = Rect::from_min_size(rect.min + Vec2::splat(6.0), galley.size()).expand(3.0);
        painter.rect_filled(r, 3.0, Color32::from_black_alpha(170));
        painter.galley(r.min + Vec2::splat(3.0), galley, Color32::WHITE);
    }
}

/// The largest rectangle of a `w`×`h` picture centred in `area`, and its pixels per picture pixel.
fn fit(area: Rect, w: u32, h: u32) -> (Rect, f32) {
    let zoom = (area.width() / w as f32).min(area.height() / h as f32);
    (Rect::from_center_size(area.center(), Vec2::new(w as f32, h as f32) * zoom), zoom)
}

impl eframe::App for ReplayApp {
    fn logic(&mut self, ctx: &egui::Context, _frame: &mut eframe::Frame) {
        ReplayApp::logic(self, ctx);
    }

    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        ReplayApp::ui(self, ui);
    }
}

/// Opens the replay window on `path`, with `compare` beside it (each video analysed first if it has no landmarks,
/// with a progress bar on the terminal), lengths in cm for a runner of `height_cm`.
pub fn run_replay_window(
    path: Option<PathBuf>,
    compare: Option<PathBuf>,
    height_cm: Option<f64>,
    model: ModelVariant,
) -> anyhow::Result<()> {
    let open = |p: &Path| -> anyhow::Result<Replay> {
        let loaded = Loaded::read(p, model, &crate::session::estimate::terminal_bar(true, "analysing"))
            .with_context(|| format!("opening {}", p.display()))?;
        Replay::from_loaded(loaded.with_height(height_cm))
    };
    let doc = path.as_deref().map(open).transpose()?;
    let beside = compare.as_deref().map(open).transpose()?;
    let mut app = ReplayApp::new(doc, model);
    let (recent, problem) = Recent::for_user();
    app.recent = recent;
    if let Some(problem) = problem {
        app.notice = Some(problem);
    }
    for p in path.iter().chain(&compare) {
        if let Err(e) = app.recent.add(p) {
            tracing::warn!("{e:#}");
        }
    }
    if let Some(b) = beside {
        app.set_compare(b);
    }
    let native = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default().with_title("runpose replay").with_inner_size([1280.0, 860.0]),
        renderer: crate::windows::common::renderer(),
        ..Default::default()
    };
    if !crate::windows::common::display_present() {
        return Err(crate::windows::common::no_display("replay"));
    }
    eframe::run_native("runpose-replay", native, Box::new(move |_cc| Ok(Box::new(app))))
        .map_err(|e| crate::windows::common::window_failed("replay", &e))
}
