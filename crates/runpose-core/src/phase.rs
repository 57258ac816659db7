//! Gait-phase alignment of two clips (docs/metrics.md §Gait phase): side by side, the second clip shows the instant at
//! the same phase of the same foot's step as the first, not the same clock time, so two runners (or one runner before
//! and after) land, stand and push off together whatever their cadence.

use serde::Serialize;

use crate::skeleton::Side;

/// A gait event that anchors the alignment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum EventKind {
    InitialContact,
    ToeOff,
}

/// One gait event of a clip: when, which foot, which event.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct GaitEvent {
    pub t: f64,
    pub side: Side,
    pub kind: EventKind,
}

/// The initial contacts and toe-offs of `stances` (anything with a side, an initial contact and a toe-off time), in
/// time order.
pub fn gait_events(stances: impl IntoIterator<Item = (Side, f64, f64)>) -> Vec<GaitEvent> {
    let mut events: Vec<GaitEvent> = stances
        .into_iter()
        .flat_map(|(side, ic, to)| {
            [
                GaitEvent { t: ic, side, kind: EventKind::InitialContact },
                GaitEvent { t: to, side, kind: EventKind::ToeOff },
            ]
        })
        .filter(|e| e.t.is_finite())
        .collect();
    events.sort_by(|a, b| a.t.total_cmp(&b.t));
    events
}

/// A map from clip A's time to clip B's time at the same gait phase: pairs of matching events (same foot, same
/// event) taken in order from a chosen pair of initial contacts, with linear interpolation between pairs.
#[derive(Debug, Clone, PartialEq)]
pub struct PhaseMap {
    /// (time in A, time in B) of each paired event, increasing in both.
    pairs: Vec<(f64, f64)>,
}

impl PhaseMap {
    /// Pairs `a`'s events from its `a_start`th event with `b`'s from the first event at or after `b_start` with the
    /// same foot and kind (so the same foot lands together), then event by event while foot and kind match and time
    /// moves forward in both. Where they do not, an event was missed in one clip: the event that comes earlier in
    /// phase (B's, if A's event maps past it by the pairs so far) is passed over, and pairing goes on. `None` if
    /// fewer than two pairs can be made.
    pub fn new(a: &[GaitEvent], a_start: usize, b: &[GaitEvent], b_start: usize) -> Option<Self> {
        let first = a.get(a_start)?;
        let b_first = (b_start..b.len()).find(|&j| b[j].side == first.side && b[j].kind == first.kind)?;
        let mut pairs: Vec<(f64, f64)> = Vec::new();
        let (mut i, mut j) = (a_start, b_first);
        while let (Some(ea), Some(eb)) = (a.get(i), b.get(j)) {
            let forward = pairs.last().is_none_or(|&(ta, tb)| ea.t > ta && eb.t > tb);
            if ea.side == eb.side && ea.kind == eb.kind && forward {
                pairs.push((ea.t, eb.t));
                (i, j) = (i + 1, j + 1);
                continue;
            }
            // Where A's event falls in B by the pairs so far (at B's pace = A's with a single pair).
            let predicted = match pairs.as_slice() {
                [] => eb.t,
                [(ta, tb)] => tb + (ea.t - ta),
                _ => Self { pairs: pairs.clone() }.map(ea.t),
            };
            if predicted > eb.t || pairs.last().is_some_and(|&(_, tb)| eb.t <= tb) {
                j += 1;
            } else {
                i += 1;
            }
        }
        (pairs.len() >= 2).then_some(Self { pairs })
    }

    /// Aligns each clip's first initial contact of `side` (the near foot, say) with the other's.
    pub fn from_first_contact(a: &[GaitEvent], b: &[GaitEvent], side: Side) -> Option<Self> {
        let start =
            |events: &[GaitEvent]| events.iter().position(|e| e.side == side && e.kind == EventKind::InitialContact);
        Self::new(a, start(a)?, b, start(b)?)
    }

