//! BlazePose: the person detector finds a region of interest (ROI), the landmark model estimates 33 landmarks in
//! it, and each frame's landmarks give the next frame's ROI, so the detector runs only when tracking is lost
//! (MediaPipe's pose tracking graph). Tensor layouts and decoding rules: models/README.md.

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::{Duration, Instant};

use image::RgbImage;
use ort::session::Session;
use ort::session::builder::GraphOptimizationLevel;
use ort::value::TensorRef;
use runpose_core::{Keypoint, Landmark, NUM_LANDMARKS, Pose};

use crate::VisionError;
use crate::backend::Role;
use crate::crop::{Roi, mirror_rows, warp_roi};
use crate::facing::{FacingLock, Verdict};
use crate::runtime;

pub use crate::runtime::DETECTOR_FILE;
const DETECTOR_SIZE: usize = 224;
const LANDMARK_SIZE: usize = 256;
const NUM_ANCHORS: usize = 2254;
/// Detection score threshold and non-maximum-suppression overlap (MediaPipe pose_detection defaults).
const MIN_DETECTION_SCORE: f32 = 0.5;
const NMS_IOU: f32 = 0.3;
/// Pose presence below which tracking is lost and the detector runs again.
pub const MIN_PRESENCE: f32 = 0.5;
/// Heatmap refinement (MediaPipe RefineLandmarksFromHeatmap): window size and least confidence.
const REFINE_KERNEL: usize = 7;
const REFINE_MIN_CONFIDENCE: f32 = 0.5;

/// Which landmark model to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ModelVariant {
    Lite,
    Full,
    Heavy,
}

impl ModelVariant {
    pub const ALL: [ModelVariant; 3] = [ModelVariant::Lite, ModelVariant::Full, ModelVariant::Heavy];

    pub fn name(self) -> &'static str {
        match self {
            ModelVariant::Lite => "lite",
            ModelVariant::Full => "full",
            ModelVariant::Heavy => "heavy",
        }
    }

    pub fn file_name(self) -> String {
        format!("mp_pose_landmark_{}.onnx", self.name())
    }

    /// Whether the model may run in bf16 (README §Precision): heavy held every video band of the hand annotation
    /// there (tests/bf16.rs); lite and full lost contacts.
    pub fn bf16_validated(self) -> bool {
        self == ModelVariant::Heavy
    }
}

impl std::fmt::Display for ModelVariant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for ModelVariant {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|v| v.name() == s)
            .ok_or_else(|| format!("unknown model '{s}': choose lite, full or heavy"))
    }
}

fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

fn open_session(path: &Path, threads: usize, role: Role) -> Result<Session, VisionError> {
    if !path.is_file() {
        return Err(VisionError::ModelMissing { path: path.to_path_buf() });
    }
    let env = runtime::environment()?;
    let wrong = |e: ort::Error| VisionError::WrongModel {
        path: path.to_path_buf(),
        expected: format!("a loadable ONNX model: {e}"),
    };
    let mut builder = Session::builder(env).map_err(VisionError::Inference)?;
    let provider = runtime::loaded().map_or(crate::backend::Provider::Cpu, |(_, p)| *p);
    crate::backend::register(&mut builder, provider, threads, role);
    let builder = builder
        .with_optimization_level(GraphOptimizationLevel::Level3)
        .map_err(|e| VisionError::Inference(e.into()))?;
    builder
        .with_intra_threads(threads)
        .map_err(|e| VisionError::Inference(e.into()))?
        .commit_from_file(path)
        .map_err(wrong)
}

/// Checks that the session has the named input of the given shape and the named outputs.
fn check_signature(session: &Session, path: &Path, input: (&str, &[i64]), outputs: &[&str]) -> Result<(), VisionError> {
    let expected = format!("input {} {:?}, outputs {}", input.0, input.1, outputs.join(", "));
    let ok_input = session.inputs().iter().any(|i| {
        i.name() == input.0 && i.dtype().tensor_shape().is_some_and(|s| s.iter().copied().eq(input.1.iter().copied()))
    });
    let ok_outputs = outputs.iter().all(|o| session.outputs().iter().any(|s| s.name() == *o));
    if ok_input && ok_outputs { Ok(()) } else { Err(VisionError::WrongModel { path: path.to_path_buf(), expected }) }
}

