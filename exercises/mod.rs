//! # Your backward passes
//!
//! Every file here is a stub with a `todo!()` and a one-line hint, the twin
//! of a file in `solutions/` with the same functions and signatures. Replace a
//! `todo!()` with your code and run `cargo run -- watch` (or, once,
//! `cargo test exercises`): the grader checks each of your gradients against
//! finite differences and against the reference, and prints a table. An
//! exercise still at `todo!()` is *not attempted*, never a failure.
//! `cargo run --release -- train --impl exercises` then trains the network
//! with your code alone.
//!
//! These files are a small crate of their own (`exercises/Cargo.toml`,
//! crate `exercises`) on top of the library `backprop_ninja`, which stays
//! built: a save rebuilds this crate alone. The library's modules your code
//! uses are re-exported below, so `crate::layers::…` names the library's
//! layers.
//!
//! One file that does not compile stops `cargo test exercises` for all
//! of them. `cargo run -- watch` does not stop: it shows that file's first
//! error, sets the file aside (replaced by the reference, which is never
//! graded as yours) and grades every other exercise; the set-aside file's
//! exercises read "does not compile". That is why each module below is
//! named twice.
//!
//! `src/registry.rs` lists every exercise in course order, with its hints.
#![allow(unused_variables)] // stubs name every input they will need

// The library's modules, as `crate::…` for the files below.
pub use backprop_ninja::{backprop, course, float, layers, solutions};

// The modules in course order; edit only the function bodies.
//
// Each is named twice, as a module and as a string: the string is for
// `watch`, which grades the other files while one does not compile, by
// building the crate with that file replaced by the reference (see
// `exercises!` at the end of this file, and `exercises/build.rs`).
exercises! {
    // Lecture "building micrograd": each operation's local backward step.
    micrograd = "micrograd";

    // Makemore part 1: the neural bigram's dW.
    bigram = "bigram";

    // Makemore parts 2-4: the MLP's layers. `cross_entropy` is exercise 2 of
    // "becoming a backprop ninja", `batchnorm` exercise 3.
    cross_entropy = "cross_entropy";
    embedding = "embedding";
    linear = "linear";
    tanh = "tanh";

    batchnorm = "batchnorm";

    // Makemore part 4, exercise 1: the forward pass undone step by step.
    step_by_step = "step_by_step";

    // Makemore part 5: the WaveNet's layers (and `backward_3d` in `linear` and
    // `batchnorm`).
    flatten_consecutive = "flatten_consecutive";
    sequential = "sequential";

    // Lecture 7, "Let's build GPT": the mathematical trick of self-attention,
    // the causal softmax, one head step by step, multi-head attention.
    attention = "attention";
    head = "head";
    softmax = "softmax";
    weighted_average = "weighted_average";

    // Lecture 7: the rest of the transformer (LayerNorm, the feed-forward's
    // ReLU and GELU, token + position embedding, the sequence cross-entropy, the
    // pre-norm block) and the AdamW update.
    adamw = "adamw";
    block = "block";
    gelu = "gelu";
    layernorm = "layernorm";
    position_embedding = "position_embedding";
    relu = "relu";
    sequence_cross_entropy = "sequence_cross_entropy";

    // "Let's build the GPT Tokenizer": byte-pair encoding, in minbpe's
    // exercise order (get_stats, merge, train, encode, decode).
    bpe = "bpe";

    // State of GPT, fine-tuning: a conversation's targets, the loss on the
    // answer alone.
    sft_targets = "sft_targets";

    // State of GPT, fine-tuning: the reward model's pairwise loss and its
    // scalar head read at the end token.
    bradley_terry = "bradley_terry";
    reward_head = "reward_head";
    // State of GPT, RLHF: the losses that push the policy toward higher
    // reward, in course order: an answer's log-probability, the policy
    // gradient with a group baseline, the KL penalty to the reference, DPO,
    // PPO's clipped surrogate.
    answer_logprob = "answer_logprob";
    policy_gradient = "policy_gradient";
    kl_penalty = "kl_penalty";
    dpo = "dpo";
    ppo_clip = "ppo_clip";
}

/// Your implementation of every backward pass, as the grader, `check` and
/// `train` see it.
#[derive(Clone, Copy, Debug, Default)]
pub struct Exercises;

backprop_ninja::implement_backprop!(Exercises, "exercises", skipped);

/// Declares each exercise module: your file, or, when `build.rs` was told
/// that it does not compile (`BACKPROP_NINJA_SKIP`, which only `watch` sets),
/// a stand-in that lends the reference's functions so that the rest of the
/// crate still builds. The grader never grades a stand-in: it reports the
/// file's exercises as "does not compile" ([`skipped()`]).
macro_rules! exercises {
    ($($module:ident = $name:literal;)*) => {
        $(
            #[cfg(not(ninja_skip = $name))]
            pub mod $module;
            /// Replaced by the reference: your file does not compile.
            #[cfg(ninja_skip = $name)]
            pub mod $module {
                pub use crate::solutions::$module::*;
            }
        )*

        /// Every exercise module (its file is `exercises/<module>.rs`), and
        /// whether this build replaced it by the reference because it does
        /// not compile.
        pub const MODULES: &[(&str, bool)] = &[$(($name, cfg!(ninja_skip = $name))),*];
    };
}
// Lets the list at the top use the macro defined down here.
use exercises;

/// The modules this build replaced by the reference because they do not
/// compile (empty unless `watch` asked for it).
pub fn skipped() -> Vec<&'static str> {
    MODULES
        .iter()
        .filter(|(_, skipped)| *skipped)
        .map(|(name, _)| *name)
        .collect()
}

/// No unit tests here: the grader is `tests/grade.rs`. `cargo test NAME`
/// builds this crate's unit tests anyway; this empty runner keeps them quiet.
#[cfg(test)]
fn main() {}
