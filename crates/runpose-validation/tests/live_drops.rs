//! The live analysis when the machine drops frames (issue 13): the treadmill clip's poses (the default model) fed to
//! the live analyzer with 30–60 % of the frames dropped, at random and in bursts, for several seeds. Every settled
//! step must be one `analyze` finds (initial contact within 2 frames of the offline one, same foot), the settled
//! steps' cadence within 3 spm of the offline cadence, and no settled step outside what a running human can do.

// A test (or bench) fails loudly: unwrap and expect are its asserts (clippy.toml allows them in #[test] items).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::cmp::Ordering;
use std::sync::OnceLock;

use runpose_core::live::settled_cadence_spm;
use runpose_core::{Analysis, AnalysisConfig, LiveAnalyzer, PoseFrame, analyze};
use runpose_validation::simulate::drop_frames;

mod common;
use common::treadmill_clip;

fn clip_poses() -> &'static (Vec<PoseFrame>, Analysis) {
    static RUN: OnceLock<(Vec<PoseFrame>, Analysis)> = OnceLock::new();
    RUN.get_or_init(|| {
        let mut tracker =
            runpose_app::session::estimate::load_tracker(runpose_app::session::estimate::DEFAULT_MODEL, None).unwrap();
        let run = runpose_app::session::estimate::estimate_poses(&treadmill_clip(), &mut tracker, false).unwrap();
        let offline = analyze(run.frames.clone(), &AnalysisConfig::default()).unwrap();
        (run.frames, offline)
    })
}

/// The settled steps of a live run over `frames`.
fn live_steps(frames: &[PoseFrame]) -> Vec<runpose_core::metrics::StepMetrics> {
    let mut live = LiveAnalyzer::new(AnalysisConfig::default());
    let mut last = Vec::new();
    for f in frames {
        if let Ok(view) = live.push(f.clone()) {
            last = view.steps;
        }
    }
    last
}

/// How far the nearest offline initial contact of foot `side` is from `t`, seconds.
fn nearest_contact_s(offline: &Analysis, side: runpose_core::Side, t: f64) -> f64 {
    offline.steps.iter().filter(|o| o.side == side).map(|o| (o.ic_t - t).abs()).fold(f64::INFINITY, f64::min)
}

/// Whether the live cadence is within 3 spm of the offline one (NaN, too few steps to count, is not).
fn within_3_spm(cadence: f64, offline_cadence: f64) -> bool {
    matches!((cadence - offline_cadence).abs().partial_cmp(&3.0), Some(Ordering::Less | Ordering::Equal))
}

/// Every frame kept: the live analysis settles the steps `analyze` finds.
#[test]
fn settled_steps_match_the_offline_ones() {
    let (frames, offline) = clip_poses();
    let fps = offline.summary.fps;
    let steps = live_steps(frames);
    assert!(steps.len() >= 28, "{} steps settled", steps.len());
    let far: Vec<String> = steps
        .iter()
        .filter_map(|s| {
            let nearest = nearest_contact_s(offline, s.side, s.ic_t);
            (nearest * fps > 2.0).then(|| {
                format!(
                    "step {} ({:?} at {:.3} s): {:.2} frames from any offline step",
                    s.index,
                    s.side,
                    s.ic_t,
                    nearest * fps
                )
            })
        })
        .collect();
    println!("{} steps settled; further than 2 frames: {far:?}", steps.len());
    // One far-foot step in the run is timed differently on the live window (its toe-off shifts the contact found).
    assert!(far.len() <= 1, "{far:#?}");
    let cadence = settled_cadence_spm(&steps).unwrap();
    assert!((cadence - offline.summary.cadence_spm.unwrap()).abs() <= 3.0, "cadence {cadence:.1}");
}

