//! Whom the live view follows when several people are in view (README §Several people in view): the choice
//! `analyze` makes (`person`), made online. Over the session's first `SCAN_S` seconds the detector counts the
//! people in view every `COUNT_EVERY` frames while the tracker follows as usual; once it sees two, every person in
//! view is followed one by one for `SCAN_S` seconds (`person::Scan`, the view meanwhile showing the first of them),
//! and then the tracker takes the running one (else one walking, else the surest) where they are now. A click
//! (`cancel`) ends the scan: the coach has chosen. The gait analysis that tells running from walking needs frames
//! at about a camera's rate: when the view had time for fewer than `MIN_SCAN_RATE` frames a second during the scan
//! (it runs the landmark model once per person a frame), it does not guess: it follows the surest person and asks
//! for a click. A person chosen so who is then not seen for `CHOSEN_LOST_S` has left: the tracker follows as usual
//! and the people in view are counted until two are seen again, and followed again to find who runs.

use runpose_core::Pose;
use runpose_vision::PoseTracker;

use crate::session::person::{COUNT_EVERY, PersonChoice, SAME_PERSON_HEIGHTS, SCAN_S, Scan};

/// Frames a second the scan needs to tell who runs. The chooser fed the treadmill clip placed beside Sports2D's
/// people, and Sports2D's demo alone, at 30, 20 and 15 frames/s (every frame, or every 1.5th or 2nd) follows the
/// runner and the walker with the full and the heavy model; at 12 frames/s and below it still finds the runner, but
/// the walker's gait is no longer called walking, and nobody is chosen on Sports2D.
pub const MIN_SCAN_RATE: f64 = 14.0;
/// The person chosen among several is looked for this long, seconds, after they were last seen; then the tracker
/// follows as usual and the people in view are counted until two are seen again, who are then followed to find who
/// runs: the one chosen left the view (Sports2D's walker walks out of it), or a looping video began again with them
/// elsewhere. Before, the view waited where they were last seen.
pub const CHOSEN_LOST_S: f64 = 2.0;

/// Whom the live pipeline follows, for the view (`LiveState::person`).
#[derive(Debug, Clone, PartialEq)]
pub enum LivePerson {
    /// Everyone in view is being followed to find who runs.
    Finding,
    /// Chosen among several people (`chosen_by` running, walking or surest), or clicked ("point").
    Chosen(PersonChoice),
    /// Several people, and too few frames a second during the scan to tell who runs: the surest is followed.
    Undecided { rate: f64 },
    /// Several people, and nobody followed long enough was seen running or walking: the surest is followed.
    NobodyClear,
    /// The person chosen was not seen for `CHOSEN_LOST_S`: the people in view are counted again.
    Left,
}

impl LivePerson {
    /// In words, for the view.
    pub fn line(&self) -> String {
        match self {
            Self::Finding => "Several people in view: finding who runs…".into(),
            Self::NobodyClear => {
                "Several people in view, none seen running or walking long enough: click the runner".into()
            }
            Self::Left => "The person followed left the view: looking for the runner again…".into(),
            Self::Undecided { rate } => {
                format!("Several people in view, and only {rate:.0} frames a second to tell who runs: click the runner")
            }
            Self::Chosen(p) => {
                // `people` counts those followed long enough; at a low rate that can be the chosen one alone.
                let people = if p.people >= 2 { format!(" ({} people in view)", p.people) } else { String::new() };
                match p.chosen_by {
                    "running" => format!("Following the runner{people}"),
                    "walking" => format!("Nobody running: following the walker{people}"),
                    "point" => "Following the person clicked".into(),
                    _ => format!("Nobody running or walking: following the surest person ({} in view)", p.people),
                }
            }
        }
    }
}

/// Where the online choice stands.
enum State {
    /// Counting the people in view (since the time given, last counted at the other) for `SCAN_S`, or until two are
    /// seen where `again` (the person chosen left the view); the tracker follows as usual.
    Counting { since: Option<f64>, counted: f64, again: bool },
    /// Two people were seen (at the time given): everyone in view followed one by one.
    Scanning { since: f64, scan: Scan },
    /// Chosen among several people and followed (last seen at the time given).
    Following { seen: f64 },
    /// Nobody to choose between, or a click chose, or the scan could not tell.
    Done,
}

