//! `runpose`: coach running technique with the Pose Method from video.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use runpose_app::session::analyze;
use runpose_app::session::estimate::{self, AnalyzeOptions, MarkerOptions};
use runpose_capture::markers::CameraSide;
use runpose_vision::ModelVariant;

#[derive(Parser)]
#[command(name = "runpose", version, about = "Running technique by the Pose Method, live from a camera or from video")]
struct Cli {
    /// Without a command: the live view, on the camera if there is one, else on the bundled demo clip.
    #[command(subcommand)]
    command: Option<Command>,
    /// ONNX Runtime backend: cpu, openvino (scripts/setup.sh --openvino), cuda (the onnxruntime-gpu library given
    /// with ORT_DYLIB_PATH) or auto (default, also from RUNPOSE_BACKEND): CUDA where the library has it, else the
    /// CPU (the validated one). One that cannot start says so and the CPU runs instead.
    #[arg(long, global = true, value_parser = |s: &str| s.parse::<runpose_vision::backend::Backend>())]
    backend: Option<runpose_vision::backend::Backend>,
    /// The landmark model's precision: f32 (default, also from RUNPOSE_PRECISION; the validated one) or bf16
    /// (OpenVINO on a CPU with AVX-512 BF16 or AMX: about twice as fast with AMX, landmarks a few pixels from f32's;
    /// README §Precision). Where bf16 cannot run, one line says so and f32 runs.
    #[arg(long, global = true, value_parser = |s: &str| s.parse::<runpose_vision::backend::Precision>())]
    precision: Option<runpose_vision::backend::Precision>,
}