/// A video played in a loop, as the live view plays one: the clip's poses twice, the second pass going on in time
/// from the first, the source's jump between them told to the analyzer (`LiveAnalyzer::restart`). The second pass
/// settles the steps `analyze` finds, numbered on by the time across the jump, and the panel shows at every frame of it
/// the cadence it showed at the same frame of the first pass (within 0.5 spm: the times differ in their last digits):
/// nothing is counted across the jump (the clip's end and start, in one frame interval). Nor does the short window
/// after the jump say "not running", and a steps file of both passes counts its cadence within 3 spm of analyze's. Counted across it, the panel read 175 spm after the jump and its chart 193 (analyze:
/// 168.5).
#[test]
fn a_looping_video_counts_nothing_across_its_jump() {
    let (frames, offline) = clip_poses();
    let fps = offline.summary.fps;
    let shift = frames.last().unwrap().t + 1.0 / fps;
    let mut live = LiveAnalyzer::new(AnalysisConfig::default());
    let mut panel = [Vec::new(), Vec::new()];
    let mut not_running = Vec::new();
    let mut first_pass = 0;
    let mut view = None;
    for (pass, offset) in [(0, 0.0), (1, shift)] {
        if pass == 1 {
            first_pass = view.as_ref().map_or(0, |v: &runpose_core::LiveView| v.steps.len());
            live.restart();
        }
        for f in frames {
            let v = live.push(PoseFrame { t: f.t + offset, pose: f.pose.clone() }).ok();
            // What the panel shows once the pass has settled steps of its own (before, the last pass's numbers).
            let own = v.as_ref().and_then(|v| v.steps.last()).is_some_and(|s| s.ic_t >= offset);
            panel[pass].push(v.as_ref().filter(|_| own).and_then(|v| v.rolling().cadence_spm));
            // A short window after the jump (or at the start) cannot tell running from anything else.
            if let Some(sentence) = v.as_ref().and_then(runpose_core::LiveView::not_running) {
                not_running.push(format!("{:.2} s: {sentence}", f.t + offset));
            }
            view = v.or(view);
        }
    }
    let view = view.unwrap();
    assert!(not_running.is_empty(), "{not_running:?}");
    assert_eq!(view.jumps, vec![shift - 1.0 / fps]);
    let second = &view.steps[first_pass..];
    assert!(second.len() >= 25, "{} steps settled after the jump", second.len());
    // Numbers within each pass step with the offline steps', and go on across the jump by the time (a pass holds as
    // many steps as analyze finds in the clip, give or take the one the jump cuts).
    let offsets = |steps: &[runpose_core::metrics::StepMetrics], shift: f64| -> Vec<i64> {
        let mut o: Vec<i64> = steps
            .iter()
            .map(|s| s.index as i64 - nearest_offline_step(offline, s.ic_t - shift).unwrap() as i64)
            .collect();
        o.dedup();
        o
    };
    let (before, after) = (offsets(&view.steps[..first_pass], 0.0), offsets(second, shift));
    assert!(before.len() == 1 && after.len() == 1, "numbers within a pass: {before:?} {after:?}");
    let per_pass = after[0] - before[0];
    assert!((per_pass - offline.steps.len() as i64).abs() <= 1, "{per_pass} numbers a pass");
    // So a steps file of both passes (`runpose live --steps-out`) counts its cadence within 3 spm of analyze's.
    let both = settled_cadence_spm(&view.steps).unwrap();
    println!("both passes: {both:.1} spm, analyze {:.1}", offline.summary.cadence_spm.unwrap());
    assert!(within_3_spm(both, offline.summary.cadence_spm.unwrap()), "both passes: {both:.1} spm");
    for s in second {
        let nearest = nearest_contact_s(offline, s.side, s.ic_t - shift) * fps;
        assert!(nearest <= 2.0, "step {} at {:.3} s: {nearest:.2} frames from analyze's", s.index, s.ic_t);
    }
    let differ: Vec<String> = frames
        .iter()
        .zip(panel[0].iter().zip(&panel[1]))
        .filter(|(_, (a, b))| match (a, b) {
            (Some(a), Some(b)) => (a - b).abs() > 0.5,
            _ => a.is_some() != b.is_some(),
        })
        .map(|(f, (a, b))| format!("{:.2} s: {a:.1?} then {b:.1?}", f.t))
        .collect();
    assert!(differ.is_empty(), "the panel's cadence in the first pass and the second: {differ:?}");
}

