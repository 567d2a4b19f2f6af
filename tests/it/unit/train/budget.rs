use backprop_ninja::hyper::Hyper;
use backprop_ninja::models::gpt::GptConfig;
use backprop_ninja::models::kind::ModelKind;
use backprop_ninja::train::budget::*;

fn hyper(block: usize, n_embd: usize, n_hidden: usize) -> Hyper {
    Hyper {
        vocab: 27,
        block,
        n_embd,
        n_hidden,
    }
}

#[test]
fn the_lecture_runs_fit_easily_and_absurd_ones_do_not() {
    let words = |kind, hyper, batch, examples| Need::Words {
        kind,
        hyper,
        batch,
        examples,
    };
    let mlp = estimate(&words(ModelKind::Mlp, hyper(3, 10, 200), 32, 228_146)).unwrap();
    assert!(mlp < 1_000_000_000, "{}", human(mlp));
    let wavenet = estimate(&words(ModelKind::WaveNet, hyper(8, 24, 128), 32, 228_146)).unwrap();
    assert!(wavenet < 1_000_000_000, "{}", human(wavenet));
    assert!(
        check(&words(
            ModelKind::Mlp,
            hyper(3, 10, 200),
            1_000_000_000_000,
            1000
        ))
        .is_err()
    );
    let err = check(&words(ModelKind::Mlp, hyper(3, usize::MAX, 200), 32, 1000))
        .unwrap_err()
        .to_string();
    assert!(err.contains("EB of memory"), "{err}");
    let err = check(&words(ModelKind::WaveNet, hyper(8, 24, 1 << 20), 32, 1000))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("TB of memory, over the limit of 17.2 GB"),
        "{err}"
    );
}

#[test]
fn evaluation_batches_count_in_the_budget() {
    let config = GptConfig::lecture(65);
    let gpt = |eval_batches| Need::Gpt {
        config: &config,
        batch: 64,
        eval_rows: 64,
        eval_batches,
        splits: 2,
    };
    assert!(check(&gpt(200)).is_ok());
    let err = check(&gpt(10_000_000)).unwrap_err().to_string();
    assert!(err.contains("10000000 evaluation batches"), "{err}");
    assert!(check(&gpt(usize::MAX)).is_err());
}

#[test]
fn sizes_read_plainly() {
    assert_eq!(human(999), "999.0 bytes");
    assert_eq!(human(12_500_000), "12.5 MB");
}
