//! poses.csv: one row per frame with its time stamp and the 33 landmarks (or none), read back strictly (a cut-off
//! last row is left out and said, a damaged one before it is an error) and written atomically.

use std::path::Path;

use runpose_core::{Keypoint, Landmark, NUM_LANDMARKS, Pose, PoseFrame};

use super::{POSES_FILE, read_error};
use crate::CaptureError;

pub(super) fn poses_header() -> Vec<String> {
    let mut header: Vec<String> = vec!["frame".into(), "t_s".into(), "detected".into()];
    for l in Landmark::ALL {
        header.extend(["x", "y", "z", "score"].map(|c| format!("{}_{c}", l.name())));
    }
    header
}

/// One row of poses.csv. `detected`: 1 with a pose, 0 where no runner was found, empty where the frame was not
/// analysed (the live model skipped it; its landmarks are estimated when the recording is finished).
pub(super) fn pose_row(frame: usize, t: f64, pose: Option<&Pose>, analysed: bool) -> Vec<String> {
    let detected = if analysed { u8::from(pose.is_some()).to_string() } else { String::new() };
    let mut row = vec![frame.to_string(), format!("{t:.4}"), detected];
    match pose {
        Some(p) => row.extend(p.keypoints.iter().flat_map(|k| {
            [format!("{:.2}", k.x), format!("{:.2}", k.y), format!("{:.2}", k.z), format!("{:.4}", k.score)]
        })),
        None => row.extend(std::iter::repeat_n(String::new(), NUM_LANDMARKS * 4)),
    }
    row
}

/// Reads a clip's poses.csv: one frame per row, with its time stamp and pose (`None` where no runner was found, or
/// the frame was not analysed).
pub fn read_poses(dir: &Path) -> Result<Vec<PoseFrame>, CaptureError> {
    read_poses_file(&dir.join(POSES_FILE))
}

/// Reads a poses file (poses.csv's format) at `path`. A last row cut off by a crash is left out (`read_pose_rows`).
pub fn read_poses_file(path: &Path) -> Result<Vec<PoseFrame>, CaptureError> {
    Ok(read_pose_rows(path)?.frames)
}

/// A poses file's rows, and which the live model analysed.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PoseRows {
    pub frames: Vec<PoseFrame>,
    /// `false` where the live model skipped the frame (empty `detected`): its landmarks are still to estimate.
    pub analysed: Vec<bool>,
    /// Whether the last row was cut off (a recording that ended in a crash) and left out.
    pub cut_off: bool,
}

/// Reads a poses file (poses.csv's format) at `path` with which rows were analysed. The last row may be cut off (a
/// recording writes the file as the frames come, and a crash can end it mid-row): it is left out and `cut_off` says
/// so. A damaged or misnumbered row before the last is an error: the file is not what was written.
pub fn read_pose_rows(path: &Path) -> Result<PoseRows, CaptureError> {
    let path = path.to_path_buf();
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_path(&path).map_err(|e| read_error(&path, e))?;
    let mut rows = PoseRows::default();
    let mut records = reader.records();
    let mut i = 0;
    while let Some(record) = records.next() {
        match record.ok().as_ref().and_then(pose_row_of) {
            Some((n, frame, analysed)) if n == i => {
                rows.frames.push(frame);
                rows.analysed.push(analysed);
            }
            Some(_) => return Err(read_error(&path, format!("row {} is numbered out of order", i + 1))),
            None if records.next().is_none() => {
                rows.cut_off = true;
                break;
            }
            None => return Err(read_error(&path, format!("row {} is damaged", i + 1))),
        }
        i += 1;
    }
    Ok(rows)
}

/// A whole poses.csv row: its frame number, the frame, and whether it was analysed. `None` for a row cut short or
/// with a value that does not read.
fn pose_row_of(record: &csv::StringRecord) -> Option<(usize, PoseFrame, bool)> {
    let num = |k: usize| record.get(k).and_then(|v| v.parse::<f64>().ok());
    let t = num(1)?;
    if record.len() < 3 + NUM_LANDMARKS * 4 {
        return None;
    }
    let pose = if record.get(2) == Some("1") {
        let mut keypoints = [Keypoint::default(); NUM_LANDMARKS];
        for (j, k) in keypoints.iter_mut().enumerate() {
            let at = 3 + j * 4;
            *k = Keypoint { x: num(at)?, y: num(at + 1)?, z: num(at + 2)?, score: num(at + 3)? };
        }
        Some(Pose::new(keypoints))
    } else {
        None
    };
    let n = record.get(0)?.parse::<usize>().ok()?;
    Some((n, PoseFrame { t, pose }, record.get(2).is_some_and(|d| !d.is_empty())))
}

/// Writes `frames` as poses.csv at `path` atomically (`atomic::write_atomic`).
pub fn write_poses(path: &Path, frames: &[PoseFrame]) -> Result<(), CaptureError> {
    write_pose_rows(path, frames, &vec![true; frames.len()])
}

/// Writes `frames` as poses.csv at `path` atomically (`atomic::write_atomic`: a crash leaves the old file or the new
/// one whole), marking those not `analysed`.
pub fn write_pose_rows(path: &Path, frames: &[PoseFrame], analysed: &[bool]) -> Result<(), CaptureError> {
    crate::atomic::write_atomic(path, |out| {
        let mut w = csv::Writer::from_writer(out);
        w.write_record(poses_header())?;
        for (i, f) in frames.iter().enumerate() {
            w.write_record(pose_row(i, f.t, f.pose.as_ref(), analysed.get(i).copied().unwrap_or(true)))?;
        }
        w.flush()
    })
}
