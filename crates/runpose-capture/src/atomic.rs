//! Files that must never be half-written (a clip's manifest, markup, recovered poses, a video's pose cache): written
//! to a temporary file in the same folder, put on the disk, renamed over the old one, and the folder put on the disk
//! with the rename. A crash leaves the old file or the new one whole, never part of one.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use crate::CaptureError;

/// Writes the file at `path` atomically with what `write` writes (buffered).
pub fn write_atomic(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<(), CaptureError> {
    let fail = |e: std::io::Error| CaptureError::Write { path: path.to_path_buf(), source: e.into() };
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let name = path.file_name().map_or_else(|| "file".into(), |n| n.to_string_lossy().into_owned());
    let tmp = tempfile::Builder::new().prefix(&format!(".{name}.")).suffix(".tmp").tempfile_in(dir).map_err(fail)?;
    {
        let mut out = BufWriter::new(tmp.as_file());
        write(&mut out).map_err(fail)?;
        out.flush().map_err(fail)?;
    }
    tmp.as_file().sync_all().map_err(fail)?;
    // The temporary file is removed if the rename fails (dropped with the error).
    tmp.persist(path).map_err(|e| fail(e.error))?;
    // The rename reaches the disk with the folder.
    File::open(dir).and_then(|d| d.sync_all()).map_err(fail)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_the_file_whole_and_leaves_nothing_beside_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("manifest.json");
        std::fs::write(&path, "old").unwrap();
        write_atomic(&path, |w| w.write_all(b"new")).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new");
        // A write that fails half-way leaves the old file as it was, and no temporary file.
        let err = write_atomic(&path, |w| {
            w.write_all(b"half")?;
            Err(std::io::Error::other("disk full"))
        })
        .unwrap_err();
        assert!(err.to_string().contains("disk full"), "{err}");
        // The cause is kept as the error's source, not only as its words.
        let source = std::error::Error::source(&err).map(ToString::to_string);
        assert_eq!(source.as_deref(), Some("disk full"));
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new");
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names, vec![std::ffi::OsString::from("manifest.json")]);
    }
}
