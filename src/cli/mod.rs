//! # The `backprop-ninja` command
//!
//! One file per subcommand, each with its arguments:
//!
//! | subcommand | file | what it does |
//! |---|---|---|
//! | `bigram` | [`bigram`] | makemore part 1: counting and the neural bigram |
//! | `train` | [`train`], [`gpt`] | trains the MLP, the WaveNet or the GPT, saves it, samples; `--resume` |
//! | `diagnose` | [`diagnose`] | makemore part 3: the deep tanh MLP and its statistics (not saved) |
//! | `eval`, `sample` | [`saved`] | a saved model's losses, and names drawn from it |
//! | `check` | [`check`] | grades every backward pass; `--export` for PyTorch |
//!
//! [`output`] holds what they share: printing that survives a closed pipe,
//! the loss line, the numeric option parsers. `--impl` is dispatched once,
//! by [`Impl::run`]; [`ready`] refuses to train with backward passes still
//! at `todo!()`.
//!
//! Every failure ends with one line `error: …` on stderr and a non-zero
//! exit; a closed stdout (`… | head`) ends printing, not the work.

pub mod bigram;
pub mod check;
pub mod diagnose;
pub mod gpt;
pub mod output;
pub mod saved;
pub mod train;

use std::process::ExitCode;

use backprop_ninja::grade::{Status, dispatch};
use backprop_ninja::registry::{self, Trains};
use backprop_ninja::{Backprop, Error, Exercises, Result, Solutions};
use clap::{Parser, Subcommand, ValueEnum};

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
    /// Train the MLP, the WaveNet or the GPT (on names, or with --text on a
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
    /// Re-grade your exercises on every save of a file in exercises/
    /// (run it in the crate's folder; Ctrl-C to quit).
    Watch,
    /// The next level of an exercise's hint: the rule, then the shapes,
    /// then the expression in words (e.g. `hint layers::tanh`, `hint dcounts`).
    Hint { exercise: String },
}

/// Whose backward passes to run: `--impl`.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Impl {
    /// The reference backward passes in solutions/
    Solutions,
    /// Your backward passes in exercises/
    Exercises,
}

/// A subcommand that runs with some implementation of the backward passes.
pub trait WithBackprop {
    fn run<B: Backprop>(self) -> Result<()>;
}

impl Impl {
    /// Runs `job` with this implementation: the one dispatch over `--impl`.
    pub fn run(self, job: impl WithBackprop) -> Result<()> {
        match self {
            Impl::Solutions => job.run::<Solutions>(),
            Impl::Exercises => {
                refuse_stand_ins()?;
                job.run::<Exercises>()
            }
        }
    }
}

/// Refuses to train with `B` while a backward pass the model needs is still
/// at `todo!()`, and warns of those that are wrong.
pub fn ready<B: Backprop>(what: Trains) -> Result<()> {
    let needs = registry::needed_by(what);
    let grades: Vec<_> = needs.iter().map(|&e| dispatch::grade::<B>(e)).collect();
    let todo: Vec<String> = grades
        .iter()
        .filter(|g| g.status == Status::NotAttempted)
        .map(|g| format!("{} ({})", g.exercise.id(), g.exercise.file()))
        .collect();
    if !todo.is_empty() {
        return Err(Error::Grading(format!(
            "--impl {} needs these backward passes, still at todo!(): {}",
            B::NAME,
            todo.join(", ")
        )));
    }
    for g in &grades {
        if let Status::Wrong(message) = &g.status {
            eprintln!(
                "warning: {} is wrong, training with it anyway: {}",
                g.exercise.id(),
                message.lines().next().unwrap_or("")
            );
        }
    }
    Ok(())
}

/// Parses the command line, runs it, and turns the result into an exit code
/// and at most one line `error: …`.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Bigram(args) => args.implementation.run(args),
        Command::Train(args) => args.implementation.run(*args),
        Command::Diagnose(args) => args.implementation.run(args),
        Command::Check(args) => args.implementation.run(args),
        Command::Eval(args) => saved::eval(args),
        Command::Sample(args) => saved::sample(args),
        Command::Watch => backprop_ninja::watch::main(std::path::Path::new(".")),
        Command::Hint { exercise } => {
            backprop_ninja::grade::hint_levels::next(std::path::Path::new("."), &exercise)
                .map_err(Error::Config)
                .map(|text| output::say!("{text}"))
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            output::error(&e);
            ExitCode::FAILURE
        }
    }
}

/// Refuses `--impl exercises` in a build where some exercise files were
/// replaced by the reference because they do not compile
/// (`BACKPROP_NINJA_SKIP`, which `watch` sets for its grading only).
fn refuse_stand_ins() -> Result<()> {
    let skipped = backprop_ninja::exercises::skipped();
    if skipped.is_empty() {
        return Ok(());
    }
    let files: Vec<String> = skipped
        .iter()
        .map(|m| format!("exercises/{m}.rs"))
        .collect();
    Err(Error::Config(format!(
        "--impl exercises: this build replaced {} by the reference because BACKPROP_NINJA_SKIP is set; unset it (and make the file compile) to run your code",
        files.join(", ")
    )))
}
