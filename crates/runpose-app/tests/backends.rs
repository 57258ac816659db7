//! ONNX Runtime backends (README §Backends): one that cannot start says so in one line and the CPU provider gives
//! the very same landmarks; OpenVINO's landmarks, where it is set up (`scripts/setup.sh --openvino`), agree with the
//! CPU provider's within half a pixel on the treadmill clip, each frame on its own (`runpose landmarks`). The heavy
//! model in bf16 (README §Precision) does not: how far it lies from f32 is measured and held.

// A test (or bench) fails loudly: unwrap and expect are its asserts (clippy.toml allows them in #[test] items).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::{Command, Output};

mod common;

/// `runpose landmarks` of the treadmill clip's first 40 frames with `backend` (full model).
fn landmarks(backend: &str, out: &Path) -> (Output, Vec<Vec<f64>>) {
    landmarks_with(backend, &[], out)
}

/// `landmarks` with more arguments (`--model`, `--precision`).
fn landmarks_with(backend: &str, more: &[&str], out: &Path) -> (Output, Vec<Vec<f64>>) {
    let o = Command::new(env!("CARGO_BIN_EXE_runpose"))
        .args(["landmarks", common::treadmill_clip().to_str().unwrap(), "--frames", "40", "--backend", backend])
        .args(more)
        .arg("--out")
        .arg(out)
        .env_remove("RUNPOSE_BACKEND")
        .env_remove("RUNPOSE_PRECISION")
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
    // bf16 where it cannot run (not on OpenVINO, or a model it is not validated for): one line, then f32's numbers.
    let (o, bf16) = landmarks_with("cpu", &["--precision", "bf16"], &dir.path().join("bf16.csv"));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("bf16 precision is validated for the heavy model only"), "{stderr}");
    assert_eq!(bf16, cpu);
    let (_, heavy) = landmarks_with("cpu", &["--model", "heavy"], &dir.path().join("heavy.csv"));
    let (o, heavy_bf16) =
        landmarks_with("cpu", &["--model", "heavy", "--precision", "bf16"], &dir.path().join("heavy-bf16.csv"));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("bf16 precision runs only on the OpenVINO backend"), "{stderr}");
    assert!(stderr.contains("running in f32"), "{stderr}");
    assert_eq!(heavy_bf16, heavy);
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

/// Each landmark's distance between two runs, px, over every frame.
fn distances(a: &[Vec<f64>], b: &[Vec<f64>]) -> Vec<f64> {
    assert_eq!(a.len(), b.len());
    let mut d = Vec::new();
    for (k, (x, y)) in a.iter().zip(b).enumerate() {
        assert_eq!(x.len(), y.len(), "frame {k}: someone found by one precision only");
        d.extend(x.chunks(2).zip(y.chunks(2)).map(|(p, q)| (p[0] - q[0]).hypot(p[1] - q[1])));
    }
    d.sort_by(f64::total_cmp);
    d
}

#[test]
fn heavy_bf16_landmarks_lie_a_pixel_or_two_from_f32s() {
    if runpose_vision::runtime::find_openvino_library().is_none() || !runpose_vision::backend::cpu_has_bf16() {
        eprintln!("OpenVINO is not set up here or the CPU has no bf16: nothing to compare");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let heavy = ["--model", "heavy"];
    let (_, cpu) = landmarks_with("cpu", &heavy, &dir.path().join("cpu.csv"));
    let (o, bf16) =
        landmarks_with("openvino", &[&heavy[..], &["--precision", "bf16"]].concat(), &dir.path().join("bf16.csv"));
    assert!(o.stderr.is_empty(), "{}", String::from_utf8_lossy(&o.stderr));
    let d = distances(&cpu, &bf16);
    let at = |q: f64| d[((d.len() - 1) as f64 * q).round() as usize];
    eprintln!("heavy, bf16 against f32: median {:.2} px, p95 {:.2} px, largest {:.1} px", at(0.5), at(0.95), at(1.0));
    // Measured 2026-12-06: median 1.4 px, p95 9.8 px (the far limbs, partly hidden, move most). Not the half pixel
    // of an f32 backend: bf16 is a precision of its own, validated against the hand annotation (tests/bf16.rs).
    assert!(at(0.5) > 0.5, "bf16 in effect: the landmarks move");
    assert!(at(0.5) <= 3.0 && at(0.95) <= 15.0, "bf16 moved the landmarks more than it did when validated");
}
