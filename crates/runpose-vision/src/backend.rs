//! Which ONNX Runtime execution provider runs the models (README §Backends): the CPU provider, OpenVINO (the PyPI
//! wheel `onnxruntime-openvino`'s library, set up by `scripts/setup.sh --openvino` into .cache/onnxruntime-openvino/)
//! or CUDA (the wheel `onnxruntime-gpu`'s library, given with `ORT_DYLIB_PATH`). Chosen once per process, before the
//! runtime loads: a backend asked for that cannot start says so in one line and the CPU provider runs instead.
//! The landmark model's precision (README §Precision) is chosen the same way: bf16 runs only on OpenVINO on a CPU
//! that computes in bf16, and one that cannot says so and runs in f32.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use ort::ep::{self, ArbitrarilyConfigurableExecutionProvider, ExecutionProvider};
use ort::session::builder::SessionBuilder;

/// A backend to ask for (`--backend`, or `RUNPOSE_BACKEND`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Backend {
    Cpu,
    OpenVino,
    Cuda,
    /// CUDA where the library has it and a GPU answers, else the CPU; OpenVINO where it is set up and bf16 is asked
    /// for (README §Backends).
    #[default]
    Auto,
}

impl Backend {
    pub const NAMES: [&'static str; 4] = ["cpu", "openvino", "cuda", "auto"];

    pub fn name(self) -> &'static str {
        match self {
            Self::Cpu => "cpu",
            Self::OpenVino => "openvino",
            Self::Cuda => "cuda",
            Self::Auto => "auto",
        }
    }
}

impl std::str::FromStr for Backend {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "cpu" => Ok(Self::Cpu),
            "openvino" => Ok(Self::OpenVino),
            "cuda" => Ok(Self::Cuda),
            "auto" => Ok(Self::Auto),
            other => Err(format!("unknown backend {other:?}: use one of {}", Self::NAMES.join(", "))),
        }
    }
}

/// The number format the landmark model computes in (`--precision`, or `RUNPOSE_PRECISION`). The detector always
/// runs in f32 (it runs once a run, and its box places every region after it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Precision {
    /// 32-bit floats: the validated one (docs/validation.md), the same on every backend within 0.03 px.
    #[default]
    F32,
    /// bfloat16 (8 bits of mantissa) on OpenVINO, on CPUs with AVX-512 BF16 or AMX: about twice as fast with AMX,
    /// landmarks a few pixels from f32's frame by frame (README §Precision).
    Bf16,
}

impl Precision {
    pub const NAMES: [&'static str; 2] = ["f32", "bf16"];

    pub fn name(self) -> &'static str {
        match self {
            Self::F32 => "f32",
            Self::Bf16 => "bf16",
        }
    }
}

impl std::str::FromStr for Precision {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "f32" | "fp32" => Ok(Self::F32),
            "bf16" => Ok(Self::Bf16),
            other => Err(format!("unknown precision {other:?}: use one of {}", Self::NAMES.join(", "))),
        }
    }
}

static PRECISION: OnceLock<Precision> = OnceLock::new();

/// Asks for the landmark model's `precision` for this process (before the first model loads). False when one was
/// already fixed.
pub fn request_precision(precision: Precision) -> bool {
    PRECISION.set(precision).is_ok()
}

/// The landmark precision asked for: `request_precision`'s, else `RUNPOSE_PRECISION`, else f32.
pub fn requested_precision() -> Precision {
    *PRECISION.get_or_init(|| from_env("RUNPOSE_PRECISION"))
}

/// The environment variable `var` parsed, else the default (a value that does not parse is warned about).
fn from_env<T: std::str::FromStr<Err = String> + Default>(var: &str) -> T {
    std::env::var(var).ok().and_then(|v| v.parse().map_err(|e| tracing::warn!("{var}: {e}")).ok()).unwrap_or_default()
}

