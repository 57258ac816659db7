//! Marker and keypoint trajectories from biomechanics files: C3D (lab motion capture) and TRC (OpenSim's marker
//! format, written by Pose2Sim, Sports2D and OpenCap). They are mapped to the 33 landmarks by a documented, editable
//! marker map (docs/markers.md), markers missing from a running trial are rebuilt from a static trial through rigid
//! clusters, and the result is projected to a side view so the same keypoint pipeline runs on it as on a video.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use nalgebra::{Matrix3, Vector3};
use runpose_core::{Keypoint, Landmark, NUM_LANDMARKS, Pose, PoseFrame};
use serde::Deserialize;

/// A 3D position in the file's units.
pub type P3 = [f64; 3];

#[derive(Debug, thiserror::Error)]
pub enum MarkerError {
    #[error("{0} does not exist: check the path")]
    NotFound(PathBuf),
    #[error("could not read {path}: {reason}")]
    Io { path: PathBuf, reason: String },
    #[error("{path} is not a readable {format} file ({reason})")]
    Format { path: PathBuf, format: &'static str, reason: String },
    #[error("{0} is neither .trc nor .c3d: give a TRC or C3D marker file")]
    UnknownExtension(PathBuf),
    #[error("marker map: {0}")]
    Map(String),
    #[error("the markers lack {0}: the pipeline needs hips, knees, ankles, heels and toes (see docs/markers.md)")]
    Missing(String),
}

/// Marker trajectories: one row of optional positions (a marker can be unseen in a frame) per frame.
#[derive(Debug, Clone, PartialEq)]
pub struct MarkerData {
    pub rate_hz: f64,
    /// Millimetres per file unit (1 for mm, 1000 for m).
    pub mm_per_unit: f64,
    pub names: Vec<String>,
    pub frames: Vec<Vec<Option<P3>>>,
}

impl MarkerData {
    /// The column of marker `name`: exact match first, then ignoring case and a `Subject:` prefix.
    pub fn index_of(&self, name: &str) -> Option<usize> {
        let plain = |s: &str| s.rsplit(':').next().unwrap_or(s).trim().to_ascii_lowercase();
        self.names.iter().position(|n| n == name).or_else(|| self.names.iter().position(|n| plain(n) == plain(name)))
    }

    /// Fills gaps of at most `max_gap` frames in every trajectory by linear interpolation, as motion-capture
    /// software does; longer gaps stay unseen.
    pub fn fill_gaps(&mut self, max_gap: usize) {
        for m in 0..self.names.len() {
            let mut last_seen: Option<usize> = None;
            for i in 0..self.frames.len() {
                let Some(b) = self.frames[i][m] else { continue };
                if let Some(j) = last_seen
                    && i - j > 1
                    && i - j - 1 <= max_gap
                    && let Some(a) = self.frames[j][m]
                {
                    for k in j + 1..i {
                        let w = (k - j) as f64 / (i - j) as f64;
                        self.frames[k][m] = Some([0, 1, 2].map(|c| a[c] + w * (b[c] - a[c])));
                    }
                }
                last_seen = Some(i);
            }
        }
    }
}

/// Analog channels of a C3D file (force plates, EMG), scaled to their units.
#[derive(Debug, Clone, PartialEq)]
pub struct AnalogData {
    pub rate_hz: f64,
    pub labels: Vec<String>,
    pub units: Vec<String>,
    /// One series per channel.
    pub channels: Vec<Vec<f64>>,
}

impl AnalogData {
    pub fn channel(&self, label: &str) -> Option<&[f64]> {
        let i = self.labels.iter().position(|l| l.trim().eq_ignore_ascii_case(label))?;
        Some(&self.channels[i])
    }
}

/// Reads `.trc` or `.c3d` by extension. C3D files also give their analog channels.
pub fn read_markers(path: &Path) -> Result<(MarkerData, Option<AnalogData>), MarkerError> {
    if !path.exists() {
        return Err(MarkerError::NotFound(path.to_path_buf()));
    }
    match path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).as_deref() {
        Some("trc") => Ok((read_trc(path)?, None)),
        Some("c3d") => {
            let c = read_c3d(path)?;
            Ok((c.markers, c.analog))
        }
        _ => Err(MarkerError::UnknownExtension(path.to_path_buf())),
    }
}

fn io_err(path: &Path, e: impl std::fmt::Display) -> MarkerError {
    MarkerError::Io { path: path.to_path_buf(), reason: e.to_string() }
}

fn mm_per_unit(units: &str) -> Option<f64> {
    match units.trim().to_ascii_lowercase().as_str() {
        "mm" => Some(1.0),
        "cm" => Some(10.0),
        "m" => Some(1000.0),
        _ => None,
    }
}

