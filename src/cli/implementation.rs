//! `--impl`: whose backward passes a subcommand runs with, dispatched once
//! by [`Impl::run`]; [`ready`] refuses to train with backward passes still
//! at `todo!()`.
//!
//! The learner's backward passes are a crate of their own
//! (`exercises/Cargo.toml`), which this command does not link: so that it
//! builds, and `hint` or `watch` run, while an exercise does not compile.
//! `--impl exercises` hands the whole command line over to the same command
//! built with them (`backprop-ninja-exercises`, under `cfg(learner)`),
//! through `cargo run`, in the same profile.

use backprop_ninja::grade::{Status, dispatch};
use backprop_ninja::models::kind::ModelKind;
use backprop_ninja::registry;
use backprop_ninja::{Backprop, Error, Result, Solutions};
use clap::ValueEnum;

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
            #[cfg(learner)]
            Impl::Exercises => {
                refuse_stand_ins()?;
                job.run::<exercises::Exercises>()
            }
            #[cfg(not(learner))]
            Impl::Exercises => {
                let _ = job;
                hand_over()
            }
        }
    }
}

/// Runs this very command line again as `backprop-ninja-exercises`, the
/// command built with the learner's crate, and ends with its exit status.
#[cfg(not(learner))]
fn hand_over() -> Result<()> {
    let manifest = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("exercises/Cargo.toml");
    let mut command =
        std::process::Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    command.args(["run", "--quiet", "--features", "command"]);
    if cfg!(feature = "plots") {
        command.args(["--features", "plots"]);
    }
    if cfg!(feature = "pretrained") {
        command.args(["--features", "pretrained"]);
    }
    if !cfg!(debug_assertions) {
        command.arg("--release");
    }
    command
        .arg("--manifest-path")
        .arg(&manifest)
        .arg("--")
        .args(std::env::args_os().skip(1));
    let status = command.status().map_err(|e| {
        Error::Config(format!(
            "--impl exercises: cannot run cargo for {}: {e}",
            manifest.display()
        ))
    })?;
    std::process::exit(status.code().unwrap_or(1))
}

/// Refuses to train with `B` while a backward pass the model needs is still
/// at `todo!()`, and warns of those that are wrong.
pub fn ready<B: Backprop>(what: ModelKind) -> Result<()> {
    ready_for::<B>(&registry::needed_by(what))
}

/// Refuses to run `B`'s `needs` while one is still at `todo!()`, and warns
/// of those that are wrong.
pub fn ready_for<B: Backprop>(needs: &[registry::Exercise]) -> Result<()> {
    let grades: Vec<_> = needs.iter().map(|&e| dispatch::grade::<B>(e)).collect();
    let todo: Vec<String> = grades
        .iter()
        .filter(|g| g.status == Status::NotAttempted)
        .map(|g| format!("{} ({})", g.exercise.id(), g.exercise.file()))
        .collect();
    if !todo.is_empty() {
        return Err(Error::Grading(format!(
            "--impl {} needs these exercises, still at todo!(): {}",
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

/// Refuses `--impl exercises` in a build where some exercise files were
/// replaced by the reference because they do not compile
/// (`BACKPROP_NINJA_SKIP`, which `watch` sets for its grading only).
#[cfg(learner)]
fn refuse_stand_ins() -> Result<()> {
    let skipped = exercises::skipped();
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