    /// The paired events, (time in A, time in B).
    pub fn pairs(&self) -> &[(f64, f64)] {
        &self.pairs
    }

    /// The time in B at the gait phase of `t_a` in A. Between paired events it is interpolated linearly; before the
    /// first or after the last pair, B runs at the rate of the nearest paired interval (its steps' tempo relative to
    /// A's).
    pub fn map(&self, t_a: f64) -> f64 {
        let p = &self.pairs;
        let k = p.partition_point(|&(ta, _)| ta <= t_a).clamp(1, p.len() - 1);
        let ((a0, b0), (a1, b1)) = (p[k - 1], p[k]);
        b0 + (t_a - a0) * (b1 - b0) / (a1 - a0)
    }

    /// The time in A at the gait phase of `t_b` in B (the inverse of `map`).
    pub fn map_back(&self, t_b: f64) -> f64 {
        let p = &self.pairs;
        let k = p.partition_point(|&(_, tb)| tb <= t_b).clamp(1, p.len() - 1);
        let ((a0, b0), (a1, b1)) = (p[k - 1], p[k]);
        a0 + (t_b - b0) * (a1 - a0) / (b1 - b0)
    }
}

/// The key instants of one step, as frame indices (docs/metrics.md §Key instants): what the replay timeline marks
/// and the storyboard shows. They are the frames the step's metrics are taken at.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct StepInstants {
    /// Index into `Analysis::steps`.
    pub step: usize,
    pub side: Side,
    /// Landing: the frame nearest the initial contact.
    pub contact: usize,
    /// The Running Pose: mid-stance, the frame nearest (IC + TO)/2.
    pub pose: usize,
    /// The end of the fall: the frame nearest toe-off.
    pub toe_off: usize,
    /// The pull at its peak: the frame where this foot is highest in its swing (`None` if the clip ends first, or
    /// the foot is not seen).
    pub peak_pull: Option<usize>,
}

/// The key instants of every step of `analysis`.
pub fn step_instants(analysis: &crate::Analysis) -> Vec<StepInstants> {
    let times: Vec<f64> = analysis.frames.iter().map(|f| f.t).collect();
    let n = times.len();
    analysis
        .stances
        .iter()
        .enumerate()
        .map(|(k, st)| {
            let side = st.side;
            let at = |t: f64| nearest_frame(&times, t).unwrap_or(st.ic_frame);
            let (contact, pose, toe_off) = (at(st.ic_t), at(0.5 * (st.ic_t + st.to_t)), at(st.to_t));
            let swing_end = crate::gait::swing_end(&analysis.stances, k, n);
            let peak_pull = (toe_off + 1..swing_end)
                .filter_map(|i| Some((i, analysis.metrics.get(i)?.foot_height_ll[side.index()]?)))
                .max_by(|a, b| a.1.total_cmp(&b.1))
                .map(|(i, _)| i)
                // A peak at the end of the clip is only where the clip stopped.
                .filter(|&i| swing_end < n || i + 1 < n);
            StepInstants { step: k, side, contact, pose, toe_off, peak_pull }
        })
        .collect()
}

