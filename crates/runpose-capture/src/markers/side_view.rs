//! The landmarks projected to a side view, so the keypoint pipeline runs on markers as on a video.

use nalgebra::{Matrix3, Vector3};
use runpose_core::{Keypoint, Landmark, NUM_LANDMARKS, Pose, PoseFrame};

use super::map::MarkerMap;
use super::{MarkerData, MarkerError, P3};

/// Which side of the runner the virtual camera films.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CameraSide {
    Left,
    Right,
}

/// How the 3D markers were turned into a side view, and what was missing.
#[derive(Debug, Clone, PartialEq)]
pub struct SideView {
    pub frames: Vec<PoseFrame>,
    /// Unit vectors of the lab frame found for up and for the running direction.
    pub up: [f64; 3],
    pub forward: [f64; 3],
    /// Image units per centimetre (the view is drawn in millimetres: 10).
    pub units_per_cm: f64,
    /// Landmarks the map could not make from the file's markers, with the markers they lacked.
    pub missing: Vec<(Landmark, Vec<String>)>,
}

fn v3(p: P3) -> Vector3<f64> {
    Vector3::new(p[0], p[1], p[2])
}

/// Maps markers to landmarks and projects them onto the runner's sagittal plane, as a camera on `camera` side of
/// the runner would film them: image x along the running direction (facing right when filmed from the right), image
/// y down, in millimetres, depth negative towards the camera (BlazePose's convention). Up is the lab axis along which
/// the hips stand above the ankles; the running direction is the hips' travel when they travel more than a leg's
/// length (overground), else the main axis of the ankles' fore-and-aft swing about the hips, pointing the way the
/// toes point (treadmill). Markers seen count score 1, unseen 0.
pub fn side_view(data: &MarkerData, map: &MarkerMap, camera: CameraSide) -> Result<SideView, MarkerError> {
    let mut missing = Vec::new();
    let mut exprs: Vec<Option<Vec<(usize, f64)>>> = vec![None; NUM_LANDMARKS];
    for l in Landmark::ALL {
        let Some(expr) = map.landmarks.get(l.name()) else { continue };
        let terms = expr.terms();
        let lacking: Vec<String> =
            terms.iter().filter(|(n, _)| data.index_of(n).is_none()).map(|(n, _)| n.clone()).collect();
        if lacking.is_empty() {
            exprs[l.index()] = Some(terms.iter().filter_map(|(n, w)| Some((data.index_of(n)?, *w))).collect());
        } else {
            missing.push((l, lacking));
        }
    }
    let needed = [
        Landmark::LeftHip,
        Landmark::RightHip,
        Landmark::LeftKnee,
        Landmark::RightKnee,
        Landmark::LeftAnkle,
        Landmark::RightAnkle,
        Landmark::LeftHeel,
        Landmark::RightHeel,
        Landmark::LeftFootIndex,
        Landmark::RightFootIndex,
    ];
    let absent: Vec<&str> = needed.iter().filter(|l| exprs[l.index()].is_none()).map(|l| l.name()).collect();
    if !absent.is_empty() {
        return Err(MarkerError::Missing(absent.join(", ")));
    }
    let unit = data.mm_per_unit;
    let landmark_at = |row: &[Option<P3>], l: Landmark| -> Option<Vector3<f64>> {
        let terms = exprs[l.index()].as_ref()?;
        terms.iter().try_fold(Vector3::zeros(), |acc, &(m, w)| Some(acc + v3(row[m]?) * (w * unit)))
    };
    type Position<'a> = &'a dyn Fn(&[Option<P3>]) -> Option<Vector3<f64>>;
    let mean_of = |f: Position| -> Option<Vector3<f64>> {
        let v: Vec<Vector3<f64>> = data.frames.iter().filter_map(|r| f(r)).collect();
        (!v.is_empty()).then(|| v.iter().sum::<Vector3<f64>>() / v.len() as f64)
    };
    let hip_mid =
        |r: &[Option<P3>]| Some((landmark_at(r, Landmark::LeftHip)? + landmark_at(r, Landmark::RightHip)?) / 2.0);
    let ankle_mid =
        |r: &[Option<P3>]| Some((landmark_at(r, Landmark::LeftAnkle)? + landmark_at(r, Landmark::RightAnkle)?) / 2.0);
    let leg_up = mean_of(&|r| Some(hip_mid(r)? - ankle_mid(r)?))
        .ok_or_else(|| MarkerError::Missing("hips and ankles seen together".into()))?;
    let axis = leg_up.iamax();
    let mut up = Vector3::zeros();
    up[axis] = leg_up[axis].signum();
    let flat = |v: Vector3<f64>| v - up * v.dot(&up);
    let first_hip = data.frames.iter().find_map(|r| hip_mid(r));
    let last_hip = data.frames.iter().rev().find_map(|r| hip_mid(r));
    let leg_mm = leg_up.norm();
    let travel = match (first_hip, last_hip) {
        (Some(a), Some(b)) => flat(b - a),
        _ => Vector3::zeros(),
    };
    let toe_heel = |r: &[Option<P3>]| {
        Some(
            landmark_at(r, Landmark::LeftFootIndex)? - landmark_at(r, Landmark::LeftHeel)?
                + landmark_at(r, Landmark::RightFootIndex)?
                - landmark_at(r, Landmark::RightHeel)?,
        )
    };
    let toes = flat(mean_of(&toe_heel).unwrap_or_else(Vector3::zeros));
    let forward = if travel.norm() > leg_mm {
        travel
    } else {
        // On a treadmill the feet swing fore and aft under the hips: the main axis of the ankles' horizontal
        // scatter about the hips is the running direction (the feet's own direction is off by their toe-out angle).
        let mut scatter = Matrix3::zeros();
        for r in &data.frames {
            for ankle in [Landmark::LeftAnkle, Landmark::RightAnkle] {
                if let (Some(a), Some(h)) = (landmark_at(r, ankle), hip_mid(r)) {
                    let d = flat(a - h);
                    scatter += d * d.transpose();
                }
            }
        }
        let eig = scatter.symmetric_eigen();
        let axis: Vector3<f64> = eig.eigenvectors.column(eig.eigenvalues.iamax()).into();
        if axis.dot(&toes) < 0.0 { -axis } else { axis }
    };
    if forward.norm() < 1e-9 {
        return Err(MarkerError::Missing("a running direction (feet point nowhere and the hips do not travel)".into()));
    }
    let forward = forward.normalize();
    let right = forward.cross(&up);
    let (x_sign, z_sign) = match camera {
        CameraSide::Right => (1.0, -1.0),
        CameraSide::Left => (-1.0, 1.0),
    };
    let frames = data
        .frames
        .iter()
        .enumerate()
        .map(|(i, row)| {
            let t = i as f64 / data.rate_hz;
            let mut kps = [Keypoint::default(); NUM_LANDMARKS];
            let mut seen = [false; NUM_LANDMARKS];
            for l in Landmark::ALL {
                if let Some(p) = landmark_at(row, l) {
                    kps[l.index()] =
                        Keypoint { x: x_sign * p.dot(&forward), y: -p.dot(&up), z: z_sign * p.dot(&right), score: 1.0 };
                    seen[l.index()] = true;
                }
            }
            // A frame without both hips is a frame without the runner.
            let pose = (seen[Landmark::LeftHip.index()] && seen[Landmark::RightHip.index()]).then(|| {
                let mut pose = Pose::new(kps);
                pose.fill_unseen(&seen);
                pose
            });
            PoseFrame { t, pose }
        })
        .collect();
    Ok(SideView { frames, up: up.into(), forward: forward.into(), units_per_cm: 10.0, missing })
}
