//! Cameras people actually have (issue 13): the treadmill clip made into what a 360p camera, a phone at 15 fps, a
//! landscape frame with the runner small in it, a dim noisy room and a mirrored view would give (ffmpeg), each
//! analysed with the default model like the full-quality clip. Every step must still be found (within one of the
//! full-quality count), cadence within 2 spm, the summary's contact time within one 30 fps frame (33 ms) and its
//! fall angle at toe-off within 2° of the full-quality clip's — each target where it is met, else the level reached
//! so that a regression fails, the target named as missed (printed; README's validation paragraph gives the figures).

// A test (or bench) fails loudly: unwrap and expect are its asserts (clippy.toml allows them in #[test] items).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::Command;

use runpose_app::session::analyze::run;
use runpose_app::session::estimate::{AnalyzeOptions, DEFAULT_MODEL};
use runpose_core::Summary;

mod common;
use common::treadmill_clip;

fn analyse(video: &Path, out: &Path) -> Summary {
    analyse_with(video, out, false)
}

fn analyse_with(video: &Path, out: &Path, mirror_average: bool) -> Summary {
    let options = AnalyzeOptions {
        video: video.to_path_buf(),
        markers: None,
        trc_out: None,
        out: out.to_path_buf(),
        height_cm: Some(175.0),
        model: DEFAULT_MODEL,
        overlay: false,
        threads: None,
        progress: false,
        person: None,
        chunks: 1,
        mirror_average,
    };
    run(&options).expect("the variant analyses").analysis.summary
}

fn make(filter: &str, out: &Path) {
    let status = Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-i"])
        .arg(treadmill_clip())
        .args(["-vf", filter, "-c:v", "libx264", "-preset", "veryfast", "-crf", "26"])
        .arg(out)
        .status()
        .expect("ffmpeg runs (scripts/setup.sh installs it)");
    assert!(status.success(), "ffmpeg {filter}");
}

#[test]
fn every_step_cadence_contact_and_fall_angle_hold_across_cameras() {
    let dir = tempfile::tempdir().unwrap();
    let base = analyse(&treadmill_clip(), &dir.path().join("base"));
    // (name, ffmpeg filter, cadence band spm, fall-angle band °): the targets (2 spm, 2°) where met, else the level
    // reached here with a margin, so that a regression fails; the test prints the targets missed.
    let variants = [
        ("360p", "scale=360:640", 2.0, 2.0),
        ("15 fps", "fps=15", 2.0, 2.0),
        ("small in a landscape frame", "pad=2276:1280:778:0:black,scale=1280:720", 2.0, 2.0),
        ("dim and noisy", "eq=brightness=-0.18:contrast=0.7,noise=alls=10:allf=t", 2.0, 2.0),
        ("mirrored (facing right)", "hflip", 2.0, 2.0),
    ];
    let mut report = Vec::new();
    let mut out = Vec::new();
    let mut missed = Vec::new();
    for (name, filter, cadence_band, fall_band) in variants {
        let video = dir.path().join(format!("{}.mp4", name.split(' ').next().unwrap()));
        make(filter, &video);
        let s = analyse(&video, &dir.path().join(format!("out-{}", name.len())));
        let steps = s.steps as i64 - base.steps as i64;
        let cadence = s.cadence_spm.unwrap() - base.cadence_spm.unwrap();
        let contact = s.contact_ms.unwrap() - base.contact_ms.unwrap();
        let fall = s.fall_angle_deg.unwrap() - base.fall_angle_deg.unwrap();
        report.push(format!(
            "{name}: steps {} ({steps:+}), cadence {cadence:+.1} spm, contact {contact:+.0} ms, fall angle {fall:+.1}°",
            s.steps
        ));
        if steps.abs() > 1 {
            out.push(format!("{name}: {} steps against {}", s.steps, base.steps));
        }
        if cadence.abs() > cadence_band {
            out.push(format!("{name}: cadence {cadence:+.1} spm (band {cadence_band})"));
        }
        if contact.abs() > 1000.0 / 30.0 {
            out.push(format!("{name}: contact {contact:+.0} ms"));
        }
        if fall.abs() > fall_band {
            out.push(format!("{name}: fall angle {fall:+.1}° (band {fall_band}°)"));
        }
        if cadence.abs() > 2.0 {
            missed.push(format!("{name}: cadence {cadence:+.1} spm (target 2)"));
        }
        if fall.abs() > 2.0 {
            missed.push(format!("{name}: fall angle {fall:+.1}° (target 2°)"));
        }
        assert_eq!(s.activity, runpose_core::summary::Activity::Running, "{name}");
    }
    println!(
        "full quality: {} steps, cadence {:.1}, contact {:.0} ms, fall angle {:.1}°",
        base.steps,
        base.cadence_spm.unwrap(),
        base.contact_ms.unwrap(),
        base.fall_angle_deg.unwrap()
    );
    println!("{}", report.join("\n"));
    println!("targets missed: {missed:?}");
    // With the landmark model averaged over each region and its mirror (`analyze --mirror-average`), the mirrored
    // clip meets the targets against the clip analysed the same way too (measured: fall angle +0.7°; one pass,
    // the model shown the runner facing left: +1.2°, and +3.1° shown as filmed).
    let base_avg = analyse_with(&treadmill_clip(), &dir.path().join("base-avg"), true);
    let written = std::fs::read_to_string(dir.path().join("base-avg/summary.json")).unwrap();
    assert!(written.contains("\"mirror_average\": true"), "summary.json says how the landmarks were found");
    let mirrored_avg = analyse_with(&dir.path().join("mirrored.mp4"), &dir.path().join("mirrored-avg"), true);
    let fall = mirrored_avg.fall_angle_deg.unwrap() - base_avg.fall_angle_deg.unwrap();
    let cadence = mirrored_avg.cadence_spm.unwrap() - base_avg.cadence_spm.unwrap();
    let contact = mirrored_avg.contact_ms.unwrap() - base_avg.contact_ms.unwrap();
    println!(
        "mirror-averaged: full quality {:.1}°, mirrored {fall:+.1}°, cadence {cadence:+.1} spm, contact {contact:+.0} ms, \
         steps {} / {}",
        base_avg.fall_angle_deg.unwrap(),
        mirrored_avg.steps,
        base_avg.steps
    );
    if fall.abs() > 2.0 || cadence.abs() > 2.0 || contact.abs() > 1000.0 / 30.0 {
        out.push(format!(
            "mirror-averaged mirrored: fall angle {fall:+.1}°, cadence {cadence:+.1}, contact {contact:+.0}"
        ));
    }
    if (mirrored_avg.steps as i64 - base_avg.steps as i64).abs() > 1 {
        out.push(format!("mirror-averaged mirrored: {} steps against {}", mirrored_avg.steps, base_avg.steps));
    }
    assert!(out.is_empty(), "{out:#?}");
}

