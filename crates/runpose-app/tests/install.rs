//! An installed runpose works away from the source tree: `scripts/install.sh --data-only` places the models and the
//! ONNX Runtime library in the user's data folder, and a copy of the binary elsewhere finds them there (not through
//! the source tree's path built into it) and analyses a clip.

// A test (or bench) fails loudly: unwrap and expect are its asserts (clippy.toml allows them in #[test] items).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::process::Command;

mod common;

#[test]
fn an_installed_binary_finds_its_models_and_runtime_in_the_data_folder() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let dir = tempfile::tempdir().unwrap();
    let data_home = dir.path().join("share");
    let o = Command::new(root.join("scripts/install.sh"))
        .arg("--data-only")
        .env("XDG_DATA_HOME", &data_home)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let bin = dir.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    let exe = bin.join("runpose");
    std::fs::copy(env!("CARGO_BIN_EXE_runpose"), &exe).unwrap();

    let run = |args: &[&str]| {
        Command::new(&exe)
            .args(args)
            .current_dir(dir.path())
            .env("XDG_DATA_HOME", &data_home)
            .env_remove("ORT_DYLIB_PATH")
            .env_remove("RUNPOSE_MODELS")
            .output()
            .unwrap()
    };
    let o = run(&["doctor", "--recordings", dir.path().to_str().unwrap()]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{out}");
    let installed = data_home.join("runpose");
    assert!(out.contains(&format!("{}", installed.join("lib").display())), "{out}");
    assert_eq!(out.matches(&format!("{}", installed.join("models").display())).count(), 4, "{out}");
    assert!(installed.join("demo.mp4").is_file() && installed.join("LICENSE-demo.txt").is_file());

    let clip = common::treadmill_clip();
    let o = run(&["analyze", clip.to_str().unwrap(), "--model", "lite", "--out", "out", "-q"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(dir.path().join("out/summary.json").is_file());
}
