//! What the commands and the windows run, without a window (docs in each module):
//! - `estimate`: what is asked, the pose tracker, a video's poses, marker files;
//! - `output`: frames.csv, steps.csv, summary.json, the TRC;
//! - `analyze`: `runpose analyze` (estimate → analysis → output);
//! - `chunked`: a video's poses in parts analysed side by side;
//! - `live`: the live pipeline's capture and inference threads;
//! - `record`: recording a clip, finishing and opening one;
//! - `document`: a clip or video opened for replay, with its pose cache and markup;
//! - `export`: a frame, a storyboard or the whole clip drawn with overlay and markup;
//! - `doctor`: `runpose doctor`, what this machine has and lacks;
//! - `person`: whom to follow when several people are in view;
//! - `live_person`: the same choice made online by the live pipeline;
//! - `recent`: the clips and videos opened lately.

pub mod analyze;
pub mod chunked;
pub mod doctor;
pub mod document;
pub mod estimate;
pub mod export;
pub mod live;
pub mod live_person;
pub mod output;
pub mod person;
pub mod recent;
pub mod record;
