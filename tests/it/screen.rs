//! # The watch's screen fits a terminal, and ends with where to go next
//!
//! Grades whole implementations (the shipped stubs, the reference, and
//! the reference with one mistake) and draws the screen `watch` shows for
//! each, as the watch does: the grade's report for a 38-row screen
//! (`backprop_ninja::grade::compact`) under the watch's header. The screen
//! must fit 40 rows of 80 columns, with the `next:`/`fix:` line last,
//! naming the exercise, its `file:line` and the command for its next hint
//! level; the full report (`cargo test --test grade`) must end the same way.

use std::collections::BTreeMap;

use backprop_ninja::grade::compact::{self, Size};
use backprop_ninja::grade::progress::{self, Graded, grade_one};
use backprop_ninja::registry::{Chapter, Exercise, REGISTRY};
use backprop_ninja::{Backprop, Solutions};
use exercises::Exercises;
use watch::grading::Outcome;
use watch::screen::{CLEAR, Screen, report_size};

use crate::common::bessel_replaced_by_n;

/// A learner with four mistakes in four files: Linear's `db` a mean, not a
/// sum; tanh's sign flipped; the embedding's scatter assigned; exercise 1's
/// variance without Bessel's correction.
mod four_mistakes {
    pub use backprop_ninja::solutions::*; // the reference, but for the modules below

    pub mod linear {
        use backprop_ninja::Float;
        use backprop_ninja::layers::linear::{Linear, LinearGrads};
        pub use backprop_ninja::solutions::linear::backward_3d;
        use ndarray::linalg::general_mat_mul;
        use ndarray::{ArrayRef2, Axis};
        pub fn backward<F: Float>(
            dx: &mut ArrayRef2<F>,
            grads: &mut LinearGrads<F>,
            dout: &ArrayRef2<F>,
            x: &ArrayRef2<F>,
            layer: &Linear<F>,
        ) {
            general_mat_mul(F::one(), dout, &layer.w.t(), F::one(), dx);
            general_mat_mul(F::one(), &x.t(), dout, F::one(), &mut grads.dw);
            if let Some(db) = &mut grads.db {
                let n = F::from(dout.nrows()).unwrap();
                *db += &dout.sum_axis(Axis(0)).mapv(|v| v / n); // a mean, not a sum
            }
        }
    }

    pub mod tanh {
        use backprop_ninja::Float;
        use ndarray::{ArrayRef, Dimension, Zip};
        pub fn backward<F: Float, D: Dimension>(
            dx: &mut ArrayRef<F, D>,
            dout: &ArrayRef<F, D>,
            out: &ArrayRef<F, D>,
        ) {
            Zip::from(dx)
                .and(dout)
                .and(out)
                .for_each(|dx, &g, &t| *dx -= (F::one() - t * t) * g); // sign
        }
    }

    pub mod embedding {
        use backprop_ninja::Float;
        use backprop_ninja::layers::embedding::EmbeddingGrads;
        use ndarray::{ArrayRef2, ArrayRef3, Axis};
        pub fn backward<F: Float>(
            grads: &mut EmbeddingGrads<F>,
            dout: &ArrayRef3<F>,
            idx: &ArrayRef2<usize>,
        ) {
            for (d, &v) in dout.lanes(Axis(2)).into_iter().zip(idx.iter()) {
                grads.dtable.row_mut(v).assign(&d); // = instead of +=
            }
        }
    }

    pub use crate::common::bessel_replaced_by_n::step_by_step;

    pub struct Mutant;
    backprop_ninja::implement_backprop!(Mutant, "mutant");
}

fn grade_all<B: Backprop>() -> Vec<Graded> {
    Exercise::all().into_iter().map(grade_one::<B>).collect()
}

/// The screen `watch` draws for `graded` on a terminal of `size` (no hint
/// seen yet), without the escape that clears it, and the full report.
fn screen_and_report(graded: &[Graded], size: Size) -> (String, String) {
    let none = BTreeMap::new();
    let child = compact::screen("exercises", graded, report_size(size), &none);
    let drawn = Screen::new(Some(size)).render(&Outcome::Graded(child));
    let screen = drawn
        .strip_prefix(CLEAR)
        .expect("the screen is cleared")
        .to_string();
    (screen, progress::report("exercises", graded))
}

/// The screen fits `size`, and its last line is where to go next: the
/// exercise `id` with its `file:line`, then the command for its next hint.
fn fits_and_ends_with_next(screen: &str, size: Size, verb: &str, id: &str) {
    let rows = size.rows_of(screen);
    assert!(rows <= size.rows, "{rows} rows:\n{screen}");
    let last = screen.lines().last().unwrap();
    let file = Exercise::from_id(id).unwrap().file();
    assert!(
        last.starts_with(&format!("{verb}: {id} at {file}:")),
        "{last}\n{screen}"
    );
    let line = last[format!("{verb}: {id} at {file}:").len()..]
        .split(';')
        .next()
        .unwrap();
    assert!(line.parse::<usize>().is_ok_and(|l| l > 0), "{last}");
    assert!(
        last.ends_with(&format!("hint 1 of 3: cargo run -- hint {id}")),
        "{last}"
    );
}

