//! The c3dio crate against runpose's own C3D reader on the Fukuchi 2017 trials (issue 14: "try it and keep it if it
//! reads the Fukuchi files identically"). c3dio 0.8.0 cannot read them: its parameter parser stops with
//! `InvalidDataType` on both trials (their headers read; runpose's reader reads their parameters), so runpose
//! keeps its reader (docs/markers.md). Should a later c3dio read them, this test compares every marker coordinate and
//! analog sample with runpose's and fails on a difference, which is then the case for switching.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use c3dio::prelude::*;
use runpose_capture::markers::read_c3d;

#[test]
fn c3dio_reads_the_fukuchi_trials_as_runpose_does_or_not_at_all() {
    for name in ["RBDS001runT35.c3d", "RBDS001static.c3d"] {
        let path = runpose_testdata::fukuchi_dir().join(name);
        let ours = read_c3d(&path).unwrap();
        let theirs = match C3d::load(path.to_str().unwrap()) {
            Ok(c3d) => c3d,
            Err(e) => {
                assert!(matches!(e, C3dParseError::InvalidDataType), "{name}: c3dio fails otherwise: {e:?}");
                println!("{name}: c3dio cannot read it ({e:?}); runpose reads {} markers", ours.markers.names.len());
                continue;
            }
        };
        let p = &theirs.points;
        println!(
            "{name}: ours {} markers × {} frames at {} Hz; c3dio {} labels, grid {:?} at {} Hz, units {:?}",
            ours.markers.names.len(),
            ours.markers.frames.len(),
            ours.markers.rate_hz,
            p.labels.len(),
            p.points.size(),
            p.frame_rate,
            p.units
        );
        let names: Vec<String> = p.labels.iter().map(|l| l.trim().to_string()).collect();
        assert_eq!(names, ours.markers.names, "{name}: marker names");
        assert_eq!(f64::from(p.frame_rate), ours.markers.rate_hz, "{name}: rate");
        let (rows, cols) = p.points.size();
        assert_eq!((rows, cols), (ours.markers.frames.len(), ours.markers.names.len()), "{name}: size");
        let mut differ = 0usize;
        let mut worst = 0.0f64;
        for (f, row) in ours.markers.frames.iter().enumerate() {
            for (m, mine) in row.iter().enumerate() {
                let mp = p.points.get(f, m).unwrap();
                let seen = mp.residual >= 0.0 && mp.point.iter().any(|v| *v != 0.0);
                match (mine, seen) {
                    (Some(a), true) => {
                        for (mine, theirs) in a.iter().zip(mp.point) {
                            worst = worst.max((mine - f64::from(theirs)).abs());
                        }
                    }
                    (None, false) => {}
                    _ => differ += 1,
                }
            }
        }
        println!("{name}: markers seen differently in {differ} places, largest coordinate difference {worst}");
        assert_eq!(differ, 0, "{name}: which markers are seen");
        assert!(worst < 1e-3, "{name}: coordinates differ by {worst}");
        if let Some(analog) = &ours.analog {
            let a = &theirs.analog;
            let (rows, cols) = a.analog.size();
            println!(
                "{name}: analog ours {} channels × {}; c3dio {rows} × {cols} at {} Hz",
                analog.channels.len(),
                analog.channels[0].len(),
                a.rate
            );
            let mut worst = 0.0f64;
            for (c, ch) in analog.channels.iter().enumerate() {
                for (i, v) in ch.iter().enumerate() {
                    worst = worst.max((v - a.analog.get(i, c).copied().unwrap()).abs());
                }
            }
            println!("{name}: analog largest difference {worst}");
            assert!(worst < 1e-6, "{name}: analog differs by {worst}");
        }
    }
}
