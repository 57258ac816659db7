//! The live window's controls (source, camera mode, model, height, mirror, treadmill mode, Record), its messages and
//! its status bar.

use std::path::PathBuf;

use egui::{Color32, RichText};
use runpose_capture::clip;
use runpose_capture::live::list_cameras;
use runpose_vision::ModelVariant;

use crate::session::live::Pipeline;
use crate::windows::files::{Choice, Chooser, Purpose, recent_menu};
use crate::windows::live_settings::{AUTO_MODEL, CAMERA_MODES};
use crate::windows::live_window::{LiveApp, Notice};

impl LiveApp {
    pub(crate) fn controls(&mut self, ui: &mut egui::Ui) {
        ui.horizontal_wrapped(|ui| {
            let current = match (&self.settings.camera, &self.settings.video) {
                (Some(i), _) => format!("Camera {i}"),
                _ => "Video file".into(),
            };
            let mut chosen: Option<Option<u32>> = None;
            egui::ComboBox::new("source", "source").selected_text(current).show_ui(ui, |ui| {
                for c in &self.cameras {
                    if ui
                        .selectable_label(
                            self.settings.camera == Some(c.index),
                            format!("Camera {}: {}", c.index, c.name),
                        )
                        .clicked()
                    {
                        chosen = Some(Some(c.index));
                    }
                }
                if self.cameras.is_empty() {
                    ui.label("(no camera found)");
                }
                if ui.selectable_label(self.settings.camera.is_none(), "Video file").clicked() {
                    chosen = Some(None);
                }
            });
            if self.settings.camera.is_some() {
                let mode = self.settings.camera_mode;
                egui::ComboBox::new("mode", "camera mode")
                    .selected_text(format!("{}×{} {} fps", mode.width, mode.height, mode.fps))
                    .show_ui(ui, |ui| {
                        for m in CAMERA_MODES {
                            if ui
                                .selectable_label(m == mode, format!("{}×{} {} fps", m.width, m.height, m.fps))
                                .clicked()
                                && m != mode
                            {
                                self.settings.camera_mode = m;
                                chosen = Some(self.settings.camera);
                            }
                        }
                    });
            } else {
                ui.add(
                    egui::TextEdit::singleline(&mut self.video_text).desired_width(260.0).hint_text("path to a video"),
                );
                if ui.button("Play").clicked() {
                    chosen = Some(None);
                }
                if ui.button("Browse…").on_hover_text("choose a video to play").clicked() {
                    self.browse(Purpose::PlayVideo);
                }
            }
            if let Some(path) = recent_menu(ui, &self.recent) {
                // A clip plays its video.
                let video = if clip::is_clip(&path) { path.join(clip::VIDEO_FILE) } else { path };
                self.open_video(video);
            }
            match chosen {
                Some(Some(index)) => self.use_camera(index),
                Some(None) if !self.video_text.trim().is_empty() => {
                    self.open_video(PathBuf::from(self.video_text.trim()))
                }
                _ => {}
            }
            ui.separator();
            let model = self.settings.model();
            let auto = self.settings.model_is_auto();
            let shown = if auto { format!("{} (auto)", model.name()) } else { model.name().to_string() };
            egui::ComboBox::new("model", "model")
                .selected_text(shown)
                .show_ui(ui, |ui| {
                    let choices = ModelVariant::ALL.into_iter().map(|m| (m.name(), !auto && m == model));
                    for (name, selected) in std::iter::once((AUTO_MODEL, auto)).chain(choices) {
                        if ui.selectable_label(selected, name).clicked() && !selected {
                            self.settings.model = name.into();
                            // Auto may come to the model already running: nothing to restart then.
                            if self.settings.model() != model {
                                self.restart();
                            }
                        }
                    }
                })
                .response
                .on_hover_text("auto: heavy where it runs in bf16 (--precision bf16, README §Precision), else full");
            let mut height = self.settings.height_cm.unwrap_or(0.0);
            let r = ui
                .add(
                    egui::DragValue::new(&mut height)
                        .range(0.0..=250.0)
                        .speed(0.5)
                        .custom_formatter(|v, _| if v < 50.0 { "height –".into() } else { format!("{v:.0} cm") }),
                )
                .on_hover_text("runner's height, for lengths in cm (0: leg lengths)");
            if r.changed() {
                self.settings.height_cm = (height >= 50.0).then_some(height);
            }
            // The analysis restarts with the new height once the edit is done.
            let running = self.pipeline.as_ref().map(|p| p.options.height_cm);
            if (r.lost_focus() || r.drag_stopped()) && running.is_some_and(|h| h != self.settings.height_cm) {
                self.restart();
            }
            ui.checkbox(&mut self.settings.mirror, "mirror (M)");
            ui.checkbox(&mut self.settings.treadmill, "treadmill mode (T)");
            ui.separator();
            let label = match &self.recorder {
                Some(r) => RichText::new(format!("REC {:.0} s · Stop (R)", r.status().duration_s))
                    .color(Color32::from_rgb(230, 60, 50))
                    .strong(),
                None => RichText::new("Record (R)"),
            };
            let enabled = self.recorder.is_some() || self.pipeline.is_some();
            if ui
                .add_enabled(enabled, egui::Button::new(label))
                .on_hover_text(format!("clips go to {}", self.settings.recordings_dir().display()))
                .clicked()
            {
                self.toggle_recording();
            }
            if ui
                .add_enabled(self.recorder.is_none(), egui::Button::new("Recordings folder…"))
                .on_hover_text(format!("now {}", self.settings.recordings_dir().display()))
                .clicked()
            {
                self.browse(Purpose::RecordingsFolder);
            }
        });
    }