/// The live runs of the clip with frames dropped as `cases` say (seed, share dropped, longest burst): the failures
/// against the requirement, every settled step within 2 frames of an offline one of its foot (at most
/// `max_off` per run further), at least `min_steps` settled, the settled cadence within 3 spm of the offline one
/// (with `min_steps` 0, wherever the settled steps count one), none implausible.
fn dropped_frame_failures(cases: &[(u64, f64, usize)], min_steps: usize, max_off: usize) -> Vec<String> {
    let (frames, offline) = clip_poses();
    let fps = offline.summary.fps;
    let mut failures = Vec::new();
    for &(seed, share, burst) in cases {
        let mut off = 0;
        let mut off_steps = Vec::new();
        let kept = drop_frames(frames, share, burst, seed);
        let dropped = 1.0 - kept.len() as f64 / frames.len() as f64;
        let steps = live_steps(&kept);
        if steps.len() < min_steps {
            failures.push(format!("seed {seed}: only {} steps settled ({dropped:.2} dropped)", steps.len()));
        }
        for s in &steps {
            let nearest = nearest_contact_s(offline, s.side, s.ic_t);
            if nearest * fps > 2.0 {
                off += 1;
                let other = offline
                    .steps
                    .iter()
                    .filter(|o| o.side != s.side)
                    .map(|o| (o.ic_t - s.ic_t).abs())
                    .fold(f64::INFINITY, f64::min);
                off_steps.push(format!("seed {seed} ({dropped:.2} dropped): step {} ({:?} at {:.3} s, {:.0} ms contact) is {:.2} frames from any offline step of its foot, {:.2} from the other's", s.index, s.side, s.ic_t, s.contact_ms, nearest * fps, other * fps));
            }
            if s.flags.implausible() {
                failures.push(format!("seed {seed}: step {} at {:.3} s: {}", s.index, s.ic_t, s.flags.text()));
            }
        }
        // The cadence the live view counts over the settled steps against the offline cadence over the same span
        // (which steps settle is a sample of a run whose step times alternate by ±30 ms).
        let cadence = settled_cadence_spm(&steps).unwrap_or(f64::NAN);
        let (first, last) = (steps.first().map_or(0.0, |s| s.ic_t), steps.last().map_or(0.0, |s| s.ic_t));
        let span: Vec<runpose_core::metrics::StepMetrics> =
            offline.steps.iter().filter(|o| o.ic_t > first - 0.1 && o.ic_t < last + 0.1).cloned().collect();
        let offline_cadence = settled_cadence_spm(&span).unwrap_or(f64::NAN);
        println!(
            "seed {seed}: {dropped:.2} dropped, {} steps settled, cadence {cadence:.1} (offline, same span {offline_cadence:.1})",
            steps.len()
        );
        // NaN (too few steps to count) fails too where steps must settle; else the panel then shows no cadence.
        if (min_steps > 0 || !cadence.is_nan()) && !within_3_spm(cadence, offline_cadence) {
            failures.push(format!("seed {seed}: cadence {cadence:.1} vs {offline_cadence:.1}"));
        }
        if off > max_off {
            failures.extend(off_steps);
        }
    }
    failures
}

/// Runs with up to about 45 % of the frames dropped (seed, share, longest burst).
const UP_TO_45_PERCENT: [(u64, f64, usize); 9] = [
    (1, 0.3, 1),
    (2, 0.45, 3),
    (4, 0.4, 4),
    (11, 0.3, 2),
    (12, 0.35, 3),
    (13, 0.4, 1),
    (14, 0.45, 2),
    (19, 0.4, 3),
    (20, 0.35, 4),
];
/// Runs with more dropped, up to 60 % (seed, share, longest burst).
const ABOVE_45_PERCENT: [(u64, f64, usize); 6] =
    [(3, 0.6, 2), (5, 0.55, 3), (15, 0.5, 4), (16, 0.55, 1), (17, 0.6, 3), (18, 0.5, 2)];