// ---------------------------------------------------------------------------------------------------------------
// TRC

/// Reads a TRC file: five header lines (file type; the names of the values; their values, among them DataRate and
/// Units; `Frame# Time` and the marker names; the X1 Y1 Z1 ... row), then one tab-separated row per frame. Empty or
/// NaN fields are unseen markers.
pub fn read_trc(path: &Path) -> Result<MarkerData, MarkerError> {
    let text = std::fs::read_to_string(path).map_err(|e| io_err(path, e))?;
    let bad = |reason: String| MarkerError::Format { path: path.to_path_buf(), format: "TRC", reason };
    let lines: Vec<&str> = text.lines().collect();
    if lines.len() < 5 || !lines[0].starts_with("PathFileType") {
        return Err(bad("it does not start with a PathFileType line".into()));
    }
    let keys: Vec<&str> = lines[1].split('\t').map(str::trim).collect();
    let values: Vec<&str> = lines[2].split('\t').map(str::trim).collect();
    let value = |key: &str| keys.iter().position(|k| *k == key).and_then(|i| values.get(i).copied());
    let rate_hz: f64 = value("DataRate")
        .and_then(|v| v.parse().ok())
        .filter(|r: &f64| *r > 0.0)
        .ok_or_else(|| bad("no positive DataRate in its header".into()))?;
    let units = value("Units").unwrap_or("mm");
    let mm = mm_per_unit(units).ok_or_else(|| bad(format!("unknown units '{units}' (mm, cm or m)")))?;
    let names: Vec<String> =
        lines[3].split('\t').skip(2).map(str::trim).filter(|n| !n.is_empty()).map(String::from).collect();
    if names.is_empty() {
        return Err(bad("no marker names on its fourth line".into()));
    }
    let mut frames = Vec::new();
    for (n, line) in lines.iter().enumerate().skip(5) {
        if line.trim().is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.split('\t').collect();
        if fields.len() < 2 {
            return Err(bad(format!("line {} has no data", n + 1)));
        }
        let row = (0..names.len())
            .map(|m| {
                let get = |c: usize| {
                    fields.get(2 + 3 * m + c).and_then(|f| f.trim().parse::<f64>().ok()).filter(|v| v.is_finite())
                };
                Some([get(0)?, get(1)?, get(2)?])
            })
            .collect();
        frames.push(row);
    }
    if frames.is_empty() {
        return Err(bad("no frames".into()));
    }
    Ok(MarkerData { rate_hz, mm_per_unit: mm, names, frames })
}

/// Writes a TRC file (tab-separated, unseen markers as empty fields), readable by OpenSim and Pose2Sim.
pub fn write_trc(path: &Path, data: &MarkerData, first_time_s: f64) -> Result<(), MarkerError> {
    use std::fmt::Write as _;
    let units = match data.mm_per_unit {
        u if (u - 1000.0).abs() < 1e-9 => "m",
        u if (u - 10.0).abs() < 1e-9 => "cm",
        _ => "mm",
    };
    let file_name = path.file_name().map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    let n = data.frames.len();
    let mut s = String::new();
    let _ = writeln!(s, "PathFileType\t4\t(X/Y/Z)\t{file_name}");
    let _ = writeln!(
        s,
        "DataRate\tCameraRate\tNumFrames\tNumMarkers\tUnits\tOrigDataRate\tOrigDataStartFrame\tOrigNumFrames"
    );
    let rate = data.rate_hz;
    let _ = writeln!(s, "{rate:.6}\t{rate:.6}\t{n}\t{}\t{units}\t{rate:.6}\t1\t{n}", data.names.len());
    let _ =
        writeln!(s, "Frame#\tTime\t{}", data.names.iter().map(|m| format!("{m}\t\t")).collect::<String>().trim_end());
    let _ = writeln!(
        s,
        "\t\t{}",
        (1..=data.names.len()).map(|i| format!("X{i}\tY{i}\tZ{i}")).collect::<Vec<_>>().join("\t")
    );
    let _ = writeln!(s);
    for (i, row) in data.frames.iter().enumerate() {
        let _ = write!(s, "{}\t{:.6}", i + 1, first_time_s + i as f64 / rate);
        for p in row {
            match p {
                Some(p) => {
                    let _ = write!(s, "\t{:.6}\t{:.6}\t{:.6}", p[0], p[1], p[2]);
                }
                None => s.push_str("\t\t\t"),
            }
        }
        s.push('\n');
    }
    std::fs::write(path, s).map_err(|e| MarkerError::Io { path: path.to_path_buf(), reason: e.to_string() })
}

// ---------------------------------------------------------------------------------------------------------------
// C3D