#[test]
fn four_mistakes_fit_forty_rows_with_the_first_to_fix_last() {
    let graded = grade_all::<four_mistakes::Mutant>();
    let (screen, report) = screen_and_report(&graded, Size::DEFAULT);
    fits_and_ends_with_next(&screen, Size::DEFAULT, "fix", "layers::linear");
    // The exercise to fix first, with its line and its failing row only.
    let line = progress::function_line(Exercise::Linear).unwrap();
    let head = format!("layers::linear is WRONG (exercises/linear.rs:{line}):");
    assert!(screen.contains(&head), "{screen}");
    assert!(
        screen.contains("layers::linear db: WRONG, 3 of 3 elements off"),
        "{screen}"
    );
    assert!(screen.contains("  right: dx, dw"), "{screen}");
    // Its diagnosis again just above the last line: the mistake named.
    let lines: Vec<&str> = screen.lines().collect();
    assert!(
        lines[lines.len() - 2].starts_with("  hint: known mistake \""),
        "{screen}"
    );
    assert!(
        screen.contains("\nalso wrong: layers::embedding, layers::tanh, ex1::dbndiff2"),
        "{screen}"
    );
    // The rows that pass collapse into the counts, one line a chapter.
    assert!(!screen.contains("| exact: true"), "{screen}");
    assert!(!screen.contains(compact::SOLVED), "{screen}");
    assert!(screen.contains("\nmicrograd: 7/7 done"), "{screen}");
    assert!(
        screen.contains("\nlayers: 0/3 done, 3 wrong, next: linear"),
        "{screen}"
    );
    // The full report is long, and ends the same way, its summary near the end.
    assert!(size_of(&report) > 100, "{report}");
    let next = |t: &str| {
        t.lines()
            .last()
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_string()
    };
    assert_eq!(next(&report), next(&screen));
    let summary = report
        .lines()
        .rev()
        .position(|l| l.starts_with("exercises: "))
        .expect(&report);
    assert!(summary < 10, "{report}");
}

#[test]
fn what_does_not_fit_is_counted_and_the_next_exercise_stays_in_sight() {
    let graded = grade_all::<four_mistakes::Mutant>();
    let failing: usize = graded
        .iter()
        .filter_map(compact::failure)
        .map(|(_, n)| n)
        .sum();
    for size in [Size { rows: 24, cols: 80 }, Size { rows: 30, cols: 60 }] {
        let (screen, _) = screen_and_report(&graded, size);
        fits_and_ends_with_next(&screen, size, "fix", "layers::linear");
        assert!(screen.contains("layers::linear is WRONG ("), "{screen}");
        let more = screen
            .lines()
            .find_map(|l| l.strip_prefix("… and "))
            .expect(&screen);
        let n: usize = more.split(' ').next().unwrap().parse().unwrap();
        let shown = screen.matches(" is WRONG (").count();
        assert!(
            n > 0 && n + shown == failing && more.ends_with("more failing rows (watch --all)"),
            "{n} + {shown} of {failing}: {more}\n{screen}"
        );
    }
}

fn size_of(text: &str) -> usize {
    text.lines().count()
}

#[test]
fn one_wrong_step_of_exercise_1_fits_a_small_terminal_too() {
    let graded = grade_all::<bessel_replaced_by_n::Mutant>();
    for size in [
        Size::DEFAULT,
        Size { rows: 24, cols: 80 },
        Size {
            rows: 50,
            cols: 200,
        },
    ] {
        let (screen, _) = screen_and_report(&graded, size);
        fits_and_ends_with_next(&screen, size, "fix", "ex1::dbndiff2");
        assert!(screen.contains("ex1::dbndiff2 is WRONG ("), "{screen}");
    }
}

#[test]
fn every_exercise_right_is_one_line_a_chapter() {
    let graded = grade_all::<Solutions>();
    let (screen, report) = screen_and_report(&graded, Size::DEFAULT);
    // The solved ids, a line per chapter, a blank line, the last lines.
    let chapters = Chapter::ALL
        .iter()
        .filter(|&&c| REGISTRY.iter().any(|e| e.chapter == c))
        .count();
    assert!(size_of(&screen) <= chapters + 5, "{screen}");
    assert!(screen.contains("\nGPT: 16/16 done"), "{screen}");
    assert!(screen.ends_with("\nevery exercise is done\n"), "{screen}");
    assert!(report.ends_with("\nevery exercise is done\n"), "{report}");
}

#[test]
fn the_shipped_stubs_screen() {
    let graded = grade_all::<Exercises>();
    let (screen, _) = screen_and_report(&graded, Size::DEFAULT);
    fits_and_ends_with_next(&screen, Size::DEFAULT, "next", "micrograd::add");
    insta::assert_snapshot!("stubs", screen);
}
