//! # The `backprop-ninja` command
//!
//! One file per subcommand, each with its arguments:
//!
//! | subcommand | file | what it does |
//! |---|---|---|
//! | `bigram` | [`bigram`] | makemore part 1: counting and the neural bigram |
//! | `train mlp\|wavenet\|gpt` | [`train`], [`run`], [`words`], [`gpt`] | trains the MLP, the WaveNet or the GPT, saves it, samples; `--resume` |
//! | `diagnose` | [`diagnose`] | makemore part 3: the deep tanh MLP and its statistics (not saved) |
//! | `eval`, `sample` | [`saved`] | a saved model's losses, and names drawn from it |
//! | `check` | [`check`] | grades every backward pass; `--export` for PyTorch |
//! | `tokenizer train\|encode\|decode\|show` | [`tokenizer`] | the byte-level BPE tokenizer: trained, saved, used, shown |
//! | `sft`, `eval-tasks`, `chat` | [`chat`] | *State of GPT*: a names GPT fine-tuned on the instruction set, each task's accuracy, answers to prompts |
//! | `reward` | [`reward`] | *State of GPT*: the reward model, trained on preference pairs |
//! | `dpo` | [`dpo`] | *State of GPT*: the policy trained on preference pairs with DPO, against a frozen reference |
//! | `rlhf` | [`rlhf`] | *State of GPT*: the policy trained on the reward model's scores (REINFORCE, PPO), with a KL penalty |
//! | `pipeline` | [`pipeline`] | *State of GPT*'s stages one after the other, each stage's file kept, one table of what each reached |
//!
//! [`output`] holds what they share: printing that survives a closed pipe,
//! the loss line, the option parsers. `--impl` is dispatched once, by
//! [`implementation::Impl::run`]; [`implementation::ready`] refuses to
//! train with backward passes still at `todo!()`. [`run`] holds what every
//! model's `train` shares: the common options, what `--resume` checks, and
//! the one runner, [`run::train`], which every model goes through with its
//! own [`run::Recipe`]: the MLP's and the WaveNet's in [`words`], the GPT's
//! in [`gpt`]. [`train::with_recipe`] is the one match from a kind of model
//! to its recipe; `eval` and `sample` ([`saved`]) use it too.
//!
//! Each model's `train` options are its own clap struct, so clap itself
//! refuses an option that does not apply to the model, and each model's
//! `--help` shows its own defaults.
//!
//! Imports run one way, and no file imports a file that imports it back:
//! this file uses the subcommands' files; [`saved`] uses [`train`], which
//! uses the recipes, [`words`] and [`gpt`]; [`diagnose`] uses [`words`];
//! any of them may use [`bigram`]'s corpus loader, [`run`],
//! [`implementation`], [`interrupt`] and [`output`], which use none of
//! them. `cargo test --test it architecture` checks it for the whole
//! crate.
//!
//! Every failure ends with one line `error: …` on stderr and a non-zero
//! exit; a closed stdout (`… | head`) ends printing, not the work. A run
//! stopped by Ctrl-C or SIGTERM saves its last step, says how to resume it
//! and exits 130 or 143 ([`interrupt`]).

pub mod bigram;
pub mod chat;
pub mod check;
pub mod diagnose;
#[cfg(test)]
mod doc_commands;
pub mod dpo;
pub mod gpt;
pub mod implementation;
pub mod interrupt;
pub mod output;
pub mod pipeline;
pub mod reward;
pub mod rlhf;
pub mod run;
pub mod saved;
pub mod tokenizer;
pub mod train;
pub mod words;

use std::process::ExitCode;

use backprop_ninja::Error;
use clap::{Parser, Subcommand};

