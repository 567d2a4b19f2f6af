//! # Grading case: the neural bigram's `dW`
//!
//! Makemore part 1, `exercises/bigram.rs`.

use ndarray::{ArrayD, ArrayRef2};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::course::bigram::{self, Bigrams};
use crate::grade::Outcome;
use crate::grade::attempt::attempt;
use crate::grade::case::{LayerCase, dyn_, randn};
use crate::grade::hints::Known;
use crate::grade::table::{BackpropTable, SOLUTIONS};

/// The neural bigram's `dW`, on 9 random bigrams of a 5-character vocabulary.
#[allow(non_snake_case)]
pub fn neural(bp: &BackpropTable, id: &str, seed: u64) -> Outcome {
    let rng = &mut ChaCha8Rng::seed_from_u64(seed);
    let vocab = crate::corpus::words::Vocab::from_words(&["abcd".to_string()]);
    let (v, n) = (vocab.len(), 9);
    let data = Bigrams {
        xs: (0..n).map(|_| rng.random_range(0..v)).collect(),
        ys: (0..n).map(|_| rng.random_range(0..v)).collect(),
        vocab,
    };
    let W = randn((v, v), rng);
    let dW0 = randn((v, v), rng);

    let run =
        |backward: fn(&mut ArrayRef2<f64>, &bigram::NeuralForward, &Bigrams, &ArrayRef2<f64>)| {
            let f = bigram::forward(&W, &data).expect("the bigrams fit W");
            let mut dW = dW0.clone();
            backward(&mut dW, &f, &data, &W);
            vec![dW.into_dyn()]
        };
    let loss = |w: &ArrayD<f64>| {
        let w = w.view().into_dimensionality().expect("W is (V, V)");
        bigram::forward(&w, &data).expect("the bigrams fit W").loss
    };
    let case = LayerCase {
        id,
        vars: vec![("dW".into(), dyn_(&W), Box::new(loss))],
        prefill: vec![dyn_(&dW0)],
        seed,
        known: Known::none(),
        handed: format!(
            "dW ({v}, {v}), f.probs ({n}, {v}), data.xs ({n},), data.ys ({n},), W ({v}, {v})"
        ),
    };
    let learner = attempt(|| run(bp.bigram_backward));
    case.grade(learner, run(SOLUTIONS.bigram_backward), vec![])
}
