//! `runpose analyze` end to end on the real treadmill clip and on two people nobody running (tests/data, or
//! RUNPOSE_DATA), and its answers to bad input: one clear sentence and a non-zero exit, or results for what a damaged
//! file still holds.

// A test (or bench) fails loudly: unwrap and expect are its asserts (clippy.toml allows them in #[test] items).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::{Command, Output};

mod common;
use common::{fukuchi_dir, treadmill_clip as clip, two_people_clip};

fn analyze(video: &Path, out: &Path, extra: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_runpose"))
        .args(["analyze", video.to_str().unwrap(), "--out", out.to_str().unwrap(), "-q"])
        .args(extra)
        .output()
        .unwrap()
}

/// `analyze` with the person choice's log lines on stderr ("person in view x=… y=… activity=… steps=…").
fn analyze_logged(video: &Path, out: &Path, extra: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_runpose"))
        .args(["analyze", video.to_str().unwrap(), "--out", out.to_str().unwrap(), "-q"])
        .args(extra)
        .env("RUNPOSE_LOG", "runpose_app::session::person=info")
        .output()
        .unwrap()
}

/// `text` without the terminal colour codes the log puts around field names (ESC [ … m).
fn without_colours(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            chars.by_ref().find(|&c| c == 'm');
        } else {
            out.push(c);
        }
    }
    out
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}

#[test]
fn the_treadmill_clip_gives_the_hand_counted_gait() {
    let dir = tempfile::tempdir().unwrap();
    let o = analyze(&clip(), dir.path(), &["--model", "full", "--height-cm", "175"]);
    assert!(o.status.success(), "{}", stderr(&o));

    let mut frames = csv::Reader::from_path(dir.path().join("frames.csv")).unwrap();
    let headers = frames.headers().unwrap().clone();
    for col in
        ["frame", "t_s", "detected", "nose_x", "left_heel_y", "right_foot_index_score", "fall_angle_deg", "support"]
    {
        assert!(headers.iter().any(|h| h == col), "frames.csv lacks {col}");
    }
    assert_eq!(headers.len(), 3 + 33 * 3 + runpose_app::session::output::FRAME_METRIC_COLUMNS.len());
    let rows: Vec<csv::StringRecord> = frames.records().collect::<Result<_, _>>().unwrap();
    assert_eq!(rows.len(), 360);
    let detected = rows.iter().filter(|r| &r[2] == "1").count();
    assert!(detected >= 355, "runner found in {detected} of 360 frames");

    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("summary.json")).unwrap()).unwrap();
    for key in ["frames", "fps", "steps", "cadence_spm", "contact_ms", "flight_ms", "fall_angle_deg", "cues"] {
        assert!(summary.get(key).is_some(), "summary.json lacks {key}");
    }
    assert_eq!(summary["frames"], 360);
    assert!((summary["fps"].as_f64().unwrap() - 30.0).abs() < 0.01);
    assert_eq!(summary["facing"], "left");
    // Counted by hand on the video: a foot lands every 10.4 frames (about 173 steps/min), each foot stays down
    // 8 to 10 frames (270 to 330 ms), flights are short.
    let cadence = summary["cadence_spm"].as_f64().unwrap();
    assert!((160.0..=190.0).contains(&cadence), "cadence {cadence}");
    let contact = summary["contact_ms"].as_f64().unwrap();
    assert!((220.0..=340.0).contains(&contact), "contact {contact} ms");
    let steps = summary["steps"].as_u64().unwrap();
    assert!((24..=40).contains(&steps), "{steps} steps in 12 s");
    assert!(summary["vertical_oscillation_cm"].as_f64().is_some(), "cm given with --height-cm");

    let steps_csv = std::fs::read_to_string(dir.path().join("steps.csv")).unwrap();
    assert_eq!(steps_csv.lines().count() as u64, steps + 1);
    assert!(steps_csv.lines().next().unwrap().contains("landing_distance_cm"));
}

