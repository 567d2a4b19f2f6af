//! # The grader: `cargo test --test grade`
//!
//! A test of the learner's crate (`exercises/Cargo.toml`): it links the
//! library, built once, and the learner's small crate, rebuilt on a save.
//!
//! Grades your exercises and prints the report, and nothing else: each
//! chapter's count, the rows of what you attempted with each failure's
//! details under its row, the summary, and last where to go next (the
//! exercise, its `file:line`, its hint and the command for more). With
//! `BACKPROP_NINJA_SCREEN=40x80` (which `watch` sets) it prints the report
//! on one screen of that size instead (`backprop_ninja::grade::compact`). It also
//! grades the reference (`solutions/`), which must be right everywhere, and
//! says so only when it is not.
//!
//! For you, an exercise still at `todo!()` is *not attempted* and passes; a
//! wrong one fails the run.
//!
//! One file of `exercises/` that does not compile stops this whole grade
//! (they are one crate): `cargo run -- watch` then grades the rest, setting the
//! broken file aside (`BACKPROP_NINJA_SKIP`, see `build.rs`), and shows its
//! exercises as "does not compile".
//!
//! `cargo test solutions` (or `cargo test --test grade solutions`) prints
//! the reference's report; `cargo test exercises` yours: the other test
//! binaries select nothing by those names, so the report is all they show.
//! `-- --ignored` adds the maintainers' check that the shipped exercises
//! are still stubs. `watch` sets `BACKPROP_NINJA_FIRST` to the module just
//! saved: its exercises are graded first and their verdict printed at once,
//! before the report.

use std::path::Path;
use std::process::ExitCode;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

// `watch` sets FIRST_VAR to the module just saved (`tanh`): its exercises
// are graded first, and their verdict printed before the report, up to the
// line FIRST_END.
use backprop_ninja::grade::compact::{FIRST_END, FIRST_VAR};
use backprop_ninja::grade::progress::{self as report, Graded, grade_one};
use backprop_ninja::grade::{Status, compact, dispatch, hint_levels};
use backprop_ninja::registry::Exercise;
use backprop_ninja::{Backprop, Solutions};
use exercises::Exercises;

/// An exercise's verdict on one line: `layers::tanh: right`.
fn verdict(g: &Graded) -> String {
    let what = match &g.grade.status {
        Status::Correct => "right".to_string(),
        Status::NotAttempted => "not attempted (todo!())".to_string(),
        Status::DoesNotCompile => "does not compile".to_string(),
        Status::Blocked(why) => format!("waits: {}", why.lines().next().unwrap_or("")),
        Status::Wrong(why) => format!("WRONG: {}", why.lines().next().unwrap_or("")),
    };
    format!("{}: {what}", g.grade.exercise.id())
}

/// Grades the exercises of the module `first` (`tanh`), prints their
/// verdict and [`FIRST_END`], and returns them by course index.
fn grade_first<B: Backprop>(first: &str) -> Vec<(usize, Graded)> {
    let file = format!("exercises/{first}.rs");
    let graded: Vec<(usize, Graded)> = Exercise::all()
        .into_iter()
        .enumerate()
        .filter(|(_, e)| e.file() == file)
        .map(|(i, e)| (i, grade_one::<B>(e)))
        .collect();
    let mut out = format!("{file} saved:\n");
    for (_, g) in &graded {
        out.push_str(&format!("  {}\n", verdict(g)));
    }
    out.push_str(FIRST_END);
    out.push('\n');
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(out.as_bytes());
    let _ = stdout.flush();
    graded
}

/// Grades every exercise of `B` on all cores, in course order.
fn grade_all<B: Backprop>() -> Vec<Graded> {
    grade_all_but::<B>(vec![])
}

/// [`grade_all`], with the grades `done` (by course index) already known.
fn grade_all_but<B: Backprop>(done: Vec<(usize, Graded)>) -> Vec<Graded> {
    let known: Vec<usize> = done.iter().map(|(i, _)| *i).collect();
    let all: Vec<(usize, Exercise)> = Exercise::all()
        .into_iter()
        .enumerate()
        .filter(|(i, _)| !known.contains(i))
        .collect();
    let next = AtomicUsize::new(0);
    let done: Mutex<Vec<(usize, Graded)>> = Mutex::new(done);
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    std::thread::scope(|s| {
        for _ in 0..threads.min(all.len()) {
            s.spawn(|| {
                loop {
                    let k = next.fetch_add(1, Ordering::Relaxed);
                    let Some(&(i, e)) = all.get(k) else { break };
                    let g = grade_one::<B>(e);
                    done.lock().unwrap().push((i, g));
                }
            });
        }
    });
    let mut done = done.into_inner().unwrap();
    done.sort_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, g)| g).collect()
}

fn stubs_are_shipped() -> Result<(), String> {
    let solved: Vec<String> = Exercise::all()
        .into_iter()
        .filter(|&e| e != Exercise::Chain)
        .filter(|&e| dispatch::grade::<Exercises>(e).status != Status::NotAttempted)
        .map(|e| format!("{} ({})", e.id(), e.file()))
        .collect();
    if solved.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "these shipped exercises are no longer todo!() stubs: {}",
            solved.join(", ")
        ))
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let flag = |f: &str| args.iter().any(|a| a == f);
    // Options libtest takes with a value: skip the value.
    let mut filters = vec![];
    let mut skip = false;
    for a in &args {
        if skip {
            skip = false;
        } else if [
            "--test-threads",
            "--format",
            "--color",
            "--logfile",
            "--skip",
            "-Z",
        ]
        .contains(&a.as_str())
        {
            skip = true;
        } else if !a.starts_with('-') {
            filters.push(a.as_str());
        }
    }
    if flag("--list") {
        println!("exercises: test\nsolutions: test");
        return ExitCode::SUCCESS;
    }
    let wants = |name: &str| {
        filters.is_empty()
            || filters
                .iter()
                .any(|f| name.contains(f) || f.starts_with(&format!("{name}::")))
    };
    let (mine, reference) = (wants("exercises"), wants("solutions"));
    let maintainers = flag("--ignored") || flag("--include-ignored");
    let mut ok = true;

    if reference {
        let graded = grade_all::<Solutions>();
        let all_right = graded.iter().all(|g| g.grade.status == Status::Correct);
        if !mine || !all_right {
            print!("{}", report::report("solutions", &graded));
        }
        if !all_right {
            println!("the reference must be right everywhere");
            ok = false;
        }
    }
    if maintainers && let Err(e) = stubs_are_shipped() {
        println!("maintainers: {e}");
        ok = false;
    }
    if mine {
        let first = std::env::var(FIRST_VAR).unwrap_or_default();
        let done = if first.is_empty() {
            vec![]
        } else {
            grade_first::<Exercises>(&first)
        };
        let graded = grade_all_but::<Exercises>(done);
        ok &= graded.iter().all(|g| g.grade.passed());
        match std::env::var(compact::VAR)
            .ok()
            .and_then(|s| compact::Size::parse(&s))
        {
            // The watch's screen, fitted to its terminal.
            Some(size) => {
                let shown = hint_levels::shown(&Path::new(env!("CARGO_MANIFEST_DIR")).join(".."));
                print!("{}", compact::screen("exercises", &graded, size, &shown));
            }
            None => print!("{}", report::report("exercises", &graded)),
        }
    }
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