/// Whether this CPU computes in bfloat16 (AVX-512 BF16; CPUs with AMX have it too).
pub fn cpu_has_bf16() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx512bf16")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// The precision a session of `model` on `provider` runs in when `requested`: bf16 only for a model validated in it
/// (`bf16_validated`: `ModelVariant::bf16_validated`), on OpenVINO, on a CPU with bf16; otherwise f32, said once.
pub fn precision_on(provider: Provider, requested: Precision, model: &str, bf16_validated: bool) -> Precision {
    let why_not = match requested {
        Precision::F32 => return Precision::F32,
        Precision::Bf16 if !bf16_validated => format!(
            "bf16 precision is validated for the heavy model only (docs/validation.md): the {model} model runs in f32"
        ),
        Precision::Bf16 if provider != Provider::OpenVino => format!(
            "bf16 precision runs only on the OpenVINO backend (scripts/setup.sh --openvino), not on {}: running in f32",
            provider.name()
        ),
        Precision::Bf16 if !cpu_has_bf16() => {
            "bf16 precision needs a CPU with AVX-512 BF16 or AMX, which this one lacks: running in f32".to_string()
        }
        Precision::Bf16 => return Precision::Bf16,
    };
    say_once(why_not);
    Precision::F32
}

/// The precision of the landmark model loaded last (a run loads one model).
static LANDMARK_PRECISION: Mutex<Option<Precision>> = Mutex::new(None);

/// The precision the landmark model loaded last runs in (`None` before one loads), for `runpose doctor`, the
/// benches and summary.json.
pub fn landmark_precision() -> Option<Precision> {
    LANDMARK_PRECISION.lock().ok().and_then(|p| *p)
}

/// The execution provider sessions are given (the CPU provider always backs it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provider {
    Cpu,
    OpenVino,
    Cuda,
}

impl Provider {
    pub fn name(self) -> &'static str {
        match self {
            Self::Cpu => "CPU",
            Self::OpenVino => "OpenVINO",
            Self::Cuda => "CUDA",
        }
    }
}

static REQUESTED: OnceLock<Backend> = OnceLock::new();

/// Asks for `backend` for this process (before the first model loads; later calls change nothing). False when a
/// backend was already fixed.
pub fn request(backend: Backend) -> bool {
    REQUESTED.set(backend).is_ok()
}

/// The backend asked for: `request`'s, else `RUNPOSE_BACKEND`, else auto.
pub fn requested() -> Backend {
    *REQUESTED.get_or_init(|| from_env("RUNPOSE_BACKEND"))
}

/// The folder `scripts/setup.sh --openvino` unpacks the OpenVINO wheel's runtime into, under `root`.
pub fn openvino_dir(root: &Path) -> PathBuf {
    root.join(".cache/onnxruntime-openvino")
}

/// Lines said once each (a backend that could not start), and whether CUDA failed (not tried again).
static SAID: Mutex<Vec<String>> = Mutex::new(Vec::new());
static CUDA_FAILED: OnceLock<String> = OnceLock::new();

/// Says `line` once per process on stderr (a backend that cannot start: the one clear line), and keeps it for
/// `notes`.
pub(crate) fn say_once(line: String) {
    if let Ok(mut said) = SAID.lock()
        && !said.contains(&line)
    {
        eprintln!("{line}");
        said.push(line);
    }
}

/// What was said about backends so far (for `runpose doctor`).
pub fn notes() -> Vec<String> {
    SAID.lock().map(|s| s.clone()).unwrap_or_default()
}

/// The provider for sessions of a runtime loaded from the OpenVINO library (`openvino`) or another one.
pub(crate) fn provider_for(requested: Backend, openvino: bool) -> Provider {
    match requested {
        _ if openvino => Provider::OpenVino,
        Backend::Cuda => Provider::Cuda,
        Backend::Auto if CUDA_FAILED.get().is_none() && ep::CUDA::is_available().unwrap_or(false) => Provider::Cuda,
        _ => Provider::Cpu,
    }
}

/// The session a model runs in: the detector, or the landmark model (which takes the precision asked for).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    Detector,
    /// The landmark model, by name, and whether bf16 is validated for it.
    Landmarks {
        model: &'static str,
        bf16_validated: bool,
    },
}

