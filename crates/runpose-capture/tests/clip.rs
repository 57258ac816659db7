//! Clips: written, read back, and recovered after the recording process is killed.

// A test (or bench) fails loudly: unwrap and expect are its asserts (clippy.toml allows them in #[test] items).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::time::{Duration, Instant};

use image::{Rgb, RgbImage};
use runpose_capture::VideoReader;
use runpose_capture::clip::{
    self, ClipMeta, ClipState, ClipStatus, ClipWriter, open_clip, read_manifest, read_poses, recover, write_manifest,
};
use runpose_core::{Keypoint, NUM_LANDMARKS, Pose};

const FPS: f64 = 30.0;

fn meta() -> ClipMeta {
    ClipMeta { source: "test pattern".into(), height_cm: Some(181.0), model: "full".into() }
}

/// Frame `i`: a bar whose position encodes the index, so frames can be told apart after decoding.
fn picture(i: usize) -> RgbImage {
    let mut img = RgbImage::from_pixel(320, 240, Rgb([30, 40, 50]));
    let x0 = (i * 7) % 300;
    for y in 100..140 {
        for x in x0..x0 + 20 {
            img.put_pixel(x as u32, y, Rgb([250, 250, 250]));
        }
    }
    img
}

fn pose(i: usize) -> Option<Pose> {
    (i % 5 != 4).then(|| {
        let mut k = [Keypoint::default(); NUM_LANDMARKS];
        for (j, p) in k.iter_mut().enumerate() {
            *p = Keypoint { x: 10.0 * j as f64 + i as f64, y: 200.0 - j as f64, z: -1.5, score: 0.9 };
        }
        Pose::new(k)
    })
}

fn bar_position(img: &RgbImage) -> Option<u32> {
    (0..img.width()).find(|&x| img.get_pixel(x, 120)[0] > 150)
}

#[test]
fn a_finished_clip_reads_back_frame_for_frame() {
    let dir = tempfile::tempdir().unwrap();
    let clip_dir = dir.path().join("clip");
    let mut w = ClipWriter::create(&clip_dir, meta(), 320, 240, FPS).unwrap();
    for i in 0..45 {
        w.push(10.0 + i as f64 / FPS, &picture(i), pose(i).as_ref()).unwrap();
    }
    let manifest = w.finish().unwrap();
    assert_eq!(manifest.frames, 45);
    assert!((manifest.duration_s - 44.0 / FPS).abs() < 1e-3, "times start at the first frame");
    assert_eq!(manifest.state, ClipState::Recording, "complete only once the app has analysed it");

    let poses = read_poses(&clip_dir).unwrap();
    assert_eq!(poses.len(), 45);
    for (i, f) in poses.iter().enumerate() {
        assert!((f.t - i as f64 / FPS).abs() < 1e-3);
        assert_eq!(f.pose.is_some(), pose(i).is_some(), "frame {i}");
        if let (Some(a), Some(b)) = (&f.pose, pose(i)) {
            assert!((a.keypoints[12].x - b.keypoints[12].x).abs() < 0.01);
            assert!((a.keypoints[12].z - b.keypoints[12].z).abs() < 0.01);
        }
    }
    let mut reader = VideoReader::open(clip_dir.join(clip::VIDEO_FILE)).unwrap();
    let mut n = 0;
    while let Some(frame) = reader.next_frame().unwrap() {
        assert_eq!(bar_position(&frame.image), bar_position(&picture(n)), "frame {n} decodes as written");
        assert!((frame.t - n as f64 / FPS).abs() < 2e-3, "frame {n} at {}", frame.t);
        n += 1;
    }
    assert_eq!(n, 45);

    // Not yet marked complete and not held: it reads as interrupted; marked complete, it is complete.
    assert!(matches!(open_clip(&clip_dir).unwrap(), ClipStatus::Interrupted(_)));
    let mut m = read_manifest(&clip_dir).unwrap();
    m.state = ClipState::Complete;
    write_manifest(&clip_dir, &m).unwrap();
    assert!(matches!(open_clip(&clip_dir).unwrap(), ClipStatus::Complete(_)));
}

#[test]
fn a_clip_folder_in_use_or_damaged_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let clip_dir = dir.path().join("clip");
    let w = ClipWriter::create(&clip_dir, meta(), 320, 240, FPS).unwrap();
    assert!(matches!(open_clip(&clip_dir).unwrap(), ClipStatus::InProgress(_)), "the recorder holds its lock");
    assert!(recover(&clip_dir).unwrap_err().to_string().contains("still being recorded"));
    let again =
        ClipWriter::create(&clip_dir, meta(), 320, 240, FPS).err().expect("an existing clip is never overwritten");
    assert!(again.to_string().contains("not empty"), "{again}");
    drop(w);

    std::fs::write(clip_dir.join(clip::MANIFEST_FILE), "{ not json").unwrap();
    let e = read_manifest(&clip_dir).unwrap_err().to_string();
    assert!(e.contains("damaged manifest"), "{e}");
    let e = read_manifest(dir.path()).unwrap_err().to_string();
    assert!(e.contains("runpose clip folder"), "{e}");
}

