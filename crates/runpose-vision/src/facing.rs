//! One way of facing for the landmark model (`TrackerOptions::one_facing`): the model is not symmetric, so the same
//! runner filmed from the other side (or mirrored) gives different landmarks; on the treadmill clip mirrored without
//! loss its fall angle at toe-off came out 2.2° apart. A tracked person is therefore always shown to the model facing
//! image-left (`CANONICAL`), the way the runner faces in the treadmill clip on which docs/validation.md measured the
//! model against the hand annotation; a person facing right is shown mirrored (the region's pixels read right to
//! left) and the landmarks are mapped back. It costs nothing per frame: one extra landmark run whenever tracking
//! starts.

use runpose_core::gait::facing_vote;
use runpose_core::{Facing, Pose};

/// The way the model is shown every tracked person facing.
pub const CANONICAL: Facing = Facing::Left;

/// Frames in a row whose pose plainly faces the other way (both feet and the head) before the tracker turns its
/// mirror: half a second at 30 fps, so that a foot or the head misread in a frame or two never turns it, while a
/// runner who turns round (out and back past the camera) is followed the right way round soon after.
pub const TURN_FRAMES: u32 = 15;

/// Whether the tracked person is shown to the model mirrored, decided when tracking starts and turned only after
/// `TURN_FRAMES` frames in a row that plainly face the other way.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FacingLock {
    /// `None` until the first pose of a track; then whether the region is mirrored for the model.
    mirrored: Option<bool>,
    /// Frames in a row that faced against the current choice.
    against: u32,
}

/// What the tracker does after a pose (`FacingLock::observe`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The pose was found the right way round.
    Keep,
    /// The first pose of a track faced the other way: run the model on this region again, mirrored.
    Rerun,
}

impl FacingLock {
    /// Whether the next region is to be mirrored for the model (not mirrored before a track's first pose).
    pub fn mirrored(&self) -> bool {
        self.mirrored.unwrap_or(false)
    }

    /// Forgets the person: the next pose decides again.
    pub fn reset(&mut self) {
        *self = FacingLock::default();
    }

    /// Takes a pose found with the region mirrored as `mirrored()` says (already mapped back to the image).
    pub fn observe(&mut self, pose: &Pose) -> Verdict {
        let vote = facing_vote(pose);
        let faces_away = match CANONICAL {
            Facing::Left => vote > 0.0,
            Facing::Right => vote < 0.0,
        };
        match self.mirrored {
            None => {
                self.mirrored = Some(faces_away);
                self.against = 0;
                if faces_away { Verdict::Rerun } else { Verdict::Keep }
            }
            Some(m) => {
                // Plainly against: all three directions agree on the other way from the one the model is shown.
                let plainly_away = vote.abs() == 3.0 && faces_away;
                let plainly_back = vote.abs() == 3.0 && !faces_away;
                let against = if m { plainly_back } else { plainly_away };
                self.against = if against { self.against + 1 } else { 0 };
                if self.against >= TURN_FRAMES {
                    self.mirrored = Some(!m);
                    self.against = 0;
                }
                Verdict::Keep
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use runpose_core::{Keypoint, Landmark, NUM_LANDMARKS, Side};

    /// A side-view pose facing `dir` (+1 image-right, -1 image-left), its head turned by `head` (same sign = the way
    /// it runs).
    fn pose(dir: f64, head: f64) -> Pose {
        let mut kps = [Keypoint { x: 100.0, y: 100.0, z: 0.0, score: 1.0 }; NUM_LANDMARKS];
        for s in Side::BOTH {
            kps[s.heel().index()].x = 100.0 - 5.0 * dir;
            kps[s.toe().index()].x = 100.0 + 15.0 * dir;
        }
        kps[Landmark::LeftEar.index()].x = 100.0;
        kps[Landmark::RightEar.index()].x = 100.0;
        kps[Landmark::Nose.index()].x = 100.0 + 8.0 * head;
        Pose::new(kps)
    }

    #[test]
    fn votes_count_both_feet_and_the_head() {
        assert_eq!(facing_vote(&pose(1.0, 1.0)), 3.0);
        assert_eq!(facing_vote(&pose(-1.0, -1.0)), -3.0);
        assert_eq!(facing_vote(&pose(-1.0, 1.0)), -1.0);
    }

    #[test]
    fn a_track_facing_away_is_run_again_mirrored_and_stays_so() {
        let mut lock = FacingLock::default();
        assert!(!lock.mirrored());
        assert_eq!(lock.observe(&pose(1.0, 1.0)), Verdict::Rerun);
        assert!(lock.mirrored());
        // A few misread frames do not turn it.
        for _ in 0..TURN_FRAMES - 1 {
            assert_eq!(lock.observe(&pose(-1.0, -1.0)), Verdict::Keep);
        }
        assert_eq!(lock.observe(&pose(1.0, 1.0)), Verdict::Keep);
        assert!(lock.mirrored());
        // A runner who turns round is shown the model's way again after TURN_FRAMES frames.
        for _ in 0..TURN_FRAMES {
            lock.observe(&pose(-1.0, -1.0));
        }
        assert!(!lock.mirrored());
        lock.reset();
        assert_eq!(lock.observe(&pose(-1.0, -1.0)), Verdict::Keep);
        assert!(!lock.mirrored());
    }

    #[test]
    fn an_unclear_frame_neither_turns_nor_counts() {
        let mut lock = FacingLock::default();
        lock.observe(&pose(-1.0, -1.0));
        for _ in 0..3 * TURN_FRAMES {
            lock.observe(&pose(1.0, -1.0));
        }
        assert!(!lock.mirrored());
    }
}