/// The SSD anchor centres of the pose detector (strides 8, 16, 32, 32, 32 with 2 anchors each; layers sharing a
/// stride share a grid), in normalised input coordinates.
fn detector_anchors() -> Vec<(f32, f32)> {
    let strides = [8usize, 16, 32, 32, 32];
    let mut anchors = Vec::with_capacity(NUM_ANCHORS);
    let mut layer = 0;
    while layer < strides.len() {
        let mut per_cell = 0;
        let mut last = layer;
        while last < strides.len() && strides[last] == strides[layer] {
            per_cell += 2;
            last += 1;
        }
        let grid = DETECTOR_SIZE.div_ceil(strides[layer]);
        for y in 0..grid {
            for x in 0..grid {
                for _ in 0..per_cell {
                    anchors.push(((x as f32 + 0.5) / grid as f32, (y as f32 + 0.5) / grid as f32));
                }
            }
        }
        layer = last;
    }
    anchors
}

/// A detected person: score, box (centre x, centre y, width, height) and the 4 alignment keypoints, all in image
/// pixels.
#[derive(Debug, Clone, PartialEq)]
pub struct Detection {
    pub score: f32,
    pub bbox: [f32; 4],
    pub keypoints: [(f32, f32); 4],
}

impl Detection {
    /// Distance from the box's centre to `p`, pixels.
    pub fn distance_to(&self, p: (f32, f32)) -> f32 {
        (p.0 - self.bbox[0]).hypot(p.1 - self.bbox[1])
    }

    /// Whether `p` lies on the person's body: within the landmark model's region (a circle about the hip centre
    /// holding the whole body).
    pub fn covers(&self, p: (f32, f32)) -> bool {
        let roi = self.roi();
        (p.0 - roi.cx).hypot(p.1 - roi.cy) <= roi.side / 2.0
    }

    /// The landmark model's ROI: keypoint 0 (hip centre) and 1 (full-body scale point).
    pub fn roi(&self) -> Roi {
        Roi::from_alignment(self.keypoints[0], self.keypoints[1])
    }
}

fn iou(a: &[f32; 4], b: &[f32; 4]) -> f32 {
    let (ax0, ay0, ax1, ay1) = (a[0] - a[2] / 2.0, a[1] - a[3] / 2.0, a[0] + a[2] / 2.0, a[1] + a[3] / 2.0);
    let (bx0, by0, bx1, by1) = (b[0] - b[2] / 2.0, b[1] - b[3] / 2.0, b[0] + b[2] / 2.0, b[1] + b[3] / 2.0);
    let iw = (ax1.min(bx1) - ax0.max(bx0)).max(0.0);
    let ih = (ay1.min(by1) - ay0.max(by0)).max(0.0);
    let inter = iw * ih;
    let union = a[2] * a[3] + b[2] * b[3] - inter;
    if union > 0.0 { inter / union } else { 0.0 }
}

/// Decodes the detector's raw outputs (normalised to the input square) into the best person after weighted
/// non-maximum suppression (`decode_people`).
#[cfg(test)]
fn decode_detections(regressors: &[f32], logits: &[f32], anchors: &[(f32, f32)]) -> Option<Detection> {
    decode_people(regressors, logits, anchors).into_iter().next()
}

/// Decodes the detector's raw outputs (normalised to the input square) into every person, best first, by weighted
/// non-maximum suppression: the best-scoring box averaged with the boxes overlapping it, weighted by score; those
/// boxes are then taken out and the next best left is the next person.
fn decode_people(regressors: &[f32], logits: &[f32], anchors: &[(f32, f32)]) -> Vec<Detection> {
    let s = DETECTOR_SIZE as f32;
    let mut candidates: Vec<Detection> = anchors
        .iter()
        .enumerate()
        .filter_map(|(i, &(ax, ay))| {
            let score = sigmoid(logits[i].clamp(-100.0, 100.0));
            if score < MIN_DETECTION_SCORE {
                return None;
            }
            let r = &regressors[i * 12..(i + 1) * 12];
            let bbox = [r[0] / s + ax, r[1] / s + ay, r[2] / s, r[3] / s];
            let keypoints = std::array::from_fn(|k| (r[4 + 2 * k] / s + ax, r[5 + 2 * k] / s + ay));
            Some(Detection { score, bbox, keypoints })
        })
        .collect();
    candidates.sort_by(|a, b| b.score.total_cmp(&a.score));
    let mut people = Vec::new();
    while let Some(best) = candidates.first().cloned() {
        let (cluster, rest): (Vec<Detection>, Vec<Detection>) =
            candidates.into_iter().partition(|d| iou(&d.bbox, &best.bbox) > NMS_IOU);
        candidates = rest;
        let total: f32 = cluster.iter().map(|d| d.score).sum();
        let mut merged = Detection { score: best.score, bbox: [0.0; 4], keypoints: [(0.0, 0.0); 4] };
        for d in &cluster {
            let w = d.score / total;
            for k in 0..4 {
                merged.bbox[k] += d.bbox[k] * w;
                merged.keypoints[k].0 += d.keypoints[k].0 * w;
                merged.keypoints[k].1 += d.keypoints[k].1 * w;
            }
        }
        people.push(merged);
    }
    people
}

