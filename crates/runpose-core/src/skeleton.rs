//! Skeleton types: the 33 BlazePose landmarks, 2D points, poses and the sides of the body.

use serde::{Deserialize, Serialize};

/// A point in image pixels (x to the right, y down).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Point {
    pub x: f64,
    pub y: f64,
}

impl Point {
    pub const fn new(x: f64, y: f64) -> Self {
        Self { x, y }
    }

    pub fn dist(self, other: Point) -> f64 {
        (self - other).norm()
    }

    pub fn norm(self) -> f64 {
        self.x.hypot(self.y)
    }

    /// The angle at `self` between the rays to `a` and `b`, degrees (0 to 180; NaN if a ray has no length).
    pub fn angle_between_deg(self, a: Point, b: Point) -> f64 {
        let (u, v) = (a - self, b - self);
        (u.dot(v) / (u.norm() * v.norm())).clamp(-1.0, 1.0).acos().to_degrees()
    }

    pub fn dot(self, other: Point) -> f64 {
        self.x * other.x + self.y * other.y
    }

    /// `self + t * (other - self)`.
    pub fn lerp(self, other: Point, t: f64) -> Point {
        self + (other - self) * t
    }

    pub fn is_finite(self) -> bool {
        self.x.is_finite() && self.y.is_finite()
    }
}

impl std::ops::Add for Point {
    type Output = Point;
    fn add(self, o: Point) -> Point {
        Point::new(self.x + o.x, self.y + o.y)
    }
}

impl std::ops::Sub for Point {
    type Output = Point;
    fn sub(self, o: Point) -> Point {
        Point::new(self.x - o.x, self.y - o.y)
    }
}

impl std::ops::Mul<f64> for Point {
    type Output = Point;
    fn mul(self, k: f64) -> Point {
        Point::new(self.x * k, self.y * k)
    }
}

/// One landmark as estimated: position in pixels, relative depth and a confidence score in 0..1.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Keypoint {
    pub x: f64,
    pub y: f64,
    /// Depth relative to the hips in the same pixel scale, negative towards the camera (BlazePose convention).
    pub z: f64,
    /// Visibility probability (0..1).
    pub score: f64,
}

impl Keypoint {
    pub fn point(&self) -> Point {
        Point::new(self.x, self.y)
    }
}

macro_rules! landmarks {
    ($($variant:ident = $name:literal),* $(,)?) => {
        /// The 33 BlazePose landmarks, in model output order.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[repr(u8)]
        pub enum Landmark { $($variant),* }

        impl Landmark {
            pub const ALL: [Landmark; 33] = [$(Landmark::$variant),*];

            /// The usual snake_case name (`left_heel`, `right_foot_index`, ...).
            pub const fn name(self) -> &'static str {
                match self { $(Landmark::$variant => $name),* }
            }

            /// The landmark of a snake_case name, as `name` gives it.
            pub fn from_name(name: &str) -> Option<Landmark> {
                match name { $($name => Some(Landmark::$variant),)* _ => None }
            }
        }
    };
}

landmarks! {
    Nose = "nose",
    LeftEyeInner = "left_eye_inner",
    LeftEye = "left_eye",
    LeftEyeOuter = "left_eye_outer",
    RightEyeInner = "right_eye_inner",
    RightEye = "right_eye",
    RightEyeOuter = "right_eye_outer",
    LeftEar = "left_ear",
    RightEar = "right_ear",
    MouthLeft = "mouth_left",
    MouthRight = "mouth_right",
    LeftShoulder = "left_shoulder",
    RightShoulder = "right_shoulder",
    LeftElbow = "left_elbow",
    RightElbow = "right_elbow",
    LeftWrist = "left_wrist",
    RightWrist = "right_wrist",
    LeftPinky = "left_pinky",
    RightPinky = "right_pinky",
    LeftIndex = "left_index",
    RightIndex = "right_index",
    LeftThumb = "left_thumb",
    RightThumb = "right_thumb",
    LeftHip = "left_hip",
    RightHip = "right_hip",
    LeftKnee = "left_knee",
    RightKnee = "right_knee",
    LeftAnkle = "left_ankle",
    RightAnkle = "right_ankle",
    LeftHeel = "left_heel",
    RightHeel = "right_heel",
    LeftFootIndex = "left_foot_index",
    RightFootIndex = "right_foot_index",
}