/// Up to 45 % of the frames dropped, at random and in bursts of up to four (nine runs): every settled step within 2
/// frames of the offline one of its foot, the settled steps' cadence within 3 spm, and at least 6 of the run's 31
/// steps settled in every run (7–21 did; docs/metrics.md §Live analysis). Before the landings were held to the frames
/// seen around them (`footprint::seen_arrivals`), one step a run was up to 2.4 frames off and 8–23 settled.
#[test]
fn settled_steps_match_the_offline_ones_with_up_to_45_percent_dropped() {
    let failures = dropped_frame_failures(&UP_TO_45_PERCENT, 6, 0);
    assert!(failures.is_empty(), "{failures:#?}");
}

/// The requirement with 30–60 % of the frames dropped (random and in bursts, fifteen runs, the nine above and
/// six with 47–66 % dropped): every settled step within 2 frames of the offline one of its foot, none implausible,
/// and the cadence within 3 spm wherever the settled steps count one. Above 45 % few steps settle (0–6 of 31;
/// docs/metrics.md §Live analysis): the live view then shows fewer numbers, not wrong ones. Before, a settled step was
/// a foot off (seed 5) and the cadence 176.5 and 223.9 spm (seeds 5 and 17; analyze 168.5).
#[test]
fn settled_steps_match_the_offline_ones_when_frames_are_dropped() {
    let cases: Vec<(u64, f64, usize)> = UP_TO_45_PERCENT.iter().chain(&ABOVE_45_PERCENT).copied().collect();
    let failures = dropped_frame_failures(&cases, 0, 0);
    assert!(failures.is_empty(), "{failures:#?}");
}

/// The offline step (its place in `offline.steps`) whose initial contact is nearest `t`.
fn nearest_offline_step(offline: &Analysis, t: f64) -> Option<usize> {
    offline
        .steps
        .iter()
        .enumerate()
        .min_by(|a, b| (a.1.ic_t - t).abs().total_cmp(&(b.1.ic_t - t).abs()))
        .map(|(j, _)| j)
}

/// Sixty runs with 20–65 % of the frames dropped (ten shares, bursts of one to four frames, a seed each): the
/// settled steps' feet and numbers (docs/metrics.md §Live analysis, naming the feet and numbering the steps). A step
/// is a foot off when its contact is more than 2 frames from any offline contact of its foot and within 2 of the
/// other's; a run is misnumbered when the difference of two settled steps' numbers is not that of the offline steps
/// nearest them. At most 2 % of the settled steps a foot off, at most 6 of the 60 runs misnumbered, and in nine in
/// ten of the runs that settle at least 8 steps the cadence within 3 spm of `analyze`'s (before the feet were named
/// by the settled steps and the step time taken from the contacts' rhythm: 2.7 % a foot off, 17 runs misnumbered).
#[test]
fn settled_steps_keep_their_feet_and_numbers_when_frames_are_dropped() {
    let (frames, offline) = clip_poses();
    let fps = offline.summary.fps;
    let offline_cadence = offline.summary.cadence_spm.unwrap();
    let (mut settled, mut foot_off, mut misnumbered) = (0, Vec::new(), Vec::new());
    let (mut counted_runs, mut cadence_off) = (0, Vec::new());
    for seed in 100..160_u64 {
        let share = 0.2 + 0.45 * ((seed % 10) as f64 / 9.0);
        let burst = 1 + (seed % 4) as usize;
        let steps = live_steps(&drop_frames(frames, share, burst, seed));
        settled += steps.len();
        for s in &steps {
            if nearest_contact_s(offline, s.side, s.ic_t) * fps > 2.0
                && nearest_contact_s(offline, s.side.other(), s.ic_t) * fps <= 2.0
            {
                foot_off.push(format!("seed {seed}: step {} ({:?} at {:.3} s)", s.index, s.side, s.ic_t));
            }
        }
        let first = steps.first().and_then(|s| Some((s.index, nearest_offline_step(offline, s.ic_t)?)));
        if let Some((n0, j0)) = first {
            let wrong = steps
                .iter()
                .filter(|s| nearest_offline_step(offline, s.ic_t).is_none_or(|j| s.index + j0 != j + n0))
                .count();
            if wrong > 0 {
                misnumbered.push(format!("seed {seed}: {wrong} of {} steps", steps.len()));
            }
        }
        if steps.len() >= 8 {
            counted_runs += 1;
            let cadence = settled_cadence_spm(&steps).unwrap_or(f64::NAN);
            if !within_3_spm(cadence, offline_cadence) {
                cadence_off.push(format!("seed {seed} ({share:.2} dropped, bursts of {burst}): {cadence:.1} spm"));
            }
        }
    }
    println!(
        "{settled} steps settled, a foot off {foot_off:?}; misnumbered {misnumbered:?}; \
         cadence off in {cadence_off:?} of {counted_runs} runs with 8 steps or more"
    );
    assert!(foot_off.len() as f64 <= 0.02 * settled as f64, "{} of {settled}: {foot_off:#?}", foot_off.len());
    assert!(misnumbered.len() <= 6, "{misnumbered:#?}");
    assert!(cadence_off.len() * 10 <= counted_runs, "{cadence_off:#?} of {counted_runs}");
}

