//! The live cadence (docs/metrics.md §Live analysis): the slope of a line through the settled steps' initial
//! contacts against their step numbers, and how well the contacts fix it.

use crate::metrics::StepMetrics;

/// Steps per minute over settled steps `steps` (oldest first; docs/metrics.md §Live analysis): the step period is
/// the slope of a least-squares line through their initial contacts (and each one's next initial contact, the end
/// of its step) against their step numbers, each foot's contacts allowed an offset of their own (a runner's left and
/// right steps may differ: this runner's by 60 ms). The steps shown need not be consecutive (one beside dropped
/// frames is passed over), but their numbers count every step run (`LiveAnalyzer` numbers a step passed over too),
/// so the count is right whichever steps settle; a median of their own step times would take the foot settled more
/// often. Every contact has a say: one timed a few frames off moves the line far less than it moves a count from the
/// first contact to the last (the full model's contacts live were up to 4 frames from the hand-annotated ones).
pub fn settled_cadence_spm(steps: &[StepMetrics]) -> Option<f64> {
    settled_cadence_fit(steps).map(|f| f.spm)
}

/// `settled_cadence_spm` with how well the contacts fix it (`CadenceFit`).
pub fn settled_cadence_fit(steps: &[StepMetrics]) -> Option<CadenceFit> {
    contacts_cadence_fit(&steps.iter().map(|s| (s.index, s.ic_t, s.step_ms)).collect::<Vec<_>>())
}

/// `settled_cadence_spm` over steps given as (step number, initial contact in s, step time in ms), oldest first (a
/// steps.csv's rows). None until two contacts of one foot are known (a stride): one step's own time is one foot's,
/// and the treadmill clip's left and right steps differ by 60 ms, so one step's own cadence is about 15 spm off.
pub fn contacts_cadence_spm(steps: &[(usize, f64, Option<f64>)]) -> Option<f64> {
    contacts_cadence_fit(steps).map(|f| f.spm)
}

/// A cadence counted from contacts, and its standard error.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CadenceFit {
    /// Steps per minute: 60 over the slope of the line.
    pub spm: f64,
    /// The standard error of `spm` from the contacts' scatter about the line (the slope's standard error, carried
    /// through 60 / period); none where no contact is left over to measure the scatter (one stride).
    /// Six steps whose contacts scatter by a frame (33 ms) fix the cadence to about 4 spm; twelve to about 1.3 spm.
    pub se_spm: Option<f64>,
}

