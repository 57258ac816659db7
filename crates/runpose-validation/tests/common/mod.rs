//! Where the study's tests find the test data (`runpose_testdata`: tests/data, or RUNPOSE_DATA).

#![allow(unused_imports)] // each test file uses what it needs

pub use runpose_testdata::{data_dir, treadmill_clip};
