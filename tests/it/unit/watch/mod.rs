//! Tests of the modules of `src/watch/`.

mod compiler;
mod event_loop;
mod fixtures;
mod grading;
mod screen;