/// Backpropagation by hand: the makemore MLP and WaveNet with every gradient
/// derived, checked against finite differences, and trained on names.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// The bigram model of makemore part 1, two ways: counting, and a
    /// neural net trained with your dW (or the reference's); NLL and samples.
    Bigram(bigram::Args),
    /// Train the MLP (`train` alone, or `train mlp`), the WaveNet (`train
    /// wavenet`) or the GPT (`train gpt`: on names, or with --text on a
    /// text), save it, and sample.
    Train(Box<train::Args>),
    /// Train the deep tanh MLP of makemore part 3 and print (and draw) its
    /// activation, gradient and update statistics; the model is not saved.
    Diagnose(diagnose::Args),
    /// Print the train, val and test loss of a saved model.
    Eval(saved::EvalArgs),
    /// Sample words from a saved model.
    Sample(saved::SampleArgs),
    /// Check every backward pass against finite differences and the
    /// reference, and print the lecture's cmp table.
    Check(check::Args),
    /// The byte-level BPE tokenizer: `train` one on a text, `encode`,
    /// `decode`, `show` its merges (`--pretrained gpt2|gpt4` with
    /// `--features pretrained`).
    Tokenizer(tokenizer::Args),
    /// Fine-tune a names GPT (`train gpt` on names) on the instruction set
    /// in the chat format (State of GPT), printing each task's accuracy
    /// before and after.
    Sft(Box<chat::SftArgs>),
    /// Each task's accuracy on held-out prompts, of an `sft` model (or of a
    /// base, in the chat format).
    EvalTasks(chat::EvalTasksArgs),
    /// Answer a prompt with an `sft` model, or each line of stdin.
    Chat(chat::ChatArgs),
    /// Train a reward model on preference pairs (State of GPT) from an `sft`
    /// model, printing its held-out pair accuracy; `reward eval` measures
    /// it, `reward score` scores one answer.
    Reward(Box<reward::RewardArgs>),
    /// Reinforcement learning from the reward model (State of GPT): an `sft`
    /// policy trained with REINFORCE or PPO and a KL penalty to itself,
    /// evaluated on the reward model's score, the gold rule, the KL and the
    /// answers' variety.
    Rlhf(Box<rlhf::RlhfArgs>),
    /// DPO (State of GPT, preferences without RL): an `sft` policy trained
    /// on pairs of its own answers labelled by the reward model (or a pairs
    /// file), against a frozen copy of itself; evaluated as `rlhf` is.
    Dpo(Box<dpo::DpoArgs>),
    /// State of GPT's whole pipeline on the names, stage by stage (the
    /// pretraining names, a BPE tokenizer, the base GPT, SFT, the reward
    /// model, RLHF), each stage's file left in --dir, and one table of what
    /// each reached.
    Pipeline(Box<pipeline::Args>),
    /// Re-grade your exercises on every save of a file in exercises/
    /// (run it in the crate's folder; Ctrl-C to quit).
    Watch {
        /// Show every row of the report, not one screen of it.
        #[arg(long)]
        all: bool,
    },
    /// The next level of an exercise's hint: the rule, then the shapes,
    /// then the expression in words (e.g. `hint layers::tanh`, or a short
    /// name when it names one exercise: `hint dv`, `hint gelu`).
    Hint { exercise: String },
}

/// Parses the command line, runs it, and turns the result into an exit code
/// and at most one line `error: …`.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Bigram(args) => args.implementation.run(args),
        Command::Train(args) => args.run(),
        Command::Diagnose(args) => args.implementation.run(args),
        Command::Check(args) => args.implementation.run(args),
        Command::Tokenizer(args) => args.run(),
        Command::Sft(args) => args.implementation.run(*args),
        Command::EvalTasks(args) => chat::eval_tasks(args),
        Command::Chat(args) => chat::chat(args),
        Command::Reward(args) => args.run(),
        Command::Rlhf(args) => args.implementation.run(*args),
        Command::Dpo(args) => args.implementation.run(*args),
        Command::Pipeline(args) => args.run(),
        Command::Eval(args) => saved::eval(args),
        Command::Sample(args) => saved::sample(args),
        Command::Watch { all } => watch::run(std::path::Path::new("."), all),
        Command::Hint { exercise } => {
            backprop_ninja::grade::hint_levels::next(std::path::Path::new("."), &exercise)
                .map_err(Error::Config)
                .map(|text| output::say!("{text}"))
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => match interrupt::exit_status(&e) {
            Some((status, say)) => {
                if say {
                    output::error(&e);
                }
                ExitCode::from(status)
            }
            None => {
                output::error(&e);
                ExitCode::FAILURE
            }
        },
    }
}
