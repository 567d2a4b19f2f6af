use backprop_ninja::corpus::DataKind;
use backprop_ninja::corpus::words::Vocab;
use backprop_ninja::hyper::Hyper;
use backprop_ninja::models::mlp::Mlp;
use backprop_ninja::models::model::Network;
use backprop_ninja::train::generate::*;
use backprop_ninja::train::sampling::Sampling;
use rand::SeedableRng;

fn mlp() -> Network {
    let hyper = Hyper {
        vocab: 5,
        block: 2,
        n_embd: 3,
        n_hidden: 4,
    };
    Mlp::lecture_init(hyper, &mut rand_chacha::ChaCha8Rng::seed_from_u64(1))
        .unwrap()
        .into()
}

#[test]
fn a_word_model_draws_the_names_its_own_sampler_draws_and_no_text() {
    let model = mlp();
    let names = generate(
        &model,
        ".abcd",
        DataKind::Names,
        Request::Names { count: 4 },
        "a",
        9,
        Sampling::default(),
    )
    .unwrap();
    let Network::Mlp(m) = &model else {
        unreachable!()
    };
    let vocab = Vocab::from_chars(".abcd").unwrap();
    assert_eq!(
        names,
        backprop_ninja::train::sample(m, &vocab, 4, "a", 9).unwrap(),
        "the same names, bit for bit"
    );
    let err = generate(
        &model,
        ".abcd",
        DataKind::Names,
        Request::Text { chars: 10 },
        "",
        9,
        Sampling::default(),
    )
    .unwrap_err();
    assert!(err.to_string().contains("draws names, not text"), "{err}");
}
