//! Gait events on real video against the hand annotation of the treadmill clip (tests/data/annotations/README.md):
//! per foot and per model, initial-contact and toe-off errors, contact and flight time and cadence
//! (docs/validation.md §Video).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context;
use runpose_core::stats::median;
use runpose_core::{Analysis, Side};

/// The annotation of the treadmill clip, in the repository.
pub fn annotation_path() -> PathBuf {
    runpose_testdata::treadmill_annotation()
}

/// The annotated clip's frame rate (frame n at n / 30 s).
pub const CLIP_FPS: f64 = 30.0;
/// A detected contact counts as the annotated one when its initial contact is this near, frames.
pub const MATCH_FRAMES: f64 = 4.0;

/// One annotated event.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Event {
    pub side: Side,
    pub initial_contact: bool,
    pub frame: usize,
    pub sure: bool,
    /// The measured touchdown instant, frames (initial contacts).
    pub touchdown_frame: Option<f64>,
}

impl Event {
    /// The instant the event is compared at, seconds (tests/data/annotations/README.md §Comparing): the touchdown
    /// where measured, else the middle of the frame interval the event lies in.
    pub fn instant(&self) -> f64 {
        let frames = match (self.initial_contact, self.touchdown_frame) {
            (true, Some(t)) => t,
            (true, None) => self.frame as f64 - 0.5,
            (false, _) => self.frame as f64 + 0.5,
        };
        frames / CLIP_FPS
    }
}

/// Reads the annotation CSV.
pub fn read_annotation(path: &Path) -> anyhow::Result<Vec<Event>> {
    let mut reader =
        csv::Reader::from_path(path).with_context(|| format!("could not read the annotation {}", path.display()))?;
    let mut events = Vec::new();
    for (i, row) in reader.records().enumerate() {
        let row = row.with_context(|| format!("{}: row {}", path.display(), i + 2))?;
        let field = |k: usize| row.get(k).unwrap_or("");
        let side = match field(0) {
            "left" => Side::Left,
            "right" => Side::Right,
            other => anyhow::bail!("{}: row {}: foot {other:?} is neither left nor right", path.display(), i + 2),
        };
        let initial_contact = match field(1) {
            "initial_contact" => true,
            "toe_off" => false,
            other => anyhow::bail!("{}: row {}: unknown event {other:?}", path.display(), i + 2),
        };
        let frame = field(2).parse().with_context(|| format!("{}: row {}: frame", path.display(), i + 2))?;
        let touchdown_frame = field(5).parse().ok();
        events.push(Event { side, initial_contact, frame, sure: field(4) == "sure", touchdown_frame });
    }
    Ok(events)
}

/// The annotated initial contacts of both feet, their instants in time order, seconds.
fn initial_contact_instants(events: &[Event]) -> Vec<f64> {
    let mut ics: Vec<f64> = events.iter().filter(|e| e.initial_contact).map(|e| e.instant()).collect();
    ics.sort_by(f64::total_cmp);
    ics
}

/// A whole annotated contact: an initial contact and the toe-off of the same foot after it.
#[derive(Debug, Clone, Copy)]
struct Contact {
    ic: Event,
    to: Event,
}

fn contacts(events: &[Event], side: Side) -> Vec<Contact> {
    let mut ics: Vec<&Event> = events.iter().filter(|e| e.side == side && e.initial_contact).collect();
    ics.sort_by_key(|e| e.frame);
    ics.iter()
        .filter_map(|ic| {
            let to = events
                .iter()
                .filter(|e| e.side == side && !e.initial_contact && e.frame > ic.frame)
                .min_by_key(|e| e.frame)?;
            // The next toe-off must belong to this contact (before this foot's next landing).
            let next_ic = ics.iter().find(|o| o.frame > ic.frame).map_or(usize::MAX, |o| o.frame);
            (to.frame < next_ic).then_some(Contact { ic: **ic, to: *to })
        })
        .collect()
}

