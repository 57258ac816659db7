//! `analyze --chunks 2` (session::chunked) against one pass in order on the treadmill clip: every frame once, in
//! order; the first part's poses exactly the sequential run's; the steps found the same in number within one. The
//! second part's poses are not the sequential run's: a tracker's landmarks depend on the regions it carried from
//! earlier frames, so one that starts at the seam settles elsewhere by a few pixels (README §Both cores busy).

// A test (or bench) fails loudly: unwrap and expect are its asserts (clippy.toml allows them in #[test] items).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::Command;

mod common;

fn analyze(out: &Path, chunks: &str) -> (Vec<csv::StringRecord>, serde_json::Value) {
    let o = Command::new(env!("CARGO_BIN_EXE_runpose"))
        .args(["analyze", common::treadmill_clip().to_str().unwrap(), "--model", "full", "-q", "--chunks", chunks])
        .arg("--out")
        .arg(out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let rows = csv::Reader::from_path(out.join("frames.csv")).unwrap().records().collect::<Result<_, _>>().unwrap();
    let summary = serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    (rows, summary)
}

/// A frames.csv row's time, detected flag and the 33 landmarks (x, y, score).
fn landmarks(r: &csv::StringRecord) -> Vec<String> {
    (1..r.len().min(3 + 33 * 3)).map(|i| r[i].to_string()).collect()
}

#[test]
fn two_chunks_give_every_frame_once_and_the_first_part_as_one_pass_does() {
    let dir = tempfile::tempdir().unwrap();
    let (one, one_summary) = analyze(&dir.path().join("one"), "1");
    let (two, two_summary) = analyze(&dir.path().join("two"), "2");
    assert_eq!(one.len(), two.len(), "every frame once");
    let times = |rows: &[csv::StringRecord]| rows.iter().map(|r| r[1].to_string()).collect::<Vec<_>>();
    assert_eq!(times(&one), times(&two), "the same frames, in order");
    // The first part (before the seam at half the clip, less the frames the landmark cleaning looks across) is the
    // same run, whatever the number of ONNX Runtime threads (one per chunk against the machine's cores).
    let seam = one.len() / 2 - 15;
    for (k, (a, b)) in one.iter().zip(&two).take(seam).enumerate() {
        assert_eq!(landmarks(a), landmarks(b), "frame {k}");
    }
    let steps = |s: &serde_json::Value| s["steps"].as_i64().expect("steps in summary.json");
    assert!(steps(&one_summary) > 20, "{one_summary}");
    assert!((steps(&one_summary) - steps(&two_summary)).abs() <= 1, "{one_summary} vs {two_summary}");
    let detected = |rows: &[csv::StringRecord]| rows.iter().filter(|r| &r[2] == "1").count() as i64;
    assert!((detected(&one) - detected(&two)).abs() <= 2, "the runner found as often");
}