/// The treadmill clip placed beside Sports2D's two people (ffmpeg hstack): the runner is chosen among the people
/// in view (the runner and the walker; the detector does not see the jumper, small on his box) and followed in
/// every frame; `--person X,Y` follows the person at the point and is recorded.
#[test]
fn beside_other_people_the_runner_is_followed_in_every_frame() {
    let dir = tempfile::tempdir().unwrap();
    let stack = common::runner_beside_people(dir.path());
    let runner_half = common::RUNNER_HALF;
    let check = |out: &Path, extra: &[&str]| {
        let o = analyze_logged(&stack, out, extra);
        assert!(o.status.success(), "{}", stderr(&o));
        // The runner is one person of the scan: the detector misses them for 6 and 7 frames as the walker passes,
        // which cut them into three (two of them counted as people) while the walker, in pieces, counted as none.
        let runners = without_colours(&stderr(&o))
            .lines()
            .filter_map(|l| l.split("person in view x=").nth(1)?.split(' ').next()?.parse::<f64>().ok())
            .filter(|x| *x < runner_half)
            .count();
        assert!(runners <= 1, "the runner seen as {runners} people: {}", stderr(&o));
        let mut frames = csv::Reader::from_path(out.join("frames.csv")).unwrap();
        let headers = frames.headers().unwrap().clone();
        let (detected, hip) = (
            headers.iter().position(|h| h == "detected").unwrap(),
            headers.iter().position(|h| h == "left_hip_x").unwrap(),
        );
        let rows: Vec<csv::StringRecord> = frames.records().collect::<Result<_, _>>().unwrap();
        let on_runner =
            rows.iter().filter(|r| &r[detected] == "1" && r[hip].parse::<f64>().unwrap() < runner_half).count();
        assert_eq!(on_runner, rows.len(), "the runner in {on_runner} of {} frames", rows.len());
        summary_of(out)
    };
    let summary = check(&dir.path().join("auto"), &["--model", "full"]);
    assert_eq!(summary["person"]["chosen_by"], "running", "{summary}");
    assert!(summary["person"]["people"].as_u64().unwrap() >= 2, "{summary}");
    assert_eq!(summary["activity"], "running");
    let summary = check(&dir.path().join("point"), &["--model", "full", "--person", "210,560"]);
    assert_eq!(summary["person"]["chosen_by"], "point", "{summary}");
    assert_eq!(summary["person"]["x"], 210.0);
    let o = analyze(&stack, &dir.path().join("bad"), &["--person", "left"]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("is not a point: give X,Y in pixels"), "{}", stderr(&o));
}

/// `runpose doctor` on this machine finds the runtime and verifies every model; pointed at a models folder with
/// a damaged model it says which, how to fix it, and exits non-zero.
#[test]
fn doctor_reports_what_is_here_and_what_is_missing() {
    let dir = tempfile::tempdir().unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_runpose"))
        .args(["doctor", "--recordings", dir.path().to_str().unwrap()])
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{out}{}", stderr(&o));
    assert!(out.contains("ONNX Runtime: 1.32.0 at") && out.contains("loads"), "{out}");
    assert_eq!(out.matches("checksum verified").count(), 4, "{out}");
    for what in ["cameras", "display", "audio output", "disk space for recordings"] {
        assert!(out.contains(what), "{what}: {out}");
    }
    let models = dir.path().join("models");
    std::fs::create_dir(&models).unwrap();
    for (file, _) in runpose_vision::runtime::MODEL_SHA256 {
        std::fs::copy(runpose_vision::runtime::models_dir().join(file), models.join(file)).unwrap();
    }
    std::fs::write(models.join("mp_pose_landmark_full.onnx"), b"damaged").unwrap();
    let o =
        Command::new(env!("CARGO_BIN_EXE_runpose")).args(["doctor"]).env("RUNPOSE_MODELS", &models).output().unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(!o.status.success(), "{out}");
    assert!(out.contains("MISSING model mp_pose_landmark_full.onnx") && out.contains("wrong checksum"), "{out}");
    assert!(out.contains("git checkout -- models/mp_pose_landmark_full.onnx"), "{out}");
    assert_eq!(out.matches("checksum verified").count(), 3, "{out}");
}

fn summary_of(dir: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("summary.json")).unwrap()).unwrap()
}

