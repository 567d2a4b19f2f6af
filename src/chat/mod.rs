//! # Chat: from a base model to an assistant (*State of GPT*, fine-tuning)
//!
//! After pretraining, *State of GPT* turns the base model into an
//! assistant by supervised fine-tuning (SFT) on prompt/answer pairs, the
//! loss counted on the answer alone. This module holds the data of that
//! step, built from the names corpus with a seed, with nothing to
//! download:
//!
//! | file | what it holds |
//! |---|---|
//! | [`mod@format`] | the chat format: four special tokens after the vocabulary, a conversation rendered to ids and the mask of the answer |
//! | [`tasks`] | the instruction set: four tasks on names, each with its prompts, reference answers and checker, and the held-out names of the evaluation |
//! | [`pairs`] | preference pairs for a reward model: two valid answers, the one a stated gold rule prefers chosen |
//! | [`rows`] | conversations as the trainer's rows, their targets built by `sft_targets` |
//! | [`extend`] | a base GPT grown to the chat's vocabulary and block |
//! | [`eval`] | greedy answers, and each task's accuracy |

pub mod eval;
pub mod extend;
pub mod format;
pub mod pairs;
pub mod rows;
pub mod tasks;
