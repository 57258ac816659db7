//! `runpose analyze`: video (or marker file) → poses (`estimate`) → Pose Method metrics → files (`output`).

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, bail};
use runpose_core::{Analysis, AnalysisConfig};

use crate::session::estimate::{
    AnalyzeOptions, MarkerRun, PoseRun, StageTimings, estimate_poses, load_markers, load_tracker,
};
use crate::session::{export, output};

/// What `options` analyses: the marker file when one is given, else the video.
fn source_of(options: &AnalyzeOptions) -> &Path {
    options.markers.as_ref().map_or(&options.video, |m| &m.path)
}

/// The sentence for an analysis of `source` that found nothing to measure.
fn analysis_failed(e: &runpose_core::AnalysisError, source: &Path) -> anyhow::Error {
    match e {
        runpose_core::AnalysisError::NoPerson => anyhow::anyhow!(
            "no person was found in {}: film the runner from the side, whole body in view",
            source.display()
        ),
        other => anyhow::anyhow!("{}: {other}", source.display()),
    }
}

/// The result of a whole analysis.
pub struct AnalyzeReport {
    pub markers: Option<MarkerRun>,
    pub run: PoseRun,
    pub analysis: Analysis,
    pub written: Vec<PathBuf>,
}

/// Analyses a video (or a marker file) and writes frames.csv, steps.csv, summary.json (overlay.mp4, the TRC) into
/// `options.out`.
pub fn run(options: &AnalyzeOptions) -> anyhow::Result<AnalyzeReport> {
    let mut config = AnalysisConfig { height_cm: options.height_cm, ..Default::default() };
    let mut marker_run = None;
    let mut run = if let Some(m) = &options.markers {
        let start = Instant::now();
        let loaded = load_markers(m)?;
        config = AnalysisConfig { height_cm: options.height_cm, ..AnalysisConfig::markers(loaded.view.units_per_cm) };
        let frames = loaded.view.frames.clone();
        marker_run = Some(loaded);
        PoseRun {
            info: None,
            frames,
            damage: None,
            timings: StageTimings { total: start.elapsed(), ..Default::default() },
            person: None,
        }
    } else {
        if !options.video.exists() {
            bail!("{} does not exist: check the path", options.video.display());
        }
        let mut tracker = load_tracker(options.model, options.threads)?;
        tracker.set_mirror_average(options.mirror_average);
        let person = crate::session::person::choose(&options.video, &mut tracker, options.person)?;
        tracker.reset();
        // Chunks side by side only where one person is in view (a person chosen is followed from the start on).
        let mut run = if options.chunks > 1 && person.is_none() {
            drop(tracker);
            crate::session::chunked::estimate_poses_chunked(
                &options.video,
                options.model,
                options.chunks,
                options.mirror_average,
            )?
        } else {
            estimate_poses(&options.video, &mut tracker, options.progress)?
        };
        run.person = person;
        run
    };
    if let Some(damage) = &run.damage {
        tracing::warn!("{}: {damage}", options.video.display());
    }
    let metrics_start = Instant::now();
    let analysis =
        runpose_core::analyze(run.frames.clone(), &config).map_err(|e| analysis_failed(&e, source_of(options)))?;
    run.timings.metrics = metrics_start.elapsed();
    run.timings.total += run.timings.metrics;

    std::fs::create_dir_all(&options.out)
        .with_context(|| format!("could not create the output folder {}", options.out.display()))?;
    let mut written = vec![
        output::write_frames_csv(&options.out.join("frames.csv"), &run.frames, &analysis)?,
        output::write_steps_csv(&options.out.join("steps.csv"), &analysis)?,
        output::write_summary(&options.out.join("summary.json"), options, &run, &analysis, marker_run.as_ref())?,
    ];
    if let Some(path) = &options.trc_out {
        written.push(output::write_landmarks_trc(path, &analysis, options.height_cm)?);
    }
    if options.overlay && marker_run.is_some() {
        tracing::warn!("--overlay needs a video: no overlay for marker data");
    } else if options.overlay {
        written.push(export::write_overlay_video(
            &options.video,
            &options.out.join("overlay.mp4"),
            &analysis,
            options.progress,
        )?);
    }
    Ok(AnalyzeReport { run, analysis, written, markers: marker_run })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::estimate::{DEFAULT_MODEL, MarkerOptions};
    use runpose_capture::markers::CameraSide;

    /// With markers the sentence names the marker file, not the (empty) video path.
    #[test]
    fn a_failed_analysis_names_what_was_analysed() {
        let mut options = AnalyzeOptions {
            video: PathBuf::new(),
            markers: Some(MarkerOptions {
                path: "trial.c3d".into(),
                map: None,
                static_trial: None,
                camera: CameraSide::Right,
            }),
            trc_out: None,
            out: PathBuf::from("out"),
            height_cm: None,
            model: DEFAULT_MODEL,
            overlay: false,
            threads: None,
            progress: false,
            person: None,
            chunks: 1,
            mirror_average: false,
        };
        let e = analysis_failed(&runpose_core::AnalysisError::NoPerson, source_of(&options)).to_string();
        assert!(e.starts_with("no person was found in trial.c3d: "), "{e}");
        let e = analysis_failed(&runpose_core::AnalysisError::NoGround, source_of(&options)).to_string();
        assert!(e.starts_with("trial.c3d: the feet were not seen"), "{e}");
        options.markers = None;
        options.video = "run.mp4".into();
        let e = analysis_failed(&runpose_core::AnalysisError::NoPerson, source_of(&options)).to_string();
        assert!(e.contains("in run.mp4:"), "{e}");
    }
}