/// One foot's comparison.
#[derive(Debug, Clone, Default)]
pub struct FootErrors {
    pub contacts: usize,
    pub found: usize,
    /// Detected minus annotated, frames, per found contact.
    pub ic: Vec<f64>,
    pub to: Vec<f64>,
    /// Contact and flight time, (annotated, detected) seconds, per found contact (flight where both have one).
    pub contact: Vec<(f64, f64)>,
    pub flight: Vec<(f64, f64)>,
    /// Share of this foot's detected steps whose contact time is flagged (left out of the summary).
    pub contact_flagged: f64,
}

impl FootErrors {
    pub fn ic_median(&self) -> f64 {
        median(&self.ic).unwrap_or(f64::NAN)
    }

    pub fn to_median(&self) -> f64 {
        median(&self.to).unwrap_or(f64::NAN)
    }

    fn share_within(v: &[f64], contacts: usize) -> f64 {
        v.iter().filter(|e| e.abs() <= 1.0).count() as f64 / contacts.max(1) as f64
    }

    /// Share of the annotated initial contacts found within one frame (a missed one counts as outside).
    pub fn ic_within(&self) -> f64 {
        Self::share_within(&self.ic, self.contacts)
    }

    pub fn to_within(&self) -> f64 {
        Self::share_within(&self.to, self.contacts)
    }

    /// Share of all the foot's events within one frame.
    pub fn events_within(&self) -> f64 {
        0.5 * (self.ic_within() + self.to_within())
    }

    /// Median annotated and detected, ms.
    fn medians(v: &[(f64, f64)]) -> (f64, f64) {
        let a: Vec<f64> = v.iter().map(|x| x.0 * 1000.0).collect();
        let d: Vec<f64> = v.iter().map(|x| x.1 * 1000.0).collect();
        (median(&a).unwrap_or(f64::NAN), median(&d).unwrap_or(f64::NAN))
    }

    pub fn contact_ms(&self) -> (f64, f64) {
        Self::medians(&self.contact)
    }

    pub fn flight_ms(&self) -> (f64, f64) {
        Self::medians(&self.flight)
    }
}

/// One model's comparison.
#[derive(Debug, Clone)]
pub struct ModelErrors {
    pub model: &'static str,
    pub feet: [FootErrors; 2],
    pub cadence_truth_spm: f64,
    pub cadence_detected_spm: f64,
    /// The summary's contact and flight time (sound steps only), ms.
    pub summary_contact_ms: Option<f64>,
    pub summary_flight_ms: Option<f64>,
    pub near_side: Side,
}

/// Compares an analysis of the clip with the annotation.
pub fn compare(model: &'static str, analysis: &Analysis, events: &[Event]) -> ModelErrors {
    let fps = CLIP_FPS;
    let mut feet = [FootErrors::default(), FootErrors::default()];
    let all_ics = initial_contact_instants(events);
    for side in Side::BOTH {
        let f = &mut feet[side.index()];
        let truth = contacts(events, side);
        f.contacts = truth.len();
        let own: Vec<&runpose_core::metrics::StepMetrics> = analysis.steps.iter().filter(|s| s.side == side).collect();
        f.contact_flagged = own.iter().filter(|s| s.flags.excludes("contact")).count() as f64 / own.len().max(1) as f64;
        for c in &truth {
            let (ic, to) = (c.ic.instant(), c.to.instant());
            let Some(step) = own
                .iter()
                .filter(|s| ((s.ic_t - ic) * fps).abs() <= MATCH_FRAMES)
                .min_by(|a, b| (a.ic_t - ic).abs().total_cmp(&(b.ic_t - ic).abs()))
            else {
                continue;
            };
            f.found += 1;
            f.ic.push((step.ic_t - ic) * fps);
            f.to.push((step.to_t - to) * fps);
            f.contact.push((to - ic, step.to_t - step.ic_t));
            let next_truth = all_ics.iter().find(|&&t| t > to + 0.5 / fps);
            if let (Some(next), Some(flight_ms)) = (next_truth, step.flight_ms) {
                f.flight.push((next - to, flight_ms / 1000.0));
            }
        }
    }
    let cadence_truth_spm = {
        let d: Vec<f64> = all_ics.windows(2).map(|w| w[1] - w[0]).collect();
        60.0 * d.len() as f64 / d.iter().sum::<f64>()
    };
    let s = &analysis.summary;
    ModelErrors {
        model,
        feet,
        cadence_truth_spm,
        cadence_detected_spm: s.cadence_spm.unwrap_or(f64::NAN),
        summary_contact_ms: s.contact_ms,
        summary_flight_ms: s.flight_ms,
        near_side: s.near_side,
    }
}