/// Time spent per stage, summed over calls.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct StageTimes {
    pub detect: Duration,
    pub detect_calls: u32,
    pub landmark: Duration,
    pub landmark_calls: u32,
}

/// Settings of a tracker.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrackerOptions {
    pub variant: ModelVariant,
    /// ONNX Runtime intra-op threads per session.
    pub threads: usize,
    /// Refine landmark positions with the model's heatmap, as MediaPipe does.
    pub refine_with_heatmap: bool,
    /// Run the landmark model on the region and on its mirror image too, and average the two (the mirror's mapped
    /// back, left and right exchanged): the landmarks are then the same whichever way the person faces, at twice
    /// the landmark model's time. The model alone is not: on the treadmill clip mirrored without loss, its fall angle
    /// at toe-off came out 2.2° apart (README §Validation).
    pub mirror_average: bool,
    /// Show the landmark model every tracked person facing the same way, mirroring the region of one who faces
    /// the other (`crate::facing`): the same numbers whichever way the runner faces, at no extra cost a frame.
    pub one_facing: bool,
}

impl TrackerOptions {
    pub fn new(variant: ModelVariant) -> Self {
        let threads = std::thread::available_parallelism().map_or(2, |n| n.get().min(4));
        Self { variant, threads, refine_with_heatmap: true, mirror_average: false, one_facing: true }
    }
}

/// Whom a tracker follows: the person nearest `point` within `within` pixels (`PoseTracker::follow_within`), and
/// with `on_body` only one whose body the point lies on (`PoseTracker::follow`: a click on a person).
#[derive(Debug, Clone, Copy)]
struct Follow {
    point: (f32, f32),
    within: f32,
    on_body: bool,
}

/// Single-person BlazePose tracker.
pub struct PoseTracker {
    detector: Session,
    landmarker: Session,
    anchors: Vec<(f32, f32)>,
    options: TrackerOptions,
    roi: Option<Roi>,
    /// Whether the tracked person is shown to the model mirrored (`TrackerOptions::one_facing`).
    facing: FacingLock,
    /// The point whose nearest person is followed (`follow`).
    follow: Option<Follow>,
    detector_input: Vec<f32>,
    landmark_input: Vec<f32>,
    times: StageTimes,
}

/// One frame's result: the pose in image pixels and the ROI it was found in.
#[derive(Debug, Clone)]
pub struct Estimate {
    pub pose: Pose,
    pub roi: Roi,
    pub presence: f32,
}

impl PoseTracker {
    /// Loads the detector and the landmark model from `models_dir`.
    pub fn new(models_dir: &Path, options: TrackerOptions) -> Result<Self, VisionError> {
        let det_path = models_dir.join(DETECTOR_FILE);
        let lm_path: PathBuf = models_dir.join(options.variant.file_name());
        let detector = open_session(&det_path, options.threads, Role::Detector)?;
        check_signature(&detector, &det_path, ("input_1", &[1, 224, 224, 3]), &["Identity", "Identity_1"])?;
        let landmarker = open_session(
            &lm_path,
            options.threads,
            Role::Landmarks { model: options.variant.name(), bf16_validated: options.variant.bf16_validated() },
        )?;
        check_signature(
            &landmarker,
            &lm_path,
            ("input_1", &[1, 256, 256, 3]),
            &["Identity", "Identity_1", "Identity_3"],
        )?;
        Ok(Self {
            detector,
            landmarker,
            anchors: detector_anchors(),
            options,
            roi: None,
            facing: FacingLock::default(),
            follow: None,
            detector_input: vec![0.0; DETECTOR_SIZE * DETECTOR_SIZE * 3],
            landmark_input: vec![0.0; LANDMARK_SIZE * LANDMARK_SIZE * 3],
            times: StageTimes::default(),
        })
    }

