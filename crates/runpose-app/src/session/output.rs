//! The files `analyze` writes: frames.csv, steps.csv and summary.json (columns defined in docs/metrics.md).

use std::path::{Path, PathBuf};

use anyhow::Context;
use runpose_core::{Analysis, Landmark, PoseFrame};
use serde::Serialize;

use crate::session::estimate::{AnalyzeOptions, MarkerRun, PoseRun};

fn num(v: Option<f64>, decimals: usize) -> String {
    v.filter(|x| x.is_finite()).map_or_else(String::new, |x| format!("{x:.decimals$}"))
}

fn writer(path: &Path) -> anyhow::Result<csv::Writer<std::fs::File>> {
    csv::Writer::from_path(path).with_context(|| format!("could not write {}", path.display()))
}

/// Per-frame metric columns after the landmarks, in order.
pub const FRAME_METRIC_COLUMNS: [&str; 20] = [
    "support",
    "fall_angle_deg",
    "trunk_angle_deg",
    "knee_flexion_left_deg",
    "knee_flexion_right_deg",
    "shoulder_ahead_of_support_ll",
    "hip_ahead_of_support_ll",
    "swing_foot_height_ll",
    "swing_foot_ahead_of_hip_ll",
    "com_x",
    "com_y",
    "com_fallback",
    "support_x",
    "support_y",
    "left_foot_height_ll",
    "right_foot_height_ll",
    "left_foot_reliable",
    "right_foot_reliable",
    "fall_angle_conf",
    "trunk_angle_conf",
];

/// One row per frame: time, detection, the 33 landmarks (smoothed, pixels of the displayed frame; score 0 marks an
/// unreliable foot point whose position was interpolated) and the per-frame metrics.
pub fn write_frames_csv(path: &Path, raw: &[PoseFrame], analysis: &Analysis) -> anyhow::Result<PathBuf> {
    let mut w = writer(path)?;
    let mut header: Vec<String> = vec!["frame".into(), "t_s".into(), "detected".into()];
    for l in Landmark::ALL {
        header.extend(["x", "y", "score"].map(|c| format!("{}_{c}", l.name())));
    }
    header.extend(FRAME_METRIC_COLUMNS.map(String::from));
    w.write_record(&header)?;
    for (i, (frame, m)) in analysis.frames.iter().zip(&analysis.metrics).enumerate() {
        let mut row = vec![i.to_string(), format!("{:.4}", raw[i].t), u8::from(frame.pose.is_some()).to_string()];
        match &frame.pose {
            Some(p) => row.extend(
                p.keypoints
                    .iter()
                    .flat_map(|k| [format!("{:.1}", k.x), format!("{:.1}", k.y), format!("{:.3}", k.score)]),
            ),
            None => row.extend(std::iter::repeat_n(String::new(), 33 * 3)),
        }
        let detected = frame.pose.is_some();
        row.extend([
            m.support.map_or_else(String::new, |s| s.name().to_string()),
            num(m.fall_angle_deg, 2),
            num(m.trunk_angle_deg, 2),
            num(m.knee_flexion_left_deg, 1),
            num(m.knee_flexion_right_deg, 1),
            num(m.shoulder_ahead_of_support_ll, 3),
            num(m.hip_ahead_of_support_ll, 3),
            num(m.swing_foot_height_ll, 3),
            num(m.swing_foot_ahead_of_hip_ll, 3),
            num(m.com.map(|c| c.x), 1),
            num(m.com.map(|c| c.y), 1),
            if detected { u8::from(m.com_fallback).to_string() } else { String::new() },
            num(m.support_point.map(|c| c.x), 1),
            num(m.support_point.map(|c| c.y), 1),
            num(m.foot_height_ll[0], 3),
            num(m.foot_height_ll[1], 3),
            if detected { u8::from(m.foot_reliable[0]).to_string() } else { String::new() },
            if detected { u8::from(m.foot_reliable[1]).to_string() } else { String::new() },
            num(m.fall_angle_confidence, 3),
            num(m.trunk_angle_confidence, 3),
        ]);
        w.write_record(&row)?;
    }
    w.flush()?;
    Ok(path.to_path_buf())
}

/// One row per step (a stance and the flight after it).
pub fn write_steps_csv(path: &Path, analysis: &Analysis) -> anyhow::Result<PathBuf> {
    write_steps(path, &analysis.steps, analysis.summary.cm_per_leg_length)
}

