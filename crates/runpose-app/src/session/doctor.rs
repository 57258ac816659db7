//! `runpose doctor`: what runpose found on this machine and what is missing, in plain words, with the command that
//! fixes each missing thing. The ONNX Runtime library and the models are needed (without them nothing is measured);
//! cameras, a display, audio output and disk space are reported for what they allow.

use std::path::{Path, PathBuf};

use runpose_vision::runtime;
use sha2::{Digest, Sha256};

/// A recordings folder with less free space than this (2 GiB) is reported as short.
pub const LOW_DISK_BYTES: u64 = 2 << 30;

/// One thing looked for.
#[derive(Debug, Clone, PartialEq)]
pub struct Check {
    /// What was looked for ("ONNX Runtime", "model mp_pose_landmark_full.onnx", "display", ...).
    pub what: String,
    /// What was found, in words.
    pub found: String,
    pub ok: bool,
    /// Whether runpose cannot measure without it (then a failed check makes `doctor` exit non-zero).
    pub needed: bool,
    /// The command or step that fixes it, when it is not ok.
    pub fix: Option<String>,
}

/// Whether a display is there to open a window on: on Linux `DISPLAY` or `WAYLAND_DISPLAY` is set (assumed
/// elsewhere).
pub fn display_present() -> bool {
    !cfg!(target_os = "linux")
        || ["DISPLAY", "WAYLAND_DISPLAY"].iter().any(|v| std::env::var_os(v).is_some_and(|s| !s.is_empty()))
}

/// Everything `doctor` looks at; `recordings` is the folder recordings go to.
pub fn checks(recordings: &Path) -> Vec<Check> {
    let mut out = vec![onnx_runtime(), backend()];
    out.extend(models(&runtime::models_dir()));
    out.push(cameras());
    out.push(display());
    out.push(audio());
    out.push(disk(recordings));
    out
}

/// The report `doctor` prints: one line a check, then the fixes.
pub fn report(checks: &[Check]) -> String {
    let mut text = String::new();
    for c in checks {
        let mark = if c.ok {
            "ok     "
        } else if c.needed {
            "MISSING"
        } else {
            "note   "
        };
        text.push_str(&format!("{mark} {}: {}\n", c.what, c.found));
    }
    let fixes: Vec<&Check> = checks.iter().filter(|c| !c.ok && c.fix.is_some()).collect();
    if !fixes.is_empty() {
        text.push_str("\nTo fix:\n");
        for c in fixes {
            text.push_str(&format!("- {}: {}\n", c.what, c.fix.as_deref().unwrap_or_default()));
        }
    }
    let missing = checks.iter().filter(|c| c.needed && !c.ok).count();
    text.push_str(&if missing == 0 {
        "\nEverything runpose needs is here.\n".to_string()
    } else {
        format!("\n{missing} thing(s) runpose needs are missing: it cannot measure until they are fixed.\n")
    });
    text
}

/// Whether every needed check passed.
pub fn all_needed_ok(checks: &[Check]) -> bool {
    checks.iter().all(|c| c.ok || !c.needed)
}

fn onnx_runtime() -> Check {
    let what = "ONNX Runtime".to_string();
    let fix = Some(format!(
        "run scripts/setup.sh in the source tree, or set ORT_DYLIB_PATH to a libonnxruntime.so {}",
        runtime::ORT_VERSION
    ));
    match runtime::find_onnxruntime() {
        Err(e) => Check { what, found: e.to_string(), ok: false, needed: true, fix },
        Ok(path) => {
            let version = library_version(&path).unwrap_or_else(|| "of unknown version".into());
            match runtime::environment() {
                Ok(_) => Check {
                    what,
                    found: match runtime::loaded() {
                        Some((lib, _)) if *lib != path => format!(
                            "{version} at {}; the backend's {} at {} loads",
                            path.display(),
                            library_version(lib).unwrap_or_else(|| "library".into()),
                            lib.display()
                        ),
                        _ => format!("{version} at {}, loads", path.display()),
                    },
                    ok: true,
                    needed: true,
                    fix: None,
                },
                Err(e) => Check {
                    what,
                    found: format!("{version} at {} does not load: {e}", path.display()),
                    ok: false,
                    needed: true,
                    fix,
                },
            }
        }
    }
}