/// Registers `provider` on `builder` with `threads` threads, for a session of `role`. The provider actually given:
/// the CPU one where it could not be registered (said once).
pub(crate) fn register(builder: &mut SessionBuilder, provider: Provider, threads: usize, role: Role) -> Provider {
    let precision = match role {
        Role::Detector => Precision::F32,
        Role::Landmarks { model, bf16_validated } => {
            precision_on(provider, requested_precision(), model, bf16_validated)
        }
    };
    let result = match provider {
        Provider::Cpu => Ok(()),
        Provider::Cuda if CUDA_FAILED.get().is_some() => Err(None),
        Provider::OpenVino => {
            // Threads not pinned to cores: OpenVINO pins by default, and sessions side by side (`analyze --chunks`)
            // were then pinned to the same cores, each call three times slower than alone.
            let openvino = ep::OpenVINO::default().with_device_type("CPU").with_num_threads(threads);
            match precision {
                Precision::F32 => openvino
                    .with_precision("FP32")
                    .with_arbitrary_config("load_config", r#"{"CPU": {"ENABLE_CPU_PINNING": "NO"}}"#),
                Precision::Bf16 => openvino.with_arbitrary_config(
                    "load_config",
                    r#"{"CPU": {"ENABLE_CPU_PINNING": "NO", "INFERENCE_PRECISION_HINT": "bf16"}}"#,
                ),
            }
            .register(builder)
            .map_err(Some)
        }
        Provider::Cuda => ep::CUDA::default().register(builder).map_err(Some),
    };
    let given = match result {
        Ok(()) => provider,
        Err(None) => Provider::Cpu,
        Err(Some(e)) => {
            let line = format!("the {} backend could not start ({e}): running on the CPU instead", provider.name());
            if provider == Provider::Cuda {
                let _ = CUDA_FAILED.set(line.clone());
            }
            say_once(line);
            Provider::Cpu
        }
    };
    if matches!(role, Role::Landmarks { .. })
        && let Ok(mut last) = LANDMARK_PRECISION.lock()
    {
        *last = Some(if given == Provider::OpenVino { precision } else { Precision::F32 });
    }
    given
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backends_parse_by_name_and_say_what_is_known() {
        for name in Backend::NAMES {
            assert_eq!(name.parse::<Backend>().map(Backend::name), Ok(name));
        }
        assert_eq!("OpenVINO".parse::<Backend>(), Ok(Backend::OpenVino));
        let e = "tpu".parse::<Backend>().unwrap_err();
        assert!(e.contains("cpu, openvino, cuda, auto"), "{e}");
        for name in Precision::NAMES {
            assert_eq!(name.parse::<Precision>().map(Precision::name), Ok(name));
        }
        assert_eq!("FP32".parse::<Precision>(), Ok(Precision::F32));
        let e = "int8".parse::<Precision>().unwrap_err();
        assert!(e.contains("f32, bf16"), "{e}");
    }

    #[test]
    fn bf16_runs_only_for_the_heavy_model_on_openvino_on_a_cpu_with_bf16() {
        assert_eq!(precision_on(Provider::Cpu, Precision::Bf16, "heavy", true), Precision::F32);
        assert_eq!(precision_on(Provider::Cuda, Precision::Bf16, "heavy", true), Precision::F32);
        assert!(notes().iter().any(|n| n.starts_with("bf16 precision runs only on the OpenVINO backend")));
        assert_eq!(precision_on(Provider::OpenVino, Precision::Bf16, "lite", false), Precision::F32);
        assert!(notes().iter().any(|n| n.ends_with("the lite model runs in f32")));
        let expected = if cpu_has_bf16() { Precision::Bf16 } else { Precision::F32 };
        assert_eq!(precision_on(Provider::OpenVino, Precision::Bf16, "heavy", true), expected);
        for p in [Provider::Cpu, Provider::OpenVino, Provider::Cuda] {
            assert_eq!(precision_on(p, Precision::F32, "heavy", true), Precision::F32);
        }
    }
}
