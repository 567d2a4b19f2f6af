//! # The grade `watch` runs, and its retries without the broken files
//!
//! Part of the learner's loop ([`crate::watch`]): the grade is
//! `cargo test --test grade exercises` run as a child process, so that an
//! exercise that does not compile cannot stop the watch. When only files of
//! `exercises/` stop the compiler ([`super::compiler::broken_modules`]), the
//! grade runs again with those files replaced by the reference
//! ([`SKIP_VAR`], read by `build.rs`), whose code is never graded as yours
//! ([`grade_isolating`]). The retries take the grading as a function, which
//! is how they are tested.

use std::path::Path;
use std::process::Command;

use super::compiler::broken_modules;

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

/// Runs the grade: `cargo test --test grade exercises` in `dir`, and again
/// without the files of `exercises/` that do not compile, if that is what
/// stopped it ([`grade_isolating`]).
pub fn cargo_grade(dir: &Path) -> Outcome {
    grade_isolating(
        &mut |skip| cargo_grade_skipping(dir, skip),
        &exercise_modules(),
    )
}

/// Every exercise module, once, in course order: `micrograd`, `bigram`, …
/// (the files of `exercises/` the registry names).
pub fn exercise_modules() -> Vec<&'static str> {
    let mut modules: Vec<&str> = vec![];
    for e in crate::registry::Exercise::all() {
        let module = crate::grade::skipped::module_of(e.file());
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
/// `skip` replaced by the reference (none: the learner's code, all of it).
pub fn cargo_grade_skipping(dir: &Path, skip: &[String]) -> Outcome {
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
    if skip.is_empty() {
        command.env_remove(SKIP_VAR);
    } else {
        command.env(SKIP_VAR, skip.join(","));
    }
    match command.output() {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::watch::compiler::errors_by_file;
    use crate::watch::fixtures::{ELSEWHERE, GELU_BROKEN, RIGHT, WITHOUT_GELU};

    const HEAD_BROKEN: &str = "error[E0599]: no method named `tt` found\n  --> exercises/head.rs:30:7\n   |\n30 |     a.tt()\n\nFor more information about this error, try `rustc --explain E0599`.\nerror: could not compile `backprop-ninja` (lib) due to 1 previous error\n";
    const MODULES: &[&str] = &["gelu", "head", "tanh"];

    /// A grading that answers each list of skipped modules from `answers`,
    /// recording what it was asked.
    fn scripted<'a>(
        answers: Vec<(&'static [&'static str], Outcome)>,
        asked: &'a mut Vec<Vec<String>>,
    ) -> impl FnMut(&[String]) -> Outcome + 'a {
        move |skip: &[String]| {
            asked.push(skip.to_vec());
            answers
                .iter()
                .find(|(s, _)| *s == skip)
                .map(|(_, o)| o.clone())
                .unwrap_or_else(|| panic!("not expected: {skip:?}"))
        }
    }

    #[test]
    fn broken_exercise_files_are_left_out_and_the_rest_graded() {
        // gelu.rs does not compile; once it is left out, head.rs's error shows.
        let mut asked = vec![];
        let outcome = grade_isolating(
            &mut scripted(
                vec![
                    (&[], Outcome::CompileError(GELU_BROKEN.into())),
                    (&["gelu"], Outcome::CompileError(HEAD_BROKEN.into())),
                    (&["gelu", "head"], Outcome::Graded(WITHOUT_GELU.into())),
                ],
                &mut asked,
            ),
            MODULES,
        );
        assert_eq!(asked, [vec![], vec!["gelu"], vec!["gelu", "head"]]);
        let Outcome::Isolated { compiler, report } = &outcome else {
            panic!("{outcome:?}")
        };
        assert_eq!(report, WITHOUT_GELU);
        assert_eq!(
            broken_modules(compiler, MODULES),
            Some(vec!["gelu".to_string(), "head".to_string()])
        );
        // The first error of each file, with its note; warnings left out.
        let errors = errors_by_file(compiler);
        assert!(
            errors.starts_with("exercises/gelu.rs does not compile"),
            "{errors}"
        );
        assert!(errors.contains("exercises/gelu.rs:20:17"), "{errors}");
        assert!(!errors.contains("exercises/gelu.rs:25:9"), "{errors}");
        assert!(errors.contains("F::lit"), "{errors}");
        assert!(
            errors.contains("exercises/head.rs does not compile"),
            "{errors}"
        );
        assert!(!errors.contains("unused variable"), "{errors}");
        assert!(!errors.contains("src/../"), "{errors}");
        assert!(!errors.contains("rustc --explain"), "{errors}");
    }

    #[test]
    fn errors_elsewhere_or_a_failed_retry_show_the_first_error_as_before() {
        let mut asked = vec![];
        let outcome = grade_isolating(
            &mut scripted(
                vec![(&[], Outcome::CompileError(ELSEWHERE.into()))],
                &mut asked,
            ),
            MODULES,
        );
        assert_eq!(outcome, Outcome::CompileError(ELSEWHERE.into()));
        assert_eq!(asked.len(), 1);
        // Left out, gelu.rs breaks the crate elsewhere: the first error stands.
        let mut asked = vec![];
        let outcome = grade_isolating(
            &mut scripted(
                vec![
                    (&[], Outcome::CompileError(GELU_BROKEN.into())),
                    (&["gelu"], Outcome::CompileError(ELSEWHERE.into())),
                ],
                &mut asked,
            ),
            MODULES,
        );
        assert_eq!(outcome, Outcome::CompileError(GELU_BROKEN.into()));
        assert_eq!(asked.len(), 2);
        // exercises/mod.rs is no exercise; nor is a file of no module.
        let in_mod = "error: expected item\n --> exercises/mod.rs:70:1\n";
        assert_eq!(broken_modules(in_mod, MODULES), None);
        assert_eq!(broken_modules(GELU_BROKEN, &["tanh"]), None);
        assert_eq!(
            broken_modules("error: linking with `cc` failed\n", MODULES),
            None
        );
        assert_eq!(broken_modules("", MODULES), None);
        // Compiled: graded once.
        let mut asked = vec![];
        let outcome = grade_isolating(
            &mut scripted(vec![(&[], Outcome::Graded(RIGHT.into()))], &mut asked),
            MODULES,
        );
        assert_eq!(outcome, Outcome::Graded(RIGHT.into()));
        assert_eq!(asked.len(), 1);
    }
}