#[derive(Subcommand)]
enum Command {
    /// The live coaching view: skeleton, fall angle, Running Pose alignment and cues from a camera or a video.
    Live {
        /// Play this video at its own pace, looping, as if it were a camera.
        #[arg(long, conflicts_with = "camera")]
        video: Option<PathBuf>,
        /// Camera index (see the source list in the window). Default: the remembered camera, else the first one,
        /// else the bundled demo clip.
        #[arg(long)]
        camera: Option<u32>,
        /// Camera mode, WIDTHxHEIGHT@FPS (e.g. 1280x720@30).
        #[arg(long, value_parser = parse_mode)]
        mode: Option<runpose_capture::live::CameraMode>,
        /// Landmark model: lite, full or heavy (default: the remembered one, else heavy where it runs in bf16
        /// (--precision bf16, README §Precision), else full).
        #[arg(long, value_parser = |s: &str| s.parse::<ModelVariant>())]
        model: Option<ModelVariant>,
        /// The runner's height in cm: lengths are then also given in cm.
        #[arg(long, value_parser = parse_height)]
        height_cm: Option<f64>,
        /// Show the picture mirrored.
        #[arg(long)]
        mirror: bool,
        /// Start in treadmill mode (the cue and three numbers, readable from 3 m).
        #[arg(long)]
        treadmill: bool,
        /// Play this many frames, print `latency_ms median=… p95=… dropped=… fps=…` and close.
        #[arg(long)]
        frames: Option<u64>,
        /// With --frames: save a screenshot of the whole window here first (PNG).
        #[arg(long, requires = "frames")]
        screenshot: Option<PathBuf>,
        /// With --frames: record from the first frame to the last (as pressing R twice).
        #[arg(long, requires = "frames")]
        record: bool,
        /// With --frames: write the settled steps here at the end (the columns of analyze's steps.csv).
        #[arg(long, requires = "frames")]
        steps_out: Option<PathBuf>,
        /// Folder for recordings (remembered; default: the Videos folder's runpose/).
        #[arg(long)]
        recordings: Option<PathBuf>,
    },
    /// Analyse a video of a runner filmed from the side: per-frame and per-step metrics, summary and cues.
    Analyze {
        /// The video file (or give --markers).
        #[arg(required_unless_present = "markers", conflicts_with = "markers")]
        video: Option<PathBuf>,
        /// Analyse marker or keypoint trajectories instead: a .trc (OpenSim, Pose2Sim, Sports2D, OpenCap) or .c3d file.
        #[arg(long)]
        markers: Option<PathBuf>,
        /// Marker map: pose2sim, fukuchi2017, blazepose, or a JSON file (docs/markers.md). Default: the preset that
        /// finds the most markers.
        #[arg(long, requires = "markers")]
        marker_map: Option<String>,
        /// Static trial to rebuild anatomical markers from tracking clusters (e.g. Fukuchi 2017's RBDS001static.c3d).
        #[arg(long = "static", requires = "markers")]
        static_trial: Option<PathBuf>,
        /// Which side of the runner the virtual camera films marker data from: left or right.
        #[arg(long, default_value = "right", value_parser = parse_camera_side, requires = "markers")]
        camera_side: CameraSide,
        /// Also export the 2D landmarks as a TRC file (metres), for OpenSim and Pose2Sim.
        #[arg(long)]
        trc_out: Option<PathBuf>,
        /// Folder for frames.csv, steps.csv, summary.json (and overlay.mp4).
        #[arg(long)]
        out: PathBuf,
        /// The runner's height in cm: lengths are then also given in cm.
        #[arg(long, value_parser = parse_height)]
        height_cm: Option<f64>,
        /// Landmark model: lite, full or heavy (most accurate feet).
        #[arg(long, default_value_t = runpose_app::session::estimate::DEFAULT_MODEL, value_parser = |s: &str| s.parse::<ModelVariant>())]
        model: ModelVariant,
        /// Also write overlay.mp4 with the skeleton, fall-angle line and cues drawn on the video.
        #[arg(long)]
        overlay: bool,
        /// ONNX Runtime threads (default: the machine's cores, at most 4).
        #[arg(long)]
        threads: Option<usize>,
        /// Follow the person at this point, X,Y in pixels of the first frame with people (default: the one
        /// who is running); summary.json records the choice.
        #[arg(long, value_parser = parse_point)]
        person: Option<(f32, f32)>,
        /// Cut the video into this many parts analysed side by side, one ONNX Runtime thread each (one person in
        /// view only; otherwise one pass in order).
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=16))]
        chunks: u16,
        /// Run the landmark model on each person's region and on its mirror image, and average the two (both ways
        /// of facing at once; by default the model is shown every runner facing left), at twice the landmark
        /// model's time.
        #[arg(long)]
        mirror_average: bool,
        /// No progress bar.
        #[arg(long, short)]
        quiet: bool,
    },
    /// Record a clip headless, with the live analysis: the video, every frame's landmarks and, at the end, the
    /// metrics and steps as `analyze` writes them (docs/recording.md). Ctrl-C stops and keeps the clip.
    Record {
        /// Record from this video, played at its own pace as in the live view (default length: the video's).
        #[arg(long, conflicts_with = "camera", required_unless_present = "camera")]
        video: Option<PathBuf>,
        /// Record from this camera.
        #[arg(long)]
        camera: Option<u32>,
        /// Camera mode, WIDTHxHEIGHT@FPS (e.g. 1280x720@30).
        #[arg(long, value_parser = parse_mode)]
        mode: Option<runpose_capture::live::CameraMode>,
        /// The clip folder to create (it must not exist yet).
        #[arg(long)]
        out: PathBuf,
        /// Stop after this many seconds (default: a video's length; a camera records until Ctrl-C).
        #[arg(long)]
        seconds: Option<f64>,
        /// Landmark model: lite, full or heavy (default: as the live view's, heavy where it runs in bf16
        /// (--precision bf16, README §Precision), else full).
        #[arg(long, value_parser = |s: &str| s.parse::<ModelVariant>())]
        model: Option<ModelVariant>,
        /// The runner's height in cm: lengths are then also given in cm.
        #[arg(long, value_parser = parse_height)]
        height_cm: Option<f64>,
        /// ONNX Runtime threads (default: the machine's cores, at most 4).
        #[arg(long)]
        threads: Option<usize>,
    },
    /// Replay a clip (or any video, analysed on opening) frame by frame or in slow motion, with the overlay, a
    /// timeline of every step's key instants, and markup tools.
    Replay {
        /// A clip folder or a video file (or none: open one in the window).
        path: Option<PathBuf>,
        /// Beside it, aligned by gait phase (before/after, or runner and reference): another clip or video.
        #[arg(long, requires = "path")]
        compare: Option<PathBuf>,
        /// The runner's height in cm, for lengths in cm (a clip remembers the height it was recorded with).
        #[arg(long, value_parser = parse_height)]
        height_cm: Option<f64>,
        /// Landmark model for a video that has no landmarks yet.
        #[arg(long, default_value = "full", value_parser = |s: &str| s.parse::<ModelVariant>())]
        model: ModelVariant,
    },
    /// Export from a clip or a video (analysed first if it has no landmarks yet), with the overlay and the coach's
    /// markup: a frame as PNG, a step's storyboard as PNG, the whole clip as MP4. Files go into the clip folder (or
    /// beside the video) unless --out is given; nothing existing is overwritten.
    Export {
        /// A clip folder or a video file.
        path: PathBuf,
        /// Frame N (counted from 1, as in the replay window) as PNG.
        #[arg(long)]
        frame: Option<usize>,
        /// The storyboard of step N (counted from 1): landing, Running Pose, fall and pull side by side, as PNG.
        #[arg(long)]
        storyboard: Option<usize>,
        /// The whole clip with overlay and markup as H.264 MP4.
        #[arg(long)]
        mp4: bool,
        /// Write to this file (with a single export only).
        #[arg(long)]
        out: Option<PathBuf>,
        /// The runner's height in cm, for lengths in cm (a clip remembers the height it was recorded with).
        #[arg(long, value_parser = parse_height)]
        height_cm: Option<f64>,
        /// Landmark model for a video that has no landmarks yet.
        #[arg(long, default_value = "full", value_parser = |s: &str| s.parse::<ModelVariant>())]
        model: ModelVariant,
    },
    /// Print a clip's facts as JSON (frames, duration_s, steps, recovered, ...); a clip whose recording was cut off
    /// is recovered first.
    Info {
        /// The clip folder.
        clip: PathBuf,
    },
    /// What runpose found on this machine and what is missing (the ONNX Runtime library and its version, each
    /// model with its checksum, cameras, a display, audio output, free disk space for recordings), with the command
    /// that fixes each; exits non-zero when something runpose needs is missing.
    Doctor {
        /// The recordings folder to check (default: the one the live view records to).
        #[arg(long)]
        recordings: Option<PathBuf>,
    },
    /// The landmark model's output on each of the first frames of a video, each frame on its own (the detector's
    /// region, no tracking): for comparing backends (tests/backends.rs). CSV: frame, then x,y of each landmark.
    #[command(hide = true)]
    Landmarks {
        video: PathBuf,
        #[arg(long, default_value_t = 60)]
        frames: usize,
        #[arg(long, default_value = "full", value_parser = |s: &str| s.parse::<ModelVariant>())]
        model: ModelVariant,
        #[arg(long)]
        out: PathBuf,
    },
}

