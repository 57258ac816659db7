//! Counting steps between initial contacts by their times (docs/metrics.md §Live analysis): the live view numbers
//! the steps it settles by the time between them, since steps beside dropped frames are passed over.

/// A count of steps between two contacts is clear within this much of a whole number (`clear_count`): a contact
/// timed a frame off moves it by about 0.1 step.
pub const CLEAR_COUNT: f64 = 0.3;
/// How much less clear a count of steps gets a step (`clear_count`): the typical step time is known to about 1 %.
pub const CLEAR_COUNT_PER_STEP: f64 = 0.01;
/// How many steps `span_s` seconds make at `typical_s` a step where that is clear: a whole number at least one,
/// within `CLEAR_COUNT` less `CLEAR_COUNT_PER_STEP` a step of the span in steps (the typical step's error adds up
/// over many steps).
pub(super) fn clear_count(span_s: f64, typical_s: f64) -> Option<usize> {
    let steps = span_s / typical_s;
    let n = steps.round();
    (n >= 1.0 && (steps - n).abs() <= CLEAR_COUNT - CLEAR_COUNT_PER_STEP * steps).then_some(n as usize)
}

/// How many steps `span_s` seconds make at `typical_s` a step, at least one: over more than a step and a half,
/// even between two contacts of one foot (`same_foot`) and odd between the two feet's; over less, the nearest count
/// (two contacts of one foot that close are one contact found twice, not a stride).
pub(super) fn steps_between(span_s: f64, typical_s: f64, same_foot: bool) -> usize {
    if let Some(n) = clear_count(span_s, typical_s) {
        return n;
    }
    if span_s / typical_s < 1.5 {
        return (span_s / typical_s).round().max(1.0) as usize;
    }
    let parity = if same_foot { 0.0 } else { 1.0 };
    // The nearest whole number of the right parity: 2m + parity nearest the span.
    let m = ((span_s / typical_s - parity) / 2.0).round().max(if same_foot { 1.0 } else { 0.0 });
    (2.0 * m + parity) as usize
}

/// Shortest and longest step times the comb fit tries, seconds (240 and 80 steps a minute).
const PERIOD_RANGE_S: (f64, f64) = (0.25, 0.75);
/// The rhythm's strength (`comb_strength`) below which the contacts have no clear step time.
const COMB_STRENGTH: f64 = 0.5;
/// A longer period whose strength is within this share of the strongest is the step (the strongest can be half of it).
const COMB_HARMONIC: f64 = 0.85;

/// How well contacts at `ics` fit a comb of teeth `period_s` apart: the length of the mean of the unit vectors at
/// their phases, 1 when every contact lies on a tooth.
fn comb_strength(ics: &[f64], period_s: f64) -> f64 {
    let (mut c, mut s) = (0.0, 0.0);
    for t in ics {
        let phase = std::f64::consts::TAU * t / period_s;
        c += phase.cos();
        s += phase.sin();
    }
    c.hypot(s) / ics.len() as f64
}

/// How far from the recent windows' step period (`step_period`'s `prior`) a window's may lie: a runner's cadence
/// changes by a few per cent over seconds, while a wrong harmonic lies a quarter or more away.
pub const PERIOD_TRACK: f64 = 0.15;

