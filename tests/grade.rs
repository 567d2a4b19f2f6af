//! # The grader: `cargo test --test grade`
//!
//! A test of the learner's crate (`exercises/Cargo.toml`): it links the
//! library, built once, and the learner's small crate, rebuilt on a save.
//!
//! Grades your exercises and prints the report, and nothing else: where to
//! go next, each chapter's count, the rows of what you attempted with each
//! failure's details under its row, one summary line at the end. It also
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
//! `cargo test --test grade solutions` prints the reference's report;
//! `cargo test --test grade exercises` (or `cargo test exercises`) yours.
//! `-- --ignored` adds the maintainers' check that the shipped exercises
//! are still stubs.

use std::process::ExitCode;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use backprop_ninja::grade::progress::{self as report, Graded, grade_one};
use backprop_ninja::grade::{Status, dispatch};
use backprop_ninja::registry::Exercise;
use backprop_ninja::{Backprop, Solutions};
use exercises::Exercises;

/// Grades every exercise of `B` on all cores, in course order.
fn grade_all<B: Backprop>() -> Vec<Graded> {
    let all = Exercise::all();
    let next = AtomicUsize::new(0);
    let done: Mutex<Vec<(usize, Graded)>> = Mutex::default();
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    std::thread::scope(|s| {
        for _ in 0..threads.min(all.len()) {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(&e) = all.get(i) else { break };
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
        let graded = grade_all::<Exercises>();
        ok &= graded.iter().all(|g| g.grade.passed());
        print!("{}", report::report("exercises", &graded));
    }
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
