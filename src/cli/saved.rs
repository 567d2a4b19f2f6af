//! `eval` and `sample`: a saved model's losses, and names (or, from a GPT
//! trained on a text, text) drawn from it. What the file holds decides: an
//! MLP or a WaveNet, or a GPT (whose data and evaluation are
//! [`super::gpt`]'s).

use std::path::{Path, PathBuf};

use backprop_ninja::corpus::DataKind;
use backprop_ninja::corpus::words::Corpus;
use backprop_ninja::io::checkpoint::Checkpoint;
use backprop_ninja::models::gpt::Gpt;
use backprop_ninja::models::kind::ModelKind;
use backprop_ninja::models::model::{Model, Network, WithModel};
use backprop_ninja::train::generate::{Request, generate_streamed};
use backprop_ninja::train::sampling::Sampling;
use backprop_ninja::train::{Dataset, SAMPLE_SEED};
use backprop_ninja::{Error, Result};

use super::gpt;
use super::output::{self, say};
use super::run::{data_of_checkpoint, loaded};

#[derive(clap::Args)]
pub struct EvalArgs {
    #[arg(long, default_value = "model.safetensors")]
    pub model: PathBuf,
    /// The corpus it was trained on, if not the embedded one.
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// A GPT trained on a text: the text, if not where it was when trained.
    #[arg(long, conflicts_with = "data")]
    pub text: Option<PathBuf>,
}

#[derive(clap::Args)]
pub struct SampleArgs {
    #[arg(long, default_value = "model.safetensors")]
    pub model: PathBuf,
    /// How many names (a model trained on names).
    #[arg(long, default_value_t = 20, value_parser = output::samples, allow_negative_numbers = true)]
    pub count: usize,
    #[arg(long, value_parser = output::chars, allow_negative_numbers = true,
        conflicts_with = "count",
        help = format!("How many characters to generate (a GPT trained on a text) [default: {}]", gpt::CHARS))]
    pub chars: Option<usize>,
    #[arg(long, default_value_t = SAMPLE_SEED, value_parser = output::seed, allow_negative_numbers = true)]
    pub seed: u64,
    /// Every sample starts with these characters (a GPT on a text goes on
    /// from them).
    #[arg(long, default_value = "")]
    pub prefix: String,
}

/// The corpus given, or the embedded one; its words must all be in the
/// checkpoint's vocabulary.
fn corpus_for(ckpt: &Checkpoint, path: &Path, data: Option<&Path>) -> Result<Corpus> {
    let corpus = super::bigram::load_corpus(data)?;
    if data.is_none() && !ckpt.data.starts_with("embedded") {
        eprintln!(
            "note: {} was trained on {}; pass --data to evaluate on it",
            path.display(),
            ckpt.data
        );
    }
    let other = (ckpt.fingerprint.as_ref())
        .filter(|f| data.is_some() && !f.same_data(&corpus.fingerprint()));
    if let Some(f) = other {
        eprintln!(
            "note: {} is not the corpus {} was trained on ({f})",
            corpus.source,
            path.display()
        );
    }
    corpus.check_vocab(
        &ckpt.word_vocab(path)?,
        &format!("the checkpoint {}", path.display()),
    )?;
    Ok(corpus)
}

/// `eval` of a checkpoint of any kind.
struct Eval<'a> {
    args: &'a EvalArgs,
    ckpt: &'a Checkpoint,
}

impl WithModel for Eval<'_> {
    type Output = Result<()>;
    fn run<M: Model + Into<Network>>(self, model: M) -> Result<()> {
        let (args, ckpt) = (self.args, self.ckpt);
        if args.text.is_some() {
            return Err(Error::Config(
                "--text is for a GPT trained on a text; this model was trained on names".into(),
            ));
        }
        let path = &args.model;
        let corpus = corpus_for(ckpt, path, args.data.as_deref())?;
        let vocab = ckpt.word_vocab(path)?;
        let dataset = Dataset::with_vocab(&corpus, vocab, model.hyper().block, ckpt.config.seed)?;
        say!(
            "{}: {}, step {}, data {}",
            path.display(),
            ckpt.model.kind().name(),
            ckpt.step,
            corpus.source
        );
        output::print_losses(&model, &dataset)
    }
    fn run_gpt(self, model: Gpt<f32>) -> Result<()> {
        gpt_eval(self.args, self.ckpt, &model)
    }
}

