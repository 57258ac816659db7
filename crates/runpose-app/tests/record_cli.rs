//! `runpose record` and `runpose info` end to end on the real treadmill clip: a finished recording carries the
//! analysis in `analyze`'s schema, and a recording killed with SIGKILL reopens with all but at most its last second.

// A test (or bench) fails loudly: unwrap and expect are its asserts (clippy.toml allows them in #[test] items).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::BufRead;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

mod common;
use common::treadmill_clip as clip;

/// The recordings run one at a time: each needs the machine's cores to keep up with the video's pace (two at once on
/// two cores would drop frames, as a live view would).
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn runpose() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_runpose"));
    c.env("XDG_RUNTIME_DIR", std::env::temp_dir());
    c
}

fn info(dir: &std::path::Path) -> (serde_json::Value, String) {
    let o = runpose().args(["info", dir.to_str().unwrap()]).output().unwrap();
    let (out, err) = (String::from_utf8_lossy(&o.stdout).into_owned(), String::from_utf8_lossy(&o.stderr).into_owned());
    assert!(o.status.success(), "info failed: {out}\n{err}");
    (serde_json::from_str(&out).unwrap_or_else(|e| panic!("info prints JSON ({e}): {out}")), err)
}

fn csv_rows(path: &std::path::Path) -> (csv::StringRecord, usize) {
    let mut r = csv::Reader::from_path(path).unwrap();
    (r.headers().unwrap().clone(), r.records().count())
}

#[test]
fn a_recording_holds_video_landmarks_and_the_analysis() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("clip");
    let o = runpose()
        .args(["record", "--video", clip().to_str().unwrap(), "--seconds", "4", "--height-cm", "178", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    let (stdout, stderr) = (String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
    assert!(o.status.success(), "{stdout}\n{stderr}");
    let printed: serde_json::Value = serde_json::from_str(&stdout).expect("record prints the clip's facts as JSON");
    let (facts, _) = info(&out);
    assert_eq!(printed, facts);
    let frames = facts["frames"].as_u64().unwrap();
    let duration = facts["duration_s"].as_f64().unwrap();
    // Four seconds of a 30 fps clip, every frame: those the live model skipped are in the video too, and their
    // landmarks were estimated when the recording stopped.
    assert!((3.9..=4.01).contains(&duration), "{facts}");
    assert!((119..=121).contains(&frames) && facts["dropped"] == 0, "{facts}");
    assert!(facts["estimated"].as_u64().unwrap() < frames, "{facts}");
    let rows = runpose_capture::clip::read_pose_rows(&out.join("poses.csv")).unwrap();
    assert_eq!(rows.frames.len() as u64, frames);
    assert!(rows.analysed.iter().all(|a| *a), "no frame is left without its landmarks");
    assert!(
        rows.frames.iter().filter(|f| f.pose.is_some()).count() as u64 >= frames - 2,
        "the runner on (nearly) every frame"
    );
    let mut video = runpose_capture::VideoReader::open(out.join("video.mkv")).unwrap();
    let mut pictures = 0;
    while video.next_frame().unwrap().is_some() {
        pictures += 1;
    }
    assert_eq!(pictures, frames, "a picture for every row");
    assert!(facts["steps"].as_u64().unwrap() >= 8, "about 11 steps in 4 s at 170 spm: {facts}");
    assert_eq!(facts["recovered"], false);
    assert_eq!(facts["height_cm"], 178.0);

    // The analysis files are `analyze`'s, one frames.csv row per recorded frame.
    let (header, rows) = csv_rows(&out.join("frames.csv"));
    assert_eq!(rows as u64, frames);
    assert!(header.iter().any(|h| h == "fall_angle_deg") && header.iter().any(|h| h == "left_heel_x"));
    let (header, rows) = csv_rows(&out.join("steps.csv"));
    assert_eq!(rows as u64, facts["steps"].as_u64().unwrap());
    assert!(header.iter().any(|h| h == "contact_ms"));
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["steps"], facts["steps"]);
    assert!(summary["cadence_spm"].as_f64().unwrap() > 150.0, "{summary}");

    // The same folder again is refused, and the clip is untouched.
    let again = runpose()
        .args(["record", "--video", clip().to_str().unwrap(), "--seconds", "1", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));
    assert_eq!(info(&out).0, facts);
}

#[test]
fn a_recording_killed_with_sigkill_reopens_with_all_but_its_last_second() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("clip");
    let mut child = runpose()
        .args(["record", "--video", clip().to_str().unwrap(), "--seconds", "60", "--out"])
        .arg(&out)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // `recording: N s, M frames` comes each second: wait for 4 s written, then a little more, then SIGKILL.
    let mut lines = std::io::BufReader::new(child.stderr.take().unwrap()).lines();
    let mut written_s = 0.0;
    for line in lines.by_ref() {
        let line = line.unwrap();
        if let Some(s) =
            line.strip_prefix("recording: ").and_then(|r| r.split(" s,").next()).and_then(|s| s.parse::<f64>().ok())
        {
            written_s = s;
            if s >= 4.0 {
                break;
            }
        }
    }
    let reported = Instant::now();
    std::thread::sleep(Duration::from_millis(700));
    child.kill().unwrap(); // SIGKILL
    let since_report = reported.elapsed().as_secs_f64();
    child.wait().unwrap();
    assert!(written_s >= 4.0, "the recording got going");

    let (facts, stderr) = info(&out);
    assert!(stderr.contains("recovered an interrupted recording"), "{stderr}");
    assert_eq!(facts["recovered"], true);
    let kept = facts["duration_s"].as_f64().unwrap();
    // At least what was written when the progress line came, and all but the last second of what followed.
    let at_kill = written_s + since_report;
    assert!(kept >= at_kill - 1.0, "kept {kept} s of about {at_kill} s: {facts}");
    assert!(kept <= at_kill + 1.0, "{facts}");
    assert!(facts["steps"].as_u64().unwrap() >= 8, "the recovered clip is analysed: {facts}");
    // Reopening a recovered clip changes nothing.
    let (again, stderr) = info(&out);
    assert_eq!(again, facts);
    assert!(!stderr.contains("recovered"));
}