/// The child's part of the kill test: records test frames at 30 fps until it is killed.
fn record_until_killed(clip_dir: &Path) {
    let mut w = ClipWriter::create(clip_dir, meta(), 320, 240, FPS).unwrap();
    let start = Instant::now();
    for i in 0.. {
        let due = start + Duration::from_secs_f64(i as f64 / FPS);
        std::thread::sleep(due.saturating_duration_since(Instant::now()));
        w.push(i as f64 / FPS, &picture(i), pose(i).as_ref()).unwrap();
        // Tell the parent how far it got (stderr is not buffered).
        eprintln!("wrote {i}");
    }
}

#[test]
fn a_recording_killed_mid_way_is_recovered_but_for_its_last_half_second() {
    if let Some(dir) = std::env::var_os("RUNPOSE_TEST_RECORD_CHILD") {
        record_until_killed(Path::new(&dir));
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let clip_dir = dir.path().join("clip");
    let mut child = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "a_recording_killed_mid_way_is_recovered_but_for_its_last_half_second", "--nocapture"])
        .env("RUNPOSE_TEST_RECORD_CHILD", &clip_dir)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Read the child's progress until about 2.5 s are written, then kill it (SIGKILL).
    use std::io::BufRead;
    let mut last = 0usize;
    let mut lines = std::io::BufReader::new(child.stderr.take().unwrap()).lines();
    for line in lines.by_ref() {
        if let Some(n) = line.unwrap().strip_prefix("wrote ").and_then(|n| n.parse::<usize>().ok()) {
            last = n;
            if n >= 75 {
                break;
            }
        }
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(last >= 75, "the child recorded");

    assert!(matches!(open_clip(&clip_dir).unwrap(), ClipStatus::Interrupted(_)), "the lock died with the process");
    let recovery = recover(&clip_dir).unwrap();
    let written = last + 1;
    // Synced every half second; the frames after the last sync may or may not have reached the file.
    assert!(recovery.frames + (0.5 * FPS) as usize + 1 >= written, "kept {} of {written}", recovery.frames);
    assert!(recovery.frames <= written + 1);
    let m = read_manifest(&clip_dir).unwrap();
    assert!(m.recovered);
    assert_eq!(m.frames, recovery.frames);
    assert!((m.duration_s - (recovery.frames - 1) as f64 / FPS).abs() < 1e-3);

    // Picture and pose agree frame by frame after recovery.
    assert_eq!(read_poses(&clip_dir).unwrap().len(), recovery.frames);
    let mut reader = VideoReader::open(clip_dir.join(clip::VIDEO_FILE)).unwrap();
    let mut n = 0;
    while let Some(frame) = reader.next_frame().unwrap() {
        assert_eq!(bar_position(&frame.image), bar_position(&picture(n)), "frame {n}");
        n += 1;
    }
    assert_eq!(n, recovery.frames);
    assert!(reader.damage().is_none(), "the recovered video is whole: {:?}", reader.damage());
}

#[test]
fn markup_saves_atomically_round_trips_and_an_unreadable_file_is_never_replaced_unasked() {
    use runpose_capture::clip::{load_markup, markup_path, save_markup};
    use runpose_core::markup::{Mark, Markup, Shape};
    use runpose_core::{Landmark, Point};
    let dir = tempfile::tempdir().unwrap();
    let video = dir.path().join("run.mp4");
    std::fs::write(&video, b"not read").unwrap();
    let path = markup_path(&video);
    assert_eq!(path, dir.path().join("run.mp4.markup.json"));
    assert_eq!(markup_path(dir.path()), dir.path().join("markup.json"));
    assert_eq!(load_markup(&path).unwrap(), None, "no markup yet");

    let mut m = Markup::default();
    m.marks.push(Mark {
        frame: 12,
        shape: Shape::Angle { a: Point::new(1.0, 2.0), vertex: Point::new(3.0, 4.0), b: Point::new(9.0, 4.0) },
    });
    m.marks
        .push(Mark { frame: 12, shape: Shape::Text { at: Point::new(5.0, 5.0), text: "land under the hip".into() } });
    m.correct(12, Landmark::LeftFootIndex, Point::new(300.0, 700.0));
    save_markup(&path, &m, false).unwrap();
    assert_eq!(load_markup(&path).unwrap(), Some(m.clone()));

    // Saved through the one atomic writer (`atomic::write_atomic`, whose own test fails a write half-way): nothing is
    // left beside the file.
    let mut names: Vec<String> =
        std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    assert_eq!(names, ["run.mp4", "run.mp4.markup.json"]);

    // A damaged file is reported and kept; replacing it needs asking, and then a copy stays beside it.
    std::fs::write(&path, "{\"format\": \"runpose-markup\", \"version\": 1, \"marks\": [").unwrap();
    let e = load_markup(&path).unwrap_err().to_string();
    assert!(e.contains("kept as it is"), "{e}");
    assert!(save_markup(&path, &m, false).is_err());
    assert!(std::fs::read_to_string(&path).unwrap().ends_with('['), "not overwritten");
    save_markup(&path, &m, true).unwrap();
    assert_eq!(load_markup(&path).unwrap(), Some(m));
    assert!(std::fs::read_to_string(dir.path().join("run.mp4.markup.json.unreadable-1")).unwrap().ends_with('['));
}