pub const NUM_LANDMARKS: usize = 33;

impl Landmark {
    pub const fn index(self) -> usize {
        self as usize
    }

    /// The same landmark on the other side of the body (the nose maps to itself).
    pub fn mirrored(self) -> Landmark {
        let i = self.index();
        match i {
            0 => self,
            // Pairs are (odd, even) from 1..=10 in the face, then (odd, even) from 11 on.
            1..=3 => Landmark::ALL[i + 3],
            4..=6 => Landmark::ALL[i - 3],
            _ if i % 2 == 1 => Landmark::ALL[i + 1],
            _ => Landmark::ALL[i - 1],
        }
    }
}

impl Landmark {
    /// The next landmark towards the hips, used to place a landmark that a marker set lacks: face points go to the
    /// nose, the nose to the left shoulder, hand points to the wrist, down the arm to the shoulder and the hip, foot
    /// points to the ankle, up the leg to the hip; a hip's parent is the other hip.
    pub fn parent(self) -> Landmark {
        use Landmark::*;
        match self {
            LeftEyeInner | LeftEye | LeftEyeOuter | RightEyeInner | RightEye | RightEyeOuter | LeftEar | RightEar
            | MouthLeft | MouthRight => Nose,
            Nose => LeftShoulder,
            LeftPinky | LeftIndex | LeftThumb => LeftWrist,
            RightPinky | RightIndex | RightThumb => RightWrist,
            LeftWrist => LeftElbow,
            RightWrist => RightElbow,
            LeftElbow => LeftShoulder,
            RightElbow => RightShoulder,
            LeftShoulder => LeftHip,
            RightShoulder => RightHip,
            LeftHeel | LeftFootIndex => LeftAnkle,
            RightHeel | RightFootIndex => RightAnkle,
            LeftAnkle => LeftKnee,
            RightAnkle => RightKnee,
            LeftKnee => LeftHip,
            RightKnee => RightHip,
            LeftHip => RightHip,
            RightHip => LeftHip,
        }
    }
}

/// A body side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    Left,
    Right,
}

impl Side {
    pub const BOTH: [Side; 2] = [Side::Left, Side::Right];

    /// 0 for left, 1 for right: the index of `[left, right]` pairs.
    pub fn index(self) -> usize {
        match self {
            Side::Left => 0,
            Side::Right => 1,
        }
    }

    pub fn other(self) -> Side {
        match self {
            Side::Left => Side::Right,
            Side::Right => Side::Left,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Side::Left => "left",
            Side::Right => "right",
        }
    }

    pub fn shoulder(self) -> Landmark {
        self.pick(Landmark::LeftShoulder, Landmark::RightShoulder)
    }
    pub fn hip(self) -> Landmark {
        self.pick(Landmark::LeftHip, Landmark::RightHip)
    }
    pub fn knee(self) -> Landmark {
        self.pick(Landmark::LeftKnee, Landmark::RightKnee)
    }
    pub fn ankle(self) -> Landmark {
        self.pick(Landmark::LeftAnkle, Landmark::RightAnkle)
    }
    pub fn heel(self) -> Landmark {
        self.pick(Landmark::LeftHeel, Landmark::RightHeel)
    }
    pub fn toe(self) -> Landmark {
        self.pick(Landmark::LeftFootIndex, Landmark::RightFootIndex)
    }
    pub fn elbow(self) -> Landmark {
        self.pick(Landmark::LeftElbow, Landmark::RightElbow)
    }
    pub fn wrist(self) -> Landmark {
        self.pick(Landmark::LeftWrist, Landmark::RightWrist)
    }
    pub fn index_finger(self) -> Landmark {
        self.pick(Landmark::LeftIndex, Landmark::RightIndex)
    }
    pub fn ear(self) -> Landmark {
        self.pick(Landmark::LeftEar, Landmark::RightEar)
    }

    /// The landmarks of this side's leg below the hip (knee, ankle, heel, toe).
    pub fn lower_leg(self) -> [Landmark; 4] {
        [self.knee(), self.ankle(), self.heel(), self.toe()]
    }

    /// The foot landmarks (ankle, heel, toe).
    pub fn foot(self) -> [Landmark; 3] {
        [self.ankle(), self.heel(), self.toe()]
    }

