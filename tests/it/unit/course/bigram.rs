use backprop_ninja::course::bigram::*;
use ndarray::Array2;

fn words(list: &[&str]) -> Vec<String> {
    list.iter().map(|w| w.to_string()).collect()
}

#[test]
fn emma_is_five_bigrams() {
    let data = Bigrams::from_words(&words(&["emma"])).unwrap();
    assert_eq!(data.vocab.as_string(), ".aem");
    // .e em mm ma a.
    assert_eq!(data.xs, [0, 2, 3, 3, 1]);
    assert_eq!(data.ys, [2, 3, 3, 1, 0]);
}

#[test]
fn counting_smooths_and_scores_by_mean_nll() {
    let data = Bigrams::from_words(&words(&["ab", "b"])).unwrap();
    // .a ab b. .b b.   with V = 3 (. a b)
    let model = Counting::fit(&data, 1.0).unwrap();
    assert_eq!(model.N.row(0).to_vec(), [0, 1, 1]);
    assert_eq!(model.N.row(2).to_vec(), [2, 0, 0]);
    assert!((model.P[[2, 0]] - 3.0 / 5.0).abs() < 1e-15);
    let want = -((2.0f64 / 5.0).ln() * 2.0 + (2.0f64 / 4.0).ln() + (3.0f64 / 5.0).ln() * 2.0) / 5.0;
    assert!((model.nll(&data).unwrap() - want).abs() < 1e-12);
}

#[test]
fn sampling_is_seeded_and_ends_words_at_the_boundary() {
    let data = Bigrams::from_words(&words(&["ab", "ba", "aab"])).unwrap();
    let model = Counting::fit(&data, 1.0).unwrap();
    let a = sample(&model.P, &data.vocab, 8, 3).unwrap();
    assert_eq!(a, sample(&model.P, &data.vocab, 8, 3).unwrap());
    assert!(a.iter().all(|w| !w.contains('.')), "{a:?}");
    // A model that never ends a word stops at MAX_SAMPLE_LEN.
    let never_ends = ndarray::array![[0.0, 1.0, 0.0], [0.0, 1.0, 0.0], [0.0, 1.0, 0.0]];
    let w = sample(&never_ends, &data.vocab, 1, 0).unwrap();
    assert_eq!(w[0].len(), MAX_SAMPLE_LEN);
}

#[test]
fn bad_shapes_and_settings_are_errors() {
    let data = Bigrams::from_words(&words(&["ab"])).unwrap();
    let err = forward(&Array2::zeros((2, 2)), &data)
        .unwrap_err()
        .to_string();
    assert!(err.contains("W has shape [2, 2], expected [3, 3]"), "{err}");
    let mut broken = data.clone();
    broken.ys[0] = 7;
    let err = Counting::fit(&broken, 1.0).unwrap_err().to_string();
    assert!(err.contains("index 7 is outside"), "{err}");
}
