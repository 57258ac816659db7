//! `runpose live` end to end in a real window under Xvfb (installed by scripts/setup.sh): the treadmill clip played
//! as a camera through the model to the screen, a screenshot of the window and the latency line; and a source that
//! fails, which ends an automated run with one clear sentence instead of a panic.

// A test (or bench) fails loudly: unwrap and expect are its asserts (clippy.toml allows them in #[test] items).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::{Command, Output};

mod common;
use common::treadmill_clip as clip;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use runpose_vision::ModelVariant;

/// A turn on the cores: each live window needs them to keep pace, so the windows and the tests' other model runs
/// take turns (a model run beside a window made it drop frames enough to move its settled cadence).
fn turn() -> std::sync::MutexGuard<'static, ()> {
    static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());
    ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner())
}

/// Runs `runpose live ARGS` in a virtual X display, in its turn.
fn live(args: &[&str]) -> Output {
    let _turn = turn();
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
    let o = live(&[
        "--video",
        clip().to_str().unwrap(),
        "--frames",
        "45",
        "--screenshot",
        shot.to_str().unwrap(),
        "--model",
        "lite",
    ]);
    let (out, err) = text(&o);
    assert!(o.status.success(), "stdout: {out}\nstderr: {err}");
    let line = out.lines().find(|l| l.starts_with("latency_ms ")).unwrap_or_else(|| panic!("no latency line in {out}"));
    let (median, p95, fps) = (field(line, "median"), field(line, "p95"), field(line, "fps"));
    assert!(median > 0.0 && p95 >= median, "{line}");
    assert!(fps > 0.0, "{line}");
    // The frames the source gave that were not drawn: a count, and fewer than the source gave while 45 were drawn
    // (the clip plays at 30 frames/s, the window draws at `fps`).
    let dropped: u64 = line
        .split_whitespace()
        .find_map(|w| w.strip_prefix("dropped="))
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no dropped count in {line}"));
    println!("{line}");
    assert!((dropped as f64) < 45.0 * (30.0 / fps).max(1.0) * 2.0, "{line}");

    // The screenshot is the whole window (1280×800 logical), with the frame and the panels drawn, not a blank.
    let img = image::open(&shot).unwrap().to_rgb8();
    assert!(img.width() >= 1000 && img.height() >= 600, "{}×{}", img.width(), img.height());
    let mut distinct = std::collections::HashSet::new();
    for p in img.pixels().step_by(97) {
        distinct.insert(p.0);
    }
    assert!(distinct.len() > 500, "only {} colours: the window looks empty", distinct.len());
}

/// Without a display the window commands say in one sentence what to use instead, not winit's internals.
#[test]
fn no_display_says_what_to_use_instead() {
    for command in ["live", "replay"] {
        let o = Command::new(env!("CARGO_BIN_EXE_runpose"))
            .args([command])
            .env_remove("DISPLAY")
            .env_remove("WAYLAND_DISPLAY")
            .output()
            .unwrap();
        let (_, err) = text(&o);
        assert!(!o.status.success(), "{command}: {err}");
        assert_eq!(err.trim().lines().count(), 1, "{command}: {err}");
        assert!(err.contains("needs a display") && err.contains("runpose analyze"), "{command}: {err}");
        assert!(!err.to_lowercase().contains("winit"), "{command}: {err}");
    }
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

    let o = Command::new(env!("CARGO_BIN_EXE_runpose"))
        .args(["live", "--video", "/nonexistent/clip.mp4", "--frames", "5"])
        .output()
        .unwrap();
    let (_, err) = text(&o);
    assert!(!o.status.success());
    assert!(err.contains("does not exist"), "{err}");
}

