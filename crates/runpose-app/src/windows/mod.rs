//! The windows, each with its `logic` apart from its `ui` so tests drive them with egui_kittest:
//! - `live_window` (and its `live_panels`): the live coaching view;
//! - `replay_window`: replay, compare and markup of a clip;
//! - `common`: painting a scene, textures, background jobs, the renderer;
//! - `files`: the file dialog and the recent list's menu.

pub mod common;
pub mod files;
pub mod live_controls;
pub mod live_panels;
pub mod live_recording;
pub mod live_settings;
pub mod live_window;
pub mod replay_jobs;
pub mod replay_markup;
pub mod replay_panels;
pub mod replay_tools;
pub mod replay_window;
