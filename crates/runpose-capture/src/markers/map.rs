//! Marker maps: how each of the 33 landmarks is made from a file's markers (docs/markers.md), the presets, choosing one.

use std::collections::BTreeMap;
use std::path::Path;

use runpose_core::Landmark;
use serde::Deserialize;

use super::{MarkerData, MarkerError, io_err};

/// How one landmark is made from markers: one marker, the mean of several, or weights (summing to 1) over several,
/// which can also extrapolate along a line (docs/markers.md).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum MarkerExpr {
    One(String),
    Mean(Vec<String>),
    Weighted(BTreeMap<String, f64>),
}

impl MarkerExpr {
    pub(crate) fn terms(&self) -> Vec<(String, f64)> {
        match self {
            MarkerExpr::One(m) => vec![(m.clone(), 1.0)],
            MarkerExpr::Mean(ms) => ms.iter().map(|m| (m.clone(), 1.0 / ms.len() as f64)).collect(),
            MarkerExpr::Weighted(w) => w.iter().map(|(m, &k)| (m.clone(), k)).collect(),
        }
    }
}

/// A rigid cluster: tracking markers on one body segment, and the anatomical markers that move with the segment.
/// Anatomical markers seen only in a static trial are rebuilt in a running trial from the cluster's pose.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Cluster {
    pub segment: String,
    pub tracking: Vec<String>,
    pub anatomical: Vec<String>,
}

/// Which markers make which landmark (docs/markers.md).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct MarkerMap {
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// Landmark snake_case name (`left_hip`, as in frames.csv) → markers.
    pub landmarks: BTreeMap<String, MarkerExpr>,
    #[serde(default)]
    pub clusters: Vec<Cluster>,
}

/// The marker maps that ship with runpose.
pub const PRESETS: [(&str, &str); 3] = [
    ("pose2sim", include_str!("../../marker_maps/pose2sim.json")),
    ("fukuchi2017", include_str!("../../marker_maps/fukuchi2017.json")),
    ("blazepose", include_str!("../../marker_maps/blazepose.json")),
];

impl MarkerMap {
    pub fn from_json(text: &str) -> Result<Self, MarkerError> {
        let map: MarkerMap = serde_json::from_str(text).map_err(|e| MarkerError::Map(e.to_string()))?;
        for name in map.landmarks.keys() {
            if Landmark::from_name(name).is_none() {
                return Err(MarkerError::Map(format!("'{name}' is not a landmark name (left_hip, right_heel, ...)")));
            }
        }
        Ok(map)
    }

    /// A preset by name, or a JSON file by path.
    pub fn load(name_or_path: &str) -> Result<Self, MarkerError> {
        if let Some((_, text)) = PRESETS.iter().find(|(n, _)| *n == name_or_path) {
            return Self::from_json(text);
        }
        let path = Path::new(name_or_path);
        if !path.exists() {
            let names: Vec<&str> = PRESETS.iter().map(|p| p.0).collect();
            return Err(MarkerError::Map(format!(
                "'{name_or_path}' is neither a preset ({}) nor a file",
                names.join(", ")
            )));
        }
        Self::from_json(&std::fs::read_to_string(path).map_err(|e| io_err(path, e))?)
    }

    /// The preset that finds the most of its markers in `data` (counting those its clusters can rebuild).
    pub fn best_preset(data: &MarkerData) -> Result<Self, MarkerError> {
        let maps: Vec<MarkerMap> = PRESETS.iter().filter_map(|(_, t)| Self::from_json(t).ok()).collect();
        let score = |m: &MarkerMap| {
            let rebuildable: Vec<&String> = m.clusters.iter().flat_map(|c| &c.anatomical).collect();
            m.landmarks
                .values()
                .flat_map(|e| e.terms())
                .filter(|(name, _)| data.index_of(name).is_some() || rebuildable.contains(&name))
                .count() as f64
                / m.landmarks.values().flat_map(|e| e.terms()).count().max(1) as f64
        };
        maps.into_iter()
            .max_by(|a, b| score(a).total_cmp(&score(b)))
            .ok_or_else(|| MarkerError::Map("no built-in marker map could be read: this build is broken".into()))
    }
}
