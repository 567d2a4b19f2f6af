//! # `cargo run -- watch`: re-grade on every save
//!
//! The learner's loop in one command, as rustlings does it: the grade runs
//! when the watch starts and again each time a file in `exercises/` is saved
//! (changes within [`DEBOUNCE`] count as one). The screen is cleared and
//! shows the grade report (where you are in each chapter, the next exercise
//! with its file, line and hint, each failure with its hint under its row)
//! and, for an exercise that has just turned right, its derivation from the
//! solution's doc comments. Code that does not compile shows the compiler's
//! first error in your file, with a note for the usual errors of generic
//! code, above the last grades, which stay on screen. Ctrl-C ends it.
//!
//! The grade is `cargo test --test grade exercises` run as a child process
//! (so an exercise that does not compile cannot stop the watch); the loop
//! takes the grading as a function, which is how it is tested.

use std::collections::BTreeSet;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::time::Duration;

use crate::error::{Error, Result};
use crate::grade::progress as report;
use crate::registry::Exercise;

/// Saves closer together than this are graded once.
pub const DEBOUNCE: Duration = Duration::from_millis(300);

/// Clears the terminal and puts the cursor home.
pub const CLEAR: &str = "\x1b[2J\x1b[H";

/// What the watch reacts to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// A file in `exercises/` was saved.
    Changed(PathBuf),
    /// Ctrl-C: end cleanly.
    Stop,
}

/// One run of the grade.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The report the grader printed.
    Graded(String),
    /// The code did not compile: the compiler's output.
    CompileError(String),
}

/// What the screen remembers between gradings.
#[derive(Clone, Debug, Default)]
pub struct Screen {
    /// The last report, kept on screen under a compile error.
    pub last_report: Option<String>,
    /// The exercises right at the last grade.
    pub solved: BTreeSet<String>,
}

/// The ids a report marks right (`  layers::tanh: right; …`).
pub fn solved_in(report: &str) -> BTreeSet<String> {
    report
        .lines()
        .filter_map(|l| {
            l.trim_start()
                .split_once(": right;")
                .map(|(id, _)| id.to_string())
        })
        .collect()
}

impl Screen {
    /// The screen for `outcome`, clear included.
    pub fn render(&mut self, outcome: &Outcome) -> String {
        let mut out = String::from(CLEAR);
        out.push_str(
            "backprop-ninja watch: save a file in exercises/ to grade again; Ctrl-C to quit\n\n",
        );
        match outcome {
            Outcome::Graded(report) => {
                out.push_str(report);
                let solved = solved_in(report);
                let new: Vec<&String> = solved.difference(&self.solved).collect();
                // The first grade only sets the baseline: no derivations for old work.
                if self.last_report.is_some() {
                    for id in new {
                        if let Some(e) = Exercise::all().into_iter().find(|e| e.id() == id)
                            && let Some(text) = report::derivation(e)
                        {
                            out.push_str(&format!(
                                "\n── {id} is right! The derivation, from {} ──\n{text}\n",
                                report::solution_file(e)
                            ));
                        }
                    }
                }
                self.solved = solved;
                self.last_report = Some(report.clone());
            }
            Outcome::CompileError(output) => {
                out.push_str(&first_error(output));
                if let Some(last) = &self.last_report {
                    out.push_str("\n── the last grades ──\n");
                    out.push_str(last);
                }
            }
        }
        out
    }
}

/// The compiler's first error (in `exercises/` if one is there), with a note
/// for the usual errors of generic code.
pub fn first_error(output: &str) -> String {
    let blocks: Vec<String> = {
        let mut blocks = vec![];
        let mut current: Option<String> = None;
        for line in output.lines() {
            if line.starts_with("error") || line.starts_with("warning") {
                if let Some(b) = current.take() {
                    blocks.push(b);
                }
                if line.starts_with("error") && !line.starts_with("error: could not compile") {
                    current = Some(String::new());
                }
            }
            if let Some(b) = &mut current {
                b.push_str(line);
                b.push('\n');
            }
        }
        blocks.extend(current);
        blocks
    };
    let Some(block) = blocks
        .iter()
        .find(|b| b.contains("exercises/"))
        .or(blocks.first())
    else {
        return format!("the grade did not run:\n{output}\n");
    };
    // The first lines say it all: what, where, the code and the caret.
    let short: Vec<&str> = block.lines().take(14).collect();
    let mut out = format!("your code does not compile:\n\n{}\n", short.join("\n"));
    if let Some(note) = note_for(block) {
        out.push_str(&format!("\nnote: {note}\n"));
    }
    out
}

