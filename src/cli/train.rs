//! `train`: the command ([`Args`]: `train mlp|wavenet|gpt`, each model with
//! its own options, `train` alone the MLP's), and the one match from a kind
//! of model to its [`Recipe`] ([`with_recipe`]), which `eval` and `sample`
//! use too.
//!
//! Every model trains through the one runner, [`super::run::train`]; each
//! model's own part (settings, data, what it prints) is its recipe: the
//! MLP's and the WaveNet's in [`super::words`], the GPT's in
//! [`super::gpt`].

use backprop_ninja::models::kind::ModelKind;
use backprop_ninja::{Error, Result};

use super::gpt::GptArgs;
use super::run::{ForRecipe, Recipe, Training};
use super::words::{MlpDefaults, NetArgs, WaveNetDefaults};

/// `train`: `train mlp`, `train wavenet` or `train gpt`, each with its own
/// options; `train` alone is `train mlp`, its options given after `train`.
#[derive(clap::Args)]
#[command(
    args_conflicts_with_subcommands = true,
    subcommand_value_name = "MODEL",
    subcommand_help_heading = "Models"
)]
pub struct Args {
    #[command(subcommand)]
    pub model: Option<TrainModel>,
    /// `train` alone: the MLP's options.
    #[command(flatten)]
    pub mlp: NetArgs<MlpDefaults>,
}

/// The models `train` knows, each with its options.
#[derive(clap::Subcommand)]
pub enum TrainModel {
    /// The MLP of makemore part 4 (block 3, n_embd 10, n_hidden 200); `train`
    /// alone trains it
    Mlp(NetArgs<MlpDefaults>),
    /// The hierarchical WaveNet of makemore part 5 (block 8, n_embd 24,
    /// n_hidden 128)
    Wavenet(NetArgs<WaveNetDefaults>),
    /// Lecture 7's GPT: on running text with --text (the lecture's model, or
    /// with --arch its progression), or makemore's Transformer on names
    Gpt(Box<GptArgs>),
}

impl Args {
    /// Trains the model asked for, with the backward passes `--impl` names.
    pub fn run(self) -> Result<()> {
        fn train<R: Recipe>(args: R) -> Result<()> {
            args.common().implementation.run(Training(args))
        }
        match self.model {
            None => train(self.mlp),
            Some(TrainModel::Mlp(args)) => train(args),
            Some(TrainModel::Wavenet(args)) => train(args),
            Some(TrainModel::Gpt(args)) => train(*args),
        }
    }
}

/// Hands the recipe of `kind` to `job`: the one place a kind of model is
/// matched to its recipe.
pub fn with_recipe<J: ForRecipe<Output = Result<T>>, T>(kind: ModelKind, job: J) -> Result<T> {
    match kind {
        ModelKind::Mlp => job.run::<NetArgs<MlpDefaults>>(),
        ModelKind::WaveNet => job.run::<NetArgs<WaveNetDefaults>>(),
        ModelKind::Gpt => job.run::<GptArgs>(),
        ModelKind::Bigram | ModelKind::Deep | ModelKind::Reward => Err(Error::Config(format!(
            "a {} is not trained by `train`",
            kind.title()
        ))),
    }
}
