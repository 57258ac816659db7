//! Finding and loading the ONNX Runtime shared library, and finding the bundled models.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use ort::environment::Environment;
use ort::ep::ExecutionProvider;

use crate::VisionError;
use crate::backend::{self, Backend, Provider};

/// The ONNX Runtime release setup installs (from the PyPI wheel `onnxruntime`).
pub const ORT_VERSION: &str = "1.32.0";

/// The repository root this crate was built in (models/ and .cache/ live there).
fn source_root() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    root.canonicalize().unwrap_or(root)
}

fn exe_dir() -> Option<PathBuf> {
    std::env::current_exe().ok()?.parent().map(Path::to_path_buf)
}

/// A `libonnxruntime.so*` in `dir`, the most specific (longest, versioned) name first.
fn library_in(dir: &Path) -> Option<PathBuf> {
    let mut libs: Vec<PathBuf> = std::fs::read_dir(dir)
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with("libonnxruntime.so")))
        .collect();
    libs.sort_by_key(|p| std::cmp::Reverse(p.as_os_str().len()));
    libs.into_iter().next()
}

/// runpose's folder in the user's data folder, `$XDG_DATA_HOME/runpose` (by default `~/.local/share/runpose`):
/// `scripts/install.sh` puts the models (`models/`) and the ONNX Runtime library (`lib/`) there, where an installed
/// binary finds them away from the source tree.
pub fn data_home() -> Option<PathBuf> {
    dirs::data_dir().map(|d| d.join("runpose"))
}

/// Where the ONNX Runtime library is: `ORT_DYLIB_PATH` if set, else beside the executable (or in `lib/` beside
/// it), else in the user's data folder (`data_home()/lib`, placed by `scripts/install.sh`), else the source tree's
/// cache folder (`.cache/onnxruntime/`, filled by `scripts/setup.sh`).
pub fn find_onnxruntime() -> Result<PathBuf, VisionError> {
    if let Some(p) = std::env::var_os("ORT_DYLIB_PATH") {
        let p = PathBuf::from(p);
        return if p.is_file() { Ok(p) } else { Err(VisionError::RuntimeMissing { looked: vec![p] }) };
    }
    let dirs: Vec<PathBuf> = [
        exe_dir(),
        exe_dir().map(|d| d.join("lib")),
        data_home().map(|d| d.join("lib")),
        Some(source_root().join(".cache/onnxruntime")),
    ]
    .into_iter()
    .flatten()
    .collect();
    dirs.iter().find_map(|d| library_in(d)).ok_or(VisionError::RuntimeMissing { looked: dirs })
}

/// Whether `library` is the OpenVINO wheel's ONNX Runtime (the OpenVINO libraries lie beside it).
pub fn is_openvino_library(library: &Path) -> bool {
    let Some(dir) = library.parent() else { return false };
    std::fs::read_dir(dir).into_iter().flatten().flatten().any(|e| {
        e.file_name()
            .to_str()
            .is_some_and(|n| n.starts_with("libopenvino") || n.starts_with("libonnxruntime_providers_openvino"))
    })
}

/// The OpenVINO wheel's ONNX Runtime library where it is set up: `openvino/` beside the executable or in the
/// user's data folder (`scripts/install.sh`), else the source tree's `.cache/onnxruntime-openvino/`
/// (`scripts/setup.sh --openvino`).
pub fn find_openvino_library() -> Option<PathBuf> {
    [
        exe_dir().map(|d| d.join("openvino")),
        data_home().map(|d| d.join("openvino")),
        Some(backend::openvino_dir(&source_root())),
    ]
    .into_iter()
    .flatten()
    .find_map(|d| library_in(&d).filter(|l| is_openvino_library(l)))
}

/// The library to load for the backend asked for, and whether it is the OpenVINO one. `ORT_DYLIB_PATH` wins; else
/// OpenVINO's where asked for (or bf16 is, with auto) and set up; else the plain library (`find_onnxruntime`). Auto
/// in f32 does not take OpenVINO: the figures of docs/validation.md are the CPU provider's, and a tracked run through
/// OpenVINO drifts from the CPU's (README §Backends).
fn library_for(requested: Backend) -> Result<(PathBuf, bool), VisionError> {
    let given = std::env::var_os("ORT_DYLIB_PATH").is_some();
    // bf16 runs only on OpenVINO: asking for it with auto takes OpenVINO where it is set up.
    let wants_openvino = requested == Backend::OpenVino
        || (requested == Backend::Auto && backend::requested_precision() == backend::Precision::Bf16);
    if !given
        && wants_openvino
        && let Some(lib) = find_openvino_library()
    {
        return Ok((lib, true));
    }
    let lib = find_onnxruntime()?;
    let openvino = is_openvino_library(&lib);
    if requested == Backend::OpenVino && !openvino {
        backend::say_once(if given {
            "ORT_DYLIB_PATH names an ONNX Runtime library without OpenVINO (unset it for the OpenVINO backend): running \
             on the CPU instead"
                .into()
        } else {
            "the OpenVINO backend is not set up (run scripts/setup.sh --openvino): running on the CPU instead".into()
        });
    }
    Ok((lib, openvino))
}

