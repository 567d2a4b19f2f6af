//! # The tokenizer: minbpe's tests, and the incremental trainer against the naive loop
//!
//! The command trains with the incremental trainer
//! (`backprop_ninja::tokenizer::train::train`); the exercises teach the
//! naive loop. Both must learn the same merges, ties included.

use backprop_ninja::Solutions;
use backprop_ninja::solutions::bpe;
use backprop_ninja::tokenizer::train::{naive, train};
use backprop_ninja::tokenizer::{GPT2_SPLIT_PATTERN, GPT4_SPLIT_PATTERN, Split, Tokenizer};
use proptest::prelude::*;

#[test]
fn aaaaa_holds_four_pairs_aa_but_takes_two_merges() {
    let ids: Vec<u32> = "aaaaa".bytes().map(u32::from).collect();
    assert_eq!(bpe::get_stats(&ids), [((97, 97), 4)]);
    let once = bpe::merge(&ids, (97, 97), 256);
    assert_eq!(once, [256, 256, 97]);
    assert_eq!(bpe::merge(&once, (256, 256), 257), [257, 97]);
}

#[test]
fn minbpe_wikipedia_example_three_merges() {
    let merges = bpe::train("aaabdaaabac", 256 + 3);
    assert_eq!(bpe::encode("aaabdaaabac", &merges), [258, 100, 258, 97, 99]);
    assert_eq!(
        bpe::decode(&[258, 100, 258, 97, 99], &merges),
        "aaabdaaabac"
    );
    // The library's tokenizer, trained by the incremental trainer, agrees.
    let fast = train("aaabdaaabac", 259, &Split::new("").unwrap()).unwrap();
    assert_eq!(fast, merges);
    let t = Tokenizer::new("", fast).unwrap();
    assert_eq!(
        t.encode_ordinary("aaabdaaabac").unwrap(),
        [258, 100, 258, 97, 99]
    );
}

/// Texts where pairs repeat and counts tie: few letters, spaces, digits,
/// newlines, accents, CJK, an emoji.
fn text() -> impl Strategy<Value = String> {
    let letters = vec![
        'a', 'b', 'c', ' ', ' ', '\n', '1', '2', 'é', '日', '👋', '\'', 's', '.',
    ];
    proptest::collection::vec(proptest::sample::select(letters), 0..120)
        .prop_map(|cs| cs.into_iter().collect())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, failure_persistence: None, ..ProptestConfig::default() })]

    /// The incremental trainer learns the naive loop's merges, in the same
    /// order, ties included, with each split pattern.
    #[test]
    fn the_incremental_trainer_learns_the_merges_of_the_naive_loop(
        text in text(),
        merges in 0usize..60,
        pattern in prop_oneof![Just(""), Just(GPT2_SPLIT_PATTERN), Just(GPT4_SPLIT_PATTERN)],
    ) {
        let split = Split::new(pattern).unwrap();
        let fast = train(&text, 256 + merges, &split).unwrap();
        let slow = naive::<Solutions>(&text, 256 + merges, &split).unwrap();
        prop_assert_eq!(&fast, &slow);
        // And encoding with them is the reference's encode on each chunk.
        let t = Tokenizer::new(pattern, fast.clone()).unwrap();
        let expected: Vec<u32> = split
            .chunks(&text)
            .unwrap()
            .iter()
            .flat_map(|c| bpe::encode(c, &fast))
            .collect();
        let ids = t.encode_ordinary(&text).unwrap();
        prop_assert_eq!(&ids, &expected);
        prop_assert_eq!(t.decode(&ids).unwrap(), text);
    }
}