/// A C3D file's markers and analog channels.
#[derive(Debug, Clone)]
pub struct C3dFile {
    pub markers: MarkerData,
    pub analog: Option<AnalogData>,
}

/// Byte order and float format of a C3D file (parameter section, byte 4).
#[derive(Debug, Clone, Copy, PartialEq)]
enum Processor {
    Intel,
    Dec,
    Mips,
}

impl Processor {
    fn u16(self, b: &[u8]) -> u16 {
        match self {
            Processor::Mips => u16::from_be_bytes([b[0], b[1]]),
            _ => u16::from_le_bytes([b[0], b[1]]),
        }
    }
    fn i16(self, b: &[u8]) -> i16 {
        self.u16(b) as i16
    }
    fn f32(self, b: &[u8]) -> f32 {
        match self {
            Processor::Intel => f32::from_le_bytes([b[0], b[1], b[2], b[3]]),
            Processor::Mips => f32::from_be_bytes([b[0], b[1], b[2], b[3]]),
            // VAX F-floating: the 16-bit words are in the other order and the exponent is biased by 2 more.
            Processor::Dec => f32::from_le_bytes([b[2], b[3], b[0], b[1]]) / 4.0,
        }
    }
}

/// One parameter's raw value.
#[derive(Debug, Clone)]
enum ParamValue {
    Chars { dims: Vec<usize>, text: String },
    Numbers(Vec<f64>),
}

impl ParamValue {
    fn number(&self) -> Option<f64> {
        match self {
            ParamValue::Numbers(v) => v.first().copied(),
            ParamValue::Chars { .. } => None,
        }
    }
    fn numbers(&self) -> Vec<f64> {
        match self {
            ParamValue::Numbers(v) => v.clone(),
            ParamValue::Chars { .. } => Vec::new(),
        }
    }
    /// Text parameters are column-major arrays of fixed-width strings.
    fn strings(&self) -> Vec<String> {
        match self {
            ParamValue::Chars { dims, text } if dims.len() >= 2 && dims[0] > 0 => {
                let chars: Vec<char> = text.chars().collect();
                chars.chunks(dims[0]).map(|c| c.iter().collect::<String>().trim().to_string()).collect()
            }
            ParamValue::Chars { text, .. } => vec![text.trim().to_string()],
            ParamValue::Numbers(_) => Vec::new(),
        }
    }
}

/// Reads the parameter section into `GROUP:NAME` → value.
fn read_parameters(bytes: &[u8], start: usize, proc: Processor) -> Result<BTreeMap<String, ParamValue>, String> {
    let mut groups: BTreeMap<i8, String> = BTreeMap::new();
    let mut params: Vec<(i8, String, ParamValue)> = Vec::new();
    let mut i = start + 4;
    let get = |a: usize, n: usize| bytes.get(a..a + n).ok_or_else(|| "the parameter section is cut short".to_string());
    loop {
        let head = get(i, 2)?;
        let name_len = (head[0] as i8).unsigned_abs() as usize;
        let id = head[1] as i8;
        if name_len == 0 || id == 0 {
            break;
        }
        let name = String::from_utf8_lossy(get(i + 2, name_len)?).trim().to_ascii_uppercase();
        let j = i + 2 + name_len;
        let offset = proc.i16(get(j, 2)?) as i64;
        if id < 0 {
            groups.insert(-id, name);
        } else {
            let kind = get(j + 2, 1)?[0] as i8;
            let ndims = get(j + 3, 1)?[0] as usize;
            let dims: Vec<usize> = get(j + 4, ndims)?.iter().map(|&d| d as usize).collect();
            let count: usize = dims.iter().product();
            let data_at = j + 4 + ndims;
            let value = match kind {
                -1 => ParamValue::Chars { dims, text: String::from_utf8_lossy(get(data_at, count)?).into_owned() },
                1 => ParamValue::Numbers(get(data_at, count)?.iter().map(|&b| b as f64).collect()),
                2 => ParamValue::Numbers(get(data_at, 2 * count)?.chunks(2).map(|c| proc.i16(c) as f64).collect()),
                4 => ParamValue::Numbers(get(data_at, 4 * count)?.chunks(4).map(|c| proc.f32(c) as f64).collect()),
                other => return Err(format!("parameter {name} has the unknown type {other}")),
            };
            params.push((id, name, value));
        }
        if offset == 0 {
            break;
        }
        let next = j as i64 + offset;
        if next <= i as i64 || next as usize >= bytes.len() {
            break;
        }
        i = next as usize;
    }
    Ok(params
        .into_iter()
        .map(|(id, name, v)| (format!("{}:{name}", groups.get(&id).map_or("?", String::as_str)), v))
        .collect())
}

