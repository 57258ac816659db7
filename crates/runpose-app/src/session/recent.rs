//! The clips and videos opened lately (shared by the live and replay windows), kept in `recent.json` in the user's
//! config folder (`$XDG_CONFIG_HOME/runpose`) so that both windows and the next run offer them.

use std::path::{Path, PathBuf};

use anyhow::Context;

/// How many paths are kept.
pub const KEPT: usize = 10;

/// The recent list: most recent first, no duplicates; saved where it was loaded from (if anywhere).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Recent {
    file: Option<PathBuf>,
    paths: Vec<PathBuf>,
}

/// Where the list is kept for this user: `$XDG_CONFIG_HOME/runpose/recent.json` (or the platform's config folder).
pub fn default_file() -> Option<PathBuf> {
    dirs::config_dir().map(|d| d.join("runpose").join("recent.json"))
}

impl Recent {
    /// A list kept in memory only (tests, automated runs).
    pub fn in_memory() -> Self {
        Self::default()
    }

    /// The list kept in `file`: empty when the file is not there yet; a damaged file is set aside as
    /// `recent.json.damaged` (and said) so that the new list does not overwrite what may be recovered by hand.
    pub fn load(file: PathBuf) -> (Self, Option<String>) {
        let (paths, problem) = match std::fs::read(&file) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => (Vec::new(), None),
            Err(e) => (Vec::new(), Some(format!("could not read the recent list {}: {e}", file.display()))),
            Ok(bytes) => match serde_json::from_slice::<Vec<PathBuf>>(&bytes) {
                Ok(paths) => (paths, None),
                Err(e) => {
                    let aside = file.with_extension("json.damaged");
                    let moved = std::fs::rename(&file, &aside).is_ok();
                    let kept = if moved { format!("; kept as {}", aside.display()) } else { String::new() };
                    (Vec::new(), Some(format!("the recent list {} is damaged ({e}){kept}", file.display())))
                }
            },
        };
        let mut recent = Self { file: Some(file), paths: Vec::new() };
        for p in paths.into_iter().rev() {
            recent.push(p);
        }
        (recent, problem)
    }

    /// The list kept for this user (`default_file`), or an in-memory one where there is no config folder.
    pub fn for_user() -> (Self, Option<String>) {
        default_file().map_or_else(|| (Self::in_memory(), None), Self::load)
    }

    /// Most recent first.
    pub fn paths(&self) -> &[PathBuf] {
        &self.paths
    }

    /// Those that are still there (a clip folder or a video moved away is not offered).
    pub fn existing(&self) -> impl Iterator<Item = &PathBuf> {
        self.paths.iter().filter(|p| p.exists())
    }

    fn push(&mut self, path: PathBuf) {
        self.paths.retain(|p| p != &path);
        self.paths.insert(0, path);
        self.paths.truncate(KEPT);
    }

    /// Puts `path` (made absolute) first and saves the list.
    pub fn add(&mut self, path: &Path) -> anyhow::Result<()> {
        let path = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
        self.push(path);
        self.save()
    }

    fn save(&self) -> anyhow::Result<()> {
        let Some(file) = &self.file else { return Ok(()) };
        if let Some(dir) = file.parent() {
            std::fs::create_dir_all(dir).with_context(|| format!("could not create {}", dir.display()))?;
        }
        runpose_capture::atomic::write_atomic(file, |w| {
            serde_json::to_writer_pretty(&mut *w, &self.paths).map_err(std::io::Error::other)
        })
        .with_context(|| format!("could not save the recent list {}", file.display()))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_list_keeps_the_latest_first_without_repeats_and_survives_a_reload() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("cfg").join("recent.json");
        let (mut recent, problem) = Recent::load(file.clone());
        assert!(problem.is_none() && recent.paths().is_empty());
        for i in 0..12 {
            recent.add(&dir.path().join(format!("v{i}.mp4"))).unwrap();
        }
        recent.add(&dir.path().join("v5.mp4")).unwrap();
        assert_eq!(recent.paths().len(), KEPT);
        assert_eq!(recent.paths()[0], dir.path().join("v5.mp4"));
        assert_eq!(recent.paths()[1], dir.path().join("v11.mp4"));
        assert_eq!(recent.paths().iter().filter(|p| p.ends_with("v5.mp4")).count(), 1);
        let (again, _) = Recent::load(file);
        assert_eq!(again.paths(), recent.paths());
        // None of them exists.
        assert_eq!(again.existing().count(), 0);
    }

    #[test]
    fn a_damaged_list_is_set_aside_and_said() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("recent.json");
        std::fs::write(&file, b"{ not a list").unwrap();
        let (recent, problem) = Recent::load(file.clone());
        assert!(recent.paths().is_empty());
        assert!(problem.unwrap().contains("damaged"));
        assert!(dir.path().join("recent.json.damaged").is_file());
        assert!(!file.exists());
    }
}