fn parse_camera_side(s: &str) -> Result<CameraSide, String> {
    match s {
        "left" => Ok(CameraSide::Left),
        "right" => Ok(CameraSide::Right),
        _ => Err(format!("'{s}' is not a side: left or right")),
    }
}

fn parse_mode(s: &str) -> Result<runpose_capture::live::CameraMode, String> {
    let bad = || format!("'{s}' is not a camera mode: WIDTHxHEIGHT@FPS, e.g. 1280x720@30");
    let (size, fps) = s.split_once('@').ok_or_else(bad)?;
    let (w, h) = size.split_once('x').ok_or_else(bad)?;
    let n = |v: &str| v.trim().parse::<u32>().map_err(|_| bad());
    Ok(runpose_capture::live::CameraMode { width: n(w)?, height: n(h)?, fps: n(fps)? })
}

fn live(options: runpose_app::windows::live_settings::LiveOptions) -> anyhow::Result<()> {
    if let Some(video) = &options.video
        && !video.is_file()
    {
        anyhow::bail!("{} does not exist: check the path", video.display());
    }
    if let Some(line) = runpose_app::windows::live_window::run_window(options)? {
        writeln!(std::io::stdout(), "{line}")?;
    }
    Ok(())
}

fn parse_point(s: &str) -> Result<(f32, f32), String> {
    let bad = || format!("'{s}' is not a point: give X,Y in pixels, e.g. 360,640");
    let (x, y) = s.split_once(',').ok_or_else(bad)?;
    let (x, y): (f32, f32) = (x.trim().parse().map_err(|_| bad())?, y.trim().parse().map_err(|_| bad())?);
    if x.is_finite() && y.is_finite() && x >= 0.0 && y >= 0.0 { Ok((x, y)) } else { Err(bad()) }
}

fn parse_height(s: &str) -> Result<f64, String> {
    let h: f64 = s.parse().map_err(|_| format!("'{s}' is not a number of centimetres"))?;
    if (50.0..=250.0).contains(&h) { Ok(h) } else { Err(format!("{h} cm is not a runner's height (50 to 250)")) }
}

