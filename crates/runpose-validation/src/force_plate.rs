//! The force-plate study: gait events and timing from Fukuchi 2017's markers against its force plate, at the markers'
//! rate and resampled to camera rates with the landmark jitter measured on the real treadmill clip; published
//! figures as sanity bands. Writes docs/validation.md (docs/validation.md says how each number is made).

use std::path::{Path, PathBuf};

use anyhow::Context;
use runpose_app::session::estimate::{MarkerOptions, MarkerRun, estimate_poses, load_markers, load_tracker};
use runpose_capture::markers::CameraSide;
use runpose_core::filter::noise_power_kept;
use runpose_core::stats::{median, percentile};
use runpose_core::{Analysis, AnalysisConfig};
use runpose_vision::ModelVariant;

use crate::simulate::{EventErrors, add_jitter, compare_events, force_contacts, resample};
use crate::video as video_validation;

/// Belt speed of the trial, m/s (the file name's T35; Fukuchi et al. 2017).
pub const BELT_SPEED_M_S: f64 = 3.5;
/// Seed of the landmark jitter.
pub const JITTER_SEED: u64 = 2017;
/// Published figures are sanity bands widened by this factor either way (`Report::bands`).
pub(crate) const SANITY_FACTOR: f64 = 1.5;
/// The condition whose events are the threshold crossings alone (not aligned to the average step).
pub(crate) const CROSSINGS: &str = "60 fps + jitter, threshold crossings only";

/// The trial and clip the report uses, under the data folder.
pub fn trial_paths(data: &Path) -> (PathBuf, PathBuf, PathBuf) {
    let d = data.join("mocap/fukuchi2017");
    (d.join("RBDS001runT35.c3d"), d.join("RBDS001static.c3d"), data.join("running/treadmill_side_male.mp4"))
}

/// One condition of the comparison: the marker side view at some rate, with or without jitter.
#[derive(Debug, Clone)]
pub struct Condition {
    pub name: String,
    pub fps: f64,
    pub jitter_ll: f64,
    pub errors: EventErrors,
}

/// The landmark jitter of the pose model on the real treadmill clip.
#[derive(Debug, Clone)]
pub struct ClipJitter {
    /// Measured residual (raw minus smoothed), leg lengths.
    pub residual_ll: f64,
    /// White-noise standard deviation that leaves that residual after the smoother at the clip's rate, leg lengths.
    pub sigma_ll: f64,
    pub clip_fps: f64,
    pub model: &'static str,
}

/// Everything docs/validation.md shows.
#[derive(Debug, Clone)]
pub struct Report {
    pub force_threshold: f64,
    pub contacts: usize,
    pub jitter: ClipJitter,
    pub conditions: Vec<Condition>,
    /// The jittered conditions again with other noise draws.
    pub draws: Vec<Draw>,
    /// The jittered conditions at other jitters: the other models' and multiples of this one's.
    pub sensitivity: Vec<Sensitivity>,
    /// The analysis of the markers at their own rate (for the sanity bands).
    pub native: Analysis,
    /// The hand annotation of the treadmill clip and each model's events against it (docs/validation.md §Video).
    pub video_events: Vec<video_validation::Event>,
    pub video: Vec<video_validation::ModelErrors>,
}

/// Noise draws besides `JITTER_SEED`, per camera rate, to show the results do not hang on one draw.
pub const EXTRA_DRAWS: u64 = 10;

/// Multiples of the reference jitter in the sensitivity study: where the event timing stops holding.
pub const JITTER_MULTIPLES: [f64; 2] = [1.5, 2.0];

/// The jittered conditions at another jitter (`Report::sensitivity`), with every noise draw at 60 and 30 fps.
#[derive(Debug, Clone)]
pub struct Sensitivity {
    /// Where the jitter comes from: a model measured on the clip, or a multiple of the reference's.
    pub source: String,
    pub sigma_ll: f64,
    /// Whether the bands hold these draws to the targets (the default model's jitter), or they are only reported.
    pub banded: bool,
    pub draws: Vec<Draw>,
}

/// One jittered condition with one noise draw.
#[derive(Debug, Clone)]
pub struct Draw {
    pub fps: f64,
    pub seed: u64,
    pub errors: EventErrors,
}

impl Draw {
    /// Share of steps with both events within one frame at this rate.
    pub fn within_frame(&self) -> f64 {
        self.errors.share_within(1.0 / self.fps)
    }

    pub fn contact_error_ms(&self) -> f64 {
        median(&self.errors.contact).unwrap_or(f64::NAN) * 1000.0
    }

