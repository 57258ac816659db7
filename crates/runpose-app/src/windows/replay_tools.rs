//! The replay window's markup tools and the marks' colours on screen (what `replay_markup` draws and edits with).

use egui::Color32;

use crate::draw::{markup, overlay};
use crate::session::document::Replay;

pub(crate) const MARK_COLOR: Color32 = Color32::from_rgb(markup::MARK.0[0], markup::MARK.0[1], markup::MARK.0[2]);

pub(crate) const SELECTED_COLOR: Color32 =
    Color32::from_rgb(markup::SELECTED.0[0], markup::SELECTED.0[1], markup::SELECTED.0[2]);

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
    /// Click a person on the first frame with people to follow them instead (the video analysed again).
    Follow,
}

impl Tool {
    pub const ALL: [Tool; 10] = [
        Tool::Select,
        Tool::Line,
        Tool::Angle,
        Tool::Vertical,
        Tool::Circle,
        Tool::Arrow,
        Tool::Text,
        Tool::Freehand,
        Tool::Correct,
        Tool::Follow,
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
            Tool::Follow => "Follow person",
        }
    }

    /// Clicks that make one shape.
    pub(crate) fn clicks(self) -> usize {
        match self {
            Tool::Line | Tool::Circle | Tool::Arrow => 2,
            Tool::Angle => 3,
            Tool::Vertical | Tool::Text => 1,
            Tool::Select | Tool::Freehand | Tool::Correct | Tool::Follow => 0,
        }
    }
}

/// The size of `doc`'s pictures against a 720-pixel frame, which marks are drawn for (`draw::markup::strokes`).
pub(crate) fn mark_scale(doc: &Replay) -> f32 {
    let info = doc.video.info();
    overlay::picture_scale(info.width, info.height)
}
