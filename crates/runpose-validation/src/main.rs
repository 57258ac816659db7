//! `runpose-validate`: regenerates docs/validation.md (gait events against Fukuchi 2017's force plate and the hand
//! annotation of the treadmill clip) and fails when a number leaves its band.

use std::path::PathBuf;

use anyhow::Context;
use clap::Parser;
use runpose_validation::force_plate;
use runpose_vision::ModelVariant;

/// Regenerate docs/validation.md: gait events against Fukuchi 2017's force plate (docs/validation.md §Method).
#[derive(Parser)]
#[command(name = "runpose-validate", version)]
struct Args {
    /// The test data folder (default: RUNPOSE_DATA, else the repository's tests/data).
    #[arg(long)]
    data: Option<PathBuf>,
    /// Write the report here instead of printing it.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Pose model whose landmark jitter measured on the treadmill clip is the reference (the others' are the
    /// sensitivity study).
    #[arg(long, default_value = "full", value_parser = |s: &str| s.parse::<ModelVariant>())]
    model: ModelVariant,
}

fn main() {
    if let Err(e) = run(Args::parse()) {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}

fn run(args: Args) -> anyhow::Result<()> {
    let data = args.data.unwrap_or_else(runpose_testdata::data_dir);
    let (_, _, clip) = force_plate::trial_paths(&data);
    let measure = |m: ModelVariant| {
        force_plate::clip_jitter(&clip, m)
            .with_context(|| format!("measuring the {} model's landmark jitter on {}", m.name(), clip.display()))
    };
    let (jitter, reference) = measure(args.model)?;
    let others =
        ModelVariant::ALL.into_iter().filter(|&m| m != args.model).map(measure).collect::<anyhow::Result<Vec<_>>>()?;
    let mut analyses: Vec<(&'static str, &runpose_core::Analysis)> = vec![(args.model.name(), &reference)];
    analyses.extend(others.iter().map(|(j, a)| (j.model, a)));
    let jitters: Vec<_> = others.iter().map(|(j, _)| j.clone()).collect();
    let report = force_plate::run(&data, jitter, &jitters, &analyses)?;
    let text = report.to_markdown();
    match args.out {
        Some(path) => {
            std::fs::write(&path, &text).with_context(|| format!("could not write {}", path.display()))?;
            println!("wrote {}", path.display());
        }
        None => print!("{text}"),
    }
    let out_of_band: Vec<String> = report.bands().into_iter().filter(|b| !b.ok).map(|b| b.what).collect();
    if !out_of_band.is_empty() {
        anyhow::bail!("out of band: {}", out_of_band.join("; "));
    }
    Ok(())
}