    pub fn cadence_error_spm(&self) -> f64 {
        (self.errors.cadence_detected_spm - self.errors.cadence_truth_spm).abs()
    }
}

/// Runs the pose model over the clip and measures its landmark jitter.
pub fn clip_jitter(clip: &Path, model: ModelVariant) -> anyhow::Result<(ClipJitter, Analysis)> {
    let mut tracker = load_tracker(model, None)?;
    let run = estimate_poses(clip, &mut tracker, false)?;
    let analysis = runpose_core::analyze(run.frames, &AnalysisConfig::default())?;
    let residual_ll = analysis.summary.landmark_jitter_ll.context("no jitter measured on the clip")?;
    let fps = analysis.summary.fps;
    // The smoother passes white noise below its cut-off: the residual holds the share above it.
    let share_removed = (1.0 - noise_power_kept(1.0 / fps)).max(0.1);
    let jitter =
        ClipJitter { residual_ll, sigma_ll: residual_ll / share_removed.sqrt(), clip_fps: fps, model: model.name() };
    Ok((jitter, analysis))
}

/// The Fukuchi trial as a side view filmed from the right (the static trial rebuilds the anatomical markers), its
/// vertical force and the force's sample rate.
pub fn marker_view(data: &Path) -> anyhow::Result<(MarkerRun, Vec<f64>, f64)> {
    let (trial, static_trial, _) = trial_paths(data);
    let options = MarkerOptions {
        path: trial,
        map: Some("fukuchi2017".into()),
        static_trial: Some(static_trial),
        camera: CameraSide::Right,
    };
    let run = load_markers(&options)?;
    let analog = run.analog.as_ref().context("the trial has no analog channels")?;
    let fz = analog.channel("F1Z").context("the trial has no F1Z channel")?.to_vec();
    let rate = analog.rate_hz;
    Ok((run, fz, rate))
}

