use backprop_ninja::course::micrograd::OpKind;
use backprop_ninja::course::step_by_step::Var;
use backprop_ninja::grade::Status;
use backprop_ninja::grade::dispatch::Grade;
use backprop_ninja::grade::progress::*;
use backprop_ninja::registry::Exercise;
use std::path::Path;

fn graded(exercise: Exercise, status: Status) -> Graded {
    Graded {
        grade: Grade {
            exercise,
            status,
            rows: vec![],
        },
        stub: None,
    }
}

#[test]
fn the_report_reads_top_to_bottom() {
    let mut all: Vec<Graded> = Exercise::all()
        .into_iter()
        .map(|e| graded(e, Status::NotAttempted))
        .collect();
    for g in all.iter_mut().take(7) {
        g.grade.status = Status::Correct;
    }
    let at = all
        .iter()
        .position(|g| g.grade.exercise == Exercise::Step(Var::Probs))
        .unwrap();
    all[at].grade.status = Status::Wrong("ex1 dprobs: WRONG\n  hint: the sign is flipped".into());
    let text = report("exercises", &all);
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("micrograd: 7/7 done"), "{text}");
    // Last, where to go next: the exercise, its file:line, the hint command.
    let last = lines.last().unwrap();
    assert!(
        last.starts_with("next: bigram::neural at exercises/bigram.rs:"),
        "{text}"
    );
    assert!(
        last.ends_with(": cargo run -- hint bigram::neural"),
        "{text}"
    );
    assert!(
        text.contains("\nalso wrong: ex1::dprobs (details above)\n"),
        "{text}"
    );
    assert!(
        text.contains("\nbackprop ninja: 0/29 done, 1 wrong, next: ex2::cross_entropy"),
        "{text}"
    );
    // The failure sits under its chapter, its details indented below it.
    let ex1 = text.find("\nbackprop ninja:").unwrap();
    let wrong = text.find("ex1::dprobs is WRONG").unwrap();
    let hint = text.find("      hint: the sign is flipped").unwrap();
    assert!(ex1 < wrong && wrong < hint, "{text}");
    let file_line = format!(
        "ex1::dprobs is WRONG (exercises/step_by_step.rs:{}):",
        function_line(Exercise::Step(Var::Probs)).unwrap()
    );
    assert!(text.contains(&file_line), "{text}");
    assert!(!text.contains("not attempted ("), "collapsed: {text}");
    // The summary just above the hint's line (none here: no stub ran).
    assert!(
        lines[lines.len() - 3].starts_with("exercises: 7/"),
        "{text}"
    );
    assert_eq!(all[0].grade.exercise, Exercise::Micrograd(OpKind::Add));
}

#[test]
fn the_line_of_a_function_is_found_by_its_signature() {
    let source = "//! fn backward(\npub fn backward_3d<F>() {}\n\npub fn backward<F: Float>(\n";
    assert_eq!(line_of_fn(source, "backward"), Some(4));
    assert_eq!(line_of_fn(source, "backward_3d"), Some(2));
    assert_eq!(line_of_fn(source, "forward"), None);
    let line = function_line(Exercise::Tanh).unwrap();
    let text =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(Exercise::Tanh.file()))
            .unwrap();
    let at = text.lines().nth(line - 1).unwrap();
    assert!(at.contains("fn backward"), "{at}");
    assert_eq!(function_line(Exercise::Chain), None);
}

#[test]
fn a_derivation_comes_from_the_references_doc_comments() {
    let source = "//! # Tanh\n//! dx = (1 - out²)·dout\n\nuse x;\n\n/// Accumulates.\n#[inline]\npub fn backward<F>() {}\n/// Other.\npub fn backward_3d() {}\n";
    assert_eq!(
        derivation_from(source, "backward", true),
        "# Tanh\ndx = (1 - out²)·dout\n\nAccumulates."
    );
    assert_eq!(derivation_from(source, "backward_3d", false), "Other.");
    let real = derivation(Exercise::Tanh).unwrap();
    assert!(real.contains("1 - out²"), "{real}");
    let step = derivation(Exercise::Step(Var::Counts)).unwrap();
    assert!(!step.is_empty() && !step.contains("//!"), "{step}");
}

#[test]
fn the_report_says_which_files_do_not_compile_and_grades_the_rest() {
    use backprop_ninja::grade::skipped::status_with;
    let graded_without = |skipped: &[&str]| -> Vec<Graded> {
        Exercise::all()
            .into_iter()
            .map(|exercise| {
                let status = match exercise {
                    Exercise::Tanh => Status::Correct,
                    e => status_with(e, skipped, |_| Some(String::new()))
                        .unwrap_or(Status::NotAttempted),
                };
                Graded {
                    grade: Grade {
                        exercise,
                        status,
                        rows: vec![],
                    },
                    stub: None,
                }
            })
            .collect()
    };
    let one = report("exercises", &graded_without(&["gelu"]));
    assert!(
        one.contains("\ndoes not compile: exercises/gelu.rs (its exercises are not graded until it does; the others are)\n"),
        "{one}"
    );
    assert!(one.contains(", 1 do not compile\n"), "{one}");
    assert!(
        one.lines()
            .last()
            .unwrap()
            .starts_with("next: micrograd::add at exercises/micrograd.rs:"),
        "{one}"
    );
    let graded = graded_without(&["gelu", "step_by_step"]);
    let text = report("exercises", &graded);
    assert!(
        text.contains("do not compile: exercises/step_by_step.rs, exercises/gelu.rs (their exercises are not graded"),
        "{text}"
    );
    assert!(
        text.contains(
            "  gpt::gelu                                  | does not compile (exercises/gelu.rs)"
        ),
        "{text}"
    );
    assert!(
        text.contains("ex1::chain") && text.contains("ex1::dcounts "),
        "{text}"
    );
    assert!(text.contains("layers::tanh: right"), "{text}");
    let last = text.lines().find(|l| l.starts_with("exercises: ")).unwrap();
    assert!(last.starts_with("exercises: 1/"), "{text}");
    assert!(last.ends_with(", 28 do not compile"), "{last}");
    // Never right, and it fails the run.
    let gelu = graded
        .iter()
        .find(|g| g.grade.exercise == Exercise::Gelu)
        .unwrap();
    assert!(!gelu.grade.passed());
}
