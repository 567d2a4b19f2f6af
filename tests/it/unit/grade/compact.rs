use backprop_ninja::grade::compact::*;

#[test]
fn a_size_counts_the_rows_a_text_takes_and_cuts_it() {
    assert_eq!(Size::parse("40x80"), Some(Size { rows: 40, cols: 80 }));
    assert_eq!(Size::parse("40"), None);
    assert_eq!(Size::parse("ax80"), None);
    assert_eq!(Size::parse(&Size::DEFAULT.to_var()), Some(Size::DEFAULT));
    let size = Size { rows: 5, cols: 10 };
    // A blank line is a row; 25 characters wrap onto 3.
    assert_eq!(size.rows_of(&format!("ab\n\n{}\n", "x".repeat(25))), 5);
    let text = "1\n2\n3\n4\n5\n6\n";
    assert_eq!(size.cut(text, 6, "…"), text);
    assert_eq!(size.cut(text, 4, "…"), "1\n2\n3\n…\n");
    assert_eq!(size.cut(text, 0, "…"), "");
    assert_eq!(
        Size { rows: 3, cols: 100 }.at_least_min(),
        Size {
            rows: 20,
            cols: 100
        }
    );
}

#[test]
fn the_solved_line_is_read_and_left_out_of_the_last_lines() {
    let screen = "solved: layers::tanh ex1::dcounts\nlayers: 1/3 done\n\nfailing\n\nexercises: 2/60 done\nnext: layers::linear at exercises/linear.rs:17; hint 1 of 3: cargo run -- hint layers::linear\n";
    assert_eq!(solved_in(screen), ["layers::tanh", "ex1::dcounts"]);
    let (body, last) = split_last(screen);
    assert_eq!(body, "layers: 1/3 done\n\nfailing\n\n");
    assert!(last.starts_with("exercises: 2/60 done\nnext: "), "{last}");
    let full = "layers: 1/3 done\n  layers::tanh: right; its derivation: solutions/tanh.rs\n";
    assert_eq!(solved_in(full), ["layers::tanh"]);
}
