use std::path::PathBuf;
use std::sync::mpsc::channel;
use std::time::Duration;
use watch::grading::Outcome;
use watch::saves::Event;

use crate::unit::watch::fixtures::{BROKEN, ELSEWHERE, GELU_BROKEN, RIGHT, WITHOUT_GELU};
use watch::event_loop::*;
use watch::screen::CLEAR;

const NOT_YET: &str = "next: layers::tanh (exercises/tanh.rs:18)\n\nlayers: 0/1 done, next: tanh\n\nexercises: 0/1 done, 1 not attempted, 0 wrong\n";

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