/// Reads a C3D file (Intel, DEC or MIPS; integer or float data) following the C3D.org user guide: the header gives
/// the parameter block, the parameters give labels, rates, scales and the data block; each frame holds every
/// point's X Y Z and residual word (negative residual: not seen), then the analog samples of the frame.
pub fn read_c3d(path: &Path) -> Result<C3dFile, MarkerError> {
    let bytes = std::fs::read(path).map_err(|e| io_err(path, e))?;
    let bad = |reason: String| MarkerError::Format { path: path.to_path_buf(), format: "C3D", reason };
    if bytes.len() < 1024 || bytes[1] != 0x50 {
        return Err(bad("its header does not carry the C3D key".into()));
    }
    let pstart = (bytes[0] as usize).saturating_sub(1) * 512;
    let proc = match bytes.get(pstart + 3).copied() {
        Some(84) => Processor::Intel,
        Some(85) => Processor::Dec,
        Some(86) => Processor::Mips,
        other => return Err(bad(format!("unknown processor type {other:?}"))),
    };
    let params = read_parameters(&bytes, pstart, proc).map_err(bad)?;
    let p = |k: &str| params.get(k);
    let num = |k: &str| p(k).and_then(ParamValue::number);

    let points = num("POINT:USED").unwrap_or_else(|| proc.u16(&bytes[2..4]) as f64) as usize;
    let scale = num("POINT:SCALE").unwrap_or_else(|| proc.f32(&bytes[12..16]) as f64);
    let rate_hz = num("POINT:RATE").unwrap_or_else(|| proc.f32(&bytes[20..24]) as f64);
    if rate_hz <= 0.0 {
        return Err(bad("no positive POINT:RATE".into()));
    }
    let header_frames = (proc.u16(&bytes[8..10]) as usize + 1).saturating_sub(proc.u16(&bytes[6..8]) as usize);
    let data_block = num("POINT:DATA_START").map_or_else(|| proc.u16(&bytes[16..18]) as usize, |v| v as usize);
    let analog_used = num("ANALOG:USED").unwrap_or(0.0) as usize;
    let analog_rate = num("ANALOG:RATE").unwrap_or(0.0);
    let per_frame = if analog_used > 0 && analog_rate > 0.0 { (analog_rate / rate_hz).round() as usize } else { 0 };
    let float = scale < 0.0;
    let word = if float { 4 } else { 2 };
    let frame_bytes = word * (4 * points + analog_used * per_frame);
    let data_start = data_block.saturating_sub(1) * 512;
    let available = bytes.len().saturating_sub(data_start) / frame_bytes.max(1);
    let frames_param = num("POINT:FRAMES").map(|f| if f < 0.0 { f + 65536.0 } else { f } as usize);
    let n_frames = frames_param.unwrap_or(header_frames).max(header_frames).min(available);
    if n_frames == 0 {
        return Err(bad("no frames in its data section".into()));
    }
    let mut names = p("POINT:LABELS").map(ParamValue::strings).unwrap_or_default();
    names.truncate(points);
    while names.len() < points {
        names.push(format!("M{:03}", names.len() + 1));
    }
    let units =
        p("POINT:UNITS").map(ParamValue::strings).and_then(|u| u.first().cloned()).unwrap_or_else(|| "mm".into());
    let mm = mm_per_unit(&units).unwrap_or(1.0);

    let analog_scales = p("ANALOG:SCALE").map(ParamValue::numbers).unwrap_or_default();
    let analog_offsets = p("ANALOG:OFFSET").map(ParamValue::numbers).unwrap_or_default();
    let gen_scale = num("ANALOG:GEN_SCALE").unwrap_or(1.0);
    let unsigned =
        p("ANALOG:FORMAT").map(ParamValue::strings).is_some_and(|f| f.first().is_some_and(|s| s == "UNSIGNED"));
    let mut channels = vec![Vec::with_capacity(n_frames * per_frame); analog_used];

    let value = |at: usize| -> f64 {
        let b = &bytes[at..at + word];
        if float { proc.f32(b) as f64 } else { proc.i16(b) as f64 }
    };
    let mut frames = Vec::with_capacity(n_frames);
    for f in 0..n_frames {
        let base = data_start + f * frame_bytes;
        let row = (0..points)
            .map(|m| {
                let at = base + m * 4 * word;
                let residual = value(at + 3 * word);
                let xyz = [0, 1, 2].map(|c| value(at + c * word) * if float { 1.0 } else { scale });
                (residual >= 0.0 && xyz.iter().any(|v| *v != 0.0)).then_some(xyz)
            })
            .collect();
        frames.push(row);
        let abase = base + 4 * points * word;
        for s in 0..per_frame {
            for (c, channel) in channels.iter_mut().enumerate() {
                let at = abase + (s * analog_used + c) * word;
                let raw = if float {
                    proc.f32(&bytes[at..at + 4]) as f64
                } else if unsigned {
                    proc.u16(&bytes[at..at + 2]) as f64
                } else {
                    proc.i16(&bytes[at..at + 2]) as f64
                };
                let offset = analog_offsets.get(c).copied().unwrap_or(0.0);
                let scale = analog_scales.get(c).copied().unwrap_or(1.0);
                channel.push((raw - offset) * scale * gen_scale);
            }
        }
    }
    let analog = (analog_used > 0 && per_frame > 0).then(|| {
        let mut labels = p("ANALOG:LABELS").map(ParamValue::strings).unwrap_or_default();
        labels.resize(analog_used, String::new());
        let mut units = p("ANALOG:UNITS").map(ParamValue::strings).unwrap_or_default();
        units.resize(analog_used, String::new());
        AnalogData { rate_hz: rate_hz * per_frame as f64, labels, units, channels }
    });
    Ok(C3dFile { markers: MarkerData { rate_hz, mm_per_unit: mm, names, frames }, analog })
}

