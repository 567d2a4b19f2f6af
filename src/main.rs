//! The `backprop-ninja` command: `bigram`, `train`, `sample`, `eval` and `check`.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use backprop_ninja::corpus::words::{Corpus, Vocab};
use backprop_ninja::course::bigram::{self, Bigrams, Counting};
use backprop_ninja::grade::{self, Status};
use backprop_ninja::hyper::Hyper;
use backprop_ninja::io::checkpoint::{self, Checkpoint};
use backprop_ninja::models::deep::{Deep, DeepConfig, Init};
use backprop_ninja::models::diagnostics;
use backprop_ninja::models::mlp::Mlp;
use backprop_ninja::models::model::{Model, ModelKind, Network};
use backprop_ninja::models::wavenet::WaveNet;
use backprop_ninja::registry::{self, Exercise};
use backprop_ninja::train::bigram::NeuralConfig;
use backprop_ninja::train::{self, Dataset, Progress, TrainConfig};
use backprop_ninja::{Backprop, Error, Exercises, Result, Solutions};
use clap::{Parser, Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// Backpropagation by hand: the makemore MLP and WaveNet with every gradient
/// derived, checked against finite differences, and trained on names.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Impl {
    /// The reference backward passes in solutions/
    Solutions,
    /// Your backward passes in exercises/
    Exercises,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum ModelArg {
    /// The MLP of makemore part 4 (block 3, n_embd 10, n_hidden 200)
    Mlp,
    /// The hierarchical WaveNet of makemore part 5 (block 8, n_embd 24, n_hidden 128)
    Wavenet,
    /// The deep tanh MLP of makemore part 3 (5 hidden layers of 100), to
    /// diagnose: statistics printed, pictures with --plots, not saved
    Deep,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum InitArg {
    /// randn · (5/3) / sqrt(fan_in), the last layer × 0.1
    Lecture,
    /// randn: unit normal weights, saturated tanh units
    Naive,
    /// gain 0.5 instead of 5/3, the last layer × 0.1: shrinking activations
    Small,
}

impl ModelArg {
    fn kind(self) -> ModelKind {
        match self {
            ModelArg::Mlp => ModelKind::Mlp,
            ModelArg::Wavenet => ModelKind::WaveNet,
            ModelArg::Deep => ModelKind::Deep,
        }
    }
}

#[derive(Subcommand)]
enum Command {
    /// The bigram model of makemore part 1, two ways: counting, and a
    /// neural net trained with your dW (or the reference's); NLL and samples.
    Bigram(BigramArgs),
    /// Train the MLP or the WaveNet on a corpus of words, save it, and sample names.
    Train(TrainArgs),
    /// Print the train, val and test loss of a saved model.
    Eval {
        #[arg(long, default_value = "model.safetensors")]
        model: PathBuf,
        /// The corpus it was trained on, if not the embedded one.
        #[arg(long)]
        data: Option<PathBuf>,
    },
    /// Sample words from a saved model.
    Sample {
        #[arg(long, default_value = "model.safetensors")]
        model: PathBuf,
        #[arg(long, default_value_t = 20)]
        count: usize,
        #[arg(long, default_value_t = 2147483657)]
        seed: u64,
        /// Every sample starts with these characters.
        #[arg(long, default_value = "")]
        prefix: String,
    },
    /// Check every backward pass on one batch of the lecture's network
    /// against finite differences, and print the lecture's cmp table.
    Check {
        #[arg(long = "impl", value_enum, default_value_t = Impl::Solutions)]
        implementation: Impl,
        #[arg(long, default_value_t = grade::SEED)]
        seed: u64,
        /// Write the parameters, the batch, the loss and every gradient to
        /// this safetensors file, to compare with PyTorch.
        #[arg(long)]
        export: Option<PathBuf>,
    },
    /// Re-grade your exercises on every save of a file in exercises/
    /// (run it in the crate's folder; Ctrl-C to quit).
    Watch,
    /// The next level of an exercise's hint: the rule, then the shapes,
    /// then the expression in words (e.g. `hint layers::tanh`, `hint dcounts`).
    Hint { exercise: String },
}

#[derive(clap::Args)]
struct BigramArgs {
    /// One word per line; the embedded corpus of 30,000 names if not given.
    #[arg(long)]
    data: Option<PathBuf>,
    /// Whose dW trains the neural model.
    #[arg(long = "impl", value_enum, default_value_t = Impl::Solutions)]
    implementation: Impl,
    /// Steps of full-batch gradient descent for the neural model.
    #[arg(long, default_value_t = NeuralConfig::LECTURE.steps)]
    steps: usize,
    #[arg(long, default_value_t = NeuralConfig::LECTURE.lr)]
    lr: f64,
    /// Seeds W and the samples.
    #[arg(long, default_value_t = NeuralConfig::LECTURE.seed)]
    seed: u64,
    /// How many names to sample from each model.
    #[arg(long, default_value_t = 10)]
    samples: usize,
}

#[derive(clap::Args)]
struct TrainArgs {
    /// One word per line; the embedded corpus of 30,000 names if not given.
    #[arg(long)]
    data: Option<PathBuf>,
    /// Whose backward passes to train with.
    #[arg(long = "impl", value_enum, default_value_t = Impl::Solutions)]
    implementation: Impl,
    /// Which model [default: mlp, or the checkpoint's with --resume]
    #[arg(long, value_enum)]
    model: Option<ModelArg>,
    #[arg(long, default_value_t = TrainConfig::LECTURE.steps)]
    steps: usize,
    #[arg(long, default_value_t = TrainConfig::LECTURE.batch_size)]
    batch_size: usize,
    #[arg(long, default_value_t = TrainConfig::LECTURE.lr)]
    lr: f32,
    /// The learning rate from --lr-decay-step on.
    #[arg(long, default_value_t = TrainConfig::LECTURE.lr_decayed)]
    lr_decayed: f32,
    /// [default: 100000 (mlp), 150000 (wavenet)]
    #[arg(long)]
    lr_decay_step: Option<usize>,
    /// [default: 10 (mlp), 24 (wavenet)]
    #[arg(long)]
    n_embd: Option<usize>,
    /// [default: 200 (mlp), 128 (wavenet)]
    #[arg(long)]
    n_hidden: Option<usize>,
    /// [default: 3 (mlp), 8 (wavenet)]
    #[arg(long)]
    block_size: Option<usize>,
    #[arg(long, default_value_t = TrainConfig::LECTURE.seed)]
    seed: u64,
    /// Where to save the model (and checkpoints along the way).
    #[arg(long, default_value = "model.safetensors")]
    out: PathBuf,
    /// Print the loss and save a checkpoint every this many steps.
    #[arg(long, default_value_t = 10_000)]
    eval_every: usize,
    /// Continue training the model in this file.
    #[arg(long)]
    resume: Option<PathBuf>,
    /// How many names to sample at the end.
    #[arg(long, default_value_t = 20)]
    samples: usize,
    /// --model deep: how the weights start [default: lecture]
    #[arg(long, value_enum)]
    init: Option<InitArg>,
    /// --model deep: no BatchNorm after the hidden Linear layers (which get biases)
    #[arg(long)]
    no_batchnorm: bool,
    /// --model deep: print the statistics after step 1, every this many
    /// steps, and the last [default: --eval-every]
    #[arg(long)]
    stats_every: Option<usize>,
    /// --model deep: write the loss, activation, gradient, update:data and
    /// dlogits pictures (PNG and SVG) into this directory (needs a build
    /// with --features plots)
    #[arg(long)]
    plots: Option<PathBuf>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Bigram(args) => match args.implementation {
            Impl::Solutions => run_bigram::<Solutions>(args),
            Impl::Exercises => run_bigram::<Exercises>(args),
        },
        Command::Train(args) => match args.implementation {
            Impl::Solutions => run_train::<Solutions>(args),
            Impl::Exercises => run_train::<Exercises>(args),
        },
        Command::Eval { model, data } => run_eval(&model, data.as_deref()),
        Command::Sample {
            model,
            count,
            seed,
            prefix,
        } => run_sample(&model, count, seed, &prefix),
        Command::Check {
            implementation,
            seed,
            export,
        } => match implementation {
            Impl::Solutions => run_check::<Solutions>(seed, export.as_deref()),
            Impl::Exercises => run_check::<Exercises>(seed, export.as_deref()),
        },
        Command::Watch => backprop_ninja::watch::main(Path::new(".")),
        Command::Hint { exercise } => grade::hint_levels::next(Path::new("."), &exercise)
            .map(|text| println!("{text}"))
            .map_err(Error::Config),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn load_corpus(data: Option<&Path>) -> Result<Corpus> {
    match data {
        Some(path) => Corpus::from_file(path),
        None => Ok(Corpus::embedded()),
    }
}

/// Refuses to train with layer exercises still at `todo!()`.
fn ready<B: Backprop>(kind: ModelKind) -> Result<()> {
    let layers = registry::needed_by(kind);
    let grades: Vec<_> = layers.iter().map(|&e| registry::grade::<B>(e)).collect();
    let todo: Vec<String> = grades
        .iter()
        .filter(|g| g.status == Status::NotAttempted)
        .map(|g| format!("  {} ({})", g.exercise.id(), g.exercise.file()))
        .collect();
    if !todo.is_empty() {
        return Err(Error::Config(format!(
            "--impl {} needs every layer's backward pass; still at todo!():\n{}",
            B::NAME,
            todo.join("\n")
        )));
    }
    for g in &grades {
        if let Status::Wrong(message) = &g.status {
            eprintln!(
                "warning: {} is wrong, training with it anyway:\n  {}",
                g.exercise.id(),
                message.lines().next().unwrap_or("")
            );
        }
    }
    Ok(())
}

fn run_bigram<B: Backprop>(args: BigramArgs) -> Result<()> {
    if registry::grade::<B>(Exercise::Bigram).status == Status::NotAttempted {
        return Err(Error::Config(format!(
            "--impl {} needs the neural bigram's dW; still at todo!(): {}",
            B::NAME,
            Exercise::Bigram.file()
        )));
    }
    let corpus = load_corpus(args.data.as_deref())?;
    let data = Bigrams::from_words(&corpus.words)?;
    let cfg = NeuralConfig {
        steps: args.steps,
        lr: args.lr,
        seed: args.seed,
    };
    cfg.validate()?;
    println!(
        "data: {}, {} words, vocabulary of {} ({}), {} bigrams",
        corpus.source,
        corpus.words.len(),
        data.vocab.len(),
        data.vocab.as_string(),
        data.len()
    );
    let counting = Counting::fit(&data, 1.0)?;
    println!(
        "counting (+1 smoothing): mean NLL {:.4}",
        counting.nll(&data)?
    );
    let every = (cfg.steps / 10).max(1);
    let (w, f) = backprop_ninja::train::bigram::train::<B>(&data, &cfg, |step, f| {
        if step == 1 || step % every == 0 {
            println!(
                "neural {step:>6}/{}: loss {:.4}  (NLL {:.4})",
                cfg.steps, f.loss, f.nll
            );
        }
    })?;
    println!(
        "neural (dW from {}/, {} steps, lr {}): loss {:.4}, mean NLL {:.4}",
        B::NAME,
        cfg.steps,
        cfg.lr,
        f.loss,
        f.nll
    );
    if args.samples > 0 {
        let from_counts = bigram::sample(&counting.P, &data.vocab, args.samples, cfg.seed)?;
        let neural_p = bigram::neural_probs(&w);
        let from_net = bigram::sample(&neural_p, &data.vocab, args.samples, cfg.seed)?;
        println!("samples, same seed (counting | neural):");
        for (a, b) in from_counts.iter().zip(&from_net) {
            println!("  {a:<20} {b}");
        }
    }
    Ok(())
}

fn run_train<B: Backprop>(args: TrainArgs) -> Result<()> {
    if args.model == Some(ModelArg::Deep) && args.resume.is_some() {
        return Err(Error::Config(
            "--model deep is a diagnostic run and is never saved: it cannot --resume".into(),
        ));
    }
    let corpus = load_corpus(args.data.as_deref())?;
    let resumed = args.resume.as_deref().map(checkpoint::load).transpose()?;
    let kind = match (&resumed, args.model) {
        (Some(ckpt), Some(asked)) if ckpt.model.kind() != asked.kind() => {
            return Err(Error::Config(format!(
                "--model {} but {} holds a {}",
                asked.kind().name(),
                args.resume.as_ref().expect("resumed").display(),
                ckpt.model.kind().name()
            )));
        }
        (Some(ckpt), _) => ckpt.model.kind(),
        (None, asked) => asked.map_or(ModelKind::Mlp, ModelArg::kind),
    };
    if B::NAME == "exercises" {
        ready::<B>(kind)?;
    }
    if kind == ModelKind::Deep {
        return run_deep::<B>(&args, &corpus);
    }
    for (given, flag) in [
        (args.init.is_some(), "--init"),
        (args.no_batchnorm, "--no-batchnorm"),
        (args.stats_every.is_some(), "--stats-every"),
        (args.plots.is_some(), "--plots"),
    ] {
        if given {
            return Err(Error::Config(format!(
                "{flag} is for the diagnostic model: add --model deep"
            )));
        }
    }
    let lecture = TrainConfig::lecture(kind);
    let mut config = TrainConfig {
        steps: args.steps,
        batch_size: args.batch_size,
        lr: args.lr,
        lr_decayed: args.lr_decayed,
        lr_decay_step: args.lr_decay_step.unwrap_or(lecture.lr_decay_step),
        seed: args.seed,
    };
    config.validate()?;
    let (network, vocab, start) = match resumed {
        Some(ckpt) => {
            config.seed = ckpt.config.seed;
            println!(
                "resuming {} at step {} (seed {})",
                args.resume.as_ref().expect("resumed").display(),
                ckpt.step,
                config.seed
            );
            (ckpt.model, ckpt.vocab, ckpt.step)
        }
        None => {
            let vocab = Vocab::from_words(&corpus.words);
            let lecture = train::hyper_for(kind, vocab.len());
            let hyper = Hyper {
                vocab: vocab.len(),
                block: args.block_size.unwrap_or(lecture.block),
                n_embd: args.n_embd.unwrap_or(lecture.n_embd),
                n_hidden: args.n_hidden.unwrap_or(lecture.n_hidden),
            };
            let rng = &mut ChaCha8Rng::seed_from_u64(config.seed);
            let network = match kind {
                ModelKind::Mlp => Network::Mlp(Mlp::lecture_init(hyper, rng)?),
                ModelKind::WaveNet => Network::WaveNet(WaveNet::lecture_init(hyper, rng)?),
                ModelKind::Deep => unreachable!("run_deep trains the deep MLP"),
            };
            (network, vocab, 0)
        }
    };
    let run = Run {
        args: &args,
        corpus: &corpus,
        vocab,
        config,
        start,
    };
    match network {
        Network::Mlp(m) => run.train::<B, _>(m),
        Network::WaveNet(w) => run.train::<B, _>(w),
    }
}

/// A training run, once its model is chosen.
struct Run<'a> {
    args: &'a TrainArgs,
    corpus: &'a Corpus,
    vocab: Vocab,
    config: TrainConfig,
    start: usize,
}

impl Run<'_> {
    fn train<B: Backprop, M: Model + Into<Network>>(self, mut model: M) -> Result<()> {
        let Run {
            args,
            corpus,
            vocab,
            config,
            start,
        } = self;
        let data = Dataset::with_vocab(corpus, vocab.clone(), model.hyper().block, config.seed)?;
        println!(
            "data: {}, {} words, vocabulary of {} ({}), {}/{}/{} train/val/test examples",
            corpus.source,
            corpus.words.len(),
            vocab.len(),
            vocab.as_string(),
            data.train.len(),
            data.val.len(),
            data.test.len()
        );
        let h = model.hyper();
        println!(
            "model: {} with {} parameters (block {}, n_embd {}, n_hidden {}), backward passes from {}/",
            match M::KIND {
                ModelKind::Mlp => "MLP",
                ModelKind::WaveNet => "WaveNet",
                ModelKind::Deep => unreachable!("run_deep trains the deep MLP"),
            },
            model.num_params(),
            h.block,
            h.n_embd,
            h.n_hidden,
            B::NAME
        );
        let make_ckpt = |model: &M, step: usize| Checkpoint {
            model: model.clone().into(),
            vocab: vocab.clone(),
            step,
            config,
            data: corpus.source.clone(),
        };
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::new(config.steps as u64).with_position(start as u64);
            bar.set_style(
                ProgressStyle::with_template("{bar:30} {pos:>7}/{len:7}  {msg}  eta {eta}")
                    .expect("a valid template"),
            );
            bar
        });
        let every = args.eval_every.max(1);
        let on_step = |p: Progress| {
            if let Some(bar) = &bar {
                if p.step % 100 == 0 || p.step == p.steps {
                    bar.set_position(p.step as u64);
                    bar.set_message(format!(
                        "loss {:.4}  {:>6.0} steps/s",
                        p.loss,
                        bar.per_sec()
                    ));
                }
                if p.step % every == 0 {
                    bar.println(format!(
                        "{:7}/{:7}: {:.4}  (lr {})",
                        p.step, p.steps, p.loss, p.lr
                    ));
                }
            } else if p.step % every == 0 || p.step == start + 1 {
                println!("{:7}/{:7}: {:.4}  (lr {})", p.step, p.steps, p.loss, p.lr);
            }
        };
        let save_checkpoint =
            |model: &M, step: usize| checkpoint::save(&args.out, &make_ckpt(model, step));
        let seconds = train::train::<B, M>(
            &mut model,
            &data.train,
            &config,
            start,
            every,
            on_step,
            save_checkpoint,
        )?;
        if let Some(bar) = &bar {
            bar.finish_and_clear();
        }
        let trained = config.steps.saturating_sub(start);
        if trained > 0 {
            println!(
                "trained {trained} steps in {seconds:.1} s ({:.1} µs/step)",
                seconds * 1e6 / trained as f64
            );
        }
        model.finish_training(&data.train.x)?;
        print_losses(&model, &data)?;
        checkpoint::save(&args.out, &make_ckpt(&model, config.steps.max(start)))?;
        println!("saved {}", args.out.display());
        if args.samples > 0 {
            println!("samples:");
            for word in train::sample(&model, &vocab, args.samples, "", config.seed)? {
                println!("  {word}");
            }
        }
        Ok(())
    }
}