/// What `runpose record` was asked.
struct RecordArgs {
    source: runpose_capture::live::LiveSource,
    out: PathBuf,
    seconds: Option<f64>,
    model: ModelVariant,
    height_cm: Option<f64>,
    threads: Option<usize>,
}

fn record(args: RecordArgs) -> anyhow::Result<()> {
    use anyhow::Context;
    use runpose_app::session::live::{Pipeline, PipelineEvent, PipelineOptions};
    use runpose_app::session::record::{ClipInfo, Recorder};
    use runpose_capture::live::LiveSource;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::time::Duration;

    let (max_s, fps_hint) = match &args.source {
        LiveSource::Video(path) => {
            let reader = runpose_capture::VideoReader::open(path)?;
            (args.seconds.or(reader.info().duration_s), reader.info().fps)
        }
        LiveSource::Camera { mode, .. } => (args.seconds, f64::from(mode.fps)),
    };
    let meta = runpose_capture::clip::ClipMeta {
        source: args.source.describe(),
        height_cm: args.height_cm,
        model: args.model.name().into(),
    };
    let recorder = Recorder::start(args.out.clone(), meta, fps_hint, max_s)?;
    let interrupted = Arc::new(AtomicBool::new(false));
    let flag = interrupted.clone();
    ctrlc::set_handler(move || flag.store(true, Ordering::Relaxed)).context("could not catch Ctrl-C")?;
    let options =
        PipelineOptions { source: args.source, model: args.model, height_cm: args.height_cm, threads: args.threads };
    let pipeline = Pipeline::start(options, || {});
    pipeline.set_recorder(Some(recorder.tap()));
    let mut failure = None;
    let mut shown = -1.0;
    loop {
        match pipeline.next_timeout(Duration::from_millis(200)) {
            Some(PipelineEvent::SourceFailed(e) | PipelineEvent::ModelFailed(e)) => {
                failure = Some(e);
                break;
            }
            Some(PipelineEvent::State(_)) | None => {}
        }
        let status = recorder.status();
        if status.full || status.error.is_some() || interrupted.load(Ordering::Relaxed) {
            break;
        }
        if status.duration_s - shown >= 1.0 {
            shown = status.duration_s;
            eprintln!("recording: {:.0} s, {} frames", status.duration_s, status.frames);
        }
    }
    pipeline.set_recorder(None);
    drop(pipeline);
    let stopped = recorder.stop();
    let manifest = match (stopped, failure) {
        (Ok(m), None) => m,
        (Ok(m), Some(e)) => {
            eprintln!("the source stopped: {e}; the {:.1} s recorded are kept", m.duration_s);
            m
        }
        (Err(_), Some(e)) => anyhow::bail!("{e}"),
        (Err(e), None) => return Err(e),
    };
    // stdout is the clip's facts as JSON alone, for scripts.
    writeln!(std::io::stdout(), "{}", serde_json::to_string_pretty(&ClipInfo::from(&manifest))?)?;
    eprintln!("wrote {}", args.out.display());
    Ok(())
}

/// What `runpose export` was asked.
struct ExportArgs {
    path: PathBuf,
    frame: Option<usize>,
    storyboard: Option<usize>,
    mp4: bool,
    out: Option<PathBuf>,
    height_cm: Option<f64>,
    model: ModelVariant,
}

