//! # `cargo run -- watch`: re-grade on every save
//!
//! The learner's loop in one command, as rustlings does it: the grade runs
//! when the watch starts and again each time a file in `exercises/` is saved
//! (changes within [`event_loop::DEBOUNCE`] count as one). The screen is
//! cleared and shows the grade on one screen that fits the terminal (each
//! chapter's count on one line, what fails with its diagnosis and
//! `file:line`, and last the `next:`/`fix:` line with its hint and the
//! command for the next hint level) and, for an exercise that has just
//! turned right, its derivation from the solution's doc comments.
//! `watch --all` shows the full report instead. Ctrl-C ends it.
//!
//! A file of `exercises/` that does not compile stops nothing else: the
//! screen shows the compiler's first error in that file (with a note for the
//! usual errors of generic code), and below it the grade of every other
//! exercise, those of the broken file marked "does not compile". For that
//! the grade runs again with the broken files replaced by the reference
//! (`BACKPROP_NINJA_SKIP`, see `build.rs` and
//! [`grading::grade_isolating`]), whose code is never graded as yours. An
//! error elsewhere (or one the retry cannot get past) shows the compiler's
//! first error above the last grades, which stay on screen.
//!
//! The grade is `cargo test -p backprop-ninja-exercises --test grade
//! exercises` run as a child process: the learner's crate
//! (`exercises/Cargo.toml`) is all a save rebuilds, and an exercise that
//! does not compile cannot stop the watch, which does not link it. The loop
//! takes the grading as a function, which is how it is tested.
//!
//! A crate of its own, `watch` (`watch/Cargo.toml`), on top of the library
//! (`backprop_ninja`): the library builds without the file watcher, which a
//! first `watch` on a clean clone compiles beside it.
//!
//! One file per part, each depending only on those above it:
//!
//! | module | what it does |
//! |---|---|
//! | [`compiler`] | reads the compiler's output: its errors, their files, the exercise modules that do not compile, the short form shown with a note |
//! | [`grading`] | runs the grade as a child `cargo test`, and again without the files that do not compile |
//! | [`screen`] | draws the report fitted to the terminal, the errors and the derivations of what just turned right, the next exercise last |
//! | [`saves`] | the file-system watcher over `exercises/`, and Ctrl-C |
//! | [`event_loop`] | grade, draw, wait for a save, again |
//! | this file | [`run`]: the parts put together for the command |

pub mod compiler;
pub mod event_loop;
pub mod grading;
pub mod saves;
pub mod screen;

use std::io::{self, Write};
use std::path::Path;
use std::sync::mpsc::channel;

use backprop_ninja::error::{Error, Result};
use event_loop::{DEBOUNCE, run_on};
use grading::{cargo_grade_first, saved_since};
use saves::{on_ctrl_c, watcher};
use screen::{CLEAR, Screen, report_size, terminal_size};

/// `watch` in the crate at `dir`: until Ctrl-C. The screen fits the
/// terminal, or shows every row of the report when `all`.
pub fn run(dir: &Path, all: bool) -> Result<()> {
    let exercises = dir.join("exercises");
    if !exercises.is_dir() {
        return Err(Error::Config(format!(
            "no exercises/ in {}: run watch from the crate's folder",
            dir.display()
        )));
    }
    let (tx, rx) = channel();
    let _watcher = watcher(&exercises, tx.clone())?;
    on_ctrl_c(tx)?;
    let mut stdout = io::stdout();
    let size = (!all).then(terminal_size);
    let report = size.map(report_size);
    let screen = Screen::new(size);
    // After a save, the saved file's verdict first, then the whole report.
    let mut since = std::time::SystemTime::now();
    let mut grade = || {
        let first = saved_since(dir, since);
        since = std::time::SystemTime::now();
        cargo_grade_first(dir, report, first.as_deref(), &mut |verdict| {
            let mut out = io::stdout();
            let _ = write!(out, "{CLEAR}{verdict}\n(grading the other exercises…)\n");
            let _ = out.flush();
        })
    };
    run_on(screen, &mut grade, &rx, &mut stdout, DEBOUNCE)
        .map_err(|e| Error::Config(format!("cannot write the screen: {e}")))?;
    println!("\nwatch ended");
    Ok(())
}

/// No unit tests here: they are in `tests/it/unit/watch`. `cargo test NAME`
/// builds this crate's unit tests anyway; this empty runner keeps them quiet.
#[cfg(test)]
fn main() {}