/// `train --model deep`: the deep MLP of makemore part 3, trained with the
/// trainer's step while its statistics are printed, and its pictures drawn.
fn run_deep<B: Backprop>(args: &TrainArgs, corpus: &Corpus) -> Result<()> {
    for (given, flag) in [
        (args.n_embd.is_some(), "--n-embd"),
        (args.n_hidden.is_some(), "--n-hidden"),
        (args.block_size.is_some(), "--block-size"),
    ] {
        if given {
            return Err(Error::Config(format!(
                "{flag}: --model deep has the lecture's sizes (block 3, n_embd 10, n_hidden 100)"
            )));
        }
    }
    if args.plots.is_some() && !cfg!(feature = "plots") {
        return Err(Error::Config(
            "--plots needs the pictures, which are behind a cargo feature: rebuild with --features plots (cargo run --release --features plots -- train --model deep --plots DIR)".into(),
        ));
    }
    let config = TrainConfig {
        steps: args.steps,
        batch_size: args.batch_size,
        lr: args.lr,
        lr_decayed: args.lr_decayed,
        lr_decay_step: args
            .lr_decay_step
            .unwrap_or(TrainConfig::lecture(ModelKind::Deep).lr_decay_step),
        seed: args.seed,
    };
    config.validate()?;
    let deep_config = DeepConfig {
        init: match args.init.unwrap_or(InitArg::Lecture) {
            InitArg::Lecture => Init::Lecture,
            InitArg::Naive => Init::Naive,
            InitArg::Small => Init::Small,
        },
        batchnorm: !args.no_batchnorm,
        ..DeepConfig::LECTURE
    };
    let vocab = Vocab::from_words(&corpus.words);
    let mut model = Deep::new(
        vocab.len(),
        deep_config,
        &mut ChaCha8Rng::seed_from_u64(config.seed),
    )?;
    let data = Dataset::with_vocab(corpus, vocab.clone(), model.hyper().block, config.seed)?;
    let title = format!(
        "{} init, {}",
        deep_config.init.name(),
        if deep_config.batchnorm {
            "BatchNorm"
        } else {
            "no BatchNorm"
        }
    );
    println!(
        "model: deep MLP, {} hidden layers of {} ({title}), {} parameters, backward passes from {}/",
        deep_config.depth,
        model.hyper().n_hidden,
        model.num_params(),
        B::NAME
    );
    let every = args.stats_every.unwrap_or(args.eval_every).max(1);
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
        |s| print!("{}", backprop_ninja::train::diagnose::report(s)),
    )?;
    let blocks = diagnostics::log10_loss_blocks(&d.losses, 1000);
    println!(
        "trained {} steps in {:.1} s; log10 loss per 1,000 steps: {}",
        config.steps,
        started.elapsed().as_secs_f64(),
        blocks
            .iter()
            .map(|l| format!("{l:.3}"))
            .collect::<Vec<_>>()
            .join(" ")
    );
    print_losses(&model, &data)?;
    if let Some(dir) = &args.plots {
        write_plots(dir, &d, &title)?;
    }
    println!("(the deep model is for diagnostics: not saved)");
    Ok(())
}