    /// Loads the models from the default folder (see `runtime::models_dir`).
    pub fn with_variant(variant: ModelVariant) -> Result<Self, VisionError> {
        Self::new(&runtime::models_dir(), TrackerOptions::new(variant))
    }

    pub fn times(&self) -> StageTimes {
        self.times
    }

    /// Averages each region's landmarks with its mirror image's from now on (`TrackerOptions::mirror_average`).
    pub fn set_mirror_average(&mut self, on: bool) {
        self.options.mirror_average = on;
    }

    /// Forgets the tracked ROI: the next frame runs the detector.
    pub fn reset(&mut self) {
        self.roi = None;
        self.facing.reset();
    }

    /// Shows the landmark model every tracked person facing the same way from now on (`TrackerOptions::one_facing`).
    pub fn set_one_facing(&mut self, on: bool) {
        self.options.one_facing = on;
        self.facing.reset();
    }

    /// Runs the person detector on the whole frame (letterboxed to 224×224): the person to follow, the one nearest
    /// the point given to `follow` when there is one, else the one the detector is surest of.
    pub fn detect(&mut self, img: &RgbImage) -> Result<Option<Detection>, VisionError> {
        let people = self.detect_people(img)?;
        Ok(match self.follow {
            Some(f) => people
                .into_iter()
                .filter(|d| d.distance_to(f.point) <= f.within && (!f.on_body || d.covers(f.point)))
                .min_by(|a, b| a.distance_to(f.point).total_cmp(&b.distance_to(f.point))),
            None => people.into_iter().next(),
        })
    }

    /// Follows the person at `point` (image pixels: the point on their body, nearest them where it lies on
    /// several) from the first detection of someone there on, and after that whoever is tracked (the point moves
    /// with them); `None` goes back to the one the detector is surest of.
    pub fn follow(&mut self, point: Option<(f32, f32)>) {
        self.follow = point.map(|point| Follow { point, within: f32::INFINITY, on_body: true });
        self.reset();
    }

    /// `follow`, taking only a person within `within` pixels of the point (nobody until one is there).
    pub fn follow_within(&mut self, point: Option<(f32, f32)>, within: f32) {
        self.follow = point.map(|point| Follow { point, within, on_body: false });
        self.reset();
    }

    /// Every person the detector finds on the whole frame, surest first.
    pub fn detect_people(&mut self, img: &RgbImage) -> Result<Vec<Detection>, VisionError> {
        let start = Instant::now();
        let (w, h) = (img.width() as f32, img.height() as f32);
        let frame_roi = Roi { cx: w / 2.0, cy: h / 2.0, side: w.max(h), rotation: 0.0 };
        warp_roi(img, &frame_roi, DETECTOR_SIZE, 1.0 / 127.5, -1.0, &mut self.detector_input);
        let input = TensorRef::from_array_view(([1usize, DETECTOR_SIZE, DETECTOR_SIZE, 3], &self.detector_input[..]))?;
        let outputs = self.detector.run(ort::inputs!["input_1" => input])?;
        let (_, regressors) = outputs["Identity"].try_extract_tensor::<f32>()?;
        let (_, logits) = outputs["Identity_1"].try_extract_tensor::<f32>()?;
        let people = decode_people(regressors, logits, &self.anchors)
            .into_iter()
            .map(|d| {
                let to_px = |(u, v): (f32, f32)| frame_roi.to_image(u, v);
                let (cx, cy) = to_px((d.bbox[0], d.bbox[1]));
                Detection {
                    score: d.score,
                    bbox: [cx, cy, d.bbox[2] * frame_roi.side, d.bbox[3] * frame_roi.side],
                    keypoints: d.keypoints.map(to_px),
                }
            })
            .collect();
        self.times.detect += start.elapsed();
        self.times.detect_calls += 1;
        Ok(people)
    }

    /// Runs the landmark model on `roi`. Returns the pose, the ROI for the next frame and the pose presence.
    pub fn landmarks(&mut self, img: &RgbImage, roi: &Roi) -> Result<(Estimate, Roi), VisionError> {
        self.landmarks_as(img, roi, false)
    }