/// The landmark model averaged over the region and its mirror (`TrackerOptions::mirror_average`) is the same
/// whichever way the person faces: a frame of the treadmill clip and its mirror image, each in the mirrored region of
/// the other, give landmarks that are mirror images of each other within 0.5 px (the model alone: several pixels).
#[test]
fn mirror_averaged_landmarks_are_the_same_whichever_way_the_runner_faces() {
    let mut reader = runpose_capture::VideoReader::open(treadmill_clip()).unwrap();
    let frame = reader.nth(60).unwrap().unwrap();
    let image = frame.image;
    let mirrored = image::imageops::flip_horizontal(&image);
    let width = image.width() as f32;
    let mut apart = Vec::new();
    for average in [false, true] {
        let mut tracker = runpose_app::session::estimate::load_tracker(DEFAULT_MODEL, None).unwrap();
        tracker.set_mirror_average(average);
        let roi = tracker.detect(&image).unwrap().unwrap().roi();
        let flipped = runpose_vision::Roi { cx: width - roi.cx, rotation: -roi.rotation, ..roi };
        let (a, _) = tracker.landmarks(&image, &roi).unwrap();
        let (b, _) = tracker.landmarks(&mirrored, &flipped).unwrap();
        let mut back = b.pose.clone();
        back.swap_sides();
        let worst = runpose_core::Landmark::ALL
            .iter()
            .map(|&l| {
                let (p, q) = (a.pose.pt(l), back.pt(l));
                (p.x - (f64::from(width) - q.x)).hypot(p.y - q.y)
            })
            .fold(0.0, f64::max);
        apart.push(worst);
    }
    println!(
        "landmarks apart, mirror image against the frame: model alone {:.2} px, averaged {:.2} px",
        apart[0], apart[1]
    );
    assert!(apart[1] <= 0.5, "{apart:?}");
    assert!(apart[0] > apart[1], "{apart:?}");
}

/// The tracker shows the landmark model every runner facing the same way (`TrackerOptions::one_facing`): tracked
/// through the first 1.5 s of the treadmill clip and of its exact mirror image, the landmarks are mirror images of
/// each other within a median of 3 px (measured 1.9 px here, 1.4 px over the whole clip); shown to the model as they are, the
/// runner facing the other way, they are several pixels apart (5.8 px; 5.0 px over the whole clip).
#[test]
fn tracked_landmarks_are_the_same_whichever_way_the_runner_faces() {
    let mut reader = runpose_capture::VideoReader::open(treadmill_clip()).unwrap();
    let frames: Vec<image::RgbImage> = (0..45).map(|_| reader.next_frame().unwrap().unwrap().image).collect();
    let width = f64::from(frames[0].width());
    let mut apart = Vec::new();
    for one_facing in [false, true] {
        let mut distances = Vec::new();
        let mut tracker = runpose_app::session::estimate::load_tracker(DEFAULT_MODEL, None).unwrap();
        let mut mirror_tracker = runpose_app::session::estimate::load_tracker(DEFAULT_MODEL, None).unwrap();
        tracker.set_one_facing(one_facing);
        mirror_tracker.set_one_facing(one_facing);
        for image in &frames {
            let a = tracker.process(image).unwrap().unwrap();
            let mirrored = image::imageops::flip_horizontal(image);
            let mut back = mirror_tracker.process(&mirrored).unwrap().unwrap().pose;
            back.swap_sides();
            distances.extend(runpose_core::Landmark::ALL.iter().map(|&l| {
                let (p, q) = (a.pose.pt(l), back.pt(l));
                (p.x - (width - q.x)).hypot(p.y - q.y)
            }));
        }
        apart.push(runpose_core::stats::median(&distances).unwrap());
    }
    println!(
        "tracked landmarks apart, mirror image against the clip: as seen {:.2} px, one facing {:.2} px",
        apart[0], apart[1]
    );
    assert!(apart[1] <= 3.0, "{apart:?}");
    assert!(apart[0] > 2.0 * apart[1], "{apart:?}");
}