/// Builds the whole report: the conditions at the reference `jitter`, then the sensitivity study at the jitters of
/// `other_models` (measured on the clip like the reference) and at `JITTER_MULTIPLES` of the reference, and the
/// models' analyses of the clip (`clip`: model and analysis) against its hand annotation.
pub fn run(
    data: &Path,
    jitter: ClipJitter,
    other_models: &[ClipJitter],
    clip: &[(&'static str, &Analysis)],
) -> anyhow::Result<Report> {
    let video_events = video_validation::read_annotation(&video_validation::annotation_path())?;
    let video = clip.iter().map(|(model, a)| video_validation::compare(model, a, &video_events)).collect();
    let (markers, fz, rate) = marker_view(data)?;
    let config = AnalysisConfig::markers(markers.view.units_per_cm);
    let frames = markers.view.frames;
    let (truth, force_threshold) = force_contacts(&fz, rate, true);
    let native = runpose_core::analyze(frames.clone(), &config)?;
    let leg = native.summary.leg_length_px;
    let mut conditions = vec![Condition {
        name: "markers, 150 Hz".into(),
        fps: 150.0,
        jitter_ll: 0.0,
        errors: compare_events(&truth, &native.stances),
    }];
    let jittered_by = |sigma_ll: f64, fps: f64, seed: u64| {
        let mut f = resample(&frames, fps);
        add_jitter(&mut f, sigma_ll * leg, seed);
        f
    };
    let jittered = |fps: f64, seed: u64| jittered_by(jitter.sigma_ll, fps, seed);
    // The jittered conditions at one jitter with the given seeds, at 60 and then 30 fps.
    let draws_at = |sigma_ll: f64, seeds: &[u64]| -> anyhow::Result<Vec<Draw>> {
        let mut draws = Vec::new();
        for fps in [60.0, 30.0] {
            for &seed in seeds {
                let a = runpose_core::analyze(jittered_by(sigma_ll, fps, seed), &config)?;
                draws.push(Draw { fps, seed, errors: compare_events(&truth, &a.stances) });
            }
        }
        Ok(draws)
    };
    for (fps, with_jitter) in [(60.0, false), (60.0, true), (30.0, false), (30.0, true)] {
        let f = if with_jitter { jittered(fps, JITTER_SEED) } else { resample(&frames, fps) };
        let a = runpose_core::analyze(f, &config)?;
        let name = format!("{fps:.0} fps{}", if with_jitter { " + jitter" } else { "" });
        let jitter_ll = if with_jitter { jitter.sigma_ll } else { 0.0 };
        conditions.push(Condition { name, fps, jitter_ll, errors: compare_events(&truth, &a.stances) });
    }
    // What the threshold crossings alone give, before the events are aligned to the average step.
    let mut crossings = config;
    crossings.contact.align_events = false;
    let a = runpose_core::analyze(jittered(60.0, JITTER_SEED), &crossings)?;
    let errors = compare_events(&truth, &a.stances);
    conditions.push(Condition { name: CROSSINGS.into(), fps: 60.0, jitter_ll: jitter.sigma_ll, errors });
    let extra: Vec<u64> = (1..=EXTRA_DRAWS).map(|k| JITTER_SEED + k).collect();
    let draws = draws_at(jitter.sigma_ll, &extra)?;
    // Sensitivity: every draw, the first included, at each other jitter.
    let all: Vec<u64> = (0..=EXTRA_DRAWS).map(|k| JITTER_SEED + k).collect();
    let mut sensitivity = Vec::new();
    for other in other_models {
        sensitivity.push(Sensitivity {
            source: format!("{} model, measured", other.model),
            sigma_ll: other.sigma_ll,
            // `analyze`'s default model: its measured jitter is held to the targets like the reference's.
            banded: other.model == runpose_app::session::estimate::DEFAULT_MODEL.name(),
            draws: draws_at(other.sigma_ll, &all)?,
        });
    }
    for k in JITTER_MULTIPLES {
        let sigma_ll = k * jitter.sigma_ll;
        let source = format!("{} model × {k}", jitter.model);
        sensitivity.push(Sensitivity { source, sigma_ll, banded: false, draws: draws_at(sigma_ll, &all)? });
    }
    Ok(Report {
        force_threshold,
        contacts: truth.len(),
        jitter,
        conditions,
        draws,
        sensitivity,
        native,
        video_events,
        video,
    })
}

/// The draws of `draws` at `fps`.
pub(crate) fn at_rate(draws: &[Draw], fps: f64) -> Vec<&Draw> {
    draws.iter().filter(|d| d.fps == fps).collect()
}

/// A set of draws at one rate in a few numbers.
pub(crate) struct DrawStats {
    /// Least and median share of steps within a frame.
    pub(crate) least: f64,
    pub(crate) median: f64,
    /// Share of draws with at least 0.95 of their steps within a frame.
    pub(crate) meeting: f64,
    /// Median of the draws' absolute median contact-time errors, ms.
    pub(crate) contact_ms: f64,
    /// Largest cadence error, spm.
    pub(crate) cadence_spm: f64,
}

impl DrawStats {
    pub(crate) fn of(draws: &[&Draw]) -> Self {
        let within: Vec<f64> = draws.iter().map(|d| d.within_frame()).collect();
        Self {
            least: within.iter().copied().fold(f64::INFINITY, f64::min),
            median: median(&within).unwrap_or(f64::NAN),
            meeting: within.iter().filter(|&&w| w >= 0.95).count() as f64 / draws.len().max(1) as f64,
            contact_ms: median(&draws.iter().map(|d| d.contact_error_ms().abs()).collect::<Vec<_>>())
                .unwrap_or(f64::NAN),
            cadence_spm: draws.iter().map(|d| d.cadence_error_spm()).fold(0.0, f64::max),
        }
    }
}

pub(crate) fn ms(v: f64) -> String {
    format!("{:.1}", v * 1000.0)
}

pub(crate) fn abs_stats(v: &[f64]) -> (f64, f64) {
    let a: Vec<f64> = v.iter().map(|x| x.abs()).collect();
    (median(&a).unwrap_or(f64::NAN), percentile(&a, 0.95).unwrap_or(f64::NAN))
}

/// A band a number must stay in for the test to pass.
#[derive(Debug, Clone)]
pub struct Band {
    pub what: String,
    pub value: f64,
    pub ok: bool,
    pub rule: String,
}

impl Report {
    #[expect(clippy::expect_used, reason = "asked only for the study's own conditions, which every report holds")]
    pub(crate) fn condition(&self, name: &str) -> &Condition {
        self.conditions.iter().find(|c| c.name == name).expect("known condition")
    }

    /// The error bands the test enforces (docs/validation.md §Bands): the targets where they are met, else
    /// the level reached (so a regression fails) with the target named as missed.
    pub fn bands(&self) -> Vec<Band> {
        let mut out = Vec::new();
        let mut band =
            |what: String, value: f64, ok: bool, rule: &str| out.push(Band { what, value, ok, rule: rule.into() });
        for name in ["markers, 150 Hz", "60 fps + jitter", "30 fps + jitter"] {
            let e = &self.condition(name).errors;
            let cadence = (e.cadence_detected_spm - e.cadence_truth_spm).abs();
            band(format!("{name}: cadence error, spm"), cadence, cadence <= 1.0, "≤ 1 (target)");
            let matched = e.matched as f64 / e.truth.max(1) as f64;
            band(format!("{name}: contacts matched"), matched, matched >= 0.98, "≥ 0.98");
        }
        let e = &self.condition("markers, 150 Hz").errors;
        let contact = median(&e.contact).unwrap_or(f64::NAN).abs() * 1000.0;
        band("markers, 150 Hz: median contact-time error, ms".into(), contact, contact <= 10.0, "≤ 10 (target)");
        let to = e.to.iter().filter(|v| v.abs() <= 1.0 / 60.0).count() as f64 / e.truth.max(1) as f64;
        band("markers, 150 Hz: toe-offs within one 60 fps frame".into(), to, to >= 0.95, "≥ 0.95 (target)");
        let both = e.share_within(1.0 / 60.0);
        band(
            "markers, 150 Hz: steps with both events within one 60 fps frame".into(),
            both,
            both >= 0.95,
            "≥ 0.95 (target)",
        );
        for (name, fps) in [("60 fps", 60.0), ("30 fps", 30.0)] {
            let both = self.condition(name).errors.share_within(1.0 / fps);
            band(
                format!("{name}: steps with both events within one {fps:.0} fps frame"),
                both,
                both >= 0.95,
                "≥ 0.95 (target)",
            );
        }
        for (name, fps) in [("60 fps + jitter", 60.0), ("30 fps + jitter", 30.0)] {
            let e = &self.condition(name).errors;
            let contact = median(&e.contact).unwrap_or(f64::NAN).abs() * 1000.0;
            band(format!("{name}: median contact-time error, ms"), contact, contact <= 10.0, "≤ 10 (target)");
            let both = e.share_within(1.0 / fps);
            band(
                format!("{name}: steps with both events within one {fps:.0} fps frame"),
                both,
                both >= 0.95,
                "≥ 0.95 (target)",
            );
        }
        // Over noise draws, the reference jitter's and the default model's: at most one draw in ten below the target
        // share, none far below it.
        let banded = std::iter::once((format!("{} other draws", self.draws.len() / 2), &self.draws)).chain(
            self.sensitivity
                .iter()
                .filter(|x| x.banded)
                .map(|x| (format!("{}, {} draws", x.source, x.draws.len() / 2), &x.draws)),
        );
        for (label, draws) in banded {
            for fps in [60.0, 30.0] {
                let DrawStats { least, meeting, contact_ms: contact, cadence_spm: cadence, .. } =
                    DrawStats::of(&at_rate(draws, fps));
                band(
                    format!("{fps:.0} fps + jitter, {label}: least share of steps within one frame"),
                    least,
                    least >= 0.9,
                    "≥ 0.9",
                );
                band(
                    format!("{fps:.0} fps + jitter, {label}: share of draws meeting 0.95 within one frame"),
                    meeting,
                    meeting >= 0.9,
                    "≥ 0.9",
                );
                band(
                    format!("{fps:.0} fps + jitter, {label}: median of the median contact-time errors, ms"),
                    contact,
                    contact <= 10.0,
                    "≤ 10 (target)",
                );
                band(
                    format!("{fps:.0} fps + jitter, {label}: largest cadence error, spm"),
                    cadence,
                    cadence <= 1.0,
                    "≤ 1 (target)",
                );
            }
        }
        // Real video against the hand annotation: the default model is held to the targets.
        for m in self.video.iter().filter(|m| m.model == runpose_app::session::estimate::DEFAULT_MODEL.name()) {
            for (what, value, ok, rule) in video_validation::bands(m, &self.video_events) {
                band(what, value, ok, &rule);
            }
        }
        // Published figures: one runner beside group figures, so a wide band (a factor of 1.5 around the published
        // range) that catches a wrong unit or definition (millimetres, a stride for a step), not a runner unlike a
        // group.
        let n = &self.native.summary;
        let step_cm = n.cadence_spm.map(|c| BELT_SPEED_M_S * 60.0 / c * 100.0);
        for (what, value, low, high) in [
            ("vertical oscillation, cm (Dallam 6.9–8.4)", n.vertical_oscillation_cm, 6.9, 8.4),
            ("step length, cm (Dallam 129–137)", step_cm, 129.0, 137.0),
            ("fall angle at toe-off, ° (Romanov ≤ 22.5)", n.fall_angle_deg, 0.0, 22.5),
        ] {
            let v = value.unwrap_or(f64::NAN);
            let ok = v >= low / SANITY_FACTOR && v <= high * SANITY_FACTOR;
            band(
                format!("sanity, markers: {what}"),
                v,
                ok,
                &format!("{:.1}–{:.1}", low / SANITY_FACTOR, high * SANITY_FACTOR),
            );
        }
        out
    }
}