// ---------------------------------------------------------------------------------------------------------------
// Marker maps

/// How one landmark is made from markers: one marker, the mean of several, or weights (summing to 1) over several,
/// which can also extrapolate along a line (docs/markers.md).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum MarkerExpr {
    One(String),
    Mean(Vec<String>),
    Weighted(BTreeMap<String, f64>),
}

impl MarkerExpr {
    fn terms(&self) -> Vec<(String, f64)> {
        match self {
            MarkerExpr::One(m) => vec![(m.clone(), 1.0)],
            MarkerExpr::Mean(ms) => ms.iter().map(|m| (m.clone(), 1.0 / ms.len() as f64)).collect(),
            MarkerExpr::Weighted(w) => w.iter().map(|(m, &k)| (m.clone(), k)).collect(),
        }
    }
}

/// A rigid cluster: tracking markers on one body segment, and the anatomical markers that move with the segment.
/// Anatomical markers seen only in a static trial are rebuilt in a running trial from the cluster's pose.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Cluster {
    pub segment: String,
    pub tracking: Vec<String>,
    pub anatomical: Vec<String>,
}

/// Which markers make which landmark (docs/markers.md).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct MarkerMap {
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// Landmark snake_case name (`left_hip`, as in frames.csv) → markers.
    pub landmarks: BTreeMap<String, MarkerExpr>,
    #[serde(default)]
    pub clusters: Vec<Cluster>,
}

/// The marker maps that ship with runpose.
pub const PRESETS: [(&str, &str); 3] = [
    ("pose2sim", include_str!("../marker_maps/pose2sim.json")),
    ("fukuchi2017", include_str!("../marker_maps/fukuchi2017.json")),
    ("blazepose", include_str!("../marker_maps/blazepose.json")),
];

impl MarkerMap {
    pub fn from_json(text: &str) -> Result<Self, MarkerError> {
        let map: MarkerMap = serde_json::from_str(text).map_err(|e| MarkerError::Map(e.to_string()))?;
        for name in map.landmarks.keys() {
            if Landmark::from_name(name).is_none() {
                return Err(MarkerError::Map(format!("'{name}' is not a landmark name (left_hip, right_heel, ...)")));
            }
        }
        Ok(map)
    }

    /// A preset by name, or a JSON file by path.
    pub fn load(name_or_path: &str) -> Result<Self, MarkerError> {
        if let Some((_, text)) = PRESETS.iter().find(|(n, _)| *n == name_or_path) {
            return Self::from_json(text);
        }
        let path = Path::new(name_or_path);
        if !path.exists() {
            let names: Vec<&str> = PRESETS.iter().map(|p| p.0).collect();
            return Err(MarkerError::Map(format!(
                "'{name_or_path}' is neither a preset ({}) nor a file",
                names.join(", ")
            )));
        }
        Self::from_json(&std::fs::read_to_string(path).map_err(|e| io_err(path, e))?)
    }

