//! # The grader: `cargo test exercises`, `cargo test solutions`
//!
//! One test per exercise, for each implementation: `exercises::ex1::dcounts`
//! grades your code, `solutions::ex1::dcounts` the reference. After the run
//! it prints the lecture's `cmp` table and a count of what is done.
//!
//! For you, an exercise still at `todo!()` is *not attempted* and passes; a
//! wrong one fails and says where. The reference must be correct everywhere.
//!
//! `maintainers::shipped_exercises_are_stubs` (ignored unless asked for with
//! `-- --ignored`) checks that the shipped exercises are still stubs.

use std::sync::{Arc, Mutex};

use backprop_ninja::grade::{self, Status};
use backprop_ninja::registry::{self, Exercise, Grade};
use backprop_ninja::{Exercises, Solutions};
use libtest_mimic::{Arguments, Failed, Trial};

type Results = Arc<Mutex<Vec<(&'static str, usize, Grade)>>>;

fn trial(
    implementation: &'static str,
    index: usize,
    exercise: Exercise,
    results: &Results,
) -> Trial {
    let results = Arc::clone(results);
    Trial::test(format!("{implementation}::{}", exercise.id()), move || {
        let graded = match implementation {
            "solutions" => registry::grade::<Solutions>(exercise),
            _ => registry::grade::<Exercises>(exercise),
        };
        let outcome = match (&graded.status, implementation) {
            (Status::Wrong(message), _) => Err(Failed::from(format!(
                "{}\n  in {}",
                message,
                exercise.file()
            ))),
            (Status::Correct, _) | (_, "exercises") => Ok(()),
            (status, _) => Err(Failed::from(format!(
                "the reference must be correct, not {status:?}"
            ))),
        };
        results
            .lock()
            .unwrap()
            .push((implementation, index, graded));
        outcome
    })
}

fn stubs_trial() -> Trial {
    Trial::test("maintainers::shipped_exercises_are_stubs", || {
        let solved: Vec<String> = Exercise::all()
            .into_iter()
            .filter(|&e| e != Exercise::Chain)
            .filter(|&e| registry::grade::<Exercises>(e).status != Status::NotAttempted)
            .map(|e| format!("{} ({})", e.id(), e.file()))
            .collect();
        if solved.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "these shipped exercises are no longer todo!() stubs: {}",
                solved.join(", ")
            )
            .into())
        }
    })
    .with_ignored_flag(true)
}

fn main() {
    let args = Arguments::from_args();
    let results: Results = Arc::default();
    let mut trials = vec![];
    for implementation in ["exercises", "solutions"] {
        for (index, exercise) in Exercise::all().into_iter().enumerate() {
            trials.push(trial(implementation, index, exercise, &results));
        }
    }
    trials.push(stubs_trial());
    let conclusion = libtest_mimic::run(&args, trials);

    let mut results = results.lock().unwrap();
    results.sort_by_key(|(implementation, index, _)| (*implementation, *index));
    for implementation in ["exercises", "solutions"] {
        let grades: Vec<Grade> = results
            .iter()
            .filter(|r| r.0 == implementation)
            .map(|r| r.2.clone())
            .collect();
        if !grades.is_empty() {
            println!(
                "\n── {implementation}: graded against finite differences and the reference ──"
            );
            print!("{}", grade::report::table(implementation, &grades));
        }
    }
    conclusion.exit();
}