/// The backend asked for and the one in use (the execution provider models run on), and which ones are here.
fn backend() -> Check {
    use runpose_vision::backend::{Backend, Provider};
    let requested = runpose_vision::backend::requested();
    let in_use = runtime::loaded().map(|(_, p)| *p);
    let openvino = runtime::find_openvino_library();
    let cuda = in_use.is_some() && runtime::cuda_in_library();
    let available = format!(
        "available: CPU; OpenVINO {}; CUDA {}",
        openvino.as_ref().map_or_else(|| "not set up".to_string(), |p| format!("at {}", p.display())),
        if cuda { "in the library loaded" } else { "not in the library loaded" }
    );
    let asked_precision = runpose_vision::backend::requested_precision();
    let found = match in_use {
        Some(p) => format!(
            "{} in use (asked: {}), the heavy model in {} (asked: {}); {available}",
            p.name(),
            requested.name(),
            runpose_vision::backend::landmark_precision()
                .unwrap_or_else(|| {
                    let heavy = runpose_vision::ModelVariant::Heavy;
                    runpose_vision::backend::precision_on(p, asked_precision, heavy.name(), heavy.bf16_validated())
                })
                .name(),
            asked_precision.name()
        ),
        None => format!("none (ONNX Runtime did not load); {available}"),
    };
    let short = match requested {
        Backend::OpenVino => in_use != Some(Provider::OpenVino),
        Backend::Cuda => in_use != Some(Provider::Cuda),
        Backend::Cpu | Backend::Auto => false,
    };
    let fix = short.then(|| match requested {
        Backend::OpenVino if std::env::var_os("ORT_DYLIB_PATH").is_some() => {
            "unset ORT_DYLIB_PATH (it names another ONNX Runtime library)".to_string()
        }
        Backend::OpenVino => "run scripts/setup.sh --openvino".to_string(),
        _ => "install the PyPI wheel onnxruntime-gpu and set ORT_DYLIB_PATH to its onnxruntime/capi/libonnxruntime.so*"
            .to_string(),
    });
    Check { what: "backend".into(), found, ok: !short, needed: false, fix }
}

/// The version in a library's file name (`libonnxruntime.so.1.32.0` → "1.32.0").
fn library_version(path: &Path) -> Option<String> {
    let name = path.file_name()?.to_str()?;
    let v = name.strip_prefix("libonnxruntime.so.")?;
    (!v.is_empty()).then(|| v.to_string())
}

fn models(dir: &Path) -> Vec<Check> {
    runtime::MODEL_SHA256
        .iter()
        .map(|(file, expected)| {
            let path = dir.join(file);
            let what = format!("model {file}");
            let fix = Some(format!(
                "restore it from the repository (git checkout -- models/{file}) or set RUNPOSE_MODELS to a folder holding the models (models/README.md)"
            ));
            match std::fs::read(&path) {
                Err(e) => Check { what, found: format!("{} cannot be read: {e}", path.display()), ok: false, needed: true, fix },
                Ok(bytes) => {
                    let hex: String = Sha256::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect();
                    let ok = hex == *expected;
                    let found = if ok {
                        format!("{}, checksum verified", path.display())
                    } else {
                        format!("{} has the wrong checksum (sha256 {hex}, expected {expected})", path.display())
                    };
                    Check { what, found, ok, needed: true, fix: (!ok).then_some(fix).flatten() }
                }
            }
        })
        .collect()
}