/// Sports2D's demo (one person jumping, one walking, nobody running): the walker is followed, not the jumper the
/// detector is surest of; no running steps, said in one sentence, and no running metrics or cues written.
#[test]
fn two_people_nobody_running_gives_no_running_metrics() {
    let dir = tempfile::tempdir().unwrap();
    let o = analyze(&two_people_clip(), dir.path(), &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(stdout.contains("no running steps: the person in view appears to be walking"), "{stdout}");
    let summary = summary_of(dir.path());
    assert_eq!(summary["person"]["chosen_by"], "walking", "{summary}");
    assert!(summary["not_running"].is_string(), "{summary}");
    for key in ["cadence_spm", "contact_ms", "flight_ms", "fall_angle_deg"] {
        assert!(summary[key].is_null(), "{key}: {}", summary[key]);
    }
    assert!(summary["cues"].as_array().is_none_or(|c| c.is_empty()), "{}", summary["cues"]);
}

#[test]
fn a_truncated_video_still_gives_results_for_its_frames() {
    let dir = tempfile::tempdir().unwrap();
    let fast = dir.path().join("faststart.mp4");
    let status = Command::new("ffmpeg")
        .args([
            "-v",
            "error",
            "-y",
            "-i",
            clip().to_str().unwrap(),
            "-c",
            "copy",
            "-movflags",
            "+faststart",
            fast.to_str().unwrap(),
        ])
        .status()
        .unwrap();
    assert!(status.success());
    let bytes = std::fs::read(&fast).unwrap();
    let cut = dir.path().join("cut.mp4");
    std::fs::write(&cut, &bytes[..bytes.len() * 6 / 10]).unwrap();
    let out = dir.path().join("out");
    let o = analyze(&cut, &out, &["--model", "lite"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    let frames = summary["frames"].as_u64().unwrap();
    assert!(frames > 100 && frames < 360, "{frames} frames");
    assert!(summary["damage"].as_str().unwrap().contains("ends early"), "{}", summary["damage"]);
    // In chunks side by side (`--chunks`), the last one meets the end: the damage is reported too.
    let out = dir.path().join("chunked");
    let o = analyze(&cut, &out, &["--model", "lite", "--chunks", "2"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["frames"].as_u64().unwrap(), frames);
    assert!(summary["damage"].as_str().is_some_and(|d| d.contains("ends early")), "{}", summary["damage"]);
}

#[test]
fn bad_input_gets_one_clear_sentence() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");

    let o = analyze(Path::new("/nonexistent/run.mp4"), &out, &[]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("does not exist"), "{}", stderr(&o));

    let text = dir.path().join("notes.mp4");
    std::fs::write(&text, "not a video\n".repeat(50)).unwrap();
    let o = analyze(&text, &out, &[]);
    assert!(!o.status.success());
    let msg = stderr(&o);
    assert!(msg.contains("could not be opened as a video"), "{msg}");
    assert_eq!(msg.trim().lines().count(), 1, "one sentence: {msg}");

    // A real video with nobody in it.
    let empty = dir.path().join("empty.mp4");
    let status = Command::new("ffmpeg")
        .args([
            "-v",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            "color=c=gray:size=320x240:rate=10:duration=1",
            "-c:v",
            "libx264",
            "-pix_fmt",
            "yuv420p",
            empty.to_str().unwrap(),
        ])
        .status()
        .unwrap();
    assert!(status.success());
    let o = analyze(&empty, &out, &["--model", "lite"]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("no person was found"), "{}", stderr(&o));
    assert!(!out.join("summary.json").exists(), "nothing half-written");

    let o = analyze(&clip(), &out, &["--model", "giant"]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("choose lite, full or heavy"), "{}", stderr(&o));
}

#[test]
fn marker_files_run_the_same_pipeline_and_trc_round_trips() {
    let d = fukuchi_dir();
    let out = tempfile::tempdir().unwrap();
    let trc = out.path().join("landmarks.trc");
    let status = Command::new(env!("CARGO_BIN_EXE_runpose"))
        .args(["analyze", "--markers"])
        .arg(d.join("RBDS001runT35.c3d"))
        .arg("--static")
        .arg(d.join("RBDS001static.c3d"))
        .arg("--out")
        .arg(out.path().join("c3d"))
        .arg("--trc-out")
        .arg(&trc)
        .output()
        .unwrap();
    assert!(status.status.success(), "{}", String::from_utf8_lossy(&status.stderr));
    let stdout = String::from_utf8_lossy(&status.stdout);
    assert!(stdout.contains("not measured") && stdout.contains("trunk angle"), "{stdout}");
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.path().join("c3d/summary.json")).unwrap()).unwrap();
    assert_eq!(summary["model"], "markers");
    assert_eq!(summary["steps"], 85);
    let cadence = summary["cadence_spm"].as_f64().unwrap();
    assert!((cadence - 171.2).abs() < 1.0, "cadence {cadence}");
    // The exported landmarks read back through the blazepose map give the same gait.
    let back = Command::new(env!("CARGO_BIN_EXE_runpose"))
        .args(["analyze", "--marker-map", "blazepose", "--markers"])
        .arg(&trc)
        .arg("--out")
        .arg(out.path().join("trc"))
        .output()
        .unwrap();
    assert!(back.status.success(), "{}", String::from_utf8_lossy(&back.stderr));
    let again: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.path().join("trc/summary.json")).unwrap()).unwrap();
    let keys = |v: &serde_json::Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    assert_eq!(keys(&summary), keys(&again), "same summary keys");
    assert!((again["cadence_spm"].as_f64().unwrap() - cadence).abs() < 1.0);
    assert!((again["contact_ms"].as_f64().unwrap() - summary["contact_ms"].as_f64().unwrap()).abs() < 15.0);
    // Without the static trial the Fukuchi running markers lack the joints, and the message says what to add.
    let bare = Command::new(env!("CARGO_BIN_EXE_runpose"))
        .args(["analyze", "--markers"])
        .arg(d.join("RBDS001runT35.c3d"))
        .arg("--out")
        .arg(out.path().join("bare"))
        .output()
        .unwrap();
    assert!(!bare.status.success());
    assert!(String::from_utf8_lossy(&bare.stderr).contains("--static"));
}

/// A reader that goes away (`runpose analyze … | head -1`): the files are written and the command ends quietly, as
/// other command-line tools do, instead of panicking on the closed pipe.
#[test]
fn a_reader_that_goes_away_ends_the_command_quietly() {
    let d = fukuchi_dir();
    let out = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_runpose"))
        .args(["analyze", "--markers"])
        .arg(d.join("RBDS001runT35.c3d"))
        .arg("--static")
        .arg(d.join("RBDS001static.c3d"))
        .arg("--out")
        .arg(out.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // The read end closed before the command writes its lines.
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    let err = stderr(&output);
    assert!(output.status.success() && !err.contains("panicked"), "{err}");
    assert!(out.path().join("summary.json").is_file());
}
