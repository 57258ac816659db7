//! What both windows use: painting an overlay scene, uploading a frame as a texture, the background `Job`, and the
//! renderer.

use egui::{Align2, Color32, FontId, Pos2, Rect, Stroke, Vec2};
use runpose_core::Point;

use crate::draw::markup;
use crate::draw::overlay::{self, Shape};

pub(crate) fn rgb(c: image::Rgb<u8>) -> Color32 {
    Color32::from_rgb(c[0], c[1], c[2])
}

/// Paints an overlay scene with `to_screen` mapping image pixels to the screen; `size` scales widths and text.
pub fn paint_scene(painter: &egui::Painter, scene: &overlay::Scene, to_screen: impl Fn(Point) -> Pos2, size: f32) {
    for shape in &scene.shapes {
        match shape {
            Shape::Line { a, b, width, color } => {
                painter.line_segment([to_screen(*a), to_screen(*b)], Stroke::new(width * size, rgb(*color)));
            }
            Shape::Dot { at, radius, color, filled: true } => {
                painter.circle_filled(to_screen(*at), radius * size, rgb(*color));
            }
            Shape::Dot { at, radius, color, filled: false } => {
                painter.circle_stroke(to_screen(*at), radius * size, Stroke::new(1.5, rgb(*color)));
            }
            Shape::Label { at, text, size: s, color } => {
                let galley = painter.layout_no_wrap(text.clone(), FontId::proportional(s * size), rgb(*color));
                let top = to_screen(*at);
                let r = Rect::from_min_size(Pos2::new(top.x - galley.size().x / 2.0, top.y), galley.size()).expand(4.0);
                painter.rect_filled(r, 3.0, rgb(overlay::PANEL).gamma_multiply(0.85));
                painter.galley(r.min + Vec2::splat(4.0), galley, rgb(*color));
            }
        }
    }
}

/// Work a window hands to its own thread (opening a video, an export, finishing a recording): polled each frame,
/// or waited for.
pub struct Job<T> {
    handle: Option<std::thread::JoinHandle<anyhow::Result<T>>>,
    /// What to say if the thread panics.
    lost: String,
}

impl<T: Send + 'static> Job<T> {
    /// Starts `work` on a thread named `name`; `lost` is the error should it panic.
    pub fn spawn(
        name: &str,
        lost: String,
        work: impl FnOnce() -> anyhow::Result<T> + Send + 'static,
    ) -> std::io::Result<Self> {
        let handle = std::thread::Builder::new().name(name.into()).spawn(work)?;
        Ok(Self { handle: Some(handle), lost })
    }

    /// The result once the work has ended (`None` while it runs, and after the result was taken).
    pub fn poll(&mut self) -> Option<anyhow::Result<T>> {
        if self.handle.as_ref()?.is_finished() { self.wait() } else { None }
    }

    /// Waits for the result (`None` if it was taken already).
    pub fn wait(&mut self) -> Option<anyhow::Result<T>> {
        let handle = self.handle.take()?;
        Some(handle.join().unwrap_or_else(|_| Err(anyhow::anyhow!("{}", self.lost))))
    }
}

/// Puts `image` into `texture` unless it already holds frame `key`; says whether it did.
pub fn upload_frame<K: PartialEq>(
    ctx: &egui::Context,
    texture: &mut Option<(egui::TextureHandle, K)>,
    name: &str,
    key: K,
    image: &image::RgbImage,
) -> bool {
    if texture.as_ref().is_some_and(|(_, k)| *k == key) {
        return false;
    }
    let color = egui::ColorImage::from_rgb([image.width() as usize, image.height() as usize], image.as_raw());
    match texture {
        Some((tex, k)) => {
            tex.set(color, egui::TextureOptions::LINEAR);
            *k = key;
        }
        None => *texture = Some((ctx.load_texture(name, color, egui::TextureOptions::LINEAR), key)),
    }
    true
}

/// What a window command says where there is no display (on Linux neither `DISPLAY` nor `WAYLAND_DISPLAY` is set;
/// checked before winit tries, whose own error names its internals).
pub fn no_display(command: &str) -> anyhow::Error {
    anyhow::anyhow!(
        "runpose {command} needs a display with OpenGL or Vulkan and found none: without one, use `runpose analyze`, \
         `runpose record` or `runpose export` (or run under Xvfb)"
    )
}

/// What a window command says where a display is there but the window did not open (`why`: eframe's error, most
/// likely no OpenGL or Vulkan).
pub fn window_failed(command: &str, why: &dyn std::fmt::Display) -> anyhow::Error {
    anyhow::anyhow!(
        "runpose {command} could not open its window ({why}): it needs OpenGL or Vulkan; without a window, use \
         `runpose analyze`, `runpose record` or `runpose export`"
    )
}

/// The first file dropped on the window in this frame, if any.
pub fn dropped_file(ctx: &egui::Context) -> Option<std::path::PathBuf> {
    ctx.input(|i| i.raw.dropped_files.iter().map(|f| f.path().to_path_buf()).find(|p| !p.as_os_str().is_empty()))
}

pub use crate::session::doctor::display_present;

/// The renderer of runpose's windows: OpenGL (glow), or wgpu with RUNPOSE_RENDERER=wgpu.
pub fn renderer() -> eframe::Renderer {
    match std::env::var("RUNPOSE_RENDERER").as_deref() {
        Ok("wgpu") => eframe::Renderer::Wgpu,
        _ => eframe::Renderer::Glow,
    }
}

/// Paints a mark's strokes (`draw::markup::strokes`) in `color`, `to_screen` mapping picture pixels to the screen
/// (widths and text in screen pixels).
pub fn paint_strokes(
    painter: &egui::Painter,
    strokes: &[markup::Stroke],
    to_screen: &impl Fn(Point) -> Pos2,
    color: Color32,
) {
    for stroke in strokes {
        match stroke {
            markup::Stroke::Segment { a, b, width } => {
                painter.line_segment([to_screen(*a), to_screen(*b)], Stroke::new(*width, color));
            }
            markup::Stroke::Polyline { points, width } => {
                let pts: Vec<Pos2> = points.iter().map(|p| to_screen(*p)).collect();
                painter.add(egui::Shape::line(pts, Stroke::new(*width, color)));
            }
            markup::Stroke::Ring { center, radius, width } => {
                let c = to_screen(*center);
                let r = (to_screen(Point::new(center.x + radius, center.y)) - c).length();
                painter.circle_stroke(c, r, Stroke::new(*width, color));
            }
            markup::Stroke::Vertical { x, width } => {
                let x = to_screen(Point::new(*x, 0.0)).x;
                let clip = painter.clip_rect();
                painter
                    .line_segment([Pos2::new(x, clip.top()), Pos2::new(x, clip.bottom())], Stroke::new(*width, color));
            }
            markup::Stroke::Caption { at, offset, text, size } => {
                let at = to_screen(*at) + Vec2::new(offset[0], offset[1]);
                painter.text(at, Align2::LEFT_BOTTOM, text, FontId::proportional(*size), color);
            }
            markup::Stroke::Note { at, text, size } => {
                let galley = painter.layout_no_wrap(text.clone(), FontId::proportional(*size), color);
                let r = Rect::from_min_size(to_screen(*at), galley.size()).expand(3.0);
                painter.rect_filled(r, 3.0, Color32::from_black_alpha(170));
                painter.galley(r.min + Vec2::splat(3.0), galley, color);
            }
        }
    }
}
