//! Marker and keypoint trajectories from biomechanics files: C3D (lab motion capture) and TRC (OpenSim's marker
//! format, written by Pose2Sim, Sports2D and OpenCap). They are mapped to the 33 landmarks by a documented, editable
//! marker map (docs/markers.md), markers missing from a running trial are rebuilt from a static trial through rigid
//! clusters, and the result is projected to a side view so the same keypoint pipeline runs on it as on a video.

use std::path::{Path, PathBuf};

mod c3d;
mod calibration;
mod map;
mod side_view;
mod trc;

pub use c3d::*;
pub use calibration::*;
pub use map::*;
pub use side_view::*;
pub use trc::*;

/// A 3D position in the file's units.
pub type P3 = [f64; 3];

#[derive(Debug, thiserror::Error)]
pub enum MarkerError {
    #[error("{0} does not exist: check the path")]
    NotFound(PathBuf),
    #[error("could not read {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{path} is not a readable {format} file ({source})")]
    Format { path: PathBuf, format: &'static str, source: crate::BoxError },
    #[error("{0} is neither .trc nor .c3d: give a TRC or C3D marker file")]
    UnknownExtension(PathBuf),
    #[error("marker map: {0}")]
    Map(String),
    #[error("the markers lack {0}: the pipeline needs hips, knees, ankles, heels and toes (see docs/markers.md)")]
    Missing(String),
}

/// Marker trajectories: one row of optional positions (a marker can be unseen in a frame) per frame.
#[derive(Debug, Clone, PartialEq)]
pub struct MarkerData {
    pub rate_hz: f64,
    /// Millimetres per file unit (1 for mm, 1000 for m).
    pub mm_per_unit: f64,
    pub names: Vec<String>,
    pub frames: Vec<Vec<Option<P3>>>,
}

impl MarkerData {
    /// The column of marker `name`: exact match first, then ignoring case and a `Subject:` prefix.
    pub fn index_of(&self, name: &str) -> Option<usize> {
        let plain = |s: &str| s.rsplit(':').next().unwrap_or(s).trim().to_ascii_lowercase();
        self.names.iter().position(|n| n == name).or_else(|| self.names.iter().position(|n| plain(n) == plain(name)))
    }

    /// Fills gaps of at most `max_gap` frames in every trajectory by linear interpolation, as motion-capture
    /// software does; longer gaps stay unseen.
    pub fn fill_gaps(&mut self, max_gap: usize) {
        for m in 0..self.names.len() {
            let mut last_seen: Option<usize> = None;
            for i in 0..self.frames.len() {
                let Some(b) = self.frames[i][m] else { continue };
                if let Some(j) = last_seen
                    && i - j > 1
                    && i - j - 1 <= max_gap
                    && let Some(a) = self.frames[j][m]
                {
                    for k in j + 1..i {
                        let w = (k - j) as f64 / (i - j) as f64;
                        self.frames[k][m] = Some([0, 1, 2].map(|c| a[c] + w * (b[c] - a[c])));
                    }
                }
                last_seen = Some(i);
            }
        }
    }
}

/// Analog channels of a C3D file (force plates, EMG), scaled to their units.
#[derive(Debug, Clone, PartialEq)]
pub struct AnalogData {
    pub rate_hz: f64,
    pub labels: Vec<String>,
    pub units: Vec<String>,
    /// One series per channel.
    pub channels: Vec<Vec<f64>>,
}

impl AnalogData {
    pub fn channel(&self, label: &str) -> Option<&[f64]> {
        let i = self.labels.iter().position(|l| l.trim().eq_ignore_ascii_case(label))?;
        Some(&self.channels[i])
    }
}

/// Reads `.trc` or `.c3d` by extension. C3D files also give their analog channels.
pub fn read_markers(path: &Path) -> Result<(MarkerData, Option<AnalogData>), MarkerError> {
    if !path.exists() {
        return Err(MarkerError::NotFound(path.to_path_buf()));
    }
    match path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).as_deref() {
        Some("trc") => Ok((read_trc(path)?, None)),
        Some("c3d") => {
            let c = read_c3d(path)?;
            Ok((c.markers, c.analog))
        }
        _ => Err(MarkerError::UnknownExtension(path.to_path_buf())),
    }
}

fn io_err(path: &Path, e: std::io::Error) -> MarkerError {
    MarkerError::Io { path: path.to_path_buf(), source: e }
}

fn mm_per_unit(units: &str) -> Option<f64> {
    match units.trim().to_ascii_lowercase().as_str() {
        "mm" => Some(1.0),
        "cm" => Some(10.0),
        "m" => Some(1000.0),
        _ => None,
    }
}

#[cfg(test)]
mod tests;
