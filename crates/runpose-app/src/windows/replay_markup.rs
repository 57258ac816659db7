//! The replay window's markup tools (docs/recording.md §Markup): the tools, the toolbar, clicks and drags on the
//! frame, editing with undo, and painting the marks (`draw::markup`).

use std::path::PathBuf;
use std::sync::atomic::Ordering;

use egui::{Color32, Pos2, Rect, RichText, Stroke, Vec2};
use runpose_core::markup::{Mark, Markup, Shape};
use runpose_core::{Landmark, Point, PoseFrame};

use crate::draw::markup;
use crate::windows::common::paint_strokes;
use crate::windows::files::{Purpose, recent_menu};
use crate::windows::replay_jobs::Opening;
use crate::windows::replay_tools::{MARK_COLOR, SELECTED_COLOR, Tool, mark_scale};
use crate::windows::replay_window::ReplayApp;

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

impl ReplayApp {
    /// Changes the markup (undoable) and saves it.
    pub(crate) fn edit(&mut self, change: impl FnOnce(&mut Markup)) {
        let Some(doc) = &mut self.doc else { return };
        self.history.record(&doc.markup);
        change(&mut doc.markup);
        self.after_edit();
    }

    pub(crate) fn after_edit(&mut self) {
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

    /// Takes up `tool`. Follow person shows the first frame with people, where the point clicked is taken.
    pub fn choose_tool(&mut self, tool: Tool) {
        self.tool = tool;
        self.pending.clear();
        if tool == Tool::Follow
            && let Some(doc) = &self.doc
        {
            let first = doc.raw.iter().position(|f| f.pose.is_some()).unwrap_or(0);
            self.playing = false;
            self.seek(first);
            self.notice = Some("Click the person to follow on this frame: the video is analysed again for them".into());
        }
    }

    /// Analyses the clip or video open again following the person at `p` (frame pixels of the frame shown,
    /// the first with people), as `runpose analyze --person X,Y` does.
    pub fn follow(&mut self, p: Point) {
        let Some(doc) = &self.doc else { return };
        if self.opening.is_some() {
            return;
        }
        let point = (p.x as f32, p.y as f32);
        match Opening::start(doc.source.clone(), false, self.model, Some(point)) {
            Ok(opening) => {
                self.opening = Some(opening);
                self.notice = Some(format!("Finding the person at ({:.0}, {:.0}) in every frame…", p.x, p.y));
            }
            Err(e) => self.notice = Some(format!("could not analyse the video again: {e}")),
        }
    }

    pub(crate) fn toolbar(&mut self, ui: &mut egui::Ui) {
        ui.horizontal_wrapped(|ui| {
            let idle = self.opening.is_none();
            ui.add(
                egui::TextEdit::singleline(&mut self.open_text).desired_width(260.0).hint_text("clip folder or video"),
            );
            if ui.add_enabled(idle, egui::Button::new("Open")).clicked() {
                let path = PathBuf::from(self.open_text.trim());
                self.open(&path);
            }
            if ui.add_enabled(idle, egui::Button::new("Open…")).on_hover_text("choose a clip or video").clicked() {
                self.browse(Purpose::Open);
            }
            if let Some(path) = recent_menu(ui, &self.recent)
                && idle
            {
                self.open_text = path.display().to_string();
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
            if ui
                .add_enabled(idle && self.doc.is_some(), egui::Button::new("Compare…"))
                .on_hover_text("choose the clip or video to show beside")
                .clicked()
            {
                self.browse(Purpose::Compare);
            }
            if self.compare.is_some() && ui.button("Close comparison").clicked() {
                self.compare = None;
            }
            ui.separator();
            for tool in Tool::ALL {
                if ui.selectable_label(self.tool == tool, tool.name()).clicked() {
                    self.choose_tool(tool);
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
    pub(crate) fn edit_selected_text(&mut self, ui: &mut egui::Ui) {
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

    pub(crate) fn paint_markup(&self, painter: &egui::Painter, to_screen: impl Fn(Point) -> Pos2) {
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
    pub(crate) fn interact(&mut self, response: &egui::Response) {
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
            Tool::Follow => {
                if response.clicked() {
                    self.follow(p);
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
