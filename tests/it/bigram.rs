//! # The bigram model on the lecture's data (makemore part 1)
//!
//! The ignored tests need `../shared/names.txt`, the lecture's 32,033 names
//! (`cargo test -- --ignored`). Every bigram of every name is scored, with
//! no split, as in the lecture.

use crate::common;

use std::time::Instant;

use backprop_ninja::Solutions;
use backprop_ninja::corpus::words::Corpus;
use backprop_ninja::course::bigram::{Bigrams, Counting};
use backprop_ninja::train::bigram::{self as bigram_training, NeuralConfig};

fn names_txt() -> Bigrams {
    let data = Bigrams::from_words(&common::names_txt().words).unwrap();
    assert_eq!(data.len(), 228_146);
    data
}

#[test]
#[ignore = "needs ../shared/names.txt; run by CI"]
fn counting_on_names_txt_has_the_lecture_nll() {
    let data = names_txt();
    let nll = Counting::fit(&data, 1.0).unwrap().nll(&data).unwrap();
    println!("counting NLL on names.txt: {nll:.6}");
    assert!((nll - 2.4546).abs() <= 0.0005, "{nll}");
}

#[test]
#[ignore = "needs ../shared/names.txt; run by CI"]
fn the_neural_bigram_on_names_txt_comes_within_0_03_of_counting() {
    let data = names_txt();
    let counting = Counting::fit(&data, 1.0).unwrap().nll(&data).unwrap();
    let start = Instant::now();
    let (_, f) =
        bigram_training::train::<Solutions>(&data, &NeuralConfig::LECTURE, |_, _| {}).unwrap();
    println!(
        "neural bigram after {} steps ({:.1} s): loss {:.4}, NLL {:.4}; counting NLL {counting:.4}",
        NeuralConfig::LECTURE.steps,
        start.elapsed().as_secs_f64(),
        f.loss,
        f.nll
    );
    assert!(f.loss <= counting + 0.03, "loss {} vs {counting}", f.loss);
}

/// On the embedded corpus too (no file needed), a few steps go downhill.
#[test]
fn the_neural_bigram_learns_on_the_embedded_corpus() {
    let data = Bigrams::from_words(&Corpus::embedded().words).unwrap();
    let cfg = NeuralConfig {
        steps: 10,
        ..NeuralConfig::LECTURE
    };
    let mut losses = vec![];
    bigram_training::train::<Solutions>(&data, &cfg, |_, f| losses.push(f.loss)).unwrap();
    assert!(losses.windows(2).all(|w| w[1] < w[0]), "{losses:?}");
}