/// A live camera's dropped frames are never seen by the tracker either: its region of interest follows the runner
/// from the frames it kept, so the landmarks differ from those of every frame with some left out. The clip decoded,
/// the tracker fed only the frames a run keeps (three runs, 30–45 % dropped in bursts of up to three): every settled
/// step within 2 frames of `analyze`'s (on every frame) of its foot, at most one further a run, and the settled
/// cadence within 3 spm.
#[test]
fn settled_steps_match_the_offline_ones_when_the_tracker_sees_only_the_frames_kept() {
    let (frames, offline) = clip_poses();
    let fps = offline.summary.fps;
    let mut reader = runpose_capture::VideoReader::open(treadmill_clip()).unwrap();
    let mut images = Vec::new();
    while let Some(f) = reader.next_frame().unwrap() {
        images.push(f);
    }
    let mut failures = Vec::new();
    for (seed, share) in [(1_u64, 0.3), (2, 0.4), (20, 0.45)] {
        let kept = drop_frames(frames, share, 3, seed);
        let mut tracker =
            runpose_app::session::estimate::load_tracker(runpose_app::session::estimate::DEFAULT_MODEL, None).unwrap();
        let mut posed = Vec::new();
        for f in images.iter().filter(|f| kept.iter().any(|k| (k.t - f.t).abs() < 1e-6)) {
            posed.push(PoseFrame { t: f.t, pose: tracker.process(&f.image).unwrap().map(|e| e.pose) });
        }
        let steps = live_steps(&posed);
        let far: Vec<String> = steps
            .iter()
            .filter(|s| nearest_contact_s(offline, s.side, s.ic_t) * fps > 2.0)
            .map(|s| format!("step {} ({:?} at {:.3} s)", s.index, s.side, s.ic_t))
            .collect();
        let cadence = settled_cadence_spm(&steps).unwrap_or(f64::NAN);
        println!(
            "seed {seed} ({share} dropped): {} steps, cadence {cadence:.1}, further than 2 frames {far:?}",
            steps.len()
        );
        if steps.len() < 8 || far.len() > 1 {
            failures.push(format!("seed {seed}: {} steps settled, further than 2 frames: {far:?}", steps.len()));
        }
        let offline_cadence = offline.summary.cadence_spm.unwrap();
        if !within_3_spm(cadence, offline_cadence) {
            failures.push(format!("seed {seed}: cadence {cadence:.1} vs {offline_cadence:.1}"));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}