    /// `landmarks`, with the region shown to the model mirrored when `mirrored` (the landmarks mapped back).
    fn landmarks_as(&mut self, img: &RgbImage, roi: &Roi, mirrored: bool) -> Result<(Estimate, Roi), VisionError> {
        let start = Instant::now();
        warp_roi(img, roi, LANDMARK_SIZE, 1.0 / 255.0, 0.0, &mut self.landmark_input);
        let (uv, zs, presence) = if self.options.mirror_average {
            let (mut uv, mut zs, presence) = self.run_landmarks()?;
            mirror_rows(&mut self.landmark_input, LANDMARK_SIZE);
            let (mirror_uv, mirror_zs, _) = self.run_landmarks()?;
            for (i, (p, z)) in uv.iter_mut().zip(zs.iter_mut()).enumerate() {
                let ((u, v), (depth, score)) = (mirror_uv[twin(i)], mirror_zs[twin(i)]);
                *p = (0.5 * (p.0 + 1.0 - u), 0.5 * (p.1 + v));
                *z = (0.5 * (z.0 + depth), 0.5 * (z.1 + score));
            }
            (uv, zs, presence)
        } else if mirrored {
            mirror_rows(&mut self.landmark_input, LANDMARK_SIZE);
            let (uv, zs, presence) = self.run_landmarks()?;
            let back_uv = (0..uv.len()).map(|i| (1.0 - uv[twin(i)].0, uv[twin(i)].1)).collect::<Vec<_>>();
            (back_uv, (0..zs.len()).map(|i| zs[twin(i)]).collect(), presence)
        } else {
            self.run_landmarks()?
        };
        let keypoints: [Keypoint; NUM_LANDMARKS] = std::array::from_fn(|i| {
            let (x, y) = roi.to_image(uv[i].0, uv[i].1);
            Keypoint { x: x as f64, y: y as f64, z: (zs[i].0 * roi.side) as f64, score: zs[i].1 as f64 }
        });
        let next = Roi::from_alignment(roi.to_image(uv[33].0, uv[33].1), roi.to_image(uv[34].0, uv[34].1));
        self.times.landmark += start.elapsed();
        self.times.landmark_calls += 1;
        Ok((Estimate { pose: Pose::new(keypoints), roi: *roi, presence }, next))
    }

    /// The landmarks of a tracked person: shown to the model facing one way where `TrackerOptions::one_facing`
    /// asks it (`crate::facing`), else as they are.
    fn tracked_landmarks(&mut self, img: &RgbImage, roi: &Roi) -> Result<(Estimate, Roi), VisionError> {
        if !self.options.one_facing || self.options.mirror_average {
            return self.landmarks_as(img, roi, false);
        }
        let found = self.landmarks_as(img, roi, self.facing.mirrored())?;
        if found.0.presence >= MIN_PRESENCE && self.facing.observe(&found.0.pose) == Verdict::Rerun {
            return self.landmarks_as(img, roi, true);
        }
        Ok(found)
    }

    /// The landmark model on `landmark_input`: each of its 39 points' position in the region (0..1), its depth (in
    /// region sides) and score, and the pose's presence.
    #[allow(clippy::type_complexity)]
    fn run_landmarks(&mut self) -> Result<(Vec<(f32, f32)>, Vec<(f32, f32)>, f32), VisionError> {
        let input = TensorRef::from_array_view(([1usize, LANDMARK_SIZE, LANDMARK_SIZE, 3], &self.landmark_input[..]))?;
        let outputs = self.landmarker.run(ort::inputs!["input_1" => input])?;
        let (_, raw) = outputs["Identity"].try_extract_tensor::<f32>()?;
        let (_, presence) = outputs["Identity_1"].try_extract_tensor::<f32>()?;
        let (_, heatmap) = outputs["Identity_3"].try_extract_tensor::<f32>()?;
        let size = LANDMARK_SIZE as f32;
        let mut uv: Vec<(f32, f32)> = (0..39).map(|i| (raw[i * 5] / size, raw[i * 5 + 1] / size)).collect();
        if self.options.refine_with_heatmap {
            refine_from_heatmap(&mut uv[..NUM_LANDMARKS], heatmap);
        }
        let zs: Vec<(f32, f32)> = (0..39).map(|i| (raw[i * 5 + 2] / size, sigmoid(raw[i * 5 + 3]))).collect();
        Ok((uv, zs, presence[0]))
    }

