use super::*;
use crate::PoseFrame;
use crate::skeleton::{Facing, Landmark, Point, Pose, Side};

#[test]
fn a_swing_ends_at_the_next_contact_of_its_foot_or_where_a_missed_one_must_be() {
    let st = |side, ic_frame: usize, to_frame: usize| Stance {
        side,
        ic_t: ic_frame as f64,
        to_t: to_frame as f64,
        ic_frame,
        to_frame,
    };
    let (l, r) = (Side::Left, Side::Right);
    let run = [st(l, 0, 6), st(r, 9, 15), st(l, 18, 24), st(r, 27, 33)];
    assert_eq!(swing_end(&run, 0, 40), 18, "the next left contact");
    assert_eq!(swing_end(&run, 2, 40), 40, "no left contact follows: the clip's end");
    // The left contact at 18 was missed: the right foot lands twice, so the swing ends at its toe-off (15).
    let missed = [st(l, 0, 6), st(r, 9, 15), st(r, 27, 33), st(l, 36, 42)];
    assert_eq!(swing_end(&missed, 0, 50), 16);
    assert_eq!(swing_end(&missed[..3], 0, 50), 16, "also when no left contact follows at all");
}

#[test]
fn ground_frame_measures_heights_per_foot_and_lean_from_the_vertical() {
    // Left foot's track slopes down to the right by 0.2, the right foot's is level and higher in the image.
    let left = GroundProfile { knots: vec![(0.0, 500.0), (200.0, 540.0)] };
    let g = GroundFrame::new([left, GroundProfile::level(480.0)], Facing::Right);
    assert!((g.foot_height(Side::Left, Point::new(100.0, 520.0))).abs() < 1e-9);
    assert!((g.foot_height(Side::Left, Point::new(100.0, 480.0)) - 40.0).abs() < 1e-9);
    assert!((g.foot_height(Side::Left, Point::new(400.0, 540.0))).abs() < 1e-9, "held level past the last knot");
    assert!((g.foot_height(Side::Right, Point::new(100.0, 470.0)) - 10.0).abs() < 1e-9);
    // Angles are from the image vertical whatever the ground's slope.
    assert!(g.lean_deg(Point::new(0.0, -1.0)).abs() < 1e-9);
    let ten = Point::new(10f64.to_radians().sin(), -10f64.to_radians().cos());
    assert!((g.lean_deg(ten) - 10.0).abs() < 1e-9);
    // Facing left flips the forward direction, so the same vector leans backwards.
    let gl = GroundFrame::level(500.0, Facing::Left);
    assert!((gl.lean_deg(ten) + 10.0).abs() < 1e-9);
    assert!((g.foot_angle_deg(Point::new(0.0, 0.0), Point::new(10.0, -10.0)) - 45.0).abs() < 1e-9);
}

#[test]
fn ground_profile_follows_the_contact_level_under_the_swing() {
    // Contact points on a line of slope 0.2 (y = 1100 + 0.2 x) for x in 200..400, plus swing points well above.
    let mut points: Vec<Point> = (0..40)
        .map(|i| {
            let x = 200.0 + 5.0 * i as f64;
            Point::new(x, 1100.0 + 0.2 * x + if i % 2 == 0 { 1.5 } else { -1.5 })
        })
        .collect();
    points.extend((0..60).map(|i| Point::new(150.0 + 5.0 * i as f64, 1000.0 + (i % 7) as f64 * 10.0)));
    let profile = GroundProfile::fit(&points, 300.0).unwrap();
    for x in [230.0, 300.0, 370.0] {
        let want = 1100.0 + 0.2 * x;
        assert!((profile.y_at(x) - want).abs() < 6.0, "ground at {x}: {} vs {want}", profile.y_at(x));
    }
}

/// Foot height of a runner: on the ground (0) from `ic` to `to` in each 0.7 s stride, a half sine up to 100 px in
/// between; sampled at `fps`.
fn synthetic_foot(fps: f64, seconds: f64, phase: f64) -> (Vec<f64>, Vec<Option<f64>>) {
    let (stride, contact) = (0.7, 0.25);
    let n = (seconds * fps) as usize;
    let t: Vec<f64> = (0..n).map(|i| i as f64 / fps).collect();
    let h = t
        .iter()
        .map(|&t| {
            let p = (t - phase).rem_euclid(stride);
            Some(if p < contact {
                0.0
            } else {
                100.0 * (std::f64::consts::PI * (p - contact) / (stride - contact)).sin()
            })
        })
        .collect();
    (t, h)
}