#[test]
fn recording_from_the_window_keeps_a_clip_and_a_folder_it_cannot_write_leaves_the_view_running() {
    let dir = tempfile::tempdir().unwrap();
    let recordings = dir.path().join("recordings");
    let o = live(&[
        "--video",
        clip().to_str().unwrap(),
        "--frames",
        "60",
        "--record",
        "--recordings",
        recordings.to_str().unwrap(),
        "--model",
        "lite",
    ]);
    let (out, err) = text(&o);
    assert!(o.status.success(), "stdout: {out}\nstderr: {err}");
    let clips: Vec<_> = std::fs::read_dir(&recordings).unwrap().flatten().map(|e| e.path()).collect();
    assert_eq!(clips.len(), 1, "one clip: {clips:?}");
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(clips[0].join("clip.json")).unwrap()).unwrap();
    assert_eq!(manifest["state"], "complete", "stopping at the end analysed the clip: {manifest}");
    assert_eq!(manifest["model"], "lite");
    assert!(manifest["frames"].as_u64().unwrap() >= 30, "{manifest}");
    assert!(clips[0].join("steps.csv").is_file());

    // A file where the recordings folder should be: recording fails with a message, the live view plays on.
    let blocker = dir.path().join("not-a-folder");
    std::fs::write(&blocker, "x").unwrap();
    let o = live(&[
        "--video",
        clip().to_str().unwrap(),
        "--frames",
        "45",
        "--record",
        "--recordings",
        blocker.join("recs").to_str().unwrap(),
        "--model",
        "lite",
    ]);
    let (out, err) = text(&o);
    assert!(o.status.success(), "stdout: {out}\nstderr: {err}");
    assert!(out.contains("latency_ms "), "the view played all its frames: {out}");
    assert!(err.contains("nothing recorded") && err.contains("recordings folder"), "{err}");
    assert_eq!(std::fs::read_to_string(&blocker).unwrap(), "x", "nothing was overwritten");
}

/// The settled steps `--steps-out` wrote: the header and the rows.
fn steps_written(args: &[&str], path: &std::path::Path) -> (Vec<String>, Vec<csv::StringRecord>, String) {
    let o = live(args);
    let (out, err) = text(&o);
    assert!(o.status.success(), "stdout: {out}\nstderr: {err}");
    assert!(out.contains("settled steps to"), "{out}");
    let mut reader = csv::Reader::from_path(path).unwrap();
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    (header, reader.records().map(|r| r.unwrap()).collect(), out)
}

/// `--steps-out` writes the settled steps in steps.csv's columns, none of them implausible.
#[test]
fn the_settled_steps_are_written_in_the_columns_of_steps_csv() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("live-steps.csv");
    let video = clip();
    let args = [
        "--video",
        video.to_str().unwrap(),
        "--frames",
        "220",
        "--steps-out",
        path.to_str().unwrap(),
        "--height-cm",
        "175",
    ];
    let (header, rows, out) = steps_written(&args, &path);
    let analyze_header = {
        let a = runpose_core::analyze(common::fixture_poses(), &runpose_core::AnalysisConfig::default()).unwrap();
        let p = dir.path().join("steps.csv");
        runpose_app::session::output::write_steps_csv(&p, &a).unwrap();
        csv::Reader::from_path(&p).unwrap().headers().unwrap().iter().map(String::from).collect::<Vec<_>>()
    };
    assert_eq!(header, analyze_header);
    assert!(!rows.is_empty(), "no step settled in 220 frames: {out}");
    let flagged = header.iter().position(|h| h == "flagged").unwrap();
    assert!(rows.iter().all(|r| !r[flagged].contains("implausible")), "an implausible step was shown");
}

