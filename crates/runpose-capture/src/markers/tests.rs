use nalgebra::Vector3;

use super::calibration::rigid_fit;
use super::*;

#[test]
fn rigid_fit_recovers_a_rotation_and_translation() {
    let r = nalgebra::Rotation3::from_euler_angles(0.3, -0.2, 1.1).into_inner();
    let t = Vector3::new(10.0, -5.0, 2.0);
    let src = [
        Vector3::new(0.0, 0.0, 0.0),
        Vector3::new(100.0, 0.0, 0.0),
        Vector3::new(0.0, 50.0, 0.0),
        Vector3::new(20.0, 30.0, 40.0),
    ];
    let pairs: Vec<_> = src.iter().map(|s| (*s, r * s + t)).collect();
    let (r2, t2) = rigid_fit(&pairs).unwrap();
    assert!((r2 - r).norm() < 1e-9 && (t2 - t).norm() < 1e-6);
}

#[test]
fn gaps_up_to_the_limit_are_interpolated() {
    let mut d = MarkerData {
        rate_hz: 100.0,
        mm_per_unit: 1.0,
        names: vec!["A".into()],
        frames: vec![
            vec![Some([0.0; 3])],
            vec![None],
            vec![None],
            vec![Some([3.0, 0.0, 0.0])],
            vec![None],
            vec![None],
            vec![None],
            vec![Some([0.0; 3])],
        ],
    };
    d.fill_gaps(2);
    assert_eq!(d.frames[1][0], Some([1.0, 0.0, 0.0]));
    assert_eq!(d.frames[2][0], Some([2.0, 0.0, 0.0]));
    assert_eq!(d.frames[5][0], None, "a gap of 3 is longer than the limit");
}

#[test]
fn presets_parse_and_name_real_landmarks() {
    for (name, text) in PRESETS {
        let map = MarkerMap::from_json(text).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(map.name, name);
        assert!(map.landmarks.contains_key("left_heel"), "{name}");
    }
    assert!(MarkerMap::from_json(r#"{"name":"x","landmarks":{"LHip":"LHip"}}"#).is_err());
}