    fn pick(self, left: Landmark, right: Landmark) -> Landmark {
        match self {
            Side::Left => left,
            Side::Right => right,
        }
    }
}

/// Which way the runner faces in the image.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Facing {
    /// Running towards image-left (decreasing x).
    Left,
    /// Running towards image-right (increasing x).
    Right,
}

impl Facing {
    /// +1 when forward is +x, -1 when forward is -x.
    pub fn sign(self) -> f64 {
        match self {
            Facing::Left => -1.0,
            Facing::Right => 1.0,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Facing::Left => "left",
            Facing::Right => "right",
        }
    }
}

/// One person's 33 landmarks in one frame.
#[derive(Debug, Clone, PartialEq)]
pub struct Pose {
    pub keypoints: [Keypoint; NUM_LANDMARKS],
}

impl Pose {
    pub fn new(keypoints: [Keypoint; NUM_LANDMARKS]) -> Self {
        Self { keypoints }
    }

    pub fn kp(&self, l: Landmark) -> &Keypoint {
        &self.keypoints[l.index()]
    }

    pub fn kp_mut(&mut self, l: Landmark) -> &mut Keypoint {
        &mut self.keypoints[l.index()]
    }

    pub fn pt(&self, l: Landmark) -> Point {
        self.kp(l).point()
    }

    pub fn mid(&self, a: Landmark, b: Landmark) -> Point {
        self.pt(a).lerp(self.pt(b), 0.5)
    }

    pub fn hip_mid(&self) -> Point {
        self.mid(Landmark::LeftHip, Landmark::RightHip)
    }

    pub fn shoulder_mid(&self) -> Point {
        self.mid(Landmark::LeftShoulder, Landmark::RightShoulder)
    }

    /// Gives every landmark that was not seen (`seen[i]` false) the position of the nearest seen landmark up its
    /// chain towards the hips (`Landmark::parent`), with score 0, so that geometry stays finite while metrics that
    /// need the landmark see that it is missing. Used for marker sets that lack some landmarks (no head or arms).
    pub fn fill_unseen(&mut self, seen: &[bool; NUM_LANDMARKS]) {
        for l in Landmark::ALL {
            if seen[l.index()] {
                continue;
            }
            let mut source = l;
            let mut hops = 0;
            while !seen[source.index()] && hops < 8 {
                source = source.parent();
                hops += 1;
            }
            let i = if seen[source.index()] { source.index() } else { l.index() };
            self.keypoints[l.index()] = Keypoint { score: 0.0, ..self.keypoints[i] };
        }
    }

    /// The pose `w` of the way from `self` to `other` (0..1): every landmark's position and depth interpolated
    /// linearly, its score the lower of the two.
    pub fn lerp(&self, other: &Pose, w: f64) -> Pose {
        let mut kps = self.keypoints;
        for (k, (a, b)) in kps.iter_mut().zip(self.keypoints.iter().zip(&other.keypoints)) {
            k.x = a.x + w * (b.x - a.x);
            k.y = a.y + w * (b.y - a.y);
            k.z = a.z + w * (b.z - a.z);
            k.score = a.score.min(b.score);
        }
        Pose::new(kps)
    }

    /// Exchange every left landmark with its right twin (undoes a left/right swap of the model).
    pub fn swap_sides(&mut self) {
        let old = self.keypoints;
        for l in Landmark::ALL {
            self.keypoints[l.index()] = old[l.mirrored().index()];
        }
    }

    /// Exchange only the two legs below the hips.
    pub fn swap_lower_legs(&mut self) {
        for (a, b) in Side::Left.lower_leg().into_iter().zip(Side::Right.lower_leg()) {
            self.keypoints.swap(a.index(), b.index());
        }
    }
}

/// Bones drawn for a skeleton overlay.
pub const SKELETON_EDGES: [(Landmark, Landmark); 24] = {
    use Landmark::*;
    [
        (LeftShoulder, RightShoulder),
        (LeftHip, RightHip),
        (LeftShoulder, LeftHip),
        (RightShoulder, RightHip),
        (LeftShoulder, LeftElbow),
        (LeftElbow, LeftWrist),
        (RightShoulder, RightElbow),
        (RightElbow, RightWrist),
        (LeftHip, LeftKnee),
        (LeftKnee, LeftAnkle),
        (LeftAnkle, LeftHeel),
        (LeftHeel, LeftFootIndex),
        (LeftAnkle, LeftFootIndex),
        (RightHip, RightKnee),
        (RightKnee, RightAnkle),
        (RightAnkle, RightHeel),
        (RightHeel, RightFootIndex),
        (RightAnkle, RightFootIndex),
        (LeftWrist, LeftIndex),
        (RightWrist, RightIndex),
        (Nose, LeftEar),
        (Nose, RightEar),
        (LeftEar, LeftShoulder),
        (RightEar, RightShoulder),
    ]
};

