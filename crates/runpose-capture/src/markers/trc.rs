//! TRC files (OpenSim's marker format, written by Pose2Sim, Sports2D and OpenCap): reading and writing.

use std::path::Path;

use super::{MarkerData, MarkerError, io_err, mm_per_unit};

/// Reads a TRC file: five header lines (file type; the names of the values; their values, among them DataRate and
/// Units; `Frame# Time` and the marker names; the X1 Y1 Z1 ... row), then one tab-separated row per frame. Empty or
/// NaN fields are unseen markers.
pub fn read_trc(path: &Path) -> Result<MarkerData, MarkerError> {
    let text = std::fs::read_to_string(path).map_err(|e| io_err(path, e))?;
    let bad = |why: String| MarkerError::Format { path: path.to_path_buf(), format: "TRC", source: why.into() };
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
    std::fs::write(path, s).map_err(|e| MarkerError::Io { path: path.to_path_buf(), source: e })
}
