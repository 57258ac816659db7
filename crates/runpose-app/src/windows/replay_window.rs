//! `runpose replay`: a clip (or any video, analysed on opening) frame by frame or in slow motion, with the overlay of
//! the live view, a timeline of every step's key instants, and a coach's markup (docs/recording.md §Markup). The
//! document (`Replay`: frames, poses, markup, analysis) is kept apart from the window (`ReplayApp`: playback, tools,
//! drawing), and the window's `logic` apart from its `ui`, so tests drive it with egui_kittest.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Instant;

use anyhow::Context;
use egui::{Align2, Color32, FontId, Pos2, Rect, RichText, Sense, Stroke, Vec2};
use runpose_core::markup::{History, Mark, Markup, Shape};
use runpose_core::phase::{PhaseMap, nearest_frame};
use runpose_core::{Landmark, Point, PoseFrame};
use runpose_vision::ModelVariant;

use crate::draw::markup;
use crate::draw::overlay;
use crate::session::document::{KeyInstant, Loaded, Replay, phase_map};
use crate::windows::common::{Job, paint_scene, paint_strokes};

/// The colour of a key instant on the timeline.
fn key_color(k: KeyInstant) -> Color32 {
    match k {
        KeyInstant::Contact => Color32::from_rgb(90, 220, 110),
        KeyInstant::Pose => Color32::WHITE,
        KeyInstant::ToeOff => Color32::from_rgb(250, 160, 60),
        KeyInstant::PeakPull => Color32::from_rgb(90, 170, 250),
    }
}

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

/// A clip or video being opened on its own thread (a video without landmarks is analysed first, which takes a while).
pub struct Opening {
    pub path: PathBuf,
    /// It goes beside the clip open (Compare) instead of replacing it.
    pub beside: bool,
    /// Frames analysed so far, of how many (a hidden bar that counts).
    pub bar: indicatif::ProgressBar,
    job: Job<Loaded>,
}

impl Opening {
    fn start(path: PathBuf, beside: bool, model: ModelVariant) -> std::io::Result<Self> {
        let bar = indicatif::ProgressBar::hidden();
        let (p, b) = (path.clone(), bar.clone());
        let job = Job::spawn("runpose-open", format!("opening {} stopped unexpectedly", path.display()), move || {
            Loaded::read(&p, model, &b)
        })?;
        Ok(Self { path, beside, bar, job })
    }
}

/// An MP4 export running on its own thread (`export::write_annotated_video`).
pub struct VideoExport {
    pub done: Arc<AtomicUsize>,
    pub total: usize,
    cancel: Arc<AtomicBool>,
    job: Job<PathBuf>,
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

/// A markup tool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tool {
    Select,
    Line,
    Angle,
    Vertical,
    Circle,
    Arrow,
    Text,
    Freehand,
    /// Drag a landmark to where it belongs.
    Correct,
}

impl Tool {
    pub const ALL: [Tool; 9] = [
        Tool::Select,
        Tool::Line,
        Tool::Angle,
        Tool::Vertical,
        Tool::Circle,
        Tool::Arrow,
        Tool::Text,
        Tool::Freehand,
        Tool::Correct,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Tool::Select => "Select",
            Tool::Line => "Line",
            Tool::Angle => "Angle",
            Tool::Vertical => "Vertical",
            Tool::Circle => "Circle",
            Tool::Arrow => "Arrow",
            Tool::Text => "Text",
            Tool::Freehand => "Freehand",
            Tool::Correct => "Correct landmark",
        }
    }

    /// Clicks that make one shape.
    fn clicks(self) -> usize {
        match self {
            Tool::Line | Tool::Circle | Tool::Arrow => 2,
            Tool::Angle => 3,
            Tool::Vertical | Tool::Text => 1,
            Tool::Select | Tool::Freehand | Tool::Correct => 0,
        }
    }
}

/// Slowest and fastest playback, × real time.
pub const SPEEDS: std::ops::RangeInclusive<f64> = 0.1..=1.0;