/// One frame of a sequence: its time stamp (seconds from the first frame) and the pose, if a person was found.
#[derive(Debug, Clone, PartialEq)]
pub struct PoseFrame {
    pub t: f64,
    pub pose: Option<Pose>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_in_model_order() {
        assert_eq!(Landmark::ALL.len(), NUM_LANDMARKS);
        assert_eq!(Landmark::ALL[27].name(), "left_ankle");
        assert_eq!(Landmark::ALL[31].name(), "left_foot_index");
        assert_eq!(Landmark::ALL[32].name(), "right_foot_index");
        for (i, l) in Landmark::ALL.iter().enumerate() {
            assert_eq!(l.index(), i);
        }
    }

    #[test]
    fn names_round_trip_and_unseen_landmarks_take_their_parents_place() {
        for l in Landmark::ALL {
            assert_eq!(Landmark::from_name(l.name()), Some(l));
        }
        assert_eq!(Landmark::from_name("LHip"), None);
        // Only hips, knees and ankles seen: everything else sits on its nearest seen ancestor with score 0.
        let mut kps = [Keypoint::default(); NUM_LANDMARKS];
        let mut seen = [false; NUM_LANDMARKS];
        for (i, l) in
            [Landmark::LeftHip, Landmark::RightHip, Landmark::LeftKnee, Landmark::LeftAnkle].iter().enumerate()
        {
            kps[l.index()] = Keypoint { x: i as f64 * 10.0, y: 5.0, z: 0.0, score: 1.0 };
            seen[l.index()] = true;
        }
        let mut pose = Pose::new(kps);
        pose.fill_unseen(&seen);
        assert_eq!(pose.pt(Landmark::LeftFootIndex), pose.pt(Landmark::LeftAnkle));
        assert_eq!(pose.pt(Landmark::RightAnkle), pose.pt(Landmark::RightHip), "right knee unseen too: up to the hip");
        assert_eq!(pose.pt(Landmark::LeftEar), pose.pt(Landmark::LeftHip), "ear → nose → shoulder → hip");
        assert_eq!(pose.kp(Landmark::LeftEar).score, 0.0);
        assert_eq!(pose.kp(Landmark::LeftKnee).score, 1.0);
    }

    #[test]
    fn mirroring_pairs_left_with_right() {
        for l in Landmark::ALL {
            assert_eq!(l.mirrored().mirrored(), l);
            let (a, b) = (l.name(), l.mirrored().name());
            if l != Landmark::Nose {
                assert_eq!(
                    a.replace("left", "right").replace("right_", "X").replace("left_", "X"),
                    b.replace("left", "right").replace("right_", "X").replace("left_", "X")
                );
                assert_ne!(a, b);
            }
        }
        assert_eq!(Landmark::LeftEyeInner.mirrored(), Landmark::RightEyeInner);
        assert_eq!(Landmark::LeftHeel.mirrored(), Landmark::RightHeel);
    }

    #[test]
    fn swapping_legs_exchanges_only_legs() {
        let mut kps = [Keypoint::default(); NUM_LANDMARKS];
        for (i, k) in kps.iter_mut().enumerate() {
            k.x = i as f64;
        }
        let mut pose = Pose::new(kps);
        pose.swap_lower_legs();
        assert_eq!(pose.kp(Landmark::LeftAnkle).x, Landmark::RightAnkle.index() as f64);
        assert_eq!(pose.kp(Landmark::LeftHip).x, Landmark::LeftHip.index() as f64);
        pose.swap_sides();
        assert_eq!(pose.kp(Landmark::LeftHip).x, Landmark::RightHip.index() as f64);
        assert_eq!(pose.kp(Landmark::LeftAnkle).x, Landmark::LeftAnkle.index() as f64);
    }
}
