//! runpose-core: the pure, deterministic part of runpose. Skeleton types, landmark filtering, gait events,
//! Pose Method metrics and coaching cues. No I/O, no threads, no model: poses in, numbers out.
//!
//! Every metric is defined once in `docs/metrics.md`; the code names the section it implements.

pub mod analysis;
pub mod body;
pub mod cleaning;
pub mod cues;
pub mod filter;
pub mod flags;
pub mod footprint;
pub mod gait;
pub mod gaps;
pub mod live;
pub mod markup;
pub mod metrics;
pub mod phase;
pub mod plausibility;
pub mod skeleton;
pub mod stats;
pub mod summary;

pub use analysis::{Analysis, AnalysisConfig, AnalysisError, Summary, analyze};
pub use live::{LiveAnalyzer, LiveView, Rolling};
pub use skeleton::{Facing, Keypoint, Landmark, NUM_LANDMARKS, Point, Pose, PoseFrame, Side};
