//! `diagnose`: the deep tanh MLP of makemore part 3, trained with the
//! trainer's step while its activation, gradient and update statistics are
//! printed, and its pictures drawn (`--plots`, feature `plots`). It has the
//! lecture's sizes and is never saved.

use std::path::{Path, PathBuf};

use backprop_ninja::corpus::words::Vocab;
use backprop_ninja::hyper::Hyper;
#[cfg(feature = "plots")]
use backprop_ninja::io::output::{Claim, Ours, Output};
use backprop_ninja::layers::params::NamedParams;
use backprop_ninja::models::deep::{self, Deep, DeepConfig, DeepInit};
use backprop_ninja::models::diagnostics;
use backprop_ninja::models::kind::ModelKind;
use backprop_ninja::models::model::Model;
use backprop_ninja::train::budget::Need;
use backprop_ninja::train::{Dataset, OptimizerConfig, Schedule, TrainConfig, budget};
use backprop_ninja::{Backprop, Error, Result};
use clap::ValueEnum;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::implementation::{self, Impl, WithBackprop};
use super::output::{self, say};

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum InitArg {
    /// randn · (5/3) / sqrt(fan_in), the last layer × 0.1
    Lecture,
    /// randn: unit normal weights, saturated tanh units
    Naive,
    /// gain 0.5 instead of 5/3, the last layer × 0.1: shrinking activations
    Small,
}

#[derive(clap::Args)]
pub struct Args {
    /// One word per line; the embedded corpus of 30,000 names if not given.
    #[arg(long)]
    data: Option<PathBuf>,
    /// Whose backward passes to train with.
    #[arg(long = "impl", value_enum, default_value_t = Impl::Solutions)]
    pub implementation: Impl,
    #[arg(long, default_value_t = TrainConfig::LECTURE.steps, value_parser = output::count, allow_negative_numbers = true)]
    steps: usize,
    #[arg(long, default_value_t = TrainConfig::LECTURE.batch_size, value_parser = output::count, allow_negative_numbers = true)]
    batch_size: usize,
    #[arg(long, default_value_t = Schedule::LECTURE.lr, allow_hyphen_values = true)]
    lr: f32,
    /// The learning rate from --lr-decay-step on.
    #[arg(long, default_value_t = Schedule::LECTURE.lr_decayed, allow_hyphen_values = true)]
    lr_decayed: f32,
    #[arg(long, default_value_t = Schedule::WAVENET.lr_decay_step, value_parser = output::count, allow_negative_numbers = true)]
    lr_decay_step: usize,
    #[arg(long, default_value_t = TrainConfig::LECTURE.seed, value_parser = output::seed, allow_negative_numbers = true)]
    seed: u64,
    /// How the weights start.
    #[arg(long, value_enum, default_value_t = InitArg::Lecture)]
    init: InitArg,
    /// No BatchNorm after the hidden Linear layers (which get biases).
    #[arg(long)]
    no_batchnorm: bool,
    /// Print the statistics after step 1, every this many steps, and the last.
    #[arg(long, default_value_t = 10_000, value_parser = output::positive, allow_negative_numbers = true)]
    stats_every: usize,
    /// Write the loss, activation, gradient, update:data and dlogits
    /// pictures (PNG and SVG) into this directory (needs a build with
    /// --features plots).
    #[arg(long)]
    plots: Option<PathBuf>,
    /// Replace pictures in --plots even if they are not PNG or SVG files.
    #[arg(long, requires = "plots")]
    force: bool,
}

/// The most statistics snapshots a run keeps.
const MAX_SNAPSHOTS: usize = 10_000;

