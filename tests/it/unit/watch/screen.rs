use crate::unit::watch::fixtures::GELU_BROKEN;
use backprop_ninja::grade::compact;
use backprop_ninja::grade::compact::Size;
use watch::grading::Outcome;
use watch::screen::*;

const NEXT: &str =
    "fix: layers::linear at exercises/linear.rs:17; hint 1 of 3: cargo run -- hint layers::linear";

/// A report of `body_lines` failing lines, `solved` right.
fn report(solved: &str, body_lines: usize) -> String {
    let mut text = format!("{}{solved}\nlayers: 1/3 done\n\n", compact::SOLVED);
    for i in 0..body_lines {
        text.push_str(&format!("  failing line {i}\n"));
    }
    text.push_str(&format!("\nexercises: 1/60 done, 1 wrong\n{NEXT}\n"));
    text
}

#[test]
fn a_fitted_screen_keeps_the_next_line_last_under_a_derivation_and_errors() {
    let size = Size::DEFAULT;
    let mut screen = Screen::new(Some(size));
    let first = screen.render(&Outcome::Graded(report("", 60)));
    assert!(
        size.rows_of(first.trim_start_matches(CLEAR)) <= size.rows,
        "{first}"
    );
    assert!(first.ends_with(&format!("\n{NEXT}\n")), "{first}");
    assert!(
        first.contains("… more below the screen (watch --all)"),
        "{first}"
    );
    assert!(!first.contains(compact::SOLVED), "{first}");
    // tanh turns right: its derivation shows, cut to fit, above the last lines.
    let second = screen.render(&Outcome::Graded(report("layers::tanh", 60)));
    let shown = second.trim_start_matches(CLEAR);
    assert!(size.rows_of(shown) <= size.rows, "{second}");
    let derivation = shown
        .find("── layers::tanh is right! The derivation")
        .expect(shown);
    assert!(derivation < shown.find(NEXT).unwrap(), "{shown}");
    assert!(shown.ends_with(&format!("\n{NEXT}\n")), "{shown}");
    // A file that does not compile: its errors above, the next line last.
    let third = screen.render(&Outcome::Isolated {
        compiler: GELU_BROKEN.repeat(10),
        report: report("layers::tanh", 60),
    });
    let shown = third.trim_start_matches(CLEAR);
    assert!(size.rows_of(shown) <= size.rows, "{shown}");
    assert!(
        shown.contains("exercises/gelu.rs does not compile"),
        "{shown}"
    );
    assert!(shown.ends_with(&format!("\n{NEXT}\n")), "{shown}");
    // Without a size (`watch --all`), all of it.
    let mut all = Screen::new(None);
    let full = all.render(&Outcome::Graded(report("", 60)));
    assert!(full.contains("failing line 59\n"), "{full}");
    assert!(full.ends_with(&format!("\n{NEXT}\n")), "{full}");
}

#[test]
fn the_report_is_asked_for_the_rows_under_the_header() {
    assert_eq!(report_size(Size::DEFAULT), Size { rows: 38, cols: 80 });
    // The smallest terminal drawn for: 20 rows of 40 columns, where the
    // header takes two rows and its blank line one.
    assert_eq!(report_size(Size { rows: 5, cols: 10 }).rows, 17);
}
