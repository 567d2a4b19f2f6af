//! # The layers: forward passes (given code)
//!
//! Each file is one layer's forward pass, generic over [`crate::Float`]
//! (`f64` for the oracle, `f32` for training). Its backward pass is the file
//! of the same name in `exercises/` (yours) and `solutions/` (the reference).
//! Nothing here calls a backward pass: the layers sit below
//! [`crate::backprop`], the models above it.
//!
//! Makemore parts 2-5: `linear`, `embedding`, `tanh`, `batchnorm`,
//! `cross_entropy`, `flatten_consecutive`, `sequential`, `rows`. Lecture 7,
//! "Let's build GPT": `weighted_average`, `softmax`, `head`, `attention`,
//! `layernorm`, `relu`, `gelu`, `position_embedding`,
//! `sequence_cross_entropy`, `block`, `adamw`. *State of GPT*'s
//! fine-tuning: `sft_targets` (a conversation's row, its targets masked to
//! the answer), and the reward model's `bradley_terry` and `reward_head`.
//! State of GPT, RLHF: `answer_logprob`, `policy_gradient`, `kl_penalty`,
//! `dpo`, `ppo_clip`.

pub mod batchnorm;
pub mod cross_entropy;
pub mod embedding;
pub mod flatten_consecutive;
pub mod linear;
pub mod params;
pub mod rows;
pub mod sequential;
pub mod tanh;

pub mod adamw;
pub mod attention;
pub mod block;
pub mod gelu;
pub mod head;
pub mod layernorm;
pub mod position_embedding;
pub mod relu;
pub mod sequence_cross_entropy;
pub mod softmax;
pub mod weighted_average;

pub mod answer_logprob;
pub mod bradley_terry;
pub mod dpo;
pub mod kl_penalty;
pub mod policy_gradient;
pub mod ppo_clip;
pub mod reward_head;
pub mod sft_targets;
