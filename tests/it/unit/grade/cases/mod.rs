//! Tests of the modules of `src/grade/cases/`.

mod gpt;
