//! Tests of the modules of `src/course/`.

mod bigram;
mod micrograd;
