//! Tests of the modules of `src/models/`.

mod deep;
mod diagnostics;
mod kind;
mod micrograd_nn;
mod wavenet;