    /// The preset that finds the most of its markers in `data` (counting those its clusters can rebuild).
    pub fn best_preset(data: &MarkerData) -> Result<Self, MarkerError> {
        let maps: Vec<MarkerMap> = PRESETS.iter().filter_map(|(_, t)| Self::from_json(t).ok()).collect();
        let score = |m: &MarkerMap| {
            let rebuildable: Vec<&String> = m.clusters.iter().flat_map(|c| &c.anatomical).collect();
            m.landmarks
                .values()
                .flat_map(|e| e.terms())
                .filter(|(name, _)| data.index_of(name).is_some() || rebuildable.contains(&name))
                .count() as f64
                / m.landmarks.values().flat_map(|e| e.terms()).count().max(1) as f64
        };
        maps.into_iter()
            .max_by(|a, b| score(a).total_cmp(&score(b)))
            .ok_or_else(|| MarkerError::Map("no built-in marker map could be read: this build is broken".into()))
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Static calibration

/// Named marker positions relative to a centroid.
type Placed = Vec<(String, Vector3<f64>)>;

/// Anatomical markers expressed in their cluster's frame, learnt from a static trial.
#[derive(Debug, Clone)]
pub struct Calibration {
    /// (cluster tracking markers as in the static trial, relative to their centroid; anatomical markers likewise).
    clusters: Vec<(Placed, Placed)>,
}

fn mean_position(data: &MarkerData, m: usize) -> Option<Vector3<f64>> {
    let seen: Vec<Vector3<f64>> = data.frames.iter().filter_map(|r| r[m]).map(Vector3::from).collect();
    (!seen.is_empty()).then(|| seen.iter().sum::<Vector3<f64>>() / seen.len() as f64)
}

impl Calibration {
    /// Learns each cluster of `map` from a static trial: the mean position of every marker over the trial.
    pub fn from_static(data: &MarkerData, map: &MarkerMap) -> Result<Self, MarkerError> {
        let mut clusters = Vec::new();
        for c in &map.clusters {
            let mean =
                |name: &String| Some((name.clone(), mean_position(data, data.index_of(name)?)? * data.mm_per_unit));
            let tracking: Vec<_> = c.tracking.iter().filter_map(mean).collect();
            let anatomical: Vec<_> = c.anatomical.iter().filter_map(mean).collect();
            if tracking.len() < 3 {
                return Err(MarkerError::Map(format!(
                    "the static trial shows fewer than 3 tracking markers of the {}",
                    c.segment
                )));
            }
            let centroid = tracking.iter().map(|t| t.1).sum::<Vector3<f64>>() / tracking.len() as f64;
            let rel = |v: Vec<(String, Vector3<f64>)>| v.into_iter().map(|(n, p)| (n, p - centroid)).collect();
            clusters.push((rel(tracking), rel(anatomical)));
        }
        Ok(Self { clusters })
    }

    /// Adds to `data` the anatomical markers it lacks, placed each frame by the least-squares rigid motion (Kabsch)
    /// of their cluster's tracking markers from the static trial to this frame. Returns the names added.
    pub fn rebuild(&self, data: &mut MarkerData) -> Vec<String> {
        let mut added = Vec::new();
        for (tracking, anatomical) in &self.clusters {
            let missing: Vec<&(String, Vector3<f64>)> =
                anatomical.iter().filter(|(n, _)| data.index_of(n).is_none()).collect();
            if missing.is_empty() {
                continue;
            }
            let cols: Vec<(usize, Vector3<f64>)> =
                tracking.iter().filter_map(|(n, p)| Some((data.index_of(n)?, *p))).collect();
            let first_new = data.names.len();
            data.names.extend(missing.iter().map(|(n, _)| n.clone()));
            added.extend(missing.iter().map(|(n, _)| n.clone()));
            let unit = data.mm_per_unit;
            for row in &mut data.frames {
                let pairs: Vec<(Vector3<f64>, Vector3<f64>)> =
                    cols.iter().filter_map(|&(c, p)| Some((p, Vector3::from(row[c]?) * unit))).collect();
                let pose = (pairs.len() >= 3).then(|| rigid_fit(&pairs)).flatten();
                row.resize(first_new, None);
                for (_, a) in &missing {
                    row.push(pose.map(|(r, t)| ((r * a + t) / unit).into()));
                }
            }
        }
        added
    }
}

/// The rotation and translation that best carry the centred static points onto the frame's points: Kabsch's SVD
/// solution, with the reflection case corrected.
fn rigid_fit(pairs: &[(Vector3<f64>, Vector3<f64>)]) -> Option<(Matrix3<f64>, Vector3<f64>)> {
    let n = pairs.len() as f64;
    let (cs, cd) = pairs.iter().fold((Vector3::zeros(), Vector3::zeros()), |(a, b), (s, d)| (a + s, b + d));
    let (cs, cd) = (cs / n, cd / n);
    let h: Matrix3<f64> = pairs.iter().map(|(s, d)| (s - cs) * (d - cd).transpose()).sum();
    let svd = h.svd(true, true);
    let (u, v_t) = (svd.u?, svd.v_t?);
    let mut d = Matrix3::identity();
    if (v_t.transpose() * u.transpose()).determinant() < 0.0 {
        d[(2, 2)] = -1.0;
    }
    let r = v_t.transpose() * d * u.transpose();
    Some((r, cd - r * cs))
}

// ---------------------------------------------------------------------------------------------------------------
// Side view

/// Which side of the runner the virtual camera films.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CameraSide {
    Left,
    Right,
}

/// How the 3D markers were turned into a side view, and what was missing.
#[derive(Debug, Clone, PartialEq)]
pub struct SideView {
    pub frames: Vec<PoseFrame>,
    /// Unit vectors of the lab frame found for up and for the running direction.
    pub up: [f64; 3],
    pub forward: [f64; 3],
    /// Image units per centimetre (the view is drawn in millimetres: 10).
    pub units_per_cm: f64,
    /// Landmarks the map could not make from the file's markers, with the markers they lacked.
    pub missing: Vec<(Landmark, Vec<String>)>,
}

fn v3(p: P3) -> Vector3<f64> {
    Vector3::new(p[0], p[1], p[2])
}

/// Maps markers to landmarks and projects them onto the runner's sagittal plane, as a camera on `camera` side of
/// the runner would film them: image x along the running direction (facing right when filmed from the right), image
/// y down, in millimetres, depth negative towards the camera (BlazePose's convention). Up is the lab axis along which
/// the hips stand above the ankles; the running direction is the hips' travel when they travel more than a leg's
/// length (overground), else the main axis of the ankles' fore-and-aft swing about the hips, pointing the way the
/// toes point (treadmill). Markers seen count score 1, unseen 0.
pub fn side_view(data: &MarkerData, map: &MarkerMap, camera: CameraSide) -> Result<SideView, MarkerError> {
    let mut missing = Vec::new();
    let mut exprs: Vec<Option<Vec<(usize, f64)>>> = vec![None; NUM_LANDMARKS];
    for l in Landmark::ALL {
        let Some(expr) = map.landmarks.get(l.name()) else { continue };
        let terms = expr.terms();
        let lacking: Vec<String> =
            terms.iter().filter(|(n, _)| data.index_of(n).is_none()).map(|(n, _)| n.clone()).collect();
        if lacking.is_empty() {
            exprs[l.index()] = Some(terms.iter().filter_map(|(n, w)| Some((data.index_of(n)?, *w))).collect());
        } else {
            missing.push((l, lacking));
        }
    }
    let needed = [
        Landmark::LeftHip,
        Landmark::RightHip,
        Landmark::LeftKnee,
        Landmark::RightKnee,
        Landmark::LeftAnkle,
        Landmark::RightAnkle,
        Landmark::LeftHeel,
        Landmark::RightHeel,
        Landmark::LeftFootIndex,
        Landmark::RightFootIndex,
    ];
    let absent: Vec<&str> = needed.iter().filter(|l| exprs[l.index()].is_none()).map(|l| l.name()).collect();
    if !absent.is_empty() {
        return Err(MarkerError::Missing(absent.join(", ")));
    }
    let unit = data.mm_per_unit;
    let landmark_at = |row: &[Option<P3>], l: Landmark| -> Option<Vector3<f64>> {
        let terms = exprs[l.index()].as_ref()?;
        terms.iter().try_fold(Vector3::zeros(), |acc, &(m, w)| Some(acc + v3(row[m]?) * (w * unit)))
    };
    type Position<'a> = &'a dyn Fn(&[Option<P3>]) -> Option<Vector3<f64>>;
    let mean_of = |f: Position| -> Option<Vector3<f64>> {
        let v: Vec<Vector3<f64>> = data.frames.iter().filter_map(|r| f(r)).collect();
        (!v.is_empty()).then(|| v.iter().sum::<Vector3<f64>>() / v.len() as f64)
    };
    let hip_mid =
        |r: &[Option<P3>]| Some((landmark_at(r, Landmark::LeftHip)? + landmark_at(r, Landmark::RightHip)?) / 2.0);
    let ankle_mid =
        |r: &[Option<P3>]| Some((landmark_at(r, Landmark::LeftAnkle)? + landmark_at(r, Landmark::RightAnkle)?) / 2.0);
    let leg_up = mean_of(&|r| Some(hip_mid(r)? - ankle_mid(r)?))
        .ok_or_else(|| MarkerError::Missing("hips and ankles seen together".into()))?;
    let axis = leg_up.iamax();
    let mut up = Vector3::zeros();
    up[axis] = leg_up[axis].signum();
    let flat = |v: Vector3<f64>| v - up * v.dot(&up);
    let first_hip = data.frames.iter().find_map(|r| hip_mid(r));
    let last_hip = data.frames.iter().rev().find_map(|r| hip_mid(r));
    let leg_mm = leg_up.norm();
    let travel = match (first_hip, last_hip) {
        (Some(a), Some(b)) => flat(b - a),
        _ => Vector3::zeros(),
    };
    let toe_heel = |r: &[Option<P3>]| {
        Some(
            landmark_at(r, Landmark::LeftFootIndex)? - landmark_at(r, Landmark::LeftHeel)?
                + landmark_at(r, Landmark::RightFootIndex)?
                - landmark_at(r, Landmark::RightHeel)?,
        )
    };
    let toes = flat(mean_of(&toe_heel).unwrap_or_else(Vector3::zeros));
    let forward = if travel.norm() > leg_mm {
        travel
    } else {
        // On a treadmill the feet swing fore and aft under the hips: the main axis of the ankles' horizontal
        // scatter about the hips is the running direction (the feet's own direction is off by their toe-out angle).
        let mut scatter = Matrix3::zeros();
        for r in &data.frames {
            for ankle in [Landmark::LeftAnkle, Landmark::RightAnkle] {
                if let (Some(a), Some(h)) = (landmark_at(r, ankle), hip_mid(r)) {
                    let d = flat(a - h);
                    scatter += d * d.transpose();
                }
            }
        }
        let eig = scatter.symmetric_eigen();
        let axis: Vector3<f64> = eig.eigenvectors.column(eig.eigenvalues.iamax()).into();
        if axis.dot(&toes) < 0.0 { -axis } else { axis }
    };
    if forward.norm() < 1e-9 {
        return Err(MarkerError::Missing("a running direction (feet point nowhere and the hips do not travel)".into()));
    }
    let forward = forward.normalize();
    let right = forward.cross(&up);
    let (x_sign, z_sign) = match camera {
        CameraSide::Right => (1.0, -1.0),
        CameraSide::Left => (-1.0, 1.0),
    };
    let frames = data
        .frames
        .iter()
        .enumerate()
        .map(|(i, row)| {
            let t = i as f64 / data.rate_hz;
            let mut kps = [Keypoint::default(); NUM_LANDMARKS];
            let mut seen = [false; NUM_LANDMARKS];
            for l in Landmark::ALL {
                if let Some(p) = landmark_at(row, l) {
                    kps[l.index()] =
                        Keypoint { x: x_sign * p.dot(&forward), y: -p.dot(&up), z: z_sign * p.dot(&right), score: 1.0 };
                    seen[l.index()] = true;
                }
            }
            // A frame without both hips is a frame without the runner.
            let pose = (seen[Landmark::LeftHip.index()] && seen[Landmark::RightHip.index()]).then(|| {
                let mut pose = Pose::new(kps);
                pose.fill_unseen(&seen);
                pose
            });
            PoseFrame { t, pose }
        })
        .collect();
    Ok(SideView { frames, up: up.into(), forward: forward.into(), units_per_cm: 10.0, missing })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rigid_fit_recovers_a_rotation_and_translation() {
        let r = nalgebra::Rotation3::from_euler_angles(0.3, -0.2, 1.1).into_inner();
        let t = Vector3::new(10.0, -5.0, 2.0);
        let src = [
            Vector3::new(0.0, 0.0, 0.0),
            Vector3::new(100.0, 0.0, 0.0),
            Vector3::new(0.0, 50.0, 0.0),
            Vector3::new(20.0, 30.0, 40.0),
        ];
        let pairs: Vec<_> = src.iter().map(|s| (*s, r * s + t)).collect();
        let (r2, t2) = rigid_fit(&pairs).unwrap();
        assert!((r2 - r).norm() < 1e-9 && (t2 - t).norm() < 1e-6);
    }

    #[test]
    fn gaps_up_to_the_limit_are_interpolated() {
        let mut d = MarkerData {
            rate_hz: 100.0,
            mm_per_unit: 1.0,
            names: vec!["A".into()],
            frames: vec![
                vec![Some([0.0; 3])],
                vec![None],
                vec![None],
                vec![Some([3.0, 0.0, 0.0])],
                vec![None],
                vec![None],
                vec![None],
                vec![Some([0.0; 3])],
            ],
        };
        d.fill_gaps(2);
        assert_eq!(d.frames[1][0], Some([1.0, 0.0, 0.0]));
        assert_eq!(d.frames[2][0], Some([2.0, 0.0, 0.0]));
        assert_eq!(d.frames[5][0], None, "a gap of 3 is longer than the limit");
    }

    #[test]
    fn presets_parse_and_name_real_landmarks() {
        for (name, text) in PRESETS {
            let map = MarkerMap::from_json(text).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(map.name, name);
            assert!(map.landmarks.contains_key("left_heel"), "{name}");
        }
        assert!(MarkerMap::from_json(r#"{"name":"x","landmarks":{"LHip":"LHip"}}"#).is_err());
    }
}