#[test]
fn stances_are_found_with_subframe_timing() {
    let (t, h) = synthetic_foot(30.0, 5.0, 0.1);
    let stances = detect_stances(Side::Left, &t, &h, 400.0, 0.0, ContactParams::default());
    // Contacts begin at 0.1 + 0.7k; the first (0.1) has its start seen because frame 2 (0.067 s) is in the air.
    let expected_ic: Vec<f64> = (0..7).map(|k| 0.1 + 0.7 * k as f64).filter(|&ic| ic + 0.3 < 5.0).collect();
    assert_eq!(stances.len(), expected_ic.len(), "{stances:?}");
    for (s, ic) in stances.iter().zip(expected_ic) {
        // The threshold (12 px on a 0..100 px swing) is crossed within a few ms of the true instant.
        assert!((s.ic_t - ic).abs() < 0.012, "ic {} vs {ic}", s.ic_t);
        assert!((s.to_t - (ic + 0.25)).abs() < 0.012, "to {} vs {}", s.to_t, ic + 0.25);
        assert_eq!(s.side, Side::Left);
    }
}

/// A forefoot landing at `touchdown`: the toe falls ever faster, touches, then sinks 1 cm more (sole and soft
/// tissue) at a falling speed; the heel lands the same way 40 ms later.
fn forefoot_landing(fps: f64, touchdown: f64) -> Vec<PoseFrame> {
    let ground_y = 500.0;
    let height = |t: f64, at: f64, offset: f64| {
        let dt = t - at;
        if dt < 0.0 { offset + 1000.0 * -dt - 800.0 * dt * dt } else { offset - 10.0 * (1.0 - (-dt / 0.01).exp()) }
    };
    (0..(0.3 * fps) as usize)
        .map(|i| {
            let t = i as f64 / fps;
            let mut pose = Pose::new([crate::Keypoint::default(); crate::NUM_LANDMARKS]);
            pose.kp_mut(Landmark::LeftFootIndex).y = ground_y - height(t, touchdown, 10.0);
            pose.kp_mut(Landmark::LeftHeel).y = ground_y - height(t, touchdown + 0.04, 10.0);
            PoseFrame { t, pose: Some(pose) }
        })
        .collect()
}

#[test]
fn initial_contacts_are_refined_to_the_first_touchdown() {
    for fps in [150.0, 60.0] {
        let touchdown = 0.1234;
        // Smoothed as the pipeline smooths every landmark before detecting events.
        let mut frames = forefoot_landing(fps, touchdown);
        crate::filter::smooth_offline(&mut frames);
        let ground = GroundFrame::level(500.0, Facing::Right);
        // A threshold crossing 20 ms early, as a heel hovering near its resting level gives.
        let mut stances =
            vec![Stance { side: Side::Left, ic_t: touchdown - 0.02, to_t: 0.28, ic_frame: 0, to_frame: 1 }];
        refine_initial_contacts(&mut stances, &frames, &ground);
        // Within one 60 fps frame (the validation's requirement), and nearer than the crossing was.
        assert!((stances[0].ic_t - touchdown).abs() < 1.0 / 60.0, "{fps} fps: {} vs {touchdown}", stances[0].ic_t);
        assert!((stances[0].ic_t - touchdown).abs() < 0.015, "{fps} fps: {} vs {touchdown}", stances[0].ic_t);
        // Where no point has a peak of downward speed near the crossing, the crossing stays.
        let mut far = vec![Stance { side: Side::Left, ic_t: 0.25, to_t: 0.28, ic_frame: 0, to_frame: 1 }];
        refine_initial_contacts(&mut far, &frames, &ground);
        assert_eq!(far[0].ic_t, 0.25);
    }
}

#[test]
fn noise_spikes_and_unseen_edges_make_no_stance() {
    let (t, mut h) = synthetic_foot(60.0, 3.0, 0.0);
    // The clip starts in contact: that stance's start is not seen, so it is not reported.
    // A one-frame dip to the ground mid-swing is too short to be a contact.
    let mid_swing = (0.45 * 60.0) as usize;
    h[mid_swing] = Some(0.0);
    // Lose the person during the second contact.
    for v in &mut h[(0.75 * 60.0) as usize..(0.8 * 60.0) as usize] {
        *v = None;
    }
    let stances = detect_stances(Side::Right, &t, &h, 400.0, 0.0, ContactParams::default());
    assert!(stances.iter().all(|s| s.ic_t > 1.0), "{stances:?}");
    // 0.0 starts unseen, 0.7 is broken by the lost frames, 2.8 is cut by the end: 1.4 and 2.1 remain.
    assert_eq!(stances.len(), 2, "{stances:?}");
    assert!((stances[0].ic_t - 1.4).abs() < 1.0 / 60.0 && (stances[1].ic_t - 2.1).abs() < 1.0 / 60.0, "{stances:?}");
}