/// Frames of tolerance of the targets (docs/validation.md §Video).
pub const MEDIAN_TARGET_FRAMES: f64 = 0.5;
pub const WITHIN_TARGET: f64 = 0.9;
/// One frame of the clip, ms.
pub const TIME_TARGET_MS: f64 = 1000.0 / CLIP_FPS;

/// A band: (what, value, ok, rule).
pub type VideoBand = (String, f64, bool, String);

/// The bands the default model is held to (docs/validation.md §Video): per foot, every contact found and the initial
/// contacts' median within half a frame and 90 % within one; the toe-offs and the times that depend on them the same,
/// or (a foot whose toe-offs miss them: the far one) its contact time flagged on every step, so that no summary
/// carries it; cadence within 2 spm and the summary's contact and flight time within a frame.
pub fn bands(m: &ModelErrors, events: &[Event]) -> Vec<VideoBand> {
    let mut out = Vec::new();
    let mut band = |what: String, value: f64, ok: bool, rule: &str| out.push((what, value, ok, rule.to_string()));
    for side in Side::BOTH {
        let f = &m.feet[side.index()];
        let name = format!("video, {} model, {} foot", m.model, side.name());
        band(
            format!("{name}: contacts found"),
            f.found as f64,
            f.found == f.contacts,
            &format!("= {} (every one)", f.contacts),
        );
        band(
            format!("{name}: median initial-contact error, frames"),
            f.ic_median(),
            f.ic_median().abs() <= MEDIAN_TARGET_FRAMES,
            "within ±0.5 (target)",
        );
        band(
            format!("{name}: initial contacts within one frame"),
            f.ic_within(),
            f.ic_within() >= WITHIN_TARGET,
            "≥ 0.9 (target)",
        );
        let to_ok = f.to_median().abs() <= MEDIAN_TARGET_FRAMES && f.to_within() >= WITHIN_TARGET;
        if to_ok || f.contact_flagged < 1.0 {
            band(
                format!("{name}: median toe-off error, frames"),
                f.to_median(),
                f.to_median().abs() <= MEDIAN_TARGET_FRAMES,
                "within ±0.5 (target)",
            );
            band(
                format!("{name}: toe-offs within one frame"),
                f.to_within(),
                f.to_within() >= WITHIN_TARGET,
                "≥ 0.9 (target)",
            );
            let (ct, cd) = f.contact_ms();
            band(
                format!("{name}: median contact time error, ms"),
                cd - ct,
                (cd - ct).abs() <= TIME_TARGET_MS,
                "within ±33 (target)",
            );
            let (ft, fd) = f.flight_ms();
            band(
                format!("{name}: median flight time error, ms"),
                fd - ft,
                (fd - ft).abs() <= TIME_TARGET_MS,
                "within ±33 (target)",
            );
        } else {
            band(
                format!("{name}: steps whose contact time is flagged (toe-offs miss the targets)"),
                f.contact_flagged,
                f.contact_flagged >= 1.0,
                "= 1 (all: left out of the summary)",
            );
        }
    }
    let cadence = m.cadence_detected_spm - m.cadence_truth_spm;
    band(format!("video, {} model: cadence error, spm", m.model), cadence, cadence.abs() <= 2.0, "within ±2");
    let (contact_truth, flight_truth) = truth_medians(events);
    let c = m.summary_contact_ms.unwrap_or(f64::NAN) - contact_truth;
    band(
        format!("video, {} model: summary contact time error, ms", m.model),
        c,
        c.abs() <= TIME_TARGET_MS,
        "within ±33 (target)",
    );
    let fl = m.summary_flight_ms.unwrap_or(f64::NAN) - flight_truth;
    band(
        format!("video, {} model: summary flight time error, ms", m.model),
        fl,
        fl.abs() <= TIME_TARGET_MS,
        "within ±33 (target)",
    );
    out
}