const MARK_COLOR: Color32 = Color32::from_rgb(markup::MARK.0[0], markup::MARK.0[1], markup::MARK.0[2]);
const SELECTED_COLOR: Color32 = Color32::from_rgb(markup::SELECTED.0[0], markup::SELECTED.0[1], markup::SELECTED.0[2]);

/// The replay window.
pub struct ReplayApp {
    pub doc: Option<Replay>,
    /// The frame shown.
    pub frame: usize,
    pub playing: bool,
    /// Playback speed, × real time (`SPEEDS`).
    pub speed: f64,
    /// When playback started, and from which clip time.
    play_from: Option<(Instant, f64)>,
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
    storyboard_texture: Option<(egui::TextureHandle, usize)>,
    /// An MP4 export in progress.
    pub video_export: Option<VideoExport>,
    /// A clip or video being opened.
    pub opening: Option<Opening>,
    /// The clip beside, and the path in its field.
    pub compare: Option<Compare>,
    pub compare_text: String,
    model: ModelVariant,
    texture: Option<(egui::TextureHandle, usize)>,
    /// Where the frame was last drawn: its screen rectangle and pixels per frame pixel.
    pub view: Option<(Rect, f32)>,
    /// A landmark being dragged (Correct tool), and a freehand stroke being drawn.
    dragging_landmark: Option<Landmark>,
    stroke: Vec<Point>,
    drag_last: Option<Point>,
    /// The handle of the selected mark being dragged (`Shape::handles`), and whether its text is being edited.
    dragging_handle: Option<usize>,
    /// Where the button went down for the drag in progress (frame pixels).
    drag_origin: Option<Point>,
    editing_text: bool,
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