/// Issue 13's requirement: after 330 frames of the treadmill clip under Xvfb the settled steps' cadence is
/// `analyze`'s within 3 spm (drawing under Xvfb takes most of the cores: the pipeline drops 13–35 % of the frames).
/// The settled steps' cadence is taken as the live panel takes it (`live::settled_cadence_spm`, docs/metrics.md
/// §Live analysis), over at least 5 settled steps spanning 4 s (a step's own cadence, one step's time, is low
/// confidence live: the per-step values' median ranged 142-221 spm over ten runs). Which frames drawing drops differs
/// from run to run: in stop 27 about one run in fourteen counted a step off across a gap of over 4 s (162.6 spm in a
/// clean clone's CI) and the test was not run by default; with the step period counted from the last windows'
/// median and checked against the settled steps' line (stop 28), 20 runs here read 167.5-169.1, and the same check on
/// 110 recorded runs with fixed drops numbered every one right (crates/runpose-validation/tests/live_numbering.rs).
#[test]
fn the_settled_steps_cadence_is_analyzes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("live-steps.csv");
    let video = clip();
    let args = [
        "--video",
        video.to_str().unwrap(),
        "--frames",
        "330",
        "--steps-out",
        path.to_str().unwrap(),
        "--height-cm",
        "175",
    ];
    let (header, rows, out) = steps_written(&args, &path);
    let column = |name: &str| header.iter().position(|h| h == name).unwrap();
    let (flagged, ic, step) = (column("flagged"), column("ic_t_s"), column("step_ms"));
    // A settled step's own cadence (one step's time) is low confidence live (`live::LIVE_STEP_CADENCE_WHY`, or its
    // analysis's own reason).
    assert!(rows.iter().all(|r| r[flagged].contains("cadence")), "a settled step's own cadence not flagged: {out}");
    let number = column("step");
    let contacts: Vec<(usize, f64, Option<f64>)> =
        rows.iter().map(|r| (r[number].parse().unwrap(), r[ic].parse().unwrap(), r[step].parse().ok())).collect();
    // The cadence is the slope of a line through the settled contacts against their step numbers: a contact's
    // timing error (the full model's were up to 4 frames here) moves it less the more contacts settled and the
    // longer they span. Since a landing is timed only where the frames seen bracket it (docs/metrics.md §Live
    // analysis), fewer settle where drawing drops frames in bursts: 9 to 18 in twelve runs here (13-35 % dropped).
    let span = contacts.last().map_or(0.0, |c| c.1) - contacts.first().map_or(0.0, |c| c.1);
    assert!(rows.len() >= 5 && span >= 4.0, "{} steps settled over {span:.1} s: {out}", rows.len());
    let live = runpose_core::live::contacts_cadence_spm(&contacts).unwrap();
    let _turn = turn();
    let options = runpose_app::session::estimate::AnalyzeOptions {
        video: clip(),
        markers: None,
        trc_out: None,
        out: dir.path().join("analysis"),
        height_cm: Some(175.0),
        model: runpose_app::session::estimate::DEFAULT_MODEL,
        overlay: false,
        threads: None,
        progress: false,
        person: None,
        chunks: 1,
        mirror_average: false,
    };
    let offline = runpose_app::session::analyze::run(&options).unwrap().analysis.summary.cadence_spm.unwrap();
    println!("{out}live: {} steps settled, cadence {live:.1}; analyze {offline:.1}", rows.len());
    let foot = column("foot");
    let settled: Vec<String> =
        rows.iter().map(|r| format!("{} {} at {} s, step {} ms", &r[number], &r[foot], &r[ic], &r[step])).collect();
    assert!((live - offline).abs() <= 3.0, "live cadence {live:.1} vs analyze {offline:.1}; settled: {settled:#?}");
}

