//! # The grade `watch` runs, and its retries without the broken files
//!
//! Part of the learner's loop ([`crate`]): the grade is the learner's
//! crate's `cargo test --test grade exercises` run as a child process, so that an
//! exercise that does not compile cannot stop the watch. When only files of
//! `exercises/` stop the compiler ([`super::compiler::broken_modules`]), the
//! grade runs again with those files replaced by the reference
//! ([`SKIP_VAR`], read by `build.rs`), whose code is never graded as yours
//! ([`grade_isolating`]). The retries take the grading as a function, which
//! is how they are tested.

use std::path::Path;
use std::process::Command;

use super::compiler::broken_modules;
use backprop_ninja::grade::compact::{self, FIRST_END, FIRST_VAR, Size};

/// One run of the grade.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The report the grader printed.
    Graded(String),
    /// The code did not compile: the compiler's output.
    CompileError(String),
    /// Some files of `exercises/` did not compile: the compiler's output
    /// about them, and the report of the grade without them.
    Isolated { compiler: String, report: String },
}

/// Runs the grade: the learner's `cargo test --test grade exercises` in `dir`, and again
/// without the files of `exercises/` that do not compile, if that is what
/// stopped it ([`grade_isolating`]). With a `screen`, the report fits it
/// ([`backprop_ninja::grade::compact`]); without, it is the full report.
pub fn cargo_grade(dir: &Path, screen: Option<Size>) -> Outcome {
    cargo_grade_first(dir, screen, None, &mut |_| {})
}

/// [`cargo_grade`], grading the exercises of the module `first` (the file
/// just saved) first: `early` gets their verdict as soon as the grader
/// prints it, before the rest is graded.
pub fn cargo_grade_first(
    dir: &Path,
    screen: Option<Size>,
    first: Option<&str>,
    early: &mut dyn FnMut(&str),
) -> Outcome {
    grade_isolating(
        &mut |skip| cargo_grade_skipping(dir, skip, screen, first, early),
        &exercise_modules(),
    )
}

/// The exercise module of the file of `exercises/` in `dir` saved last,
/// if it was saved after `since`: `tanh` for `exercises/tanh.rs`.
pub fn saved_since(dir: &Path, since: std::time::SystemTime) -> Option<String> {
    let modules = exercise_modules();
    std::fs::read_dir(dir.join("exercises"))
        .ok()?
        .filter_map(|entry| {
            let entry = entry.ok()?;
            let name = entry.file_name().into_string().ok()?;
            let module = name.strip_suffix(".rs")?;
            let modified = entry.metadata().ok()?.modified().ok()?;
            (modules.contains(&module) && modified > since).then(|| (modified, module.to_string()))
        })
        .max()
        .map(|(_, module)| module)
}

/// Every exercise module, once, in course order: `micrograd`, `bigram`, …
/// (the files of `exercises/` the registry names).
pub fn exercise_modules() -> Vec<&'static str> {
    let mut modules: Vec<&str> = vec![];
    for e in backprop_ninja::registry::Exercise::all() {
        let module = backprop_ninja::grade::skipped::module_of(e.file());
        if !modules.contains(&module) {
            modules.push(module);
        }
    }
    modules
}

/// The variable that makes `build.rs` replace exercise modules by the
/// reference: `gelu,head`.
pub const SKIP_VAR: &str = "BACKPROP_NINJA_SKIP";

/// The learner's package, whose test `grade` prints the report.
pub const PACKAGE: &str = "backprop-ninja-exercises";

