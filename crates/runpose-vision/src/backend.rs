//! Which ONNX Runtime execution provider runs the models (README §Backends): the CPU provider, OpenVINO (the PyPI
//! wheel `onnxruntime-openvino`'s library, set up by `scripts/setup.sh --openvino` into .cache/onnxruntime-openvino/)
//! or CUDA (the wheel `onnxruntime-gpu`'s library, given with `ORT_DYLIB_PATH`). Chosen once per process, before the
//! runtime loads: a backend asked for that cannot start says so in one line and the CPU provider runs instead.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use ort::ep::{self, ExecutionProvider};
use ort::session::builder::SessionBuilder;

/// A backend to ask for (`--backend`, or `RUNPOSE_BACKEND`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Backend {
    Cpu,
    OpenVino,
    Cuda,
    /// OpenVINO where its library is set up, else CUDA where the library has it and a GPU answers, else the CPU.
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
    *REQUESTED.get_or_init(|| {
        std::env::var("RUNPOSE_BACKEND")
            .ok()
            .and_then(|v| v.parse().map_err(|e| tracing::warn!("{e}")).ok())
            .unwrap_or_default()
    })
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

/// Registers `provider` on `builder` with `threads` threads. The provider actually given: the CPU one where it
/// could not be registered (said once).
pub(crate) fn register(builder: &mut SessionBuilder, provider: Provider, threads: usize) -> Provider {
    let result = match provider {
        Provider::Cpu => return Provider::Cpu,
        Provider::Cuda if CUDA_FAILED.get().is_some() => return Provider::Cpu,
        Provider::OpenVino => ep::OpenVINO::default()
            .with_device_type("CPU")
            .with_precision("FP32")
            .with_num_threads(threads)
            .register(builder),
        Provider::Cuda => ep::CUDA::default().register(builder),
    };
    match result {
        Ok(()) => provider,
        Err(e) => {
            let line = format!("the {} backend could not start ({e}): running on the CPU instead", provider.name());
            if provider == Provider::Cuda {
                let _ = CUDA_FAILED.set(line.clone());
            }
            say_once(line);
            Provider::Cpu
        }
    }
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
    }
}
