//! docs/validation.md's numbers, with their bands enforced, and left/right settling on the real treadmill clip frame
//! by frame. One model run of the clip serves both (it gives the landmark jitter and the settled frames).
//! `RUNPOSE_WRITE_DOCS=1` also rewrites docs/validation.md.

// A test (or bench) fails loudly: unwrap and expect are its asserts (clippy.toml allows them in #[test] items).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::sync::OnceLock;

use runpose_core::{Analysis, Facing, Side, gait};
use runpose_validation::force_plate::{self as validation, ClipJitter};
use runpose_vision::ModelVariant;

mod common;
use common::data_dir;

fn clip_run() -> &'static (ClipJitter, Analysis) {
    static RUN: OnceLock<(ClipJitter, Analysis)> = OnceLock::new();
    RUN.get_or_init(|| {
        let (_, _, clip) = validation::trial_paths(&data_dir());
        validation::clip_jitter(&clip, ModelVariant::Full).expect("the treadmill clip analyses")
    })
}

#[test]
fn gait_events_stay_within_their_bands_against_the_force_plate() {
    let (jitter, _) = clip_run();
    assert!(jitter.residual_ll > 0.001 && jitter.residual_ll < 0.1, "{jitter:?}");
    let (_, _, clip) = validation::trial_paths(&data_dir());
    let others: Vec<(ClipJitter, Analysis)> = [ModelVariant::Lite, ModelVariant::Heavy]
        .into_iter()
        .map(|m| validation::clip_jitter(&clip, m).expect("the treadmill clip analyses"))
        .collect();
    let (_, full) = clip_run();
    let mut analyses: Vec<(&'static str, &Analysis)> = vec![("full", full)];
    analyses.extend(others.iter().map(|(j, a)| (j.model, a)));
    let jitters: Vec<ClipJitter> = others.iter().map(|(j, _)| j.clone()).collect();
    let report = validation::run(&data_dir(), jitter.clone(), &jitters, &analyses).expect("the Fukuchi trial analyses");
    let text = report.to_markdown();
    println!("{text}");
    if std::env::var_os("RUNPOSE_WRITE_DOCS").is_some() {
        std::fs::write(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/validation.md"), &text).unwrap();
    }
    assert_eq!(report.contacts, 85, "force-plate contacts of the 30 s trial");
    // The default model of `analyze` is among the jitters held to the targets.
    assert!(
        report
            .sensitivity
            .iter()
            .any(|x| x.banded && x.source.starts_with(runpose_app::session::estimate::DEFAULT_MODEL.name()))
    );
    let out: Vec<String> = report
        .bands()
        .into_iter()
        .filter(|b| !b.ok)
        .map(|b| format!("{} = {:.3} ({})", b.what, b.value, b.rule))
        .collect();
    assert!(out.is_empty(), "out of band: {out:#?}");
    // Metrics without their landmarks are left out, not guessed: the set has no shoulders.
    let s = &report.native.summary;
    assert_eq!(s.trunk_angle_deg, None);
    assert!(s.missing_landmarks.contains(&"left_shoulder"));
    assert!(
        s.low_confidence.contains(&"fall_angle"),
        "a hip-only centre of mass is low confidence: {:?}",
        s.low_confidence
    );
    assert!(s.confidence.contact > 0.99);
}

#[test]
fn left_and_right_never_flip_on_the_real_clip() {
    let (_, a) = clip_run();
    assert_eq!(a.summary.facing, Facing::Left);
    assert_eq!(a.summary.near_side, Side::Left, "facing left, the camera sees the left side");
    // Facing decided on any 2 s stretch agrees with the whole clip's.
    let window = (2.0 * a.summary.fps).round() as usize;
    for start in (0..a.frames.len().saturating_sub(window)).step_by(window / 4) {
        assert_eq!(gait::detect_facing(&a.frames[start..start + window]), Facing::Left, "frames {start}..");
    }
    // Frame by frame, each leg continues its own path: a flip of the labels would make exchanging them move the legs'
    // points far less than keeping them (the legs are at least 0.4 leg lengths apart in the frames checked; where
    // they cross under the body they cannot be told apart by position).
    let leg = a.summary.leg_length_px;
    let points = |p: &runpose_core::Pose, s: Side| [s.knee(), s.ankle(), s.heel(), s.toe()].map(|l| p.pt(l));
    let mut checked = 0;
    for (i, w) in a.frames.windows(2).enumerate() {
        let (Some(p), Some(q)) = (&w[0].pose, &w[1].pose) else { continue };
        let travel = |a: [runpose_core::Point; 4], b: [runpose_core::Point; 4]| {
            a.iter().zip(&b).map(|(x, y)| x.dist(*y)).sum::<f64>()
        };
        let (pl, pr, ql, qr) =
            (points(p, Side::Left), points(p, Side::Right), points(q, Side::Left), points(q, Side::Right));
        let apart = travel(pl, pr) / leg;
        if apart < 0.4 {
            continue;
        }
        checked += 1;
        let keep = travel(pl, ql) + travel(pr, qr);
        let swap = travel(pl, qr) + travel(pr, ql);
        assert!(swap >= 0.6 * keep, "frames {i}-{}: labels flip (keep {keep:.0} px, swap {swap:.0} px)", i + 1);
    }
    assert!(checked > 300, "only {checked} frame pairs had the legs apart");
    println!("sides: {:?}", a.summary.sides);
}
