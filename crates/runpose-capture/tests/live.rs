//! The live sources: a video played as if it were a camera (at its own pace, looping, time stamps continuing), a
//! missing file or camera reported as an event rather than a panic, and newest-wins hand-over to a slow consumer.

// A test (or bench) fails loudly: unwrap and expect are its asserts (clippy.toml allows them in #[test] items).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use image::RgbImage;
use runpose_capture::live::{CameraMode, CaptureEvent, LiveSource, latest, list_cameras, spawn_capture};
use runpose_capture::{CaptureError, VideoWriter};

/// A 12-frame clip at 30 fps whose frames are numbered by their grey level.
fn short_clip(dir: &std::path::Path) -> std::path::PathBuf {
    let path = dir.join("short.mp4");
    let mut w = VideoWriter::create(&path, 64, 48, 30.0).unwrap();
    for i in 0..12u8 {
        w.write(&RgbImage::from_pixel(64, 48, image::Rgb([i * 20, i * 20, i * 20])), i as f64 / 30.0).unwrap();
    }
    w.finish().unwrap()
}

#[test]
fn a_video_plays_at_its_own_pace_and_loops() {
    let dir = tempfile::tempdir().unwrap();
    let clip = short_clip(dir.path());
    let (tx, rx) = latest();
    let started = Instant::now();
    let capture = spawn_capture(LiveSource::Video(clip), tx);
    let mut frames = Vec::new();
    while frames.len() < 30 {
        match rx.rx.recv_timeout(Duration::from_secs(5)).expect("frames keep coming") {
            CaptureEvent::Frame(f) => frames.push(f),
            CaptureEvent::Failed(e) => panic!("{e}"),
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    capture.stop();
    // Every frame taken (a fast consumer drops nothing), numbered in order, 1/30 s apart across the loops.
    assert_eq!(rx.dropped(), 0);
    for w in frames.windows(2) {
        assert_eq!(w[1].index, w[0].index + 1);
        let dt = w[1].t - w[0].t;
        assert!((dt - 1.0 / 30.0).abs() < 2e-3, "dt {dt} at frame {}", w[1].index);
        assert!(w[1].captured >= w[0].captured);
    }
    // The clip has 12 frames: frame 12 is the first one again.
    let grey = |f: &runpose_capture::live::LiveFrame| f.image.get_pixel(32, 24)[0] as i32;
    assert!((grey(&frames[12]) - grey(&frames[0])).abs() <= 6);
    assert!((grey(&frames[17]) - grey(&frames[5])).abs() <= 6);
    // Played at its own pace, not as fast as it decodes: 30 frames span 29/30 s of source time.
    assert!(elapsed >= frames[29].t - frames[0].t - 0.02, "30 frames in {elapsed:.3} s");
}

#[test]
fn a_slow_consumer_gets_the_newest_frame_and_the_rest_are_counted_as_dropped() {
    let dir = tempfile::tempdir().unwrap();
    let clip = short_clip(dir.path());
    let (tx, rx) = latest();
    let capture = spawn_capture(LiveSource::Video(clip), tx);
    let mut taken = Vec::new();
    for _ in 0..4 {
        std::thread::sleep(Duration::from_millis(150));
        if let CaptureEvent::Frame(f) = rx.rx.recv_timeout(Duration::from_secs(5)).unwrap() {
            taken.push(f.index);
        }
    }
    capture.stop();
    // Never a queue: what the consumer takes is at most one frame old, so indexes jump by about 150 ms of frames.
    assert!(taken.windows(2).all(|w| w[1] >= w[0] + 3), "{taken:?}");
    assert!(rx.dropped() >= 9, "{} dropped", rx.dropped());
}

#[test]
fn a_missing_video_or_camera_is_an_event_not_a_panic() {
    let (tx, rx) = latest();
    let _capture = spawn_capture(LiveSource::Video("/nonexistent/clip.mp4".into()), tx);
    match rx.rx.recv_timeout(Duration::from_secs(5)).unwrap() {
        CaptureEvent::Failed(CaptureError::NotFound(p)) => assert!(p.ends_with("clip.mp4")),
        other => panic!("{other:?}"),
    }
    // No camera on this machine: listing gives none, and opening one fails with a message saying what to do.
    let cameras = list_cameras().unwrap_or_default();
    let missing = cameras.iter().map(|c| c.index).max().map_or(0, |i| i + 1);
    let (tx, rx) = latest();
    let _capture = spawn_capture(LiveSource::Camera { index: missing, mode: CameraMode::default() }, tx);
    match rx.rx.recv_timeout(Duration::from_secs(10)).unwrap() {
        CaptureEvent::Failed(e @ CaptureError::Camera { .. }) => assert!(e.to_string().contains("retry"), "{e}"),
        other => panic!("{other:?}"),
    }
}