pub fn eval(args: EvalArgs) -> Result<()> {
    let ckpt = loaded(&args.model)?;
    ckpt.model.clone().with(Eval {
        args: &args,
        ckpt: &ckpt,
    })
}

/// `sample` of a checkpoint of any kind, through the one sampler: names
/// from a word model, names or (`--chars` characters after `--prefix`) text
/// from a GPT, by the data it learned.
pub fn sample(args: SampleArgs) -> Result<()> {
    let ckpt = loaded(&args.model)?;
    let data = ckpt.data_kind();
    let request = match (ckpt.model.kind(), data) {
        (ModelKind::Gpt, DataKind::Text) => {
            let chars = args.chars.unwrap_or(gpt::CHARS);
            if chars == 0 {
                return Err(Error::Config(format!(
                    "--chars 0 generates nothing: give at least 1 (or leave it out for {})",
                    gpt::CHARS
                )));
            }
            Request::Text { chars }
        }
        (ModelKind::Gpt, DataKind::Names) if args.chars.is_some() => {
            return Err(Error::Config(format!(
                "{} was trained on names: --count says how many, not --chars",
                args.model.display()
            )));
        }
        (_, _) if args.chars.is_some() => {
            return Err(Error::Config(
                "--chars is for a GPT trained on a text; this model samples names (--count)".into(),
            ));
        }
        _ => Request::Names { count: args.count },
    };
    // Each name, or each character of a text, is written (and flushed) as
    // it is drawn: a reader that stops (`| head -c 100`) stops the sampling.
    let text = matches!(request, Request::Text { .. });
    generate_streamed(
        &ckpt.model,
        &ckpt.vocab,
        data,
        request,
        &args.prefix,
        args.seed,
        Sampling::default(),
        |piece| {
            if text {
                output::write(format_args!("{piece}"));
            } else {
                say!("{piece}");
            }
            !output::closed()
        },
    )?;
    if text && !output::closed() {
        say!("");
    }
    Ok(())
}

/// `eval` of a GPT checkpoint: its losses on the fixed evaluation batches
/// of its data, as training printed them.
fn gpt_eval(args: &EvalArgs, ckpt: &Checkpoint, model: &Gpt<f32>) -> Result<()> {
    let path = &args.model;
    let stored = ckpt.fingerprint.as_ref().ok_or_else(|| Error::Checkpoint {
        path: path.to_path_buf(),
        detail: "a GPT's checkpoint holds its data's fingerprint".into(),
    })?;
    let data = match stored.kind {
        DataKind::Text => gpt::load_text(
            args.text
                .as_deref()
                .unwrap_or_else(|| Path::new(&stored.source)),
        )
        .map_err(|e| match &args.text {
            None => data_of_checkpoint(e, path, "--text"),
            Some(_) => e,
        })?,
        DataKind::Names => gpt::load_names(
            args.data.as_deref().or_else(|| {
                (!stored.source.starts_with("embedded")).then(|| Path::new(&stored.source))
            }),
            ckpt.config.seed,
        )
        .map_err(|e| match &args.data {
            None => data_of_checkpoint(e, path, "--data"),
            Some(_) => e,
        })?,
    };
    let here = data.id();
    if (here.len, here.hash) != (stored.len, stored.hash) {
        eprintln!(
            "note: {} is not the data {} was trained on ({})",
            here.source,
            path.display(),
            stored.source
        );
    }
    data.check_vocab(&ckpt.vocab, path)?;
    let eval_batches = ckpt.eval_batches.unwrap_or(match stored.kind {
        DataKind::Text => gpt::EVAL_BATCHES_TEXT,
        DataKind::Names => gpt::EVAL_BATCHES_NAMES,
    });
    let (mut evaluator, held_out) =
        gpt::evaluator(&data, &model.config, &ckpt.config, eval_batches)?;
    let losses = evaluator.losses(model)?;
    say!(
        "{}: gpt, step {}, data {}: train loss {:.4}, {held_out} loss {:.4}",
        path.display(),
        ckpt.step,
        here.source,
        losses[0],
        losses[1]
    );
    Ok(())
}
