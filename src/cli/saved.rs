//! `eval` and `sample`: a saved model's losses, and names (or, from a GPT
//! trained on a text, text) drawn from it. What the file holds decides,
//! through the recipe of its kind ([`super::train::with_recipe`]): what
//! data it is evaluated on, and what it draws by the one sampler.

use std::path::PathBuf;

use backprop_ninja::corpus::codec;
use backprop_ninja::io::checkpoint::Checkpoint;
use backprop_ninja::tokenizer;
use backprop_ninja::train::SAMPLE_SEED;
use backprop_ninja::train::generate::{Request, generate_streamed};
use backprop_ninja::train::sampling::Sampling;
use backprop_ninja::{Error, Result};

use super::gpt;
use super::output::{self, say};
use super::run::{ForRecipe, Recipe, loaded};
use super::train::with_recipe;

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
    /// A GPT trained on a tokenizer's tokens: refuse to evaluate unless it
    /// was this tokenizer (a `.model` file; the checkpoint holds its own)
    #[arg(long, conflicts_with = "data")]
    pub tokenizer: Option<PathBuf>,
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
        help = format!("How many characters to generate (a GPT trained on a text; tokens, with a tokenizer) [default: {}]", gpt::CHARS))]
    pub chars: Option<usize>,
    #[arg(long, default_value_t = SAMPLE_SEED, value_parser = output::seed, allow_negative_numbers = true)]
    pub seed: u64,
    /// Every sample starts with these characters (a GPT on a text goes on
    /// from them).
    #[arg(long, default_value = "")]
    pub prefix: String,
}

/// `eval` of a checkpoint, by its kind's recipe.
struct Eval<'a> {
    args: &'a EvalArgs,
    ckpt: &'a Checkpoint,
}

impl ForRecipe for Eval<'_> {
    type Output = Result<()>;
    fn run<R: Recipe>(self) -> Result<()> {
        let args = self.args;
        R::eval(
            self.ckpt,
            &args.model,
            args.data.as_deref(),
            args.text.as_deref(),
        )
    }
}

pub fn eval(args: EvalArgs) -> Result<()> {
    let ckpt = loaded(&args.model)?;
    if let Some(file) = &args.tokenizer {
        let tokenizer = tokenizer::file::load(file)?;
        if ckpt.codec.is_none() {
            return Err(Error::Checkpoint {
                path: args.model.clone(),
                detail: format!(
                    "it was trained on characters, not with the tokenizer {}",
                    file.display()
                ),
            });
        }
        codec::check(ckpt.codec.as_ref(), &tokenizer, &args.model)?;
    }
    with_recipe(
        ckpt.model.kind(),
        Eval {
            args: &args,
            ckpt: &ckpt,
        },
    )
}

/// What `sample` draws from a checkpoint, by its kind's recipe.
struct Asked<'a> {
    args: &'a SampleArgs,
    ckpt: &'a Checkpoint,
}

impl ForRecipe for Asked<'_> {
    type Output = Result<Request>;
    fn run<R: Recipe>(self) -> Result<Request> {
        let args = self.args;
        R::request(self.ckpt, &args.model, args.count, args.chars)
    }
}

/// `sample` of a checkpoint of any kind, through the one sampler: names
/// from a word model, names or (`--chars` characters after `--prefix`) text
/// from a GPT, by the data it learned.
pub fn sample(args: SampleArgs) -> Result<()> {
    let ckpt = loaded(&args.model)?;
    let request = with_recipe(
        ckpt.model.kind(),
        Asked {
            args: &args,
            ckpt: &ckpt,
        },
    )?;
    // Each name, or each character of a text, is written (and flushed) as
    // it is drawn: a reader that stops (`| head -c 100`) stops the sampling.
    let text = matches!(request, Request::Text { .. });
    generate_streamed(
        &ckpt.model,
        &ckpt.vocab,
        ckpt.data_kind(),
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
