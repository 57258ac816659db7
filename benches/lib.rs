//! Shared helpers of the runpose benchmarks (the benchmarks themselves are in `benches/`).

/// The real treadmill clip of the test data (tests/data, or `RUNPOSE_DATA`).
pub use runpose_testdata::treadmill_clip;
