//! The replay window's panels: the transport (playback, speed, the timeline of key instants), the step's numbers,
//! and the storyboard window.

use std::time::Instant;

use egui::{Color32, Pos2, RichText, Sense, Stroke, Vec2};

use crate::session::document::KeyInstant;
use crate::windows::replay_window::{ReplayApp, SPEEDS};

/// The colour of a key instant on the timeline.
pub(crate) fn key_color(k: KeyInstant) -> Color32 {
    match k {
        KeyInstant::Contact => Color32::from_rgb(90, 220, 110),
        KeyInstant::Pose => Color32::WHITE,
        KeyInstant::ToeOff => Color32::from_rgb(250, 160, 60),
        KeyInstant::PeakPull => Color32::from_rgb(90, 170, 250),
    }
}

impl ReplayApp {
    pub(crate) fn storyboard_window(&mut self, ctx: &egui::Context) {
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

    pub(crate) fn transport(&mut self, ui: &mut egui::Ui) {
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

    pub(crate) fn numbers(&mut self, ui: &mut egui::Ui) {
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
}