/// Several people in view (live_person), the chooser fed every frame as a camera at its rate would: Sports2D's
/// demo, one person jumping and one walking, looped as the live view loops a video. The walker is chosen, as
/// `analyze` chooses (tests/analyze_cli.rs), not the jumper the detector is surest of; when he has left the view
/// for `CHOSEN_LOST_S` the people in view are counted and followed again (the view no longer waits where he was).
#[test]
fn the_live_chooser_at_a_cameras_rate_takes_the_walker_over_the_jumper() {
    use runpose_app::session::live_person::{LiveChooser, Step};
    let _turn = turn();
    let video = common::two_people_clip();
    // The default model, as analyze's choice there (with full the two people's tracks break up too often).
    let mut tracker =
        runpose_app::session::estimate::load_tracker(runpose_app::session::estimate::DEFAULT_MODEL, None).unwrap();
    let mut chooser = LiveChooser::default();
    let (mut scanned, mut offset, mut now) = (0, 0.0, 0.0);
    'frames: for _ in 0..4 {
        let mut last = 0.0;
        for frame in runpose_capture::VideoReader::open(&video).unwrap() {
            let frame = frame.unwrap();
            (last, now) = (frame.t, offset + frame.t);
            match chooser.step(offset + frame.t, &frame.image, &mut tracker).unwrap() {
                Step::Track => assert_eq!(scanned, 0, "the scan starts once two people are counted and goes on"),
                Step::Scanned(_) => scanned += 1,
                Step::Undecided { rate } => panic!("undecided at {rate:.1} frames/s: every frame was given"),
                Step::Alone => panic!("two people were never counted at once"),
                Step::Chose { choice, .. } => {
                    let choice = choice.expect("someone chosen among several people");
                    assert_eq!(choice.chosen_by, "walking", "{choice:?}");
                    assert!(choice.people >= 2, "{choice:?}");
                    assert!(scanned >= 250, "{scanned} frames scanned");
                    break 'frames;
                }
            }
        }
        offset += last + 1.0 / 30.0;
        assert!(offset < 25.0, "no choice after {offset:.1} s");
    }
    assert!(scanned > 0, "several people were never counted");
    // The walker leaves the view (an empty picture): looked for `CHOSEN_LOST_S`, then the people are counted again
    // and, the two back in view, followed again to find who runs.
    let (first, empty) = (now, image::RgbImage::new(640, 360));
    let lost_after = runpose_app::session::live_person::CHOSEN_LOST_S;
    loop {
        now += 1.0 / 30.0;
        assert!(matches!(chooser.step(now, &empty, &mut tracker).unwrap(), Step::Track));
        let found = tracker.process(&empty).unwrap().is_some();
        assert!(!found, "someone found in an empty picture");
        if chooser.tracked(now, found, &mut tracker) {
            break;
        }
        assert!(now - first < lost_after + 0.1, "still waiting for the walker after {:.1} s", now - first);
    }
    assert!(now - first >= lost_after - 0.1, "given up on the walker after {:.1} s", now - first);
    let video_again = runpose_capture::VideoReader::open(&video).unwrap();
    let counted_again = video_again.take(60).any(|frame| {
        let frame = frame.unwrap();
        now += 1.0 / 30.0;
        matches!(chooser.step(now, &frame.image, &mut tracker).unwrap(), Step::Scanned(_))
    });
    assert!(counted_again, "the two people were not followed again");
}

/// The chooser fed frames as a busy machine delivers them: Sports2D's demo and the treadmill clip beside its people,
/// about 45 % of the frames dropped at random and in bursts of up to three (about 16 frames a second, what the live
/// window under Xvfb leaves the scan). A walker seen so is never called a runner and the runner is never passed over
/// for someone else; the runner is chosen in at least 3 runs of 4, the walker in 2 (measured: 4 and 3; the other
/// run asks for a click). Before, at this rate the view always asked (`MIN_SCAN_RATE` was 20) and the chooser, fed
/// so, took the surest person whenever only one was followed long enough.
#[test]
fn the_live_chooser_with_frames_dropped_never_calls_a_walker_running() {
    use runpose_app::session::live_person::{LiveChooser, Step};
    let _turn = turn();
    let dir = tempfile::tempdir().unwrap();
    let stack = common::runner_beside_people(dir.path());
    let mut tracker = runpose_app::session::estimate::load_tracker(ModelVariant::Full, None).unwrap();
    for (video, expected) in [(common::two_people_clip(), "walking"), (stack, "running")] {
        let frames: Vec<(f64, image::RgbImage)> = runpose_capture::VideoReader::open(&video)
            .unwrap()
            .take(330)
            .map(|f| f.map(|f| (f.t, f.image)).unwrap())
            .collect();
        let mut chosen = 0;
        for seed in 0..4u64 {
            tracker.follow(None);
            let mut chooser = LiveChooser::default();
            let mut random = ChaCha8Rng::seed_from_u64(seed);
            let (mut offset, mut burst, mut choice) = (0.0, 0, None);
            'loops: for _ in 0..3 {
                for (t, image) in &frames {
                    // As runpose-validation's `drop_frames`: a burst of 1–3 frames starts with this probability,
                    // so that 45 % of the frames go.
                    if burst > 0 {
                        burst -= 1;
                        continue;
                    }
                    if random.random::<f64>() < 0.45 / (2.0 * 0.55 + 0.45) {
                        burst = random.random_range(1..=3) - 1;
                        continue;
                    }
                    match chooser.step(offset + t, image, &mut tracker).unwrap() {
                        Step::Chose { choice: c, .. } => {
                            choice = c;
                            break 'loops;
                        }
                        Step::Undecided { rate } => {
                            assert!(rate < runpose_app::session::live_person::MIN_SCAN_RATE);
                            println!("seed {seed}: undecided at {rate:.1} frames/s");
                            break 'loops;
                        }
                        _ => {}
                    }
                }
                offset += frames.last().unwrap().0 + 1.0 / 30.0;
            }
            println!("{} seed {seed}: {choice:?}", video.display());
            if let Some(c) = choice {
                assert_eq!(c.chosen_by, expected, "seed {seed}: {c:?}");
                if expected == "running" {
                    assert!(f64::from(c.x) < common::RUNNER_HALF, "seed {seed}: {c:?}");
                }
                chosen += 1;
            }
        }
        let least = if expected == "running" { 3 } else { 2 };
        assert!(chosen >= least, "{}: chosen in {chosen} of 4 runs", video.display());
    }
}