/// The annotation's median contact and flight time over both feet, ms.
pub fn truth_medians(events: &[Event]) -> (f64, f64) {
    let all_ics = initial_contact_instants(events);
    let cs: Vec<Contact> = Side::BOTH.iter().flat_map(|&s| contacts(events, s)).collect();
    let contact: Vec<f64> = cs.iter().map(|c| (c.to.instant() - c.ic.instant()) * 1000.0).collect();
    let flight: Vec<f64> = cs
        .iter()
        .filter_map(|c| {
            all_ics.iter().find(|&&t| t > c.to.instant() + 0.5 / CLIP_FPS).map(|n| (n - c.to.instant()) * 1000.0)
        })
        .collect();
    (median(&contact).unwrap_or(f64::NAN), median(&flight).unwrap_or(f64::NAN))
}

/// The markdown section of docs/validation.md: the annotation, then one table row per model and foot.
pub fn to_markdown(models: &[ModelErrors], events: &[Event]) -> String {
    let mut s = String::new();
    let (contact, flight) = truth_medians(events);
    let sure = events.iter().filter(|e| e.sure).count();
    let _ = writeln!(s, "## Video: gait events against a hand annotation of the treadmill clip\n");
    let _ = writeln!(
        s,
        "`running/treadmill_side_male.mp4` (30 fps, 12 s, the runner faces left: his left foot is the near one), \
         annotated frame by frame for this project: {} events, {sure} sure and the rest ±1 frame \
         (tests/data/annotations/README.md: the criterion is the first frame from which the heel moves back with the \
         belt, and the last in which the toe still touches it; docs/annotation-contact-sheet.jpg shows four). \
         Annotated: contact time {contact:.0} ms and flight time {flight:.0} ms (medians, both feet). Errors are \
         detected minus annotated, in frames of the clip; a contact is found when a detected contact of the same foot \
         starts within {MATCH_FRAMES:.0} frames of it.\n",
        events.len()
    );
    let _ = writeln!(
        s,
        "| model | foot | contacts found | IC error median, frames | IC within 1 frame | TO error median, frames | TO within 1 frame | contact annotated / detected, ms | flight annotated / detected, ms | contact flagged | cadence annotated / detected, spm |\n|---|---|---|---|---|---|---|---|---|---|---|"
    );
    for m in models {
        for side in [m.near_side, m.near_side.other()] {
            let f = &m.feet[side.index()];
            let (ct, cd) = f.contact_ms();
            let (ft, fd) = f.flight_ms();
            let _ = writeln!(
                s,
                "| {} | {} ({}) | {}/{} | {:+.2} | {:.2} | {:+.2} | {:.2} | {ct:.0} / {cd:.0} | {ft:.0} / {fd:.0} | {:.2} | {:.1} / {:.1} |",
                m.model,
                side.name(),
                if side == m.near_side { "near" } else { "far" },
                f.found,
                f.contacts,
                f.ic_median(),
                f.ic_within(),
                f.to_median(),
                f.to_within(),
                f.contact_flagged,
                m.cadence_truth_spm,
                m.cadence_detected_spm
            );
        }
    }
    let _ = writeln!(
        s,
        "\n\"contact flagged\" is the share of that foot's steps whose contact time runpose flags (left out of the \
         summary's medians, docs/metrics.md §Flags). The summaries: {}.\n",
        models
            .iter()
            .map(|m| format!(
                "{} contact {} ms, flight {} ms",
                m.model,
                m.summary_contact_ms.map_or("–".into(), |v| format!("{v:.0}")),
                m.summary_flight_ms.map_or("–".into(), |v| format!("{v:.0}"))
            ))
            .collect::<Vec<_>>()
            .join("; ")
    );
    s
}
