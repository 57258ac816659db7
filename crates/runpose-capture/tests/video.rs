//! Video decoding on the real treadmill clip and on files made to be awkward: rotated, odd-sized, variable frame
//! rate, truncated, not a video. Fixtures are made with the ffmpeg command-line tool (installed by setup).

// A test (or bench) fails loudly: unwrap and expect are its asserts (clippy.toml allows them in #[test] items).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

use runpose_capture::{CaptureError, VideoReader, VideoWriter, spawn_decoder};

fn clip() -> PathBuf {
    runpose_testdata::treadmill_clip()
}

fn ffmpeg(args: &[&str]) {
    let status = Command::new("ffmpeg")
        .args(["-v", "error", "-y"])
        .args(args)
        .status()
        .expect("ffmpeg is installed (scripts/setup.sh)");
    assert!(status.success(), "ffmpeg {args:?}");
}

fn read_all(path: &Path) -> (VideoReader, Vec<runpose_capture::Frame>) {
    let mut reader = VideoReader::open(path).unwrap();
    let frames: Vec<_> = reader.by_ref().collect::<Result<_, _>>().unwrap();
    (reader, frames)
}

#[test]
fn the_treadmill_clip_decodes_whole_with_stream_time_stamps() {
    let (reader, frames) = read_all(&clip());
    let info = reader.info().clone();
    assert_eq!((info.width, info.height, info.rotation), (720, 1280, 0));
    assert_eq!(frames.len(), 360);
    assert!(reader.damage().is_none());
    assert_eq!(frames[0].t, 0.0);
    for w in frames.windows(2) {
        let dt = w[1].t - w[0].t;
        assert!((dt - 1.0 / 30.0).abs() < 1e-3, "dt {dt}");
        assert_eq!(w[1].index, w[0].index + 1);
    }
    assert_eq!(frames[100].image.dimensions(), (720, 1280));
}

#[test]
fn rotation_metadata_turns_frames_upright() {
    let dir = tempfile::tempdir().unwrap();
    let rotated = dir.path().join("rotated.mp4");
    // Store the portrait clip's first second as landscape pixels, then give the track the display matrix a phone
    // writes when filming upright (FFmpeg 5.1's command line cannot set one): it turns the pixels back upright.
    let landscape = dir.path().join("landscape.mp4");
    ffmpeg(&[
        "-i",
        clip().to_str().unwrap(),
        "-t",
        "1",
        "-vf",
        "transpose=cclock",
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        landscape.to_str().unwrap(),
    ]);
    let mut bytes = std::fs::read(&landscape).unwrap();
    let be = |v: i32| v.to_be_bytes();
    let identity: Vec<u8> = [0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x4000_0000].iter().flat_map(|&v| be(v)).collect();
    let portrait: Vec<u8> = [0, 0x10000, 0, -0x10000, 0, 0, 0, 0, 0x4000_0000].iter().flat_map(|&v| be(v)).collect();
    let tkhd = bytes.windows(4).position(|w| w == b"tkhd").unwrap();
    let at = tkhd + bytes[tkhd..].windows(36).position(|w| w == identity.as_slice()).unwrap();
    bytes[at..at + 36].copy_from_slice(&portrait);
    std::fs::write(&rotated, bytes).unwrap();
    let (reader, frames) = read_all(&rotated);
    assert_eq!(reader.info().rotation, 90);
    assert_eq!((reader.info().width, reader.info().height), (720, 1280));
    assert_eq!(frames[0].image.dimensions(), (720, 1280));
    // Upright again: the top-left pixel of the rotated file's first frame matches the original's.
    let (_, original) = read_all(&clip());
    let (a, b) = (frames[0].image.get_pixel(20, 20), original[0].image.get_pixel(20, 20));
    assert!(a.0.iter().zip(b.0).all(|(x, y)| (*x as i32 - y as i32).abs() < 40), "{a:?} vs {b:?}");
}

#[test]
fn odd_sizes_and_variable_frame_rates_keep_their_geometry_and_time() {
    let dir = tempfile::tempdir().unwrap();
    let odd = dir.path().join("odd.mkv");
    // 321x241, frames at irregular times (every other interval doubled).
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "testsrc=size=321x241:rate=10:duration=2",
        "-vf",
        "settb=1/1000,setpts='(N*0.1+if(mod(N\\,2)\\,0.05\\,0))/TB'",
        "-fps_mode",
        "vfr",
        "-enc_time_base",
        "1:1000",
        "-c:v",
        "ffv1",
        odd.to_str().unwrap(),
    ]);
    let (_, frames) = read_all(&odd);
    assert_eq!(frames.len(), 20);
    assert_eq!(frames[0].image.dimensions(), (321, 241));
    let dts: Vec<f64> = frames.windows(2).map(|w| ((w[1].t - w[0].t) * 1000.0).round()).collect();
    assert_eq!(&dts[..4], &[150.0, 50.0, 150.0, 50.0], "{dts:?}");
}