    /// Tracks the person into a new frame: landmarks in the ROI carried from the previous frame, or from a fresh
    /// detection when tracking was lost (then retried once with a detection if the tracked ROI lost the person).
    pub fn process(&mut self, img: &RgbImage) -> Result<Option<Estimate>, VisionError> {
        let tracked = self.roi.is_some();
        for attempt in 0..2 {
            let roi = match self.roi {
                Some(r) if attempt == 0 => r,
                _ => match self.detect(img)? {
                    Some(d) => d.roi(),
                    None => {
                        self.reset();
                        return Ok(None);
                    }
                },
            };
            let (estimate, next) = self.tracked_landmarks(img, &roi)?;
            if estimate.presence >= MIN_PRESENCE {
                self.roi = Some(next);
                // A person chosen by a point is followed by where they are now, so that a fresh detection after
                // a lost frame picks them again.
                if let Some(f) = &mut self.follow {
                    f.point = (next.cx, next.cy);
                }
                return Ok(Some(estimate));
            }
            self.roi = None;
            if !tracked {
                break;
            }
        }
        self.facing.reset();
        Ok(None)
    }
}

/// The landmark of the other side that a mirror image shows in landmark `i`'s place (the alignment points, 33 on,
/// have none): the model's output on a mirrored region, read at `twin(i)` and right to left, is landmark `i`.
fn twin(i: usize) -> usize {
    if i < NUM_LANDMARKS { Landmark::ALL[i].mirrored().index() } else { i }
}

/// MediaPipe's RefineLandmarksFromHeatmap: for each landmark, the sigmoid of the 64×64 heatmap in a 7×7 window at
/// its cell; if the window's peak reaches 0.5, the landmark moves to the confidence-weighted mean cell / 64.
fn refine_from_heatmap(uv: &mut [(f32, f32)], heatmap: &[f32]) {
    const HM: usize = 64;
    const CHANNELS: usize = 39;
    let offset = (REFINE_KERNEL / 2) as i64;
    for (k, p) in uv.iter_mut().enumerate() {
        let (cx, cy) = ((p.0 * HM as f32) as i64, (p.1 * HM as f32) as i64);
        let (mut sum, mut sx, mut sy, mut peak) = (0.0f32, 0.0f32, 0.0f32, 0.0f32);
        for row in (cy - offset).max(0)..=(cy + offset).min(HM as i64 - 1) {
            for col in (cx - offset).max(0)..=(cx + offset).min(HM as i64 - 1) {
                let conf = sigmoid(heatmap[(row as usize * HM + col as usize) * CHANNELS + k]);
                sum += conf;
                sx += col as f32 * conf;
                sy += row as f32 * conf;
                peak = peak.max(conf);
            }
        }
        if peak >= REFINE_MIN_CONFIDENCE && sum > 0.0 {
            *p = (sx / sum / HM as f32, sy / sum / HM as f32);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anchors_follow_the_mediapipe_layout() {
        let a = detector_anchors();
        assert_eq!(a.len(), NUM_ANCHORS);
        assert_eq!(a[0], (0.5 / 28.0, 0.5 / 28.0));
        assert_eq!(a[1], a[0]);
        assert_eq!(a[2], (1.5 / 28.0, 0.5 / 28.0));
        let first_14 = 28 * 28 * 2;
        assert_eq!(a[first_14], (0.5 / 14.0, 0.5 / 14.0));
        assert_eq!(a[NUM_ANCHORS - 1], (6.5 / 7.0, 6.5 / 7.0));
    }

    #[test]
    fn weighted_nms_averages_overlapping_boxes() {
        let anchors = vec![(0.5, 0.5), (0.5, 0.5), (0.1, 0.1)];
        let mut reg = vec![0.0f32; 3 * 12];
        for i in 0..3 {
            reg[i * 12 + 2] = 44.8; // w = h = 0.2
            reg[i * 12 + 3] = 44.8;
        }
        reg[12] = 2.24; // second box 0.01 to the right
        let logits = [2.0, 2.0, -5.0];
        let d = decode_detections(&reg, &logits, &anchors).unwrap();
        assert!((d.bbox[0] - 0.505).abs() < 1e-6, "{:?}", d.bbox);
        assert!((d.score - sigmoid(2.0)).abs() < 1e-6);
        assert!(decode_detections(&reg, &[-3.0; 3], &anchors).is_none());
    }
}
