//! The live window's side panel and treadmill mode: the rolling numbers, the cue, the charts.

use egui::{Color32, RichText};
use runpose_core::LiveView;
use runpose_core::cues::{LOW_CADENCE_SPM, MAX_FALL_DEG, good_step, step_cues};
use runpose_core::live::{HISTORY_S, ROLLING_CADENCE_STEPS, ROLLING_STEPS, rolling_cadence};
use runpose_core::metrics::LOW_CONFIDENCE;

use crate::draw::overlay;
use crate::windows::common::rgb;

/// A number in the side panel: grey when its confidence is low (docs/metrics.md §Confidence).
fn number(ui: &mut egui::Ui, text: &str, confidence: f64, size: f32) {
    let color = if confidence < LOW_CONFIDENCE { Color32::GRAY } else { Color32::WHITE };
    let label = ui.label(RichText::new(text).size(size).color(color));
    if confidence < LOW_CONFIDENCE {
        label.on_hover_text(format!("low confidence ({confidence:.2}): its landmarks were seen poorly"));
    }
}

/// In place of the cue when no rule could judge the newest step (`cues::good_step`): not "Good step".
const NOT_JUDGED: &str = "No cue: the last step's numbers are flagged";

/// What the panels say of the newest step: its first cue, "Good step", or that no rule could judge it.
enum Verdict {
    Cue(&'static str),
    Good,
    NotJudged,
}

fn verdict(step: &runpose_core::metrics::StepMetrics) -> Verdict {
    match step_cues(step).first() {
        Some(cue) => Verdict::Cue(cue.text),
        None if good_step(step) => Verdict::Good,
        None => Verdict::NotJudged,
    }
}

/// What the panel's numbers are taken over (`live::ROLLING_CADENCE_STEPS`, `live::ROLLING_STEPS`).
fn taken_over() -> String {
    format!("cadence over the last {ROLLING_CADENCE_STEPS} steps, the rest medians of the last {ROLLING_STEPS}")
}

/// The side panel; `person` says whom the pipeline follows when several people are in view.
pub(crate) fn numbers_panel(ui: &mut egui::Ui, view: Option<&LiveView>, person: Option<&str>) {
    if let Some(line) = person {
        ui.label(RichText::new(line).size(15.0).color(Color32::from_rgb(120, 190, 255)));
    }
    let Some(view) = view else {
        ui.label(RichText::new("Waiting for the runner…").size(20.0));
        return;
    };
    if let Some(sentence) = view.not_running() {
        ui.label(RichText::new("Not running").size(30.0).color(Color32::LIGHT_GRAY).strong());
        ui.label(RichText::new(sentence).size(16.0).color(Color32::GRAY));
        return;
    }
    match view.judged_step() {
        Some(step) => {
            let step = &step;
            let r = view.rolling();
            ui.label(
                RichText::new(format!("Step {} · {}", step.index + 1, taken_over()))
                    .size(16.0)
                    .color(Color32::LIGHT_GRAY),
            );
            let sure = !view.uncertain();
            for (text, shown) in rolling_numbers(&view.analysis, &r) {
                number(ui, &text, if shown && sure { 1.0 } else { 0.0 }, 22.0);
            }
            if !sure {
                ui.label(
                    RichText::new(format!("{:.0} % of frames dropped: numbers uncertain", 100.0 * view.dropped_share))
                        .size(14.0)
                        .color(Color32::from_rgb(240, 150, 50)),
                );
            }
            let flagged = step.flags.text();
            if !flagged.is_empty() {
                ui.label(RichText::new(format!("last step: {flagged}")).size(13.0).color(Color32::GRAY));
            }
            ui.add_space(8.0);
            match verdict(step) {
                Verdict::Cue(text) => ui.label(RichText::new(text).size(30.0).color(rgb(overlay::CUE)).strong()),
                Verdict::Good => ui.label(RichText::new("Good step").size(30.0).color(Color32::from_rgb(40, 220, 90))),
                Verdict::NotJudged => ui.label(RichText::new(NOT_JUDGED).size(16.0).color(Color32::GRAY)),
            };
        }
        None => {
            ui.label(RichText::new("Waiting for the first step…").size(20.0));
        }
    }
    ui.add_space(12.0);
    charts(ui, view);
}

/// The rolling medians as panel lines, and whether each rests on at least one sound step (else it shows "–", grey).
fn rolling_numbers(a: &runpose_core::Analysis, r: &runpose_core::Rolling) -> Vec<(String, bool)> {
    let opt = |v: Option<f64>, unit: &str, d: usize| v.map_or("–".to_string(), |x| format!("{x:.d$}{unit}"));
    let landing = overlay::landing_text(a, r.landing_distance_ll);
    vec![
        // Grey until enough steps lie on a line to fix it (`Rolling::cadence_sure`).
        (format!("cadence {}", opt(r.cadence_spm, " spm", 0)), r.cadence_sure),
        (format!("contact {}", opt(r.contact_ms, " ms", 0)), r.contact_ms.is_some()),
        (format!("fall at toe-off {}", opt(r.fall_angle_deg, "°", 1)), r.fall_angle_deg.is_some()),
        (format!("landing {landing}"), r.landing_distance_ll.is_some()),
    ]
}

/// A point of the cadence chart: seconds before now, steps/min, and whether the cadence was sure.
type CadencePoint = (f64, f64, bool);

/// Fall angle per frame and the rolling cadence at each step over the last `HISTORY_S` seconds, against seconds
/// before now; flagged steps are left out of the step lines, which are grey while the numbers are uncertain.
fn charts(ui: &mut egui::Ui, view: &LiveView) {
    use egui_plot::{HLine, Line, Plot, PlotPoints, Points};
    let now = view.analysis.frames[view.newest()].t;
    let chart_height = ((ui.available_height() - 40.0) / 2.0).clamp(100.0, 220.0);
    // Grey, as the panel's numbers, while so many frames are dropped that they are uncertain.
    let (dot_colour, fall_colour, cadence_colour) = if view.uncertain() {
        (Color32::GRAY, Color32::GRAY, Color32::GRAY)
    } else {
        (Color32::from_rgb(40, 220, 90), Color32::WHITE, Color32::from_rgb(0, 170, 255))
    };
    ui.label("Fall angle, °: each frame in stance (dots), at toe-off (line)");
    let (confident, doubtful): (Vec<[f64; 3]>, Vec<[f64; 3]>) =
        view.fall_angle.iter().partition(|p| p[2] >= LOW_CONFIDENCE);
    let pts = |v: &[[f64; 3]]| PlotPoints::new(v.iter().map(|p| [p[0] - now, p[1]]).collect());
    Plot::new("fall_chart")
        .height(chart_height)
        .include_x(-HISTORY_S)
        .include_x(0.0)
        .include_y(0.0)
        .include_y(MAX_FALL_DEG + 5.0)
        .allow_drag(false)
        .allow_zoom(false)
        .allow_scroll(false)
        .show(ui, |plot| {
            plot.hline(HLine::new("22.5° limit", MAX_FALL_DEG).color(Color32::from_rgb(240, 50, 50)));
            plot.points(Points::new("fall angle", pts(&confident)).radius(1.5).color(dot_colour));
            plot.points(Points::new("low confidence", pts(&doubtful)).radius(1.5).color(Color32::GRAY));
            let toe_off: Vec<[f64; 2]> = view
                .steps
                .iter()
                .filter(|s| !s.flags.excludes("fall_angle"))
                .filter_map(|s| Some([s.to_t - now, s.fall_angle_toe_off_deg?]))
                .collect();
            plot.line(Line::new("at toe-off", PlotPoints::new(toe_off)).color(fall_colour).width(2.0));
        });
    ui.label(format!("Cadence, steps/min, over the last {ROLLING_CADENCE_STEPS} steps at each step (grey: uncertain)"));
    // The panel's cadence as it stood at each settled step (`live::rolling_cadence` over the steps up to it since the
    // source last jumped, as `LiveView::rolling` counts it): a line where it was sure, grey dots where not.
    let (sure, unsure): (Vec<CadencePoint>, Vec<CadencePoint>) = (0..view.steps.len())
        // A step's own cadence is low confidence live (docs/metrics.md §Live analysis), not the count through it.
        .filter(|&k| !view.steps[k].flags.not_running() && !view.steps[k].flags.implausible_metric("cadence"))
        .filter_map(|k| {
            let counted = runpose_core::live::counted_since_jump(&view.steps[..=k], &view.jumps);
            rolling_cadence(counted).map(|(spm, sure)| (view.steps[k].ic_t - now, spm, sure))
        })
        .partition(|p| p.2);
    let points = |v: &[CadencePoint]| PlotPoints::new(v.iter().map(|p| [p.0, p.1]).collect());
    Plot::new("cadence_chart")
        .height(chart_height)
        .include_x(-HISTORY_S)
        .include_x(0.0)
        .include_y(150.0)
        .include_y(190.0)
        .allow_drag(false)
        .allow_zoom(false)
        .allow_scroll(false)
        .show(ui, |plot| {
            plot.hline(HLine::new("low cadence", LOW_CADENCE_SPM).color(Color32::from_rgb(240, 150, 50)));
            plot.line(Line::new("cadence", points(&sure)).color(cadence_colour).width(2.0));
            plot.points(Points::new("uncertain", points(&unsure)).radius(2.0).color(Color32::GRAY));
        });
}

/// Treadmill mode: the cue and three numbers, big enough to read from 3 m.
pub(crate) fn treadmill_panel(ui: &mut egui::Ui, view: Option<&LiveView>) {
    if view.and_then(LiveView::not_running).is_some() {
        ui.label(RichText::new("Not running").size(64.0).color(Color32::LIGHT_GRAY).strong());
        return;
    }
    let (Some(view), Some(step)) = (view, view.and_then(LiveView::judged_step)) else {
        ui.label(RichText::new("Waiting for the first step…").size(48.0));
        return;
    };
    let step = &step;
    match verdict(step) {
        Verdict::Cue(text) => ui.label(RichText::new(text).size(64.0).color(rgb(overlay::CUE)).strong()),
        Verdict::Good => ui.label(RichText::new("Good step").size(64.0).color(rgb(overlay::CUE)).strong()),
        Verdict::NotJudged => ui.label(RichText::new(NOT_JUDGED).size(32.0).color(Color32::GRAY)),
    };
    ui.add_space(24.0);
    let r = view.rolling();
    let opt = |v: Option<f64>, d: usize| v.map_or("–".into(), |x| format!("{x:.d$}"));
    let grey = |v: Option<f64>| if v.is_some() && !view.uncertain() { 1.0 } else { 0.0 };
    let cadence_grey = if r.cadence_sure { grey(r.cadence_spm) } else { 0.0 };
    number(ui, &format!("{} spm", opt(r.cadence_spm, 0)), cadence_grey, 72.0);
    number(ui, &format!("fall {}°", opt(r.fall_angle_deg, 1)), grey(r.fall_angle_deg), 72.0);
    number(ui, &format!("contact {} ms", opt(r.contact_ms, 0)), grey(r.contact_ms), 56.0);
    ui.label(RichText::new(taken_over()).size(20.0).color(Color32::GRAY));
}
