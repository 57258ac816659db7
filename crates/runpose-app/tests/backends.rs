//! ONNX Runtime backends (README §Backends): one that cannot start says so in one line and the CPU provider gives
//! the very same landmarks; OpenVINO's landmarks, where it is set up (`scripts/setup.sh --openvino`), agree with the
//! CPU provider's within half a pixel on the treadmill clip, each frame on its own (`runpose landmarks`).

// A test (or bench) fails loudly: unwrap and expect are its asserts (clippy.toml allows them in #[test] items).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::{Command, Output};

mod common;

/// `runpose landmarks` of the treadmill clip's first 40 frames with `backend` (full model).
fn landmarks(backend: &str, out: &Path) -> (Output, Vec<Vec<f64>>) {
    let o = Command::new(env!("CARGO_BIN_EXE_runpose"))
        .args(["landmarks", common::treadmill_clip().to_str().unwrap(), "--frames", "40", "--backend", backend])
        .arg("--out")
        .arg(out)
        .env_remove("RUNPOSE_BACKEND")
        .output()
        .unwrap();
    assert!(o.status.success(), "{backend}: {}", String::from_utf8_lossy(&o.stderr));
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_path(out).unwrap();
    let rows =
        reader.records().map(|r| r.unwrap().iter().skip(1).map(|v| v.parse::<f64>().unwrap()).collect()).collect();
    (o, rows)
}

#[test]
fn a_backend_that_cannot_start_says_so_and_the_cpu_runs() {
    let dir = tempfile::tempdir().unwrap();
    let (_, cpu) = landmarks("cpu", &dir.path().join("cpu.csv"));
    assert_eq!(cpu.len(), 40);
    assert!(cpu.iter().all(|r| r.len() == 66), "the runner found in every frame");
    // This machine's library has no CUDA (the CPU wheel's): one line, then the CPU provider, to the last digit.
    if !runpose_vision::runtime::find_onnxruntime().is_ok_and(|l| l.to_string_lossy().contains("gpu")) {
        let (o, cuda) = landmarks("cuda", &dir.path().join("cuda.csv"));
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(stderr.matches("the CUDA backend could not start").count(), 1, "{stderr}");
        assert!(stderr.contains("running on the CPU instead"), "{stderr}");
        assert_eq!(cuda, cpu);
    }
    if runpose_vision::runtime::find_openvino_library().is_none() {
        let (o, openvino) = landmarks("openvino", &dir.path().join("openvino.csv"));
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert!(stderr.contains("the OpenVINO backend is not set up (run scripts/setup.sh --openvino)"), "{stderr}");
        assert_eq!(openvino, cpu);
    }
}

#[test]
fn openvino_landmarks_agree_with_the_cpu_providers_within_half_a_pixel() {
    if runpose_vision::runtime::find_openvino_library().is_none() {
        eprintln!("OpenVINO is not set up here (scripts/setup.sh --openvino): nothing to compare");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (_, cpu) = landmarks("cpu", &dir.path().join("cpu.csv"));
    let (o, openvino) = landmarks("openvino", &dir.path().join("openvino.csv"));
    assert!(o.stderr.is_empty(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(cpu.len(), openvino.len());
    let mut worst = 0.0f64;
    for (k, (a, b)) in cpu.iter().zip(&openvino).enumerate() {
        assert_eq!(a.len(), b.len(), "frame {k}: someone found by one backend only");
        worst = a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(worst, f64::max);
    }
    eprintln!("OpenVINO against the CPU provider: at most {worst:.4} px apart");
    assert!(worst <= 0.5, "landmarks {worst:.3} px apart");
}
