//! Shared helpers of the runpose benchmarks (the benchmarks themselves are in `benches/`).

use std::path::PathBuf;

/// The real treadmill clip of the shared test data (`RUNPOSE_DATA`, default ../shared/data).
pub fn treadmill_clip() -> PathBuf {
    std::env::var_os("RUNPOSE_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/data"))
        .join("running/treadmill_side_male.mp4")
}
