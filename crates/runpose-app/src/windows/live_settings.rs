//! What the live window is asked and remembers: the settings kept between runs (source, camera mode, model, runner
//! height, mirror, treadmill mode), `runpose live`'s options and automation, and what the window is showing.

use std::path::PathBuf;

use runpose_capture::live::{CameraMode, LiveSource};
use runpose_vision::ModelVariant;

use crate::session::live_person::LivePerson;
use crate::session::record::default_recordings_dir;

/// The camera modes offered.
pub const CAMERA_MODES: [CameraMode; 4] = [
    CameraMode { width: 640, height: 480, fps: 30 },
    CameraMode { width: 1280, height: 720, fps: 30 },
    CameraMode { width: 1280, height: 720, fps: 60 },
    CameraMode { width: 1920, height: 1080, fps: 30 },
];

/// The choices the window remembers between runs.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct Settings {
    /// The camera last used; `None` plays `video`.
    pub camera: Option<u32>,
    pub camera_mode: CameraMode,
    pub video: Option<PathBuf>,
    /// Landmark model name: lite, full or heavy, or "auto" (`live_model`).
    pub model: String,
    pub height_cm: Option<f64>,
    pub mirror: bool,
    pub treadmill: bool,
    /// Where recordings go (`None`: `record::default_recordings_dir`).
    pub recordings_dir: Option<PathBuf>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            camera: Some(0),
            camera_mode: CameraMode::default(),
            video: None,
            model: AUTO_MODEL.into(),
            height_cm: None,
            mirror: false,
            treadmill: false,
            recordings_dir: None,
        }
    }
}

impl Settings {
    /// The model the live view runs: the one chosen, else (auto) `live_model`'s for this machine.
    pub fn model(&self) -> ModelVariant {
        self.model.parse().unwrap_or_else(|_| machine_live_model())
    }

    /// Whether no model was chosen (auto).
    pub fn model_is_auto(&self) -> bool {
        self.model.parse::<ModelVariant>().is_err()
    }

    pub fn recordings_dir(&self) -> PathBuf {
        self.recordings_dir.clone().unwrap_or_else(default_recordings_dir)
    }

    pub fn source(&self) -> Option<LiveSource> {
        match (&self.camera, &self.video) {
            (Some(index), _) => Some(LiveSource::Camera { index: *index, mode: self.camera_mode }),
            (None, Some(path)) => Some(LiveSource::Video(path.clone())),
            (None, None) => None,
        }
    }
}

/// The model setting that leaves the choice to `live_model`.
pub const AUTO_MODEL: &str = "auto";

/// The live view's model when none is chosen: heavy (the best feet) where it runs in bf16 (`bf16_runs`:
/// `runtime::bf16_runs`; README §Precision: it then keeps up with 30 frames/s on two cores with AMX, 12 ms from
/// capture to drawing), else full (heavy in f32 drops frames on two cores: benches/RESULTS.md §Live pipeline).
pub fn live_model(bf16_runs: bool) -> ModelVariant {
    if bf16_runs && ModelVariant::Heavy.bf16_validated() { ModelVariant::Heavy } else { ModelVariant::Full }
}

/// `live_model` for this process (`runtime::bf16_runs`): the live view's and `record`'s model when none is chosen.
pub fn machine_live_model() -> ModelVariant {
    live_model(runpose_vision::runtime::bf16_runs())
}

/// What the window is showing.
#[derive(Debug, Clone, PartialEq)]
pub enum Status {
    /// Waiting for the first frame.
    Starting,
    Live,
    /// The source failed or there is none; one sentence saying so and what to do.
    NoSource(String),
    ModelFailed(String),
}

/// `runpose live --frames N [--screenshot PNG]`: play N frames, save a screenshot, print the latency line, close.
#[derive(Debug, Clone)]
pub struct Automation {
    pub frames: u64,
    pub screenshot: Option<PathBuf>,
    /// Record from the first frame shown until the end (`runpose live --record`).
    pub record: bool,
    /// Write the settled steps here at the end, as steps.csv (`runpose live --steps-out`).
    pub steps_out: Option<PathBuf>,
    /// Whether recording was asked for already.
    pub(crate) requested: bool,
    /// Each line the view showed on whom it follows (`LivePerson::line`, with where a chosen person was), in turn.
    pub(crate) people: Vec<String>,
}

impl Automation {
    pub fn new(frames: u64, screenshot: Option<PathBuf>, record: bool) -> Self {
        Self { frames, screenshot, record, steps_out: None, requested: false, people: Vec::new() }
    }

    /// Notes the line the view shows on whom it follows, when it changed (printed at the end).
    pub(crate) fn saw(&mut self, person: &LivePerson) {
        let at = match person {
            LivePerson::Chosen(p) => format!(", at {:.0},{:.0}", p.x, p.y),
            _ => String::new(),
        };
        let line = format!("{}{at}", person.line());
        if self.people.last() != Some(&line) {
            self.people.push(line);
        }
    }

    /// Also write the settled steps to `path` at the end.
    pub fn with_steps_out(self, path: Option<PathBuf>) -> Self {
        Self { steps_out: path, ..self }
    }
}

/// What `runpose live` was asked for; `None` fields keep the remembered choice.
#[derive(Debug, Clone, Default)]
pub struct LiveOptions {
    pub video: Option<PathBuf>,
    pub camera: Option<u32>,
    pub mode: Option<CameraMode>,
    pub model: Option<ModelVariant>,
    pub height_cm: Option<f64>,
    pub mirror: bool,
    pub treadmill: bool,
    /// Where recordings go (remembered).
    pub recordings_dir: Option<PathBuf>,
    pub automation: Option<Automation>,
}

/// The bundled demo clip: RUNPOSE_DEMO, else `demo.mp4` in the user's data folder (placed by scripts/install.sh),
/// else `assets/demo.mp4` in the working folder or the source tree.
pub fn demo_clip() -> Option<PathBuf> {
    let candidates = [
        std::env::var_os("RUNPOSE_DEMO").map(PathBuf::from),
        runpose_vision::runtime::data_home().map(|d| d.join("demo.mp4")),
        Some(PathBuf::from("assets/demo.mp4")),
        Some(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../assets/demo.mp4")),
    ];
    candidates.into_iter().flatten().find(|p| p.is_file())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_model_left_to_the_machine_is_heavy_only_where_it_runs_in_bf16() {
        assert_eq!(live_model(true), ModelVariant::Heavy);
        assert_eq!(live_model(false), ModelVariant::Full);
        let fresh = Settings::default();
        assert!(fresh.model_is_auto());
        assert_eq!(fresh.model(), live_model(runpose_vision::runtime::bf16_runs()));
        assert_eq!(fresh.model(), machine_live_model());
        let chosen = Settings { model: "lite".into(), ..Settings::default() };
        assert!(!chosen.model_is_auto());
        assert_eq!(chosen.model(), ModelVariant::Lite);
        // Settings saved before there was an auto keep the model they name.
        let saved: Settings = serde_json::from_str(r#"{"model": "full", "camera": null}"#).unwrap();
        assert_eq!((saved.model(), saved.camera), (ModelVariant::Full, None));
    }
}