/// Whether a landmark model validated in bf16 runs in it in this process (README §Precision): bf16 asked for, on a
/// CPU with it, with the OpenVINO library loaded or the one that will load.
pub fn bf16_runs() -> bool {
    if backend::requested_precision() != backend::Precision::Bf16 || !backend::cpu_has_bf16() {
        return false;
    }
    match loaded() {
        Some((_, provider)) => *provider == Provider::OpenVino,
        None => library_for(backend::requested()).is_ok_and(|(_, openvino)| openvino),
    }
}

static ENVIRONMENT: OnceLock<Result<Environment, Arc<VisionError>>> = OnceLock::new();
/// The library loaded and the provider its sessions are given (set with the environment).
static LOADED: OnceLock<(PathBuf, Provider)> = OnceLock::new();

/// The ONNX Runtime library loaded and the execution provider sessions get (`None` before the first model loads).
/// A provider that fails to register on a session falls back to the CPU (`backend::register`, said once).
pub fn loaded() -> Option<&'static (PathBuf, Provider)> {
    LOADED.get()
}

/// Whether the ONNX Runtime library loaded was built with the CUDA provider (false before it loads).
pub fn cuda_in_library() -> bool {
    loaded().is_some() && ort::ep::CUDA::is_available().unwrap_or(false)
}

/// The process's ONNX Runtime environment, loading the library on first use (once: a failure is kept and given again).
pub fn environment() -> Result<&'static Environment, VisionError> {
    let env = ENVIRONMENT.get_or_init(|| {
        let requested = backend::requested();
        let (path, openvino) = library_for(requested)?;
        tracing::info!(library = %path.display(), backend = requested.name(), "loading ONNX Runtime");
        ort::init_from(&path)
            .map_err(|source| VisionError::RuntimeLoad { path: path.clone(), source })?
            .with_name("runpose")
            .build()
            .map_err(|source| Arc::new(VisionError::RuntimeStart { path: path.clone(), source }))
            .inspect(|_| {
                let _ = LOADED.set((path.clone(), backend::provider_for(requested, openvino)));
            })
    });
    env.as_ref().map_err(|first| VisionError::RuntimeUnavailable(first.clone()))
}

/// The pose detector's model file (models/README.md): the file whose presence marks a models folder.
pub const DETECTOR_FILE: &str = "mp_pose_detection.onnx";

/// The bundled models and the sha256 of each file (models/README.md), for `runpose doctor`.
pub const MODEL_SHA256: [(&str, &str); 4] = [
    (DETECTOR_FILE, "aa4563034fbf420ba8af59fe9cf85c22be0fe04d9e9898dde4e3bf249c5eddc7"),
    ("mp_pose_landmark_lite.onnx", "29160be46b60aca55cb89d40014e7b116b2f12f8358bb2449d18449c0e1c261a"),
    ("mp_pose_landmark_full.onnx", "325a4f95f1b723521a469a6b48e2f56f1c84e2f21f827df80bac36db3e4e7720"),
    ("mp_pose_landmark_heavy.onnx", "22a8569faa830977a06dacd1f9fc67e2d050df9a5b0726a89ddcf329dfef9590"),
];

/// The folder holding the ONNX models: `RUNPOSE_MODELS` if set, else the first of `models/` beside the executable,
/// `models/` in the user's data folder (`data_home()`, placed by `scripts/install.sh`) and `models/` of the source
/// tree that holds the detector.
pub fn models_dir() -> PathBuf {
    if let Some(p) = std::env::var_os("RUNPOSE_MODELS") {
        return PathBuf::from(p);
    }
    let candidates = [
        exe_dir().map(|d| d.join("models")),
        data_home().map(|d| d.join("models")),
        Some(source_root().join("models")),
    ];
    candidates
        .iter()
        .flatten()
        .find(|d| d.join(DETECTOR_FILE).is_file())
        .cloned()
        .unwrap_or_else(|| source_root().join("models"))
}

#[cfg(test)]
mod tests {
    /// The checksums `runpose doctor` verifies are the ones models/README.md publishes.
    #[test]
    fn model_checksums_are_the_published_ones() {
        let readme = include_str!("../../../models/README.md");
        for (file, sha) in super::MODEL_SHA256 {
            assert!(
                readme.lines().any(|l| l.contains(file) && l.contains(sha)),
                "{file} {sha} not in models/README.md"
            );
        }
    }
}
