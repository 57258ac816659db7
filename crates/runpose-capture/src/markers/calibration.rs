//! Markers a running trial lacks rebuilt from a static trial through rigid clusters.

use nalgebra::{Matrix3, Vector3};

use super::map::MarkerMap;
use super::{MarkerData, MarkerError};

/// Named marker positions relative to a centroid.
type Placed = Vec<(String, Vector3<f64>)>;

/// Anatomical markers expressed in their cluster's frame, learnt from a static trial.
#[derive(Debug, Clone)]
pub struct Calibration {
    /// (cluster tracking markers as in the static trial, relative to their centroid; anatomical markers likewise).
    clusters: Vec<(Placed, Placed)>,
}

fn mean_position(data: &MarkerData, m: usize) -> Option<Vector3<f64>> {
    let seen: Vec<Vector3<f64>> = data.frames.iter().filter_map(|r| r[m]).map(Vector3::from).collect();
    (!seen.is_empty()).then(|| seen.iter().sum::<Vector3<f64>>() / seen.len() as f64)
}

impl Calibration {
    /// Learns each cluster of `map` from a static trial: the mean position of every marker over the trial.
    pub fn from_static(data: &MarkerData, map: &MarkerMap) -> Result<Self, MarkerError> {
        let mut clusters = Vec::new();
        for c in &map.clusters {
            let mean =
                |name: &String| Some((name.clone(), mean_position(data, data.index_of(name)?)? * data.mm_per_unit));
            let tracking: Vec<_> = c.tracking.iter().filter_map(mean).collect();
            let anatomical: Vec<_> = c.anatomical.iter().filter_map(mean).collect();
            if tracking.len() < 3 {
                return Err(MarkerError::Map(format!(
                    "the static trial shows fewer than 3 tracking markers of the {}",
                    c.segment
                )));
            }
            let centroid = tracking.iter().map(|t| t.1).sum::<Vector3<f64>>() / tracking.len() as f64;
            let rel = |v: Vec<(String, Vector3<f64>)>| v.into_iter().map(|(n, p)| (n, p - centroid)).collect();
            clusters.push((rel(tracking), rel(anatomical)));
        }
        Ok(Self { clusters })
    }

    /// Adds to `data` the anatomical markers it lacks, placed each frame by the least-squares rigid motion (Kabsch)
    /// of their cluster's tracking markers from the static trial to this frame. Returns the names added.
    pub fn rebuild(&self, data: &mut MarkerData) -> Vec<String> {
        let mut added = Vec::new();
        for (tracking, anatomical) in &self.clusters {
            let missing: Vec<&(String, Vector3<f64>)> =
                anatomical.iter().filter(|(n, _)| data.index_of(n).is_none()).collect();
            if missing.is_empty() {
                continue;
            }
            let cols: Vec<(usize, Vector3<f64>)> =
                tracking.iter().filter_map(|(n, p)| Some((data.index_of(n)?, *p))).collect();
            let first_new = data.names.len();
            data.names.extend(missing.iter().map(|(n, _)| n.clone()));
            added.extend(missing.iter().map(|(n, _)| n.clone()));
            let unit = data.mm_per_unit;
            for row in &mut data.frames {
                let pairs: Vec<(Vector3<f64>, Vector3<f64>)> =
                    cols.iter().filter_map(|&(c, p)| Some((p, Vector3::from(row[c]?) * unit))).collect();
                let pose = (pairs.len() >= 3).then(|| rigid_fit(&pairs)).flatten();
                row.resize(first_new, None);
                for (_, a) in &missing {
                    row.push(pose.map(|(r, t)| ((r * a + t) / unit).into()));
                }
            }
        }
        added
    }
}

/// The rotation and translation that best carry the centred static points onto the frame's points: Kabsch's SVD
/// solution, with the reflection case corrected.
pub(super) fn rigid_fit(pairs: &[(Vector3<f64>, Vector3<f64>)]) -> Option<(Matrix3<f64>, Vector3<f64>)> {
    let n = pairs.len() as f64;
    let (cs, cd) = pairs.iter().fold((Vector3::zeros(), Vector3::zeros()), |(a, b), (s, d)| (a + s, b + d));
    let (cs, cd) = (cs / n, cd / n);
    let h: Matrix3<f64> = pairs.iter().map(|(s, d)| (s - cs) * (d - cd).transpose()).sum();
    let svd = h.svd(true, true);
    let (u, v_t) = (svd.u?, svd.v_t?);
    let mut d = Matrix3::identity();
    if (v_t.transpose() * u.transpose()).determinant() < 0.0 {
        d[(2, 2)] = -1.0;
    }
    let r = v_t.transpose() * d * u.transpose();
    Some((r, cd - r * cs))
}