/// What the pipeline does with a frame (`LiveChooser::step`).
#[derive(Debug)]
pub enum Step {
    /// The tracker follows as usual on this frame.
    Track,
    /// The scan took this frame: the pose of the first person it saw, for the view.
    Scanned(Option<Box<Pose>>),
    /// The scan ended on this frame and the tracker now follows the person chosen (`None`: nobody was in view
    /// long enough, the surest is followed); `restart` when that is not the person the view showed during the scan
    /// (the analysis then starts again on them).
    Chose { choice: Option<PersonChoice>, restart: bool },
    /// The scan ended with too few frames a second to tell who runs (`MIN_SCAN_RATE`): the surest is followed.
    Undecided { rate: f64 },
    /// The count ended without seeing two people: the tracker follows as usual from now on.
    Alone,
}

/// The online choice of whom to follow (module docs).
pub struct LiveChooser {
    state: State,
}

impl Default for LiveChooser {
    fn default() -> Self {
        Self { state: State::Counting { since: None, counted: f64::NEG_INFINITY, again: false } }
    }
}

impl LiveChooser {
    /// A click chose someone: no scan from now on.
    pub fn cancel(&mut self) {
        self.state = State::Done;
    }

    /// After the tracker ran on the frame at `t`: whether it `found` someone. True when the person chosen among
    /// several has not been seen for `CHOSEN_LOST_S`: the tracker then follows as usual and the people in view are
    /// counted again from the next frame.
    pub fn tracked(&mut self, t: f64, found: bool, tracker: &mut PoseTracker) -> bool {
        let State::Following { seen } = &mut self.state else { return false };
        if found {
            *seen = t;
            return false;
        }
        if t - *seen < CHOSEN_LOST_S {
            return false;
        }
        tracing::info!(t, "the person chosen was not seen for {CHOSEN_LOST_S} s: counting the people in view again");
        tracker.follow(None);
        self.state = State::Counting { since: None, counted: f64::NEG_INFINITY, again: true };
        true
    }

    /// Takes the frame at `t` (seconds): counts, scans, or chooses (module docs).
    pub fn step(&mut self, t: f64, image: &image::RgbImage, tracker: &mut PoseTracker) -> anyhow::Result<Step> {
        match &mut self.state {
            State::Done | State::Following { .. } => Ok(Step::Track),
            State::Counting { since, counted, again } => {
                let start = *since.get_or_insert(t);
                if t - start > SCAN_S && !*again {
                    self.state = State::Done;
                    return Ok(Step::Alone);
                }
                // Every `COUNT_EVERY` frames of a 30 fps source, or the next frame the view had time for.
                if t - *counted < COUNT_EVERY as f64 / 30.0 {
                    return Ok(Step::Track);
                }
                *counted = t;
                if tracker.detect_people(image)?.len() < 2 {
                    return Ok(Step::Track);
                }
                tracing::info!(t, "several people in view: following each to find the runner");
                let mut scan = Scan::default();
                let pose = scan.add(t, image, tracker)?;
                self.state = State::Scanning { since: t, scan };
                Ok(Step::Scanned(pose.map(Box::new)))
            }
            State::Scanning { since, scan } => {
                if t - *since < SCAN_S {
                    return Ok(Step::Scanned(scan.add(t, image, tracker)?.map(Box::new)));
                }
                let rate = scan.frames() as f64 / (t - *since).max(1e-3);
                let State::Scanning { scan, .. } = std::mem::replace(&mut self.state, State::Done) else {
                    return Ok(Step::Track);
                };
                if rate < MIN_SCAN_RATE {
                    tracing::info!(rate, "too few frames a second to tell who runs: following the surest person");
                    tracker.follow(None);
                    return Ok(Step::Undecided { rate });
                }
                // Nobody seen long enough, or only one who neither runs nor walks: followed as the tracker always
                // did.
                let Some(picked) = scan.pick().filter(|p| p.people >= 2 || p.by != "surest") else {
                    tracing::info!(rate, "nobody else seen long enough: following the surest person");
                    tracker.follow(None);
                    return Ok(Step::Chose { choice: None, restart: true });
                };
                // Taken up where they are now, and nobody else.
                tracker.follow_within(Some(picked.last), SAME_PERSON_HEIGHTS * picked.height);
                self.state = State::Following { seen: t };
                tracing::info!(
                    rate,
                    by = picked.by,
                    x = picked.last.0,
                    y = picked.last.1,
                    people = picked.people,
                    "person chosen"
                );
                Ok(Step::Chose {
                    choice: Some(PersonChoice {
                        x: picked.last.0,
                        y: picked.last.1,
                        chosen_by: picked.by,
                        people: picked.people,
                    }),
                    restart: picked.track != 0,
                })
            }
        }
    }
}
