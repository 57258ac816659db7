//! Body scale, running direction, the ground line, and gait events (initial contact and toe-off) per foot, one
//! concern per file: `runner` (scale, facing, near side), `ground` (the ground line), `stance` (contacts from the
//! feet's heights), `align` (events aligned to the average step), `gap_retime` (events among dropped frames re-timed from the frames seen). Definitions: docs/metrics.md §Scale and direction,
//! §Ground line, §Gait events.

pub mod align;
pub(crate) mod gap_retime;
pub mod ground;
pub mod runner;
pub mod stance;

pub use align::*;
pub(crate) use gap_retime::retime_across_gaps;
pub use ground::*;
pub use runner::*;
pub use stance::*;

#[cfg(test)]
mod tests;