impl WithBackprop for Args {
    fn run<B: Backprop>(self) -> Result<()> {
        let args = self;
        if B::NAME == "exercises" {
            implementation::ready::<B>(ModelKind::Deep)?;
        }
        if args.plots.is_some() && !cfg!(feature = "plots") {
            return Err(Error::Config(
                "--plots needs the pictures, which are behind a cargo feature: rebuild with --features plots (cargo run --release --features plots -- diagnose --plots DIR)".into(),
            ));
        }
        let config = TrainConfig {
            steps: args.steps,
            batch_size: args.batch_size,
            optimizer: OptimizerConfig::Sgd(Schedule {
                lr: args.lr,
                lr_decayed: args.lr_decayed,
                lr_decay_step: args.lr_decay_step,
            }),
            clip: None,
            seed: args.seed,
        };
        config.validate()?;
        let every = args.stats_every;
        let snapshots = config.steps / every + 2;
        if snapshots > MAX_SNAPSHOTS {
            return Err(Error::Config(format!(
                "--steps {} with --stats-every {every} takes {snapshots} snapshots of the statistics, over the limit of {MAX_SNAPSHOTS}: raise --stats-every",
                config.steps
            )));
        }
        let deep_config = DeepConfig {
            init: match args.init {
                InitArg::Lecture => DeepInit::Lecture,
                InitArg::Naive => DeepInit::Naive,
                InitArg::Small => DeepInit::Small,
            },
            batchnorm: !args.no_batchnorm,
            ..DeepConfig::LECTURE
        };
        let corpus = super::bigram::load_corpus(args.data.as_deref())?;
        // The pictures' files are claimed before the first step.
        let _claimed = match &args.plots {
            Some(dir) => claim_plots(dir, args.force)?,
            None => vec![],
        };
        let vocab = Vocab::from_words(&corpus.words);
        // An MLP as wide as all the hidden layers side by side bounds the
        // deep one's memory.
        let sizes = deep::deep_hyper(vocab.len());
        let bound = Hyper {
            n_hidden: sizes.n_hidden * deep_config.depth,
            ..sizes
        };
        budget::check(&Need::Words {
            kind: ModelKind::Mlp,
            hyper: bound,
            batch: config.batch_size,
            examples: super::words::examples(&corpus),
        })?;
        let mut model = Deep::new(
            vocab.len(),
            deep_config,
            &mut ChaCha8Rng::seed_from_u64(config.seed),
        )?;
        let data = Dataset::with_vocab(&corpus, vocab.clone(), model.hyper().block, config.seed)?;
        let title = format!(
            "{} init, {}",
            deep_config.init.name(),
            if deep_config.batchnorm {
                "BatchNorm"
            } else {
                "no BatchNorm"
            }
        );
        say!(
            "model: deep MLP, {} hidden layers of {} ({title}), {} parameters, backward passes from {}/",
            deep_config.depth,
            model.hyper().n_hidden,
            model.num_params(),
            B::NAME
        );
        let mut at: Vec<usize> = std::iter::once(1)
            .chain((every..=config.steps).step_by(every))
            .chain(std::iter::once(config.steps))
            .filter(|&s| s >= 1 && s <= config.steps)
            .collect();
        at.dedup();
        let started = std::time::Instant::now();
        let d = backprop_ninja::train::diagnose::diagnose::<B>(
            &mut model,
            &data.train,
            &config,
            &at,
            args.plots.is_some(),
            |s| {
                output::write(format_args!(
                    "{}",
                    backprop_ninja::train::diagnose::report(s)
                ))
            },
        )?;
        let blocks = diagnostics::log10_loss_blocks(&d.losses, 1000);
        say!(
            "trained {} steps in {:.1} s; log10 loss per 1,000 steps: {}",
            config.steps,
            started.elapsed().as_secs_f64(),
            blocks
                .iter()
                .map(|l| format!("{l:.3}"))
                .collect::<Vec<_>>()
                .join(" ")
        );
        output::print_losses(&model, &data)?;
        if let Some(dir) = &args.plots {
            write_plots(dir, &d, &title)?;
        }
        say!("(the deep model is for diagnostics: not saved)");
        Ok(())
    }
}

/// Creates `dir` if needed, and claims each picture's file in it.
#[cfg(feature = "plots")]
fn claim_plots(dir: &Path, force: bool) -> Result<Vec<Output>> {
    std::fs::create_dir_all(dir).map_err(|source| Error::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    let claim = Claim {
        option: "--plots",
        ours: Ours::Picture,
        force,
    };
    let mut claimed = vec![];
    for name in backprop_ninja::train::plots::NAMES {
        for ext in ["png", "svg"] {
            let file = dir.join(format!("{name}.{ext}"));
            claimed.push(Output::claim(&file, &[], claim)?);
        }
    }
    Ok(claimed)
}

#[cfg(not(feature = "plots"))]
fn claim_plots(_dir: &Path, _force: bool) -> Result<Vec<()>> {
    Ok(vec![])
}

#[cfg(feature = "plots")]
fn write_plots(
    dir: &Path,
    d: &backprop_ninja::train::diagnose::Diagnosis,
    title: &str,
) -> Result<()> {
    for file in backprop_ninja::train::plots::write_all(dir, d, title)? {
        say!("wrote {}", file.display());
    }
    Ok(())
}

#[cfg(not(feature = "plots"))]
fn write_plots(
    _dir: &Path,
    _d: &backprop_ninja::train::diagnose::Diagnosis,
    _title: &str,
) -> Result<()> {
    Err(Error::Config(
        "--plots needs a build with --features plots".into(),
    ))
}
