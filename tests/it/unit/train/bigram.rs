use backprop_ninja::course::bigram::Bigrams;
use backprop_ninja::course::bigram::Counting;
use backprop_ninja::solutions::Solutions;
use backprop_ninja::train::bigram::*;

fn words(list: &[&str]) -> Vec<String> {
    list.iter().map(|w| w.to_string()).collect()
}

#[test]
fn the_neural_bigram_approaches_the_counting_model() {
    let data = Bigrams::from_words(&words(&["anna", "bob", "ada", "abba", "nab"])).unwrap();
    let counting = Counting::fit(&data, 1.0).unwrap().nll(&data).unwrap();
    let cfg = NeuralConfig {
        steps: 300,
        lr: 10.0,
        seed: 1,
    };
    let mut losses = vec![];
    let (_, f) = train::<Solutions>(&data, &cfg, |_, f| losses.push(f.loss)).unwrap();
    assert!(losses[0] > f.loss, "{losses:?}");
    assert!(f.nll < counting + 0.05, "{} vs {counting}", f.nll);
}

#[test]
fn a_learning_rate_that_is_not_positive_is_an_error() {
    let data = Bigrams::from_words(&words(&["ab"])).unwrap();
    let cfg = NeuralConfig {
        lr: -1.0,
        ..NeuralConfig::LECTURE
    };
    assert!(train::<Solutions>(&data, &cfg, |_, _| {}).is_err());
}