/// A short note for the errors generic code makes again and again.
pub fn note_for(error: &str) -> Option<&'static str> {
    let number_with_f = (error.contains("{float}") || error.contains("{integer}"))
        && (error.contains("type parameter `F`") || error.contains("`F`"));
    if number_with_f {
        return Some(
            "in a function generic over `F: Float`, a literal is an f64, not an F: write `F::one()` for 1, `F::lit(0.5)` for any constant, `F::count(n)` for a size (`F::one() - out * out`, not `1.0 - out * out`)",
        );
    }
    if error.contains("by `&ArrayBase<OwnedRepr")
        || error.contains("`&ArrayBase<OwnedRepr") && error.contains("ArrayRef")
    {
        return Some(
            "ndarray multiplies `&ArrayRef` by `&ArrayRef`: borrow an owned array as one with `&*a` (`&x * &*y`), or use `.view()` / `Zip`",
        );
    }
    if error.contains("RemoveAxis") {
        return Some(
            "`sum_axis` needs a known number of axes: use ArrayRef2/ArrayRef3 (or `D: RemoveAxis`)",
        );
    }
    None
}

/// Runs the grade: `cargo test --test grade exercises` in `dir`.
pub fn cargo_grade(dir: &Path) -> Outcome {
    let output = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args([
            "test",
            "--quiet",
            "--color",
            "never",
            "--test",
            "grade",
            "exercises",
        ])
        .current_dir(dir)
        .output();
    match output {
        Err(e) => Outcome::CompileError(format!("error: cannot run cargo: {e}")),
        Ok(o) => {
            let stdout = String::from_utf8_lossy(&o.stdout).into_owned();
            if stdout.contains("exercises: ") && stdout.contains(" done") {
                Outcome::Graded(stdout)
            } else {
                Outcome::CompileError(String::from_utf8_lossy(&o.stderr).into_owned())
            }
        }
    }
}

/// The loop: grade, show, wait for a save (debounced) or a stop, repeat.
/// Returns how many times it graded.
pub fn run(
    grade: &mut dyn FnMut() -> Outcome,
    events: &Receiver<Event>,
    out: &mut dyn Write,
    debounce: Duration,
) -> io::Result<usize> {
    let mut screen = Screen::default();
    let mut graded = 0;
    loop {
        let outcome = grade();
        graded += 1;
        out.write_all(screen.render(&outcome).as_bytes())?;
        out.flush()?;
        // Wait for a save...
        match events.recv() {
            Ok(Event::Changed(_)) => {}
            Ok(Event::Stop) | Err(_) => return Ok(graded),
        }
        // ...and let the burst of events of one save settle.
        loop {
            match events.recv_timeout(debounce) {
                Ok(Event::Changed(_)) => continue,
                Ok(Event::Stop) | Err(RecvTimeoutError::Disconnected) => return Ok(graded),
                Err(RecvTimeoutError::Timeout) => break,
            }
        }
    }
}

/// Sends a [`Event::Changed`] for each saved `.rs` file under `dir`.
pub fn watcher(dir: &Path, tx: Sender<Event>) -> Result<notify::RecommendedWatcher> {
    use notify::{EventKind, RecursiveMode, Watcher};
    let mut watcher = notify::recommended_watcher(move |res: notify::Result<notify::Event>| {
        if let Ok(event) = res
            && matches!(event.kind, EventKind::Modify(_) | EventKind::Create(_))
        {
            for path in event.paths {
                if path.extension().is_some_and(|e| e == "rs") {
                    let _ = tx.send(Event::Changed(path));
                }
            }
        }
    })
    .map_err(|e| Error::Config(format!("cannot watch {}: {e}", dir.display())))?;
    watcher
        .watch(dir, RecursiveMode::Recursive)
        .map_err(|e| Error::Config(format!("cannot watch {}: {e}", dir.display())))?;
    Ok(watcher)
}