#[cfg(feature = "plots")]
fn write_plots(
    dir: &Path,
    d: &backprop_ninja::train::diagnose::Diagnosis,
    title: &str,
) -> Result<()> {
    for file in backprop_ninja::train::plots::write_all(dir, d, title)? {
        println!("wrote {}", file.display());
    }
    Ok(())
}

#[cfg(not(feature = "plots"))]
fn write_plots(
    _dir: &Path,
    _d: &backprop_ninja::train::diagnose::Diagnosis,
    _title: &str,
) -> Result<()> {
    unreachable!("run_deep refuses --plots without the feature")
}

fn print_losses(model: &impl Model, data: &Dataset) -> Result<()> {
    println!(
        "loss ({}): train {:.4}  val {:.4}  test {:.4}",
        model.eval_statistics(),
        model.loss(&data.train.x, &data.train.y)?,
        model.loss(&data.val.x, &data.val.y)?,
        model.loss(&data.test.x, &data.test.y)?
    );
    Ok(())
}

fn run_eval(path: &Path, data: Option<&Path>) -> Result<()> {
    let ckpt = checkpoint::load(path)?;
    let corpus = load_corpus(data)?;
    if data.is_none() && !ckpt.data.starts_with("embedded") {
        eprintln!(
            "note: {} was trained on {}; pass --data to evaluate on it",
            path.display(),
            ckpt.data
        );
    }
    let dataset = Dataset::with_vocab(
        &corpus,
        ckpt.vocab.clone(),
        ckpt.model.hyper().block,
        ckpt.config.seed,
    )?;
    println!(
        "{}: {}, step {}, data {}",
        path.display(),
        ckpt.model.kind().name(),
        ckpt.step,
        corpus.source
    );
    match &ckpt.model {
        Network::Mlp(m) => print_losses(m, &dataset),
        Network::WaveNet(w) => print_losses(w, &dataset),
    }
}

