//! The flags a step carries when its numbers cannot be trusted (docs/metrics.md §Flags): why, and which metric groups
//! are left out of every summary. The rules that set them are in `plausibility`.

use serde::Serialize;

/// How a reason for a metric out of bounds begins.
pub(crate) const IMPLAUSIBLE: &str = "implausible";
/// The reason every metric of a person not running is flagged with (docs/metrics.md §Summary, activity).
pub(crate) const NOT_RUNNING: &str = "not running";

/// Why a step's metrics are not to be trusted, and which ones (docs/metrics.md §Flags).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct StepFlags {
    /// One sentence each: "implausible contact 62 ms (running: 70–450 ms)", "low confidence: fall angle", ...
    pub reasons: Vec<String>,
    /// The metric groups (`StepConfidence` entry names) left out of every summary.
    pub metrics: Vec<&'static str>,
}

impl StepFlags {
    /// Whether nothing was flagged.
    pub fn is_sound(&self) -> bool {
        self.reasons.is_empty()
    }

    /// Whether a metric lies outside what a running human can do (`flag_step`'s "implausible …" reasons).
    pub fn implausible(&self) -> bool {
        self.reasons.iter().any(|r| r.starts_with(IMPLAUSIBLE))
    }

    /// Whether the step is not a running step at all (its person is not running: every metric flagged).
    pub fn not_running(&self) -> bool {
        self.reasons.iter().any(|r| r == NOT_RUNNING)
    }

    /// Whether metric group `metric` lies outside what a running human can do (`IMPLAUSIBLE`).
    pub fn implausible_metric(&self, metric: &str) -> bool {
        let start = format!("{IMPLAUSIBLE} {} ", metric.replace('_', " "));
        self.reasons.iter().any(|r| r.starts_with(&start))
    }

    /// Flags metric group `metric` as low confidence, saying `why`.
    pub(crate) fn low_confidence(&mut self, metric: &'static str, why: &str) {
        self.reasons.push(format!("low confidence: {} ({why})", metric.replace('_', " ")));
        self.exclude(metric);
    }

    /// Takes metric group `metric` back into the summaries (`LiveView::judged_step`).
    pub(crate) fn include(&mut self, metric: &str) {
        self.metrics.retain(|m| *m != metric);
    }

    /// Whether metric group `metric` is flagged.
    pub fn excludes(&self, metric: &str) -> bool {
        self.metrics.contains(&metric)
    }

    /// The reasons as one field of steps.csv: empty for a sound step.
    pub fn text(&self) -> String {
        self.reasons.join("; ")
    }

    pub(crate) fn exclude(&mut self, metric: &'static str) {
        if !self.metrics.contains(&metric) {
            self.metrics.push(metric);
        }
    }
}