fn cameras() -> Check {
    let what = "cameras".to_string();
    match runpose_capture::live::list_cameras() {
        Ok(list) if !list.is_empty() => Check {
            what,
            found: list.iter().map(|c| format!("{} ({})", c.name, c.index)).collect::<Vec<_>>().join(", "),
            ok: true,
            needed: false,
            fix: None,
        },
        Ok(_) => Check {
            what,
            found: "none found (the live view plays the bundled demo; analyze, replay and export work on videos)"
                .into(),
            ok: false,
            needed: false,
            fix: Some("plug in a USB camera, or check that your user may open /dev/video* (the video group)".into()),
        },
        Err(e) => Check { what, found: format!("cannot be listed: {e}"), ok: false, needed: false, fix: None },
    }
}

fn display() -> Check {
    let ok = display_present();
    Check {
        what: "display".into(),
        found: if ok {
            "present (live and replay windows can open)".into()
        } else {
            "none (DISPLAY and WAYLAND_DISPLAY unset): use analyze, record or export".into()
        },
        ok,
        needed: false,
        fix: (!ok).then(|| "run on a desktop session, or under Xvfb: xvfb-run -a runpose live".into()),
    }
}

fn audio() -> Check {
    // A playback device (ALSA's pcmC*D*p) or a sound server's socket.
    let alsa = std::fs::read_dir("/dev/snd")
        .map(|d| d.flatten().any(|e| e.file_name().to_string_lossy().ends_with('p')))
        .unwrap_or(false);
    let runtime_dir = std::env::var_os("XDG_RUNTIME_DIR").map(PathBuf::from);
    let server = runtime_dir.is_some_and(|d| d.join("pulse/native").exists() || d.join("pipewire-0").exists());
    let ok = alsa || server;
    Check {
        what: "audio output".into(),
        found: match (alsa, server) {
            (_, true) => "a sound server (PulseAudio or PipeWire)".into(),
            (true, false) => "an ALSA playback device".into(),
            _ => "none found (runpose does not speak cues yet; nothing is lost)".into(),
        },
        ok,
        needed: false,
        fix: None,
    }
}

fn disk(recordings: &Path) -> Check {
    let what = format!("disk space for recordings ({})", recordings.display());
    // The folder may not exist yet: the nearest folder above it that does.
    let existing = recordings.ancestors().find(|p| p.is_dir()).unwrap_or(Path::new("."));
    match fs4::available_space(existing) {
        Ok(bytes) => {
            let ok = bytes >= LOW_DISK_BYTES;
            Check {
                what,
                found: format!("{:.1} GB free", bytes as f64 / 1e9),
                ok,
                needed: false,
                fix: (!ok).then(|| "free some space, or record elsewhere: runpose live --recordings DIR".into()),
            }
        }
        Err(e) => Check { what, found: format!("cannot be measured: {e}"), ok: false, needed: false, fix: None },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_library_name_gives_its_version() {
        assert_eq!(library_version(Path::new("/x/libonnxruntime.so.1.32.0")).as_deref(), Some("1.32.0"));
        assert_eq!(library_version(Path::new("/x/libonnxruntime.so")), None);
    }

    /// A models folder of damaged files: every model is missing with the fix, and the report says runpose cannot
    /// measure.
    #[test]
    fn damaged_models_are_missing_with_their_fix() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        for (file, _) in runtime::MODEL_SHA256.iter().skip(1) {
            std::fs::write(dir.path().join(file), b"not a model").unwrap_or_else(|e| panic!("{e}"));
        }
        let found = models(dir.path());
        assert_eq!(found.len(), 4);
        assert!(
            found.iter().all(|c| !c.ok && c.needed && c.fix.as_deref().is_some_and(|f| f.contains("RUNPOSE_MODELS")))
        );
        assert!(found[0].found.contains("cannot be read"), "{}", found[0].found);
        assert!(found[1].found.contains("wrong checksum"), "{}", found[1].found);
        assert!(!all_needed_ok(&found));
        assert!(report(&found).contains("cannot measure"));
    }
}
