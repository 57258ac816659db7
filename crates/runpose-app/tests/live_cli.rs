//! `runpose live` end to end in a real window under Xvfb (installed by scripts/setup.sh): the treadmill clip played
//! as a camera through the model to the screen, a screenshot of the window and the latency line; and a source that
//! fails, which ends an automated run with one clear sentence instead of a panic.

use std::process::{Command, Output};

mod common;
use common::treadmill_clip as clip;

/// Runs `runpose live ARGS` in a virtual X display.
fn live(args: &[&str]) -> Output {
    Command::new("xvfb-run")
        .args(["-a", "-s", "-screen 0 1400x900x24", env!("CARGO_BIN_EXE_runpose"), "live"])
        .args(args)
        .env("XDG_RUNTIME_DIR", std::env::temp_dir())
        .output()
        .expect("xvfb-run is installed (scripts/setup.sh)")
}

fn text(o: &Output) -> (String, String) {
    (String::from_utf8_lossy(&o.stdout).into_owned(), String::from_utf8_lossy(&o.stderr).into_owned())
}

fn field(line: &str, key: &str) -> f64 {
    let rest = line.split(&format!("{key}=")).nth(1).unwrap_or_else(|| panic!("no {key} in {line}"));
    rest.split_whitespace().next().unwrap().parse().unwrap_or_else(|_| panic!("{key} is not a number in {line}"))
}

#[test]
fn the_live_view_plays_frames_saves_a_screenshot_and_prints_latency() {
    let dir = tempfile::tempdir().unwrap();
    let shot = dir.path().join("live.png");
    let o = live(&["--video", clip().to_str().unwrap(), "--frames", "45", "--screenshot", shot.to_str().unwrap(), "--model", "lite"]);
    let (out, err) = text(&o);
    assert!(o.status.success(), "stdout: {out}\nstderr: {err}");
    let line = out.lines().find(|l| l.starts_with("latency_ms ")).unwrap_or_else(|| panic!("no latency line in {out}"));
    let (median, p95, dropped, fps) = (field(line, "median"), field(line, "p95"), field(line, "dropped"), field(line, "fps"));
    assert!(median > 0.0 && p95 >= median, "{line}");
    assert!(dropped >= 0.0 && fps > 0.0, "{line}");

    // The screenshot is the whole window (1280×800 logical), with the frame and the panels drawn, not a blank.
    let img = image::open(&shot).unwrap().to_rgb8();
    assert!(img.width() >= 1000 && img.height() >= 600, "{}×{}", img.width(), img.height());
    let mut distinct = std::collections::HashSet::new();
    for p in img.pixels().step_by(97) {
        distinct.insert(p.0);
    }
    assert!(distinct.len() > 500, "only {} colours: the window looks empty", distinct.len());
}

#[test]
fn a_source_that_fails_ends_an_automated_run_with_a_sentence() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("not_a_video.mp4");
    std::fs::write(&bad, b"this is not a video").unwrap();
    let o = live(&["--video", bad.to_str().unwrap(), "--frames", "10"]);
    let (_, err) = text(&o);
    assert!(!o.status.success());
    assert!(err.contains("could not be opened as a video"), "{err}");
    assert!(!err.contains("panicked"), "{err}");

    let o = Command::new(env!("CARGO_BIN_EXE_runpose")).args(["live", "--video", "/nonexistent/clip.mp4", "--frames", "5"]).output().unwrap();
    let (_, err) = text(&o);
    assert!(!o.status.success());
    assert!(err.contains("does not exist"), "{err}");
}

#[test]
fn recording_from_the_window_keeps_a_clip_and_a_folder_it_cannot_write_leaves_the_view_running() {
    let dir = tempfile::tempdir().unwrap();
    let recordings = dir.path().join("recordings");
    let o = live(&["--video", clip().to_str().unwrap(), "--frames", "60", "--record", "--recordings", recordings.to_str().unwrap(), "--model", "lite"]);
    let (out, err) = text(&o);
    assert!(o.status.success(), "stdout: {out}\nstderr: {err}");
    let clips: Vec<_> = std::fs::read_dir(&recordings).unwrap().flatten().map(|e| e.path()).collect();
    assert_eq!(clips.len(), 1, "one clip: {clips:?}");
    let manifest: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(clips[0].join("clip.json")).unwrap()).unwrap();
    assert_eq!(manifest["state"], "complete", "stopping at the end analysed the clip: {manifest}");
    assert_eq!(manifest["model"], "lite");
    assert!(manifest["frames"].as_u64().unwrap() >= 30, "{manifest}");
    assert!(clips[0].join("steps.csv").is_file());

    // A file where the recordings folder should be: recording fails with a message, the live view plays on.
    let blocker = dir.path().join("not-a-folder");
    std::fs::write(&blocker, "x").unwrap();
    let o = live(&["--video", clip().to_str().unwrap(), "--frames", "45", "--record", "--recordings", blocker.join("recs").to_str().unwrap(), "--model", "lite"]);
    let (out, err) = text(&o);
    assert!(o.status.success(), "stdout: {out}\nstderr: {err}");
    assert!(out.contains("latency_ms "), "the view played all its frames: {out}");
    assert!(err.contains("nothing recorded") && err.contains("recordings folder"), "{err}");
    assert_eq!(std::fs::read_to_string(&blocker).unwrap(), "x", "nothing was overwritten");
}
