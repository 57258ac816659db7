//! C3D files (lab motion capture): markers and analog channels, parameters decoded for the three processor formats.

use std::collections::BTreeMap;
use std::path::Path;

use super::{AnalogData, MarkerData, MarkerError, io_err, mm_per_unit};

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
    let bad = |why: String| MarkerError::Format { path: path.to_path_buf(), format: "C3D", source: why.into() };
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