fn export(args: ExportArgs) -> anyhow::Result<()> {
    use anyhow::Context;
    use runpose_app::session::export;
    let asked = usize::from(args.frame.is_some()) + usize::from(args.storyboard.is_some()) + usize::from(args.mp4);
    if asked == 0 {
        anyhow::bail!("nothing to export: give --frame N, --storyboard N or --mp4");
    }
    if asked > 1 && args.out.is_some() {
        anyhow::bail!("--out names one file: give it with a single export");
    }
    let loaded = runpose_app::session::document::Loaded::read(
        &args.path,
        args.model,
        &estimate::terminal_bar(true, "analysing"),
    )?;
    let mut doc = runpose_app::session::document::Replay::from_loaded(loaded.with_height(args.height_cm))?;
    let target = |name: String| args.out.clone().unwrap_or_else(|| export::export_path(&args.path, &name));
    let save_png = |img: &image::RgbImage, path: &std::path::Path| -> anyhow::Result<()> {
        img.save(path).with_context(|| format!("could not write {}", path.display()))?;
        writeln!(std::io::stdout(), "wrote {}", path.display())?;
        Ok(())
    };
    if let Some(n) = args.frame {
        if n == 0 || n > doc.frames() {
            anyhow::bail!("there is no frame {n}: the clip has frames 1 to {}", doc.frames());
        }
        let img = export::annotated_frame(&mut doc, n - 1)?;
        save_png(&img, &target(format!("frame-{n:04}.png")))?;
    }
    if let Some(n) = args.storyboard {
        let steps = doc.instants.len();
        if steps == 0 {
            anyhow::bail!("no steps were found in {}: there is no storyboard to make", args.path.display());
        }
        let instants = *doc
            .instants
            .get(n.wrapping_sub(1))
            .with_context(|| format!("there is no step {n}: the clip has steps 1 to {steps}"))?;
        if let Some(a) = &doc.analysis {
            for panel in export::story_panels(a, &instants) {
                writeln!(std::io::stdout(), "{}", export::panel_text(&panel))?;
            }
        }
        let img = export::storyboard(&mut doc, &instants)?;
        save_png(&img, &target(format!("storyboard-step-{n:02}.png")))?;
    }
    if args.mp4 {
        let path = target("annotated.mp4".into());
        let bar = estimate::terminal_bar(true, "export");
        bar.set_length(doc.frames() as u64);
        let written = export::write_annotated_video(
            doc.video_path(),
            doc.frames(),
            doc.analysis.as_ref(),
            &doc.markup,
            &path,
            |done, _| {
                bar.set_position(done as u64);
                true
            },
        )?;
        bar.finish_and_clear();
        writeln!(std::io::stdout(), "wrote {}", written.display())?;
    }
    Ok(())
}

fn doctor(recordings: Option<PathBuf>) -> anyhow::Result<()> {
    let folder = recordings.unwrap_or_else(runpose_app::session::record::default_recordings_dir);
    let checks = runpose_app::session::doctor::checks(&folder);
    write!(std::io::stdout(), "{}", runpose_app::session::doctor::report(&checks))?;
    if !runpose_app::session::doctor::all_needed_ok(&checks) {
        std::process::exit(1);
    }
    Ok(())
}

fn info(clip: PathBuf) -> anyhow::Result<()> {
    if clip.is_file() {
        anyhow::bail!(
            "{} is a file, not a clip folder: `runpose info` reads clips made by `runpose record` or the Record button",
            clip.display()
        );
    }
    let manifest = runpose_app::session::record::open_clip(&clip, |r| {
        eprintln!(
            "recovered an interrupted recording: {} frames kept ({} in the video, {} with landmarks)",
            r.frames, r.video_frames, r.pose_frames
        );
    })?;
    writeln!(
        std::io::stdout(),
        "{}",
        serde_json::to_string_pretty(&runpose_app::session::record::ClipInfo::from(&manifest))?
    )?;
    Ok(())
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_env("RUNPOSE_LOG").unwrap_or_else(|_| "warn".into()))
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    if let Some(backend) = cli.backend {
        runpose_vision::backend::request(backend);
    }
    if let Some(precision) = cli.precision {
        runpose_vision::backend::request_precision(precision);
    }
    let result = match cli.command {
        None => live(runpose_app::windows::live_settings::LiveOptions::default()),
        Some(Command::Live {
            video,
            camera,
            mode,
            model,
            height_cm,
            mirror,
            treadmill,
            frames,
            screenshot,
            record,
            steps_out,
            recordings,
        }) => {
            let automation = frames.map(|n| {
                runpose_app::windows::live_settings::Automation::new(n, screenshot, record).with_steps_out(steps_out)
            });
            let recordings_dir = recordings;
            live(runpose_app::windows::live_settings::LiveOptions {
                video,
                camera,
                mode,
                model,
                height_cm,
                mirror,
                treadmill,
                recordings_dir,
                automation,
            })
        }
        Some(Command::Record { video, camera, mode, out, seconds, model, height_cm, threads }) => {
            let source = match (video, camera) {
                (Some(path), _) => runpose_capture::live::LiveSource::Video(path),
                (None, index) => runpose_capture::live::LiveSource::Camera {
                    index: index.unwrap_or(0),
                    mode: mode.unwrap_or_default(),
                },
            };
            let model = model.unwrap_or_else(runpose_app::windows::live_settings::machine_live_model);
            record(RecordArgs { source, out, seconds, model, height_cm, threads })
        }
        Some(Command::Info { clip }) => info(clip),
        Some(Command::Doctor { recordings }) => doctor(recordings),
        Some(Command::Landmarks { video, frames, model, out }) => {
            estimate::landmarks_per_frame(&video, model, frames, &out)
        }
        Some(Command::Export { path, frame, storyboard, mp4, out, height_cm, model }) => {
            export(ExportArgs { path, frame, storyboard, mp4, out, height_cm, model })
        }
        Some(Command::Replay { path, compare, height_cm, model }) => {
            runpose_app::windows::replay_window::run_replay_window(path, compare, height_cm, model)
        }
        Some(Command::Analyze {
            video,
            markers,
            marker_map,
            static_trial,
            camera_side,
            trc_out,
            out,
            height_cm,
            model,
            overlay,
            threads,
            person,
            chunks,
            mirror_average,
            quiet,
        }) => {
            let markers =
                markers.map(|path| MarkerOptions { path, map: marker_map, static_trial, camera: camera_side });
            let options = AnalyzeOptions {
                video: video.unwrap_or_default(),
                markers,
                trc_out,
                out,
                height_cm,
                model,
                overlay,
                threads,
                progress: !quiet,
                person,
                chunks: usize::from(chunks),
                mirror_average,
            };
            analyze::run(&options).and_then(|report| Ok(print_report(&report)?))
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        // The reader of standard output went away (`runpose analyze … | head`): the files are written, nothing to say.
        Err(e) if e.downcast_ref::<std::io::Error>().is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe) => {
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {}", sentence(&e));
            ExitCode::FAILURE
        }
    }
}

