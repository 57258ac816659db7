//! The runpose program's library half, so that the binary, the tests, the benchmarks and the validation study drive
//! the same code. Data flows one way, and the modules import downward only:
//! - `windows`: the live and replay windows (egui), on top;
//! - `session`: what the commands and windows run, without a window: an analysis (video → poses → `Analysis` →
//!   files), the live pipeline's threads, recording, a clip or video opened for replay, and the exports;
//! - `draw`: the overlay drawn on a frame and the coach's marks, for the window and for the exported pictures.

pub mod draw;
pub mod session;
pub mod windows;
