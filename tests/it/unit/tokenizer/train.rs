use backprop_ninja::Solutions;
use backprop_ninja::tokenizer::split::Split;
use backprop_ninja::tokenizer::split::{GPT2_SPLIT_PATTERN, GPT4_SPLIT_PATTERN};
use backprop_ninja::tokenizer::train::*;

#[test]
fn a_vocabulary_below_256_is_refused() {
    let err = train("abc", 255, &Split::new("").unwrap()).unwrap_err();
    assert!(err.to_string().contains("255 ids is below 256"), "{err}");
}

#[test]
fn training_stops_when_no_pair_is_left() {
    // "aaaaa": aa, then (aa)(aa), then (aaaa)a: 3 merges at most.
    let merges = train("aaaaa", 1000, &Split::new("").unwrap()).unwrap();
    assert_eq!(
        merges,
        [((97, 97), 256), ((256, 256), 257), ((257, 97), 258)]
    );
}

#[test]
fn the_incremental_trainer_learns_the_naive_loops_merges() {
    let text = "the cat sat on the mat; the hat, that cat's hat! 123 4567 aaaa bbbb abab";
    for pattern in ["", GPT2_SPLIT_PATTERN, GPT4_SPLIT_PATTERN] {
        let split = Split::new(pattern).unwrap();
        assert_eq!(
            train(text, 300, &split).unwrap(),
            naive::<Solutions>(text, 300, &split).unwrap(),
            "{pattern:?}"
        );
    }
}