/// What `analyze` found, in a few lines on standard output.
fn print_report(report: &analyze::AnalyzeReport) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    let s = &report.analysis.summary;
    let fmt = |v: Option<f64>, d: usize| v.map_or("–".to_string(), |x| format!("{x:.d$}"));
    if let Some(sentence) = s.not_running {
        writeln!(out, "{} frames ({} with a person): {sentence}", s.frames, s.detected_frames)?;
    } else {
        writeln!(
            out,
            "{} frames ({} with the runner), {} steps: cadence {} spm, contact {} ms, flight {} ms, fall angle {}°",
            s.frames,
            s.detected_frames,
            s.steps,
            fmt(s.cadence_spm, 0),
            fmt(s.contact_ms, 0),
            fmt(s.flight_ms, 0),
            fmt(s.fall_angle_deg, 1)
        )?;
        if s.flagged_steps > 0 {
            writeln!(out, "{} of {} steps flagged (see steps.csv flagged)", s.flagged_steps, s.steps)?;
        }
    }
    if let Some(m) = &report.markers {
        if !m.rebuilt.is_empty() {
            writeln!(out, "rebuilt from the static trial: {}", m.rebuilt.join(", "))?;
        }
        for (landmark, lacking) in &m.view.missing {
            writeln!(out, "no {}: the markers lack {}", landmark.name(), lacking.join(", "))?;
        }
    }
    if s.missing_landmarks.iter().any(|l| l.ends_with("_shoulder")) {
        writeln!(out, "not measured (landmarks never seen): trunk angle, shoulder alignment")?;
    }
    if !s.low_confidence.is_empty() {
        writeln!(out, "low confidence (see summary.json confidence): {}", s.low_confidence.join(", "))?;
    }
    for cue in &s.cues {
        writeln!(out, "cue: {} ({:.0}% of steps)", cue.text, cue.share * 100.0)?;
    }
    for path in &report.written {
        writeln!(out, "wrote {}", path.display())?;
    }
    Ok(())
}

/// One sentence for an error: the outermost context and its causes, each said once (an error that names its cause in
/// its own words, as the capture errors do, also keeps it as its source).
fn sentence(e: &anyhow::Error) -> String {
    let mut text = String::new();
    for cause in e.chain().map(|c| c.to_string()) {
        if !text.contains(&cause) {
            if !text.is_empty() {
                text.push_str(": ");
            }
            text.push_str(&cause);
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A cause the message already says is not said twice; one it does not say is added.
    #[test]
    fn an_error_is_one_sentence_with_each_cause_once() {
        let io = std::io::Error::other("disk full");
        let e =
            anyhow::Error::new(runpose_capture::CaptureError::Write { path: "clip.json".into(), source: io.into() })
                .context("saving the clip");
        assert_eq!(sentence(&e), "saving the clip: could not write clip.json: disk full");
    }
}
