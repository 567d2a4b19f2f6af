//! # `cargo run -- watch`: re-grade on every save
//!
//! The learner's loop in one command, as rustlings does it: the grade runs
//! when the watch starts and again each time a file in `exercises/` is saved
//! (changes within [`DEBOUNCE`] count as one). The screen is cleared and
//! shows the grade report (where you are in each chapter, the next exercise
//! with its file, line and hint, each failure with its hint under its row)
//! and, for an exercise that has just turned right, its derivation from the
//! solution's doc comments. Ctrl-C ends it.
//!
//! A file of `exercises/` that does not compile stops nothing else: the
//! screen shows the compiler's first error in that file (with a note for the
//! usual errors of generic code), and below it the grade of every other
//! exercise, those of the broken file marked "does not compile". For that
//! the grade runs again with the broken files replaced by the reference
//! (`BACKPROP_NINJA_SKIP`, see `build.rs` and [`grade_isolating`]), whose
//! code is never graded as yours. An error elsewhere (or one the retry
//! cannot get past) shows the compiler's first error above the last grades,
//! which stay on screen.
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
    /// Some files of `exercises/` did not compile: the compiler's output
    /// about them, and the report of the grade without them.
    Isolated { compiler: String, report: String },
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
                self.derivations(report, &mut out);
                self.solved = solved_in(report);
                self.last_report = Some(report.clone());
            }
            Outcome::Isolated { compiler, report } => {
                out.push_str(&errors_by_file(compiler));
                out.push_str("\n── the other exercises ──\n");
                out.push_str(report);
                self.derivations(report, &mut out);
                // What the broken files had solved stays solved: no derivation
                // again once they compile.
                self.solved.extend(solved_in(report));
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

    /// The derivation of each exercise `report` marks right for the first
    /// time; none at the first grade, which only sets the baseline.
    fn derivations(&self, report: &str, out: &mut String) {
        if self.last_report.is_none() {
            return;
        }
        for id in solved_in(report).difference(&self.solved) {
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
}

/// The compiler's first error (in `exercises/` if one is there), with a note
/// for the usual errors of generic code.
pub fn first_error(output: &str) -> String {
    let blocks = error_blocks(output);
    let Some(block) = blocks
        .iter()
        .find(|b| b.contains("exercises/"))
        .or(blocks.first())
    else {
        return format!("the grade did not run:\n{output}\n");
    };
    format!("your code does not compile:\n\n{}", tidy(&shown(block)))
}

/// The compiler's errors, one block each (warnings and cargo's closing
/// "could not compile" left out).
pub fn error_blocks(output: &str) -> Vec<String> {
    let mut blocks = vec![];
    let mut current: Option<String> = None;
    for line in output.lines() {
        if line.starts_with("For more information about")
            || line.starts_with("Some errors have detailed explanations")
        {
            blocks.extend(current.take());
            continue;
        }
        if line.starts_with("error") || line.starts_with("warning") {
            if let Some(b) = current.take() {
                blocks.push(b);
            }
            if line.starts_with("error")
                && !line.starts_with("error: could not compile")
                && !line.starts_with("error: aborting due to")
            {
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
}

/// An error block as shown: its first lines (what, where, the code and the
/// caret), then a note for the usual errors of generic code.
fn shown(block: &str) -> String {
    let short: Vec<&str> = block.trim_end().lines().take(14).collect();
    let mut out = format!("{}\n", short.join("\n"));
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

/// Runs the grade: `cargo test --test grade exercises` in `dir`, and again
/// without the files of `exercises/` that do not compile, if that is what
/// stopped it ([`grade_isolating`]).
pub fn cargo_grade(dir: &Path) -> Outcome {
    let modules: Vec<&str> = crate::exercises::MODULES.iter().map(|(m, _)| *m).collect();
    grade_isolating(&mut |skip| cargo_grade_skipping(dir, skip), &modules)
}

/// The variable that makes `build.rs` replace exercise modules by the
/// reference: `gelu,head`.
pub const SKIP_VAR: &str = "BACKPROP_NINJA_SKIP";

/// `cargo test --test grade exercises` in `dir`, with the exercise modules
/// `skip` replaced by the reference (none: the learner's code, all of it).
pub fn cargo_grade_skipping(dir: &Path, skip: &[String]) -> Outcome {
    let mut command = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    command
        .args([
            "test",
            "--quiet",
            "--color",
            "never",
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

/// Where an error is: the file of its first `--> file:line:col`.
pub fn error_file(block: &str) -> Option<&str> {
    let at = block
        .lines()
        .find_map(|l| l.trim_start().strip_prefix("--> "))?;
    let mut parts = at.rsplitn(3, ':');
    let (_col, _line, file) = (parts.next()?, parts.next()?, parts.next()?);
    Some(file)
}

/// The exercise module of a path, if it is a file of `exercises/` other
/// than `mod.rs`: `gelu` for `exercises/gelu.rs`.
fn exercise_module<'a>(file: &str, modules: &[&'a str]) -> Option<&'a str> {
    let name = file.replace('\\', "/");
    let (dir, name) = name.rsplit_once('/')?;
    if !(dir == "exercises" || dir.ends_with("/exercises")) {
        return None;
    }
    let stem = name.strip_suffix(".rs")?;
    modules.iter().copied().find(|m| *m == stem)
}

/// The exercise modules whose files hold the compiler's errors, if every
/// error is in one (`None` if any is elsewhere, or none is found).
pub fn broken_modules(output: &str, modules: &[&str]) -> Option<Vec<String>> {
    let blocks = error_blocks(output);
    if blocks.is_empty() {
        return None;
    }
    let mut broken: Vec<String> = vec![];
    for block in &blocks {
        let module = exercise_module(error_file(block)?, modules)?;
        if !broken.iter().any(|m| m == module) {
            broken.push(module.to_string());
        }
    }
    Some(broken)
}

/// `exercises/gelu.rs` where the compiler says `src/../exercises/gelu.rs`
/// (the module is declared from `src/lib.rs`).
fn tidy(text: &str) -> String {
    text.replace("src/../exercises/", "exercises/")
}

/// The compiler's first error in each file, in the order they came.
pub fn errors_by_file(output: &str) -> String {
    let mut files: Vec<String> = vec![];
    let blocks = error_blocks(output);
    let mut out = String::new();
    for block in &blocks {
        let Some(file) = error_file(block).map(tidy) else {
            continue;
        };
        if files.contains(&file) {
            continue;
        }
        files.push(file.clone());
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(&format!(
            "{file} does not compile: its exercises are not graded until it does.\n\n{}",
            tidy(&shown(block))
        ));
    }
    out
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

    /// The screens `run` draws for `outcomes`, graded after `first` (saves
    /// sent before the loop starts), one more save of `file` and Ctrl-C.
    fn three_screens(outcomes: Vec<Outcome>, first: &[Event], file: &str) -> Vec<String> {
        let (tx, rx) = channel();
        let mut outcomes = outcomes.into_iter();
        for e in first {
            tx.send(e.clone()).unwrap();
        }
        let tx2 = tx.clone();
        let file = PathBuf::from(file);
        let feeder = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(150));
            tx2.send(Event::Changed(file)).unwrap();
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
        let screens: Vec<String> = screen
            .split(CLEAR)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect();
        assert_eq!(screens.len(), 3, "{screen}");
        screens
    }

    #[test]
    fn the_loop_grades_on_each_save_shows_errors_and_stops() {
        // Three saves in a burst (one grade), one save, another, then Ctrl-C.
        let screens = three_screens(
            vec![
                Outcome::Graded(NOT_YET.into()),
                Outcome::CompileError(BROKEN.into()),
                Outcome::Graded(RIGHT.into()),
            ],
            &vec![Event::Changed("exercises/tanh.rs".into()); 3],
            "exercises/tanh.rs",
        );
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

    const GELU_BROKEN: &str = "error[E0308]: mismatched types\n  --> src/../exercises/gelu.rs:20:17\n   |\n20 |     let _x: F = 1.0;\n   |             -   ^^^ expected type parameter `F`, found floating-point number\n   |\n   = note: expected type parameter `F`\n              found type `{float}`\n\nerror[E0308]: mismatched types\n  --> exercises/gelu.rs:25:9\n   |\n25 |     x\n\nwarning: unused variable\n --> exercises/relu.rs:3:1\n\nerror: could not compile `backprop-ninja` (lib) due to 2 previous errors\n";
    const HEAD_BROKEN: &str = "error[E0599]: no method named `tt` found\n  --> exercises/head.rs:30:7\n   |\n30 |     a.tt()\n\nFor more information about this error, try `rustc --explain E0599`.\nerror: could not compile `backprop-ninja` (lib) due to 1 previous error\n";
    const ELSEWHERE: &str = "error[E0432]: unresolved import `crate::exercises::gelu::helper`\n  --> src/layers/gelu.rs:3:5\n\nerror: could not compile `backprop-ninja` (lib) due to 1 previous error\n";
    const WITHOUT_GELU: &str = "fix: gpt::gelu (exercises/gelu.rs)\ndoes not compile: exercises/gelu.rs (its exercises are not graded until it does; the others are)\n\nlayers: 1/1 done\n  layers::tanh: right; its derivation: solutions/tanh.rs\n\nGPT: 0/1 done, next: gelu\n  gpt::gelu                                  | does not compile (exercises/gelu.rs): not graded until it does\n\nexercises: 1/2 done, 0 not attempted, 0 wrong, 1 do not compile\n";
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

    #[test]
    fn the_screen_shows_the_broken_file_above_the_grade_of_the_rest() {
        let screens = three_screens(
            vec![
                Outcome::Graded(NOT_YET.into()),
                Outcome::Isolated {
                    compiler: GELU_BROKEN.into(),
                    report: WITHOUT_GELU.into(),
                },
                Outcome::CompileError(ELSEWHERE.into()),
            ],
            &[Event::Changed("exercises/gelu.rs".into())],
            "exercises/gelu.rs",
        );
        let s = &screens[1];
        // The broken file's first error, then the grade of the others.
        let error = s.find("exercises/gelu.rs does not compile").expect(s);
        let at = s.find("exercises/gelu.rs:20:17").expect(s);
        let others = s.find("── the other exercises ──").expect(s);
        let tanh = s.find("layers::tanh: right").expect(s);
        let row = s
            .find("gpt::gelu                                  | does not compile")
            .expect(s);
        assert!(
            error < at && at < others && others < tanh && tanh < row,
            "{s}"
        );
        assert!(s.contains("F::lit"), "{s}");
        // tanh turned right meanwhile: its derivation.
        assert!(s.contains("layers::tanh is right! The derivation"), "{s}");
        // An error outside exercises/: as before, the last grades kept.
        let s = &screens[2];
        assert!(
            s.contains("your code does not compile") && s.contains("src/layers/gelu.rs:3:5"),
            "{s}"
        );
        assert!(
            s.contains("the last grades") && s.contains("1 do not compile"),
            "{s}"
        );
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
