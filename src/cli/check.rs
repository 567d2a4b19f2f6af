//! `check`: every backward pass graded against finite differences and the
//! reference, the lecture's cmp table, and `--export` for PyTorch.

use std::path::PathBuf;

use backprop_ninja::grade::{self, dispatch};
use backprop_ninja::io::output::{Claim, Ours, Output};
use backprop_ninja::registry::{Chapter, Exercise};
use backprop_ninja::{Backprop, Error, Result};

use super::implementation::{Impl, WithBackprop};
use super::output::say;

#[derive(clap::Args)]
pub struct Args {
    #[arg(long = "impl", value_enum, default_value_t = Impl::Solutions)]
    pub implementation: Impl,
    #[arg(long, default_value_t = grade::SEED, value_parser = super::output::seed, allow_negative_numbers = true)]
    seed: u64,
    /// Write exercise 1's parameters, batch, loss and every gradient to this
    /// safetensors file, to compare with PyTorch. An existing file is
    /// replaced only if it is an export of this crate (or with --force).
    #[arg(long)]
    export: Option<PathBuf>,
    /// Replace --export even if it is a regular file that is not an export
    /// of this crate.
    #[arg(long, requires = "export")]
    force: bool,
    /// `gpt`: grade the GPT chapter's exercises only, and `--export` a small
    /// GPT (makemore's Transformer) instead of exercise 1's network; `sft`:
    /// the same GPT on conversations (and `sft_targets`); `reward`: the
    /// reward model (and the fine-tuning chapter).
    #[arg(long, value_enum)]
    model: Option<CheckModel>,
}

/// `check --model gpt|sft|reward`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum CheckModel {
    /// Lecture 7's GPT (makemore's Transformer).
    Gpt,
    /// The reward model of State of GPT: the GPT's trunk and a scalar head.
    Reward,
    /// The GPT on a batch of conversations, its targets built by
    /// `sft_targets` (State of GPT's supervised fine-tuning).
    Sft,
}

impl WithBackprop for Args {
    fn run<B: Backprop>(self) -> Result<()> {
        let seed = self.seed;
        let gpt = self.model == Some(CheckModel::Gpt);
        let reward = self.model == Some(CheckModel::Reward);
        let sft = self.model == Some(CheckModel::Sft);
        // The export is claimed before any grading: refused now, not after.
        let _claimed = match &self.export {
            Some(path) => {
                let format = if reward {
                    backprop_ninja::io::gpt_export::REWARD_EXPORT_FORMAT
                } else if gpt || sft {
                    backprop_ninja::io::gpt_export::EXPORT_FORMAT
                } else {
                    backprop_ninja::io::export::FORMAT
                };
                let claim = Claim {
                    option: "--export",
                    ours: Ours::Export(format),
                    force: self.force,
                };
                Some(Output::claim(path, &[], claim)?)
            }
            None => None,
        };
        let graded: Vec<_> = Exercise::all()
            .into_iter()
            .filter(|e| {
                (!gpt && !reward && !sft)
                    || (!reward && e.chapter() == Chapter::Gpt)
                    || (reward && e.chapter() == Chapter::Finetune)
                    || (sft && *e == Exercise::SftTargets)
            })
            .map(|e| grade::progress::Graded {
                grade: dispatch::grade_seeded::<B>(e, seed),
                stub: None,
            })
            .collect();
        if reward {
            say!(
                "backward passes of {}/ for the reward model (State of GPT), seed {seed}:",
                B::NAME
            );
        } else if gpt {
            say!(
                "backward passes of {}/ for the GPT of lecture 7, seed {seed}:",
                B::NAME
            );
        } else if sft {
            say!(
                "backward passes of {}/ for the GPT fine-tuned on conversations (State of GPT), seed {seed}:",
                B::NAME
            );
        } else {
            say!("backward passes of {}/, seed {seed}:", B::NAME);
        }
        say!(
            "{}",
            grade::progress::report(B::NAME, &graded).trim_end_matches('\n')
        );
        let grades: Vec<_> = graded.into_iter().map(|g| g.grade).collect();
        if let (true, Some(path)) = (reward, &self.export) {
            let loss = std::panic::catch_unwind(|| {
                backprop_ninja::io::gpt_export::export_reward_check::<B>(path, seed)
            })
            .map_err(|_| {
                Error::Grading(format!(
                    "cannot export {}: the reward model's backward passes are not all written (see the table)",
                    B::NAME
                ))
            })??;
            say!(
                "wrote {} (the reward model of a GPT of 2 layers, 2 heads, n_embd 8, block 6, 11 characters: parameters named as makemore's state_dict, 3 pairs as X and end, r, loss {loss:.6} and every gradient as grad.<name>, float64)",
                path.display()
            );
        } else if let (true, Some(path)) = (sft, &self.export) {
            let loss = std::panic::catch_unwind(|| {
                backprop_ninja::io::gpt_export::export_sft_check::<B>(path, seed)
            })
            .map_err(|_| {
                Error::Grading(format!(
                    "cannot export {}: the GPT's backward passes or sft_targets are not all written (see the table)",
                    B::NAME
                ))
            })??;
            say!(
                "wrote {} (a GPT of 2 layers, 2 heads, n_embd 8, block 6, 11 tokens, the last 4 a chat format's: parameters named as makemore's state_dict, X and Y of 3 conversations built by sft_targets (-1 outside the answers), loss {loss:.6} and every gradient as grad.<name>, float64)",
                path.display()
            );
        } else if let (true, Some(path)) = (gpt, &self.export) {
            let loss = std::panic::catch_unwind(|| {
                backprop_ninja::io::gpt_export::export_check::<B>(path, seed)
            })
            .map_err(|_| {
                Error::Grading(format!(
                    "cannot export {}: the GPT's backward passes are not all written (see the table)",
                    B::NAME
                ))
            })??;
            say!(
                "wrote {} (a GPT of 2 layers, 2 heads, n_embd 8, block 6, 11 characters: parameters named as makemore's state_dict, X, Y, loss {loss:.6} and every gradient as grad.<name>, float64)",
                path.display()
            );
        } else if let Some(path) = &self.export {
            let (f, _) = grade::cases::step_by_step::lecture_seeded(seed);
            let grads = std::panic::catch_unwind(|| grade::cases::step_by_step::run_chain::<B>(&f))
                .map_err(|_| {
                    Error::Grading(format!(
                        "cannot export {}: exercise 1 ({}) is not complete (see the table)",
                        B::NAME,
                        Exercise::Chain.file()
                    ))
                })?;
            backprop_ninja::io::export::export_check(path, &f, &grads)?;
            say!(
                "wrote {} (parameters, Xb, Yb, loss and the 26 gradients, float64)",
                path.display()
            );
        }
        // A backward pass still at todo!() is not attempted, not a failure.
        let wrong = grades.iter().filter(|g| !g.passed()).count();
        if wrong > 0 {
            return Err(Error::Grading(format!(
                "{wrong} of the {} backward passes of {}/ are wrong (see above)",
                grades.len(),
                B::NAME
            )));
        }
        Ok(())
    }
}
