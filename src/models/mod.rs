//! The models of lecture 7.

pub mod gpt;