#[test]
fn a_truncated_file_yields_the_frames_it_has() {
    let dir = tempfile::tempdir().unwrap();
    let fast = dir.path().join("faststart.mp4");
    ffmpeg(&["-i", clip().to_str().unwrap(), "-c", "copy", "-movflags", "+faststart", fast.to_str().unwrap()]);
    let bytes = std::fs::read(&fast).unwrap();
    let cut = dir.path().join("cut.mp4");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    let mut reader = VideoReader::open(&cut).unwrap();
    let frames: Vec<_> = reader.by_ref().collect::<Result<_, _>>().unwrap();
    assert!(frames.len() > 60 && frames.len() < 360, "{} frames", frames.len());
    assert!(reader.damage().is_some());
    // With the index at the end (as the phone wrote it), a cut file cannot be opened: a clear error, no panic.
    let raw = std::fs::read(clip()).unwrap();
    let cut_raw = dir.path().join("cut_raw.mp4");
    std::fs::write(&cut_raw, &raw[..raw.len() / 2]).unwrap();
    let err = VideoReader::open(&cut_raw).err().unwrap();
    assert!(matches!(err, CaptureError::NotAVideo { .. }), "{err}");
}

#[test]
fn missing_and_non_video_files_say_so() {
    let err = VideoReader::open("/nonexistent/clip.mp4").err().unwrap();
    assert!(matches!(err, CaptureError::NotFound(_)));
    assert!(err.to_string().contains("does not exist"));
    let dir = tempfile::tempdir().unwrap();
    let text = dir.path().join("notes.mp4");
    std::fs::write(&text, "these are not frames\n".repeat(100)).unwrap();
    let err = VideoReader::open(&text).err().unwrap();
    assert!(err.to_string().contains("could not be opened as a video"), "{err}");
}

#[test]
fn writer_round_trips_frames_and_time_stamps_through_the_decode_thread() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.mp4");
    let mut writer = VideoWriter::create(&out, 161, 120, 25.0).unwrap();
    let times = [0.0, 0.04, 0.08, 0.2, 0.24, 0.28, 0.5];
    for (i, &t) in times.iter().enumerate() {
        let img = image::RgbImage::from_pixel(161, 120, image::Rgb([(i * 30) as u8, 100, 200]));
        writer.write(&img, t).unwrap();
    }
    writer.finish().unwrap();
    if let Some(keep) = std::env::var_os("KEEP_WRITER_OUTPUT") {
        std::fs::copy(&out, keep).unwrap();
    }
    let (info, rx, handle) = spawn_decoder(&out, 2).unwrap();
    assert_eq!((info.width, info.height), (160, 120));
    let frames: Vec<_> = rx.iter().collect::<Result<_, _>>().unwrap();
    let damage = handle.join().unwrap();
    assert!(damage.is_none(), "{damage:?}");
    assert_eq!(frames.len(), times.len());
    assert_eq!(frames[0].image.dimensions(), (160, 120));
    for (f, t) in frames.iter().zip(times) {
        assert!((f.t - t).abs() < 0.002, "{} vs {t}", f.t);
    }
    let p = frames[3].image.get_pixel(80, 60).0;
    assert!((p[0] as i32 - 90).abs() < 12 && (p[2] as i32 - 200).abs() < 12, "{p:?}");
}

#[test]
fn an_h264_video_gives_the_same_frames_by_index_as_decoded_in_order() {
    let path = clip();
    let mut reader = VideoReader::open(&path).unwrap();
    let mut times = Vec::new();
    let mut sums = Vec::new();
    while let Some(f) = reader.next_frame().unwrap() {
        times.push(f.t);
        sums.push(f.image.as_raw().iter().map(|&v| u64::from(v)).sum::<u64>());
    }
    let mut video = runpose_capture::SeekableVideo::open(&path, times).unwrap();
    for i in [200, 100, 99, 98, 3, 2, 359, 358, 0, 150, 151] {
        let img = video.frame(i).unwrap();
        let sum: u64 = img.as_raw().iter().map(|&v| u64::from(v)).sum();
        assert_eq!(sum, sums[i], "frame {i}");
    }
}
