use backprop_ninja::grade::attempt::*;

#[test]
fn todo_is_not_attempted_and_other_panics_are_reported() {
    let todo: Result<(), String> = attempt(|| todo!("a hint"));
    assert!(is_todo(&todo.unwrap_err()));
    let other: Result<(), String> = attempt(|| panic!("shapes differ"));
    let other = other.unwrap_err();
    assert!(
        other.starts_with(&format!("shapes differ\n  at {}:", file!())),
        "the message, then where: {other}"
    );
}