/// `cargo test -p backprop-ninja-exercises --test grade exercises` in `dir`
/// (only the learner's small crate is rebuilt), with the exercise modules
/// `skip` replaced by the reference (none: the learner's code, all of it),
/// its report fitted to `screen` if there is one, and the exercises of
/// `first` graded first, their verdict handed to `early` as soon as it is
/// printed.
pub fn cargo_grade_skipping(
    dir: &Path,
    skip: &[String],
    screen: Option<Size>,
    first: Option<&str>,
    early: &mut dyn FnMut(&str),
) -> Outcome {
    let mut command = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    command
        .args([
            "test",
            "--quiet",
            "--color",
            "never",
            "--package",
            PACKAGE,
            "--test",
            "grade",
            "exercises",
        ])
        .current_dir(dir);
    match screen {
        Some(size) => command.env(compact::VAR, size.to_var()),
        None => command.env_remove(compact::VAR),
    };
    if skip.is_empty() {
        command.env_remove(SKIP_VAR);
    } else {
        command.env(SKIP_VAR, skip.join(","));
    }
    match first.filter(|m| !skip.iter().any(|s| s == m)) {
        Some(module) => command.env(FIRST_VAR, module),
        None => command.env_remove(FIRST_VAR),
    };
    match run_streaming(&mut command, early) {
        Err(e) => Outcome::CompileError(format!("error: cannot run cargo: {e}")),
        Ok((stdout, stderr)) => {
            if stdout.contains("exercises: ") && stdout.contains(" done") {
                Outcome::Graded(stdout)
            } else {
                Outcome::CompileError(stderr)
            }
        }
    }
}

/// Runs `command`, handing `early` what it prints before a line
/// [`FIRST_END`] as soon as that line comes; returns the rest of its
/// standard output (without that part) and its standard error.
pub fn run_streaming(
    command: &mut Command,
    early: &mut dyn FnMut(&str),
) -> std::io::Result<(String, String)> {
    use std::io::{BufRead, BufReader, Read};
    use std::process::Stdio;
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    let mut stderr = child.stderr.take().expect("piped");
    let errors = std::thread::spawn(move || {
        let mut text = Vec::new();
        let _ = stderr.read_to_end(&mut text);
        String::from_utf8_lossy(&text).into_owned()
    });
    let mut stdout = String::new();
    let mut lines = BufReader::new(child.stdout.take().expect("piped"));
    let mut line = Vec::new();
    while lines.read_until(b'\n', &mut line)? > 0 {
        let text = String::from_utf8_lossy(&line).into_owned();
        line.clear();
        if text.trim_end() == FIRST_END {
            early(&stdout);
            stdout.clear();
        } else {
            stdout.push_str(&text);
        }
    }
    child.wait()?;
    let stderr = errors.join().unwrap_or_default();
    Ok((stdout, stderr))
}

/// How many times the grade may run again, each time without more files:
/// an error that stops the compiler early (a syntax error, a name not
/// found) can hide the type errors of other files until it is gone.
pub const MAX_RETRIES: usize = 4;

/// Grades with `grade(skip)` (the exercise modules `skip` replaced by the
/// reference). When the code does not compile and every error is in a file
/// of `exercises/` (one of `modules`), grades again without those files, and
/// returns what the compiler said with the report of the rest. Otherwise,
/// or when that fails too, the first compile error, as it was.
pub fn grade_isolating(grade: &mut dyn FnMut(&[String]) -> Outcome, modules: &[&str]) -> Outcome {
    let first = grade(&[]);
    let Outcome::CompileError(output) = &first else {
        return first;
    };
    let mut skip: Vec<String> = vec![];
    let mut compiler = String::new();
    let mut current = output.clone();
    for _ in 0..MAX_RETRIES {
        let Some(broken) = broken_modules(&current, modules) else {
            break;
        };
        let new: Vec<String> = broken.into_iter().filter(|m| !skip.contains(m)).collect();
        if new.is_empty() {
            break;
        }
        skip.extend(new);
        compiler.push_str(&current);
        match grade(&skip) {
            Outcome::Graded(report) => return Outcome::Isolated { compiler, report },
            Outcome::CompileError(output) => current = output,
            isolated @ Outcome::Isolated { .. } => return isolated,
        }
    }
    first
}
