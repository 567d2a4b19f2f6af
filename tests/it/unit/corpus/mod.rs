//! Tests of the modules of `src/corpus/`.

mod codec;
mod text;
mod words;
