//! Files the way people open them, driven with egui_kittest: the replay window's Open… dialog browses into a clip
//! folder and opens the clip, which then comes first in the Recent menu of the next window; Compare… puts a clip
//! beside; the live window's Browse… plays the video chosen and Recordings folder… moves the recordings.

// A test (or bench) fails loudly: unwrap and expect are its asserts (clippy.toml allows them in #[test] items).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use runpose_app::session::recent::Recent;
use runpose_app::windows::live_settings::Settings;
use runpose_app::windows::live_window::LiveApp;
use runpose_app::windows::replay_window::ReplayApp;
use runpose_vision::ModelVariant;

mod common;

// egui_file's path and file-name fields carry no accessible name (the crate's, not runpose's): kittest's check for
// one is off in these windows.
fn replay(app: ReplayApp) -> Harness<'static, ReplayApp> {
    Harness::builder()
        .with_size([1280.0, 860.0])
        .with_accessibility_check(false)
        .build_ui_state(|ui, app: &mut ReplayApp| app.ui(ui), app)
}

fn recent_in(dir: &Path) -> Recent {
    let (recent, problem) = Recent::load(dir.join("config").join("recent.json"));
    assert!(problem.is_none(), "{problem:?}");
    recent
}

/// Goes into the folder `name` of the folder the dialog shows, by its path field: typed on and Enter (a double
/// click on the entry does it too, but kittest's clicks do not always come close enough in time for egui to take
/// them as one).
fn go_into(h: &mut Harness<'static, ReplayApp>, shown: &Path, name: &str) {
    // The path field comes first of the two nodes that show the path.
    let at = h.get_all_by_value(shown.to_str().unwrap()).next().unwrap().rect().center();
    h.drag_at(at);
    h.drop_at(at);
    h.run();
    h.event(egui::Event::Text(format!("/{name}")));
    h.run();
    h.key_press(egui::Key::Enter);
    h.run();
}

#[test]
fn open_browses_into_a_clip_folder_opens_the_clip_and_remembers_it() {
    let dir = tempfile::tempdir().unwrap();
    let clip = common::make_clip(dir.path(), "monday", 0, 1.0);
    common::make_clip(dir.path(), "friday", 0, 1.25);
    // Something else in the folder, which the dialog must not offer, and a video, which it must.
    std::fs::write(dir.path().join("notes.txt"), "not a video").unwrap();
    std::fs::copy(common::treadmill_clip(), dir.path().join("run.mp4")).unwrap();

    let mut app = ReplayApp::new(None, ModelVariant::Full);
    app.recent = recent_in(dir.path());
    // The dialog starts beside the last thing opened: here, the folder of the clips.
    app.recent.add(&dir.path().join("run.mp4")).unwrap();
    let mut h = replay(app);
    h.run();
    h.get_by_label("Open…").click();
    h.run();
    assert!(h.state().chooser.is_some(), "the dialog is open");
    assert!(h.query_by_label("🗋 notes.txt").is_none(), "only videos and clips are offered");
    h.get_by_label("🗋 run.mp4");
    h.get_by_label("🗀 monday");
    go_into(&mut h, dir.path(), "monday");
    assert_eq!(h.state().chooser.as_ref().map(|c| c.folder().to_path_buf()), Some(clip.clone()));
    // Inside the clip folder: its video (and clip.json) are listed; choosing the video opens the clip.
    h.get_by_label("🗋 video.mkv").click();
    h.run();
    h.get_by_label("Open selected").click();
    h.run();
    assert!(h.state().chooser.is_none(), "the dialog closes on choosing");
    let ctx = h.ctx.clone();
    h.state_mut().logic(&ctx);
    common::settle(&mut h, |_| {});
    let opened = h.state().doc.as_ref().map(|d| d.source.clone());
    assert_eq!(opened, Some(clip.clone()), "{:?}", h.state().notice);
    assert_eq!(h.state().recent.paths()[0], clip, "the clip opened comes first in the recent list");

    // Compare…: the other clip beside.
    h.get_by_label("Compare…").click();
    h.run();
    // The dialog starts in the open clip's folder: up one level to the clips.
    h.get_by_label("⬆").click();
    h.run();
    go_into(&mut h, dir.path(), "friday");
    assert_eq!(h.state().chooser.as_ref().map(|c| c.folder().to_path_buf()), Some(dir.path().join("friday")));
    h.get_by_label("🗋 clip.json").click();
    h.run();
    h.get_by_label("Compare with selected").click();
    h.run();
    let ctx = h.ctx.clone();
    h.state_mut().logic(&ctx);
    common::settle(&mut h, |_| {});
    let beside = h.state().compare.as_ref().map(|c| c.doc.source.clone());
    assert_eq!(beside, Some(dir.path().join("friday")), "{:?}", h.state().notice);

    // Cancel closes the dialog and opens nothing.
    h.get_by_label("Open…").click();
    h.run();
    h.get_by_label("Cancel").click();
    h.run();
    assert!(h.state().chooser.is_none());
    assert_eq!(h.state().doc.as_ref().map(|d| d.source.clone()), Some(clip.clone()));

    // The next window (the same user's list) offers both clips under Recent; one click opens one.
    let mut app = ReplayApp::new(None, ModelVariant::Full);
    app.recent = recent_in(dir.path());
    assert_eq!(&app.recent.paths()[..2], &[dir.path().join("friday"), clip.clone()]);
    let mut h = replay(app);
    h.run();
    h.get_by_label("Recent").click();
    h.run();
    h.get_by_label("monday").click();
    h.run();
    let ctx = h.ctx.clone();
    h.state_mut().logic(&ctx);
    common::settle(&mut h, |_| {});
    assert_eq!(h.state().doc.as_ref().map(|d| d.source.clone()), Some(clip));
}

#[test]
fn the_live_window_plays_the_video_chosen_and_takes_a_recordings_folder() {
    let dir = tempfile::tempdir().unwrap();
    let video_dir = dir.path().join("videos");
    std::fs::create_dir_all(&video_dir).unwrap();
    let video = video_dir.join("treadmill.mp4");
    std::fs::copy(common::treadmill_clip(), &video).unwrap();
    let recordings = dir.path().join("recordings");
    std::fs::create_dir_all(recordings.join("club")).unwrap();

    let settings = Settings {
        camera: None,
        video: Some(video_dir.join("gone.mp4")),
        recordings_dir: Some(recordings.clone()),
        ..Default::default()
    };
    let mut app = LiveApp::new(settings, None, None);
    app.recent = recent_in(dir.path());
    let mut h = Harness::builder()
        .with_size([1280.0, 800.0])
        .with_accessibility_check(false)
        .build_ui_state(|ui, app: &mut LiveApp| app.ui(ui), app);
    h.run();
    // The video last played is gone; the dialog starts in its folder all the same.
    h.get_by_label("Browse…").click();
    h.run();
    h.get_by_label("🗋 treadmill.mp4").click();
    h.run();
    h.get_by_label("Play selected").click();
    h.run();
    assert_eq!(h.state().settings.video, Some(video.clone()));
    assert_eq!(h.state().settings.camera, None);
    assert_eq!(h.state().recent.paths()[0], video, "a video played is remembered");

    h.get_by_label("Recordings folder…").click();
    h.run();
    h.get_by_label("🗀 club").click();
    h.run();
    h.get_by_label("Use this folder").click();
    h.run();
    assert_eq!(h.state().settings.recordings_dir, Some(recordings.join("club")));
    assert!(h.state().notice.as_ref().is_some_and(|n| n.text.contains("club")));
}