/// The step time of a run whose initial contacts (either foot's, oldest first) are at `ics`, seconds, from their
/// times alone (the window's names of the feet can be wrong where frames were dropped): the period between
/// `PERIOD_RANGE_S` whose comb the contacts fit best (`comb_strength`, found to 1 ms, then to 0.05 ms), the longest
/// within `COMB_HARMONIC` of the best (a comb of half the step time fits every contact too, and a contact missed or
/// found twice only weakens the fit a little); none under four contacts, over less than two of the longest steps,
/// or without a clear rhythm (`COMB_STRENGTH`). With a `prior` (the recent windows' period) only periods within
/// `PERIOD_TRACK` of it are tried: a window whose contacts are few or irregular (the full model's with frames
/// dropped) fitted 0.266 s and 0.292 s for this runner's 0.357 s steps, and every step numbered from it was off.
pub(super) fn step_period(ics: &[f64], prior: Option<f64>) -> Option<f64> {
    let span = ics.last()? - ics.first()?;
    if ics.len() < 4 || span < 2.0 * PERIOD_RANGE_S.1 {
        return None;
    }
    let t0 = ics[0];
    let ics: Vec<f64> = ics.iter().map(|t| t - t0).collect();
    let (lo, hi) = match prior {
        Some(p) => ((p * (1.0 - PERIOD_TRACK)).max(PERIOD_RANGE_S.0), (p * (1.0 + PERIOD_TRACK)).min(PERIOD_RANGE_S.1)),
        None => PERIOD_RANGE_S,
    };
    let coarse = 0.001;
    let n = ((hi - lo) / coarse).round() as usize;
    let scores: Vec<(f64, f64)> =
        (0..=n).map(|k| lo + k as f64 * coarse).map(|p| (p, comb_strength(&ics, p))).collect();
    let best = scores.iter().map(|s| s.1).fold(0.0, f64::max);
    if best < COMB_STRENGTH {
        return None;
    }
    // Within a tracked range there is one period (no harmonic): the best where it is a peak (at an end of the range
    // the rhythm lies outside it: none); else the longest near the best.
    let harmonic = if prior.is_some() { 1.0 } else { COMB_HARMONIC };
    let peak = scores
        .windows(3)
        .filter(|w| w[1].1 >= w[0].1 && w[1].1 >= w[2].1 && w[1].1 >= harmonic * best)
        .map(|w| w[1].0)
        .next_back()?;
    let fine = 0.00005;
    (-20..=20)
        .map(|k| peak + k as f64 * fine)
        .map(|p| (p, comb_strength(&ics, p)))
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(p, _)| p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_between_contacts_alternate_feet() {
        assert_eq!(steps_between(4.275, 0.372, true), 12); // 11.5 typical steps, one foot's contacts
        assert_eq!(steps_between(3.56, 0.372, true), 10);
        assert_eq!(steps_between(0.35, 0.36, false), 1);
        assert_eq!(steps_between(0.18, 0.35, true), 1); // one contact found twice
        assert_eq!(steps_between(0.55, 0.35, true), 2);
        assert_eq!(steps_between(1.05, 0.35, false), 3);
    }

    /// Contacts 0.35 s apart, one missed and one found twice: the period is the step time, not half of it.
    #[test]
    fn the_step_period_comes_from_the_contacts_times_alone() {
        let ics = [0.0, 0.35, 0.70, 1.40, 1.75, 1.90, 2.10, 2.45, 2.80];
        let period = step_period(&ics, None).unwrap();
        assert!((period - 0.35).abs() < 0.002, "{period}");
        // Left steps 40 ms longer than right ones: the step is their mean, not the stride.
        let ics: Vec<f64> = (0..16).map(|k| 0.35 * k as f64 + if k % 2 == 1 { 0.02 } else { 0.0 }).collect();
        let period = step_period(&ics, None).unwrap();
        assert!((period - 0.35).abs() < 0.001, "{period}");
        // No rhythm: contacts at random-looking times.
        assert_eq!(step_period(&[0.0, 0.31, 0.93, 1.05, 1.62, 2.4, 2.47], None), None);
        assert_eq!(step_period(&[0.0, 0.35], None), None);
        // Tracked from the recent windows' period: the same step within 15 % of it, none where the rhythm lies
        // outside (a stride's prior finds no peak near 0.7 s in contacts 0.35 s apart).
        let ics: Vec<f64> = (0..16).map(|k| 0.35 * k as f64).collect();
        let period = step_period(&ics, Some(0.37)).unwrap();
        assert!((period - 0.35).abs() < 0.001, "{period}");
        assert_eq!(step_period(&ics, Some(0.7)), None);
        assert_eq!(step_period(&ics, Some(0.26)), None);
        assert_eq!(clear_count(0.52, 0.35), None); // a step and a half
        assert_eq!(clear_count(3.15, 0.35), Some(9));
    }
}
