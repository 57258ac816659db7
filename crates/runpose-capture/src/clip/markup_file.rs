//! Where a clip's or video's markup is kept, reading it, and saving it atomically without losing an unreadable one.

use std::path::{Path, PathBuf};

use super::{read_error, write_json_atomic};
use crate::CaptureError;

/// A clip's markup file.
pub const MARKUP_FILE: &str = "markup.json";

/// Where the markup of `clip_or_video` is kept: `markup.json` in a clip folder, `NAME.markup.json` beside a video.
pub fn markup_path(clip_or_video: &Path) -> PathBuf {
    if clip_or_video.is_dir() {
        return clip_or_video.join(MARKUP_FILE);
    }
    let name = clip_or_video.file_name().map_or_else(|| "video".into(), |n| n.to_string_lossy().into_owned());
    clip_or_video.with_file_name(format!("{name}.markup.json"))
}

/// Reads a markup file: `Ok(None)` if there is none yet. A file that cannot be read as markup is an error saying why;
/// it is left as it is.
pub fn load_markup(path: &Path) -> Result<Option<runpose_core::markup::Markup>, CaptureError> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(read_error(path, e)),
    };
    runpose_core::markup::Markup::from_json(&text)
        .map(Some)
        .map_err(|e| CaptureError::UnreadableMarkup { path: path.to_path_buf(), source: e.into() })
}

/// Saves markup atomically (a crash while saving leaves the old file whole). If the file there cannot be read as
/// markup, it is replaced only with `replace_unreadable` (the user was asked), and then kept beside as
/// `NAME.unreadable-N` first.
pub fn save_markup(
    path: &Path,
    markup: &runpose_core::markup::Markup,
    replace_unreadable: bool,
) -> Result<(), CaptureError> {
    if path.exists()
        && let Err(e) = load_markup(path)
    {
        if !replace_unreadable {
            return Err(e);
        }
        let name = path.file_name().map_or_else(|| "markup".into(), |n| n.to_string_lossy().into_owned());
        let backup = free_path(|n| path.with_file_name(format!("{name}.unreadable-{n}")), 1);
        std::fs::rename(path, &backup).map_err(|e| CaptureError::Write { path: backup.clone(), source: e.into() })?;
    }
    write_json_atomic(path, markup)
}

/// The first of `name(from)`, `name(from + 1)`, … that names nothing yet.
pub fn free_path(name: impl Fn(usize) -> PathBuf, from: usize) -> PathBuf {
    let mut n = from;
    loop {
        let path = name(n);
        if !path.exists() {
            return path;
        }
        n += 1;
    }
}
