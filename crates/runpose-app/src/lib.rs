//! The runpose program's library half: the `analyze` pipeline, its output files and the overlay, so that the
//! benchmarks and tests drive exactly what the binary runs.

pub mod analyze;
pub mod export;
pub mod gui;
pub mod live;
pub mod output;
pub mod overlay;
pub mod record;
pub mod replay;