#[test]
fn frames_come_by_index_forward_backward_and_by_jumps() {
    let dir = tempfile::tempdir().unwrap();
    let clip_dir = dir.path().join("clip");
    let mut w = ClipWriter::create(&clip_dir, meta(), 320, 240, FPS).unwrap();
    for i in 0..90 {
        w.push(i as f64 / FPS, &picture(i), None).unwrap();
    }
    w.finish().unwrap();
    let times: Vec<f64> = read_poses(&clip_dir).unwrap().iter().map(|f| f.t).collect();
    let mut video = runpose_capture::SeekableVideo::open(clip_dir.join(clip::VIDEO_FILE), times).unwrap();
    assert_eq!(video.len(), 90);
    for i in [0, 1, 2, 1, 0, 60, 59, 58, 89, 3, 45, 46, 44, 88, 89] {
        let img = video.frame(i).unwrap();
        assert_eq!(bar_position(&img), bar_position(&picture(i)), "frame {i}");
    }
    assert!(video.frame(90).is_err());
}

#[test]
fn frames_the_live_model_skipped_are_recorded_and_marked_for_estimating_through_a_recovery() {
    let dir = tempfile::tempdir().unwrap();
    let clip_dir = dir.path().join("clip");
    let mut w = ClipWriter::create(&clip_dir, meta(), 320, 240, FPS).unwrap();
    // Every picture is written as it comes; the rows follow, every third frame skipped by the model.
    let mut written = Vec::new();
    for i in 0..30 {
        written.push(w.push_frame(i as f64 / FPS, &picture(i)).unwrap());
    }
    for (i, (frame, t)) in written.into_iter().enumerate() {
        assert_eq!(frame, i);
        let analysed = i % 3 != 1;
        w.push_row(frame, t, if analysed { pose(i) } else { None }.as_ref(), analysed).unwrap();
    }
    let manifest = w.finish().unwrap();
    assert_eq!((manifest.frames, manifest.estimated), (30, 10));
    let rows = clip::read_pose_rows(&clip_dir.join(clip::POSES_FILE)).unwrap();
    assert_eq!(rows.analysed, (0..30).map(|i| i % 3 != 1).collect::<Vec<_>>());
    assert!(rows.frames.iter().enumerate().all(|(i, f)| f.pose.is_some() == (i % 3 != 1 && i % 5 != 4)));
    // Left "recording" (as after a crash before the analysis): recovery keeps which rows await estimating.
    let mut m = read_manifest(&clip_dir).unwrap();
    m.state = ClipState::Recording;
    write_manifest(&clip_dir, &m).unwrap();
    assert!(matches!(open_clip(&clip_dir).unwrap(), ClipStatus::Interrupted(_)));
    let r = recover(&clip_dir).unwrap();
    assert_eq!(r.frames, 30);
    assert_eq!(clip::read_pose_rows(&clip_dir.join(clip::POSES_FILE)).unwrap(), rows);
}

/// A poses file (a video's `NAME.poses.csv` cache, a clip's poses.csv) reads back as written; a last row cut off
/// (a crash mid-write) is left out and said; a damaged row before the last is an error, not the end of the file.
#[test]
fn a_poses_file_cut_off_or_damaged_is_never_taken_for_a_whole_one() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("run.mp4.poses.csv");
    let frames: Vec<runpose_core::PoseFrame> =
        (0..6).map(|i| runpose_core::PoseFrame { t: i as f64 / FPS, pose: pose(i) }).collect();
    clip::write_poses(&path, &frames).unwrap();
    let whole = clip::read_pose_rows(&path).unwrap();
    assert_eq!(whole.frames.len(), 6);
    assert!(!whole.cut_off);
    // Nothing but the file itself is left in the folder (the atomic write's temporary file is gone).
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);

    let text = std::fs::read_to_string(&path).unwrap();
    // Killed in the middle of the last row.
    std::fs::write(&path, &text[..text.len() - 40]).unwrap();
    let cut = clip::read_pose_rows(&path).unwrap();
    assert!(cut.cut_off);
    assert_eq!(cut.frames[..], whole.frames[..5]);

    // A row in the middle with a value that does not read.
    let lines: Vec<&str> = text.lines().collect();
    let mut damaged: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    damaged[3] = damaged[3].replacen(",0.9", ",x", 1);
    std::fs::write(&path, damaged.join("\n")).unwrap();
    let err = clip::read_pose_rows(&path).unwrap_err();
    assert!(err.to_string().contains("row 3 is damaged"), "{err}");
}