/// The same in the live window under Xvfb: it sees several people, follows each of them, then says whom it
/// follows: the walker, or, where drawing left the scan too few frames a second to tell (`MIN_SCAN_RATE`; this
/// 2-core machine gives it about 16 while the window redraws five times a second), that it cannot tell and to click
/// the runner. Never a guess presented as a choice, and never the walker called a runner. The walker walks out of
/// the picture, and the view then says so and looks again (only after following someone).
#[test]
fn among_several_people_the_live_view_follows_the_walker_or_asks() {
    let video = common::two_people_clip();
    let o = live(&["--video", video.to_str().unwrap(), "--frames", "420"]);
    let (out, err) = text(&o);
    assert!(o.status.success(), "stdout: {out}\nstderr: {err}");
    assert!(!out.contains("Following the runner"), "{out}");
    if let Some(left) = out.find("left the view") {
        assert!(out[..left].contains("Nobody running: following the walker"), "{out}");
    }
    if !out.contains("Nobody running: following the walker")
        && !out.contains("none seen running or walking long enough: click the runner")
    {
        let line =
            out.lines().find(|l| l.contains("to tell who runs: click the runner")).unwrap_or_else(|| panic!("{out}"));
        let rate: f64 = line.split("only ").nth(1).unwrap().split(' ').next().unwrap().parse().unwrap();
        assert!(rate < runpose_app::session::live_person::MIN_SCAN_RATE, "{line}");
    }
}

/// The treadmill clip beside Sports2D's people in the live window under Xvfb: the runner is chosen and followed
/// (each line the window showed on whom it follows puts them in the runner's half of the picture), or the view
/// asks for a click; never the walker.
#[test]
fn beside_other_people_the_live_view_follows_the_runner_or_asks() {
    let dir = tempfile::tempdir().unwrap();
    let stack = common::runner_beside_people(dir.path());
    let o = live(&["--video", stack.to_str().unwrap(), "--frames", "420"]);
    let (out, err) = text(&o);
    assert!(o.status.success(), "stdout: {out}\nstderr: {err}");
    assert!(!out.contains("following the walker"), "{out}");
    // Every runner it followed in the runner's half of the picture.
    for line in out.lines().filter(|l| l.contains("Following the runner")) {
        let x: f64 = line.split(", at ").nth(1).unwrap().split(',').next().unwrap().parse().unwrap();
        assert!(x < common::RUNNER_HALF, "{line}");
    }
    if out.contains("none seen running or walking long enough: click the runner") {
        return;
    }
    match out.lines().find(|l| l.contains("Following the runner")) {
        Some(_) => {}
        None => {
            let line = out
                .lines()
                .find(|l| l.contains("to tell who runs: click the runner"))
                .unwrap_or_else(|| panic!("{out}"));
            let rate: f64 = line.split("only ").nth(1).unwrap().split(' ').next().unwrap().parse().unwrap();
            assert!(rate < runpose_app::session::live_person::MIN_SCAN_RATE, "{line}");
        }
    }
}
