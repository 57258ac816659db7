//! runpose-vision: MediaPipe BlazePose (person detector + 33-landmark model) on ONNX Runtime. Image in, pose out.
//!
//! The pipeline follows ort's examples: preprocess (warp a region of interest into the model's input), run the
//! session, postprocess (decode tensors back to image pixels). Decoding rules: models/README.md.

pub mod backend;
pub mod blazepose;
pub mod crop;
pub mod facing;
pub mod runtime;

use std::path::PathBuf;

pub use blazepose::{ModelVariant, PoseTracker, StageTimes, TrackerOptions};
pub use crop::Roi;

#[derive(Debug, thiserror::Error)]
pub enum VisionError {
    #[error(
        "the ONNX Runtime library was not found (looked in: {}). Run scripts/setup.sh, which puts it in .cache/onnxruntime/, \
         or set ORT_DYLIB_PATH to a libonnxruntime.so file (the PyPI wheel `onnxruntime` has one in onnxruntime/capi/)",
        .looked.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
    )]
    RuntimeMissing { looked: Vec<PathBuf> },
    #[error("could not load ONNX Runtime from {path}: {source}")]
    RuntimeLoad { path: PathBuf, source: ort::LoadDynamicError },
    #[error("could not start ONNX Runtime from {path}: {source}")]
    RuntimeStart { path: PathBuf, source: ort::Error },
    /// The runtime failed to start earlier in this process (it is tried once): the first failure.
    #[error(transparent)]
    RuntimeUnavailable(std::sync::Arc<VisionError>),
    #[error(
        "model file {path} is missing: run scripts/setup.sh from a full checkout, or set RUNPOSE_MODELS to the folder holding the .onnx files"
    )]
    ModelMissing { path: PathBuf },
    #[error(
        "{path} is not the expected model ({expected}): restore it from the repository or rebuild it with models/convert.sh"
    )]
    WrongModel { path: PathBuf, expected: String },
    #[error("inference failed: {0}")]
    Inference(#[from] ort::Error),
}