/// The index of the frame whose time stamp is nearest `t` in `times` (increasing).
pub fn nearest_frame(times: &[f64], t: f64) -> Option<usize> {
    if times.is_empty() {
        return None;
    }
    let k = times.partition_point(|&x| x < t);
    Some(match k {
        0 => 0,
        k if k == times.len() => k - 1,
        k => {
            if (times[k] - t).abs() < (t - times[k - 1]).abs() {
                k
            } else {
                k - 1
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Alternating steps from `start`, left foot first: step time `step`, contact `contact`.
    fn run(start: f64, step: f64, contact: f64, n: usize, first: Side) -> Vec<GaitEvent> {
        gait_events((0..n).map(|k| {
            let side = if k % 2 == 0 { first } else { first.other() };
            let ic = start + k as f64 * step;
            (side, ic, ic + contact)
        }))
    }

    #[test]
    fn initial_contacts_of_the_same_foot_line_up_whatever_the_cadence() {
        // A: 170 spm from 0.4 s, left first. B: 185 spm from 1.1 s, right first, shorter contacts.
        let a = run(0.4, 60.0 / 170.0, 0.24, 12, Side::Left);
        let b = run(1.1, 60.0 / 185.0, 0.20, 12, Side::Right);
        let map = PhaseMap::from_first_contact(&a, &b, Side::Left).expect("aligned");
        // Every initial contact of A maps onto B's matching one, and the left foot onto the left foot.
        let ics = |e: &[GaitEvent], s: Side| -> Vec<f64> {
            e.iter().filter(|x| x.kind == EventKind::InitialContact && x.side == s).map(|x| x.t).collect()
        };
        let (a_left, b_left) = (ics(&a, Side::Left), ics(&b, Side::Left));
        assert_eq!(b_left[0], 1.1 + 60.0 / 185.0, "B's first left contact is its second step");
        for (ta, tb) in a_left.iter().zip(&b_left) {
            assert!((map.map(*ta) - tb).abs() < 1e-9, "{ta} → {} ≠ {tb}", map.map(*ta));
            assert!((map.map_back(*tb) - ta).abs() < 1e-9);
        }
        for (ta, tb) in ics(&a, Side::Right).iter().zip(&ics(&b, Side::Right)[1..]) {
            assert!((map.map(*ta) - tb).abs() < 1e-9);
        }
        // Toe-offs line up too, although the contacts differ in length, and halfway through A's contact is halfway
        // through B's.
        let (a_ic, b_ic) = (a_left[2], b_left[2]);
        assert!((map.map(a_ic + 0.24) - (b_ic + 0.20)).abs() < 1e-9);
        assert!((map.map(a_ic + 0.12) - (b_ic + 0.10)).abs() < 1e-9);
        // Before the first pair, B runs at the first interval's rate.
        let (a0, b0) = map.pairs()[0];
        assert!((map.map(a0 - 0.024) - (b0 - 0.020)).abs() < 1e-9);
    }

    #[test]
    fn a_missed_event_in_either_clip_is_passed_over() {
        let a = run(0.0, 0.35, 0.22, 10, Side::Left);
        let b = run(0.1, 0.33, 0.2, 10, Side::Left);
        // B misses one toe-off; A misses a whole stance (its 6th: a right foot's contact and toe-off).
        let mut b_missing = b.clone();
        b_missing.remove(9);
        let mut a_missing = a.clone();
        a_missing.drain(10..12);
        for (a, b, expected) in [(&a, &b_missing, 19), (&a_missing, &b, 18)] {
            let map = PhaseMap::new(a, 0, b, 0).unwrap();
            assert_eq!(map.pairs().len(), expected);
            // Every initial contact still lands on its partner (the k-th contact of each clip), before and after
            // the gap.
            for k in 0..10 {
                let (ta, tb) = (k as f64 * 0.35, 0.1 + k as f64 * 0.33);
                if a.iter().any(|e| e.t == ta) {
                    assert!((map.map(ta) - tb).abs() < 1e-9, "contact {k}: {} ≠ {tb}", map.map(ta));
                }
            }
        }
        assert!(PhaseMap::new(&a, 0, &b[..1], 0).is_none(), "one pair is no alignment");
        assert!(PhaseMap::from_first_contact(&a, &[], Side::Left).is_none());
    }

    #[test]
    fn nearest_frames() {
        let t = [0.0, 0.033, 0.067, 0.1];
        assert_eq!(nearest_frame(&t, -1.0), Some(0));
        assert_eq!(nearest_frame(&t, 0.05), Some(1));
        assert_eq!(nearest_frame(&t, 0.06), Some(2));
        assert_eq!(nearest_frame(&t, 5.0), Some(3));
        assert_eq!(nearest_frame(&[], 0.0), None);
    }
}
