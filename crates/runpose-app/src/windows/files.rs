//! Files the way people open them: an egui file dialog (the `egui_file` crate) for Open, Compare, the video to play
//! and the recordings folder, and the menu of recent clips and videos (`session::recent`).

use std::path::{Path, PathBuf};

use egui_file::{FileDialog, State};
use runpose_capture::clip;

use crate::session::recent::Recent;

/// The video containers offered (what FFmpeg reads from cameras and phones).
pub const VIDEO_EXTENSIONS: [&str; 7] = ["mp4", "mov", "mkv", "avi", "webm", "m4v", "mts"];

/// What a dialog is choosing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// A clip or video to open in the replay window.
    Open,
    /// A clip or video to show beside the one open.
    Compare,
    /// A video for the live view to play.
    PlayVideo,
    /// The folder recordings go to.
    RecordingsFolder,
}

impl Purpose {
    fn title(self) -> &'static str {
        match self {
            Self::Open => "Open a clip or video",
            Self::Compare => "Compare with a clip or video",
            Self::PlayVideo => "Play a video",
            Self::RecordingsFolder => "Folder for recordings",
        }
    }

    fn button(self) -> &'static str {
        match self {
            Self::Open => "Open selected",
            Self::Compare => "Compare with selected",
            Self::PlayVideo => "Play selected",
            Self::RecordingsFolder => "Use this folder",
        }
    }
}

/// Whether `path` names a video by its extension.
pub fn is_video(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| VIDEO_EXTENSIONS.iter().any(|v| v.eq_ignore_ascii_case(e)))
}

/// What choosing `path` opens: a file inside a runpose clip folder (its video or clip.json) opens the clip.
pub fn openable(path: &Path) -> PathBuf {
    match path.parent() {
        Some(dir) if path.is_file() && clip::is_clip(dir) => dir.to_path_buf(),
        _ => path.to_path_buf(),
    }
}

/// The folder a dialog starts in: `near`'s folder (the last file or folder used) where it still exists, else home.
fn start_folder(near: Option<&Path>) -> PathBuf {
    near.and_then(|p| if p.is_dir() { Some(p) } else { p.parent() })
        .filter(|d| d.is_dir())
        .map(Path::to_path_buf)
        .or_else(dirs::home_dir)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// A file dialog on screen.
pub struct Chooser {
    pub purpose: Purpose,
    dialog: FileDialog,
}

/// What a dialog gave this frame.
#[derive(Debug, Clone, PartialEq)]
pub enum Choice {
    Open,
    Chosen(PathBuf),
    Cancelled,
}

impl Chooser {
    /// A dialog for `purpose`, starting near `near`. Open-type dialogs list folders, videos and clips' clip.json.
    pub fn new(purpose: Purpose, near: Option<&Path>) -> Self {
        let dialog = match purpose {
            Purpose::RecordingsFolder => FileDialog::select_folder(),
            Purpose::Open | Purpose::Compare | Purpose::PlayVideo => FileDialog::open_file()
                .show_files_filter(Box::new(|p: &Path| is_video(p) || p.ends_with(clip::MANIFEST_FILE)))
                .show_new_folder(false),
        };
        let mut dialog = dialog
            .initial_path(start_folder(near))
            .title(purpose.title())
            .show_rename(false)
            .open_button_text(purpose.button().into())
            .default_size([720.0, 480.0]);
        dialog.open();
        Self { purpose, dialog }
    }

    /// The folder the dialog is showing.
    pub fn folder(&self) -> &Path {
        self.dialog.directory()
    }

    /// Shows the dialog; the path chosen (a file inside a clip folder gives the clip) once chosen.
    pub fn show(&mut self, ctx: &egui::Context) -> Choice {
        self.dialog.show(ctx);
        match self.dialog.state() {
            State::Open => Choice::Open,
            State::Selected => match self.dialog.path() {
                Some(p) if self.purpose == Purpose::RecordingsFolder => Choice::Chosen(p.to_path_buf()),
                Some(p) => Choice::Chosen(openable(p)),
                None => Choice::Cancelled,
            },
            State::Closed | State::Cancelled => Choice::Cancelled,
        }
    }
}

/// The Recent menu: the clips and videos still there, most recent first; the one clicked.
pub fn recent_menu(ui: &mut egui::Ui, recent: &Recent) -> Option<PathBuf> {
    let mut chosen = None;
    ui.menu_button("Recent", |ui| {
        let mut any = false;
        for p in recent.existing() {
            any = true;
            let name = p.file_name().map_or_else(|| p.display().to_string(), |n| n.to_string_lossy().into_owned());
            if ui.button(name).on_hover_text(p.display().to_string()).clicked() {
                chosen = Some(p.clone());
                ui.close();
            }
        }
        if !any {
            ui.label("nothing opened yet");
        }
    });
    chosen
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn videos_are_known_by_extension_and_a_file_in_a_clip_opens_the_clip() {
        assert!(is_video(Path::new("/a/run.MP4")) && is_video(Path::new("b.mkv")));
        assert!(!is_video(Path::new("notes.txt")) && !is_video(Path::new("mp4")));
        let dir = tempfile::tempdir().unwrap();
        let video = dir.path().join("run.mp4");
        std::fs::write(&video, b"x").unwrap();
        assert_eq!(openable(&video), video, "a video on its own opens as itself");
        assert_eq!(start_folder(Some(&video)), dir.path());
        assert_eq!(start_folder(Some(&dir.path().join("gone").join("x.mp4"))), dirs::home_dir().unwrap());
    }
}