#[test]
fn a_clip_finishes_with_landmarks_estimated_for_the_frames_the_live_model_skipped() {
    use runpose_capture::clip::{self, ClipMeta, ClipWriter};
    // The treadmill clip's first 60 frames with the fixture's poses, every other frame's left "not analysed" as when
    // the live model is too slow for the camera.
    let dir = tempfile::tempdir().unwrap();
    let clip_dir = dir.path().join("clip");
    let mut reader = runpose_capture::VideoReader::open(clip()).unwrap();
    let meta = ClipMeta { source: "video treadmill_side_male.mp4".into(), height_cm: None, model: "full".into() };
    let mut w = ClipWriter::create(&clip_dir, meta, 720, 1280, 30.0).unwrap();
    let poses = common::fixture_poses();
    for (i, f) in poses.iter().take(60).enumerate() {
        let (frame, t) = w.push_frame(f.t, &reader.next_frame().unwrap().unwrap().image).unwrap();
        let analysed = i % 2 == 0;
        w.push_row(frame, t, if analysed { f.pose.as_ref() } else { None }, analysed).unwrap();
    }
    w.finish().unwrap();
    let manifest = runpose_app::session::record::finish_clip(&clip_dir).unwrap();
    assert_eq!((manifest.frames, manifest.estimated), (60, 30));
    let rows = clip::read_pose_rows(&clip_dir.join(clip::POSES_FILE)).unwrap();
    assert!(rows.analysed.iter().all(|a| *a), "every row has its landmarks now");
    // The estimated landmarks are the model's on those frames: within a few pixels of the fixture's (the same
    // model on the same frames; its tracking starts from a different previous frame).
    for i in (1..60).step_by(2) {
        let (got, want) = (rows.frames[i].pose.as_ref().expect("runner found"), poses[i].pose.as_ref().unwrap());
        let hip = |p: &runpose_core::Pose| p.hip_mid();
        let d = (hip(got) - hip(want)).norm();
        assert!(d < 15.0, "frame {i}: hip {d:.1} px from the fixture's");
    }
    let (_, rows_csv) = csv_rows(&clip_dir.join("frames.csv"));
    assert_eq!(rows_csv, 60);
}
