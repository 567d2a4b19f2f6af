use crate::unit::watch::fixtures::{ELSEWHERE, GELU_BROKEN, RIGHT, WITHOUT_GELU};
use backprop_ninja::grade::compact::FIRST_END;
use std::process::Command;
use watch::compiler::broken_modules;
use watch::compiler::errors_by_file;
use watch::grading::*;

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

#[test]
fn the_saved_files_verdict_comes_first_and_is_not_in_the_report() {
    let mut command = Command::new("sh");
    command
        .args(["-c", "printf '%s\\n' \"$A\" \"$B\" \"$C\"; echo oops >&2"])
        .env("A", "layers::tanh: right")
        .env("B", FIRST_END)
        .env("C", "the report");
    let mut early = vec![];
    let (stdout, stderr) = run_streaming(&mut command, &mut |v| early.push(v.to_string())).unwrap();
    assert_eq!(early, ["layers::tanh: right\n"]);
    assert_eq!(stdout, "the report\n");
    assert_eq!(stderr, "oops\n");
    // Without the line, nothing early.
    let mut command = Command::new("sh");
    command.args(["-c", "printf 'the report\\n'"]);
    let mut early = 0;
    let (stdout, _) = run_streaming(&mut command, &mut |_| early += 1).unwrap();
    assert_eq!((early, stdout.as_str()), (0, "the report\n"));
}

#[test]
fn the_file_saved_last_is_found_by_its_time() {
    let dir = std::env::temp_dir().join(format!("saved-since-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("exercises")).unwrap();
    let before = std::time::SystemTime::now() - std::time::Duration::from_secs(60);
    assert_eq!(saved_since(&dir, before), None);
    std::fs::write(dir.join("exercises/notes.rs"), "").unwrap();
    assert_eq!(saved_since(&dir, before), None, "no exercise module");
    std::fs::write(dir.join("exercises/tanh.rs"), "").unwrap();
    assert_eq!(saved_since(&dir, before).as_deref(), Some("tanh"));
    let later = std::time::SystemTime::now() + std::time::Duration::from_secs(60);
    assert_eq!(saved_since(&dir, later), None);
    std::fs::remove_dir_all(&dir).unwrap();
}
