use backprop_ninja::grade::hint_levels::*;
use backprop_ninja::registry::Exercise;

#[test]
fn each_call_shows_the_next_level_then_the_answer() {
    let dir = std::env::temp_dir().join(format!("hint-levels-{}", std::process::id()));
    let hints = Exercise::from_id("layers::tanh").unwrap().entry().hints;
    assert_eq!(
        ask(Exercise::Tanh, &shown(&dir)),
        "hint 1 of 3: cargo run -- hint layers::tanh"
    );
    let first = next(&dir, "layers::tanh").unwrap();
    assert!(
        first.contains("level 1 of 3") && first.contains(hints[0]),
        "{first}"
    );
    assert!(ask(Exercise::Tanh, &shown(&dir)).starts_with("hint 2 of 3: "));
    let second = next(&dir, "layers::tanh").unwrap();
    assert!(
        second.contains("level 2") && second.contains(hints[1]),
        "{second}"
    );
    let third = next(&dir, "layers::tanh").unwrap();
    assert!(
        third.contains("level 3") && third.contains(hints[2]),
        "{third}"
    );
    let tanh = Exercise::Tanh;
    assert_eq!(
        ask(tanh, &shown(&dir)),
        "where the answer is: cargo run -- hint layers::tanh"
    );
    let fourth = next(&dir, "layers::tanh").unwrap();
    assert!(fourth.contains("solutions/tanh.rs"), "{fourth}");
    // Another exercise starts at level 1.
    assert!(next(&dir, "layers::linear").unwrap().contains("level 1"));
    assert!(next(&dir, "nothing").is_err());
    let tanh = next(&dir, "tanh").unwrap_err();
    assert!(
        tanh.contains("names 2 exercises: micrograd::tanh, layers::tanh"),
        "{tanh}"
    );
    assert!(
        next(&dir, "dcounts")
            .unwrap()
            .starts_with("ex1::dcounts (level 1")
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_short_name_finds_the_one_exercise_it_names() {
    let id = |name: &str| find(name).map(|e| e.id());
    assert_eq!(id("gpt::head::dv"), Ok("gpt::head::dv"));
    assert_eq!(id("dv"), Ok("gpt::head::dv"));
    assert_eq!(id("head::dq"), Ok("gpt::head::dq"));
    assert_eq!(id("gelu"), Ok("gpt::gelu"));
    assert_eq!(id("GELU"), Ok("gpt::gelu"));
    assert_eq!(id("flatten"), Ok("wavenet::flatten_consecutive"));
    // `dbnvar` is a whole part of one id, and a piece of another.
    assert_eq!(id("dbnvar"), Ok("ex1::dbnvar"));
    let dw = find("dW").unwrap_err();
    assert!(dw.contains("ex1::dW2, ex1::dW1"), "{dw}");
    let entropy = find("cross_entropy").unwrap_err();
    assert!(
        entropy.contains("ex2::cross_entropy, gpt::cross_entropy"),
        "{entropy}"
    );
    assert!(find("").is_err());
    assert!(find("nothing").unwrap_err().starts_with("no exercise"));
}