/// steps.csv of any list of steps (the live view's settled steps too); `cm_per_leg_length` gives the `_cm` columns.
pub fn write_steps(
    path: &Path,
    steps: &[runpose_core::metrics::StepMetrics],
    cm_per_leg_length: Option<f64>,
) -> anyhow::Result<PathBuf> {
    let cm = |ll: Option<f64>| Some(ll? * cm_per_leg_length?);
    let mut w = writer(path)?;
    let mut header: Vec<String> = [
        "step",
        "foot",
        "ic_t_s",
        "to_t_s",
        "contact_ms",
        "flight_ms",
        "step_ms",
        "cadence_spm",
        "fall_angle_toe_off_deg",
        "fall_angle_max_deg",
        "landing_distance_ll",
        "landing_distance_cm",
        "foot_strike",
        "foot_strike_angle_deg",
        "knee_flexion_contact_deg",
        "knee_flexion_toe_off_deg",
        "trunk_angle_midstance_deg",
        "shoulder_ahead_of_ankle_midstance_ll",
        "hip_ahead_of_ankle_midstance_ll",
        "swing_ankle_ahead_of_hip_midstance_ll",
        "pull_height_ll",
        "pull_height_cm",
        "pull_time_ms",
        "vertical_oscillation_ll",
        "vertical_oscillation_cm",
        "confidence",
        "cues",
        "flagged",
    ]
    .map(String::from)
    .to_vec();
    header.extend(runpose_core::metrics::StepConfidence::default().entries().map(|(n, _)| format!("conf_{n}")));
    w.write_record(&header)?;
    for s in steps {
        let cues: Vec<&str> = runpose_core::cues::step_cues(s).iter().map(|r| r.id).collect();
        let mut row = vec![
            s.index.to_string(),
            s.side.name().to_string(),
            format!("{:.4}", s.ic_t),
            format!("{:.4}", s.to_t),
            format!("{:.1}", s.contact_ms),
            num(s.flight_ms, 1),
            num(s.step_ms, 1),
            num(s.cadence_spm, 1),
            num(s.fall_angle_toe_off_deg, 2),
            num(s.fall_angle_max_deg, 2),
            num(s.landing_distance_ll, 3),
            num(cm(s.landing_distance_ll), 1),
            s.foot_strike.map_or_else(String::new, |f| f.name().to_string()),
            num(s.foot_strike_angle_deg, 1),
            num(s.knee_flexion_contact_deg, 1),
            num(s.knee_flexion_toe_off_deg, 1),
            num(s.trunk_angle_midstance_deg, 2),
            num(s.shoulder_ahead_of_ankle_midstance_ll, 3),
            num(s.hip_ahead_of_ankle_midstance_ll, 3),
            num(s.swing_ankle_ahead_of_hip_midstance_ll, 3),
            num(s.pull_height_ll, 3),
            num(cm(s.pull_height_ll), 1),
            num(s.pull_time_ms, 1),
            num(s.vertical_oscillation_ll, 3),
            num(cm(s.vertical_oscillation_ll), 1),
            format!("{:.3}", s.confidence),
            cues.join(" "),
            s.flags.text(),
        ];
        row.extend(s.metric_confidence.entries().map(|(_, c)| format!("{c:.3}")));
        w.write_record(&row)?;
    }
    w.flush()?;
    Ok(path.to_path_buf())
}

/// Where marker data came from and how it was mapped.
#[derive(Serialize)]
struct MarkerSource<'a> {
    map: &'a str,
    static_trial: Option<String>,
    rebuilt: &'a [String],
    /// Landmarks the map could not make, with the markers they lacked.
    unmapped: Vec<(&'static str, &'a [String])>,
    up: [f64; 3],
    forward: [f64; 3],
}