fn run_sample(path: &Path, count: usize, seed: u64, prefix: &str) -> Result<()> {
    let ckpt = checkpoint::load(path)?;
    let words = match &ckpt.model {
        Network::Mlp(m) => train::sample(m, &ckpt.vocab, count, prefix, seed)?,
        Network::WaveNet(w) => train::sample(w, &ckpt.vocab, count, prefix, seed)?,
    };
    for word in words {
        println!("{word}");
    }
    Ok(())
}

fn run_check<B: Backprop>(seed: u64, export: Option<&Path>) -> Result<()> {
    let grades: Vec<_> = Exercise::all()
        .into_iter()
        .map(|e| grade::progress::Graded {
            grade: registry::grade_seeded::<B>(e, seed),
            stub: None,
        })
        .collect();
    println!(
        "every backward pass of {}/ against finite differences and the reference, inputs seeded {seed}:\n",
        B::NAME
    );
    print!("{}", grade::progress::report(B::NAME, &grades));
    let grades: Vec<_> = grades.into_iter().map(|g| g.grade).collect();
    if let Some(path) = export {
        let (f, _) = grade::cases::step_by_step::lecture_seeded(seed);
        let grads = std::panic::catch_unwind(|| grade::cases::step_by_step::run_chain::<B>(&f))
            .map_err(|_| {
                Error::Config(format!(
                    "cannot export {}: exercise 1 is not complete (see the table)",
                    B::NAME
                ))
            })?;
        backprop_ninja::io::export::export_check(path, &f, &grads)?;
        println!(
            "wrote {} (parameters, Xb, Yb, loss and the 26 gradients, float64)",
            path.display()
        );
    }
    if grades.iter().any(|g| !g.passed()) {
        // The report said what is wrong, and its last line counts it.
        std::process::exit(1);
    }
    Ok(())
}
