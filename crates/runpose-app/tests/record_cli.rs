//! `runpose record` and `runpose info` end to end on the real treadmill clip: a finished recording carries the
//! analysis in `analyze`'s schema, and a recording killed with SIGKILL reopens with all but at most its last second.

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
    // Four seconds of a 30 fps clip, bar frames the live model had to drop.
    assert!((3.9..=4.01).contains(&duration), "{facts}");
    assert!(frames + facts["dropped"].as_u64().unwrap() >= 115 && frames <= 121, "{facts}");
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
    let summary: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["steps"], facts["steps"]);
    assert!(summary["cadence_spm"].as_f64().unwrap() > 150.0);

    // The same folder again is refused, and the clip is untouched.
    let again = runpose().args(["record", "--video", clip().to_str().unwrap(), "--seconds", "1", "--out"]).arg(&out).output().unwrap();
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
        if let Some(s) = line.strip_prefix("recording: ").and_then(|r| r.split(" s,").next()).and_then(|s| s.parse::<f64>().ok()) {
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