    fn to_frame(&self, pos: Pos2) -> Option<Point> {
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
    fn report(&mut self, result: anyhow::Result<PathBuf>) -> Option<PathBuf> {
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

    fn start_opening(&mut self, path: &Path, beside: bool) {
        match Opening::start(path.to_path_buf(), beside, self.model) {
            Ok(opening) => self.opening = Some(opening),
            Err(e) => self.notice = Some(format!("could not open {}: {e}", path.display())),
        }
    }

    /// Shows `doc` in place of the clip open (keeping the one beside, aligned anew).
    pub fn set_doc(&mut self, doc: Replay) {
        let (compare, compare_text) = (self.compare.take(), std::mem::take(&mut self.compare_text));
        *self = Self::new(Some(doc), self.model);
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

    /// Changes the markup (undoable) and saves it.
    fn edit(&mut self, change: impl FnOnce(&mut Markup)) {
        let Some(doc) = &mut self.doc else { return };
        self.history.record(&doc.markup);
        change(&mut doc.markup);
        self.after_edit();
    }

    fn after_edit(&mut self) {
        let Some(doc) = &mut self.doc else { return };
        doc.reanalyse_if_corrected();
        if let Err(e) = doc.save_markup(false) {
            self.notice = Some(format!("{e:#}"));
        }
    }

    pub fn undo(&mut self) {
        if let Some(doc) = &mut self.doc
            && self.history.undo(&mut doc.markup)
        {
            self.selected = None;
            self.after_edit();
        }
    }

    pub fn redo(&mut self) {
        if let Some(doc) = &mut self.doc
            && self.history.redo(&mut doc.markup)
        {
            self.selected = None;
            self.after_edit();
        }
    }

    pub fn delete_selected(&mut self) {
        if let Some(i) = self.selected.take() {
            self.edit(|m| {
                m.marks.remove(i);
            });
        }
    }

    /// Playback: the frame due at this moment.
    pub fn logic(&mut self, ctx: &egui::Context) {
        if let Some(opening) = &mut self.opening {
            match opening.job.poll() {
                Some(result) => {
                    let beside = opening.beside;
                    self.opening = None;
                    match result.and_then(Replay::from_loaded) {
                        Ok(doc) if beside => self.set_compare(doc),
                        Ok(doc) => self.set_doc(doc),
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
    }

    fn storyboard_window(&mut self, ctx: &egui::Context) {
        let Some((step, img)) = &self.storyboard else { return };
        let (step, steps) = (*step, self.doc.as_ref().map_or(0, |d| d.instants.len()));
        crate::windows::common::upload_frame(ctx, &mut self.storyboard_texture, "storyboard", step, img);
        let Some((tex, _)) = &self.storyboard_texture else { return };
        let size = Vec2::new(img.width() as f32, img.height() as f32);
        let (mut open, mut go, mut save) = (true, None, false);
        egui::Window::new(format!("Storyboard: step {}", step + 1))
            .open(&mut open)
            .default_width(1000.0)
            .default_pos(Pos2::new(30.0, 90.0))
            .show(ctx, |ui| {
                ui.horizontal(|ui| {
                    if ui.add_enabled(step > 0, egui::Button::new("< step")).clicked() {
                        go = Some(step - 1);
                    }
                    if ui.add_enabled(step + 1 < steps, egui::Button::new("step >")).clicked() {
                        go = Some(step + 1);
                    }
                    save = ui.button("Save PNG").clicked();
                });
                let width = ui.available_width().min(size.x);
                ui.image((tex.id(), size * (width / size.x)));
            });
        if save {
            self.export_storyboard();
        }
        if let Some(s) = go {
            self.show_storyboard(s);
        }
        if !open {
            self.storyboard = None;
        }
    }

    fn keys(&mut self, ctx: &egui::Context) {
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

    fn toolbar(&mut self, ui: &mut egui::Ui) {
        ui.horizontal_wrapped(|ui| {
            let idle = self.opening.is_none();
            ui.add(
                egui::TextEdit::singleline(&mut self.open_text).desired_width(260.0).hint_text("clip folder or video"),
            );
            if ui.add_enabled(idle, egui::Button::new("Open")).clicked() {
                let path = PathBuf::from(self.open_text.trim());
                self.open(&path);
            }
            ui.add(
                egui::TextEdit::singleline(&mut self.compare_text)
                    .desired_width(200.0)
                    .hint_text("clip or video to compare"),
            );
            if ui
                .add_enabled(idle && self.doc.is_some(), egui::Button::new("Compare"))
                .on_hover_text("show it beside, aligned by gait phase")
                .clicked()
            {
                let path = PathBuf::from(self.compare_text.trim());
                self.open_compare(&path);
            }
            if self.compare.is_some() && ui.button("Close comparison").clicked() {
                self.compare = None;
            }
            ui.separator();
            for tool in Tool::ALL {
                if ui.selectable_label(self.tool == tool, tool.name()).clicked() {
                    self.tool = tool;
                    self.pending.clear();
                }
            }
            if self.tool == Tool::Text {
                let label = ui.label("New note:");
                ui.add(egui::TextEdit::singleline(&mut self.note).desired_width(140.0)).labelled_by(label.id);
            }
            self.edit_selected_text(ui);
            ui.separator();
            if ui.add_enabled(self.history.can_undo(), egui::Button::new("Undo")).clicked() {
                self.undo();
            }
            if ui.add_enabled(self.history.can_redo(), egui::Button::new("Redo")).clicked() {
                self.redo();
            }
            if ui.add_enabled(self.selected.is_some(), egui::Button::new("Delete")).clicked() {
                self.delete_selected();
            }
            ui.separator();
            let has_doc = self.doc.is_some();
            if ui
                .add_enabled(has_doc, egui::Button::new("Storyboard"))
                .on_hover_text("landing, pose, fall and pull of this step")
                .clicked()
                && let Some(step) = self.current_step()
            {
                self.show_storyboard(step);
            }
            if ui
                .add_enabled(has_doc, egui::Button::new("Export frame"))
                .on_hover_text("this frame with overlay and markup, PNG")
                .clicked()
            {
                self.export_frame();
            }
            match &self.video_export {
                Some(export) => {
                    ui.label(format!(
                        "exporting MP4: {} / {} frames",
                        export.done.load(Ordering::Relaxed),
                        export.total
                    ));
                    if ui.button("Cancel").clicked() {
                        export.cancel();
                    }
                }
                None => {
                    if ui
                        .add_enabled(has_doc, egui::Button::new("Export MP4"))
                        .on_hover_text("the clip with overlay and markup")
                        .clicked()
                    {
                        self.export_video();
                    }
                }
            }
        });
        if let Some(opening) = &self.opening {
            let name = opening.path.file_name().map_or_else(String::new, |n| n.to_string_lossy().into_owned());
            let (done, total) = (opening.bar.position(), opening.bar.length().unwrap_or(0));
            ui.horizontal(|ui| {
                if done == 0 {
                    ui.label(format!("opening {name}…"));
                } else {
                    ui.label(format!("analysing {name}: {done} / {total} frames"));
                    if total > 0 {
                        ui.add(egui::ProgressBar::new(done as f32 / total as f32).desired_width(300.0));
                    }
                }
            });
        }
        let mut replace = false;
        if let Some(n) = &self.notice {
            ui.horizontal(|ui| {
                let color = if n.starts_with("wrote ") {
                    Color32::from_rgb(120, 220, 130)
                } else {
                    Color32::from_rgb(240, 120, 90)
                };
                ui.label(RichText::new(n).color(color));
                if self.doc.as_ref().is_some_and(|d| d.markup_problem.is_some()) {
                    replace = ui.button("Replace it with this markup").clicked();
                }
            });
        }
        if replace && let Some(doc) = &mut self.doc {
            self.notice = doc.save_markup(true).err().map(|e| format!("{e:#}"));
        }
    }

    /// With a text note selected: its text, to edit (one undo step per edit, saved when the field is left).
    fn edit_selected_text(&mut self, ui: &mut egui::Ui) {
        let Some(i) = self.selected else { return };
        let Some(Shape::Text { text, .. }) = self.doc.as_ref().and_then(|d| d.markup.marks.get(i)).map(|m| &m.shape)
        else {
            return;
        };
        let mut edited = text.clone();
        let label = ui.label("Note:");
        let response = ui.add(egui::TextEdit::singleline(&mut edited).desired_width(160.0)).labelled_by(label.id);
        if response.changed() {
            self.set_selected_text(edited);
        }
        if response.lost_focus() {
            self.finish_text_edit();
        }
    }

    /// Changes the selected text note's text (the first change of an edit is the undo step).
    pub fn set_selected_text(&mut self, new: String) {
        let Some(i) = self.selected else { return };
        let Some(doc) = &mut self.doc else { return };
        if !self.editing_text {
            self.history.record(&doc.markup);
            self.editing_text = true;
        }
        if let Some(Shape::Text { text, .. }) = doc.markup.marks.get_mut(i).map(|m| &mut m.shape) {
            *text = new;
        }
    }

    /// Ends a text edit: saves it.
    pub fn finish_text_edit(&mut self) {
        if std::mem::take(&mut self.editing_text) {
            self.after_edit();
        }
    }

    fn transport(&mut self, ui: &mut egui::Ui) {
        let Some(doc) = &self.doc else {
            ui.label("Open a clip folder or a video.");
            return;
        };
        let n = doc.frames();
        let (frame, t) = (self.frame, doc.time(self.frame));
        let timeline = doc.timeline();
        ui.horizontal(|ui| {
            if ui.button("|<").on_hover_text("first frame").clicked() {
                self.playing = false;
                self.seek(0);
            }
            if ui.button("[").on_hover_text("previous step event ([)").clicked() {
                self.jump(false);
            }
            if ui.button("<").on_hover_text("one frame back (←)").clicked() {
                self.step(-1);
            }
            if ui.button(if self.playing { "Pause" } else { "Play" }).on_hover_text("Space").clicked() {
                self.toggle_play();
            }
            if ui.button(">").on_hover_text("one frame on (→)").clicked() {
                self.step(1);
            }
            if ui.button("]").on_hover_text("next step event (])").clicked() {
                self.jump(true);
            }
            ui.separator();
            let mut speed = self.speed;
            if ui.add(egui::Slider::new(&mut speed, SPEEDS).step_by(0.05).text("× speed")).changed() {
                self.speed = speed;
                if self.playing {
                    self.play_from = Some((Instant::now(), t));
                }
            }
            ui.separator();
            let event =
                timeline.iter().filter(|(f, _)| *f == frame).map(|(_, k)| k.name()).collect::<Vec<_>>().join(", ");
            ui.label(RichText::new(format!("frame {} / {n} · {t:.3} s {event}", frame + 1)).monospace());
            if let (Some(c), Some(f)) = (&self.compare, self.compare_frame()) {
                let aligned = if c.map.is_some() { "same phase" } else { "clock time" };
                ui.label(
                    RichText::new(format!("· beside: frame {} / {} ({aligned})", f + 1, c.doc.frames())).monospace(),
                );
            }
        });
        // The timeline: every step's key instants; click or drag to go there.
        let (rect, response) = ui.allocate_exact_size(Vec2::new(ui.available_width(), 34.0), Sense::click_and_drag());
        let painter = ui.painter_at(rect);
        painter.rect_filled(rect, 3.0, Color32::from_gray(30));
        let x_of = |f: usize| rect.left() + rect.width() * (f as f32 + 0.5) / n.max(1) as f32;
        for (f, kind) in &timeline {
            let h = if *kind == KeyInstant::Contact { 1.0 } else { 0.6 };
            let x = x_of(*f);
            painter.line_segment(
                [Pos2::new(x, rect.bottom()), Pos2::new(x, rect.bottom() - rect.height() * h)],
                Stroke::new(2.0, key_color(*kind)),
            );
        }
        let x = x_of(frame);
        painter.line_segment(
            [Pos2::new(x, rect.top()), Pos2::new(x, rect.bottom())],
            Stroke::new(2.0, Color32::from_rgb(255, 60, 60)),
        );
        if let Some(pos) = response.interact_pointer_pos() {
            let f = (((pos.x - rect.left()) / rect.width()) * n as f32).floor().max(0.0) as usize;
            self.playing = false;
            self.seek(f);
        }
        ui.horizontal(|ui| {
            for kind in [KeyInstant::Contact, KeyInstant::Pose, KeyInstant::ToeOff, KeyInstant::PeakPull] {
                ui.label(RichText::new(format!("| {}", kind.name())).color(key_color(kind)));
            }
        });
    }

    fn numbers(&mut self, ui: &mut egui::Ui) {
        let Some(doc) = &self.doc else { return };
        let Some(a) = &doc.analysis else {
            ui.label("No runner found: no metrics.");
            return;
        };
        let t = a.frames.get(self.frame).map_or(0.0, |f| f.t);
        let m = a.metrics.get(self.frame);
        ui.heading("This frame");
        let fmt = |v: Option<f64>, unit: &str| v.map_or("–".into(), |x| format!("{x:.1}{unit}"));
        ui.label(format!("fall angle {}", fmt(m.and_then(|m| m.fall_angle_deg), "°")));
        ui.label(format!("trunk angle {}", fmt(m.and_then(|m| m.trunk_angle_deg), "°")));
        ui.label(format!("support {}", m.and_then(|m| m.support).map_or("none (flight)", |s| s.name())));
        ui.separator();
        // The step in progress, else the last one that ended.
        let step = a.steps.iter().rev().find(|s| s.ic_t <= t + 1e-9);
        if step.is_none() {
            ui.label("No step measured yet at this frame.");
        }
        if let Some(s) = step {
            ui.heading(format!("Step {} ({} foot)", s.index + 1, s.side.name()));
            ui.label(format!("cadence {}", fmt(s.cadence_spm, " spm")));
            ui.label(format!("contact {:.0} ms", s.contact_ms));
            ui.label(format!("flight {}", fmt(s.flight_ms, " ms")));
            ui.label(format!("fall at toe-off {}", fmt(s.fall_angle_toe_off_deg, "°")));
            let landing = a
                .cm(s.landing_distance_ll)
                .map_or_else(|| fmt(s.landing_distance_ll.map(|v| v * 100.0), "% leg"), |cm| format!("{cm:.0} cm"));
            ui.label(format!("landing ahead {landing}"));
            ui.label(format!("knee at contact {}", fmt(s.knee_flexion_contact_deg, "°")));
            ui.label(format!("foot strike {}", s.foot_strike.map_or("–", |f| f.name())));
            for cue in runpose_core::cues::step_cues(s) {
                ui.label(RichText::new(cue.text).color(Color32::from_rgb(250, 210, 60)).size(18.0));
            }
        }
        if let (Some(c), Some(f)) = (&self.compare, self.compare_frame())
            && let Some(b) = &c.doc.analysis
        {
            ui.separator();
            let tb = b.frames.get(f).map_or(0.0, |x| x.t);
            match b.steps.iter().rev().find(|s| s.ic_t <= tb + 1e-9) {
                Some(s) => {
                    ui.heading(format!("Beside: step {} ({} foot)", s.index + 1, s.side.name()));
                    ui.label(format!("cadence {}", fmt(s.cadence_spm, " spm")));
                    ui.label(format!("contact {:.0} ms", s.contact_ms));
                    ui.label(format!("fall at toe-off {}", fmt(s.fall_angle_toe_off_deg, "°")));
                    ui.label(format!("knee at contact {}", fmt(s.knee_flexion_contact_deg, "°")));
                }
                None => {
                    ui.label("Beside: no step measured yet at this frame.");
                }
            }
        }
        let corrected = doc.markup.corrections.iter().filter(|c| c.frame == self.frame).count();
        if corrected > 0 {
            ui.separator();
            ui.label(format!("{corrected} landmark(s) corrected on this frame"));
        }
    }

    fn frame_view(&mut self, ui: &mut egui::Ui) {
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
    fn compare_view(&mut self, ui: &mut egui::Ui, area: Rect) {
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

    fn paint_markup(&self, painter: &egui::Painter, to_screen: impl Fn(Point) -> Pos2) {
        let Some(doc) = &self.doc else { return };
        for i in doc.markup.marks_on(self.frame) {
            let selected = self.selected == Some(i);
            let shape = &doc.markup.marks[i].shape;
            let color = if selected { SELECTED_COLOR } else { MARK_COLOR };
            paint_strokes(painter, &markup::strokes(shape, mark_scale(doc)), &to_screen, color);
            // The selected mark's handles: drag one to change that point.
            if selected {
                for h in shape.handles() {
                    let r = Rect::from_center_size(to_screen(h), Vec2::splat(9.0));
                    painter.rect_stroke(r, 1.0, Stroke::new(1.5, Color32::WHITE), egui::StrokeKind::Middle);
                }
            }
        }
        for c in doc.markup.corrections.iter().filter(|c| c.frame == self.frame) {
            painter.circle_stroke(
                to_screen(Point::new(c.x, c.y)),
                7.0,
                Stroke::new(2.0, Color32::from_rgb(255, 0, 255)),
            );
        }
        for p in &self.pending {
            painter.circle_filled(to_screen(*p), 4.0, MARK_COLOR);
        }
        if self.stroke.len() > 1 {
            let pts: Vec<Pos2> = self.stroke.iter().map(|p| to_screen(*p)).collect();
            painter.add(egui::Shape::line(pts, Stroke::new(2.5, MARK_COLOR)));
        }
    }

    /// Clicks and drags on the frame, by tool. Any click pauses playback: markup is made on a still frame.
    fn interact(&mut self, response: &egui::Response) {
        let Some(pos) = response.interact_pointer_pos() else { return };
        let Some(p) = self.to_frame(pos) else { return };
        if response.clicked() || response.drag_started() {
            self.playing = false;
        }
        let frame = self.frame;
        let tolerance = 8.0 / f64::from(self.view.map_or(1.0, |(_, z)| z));
        match self.tool {
            Tool::Select => {
                let Some(doc) = &self.doc else { return };
                if response.drag_started() || response.clicked() {
                    // Where the button went down: a handle of the selected mark is taken before any mark there.
                    let at =
                        response.ctx.input(|i| i.pointer.press_origin()).and_then(|o| self.to_frame(o)).unwrap_or(p);
                    let selected = self.selected.and_then(|i| doc.markup.marks.get(i)).filter(|m| m.frame == frame);
                    self.dragging_handle = selected.and_then(|m| m.shape.handle_at(at, tolerance));
                    if self.dragging_handle.is_none() {
                        self.selected = doc.markup.hit(frame, at, tolerance);
                    }
                    self.drag_last = None;
                    self.drag_origin = Some(at);
                }
                // The pointer's last move may come with the release.
                let moving = response.dragged() || (response.drag_stopped() && self.drag_last.is_some());
                if moving && let Some(i) = self.selected {
                    let last = self.drag_last.or(self.drag_origin).unwrap_or(p);
                    if self.drag_last.is_none()
                        && let Some(doc) = &self.doc
                    {
                        self.history.record(&doc.markup);
                    }
                    if let Some(doc) = &mut self.doc {
                        let shape = &mut doc.markup.marks[i].shape;
                        match self.dragging_handle {
                            Some(k) => shape.move_handle(k, p),
                            None => shape.translate(p.x - last.x, p.y - last.y),
                        }
                    }
                    self.drag_last = Some(p);
                }
                if response.drag_stopped() {
                    self.dragging_handle = None;
                    if self.drag_last.take().is_some() {
                        self.after_edit();
                    }
                }
            }
            Tool::Freehand => {
                if response.dragged() || response.drag_started() {
                    self.stroke.push(p);
                }
                if response.drag_stopped() && self.stroke.len() > 1 {
                    let points = std::mem::take(&mut self.stroke);
                    self.edit(|m| m.marks.push(Mark { frame, shape: Shape::Freehand { points } }));
                }
            }
            Tool::Correct => {
                if response.drag_started() {
                    self.dragging_landmark =
                        self.doc.as_ref().and_then(|d| nearest_landmark(d.raw.get(frame)?, p, 3.0 * tolerance));
                }
                if response.drag_stopped()
                    && let Some(l) = self.dragging_landmark.take()
                {
                    self.edit(|m| m.correct(frame, l, p));
                }
            }
            tool => {
                if response.clicked() {
                    self.pending.push(p);
                    if self.pending.len() >= tool.clicks() {
                        let q = std::mem::take(&mut self.pending);
                        let shape = match tool {
                            Tool::Line => Shape::Line { a: q[0], b: q[1] },
                            Tool::Arrow => Shape::Arrow { from: q[0], to: q[1] },
                            Tool::Angle => Shape::Angle { a: q[0], vertex: q[1], b: q[2] },
                            Tool::Circle => Shape::Circle { center: q[0], radius: q[1].dist(q[0]) },
                            Tool::Vertical => Shape::Vertical { at: q[0] },
                            _ => Shape::Text { at: q[0], text: self.note.clone() },
                        };
                        self.edit(|m| m.marks.push(Mark { frame, shape }));
                        self.selected = self.doc.as_ref().map(|d| d.markup.marks.len() - 1);
                    }
                }
            }
        }
    }
}

/// The largest rectangle of a `w`×`h` picture centred in `area`, and its pixels per picture pixel.
fn fit(area: Rect, w: u32, h: u32) -> (Rect, f32) {
    let zoom = (area.width() / w as f32).min(area.height() / h as f32);
    (Rect::from_center_size(area.center(), Vec2::new(w as f32, h as f32) * zoom), zoom)
}

/// The landmark of `frame`'s pose nearest `p`, within `radius` frame pixels.
fn nearest_landmark(frame: &PoseFrame, p: Point, radius: f64) -> Option<Landmark> {
    let pose = frame.pose.as_ref()?;
    Landmark::ALL
        .iter()
        .map(|&l| (l, pose.pt(l).dist(p)))
        .filter(|&(_, d)| d <= radius)
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(l, _)| l)
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
    if let Some(b) = beside {
        app.set_compare(b);
    }
    let native = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default().with_title("runpose replay").with_inner_size([1280.0, 860.0]),
        renderer: crate::windows::common::renderer(),
        ..Default::default()
    };
    eframe::run_native("runpose-replay", native, Box::new(move |_cc| Ok(Box::new(app)))).map_err(|e| {
        anyhow::anyhow!(
            "the window could not be opened ({e}): runpose replay needs a display (or Xvfb) and OpenGL or Vulkan"
        )
    })
}

/// The size of `doc`'s pictures against a 720-pixel frame, which marks are drawn for (`draw::markup::strokes`).
fn mark_scale(doc: &Replay) -> f32 {
    let info = doc.video.info();
    overlay::picture_scale(info.width, info.height)
}