/// `contacts_cadence_spm` with its standard error (`CadenceFit`).
pub fn contacts_cadence_fit(steps: &[(usize, f64, Option<f64>)]) -> Option<CadenceFit> {
    // Contact time by step number: each step's own, and its next one where that step did not settle.
    let mut contacts: Vec<(usize, f64)> = Vec::with_capacity(2 * steps.len());
    for &(n, t, step_ms) in steps {
        contacts.push((n, t));
        if let Some(ms) = step_ms.filter(|_| !steps.iter().any(|s| s.0 == n + 1)) {
            contacts.push((n + 1, t + ms / 1000.0));
        }
    }
    // Least squares with one intercept per foot (steps alternate feet, so a number's parity is its foot): the slope
    // is the pooled within-foot covariance over the pooled within-foot variance of the numbers.
    let feet: Vec<Vec<(f64, f64)>> = [0, 1]
        .iter()
        .map(|&parity| contacts.iter().filter(|c| c.0 % 2 == parity).map(|&(n, t)| (n as f64, t)).collect())
        .filter(|foot: &Vec<(f64, f64)>| foot.len() >= 2)
        .collect();
    let means = |foot: &[(f64, f64)]| {
        let k = foot.len() as f64;
        (foot.iter().map(|c| c.0).sum::<f64>() / k, foot.iter().map(|c| c.1).sum::<f64>() / k)
    };
    let (mut num, mut den) = (0.0, 0.0);
    for foot in &feet {
        let (n_mean, t_mean) = means(foot);
        num += foot.iter().map(|c| (c.0 - n_mean) * (c.1 - t_mean)).sum::<f64>();
        den += foot.iter().map(|c| (c.0 - n_mean).powi(2)).sum::<f64>();
    }
    let period_s = num / den;
    if !(den > 0.0 && period_s > 0.0) {
        return None;
    }
    // The residuals about the line; one degree of freedom per foot's intercept and one for the slope.
    let residual: f64 = feet
        .iter()
        .map(|foot| {
            let (n_mean, t_mean) = means(foot);
            foot.iter().map(|c| (c.1 - t_mean - period_s * (c.0 - n_mean)).powi(2)).sum::<f64>()
        })
        .sum();
    let freedom = feet.iter().map(Vec::len).sum::<usize>().saturating_sub(feet.len() + 1);
    let se_spm = (freedom > 0).then(|| 60.0 / period_s.powi(2) * (residual / freedom as f64 / den).sqrt());
    Some(CadenceFit { spm: 60.0 / period_s, se_spm })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Steps of the given step times, one after the other from t = 1 s.
    pub(crate) fn steps_of(step_ms: &[f64]) -> Vec<StepMetrics> {
        let mut t = 1.0;
        step_ms
            .iter()
            .enumerate()
            .map(|(k, &ms)| {
                let mut s = crate::metrics::test_steps::good_step();
                s.index = k;
                s.ic_t = t;
                s.to_t = t + 0.25 * ms / 1000.0;
                s.step_ms = Some(ms);
                s.cadence_spm = Some(60_000.0 / ms);
                t += ms / 1000.0;
                s
            })
            .collect()
    }

    /// Steps passed over (beside dropped frames) leave the cadence as it was: their numbers count them. So do steps
    /// of one foot only settling (the short ones here), where their own step times would give that foot's. A contact
    /// timed a frame late moves it by a fraction of a step per minute, and one timed four frames off at either end
    /// by under half as much as a count from the first contact to the last would move (3.0 against 6.5 spm).
    #[test]
    fn settled_cadence_counts_across_steps_passed_over() {
        let steps = steps_of(&[330.0, 370.0, 330.0, 370.0, 330.0, 370.0, 330.0, 370.0, 330.0, 370.0]);
        let every = settled_cadence_spm(&steps).unwrap();
        assert!((every - 60_000.0 / 350.0).abs() < 1e-9, "{every}");
        let some: Vec<StepMetrics> =
            steps.iter().enumerate().filter(|(k, _)| ![2, 5, 6].contains(k)).map(|(_, s)| s.clone()).collect();
        let cadence = settled_cadence_spm(&some).unwrap();
        assert!((cadence - every).abs() < 1e-9, "{cadence}");
        let one_foot: Vec<StepMetrics> = steps.iter().step_by(2).cloned().collect();
        let cadence = settled_cadence_spm(&one_foot[..one_foot.len() - 1]).unwrap();
        assert!((cadence - 60_000.0 / 350.0).abs() < 2.0, "{cadence}");
        // Step 4's contact a frame late: step 3 is longer, step 4 shorter by as much.
        let mut late = steps.clone();
        late[4].ic_t += 0.033;
        late[3].step_ms = late[3].step_ms.map(|ms| ms + 33.0);
        late[4].step_ms = late[4].step_ms.map(|ms| ms - 33.0);
        let late_some: Vec<StepMetrics> =
            late.iter().enumerate().filter(|(k, _)| ![3, 6].contains(k)).map(|(_, s)| s.clone()).collect();
        let cadence = settled_cadence_spm(&late_some).unwrap();
        assert!((cadence - every).abs() < 0.5, "{cadence}");
        assert!(cadence != every, "the late contact has a say");
        // The first contact, then the last (the end of the last step), four frames late.
        for end in [0, steps.len() - 1] {
            let mut off = steps.clone();
            if end == 0 {
                off[0].ic_t += 0.133;
                off[0].step_ms = off[0].step_ms.map(|ms| ms - 133.0);
            } else {
                off[end].step_ms = off[end].step_ms.map(|ms| ms + 133.0);
            }
            let cadence = settled_cadence_spm(&off).unwrap();
            let last = &off[off.len() - 1];
            let span = last.ic_t + last.step_ms.unwrap_or(f64::NAN) / 1000.0 - off[0].ic_t;
            let counted = 60.0 * off.len() as f64 / span;
            assert!((cadence - every).abs() < 0.5 * (counted - every).abs(), "step {end} late: {cadence} {counted}");
        }
        // One step alone is one foot's step time, not the run's cadence: none until a stride has settled.
        assert_eq!(settled_cadence_spm(&steps[3..4]), None);
        let stride = settled_cadence_spm(&steps[3..5]).unwrap();
        assert!((stride - 60_000.0 / 350.0).abs() < 1e-9, "{stride}");
    }

    /// The standard error: none with nothing left over to measure the scatter, zero on a line, and for twelve steps
    /// whose contacts alternate a frame early and late about the 1.3 spm the doc of `CadenceFit` gives (the scatter
    /// of a frame's third, as landings a frame off at random would scatter, 0.57 frames here).
    #[test]
    fn the_standard_error_follows_the_scatter() {
        let steps = steps_of(&[350.0; 12]);
        let exact = settled_cadence_fit(&steps).unwrap();
        assert!(exact.se_spm.unwrap() < 1e-6, "{exact:?}");
        // One stride (steps 0 and 1, and the end of step 1: two contacts of one foot): the line passes through it.
        assert_eq!(settled_cadence_fit(&steps[..2]).unwrap().se_spm, None);
        let mut scattered = steps.clone();
        for (k, s) in scattered.iter_mut().enumerate() {
            s.ic_t += if (k / 2) % 2 == 0 { 0.033 } else { -0.033 };
            s.step_ms = None; // the last step's end is not a contact here
        }
        let fit = settled_cadence_fit(&scattered).unwrap();
        let se = fit.se_spm.unwrap();
        assert!((0.8..2.5).contains(&se), "{fit:?}");
        assert!((fit.spm - 60_000.0 / 350.0).abs() < 3.0 * se, "{fit:?}");
    }
}
