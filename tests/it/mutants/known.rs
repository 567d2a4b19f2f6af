//! # The known mistakes: each fails its own exercise and is named
//!
//! The list in `src/grade/mistakes/` is the reference with one change per
//! entry. Graded, each must fail its own exercise, and every row it makes
//! wrong that has a gradient must be recognised as that mistake, by name;
//! graded without the diagnosis, the generic hints still speak.

use backprop_ninja::grade::compare::recording_answers;
use backprop_ninja::grade::mistakes;
use backprop_ninja::grade::table::SOLUTIONS;
use backprop_ninja::grade::{SEED, Status, dispatch};
use backprop_ninja::registry::Exercise;

#[test]
fn every_known_mistake_fails_its_own_exercise_and_is_named() {
    let mut failures = vec![];
    for mistake in mistakes::all() {
        let grade = dispatch::grade_with(&mistake.table(), mistake.exercise, SEED);
        let Status::Wrong(message) = &grade.status else {
            failures.push(format!("{mistake:?} is not wrong: {:?}", grade.status));
            continue;
        };
        let says = mistake.diagnosis();
        if !message.contains(&says) {
            failures.push(format!("{mistake:?} is not named:\n{message}"));
        }
        if !grade
            .rows
            .iter()
            .any(|row| !row.ok() && row.diagnosis.as_deref() == Some(says.as_str()))
        {
            failures.push(format!("{mistake:?}: no failing row carries its diagnosis"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn no_known_mistake_is_found_in_a_reference_answer() {
    // The grader's seed, and two more: a diagnosis must not hang on one draw.
    for seed in [SEED, 1, 7] {
        for exercise in Exercise::all() {
            let (grade, answers) =
                recording_answers(|| dispatch::grade_undiagnosed(&SOLUTIONS, exercise, seed));
            assert_eq!(grade.status, Status::Correct, "{}", exercise.id());
            assert!(!answers.is_empty() || mistakes::of(exercise).next().is_none());
            let found = dispatch::diagnosis(exercise, seed, &answers);
            assert!(
                found.is_empty(),
                "seed {seed}: the reference's {} is taken for {:?}",
                exercise.id(),
                found
            );
        }
    }
}

#[test]
fn a_known_mistake_is_named_only_on_its_own_rows() {
    // Linear's db as a mean leaves dx and dw right: only db is diagnosed.
    let bp = mistakes::named("layers::linear", "db as a mean")
        .expect("a known mistake")
        .table();
    let grade = dispatch::grade_with(&bp, Exercise::Linear, SEED);
    let named: Vec<&str> = grade
        .rows
        .iter()
        .filter(|row| row.diagnosis.is_some())
        .map(|row| row.name.as_str())
        .collect();
    assert_eq!(named, ["layers::linear db"], "{grade:?}");
    let Status::Wrong(message) = grade.status else {
        panic!("wrong: {:?}", grade.status)
    };
    assert!(
        message.contains("known mistake \"db as a mean\": this is db as the mean"),
        "{message}"
    );
    assert!(
        !message.contains("times the right gradient"),
        "the diagnosis replaces the generic hint: {message}"
    );
}