/// `watch` in the crate at `dir`: until Ctrl-C.
pub fn main(dir: &Path) -> Result<()> {
    let exercises = dir.join("exercises");
    if !exercises.is_dir() {
        return Err(Error::Config(format!(
            "no exercises/ in {}: run watch from the crate's folder",
            dir.display()
        )));
    }
    let (tx, rx) = channel();
    let _watcher = watcher(&exercises, tx.clone())?;
    ctrlc::set_handler(move || {
        let _ = tx.send(Event::Stop);
    })
    .map_err(|e| Error::Config(format!("cannot catch Ctrl-C: {e}")))?;
    let mut stdout = io::stdout();
    run(&mut || cargo_grade(dir), &rx, &mut stdout, DEBOUNCE)
        .map_err(|e| Error::Config(format!("cannot write the screen: {e}")))?;
    println!("\nwatch ended");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOT_YET: &str = "next: layers::tanh (exercises/tanh.rs:18)\n\nlayers: 0/1 done, next: tanh\n\nexercises: 0/1 done, 1 not attempted, 0 wrong\n";
    const RIGHT: &str = "every exercise is done\n\nlayers: 1/1 done\n  layers::tanh: right; its derivation: solutions/tanh.rs\n\nexercises: 1/1 done, 0 not attempted, 0 wrong\n";
    const BROKEN: &str = "warning: unused variable\n --> exercises/tanh.rs:3:1\n\nerror[E0277]: cannot subtract `ArrayBase<OwnedRepr<F>>` from `{float}`\n  --> exercises/tanh.rs:20:27\n   |\n20 |     let local = 1.0 - out * out;\n   |                     ^ no implementation for `{float} - F`\n   = help: consider restricting type parameter `F`\n\nerror: could not compile `backprop-ninja`\n";

    #[test]
    fn the_loop_grades_on_each_save_shows_errors_and_stops() {
        let (tx, rx) = channel();
        let mut outcomes = vec![
            Outcome::Graded(NOT_YET.into()),
            Outcome::CompileError(BROKEN.into()),
            Outcome::Graded(RIGHT.into()),
        ]
        .into_iter();
        // Three saves in a burst (one grade), one save, another, then Ctrl-C.
        for e in [
            Event::Changed("exercises/tanh.rs".into()),
            Event::Changed("exercises/tanh.rs".into()),
            Event::Changed("exercises/tanh.rs".into()),
        ] {
            tx.send(e).unwrap();
        }
        let tx2 = tx.clone();
        let feeder = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(150));
            tx2.send(Event::Changed("exercises/tanh.rs".into()))
                .unwrap();
            std::thread::sleep(Duration::from_millis(150));
            tx2.send(Event::Stop).unwrap();
        });
        let mut screen = Vec::new();
        let graded = run(
            &mut || outcomes.next().expect("graded too often"),
            &rx,
            &mut screen,
            Duration::from_millis(50),
        )
        .unwrap();
        feeder.join().unwrap();
        assert_eq!(graded, 3);
        let screen = String::from_utf8(screen).unwrap();
        let screens: Vec<&str> = screen.split(CLEAR).filter(|s| !s.is_empty()).collect();
        assert_eq!(screens.len(), 3, "{screen}");
        assert!(screens[0].contains("next: layers::tanh (exercises/tanh.rs:18)"));
        // The compile error: the first error, its note, the last grades kept.
        assert!(
            screens[1].contains("exercises/tanh.rs:20:27"),
            "{}",
            screens[1]
        );
        assert!(screens[1].contains("F::one()"), "{}", screens[1]);
        assert!(!screens[1].contains("unused variable"), "{}", screens[1]);
        assert!(screens[1].contains("the last grades") && screens[1].contains("0/1 done"));
        // Turned right: its derivation, from the solution.
        assert!(
            screens[2].contains("layers::tanh is right! The derivation"),
            "{}",
            screens[2]
        );
        assert!(screens[2].contains("1 - out²"), "{}", screens[2]);
    }

    #[test]
    fn a_closed_channel_ends_the_loop() {
        let (tx, rx) = channel::<Event>();
        drop(tx);
        let mut sink = Vec::new();
        let n = run(
            &mut || Outcome::Graded(NOT_YET.into()),
            &rx,
            &mut sink,
            DEBOUNCE,
        )
        .unwrap();
        assert_eq!(n, 1);
    }

    #[test]
    fn notes_for_generic_code() {
        assert!(note_for(BROKEN).unwrap().contains("F::lit"));
        let mul = "error[E0277]: cannot multiply `&ArrayRef<f64, Dim<[usize; 2]>>` by `&ArrayBase<OwnedRepr<f64>, Dim<[usize; 2]>, f64>`";
        assert!(note_for(mul).unwrap().contains("&*"));
        assert_eq!(note_for("error[E0425]: cannot find value `x`"), None);
    }
}
