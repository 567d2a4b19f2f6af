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

mod common;

mod architecture;
mod bad_input;
mod bigram;
mod cli;
mod diagnostics;
mod gpt_bpe;
mod gpt_cli;
mod gpt_model;
mod integrity;
mod interrupt;
mod mirror;
mod mutants;
mod output_safety;
#[cfg(feature = "pretrained")]
mod pretrained;
mod robust;
mod screen;
mod second_oracle;
mod snapshots;
mod tokenizer;
mod tokenizer_cli;
mod training;
mod watch;
mod wavenet;