    /// Opens the file dialog for `purpose`, starting beside the video playing or the recordings folder.
    pub fn browse(&mut self, purpose: Purpose) {
        let near = match purpose {
            Purpose::RecordingsFolder => Some(self.settings.recordings_dir()),
            _ => self.settings.video.clone().or_else(|| self.recent.paths().first().cloned()),
        };
        self.chooser = Some(Chooser::new(purpose, near.as_deref()));
    }

    /// The file dialog, while it is open: a video chosen plays, a folder chosen takes the recordings.
    pub(crate) fn file_dialog(&mut self, ctx: &egui::Context) {
        let Some(chooser) = &mut self.chooser else { return };
        match chooser.show(ctx) {
            Choice::Open => {}
            Choice::Cancelled => self.chooser = None,
            Choice::Chosen(path) => {
                let purpose = chooser.purpose;
                self.chooser = None;
                if purpose == Purpose::RecordingsFolder {
                    self.notice = Some(Notice { text: format!("Recordings go to {}", path.display()), error: false });
                    self.settings.recordings_dir = Some(path);
                } else {
                    let video = if clip::is_clip(&path) { path.join(clip::VIDEO_FILE) } else { path };
                    self.open_video(video);
                }
            }
        }
    }

    /// The recording notice and the offer to recover cut-off recordings.
    pub(crate) fn messages(&mut self, ui: &mut egui::Ui) {
        if let Some(n) = &self.notice {
            let color = if n.error { Color32::from_rgb(240, 120, 90) } else { Color32::from_rgb(140, 210, 140) };
            let mut dismiss = false;
            ui.horizontal(|ui| {
                ui.label(RichText::new(&n.text).color(color));
                dismiss = ui.small_button("dismiss").clicked();
            });
            if dismiss {
                self.notice = None;
            }
        }
        let mut chosen = None;
        let mut later = false;
        if let Some((dir, m)) = self.interrupted.first() {
            ui.horizontal(|ui| {
                let name =
                    dir.file_name().map_or_else(|| dir.display().to_string(), |n| n.to_string_lossy().into_owned());
                ui.label(
                    RichText::new(format!("A recording was cut off: {name} (started {}, {}).", m.created, m.source))
                        .color(Color32::from_rgb(240, 200, 90)),
                );
                if ui.button("Recover it").clicked() {
                    chosen = Some(0);
                }
                later = ui.button("Not now").clicked();
            });
        }
        if let Some(i) = chosen {
            self.recover(i);
        } else if later {
            self.interrupted.clear();
        }
    }

    pub(crate) fn status_bar(&self, ui: &mut egui::Ui) {
        ui.horizontal(|ui| {
            let source =
                self.pipeline.as_ref().map_or_else(|| "no source".to_string(), |p| p.options.source.describe());
            ui.label(source);
            ui.separator();
            let dropped = self.pipeline.as_ref().map_or(0, Pipeline::dropped);
            let text = match (self.stats.fps(), self.stats.latency_ms()) {
                (Some(fps), Some((median, p95))) => {
                    format!("{fps:.1} fps · latency {median:.0} ms (p95 {p95:.0}) · dropped {dropped}")
                }
                _ => "– fps".into(),
            };
            ui.label(RichText::new(text).monospace());
        });
    }

    pub(crate) fn failure(&mut self, ui: &mut egui::Ui, why: &str) {
        ui.vertical_centered(|ui| {
            ui.add_space(ui.available_height() * 0.3);
            ui.label(RichText::new(why).size(24.0));
            ui.add_space(16.0);
            ui.horizontal(|ui| {
                ui.add_space((ui.available_width() - 420.0).max(0.0) / 2.0);
                if ui.button(RichText::new("Retry").size(20.0)).clicked() {
                    self.cameras = list_cameras().unwrap_or_default();
                    self.restart();
                }
                if let Some(demo) = self.demo_clip.clone()
                    && ui.button(RichText::new("Open the demo video").size(20.0)).clicked()
                {
                    self.video_text = demo.display().to_string();
                    self.open_video(demo);
                }
            });
            if self.settings.camera.is_some() {
                ui.add_space(8.0);
                ui.label("Or pick “Video file” above and give a path.");
            }
        });
    }
}