#[derive(Serialize)]
struct SummaryFile<'a> {
    source: String,
    /// The pose model, or "markers" for marker data.
    model: &'static str,
    /// The landmark model was averaged over each region and its mirror image (`analyze --mirror-average`).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    mirror_average: bool,
    /// The ONNX Runtime backend the models ran on and the landmark model's precision (README §Backends, §Precision).
    #[serde(skip_serializing_if = "Option::is_none")]
    backend: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    precision: Option<&'static str>,
    height_cm: Option<f64>,
    video_width: Option<u32>,
    video_height: Option<u32>,
    rotation_deg: Option<u32>,
    /// For marker data: the map, what was rebuilt from the static trial, and the lab axes found.
    markers: Option<MarkerSource<'a>>,
    /// Why the video ended early, if it did.
    damage: Option<&'a str>,
    /// Whom the analysis followed, when the video had people (`person::choose`).
    #[serde(skip_serializing_if = "Option::is_none")]
    person: Option<&'a crate::session::person::PersonChoice>,
    #[serde(flatten)]
    summary: &'a runpose_core::Summary,
}

/// summary.json: medians over steps, the run's cues, and where the numbers came from.
pub fn write_summary(
    path: &Path,
    options: &AnalyzeOptions,
    run: &PoseRun,
    analysis: &Analysis,
    markers: Option<&MarkerRun>,
) -> anyhow::Result<PathBuf> {
    let file = SummaryFile {
        source: options.markers.as_ref().map_or(&options.video, |m| &m.path).display().to_string(),
        model: if markers.is_some() { "markers" } else { options.model.name() },
        mirror_average: options.mirror_average && markers.is_none(),
        backend: runpose_vision::runtime::loaded().filter(|_| markers.is_none()).map(|(_, p)| p.name()),
        precision: runpose_vision::backend::landmark_precision().filter(|_| markers.is_none()).map(|p| p.name()),
        height_cm: options.height_cm,
        video_width: run.info.as_ref().map(|i| i.width),
        video_height: run.info.as_ref().map(|i| i.height),
        rotation_deg: run.info.as_ref().map(|i| i.rotation),
        markers: markers.map(|m| MarkerSource {
            map: &m.map.name,
            static_trial: options
                .markers
                .as_ref()
                .and_then(|o| o.static_trial.as_ref())
                .map(|p| p.display().to_string()),
            rebuilt: &m.rebuilt,
            unmapped: m.view.missing.iter().map(|(l, ms)| (l.name(), ms.as_slice())).collect(),
            up: m.view.up,
            forward: m.view.forward,
        }),
        damage: run.damage.as_deref(),
        person: run.person.as_ref(),
        summary: &analysis.summary,
    };
    let text = serde_json::to_string_pretty(&file)?;
    std::fs::write(path, text + "\n").with_context(|| format!("could not write {}", path.display()))?;
    Ok(path.to_path_buf())
}

/// Height assumed for the TRC's metres when the runner's height is not given, cm.
pub const DEFAULT_TRC_HEIGHT_CM: f64 = 175.0;

/// Writes the smoothed 2D landmarks as a TRC file (docs/markers.md §Export): the 33 BlazePose names, metres, X along
/// the image to the right, Y up from the ground line, Z 0. Pixels become metres through the runner's height (or the
/// marker data's known scale), else through `DEFAULT_TRC_HEIGHT_CM`. Frames without the runner are left empty.
pub fn write_landmarks_trc(path: &Path, analysis: &Analysis, height_cm: Option<f64>) -> anyhow::Result<PathBuf> {
    let cm_per_ll = analysis.summary.cm_per_leg_length.unwrap_or_else(|| {
        tracing::warn!("no --height-cm: the TRC assumes a runner {DEFAULT_TRC_HEIGHT_CM} cm tall");
        height_cm.unwrap_or(DEFAULT_TRC_HEIGHT_CM) * runpose_core::analysis::LEG_LENGTH_PER_HEIGHT
    });
    let m_per_px = cm_per_ll / analysis.summary.leg_length_px / 100.0;
    let ground = &analysis.ground;
    let frames = analysis
        .frames
        .iter()
        .map(|f| {
            Landmark::ALL
                .iter()
                .map(|&l| {
                    let p = f.pose.as_ref()?.pt(l);
                    Some([p.x * m_per_px, ground.height(p) * m_per_px, 0.0])
                })
                .collect()
        })
        .collect();
    let data = runpose_capture::markers::MarkerData {
        rate_hz: analysis.summary.fps,
        mm_per_unit: 1000.0,
        names: Landmark::ALL.iter().map(|l| l.name().to_string()).collect(),
        frames,
    };
    let first = analysis.frames.first().map_or(0.0, |f| f.t);
    runpose_capture::markers::write_trc(path, &data, first)?;
    Ok(path.to_path_buf())
}
