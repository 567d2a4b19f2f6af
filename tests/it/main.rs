//! # The integration tests, in one test binary
//!
//! Each module was a test crate of its own; linked once against the crate,
//! they build in a fraction of the time. Only two tests keep a binary of
//! their own: `tests/grade.rs`, the learner's report (`cargo test --test
//! grade`, without libtest's harness), and `tests/gpt_alloc.rs`, whose
//! counting global allocator would count every other test's allocations.
//!
//! `cargo test --test it NAME` runs the tests whose path contains `NAME`,
//! for example `cargo test --test it mutants::`.
//!
//! The command's own unit tests run here too: [`cli`] is `src/cli/`, the
//! binary's module, compiled into this binary (the binary itself is built
//! without its tests), so that the command is not compiled once more for
//! them. The tests that run the command are [`cli_runs`].
//!
//! The library's unit tests are [`unit`], one file per module of `src/`,
//! through its public API: the library too is built without tests of its
//! own, and compiled once.

mod common;

/// The binary's `src/cli/`, for its unit tests (`cli::doc_commands::…`).
#[allow(dead_code, unused_imports)]
#[path = "../../src/cli/mod.rs"]
mod cli;

mod architecture;
mod bad_input;
mod bigram;
mod chat;
mod chat_cli;
#[path = "cli.rs"]
mod cli_runs;
mod diagnostics;
mod gpt_bpe;
mod gpt_cli;
mod gpt_model;
mod integrity;
mod interrupt;
mod kv_cache;
mod mirror;
mod mutants;
mod output_safety;
mod pipeline;
#[cfg(feature = "pretrained")]
mod pretrained;
mod reward_cli;
mod reward_model;
mod rl_losses;
mod rlhf_cli;
mod robust;
mod screen;
mod second_oracle;
mod snapshots;
mod tokenizer;
mod tokenizer_cli;
mod training;
mod unit;
mod watch;
mod wavenet;
