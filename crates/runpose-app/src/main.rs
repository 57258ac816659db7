//! `runpose`: coach running technique with the Pose Method from video.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use runpose_app::analyze::{self, AnalyzeOptions};
use runpose_vision::ModelVariant;

#[derive(Parser)]
#[command(name = "runpose", version, about = "Running technique by the Pose Method, from video")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Analyse a video of a runner filmed from the side: per-frame and per-step metrics, summary and cues.
    Analyze {
        /// The video file.
        video: PathBuf,
        /// Folder for frames.csv, steps.csv, summary.json (and overlay.mp4).
        #[arg(long)]
        out: PathBuf,
        /// The runner's height in cm: lengths are then also given in cm.
        #[arg(long, value_parser = parse_height)]
        height_cm: Option<f64>,
        /// Landmark model: lite, full or heavy (most accurate feet).
        #[arg(long, default_value = "heavy", value_parser = |s: &str| s.parse::<ModelVariant>())]
        model: ModelVariant,
        /// Also write overlay.mp4 with the skeleton, fall-angle line and cues drawn on the video.
        #[arg(long)]
        overlay: bool,
        /// ONNX Runtime threads (default: the machine's cores, at most 4).
        #[arg(long)]
        threads: Option<usize>,
        /// No progress bar.
        #[arg(long, short)]
        quiet: bool,
    },
}

fn parse_height(s: &str) -> Result<f64, String> {
    let h: f64 = s.parse().map_err(|_| format!("'{s}' is not a number of centimetres"))?;
    if (50.0..=250.0).contains(&h) { Ok(h) } else { Err(format!("{h} cm is not a runner's height (50 to 250)")) }
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_env("RUNPOSE_LOG").unwrap_or_else(|_| "warn".into()))
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Analyze { video, out, height_cm, model, overlay, threads, quiet } => {
            let options = AnalyzeOptions { video, out, height_cm, model, overlay, threads, progress: !quiet };
            analyze::run(&options).map(|report| {
                let s = &report.analysis.summary;
                let fmt = |v: Option<f64>, d: usize| v.map_or("–".to_string(), |x| format!("{x:.d$}"));
                println!(
                    "{} frames ({} with the runner), {} steps: cadence {} spm, contact {} ms, flight {} ms, fall angle {}°",
                    s.frames,
                    s.detected_frames,
                    s.steps,
                    fmt(s.cadence_spm, 0),
                    fmt(s.contact_ms, 0),
                    fmt(s.flight_ms, 0),
                    fmt(s.fall_angle_deg, 1)
                );
                for cue in &s.cues {
                    println!("cue: {} ({:.0}% of steps)", cue.text, cue.share * 100.0);
                }
                for path in &report.written {
                    println!("wrote {}", path.display());
                }
            })
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // One sentence: the outermost context and its cause.
            let chain: Vec<String> = e.chain().map(|c| c.to_string()).collect();
            eprintln!("error: {}", chain.join(": "));
            ExitCode::FAILURE
        }
    }
}
