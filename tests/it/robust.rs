//! # No lost work, no panics: the CLI under bad input, pipes, faults and resumes
//!
//! Each test here is one defect of a first version of the command line
//! (closed pipes, an output that is an input, resumes that did not continue
//! the run, diverged models saved over good ones, two writers, stale
//! temporary files, absurd sizes, odd corpora), and two property tests: no
//! numeric option and no corrupted checkpoint makes the program panic.

use std::io::Read;
use std::path::Path;
use std::process::{Output, Stdio};

use backprop_ninja::io::checkpoint;
use backprop_ninja::io::weights::{self, Tensor};
use proptest::prelude::*;

use crate::common;
use common::cli::{assert_fails, bin, run, s, small_corpus, stderr, stdout, succeeds, temp_dir};

fn assert_ok(o: &Output) {
    succeeds(o);
}

/// Trains `steps` on the small corpus into `out`, with `extra` options
/// (after `train`: a model first, if any).
fn train(corpus: &Path, out: &Path, steps: &str, extra: &[&str]) -> Output {
    let mut args = vec!["train"];
    args.extend(extra);
    args.extend([
        "--data",
        s(corpus),
        "--steps",
        steps,
        "--samples",
        "0",
        "--out",
        s(out),
    ]);
    run(&args)
}

/// Runs with stdout a pipe whose reader is gone before the first line.
fn run_with_stdout_closed(args: &[&str]) -> Output {
    let mut child = bin()
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    let status = child.wait().unwrap();
    Output {
        status,
        stdout: vec![],
        stderr: err.into_bytes(),
    }
}

#[test]
fn every_subcommand_ends_cleanly_when_stdout_is_closed() {
    let dir = temp_dir("pipe");
    let corpus = small_corpus(&dir);
    let model = dir.join("m.safetensors");
    let o = run_with_stdout_closed(&[
        "train",
        "--data",
        s(&corpus),
        "--steps",
        "300",
        "--eval-every",
        "1",
        "--out",
        s(&model),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!stderr(&o).contains("panicked"), "{}", stderr(&o));
    let saved = checkpoint::load(&model).expect("the model is saved");
    assert_eq!(
        saved.step, 300,
        "trained to the end, not stopped by the pipe"
    );
    for args in [
        vec!["sample", "--model", s(&model), "--count", "1000"],
        vec!["eval", "--model", s(&model), "--data", s(&corpus)],
        vec!["bigram", "--data", s(&corpus), "--steps", "5"],
        vec![
            "diagnose",
            "--data",
            s(&corpus),
            "--steps",
            "3",
            "--stats-every",
            "1",
        ],
        vec!["check", "--seed", "3"],
        vec!["--help"],
    ] {
        let o = run_with_stdout_closed(&args);
        assert!(o.status.success(), "{args:?}: {}", stderr(&o));
        assert!(!stderr(&o).contains("panicked"), "{args:?}: {}", stderr(&o));
    }
}

#[test]
fn the_output_is_never_an_input_and_must_be_writable_before_the_first_step() {
    let dir = temp_dir("out");
    let corpus = small_corpus(&dir);
    let before = std::fs::read(&corpus).unwrap();
    let o = train(&corpus, &corpus, "5", &[]);
    assert_fails(&o, "--out is the same file as --data");
    #[cfg(unix)]
    {
        let link = dir.join("link.safetensors");
        std::os::unix::fs::symlink(&corpus, &link).unwrap();
        assert_fails(
            &train(&corpus, &link, "5", &[]),
            "--out is the same file as --data",
        );
    }
    assert_eq!(
        std::fs::read(&corpus).unwrap(),
        before,
        "the corpus is intact"
    );

    for (out, expected) in [
        (dir.join("no/such/dir/m.safetensors"), "does not exist"),
        (dir.clone(), "is a directory"),
    ] {
        let o = train(&corpus, &out, "5", &[]);
        assert_fails(&o, expected);
        assert!(
            !stdout(&o).contains("model:"),
            "refused before training: {}",
            stdout(&o)
        );
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let ro = dir.join("read-only");
        std::fs::create_dir(&ro).unwrap();
        std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o555)).unwrap();
        // root writes anywhere: only check where the permission holds.
        if std::fs::write(ro.join("probe"), "x").is_err() {
            let o = train(&corpus, &ro.join("m.safetensors"), "5", &[]);
            assert_fails(&o, "cannot write in its directory");
            assert!(!stdout(&o).contains("model:"), "{}", stdout(&o));
        }
    }
}

#[test]
fn resume_continues_the_run_with_its_own_settings() {
    let dir = temp_dir("resume");
    let corpus = small_corpus(&dir);
    let settings = [
        "--batch-size",
        "16",
        "--lr",
        "0.05",
        "--lr-decay-step",
        "60",
        "--seed",
        "9",
    ];
    let whole = dir.join("whole.safetensors");
    assert_ok(&train(&corpus, &whole, "120", &settings));
    let part = dir.join("part.safetensors");
    assert_ok(&train(&corpus, &part, "80", &settings));
    // No settings repeated, no corpus: all from the checkpoint.
    let o = run(&[
        "train",
        "--resume",
        s(&part),
        "--steps",
        "120",
        "--samples",
        "0",
        "--out",
        s(&part),
    ]);
    assert_ok(&o);
    assert!(
        stdout(&o).contains(&format!("data: {}", s(&corpus))),
        "{}",
        stdout(&o)
    );
    let (a, b) = (
        checkpoint::load(&whole).unwrap(),
        checkpoint::load(&part).unwrap(),
    );
    assert_eq!(
        a.model, b.model,
        "the resumed run is the uninterrupted one, bit for bit"
    );
    assert_eq!(a.config, b.config);

    // Repeating a setting is fine; contradicting one is refused with both values.
    assert_ok(&run(&[
        "train",
        "--resume",
        s(&part),
        "--steps",
        "130",
        "--seed",
        "9",
        "--samples",
        "0",
        "--out",
        s(&part),
    ]));
    for (flag, value, stored) in [
        ("--lr", "0.1", "(lr 0.05)"),
        ("--batch-size", "32", "(batch-size 16)"),
        ("--lr-decay-step", "100000", "(lr-decay-step 60)"),
        ("--seed", "1", "(seed 9)"),
        ("--n-embd", "12", "(n-embd 10)"),
        ("--block-size", "4", "(block-size 3)"),
        ("--n-hidden", "10", "(n-hidden 200)"),
    ] {
        let o = run(&[
            "train",
            "--resume",
            s(&part),
            "--steps",
            "200",
            flag,
            value,
            "--out",
            s(&part),
        ]);
        assert_fails(&o, &format!("{flag} {value} contradicts the checkpoint"));
        assert!(stderr(&o).contains(stored), "{}", stderr(&o));
    }
    let o = run(&["train", "wavenet", "--resume", s(&part), "--out", s(&part)]);
    assert_fails(&o, "which holds a mlp");

    let before = std::fs::read(&part).unwrap();
    let o = run(&[
        "train",
        "--resume",
        s(&part),
        "--steps",
        "100",
        "--out",
        s(&part),
    ]);
    assert_fails(&o, "nothing left to train");
    assert!(stderr(&o).contains("at step 130"), "{}", stderr(&o));
    let o = run(&["train", "--resume", s(&part), "--out", s(&part)]);
    assert_fails(&o, "nothing left to train");
    assert_eq!(
        std::fs::read(&part).unwrap(),
        before,
        "the file is not rewritten"
    );
}

#[test]
fn resume_refuses_another_corpus_unless_asked() {
    let dir = temp_dir("corpus");
    let corpus = small_corpus(&dir);
    let model = dir.join("m.safetensors");
    assert_ok(&train(&corpus, &model, "20", &[]));
    let other = dir.join("other.txt");
    let text = std::fs::read_to_string(&corpus).unwrap();
    std::fs::write(
        &other,
        text.lines().rev().skip(3).collect::<Vec<_>>().join("\n"),
    )
    .unwrap();
    let resume = |extra: &[&str]| {
        let mut args = vec![
            "train",
            "--resume",
            s(&model),
            "--samples",
            "0",
            "--out",
            s(&model),
        ];
        args.extend(extra);
        run(&args)
    };
    let o = resume(&["--data", s(&other), "--steps", "30"]);
    assert_fails(&o, "not the corpus the checkpoint");
    assert!(stderr(&o).contains("other.txt"), "{}", stderr(&o));
    // The same words in a moved file are the same corpus.
    let moved = dir.join("moved.txt");
    std::fs::copy(&corpus, &moved).unwrap();
    assert_ok(&resume(&["--data", s(&moved), "--steps", "30"]));
    assert_ok(&resume(&[
        "--data",
        s(&other),
        "--other-data",
        "--steps",
        "40",
    ]));
    // A corpus with a character the model has never seen.
    let accented = dir.join("accented.txt");
    std::fs::write(&accented, format!("{text}\njosé")).unwrap();
    let o = resume(&["--data", s(&accented), "--other-data", "--steps", "50"]);
    assert_fails(&o, "accented.txt:");
    assert!(
        stderr(&o).contains("character 'é'") && stderr(&o).contains("m.safetensors"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn a_diverged_run_stops_and_keeps_the_last_good_checkpoint() {
    let dir = temp_dir("diverge");
    let corpus = small_corpus(&dir);
    let model = dir.join("m.safetensors");
    assert_ok(&train(&corpus, &model, "20", &[]));
    let good = std::fs::read(&model).unwrap();
    for lr in ["1e15", "1e9"] {
        // A good model in the output, which the diverging run must not replace.
        let fresh = dir.join(format!("fresh-{lr}.safetensors"));
        std::fs::write(&fresh, &good).unwrap();
        let o = train(&corpus, &fresh, "400", &["--lr", lr, "--eval-every", "10"]);
        assert_fails(&o, "at step");
        assert!(
            stderr(&o).contains("keeps the last good checkpoint")
                || stderr(&o).contains("left as it was"),
            "{}",
            stderr(&o)
        );
        let kept = std::fs::read(&fresh).unwrap();
        let loaded = checkpoint::load(&fresh).expect("what is kept loads: finite tensors");
        assert!(
            kept == good || loaded.step.is_multiple_of(10),
            "the good file or a checkpoint"
        );
    }
    // 1-based step numbers: a loss that is NaN from the first step is step 1.
    let o = train(
        &corpus,
        &dir.join("nan.safetensors"),
        "50",
        &["--lr", "1e30"],
    );
    assert_fails(&o, "step");
    assert!(!dir.join("nan.safetensors").exists(), "nothing written");
}

#[test]
fn the_loader_refuses_non_finite_tensors_and_negative_variances_by_name() {
    let dir = temp_dir("nan");
    let corpus = small_corpus(&dir);
    let model = dir.join("m.safetensors");
    assert_ok(&train(&corpus, &model, "5", &[]));
    for (name, value, expected) in [
        ("W1", f32::NAN, "tensor W1 holds NaN at element"),
        ("b2", f32::INFINITY, "tensor b2 holds inf at element"),
        (
            "bnvar_running",
            -1.0,
            "tensor bnvar_running holds -1 at element 0: a variance cannot be negative",
        ),
    ] {
        let (mut tensors, mut meta) = weights::load(&model).unwrap();
        // Without checksums, as a file written before them: the values are
        // what is checked.
        meta.retain(|k, _| !k.starts_with("checksum"));
        let Tensor::F32(t) = tensors.get_mut(name).unwrap() else {
            panic!()
        };
        t.as_slice_mut().unwrap()[0] = value;
        let bad = dir.join(format!("bad-{name}.safetensors"));
        weights::save(&bad, tensors.into_iter().collect(), meta).unwrap();
        assert_fails(
            &run(&["eval", "--model", s(&bad), "--data", s(&corpus)]),
            expected,
        );
        assert_fails(&run(&["sample", "--model", s(&bad)]), expected);
    }
}

#[test]
fn a_second_writer_of_the_same_output_is_refused() {
    let dir = temp_dir("lock");
    let corpus = small_corpus(&dir);
    let model = dir.join("m.safetensors");
    let held = backprop_ninja::io::output::Output::claim(
        &model,
        &[],
        backprop_ninja::io::output::Claim::checkpoint(false),
    )
    .unwrap();
    let o = train(&corpus, &model, "5", &[]);
    assert_fails(&o, "another run is writing this file");
    assert!(!model.exists());
    drop(held);
    assert_ok(&train(&corpus, &model, "5", &[]));
}

#[test]
fn stale_temporary_files_are_removed_and_ignored_by_git() {
    let dir = temp_dir("stale");
    let corpus = small_corpus(&dir);
    let model = dir.join("m.safetensors");
    let stale = dir.join("m.safetensors.tmp-4194304-3");
    std::fs::write(&stale, "half a checkpoint").unwrap();
    let o = train(&corpus, &model, "5", &[]);
    assert_ok(&o);
    assert!(!stale.exists(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("m.safetensors.tmp-4194304-3"),
        "{}",
        stderr(&o)
    );
    let gitignore = include_str!("../../.gitignore");
    assert!(gitignore.lines().any(|l| l == "*.tmp-*-*"), "{gitignore}");
}

#[test]
fn absurd_sizes_are_refused_with_the_memory_they_need() {
    let dir = temp_dir("sizes");
    let corpus = small_corpus(&dir);
    let out = dir.join("m.safetensors");
    for flag in ["--batch-size", "--block-size", "--n-hidden", "--n-embd"] {
        for model in ["mlp", "wavenet"] {
            let o = train(&corpus, &out, "5", &[model, flag, "18446744073709551615"]);
            assert_fails(&o, "");
            assert!(
                stderr(&o).contains("of memory, over the limit")
                    || stderr(&o).contains("power of two"),
                "{flag} {model}: {}",
                stderr(&o)
            );
        }
    }
    assert_fails(
        &train(&corpus, &out, "5", &["--batch-size", "1000000000000"]),
        "PB of memory",
    );
    assert_fails(
        &run(&["diagnose", "--batch-size", "1000000000000"]),
        "of memory",
    );
    assert!(!out.exists());
}

#[test]
fn counts_are_checked_with_clear_messages() {
    assert_fails(
        &run(&["train", "--eval-every", "0"]),
        "0 is not allowed: at least 1",
    );
    assert_fails(&run(&["train", "--steps", "-1"]), "-1 is negative");
    assert_fails(&run(&["train", "--steps", "0"]), "nothing to train");
    assert_fails(
        &run(&["diagnose", "--stats-every", "0"]),
        "0 is not allowed",
    );
    assert_fails(&run(&["sample", "--count", "-5"]), "-5 is negative");
    assert_fails(&run(&["bigram", "--samples", "99999999999"]), "too many");
}

#[test]
fn corpora_lose_their_byte_order_mark_and_refuse_control_characters() {
    let dir = temp_dir("text");
    let corpus = small_corpus(&dir);
    let text = std::fs::read_to_string(&corpus).unwrap();
    let bom = dir.join("bom.txt");
    std::fs::write(&bom, format!("\u{feff}{text}")).unwrap();
    let o = train(&bom, &dir.join("m.safetensors"), "2", &[]);
    assert_ok(&o);
    assert!(
        stdout(&o).contains("vocabulary of 27 (.abc"),
        "{}",
        stdout(&o)
    );

    let control = dir.join("control.txt");
    std::fs::write(&control, format!("emma\nol\x08ivia\n{text}")).unwrap();
    assert_fails(
        &run(&["bigram", "--data", s(&control)]),
        "control.txt:2: \"ol\\u{8}ivia\" has the control character",
    );

    let latin1 = dir.join("latin1.txt");
    let mut bytes = b"emma\nava\njos".to_vec();
    bytes.push(0xe9);
    std::fs::write(&latin1, bytes).unwrap();
    assert_fails(
        &run(&["train", "--data", s(&latin1)]),
        "latin1.txt:3: not UTF-8 text: byte 0xe9 at byte offset 12",
    );
}

// ---- property tests ----

/// Values that find the edges: small ones, zero, and huge ones.
fn size() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => (0usize..40).prop_map(|n| n.to_string()),
        1 => Just(u64::MAX.to_string()),
        1 => (1u64 << 33..u64::MAX).prop_map(|n| n.to_string()),
        1 => Just("-1".to_string()),
    ]
}

fn rate() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("0.1".to_string()),
        Just("0".to_string()),
        Just("-1".to_string()),
        Just("NaN".to_string()),
        Just("inf".to_string()),
        Just("1e30".to_string()),
        (-10.0f32..10.0).prop_map(|x| x.to_string()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, failure_persistence: None, ..ProptestConfig::default() })]

    /// No combination of numeric options makes `train` panic or abort.
    #[test]
    fn numeric_options_never_panic(
        model in prop_oneof![Just("mlp"), Just("wavenet")],
        steps in prop_oneof![(0usize..4).prop_map(|n| n.to_string()), Just("-3".to_string())],
        batch in size(), block in size(), embd in size(), hidden in size(),
        every in size(), lr in rate(), decay in size(),
    ) {
        let dir = temp_dir("prop");
        let corpus = small_corpus(&dir);
        let out = dir.join("m.safetensors");
        let o = run(&[
            "train", model, "--data", s(&corpus), "--steps", &steps, "--batch-size", &batch,
            "--block-size", &block, "--n-embd", &embd, "--n-hidden", &hidden, "--eval-every", &every,
            "--lr", &lr, "--lr-decay-step", &decay, "--samples", "2", "--out", s(&out),
        ]);
        let err = stderr(&o);
        prop_assert!(o.status.code().is_some() && o.status.code() != Some(101), "{}", err);
        prop_assert!(!err.contains("panicked"), "{}", err);
        if !o.status.success() {
            prop_assert!(err.lines().any(|l| l.starts_with("error: ")), "{}", err);
        }
    }

    /// Nor do those of `bigram`, `sample` and `diagnose`.
    #[test]
    fn other_numeric_options_never_panic(
        steps in prop_oneof![(0usize..3).prop_map(|n| n.to_string()), Just("-1".to_string())],
        count in size(), lr in rate(), seed in any::<u64>(), batch in size(), every in size(),
    ) {
        let dir = temp_dir("prop-other");
        let corpus = small_corpus(&dir);
        let data = s(&corpus).to_string();
        for args in [
            vec!["bigram".to_string(), "--data".into(), data.clone(), "--steps".into(), steps.clone(), "--lr".into(), lr.clone(), "--samples".into(), count.clone(), "--seed".into(), seed.to_string()],
            vec!["diagnose".to_string(), "--data".into(), data.clone(), "--steps".into(), steps.clone(), "--batch-size".into(), batch.clone(), "--stats-every".into(), every.clone(), "--lr".into(), lr.clone()],
            vec!["sample".to_string(), "--model".into(), "/no/such/model.safetensors".into(), "--count".into(), count.clone(), "--seed".into(), seed.to_string()],
        ] {
            let o = bin().args(&args).output().unwrap();
            let err = stderr(&o);
            prop_assert!(o.status.code().is_some() && o.status.code() != Some(101), "{:?}: {}", args, err);
            prop_assert!(!err.contains("panicked"), "{:?}: {}", args, err);
        }
    }
}

/// A checkpoint's bytes, to corrupt.
fn checkpoint_bytes(model: &str) -> &'static [u8] {
    use std::sync::OnceLock;
    static FILES: OnceLock<(Vec<u8>, Vec<u8>)> = OnceLock::new();
    let (mlp, wavenet) = FILES.get_or_init(|| {
        let dir = temp_dir("bytes");
        let corpus = small_corpus(&dir);
        let mut files = vec![];
        for kind in ["mlp", "wavenet"] {
            let out = dir.join(format!("{kind}.safetensors"));
            let o = train(
                &corpus,
                &out,
                "3",
                &[kind, "--n-hidden", "8", "--n-embd", "4"],
            );
            assert_ok(&o);
            files.push(std::fs::read(&out).unwrap());
        }
        (files.remove(0), files.remove(0))
    });
    if model == "mlp" { mlp } else { wavenet }
}

#[derive(Clone, Debug)]
enum Damage {
    /// Set the byte at this fraction of the file to a value.
    Byte(f64, u8),
    /// Cut the file at this fraction.
    Cut(f64),
    /// Replace a metadata value.
    Meta(&'static str, String),
}

fn damage() -> impl Strategy<Value = Damage> {
    let key = prop_oneof![
        Just("block_size"),
        Just("n_embd"),
        Just("n_hidden"),
        Just("vocab"),
        Just("model"),
        Just("step"),
        Just("steps"),
        Just("lr"),
        Just("batch_size"),
        Just("format"),
        Just("data_words"),
        Just("data_fnv1a64"),
    ];
    let value = prop_oneof![
        (0u64..100).prop_map(|n| n.to_string()),
        any::<u64>().prop_map(|n| n.to_string()),
        Just("NaN".to_string()),
        Just("-1".to_string()),
        Just(String::new()),
        Just(".".to_string()),
        Just("wavenet".to_string()),
        Just("mlp".to_string()),
        "[ -~]{0,12}",
    ];
    prop_oneof![
        (0.0..1.0f64, any::<u8>()).prop_map(|(at, b)| Damage::Byte(at, b)),
        (0.0..1.0f64).prop_map(Damage::Cut),
        (key, value).prop_map(|(k, v)| Damage::Meta(k, v)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, failure_persistence: None, ..ProptestConfig::default() })]

    /// A damaged checkpoint loads or is refused; it never panics or aborts.
    #[test]
    fn corrupted_checkpoints_never_panic(
        model in prop_oneof![Just("mlp"), Just("wavenet")],
        damages in proptest::collection::vec(damage(), 1..4),
    ) {
        let dir = std::env::temp_dir().join(format!("backprop-ninja-robust-{}-damaged", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(format!("{model}.safetensors"));
        let mut bytes = checkpoint_bytes(model).to_vec();
        for d in &damages {
            match d {
                Damage::Byte(at, b) => {
                    let i = ((bytes.len() as f64 * at) as usize).min(bytes.len().saturating_sub(1));
                    if let Some(x) = bytes.get_mut(i) { *x = *b; }
                }
                Damage::Cut(at) => bytes.truncate((bytes.len() as f64 * at) as usize),
                Damage::Meta(key, value) => {
                    std::fs::write(&path, &bytes).unwrap();
                    if let Ok((tensors, mut meta)) = weights::load(&path) {
                        meta.insert(key.to_string(), value.clone());
                        weights::save(&path, tensors.into_iter().collect(), meta).unwrap();
                        bytes = std::fs::read(&path).unwrap();
                    }
                }
            }
        }
        std::fs::write(&path, &bytes).unwrap();
        if let Ok(ckpt) = checkpoint::load(&path) {
            // What loads can be used.
            let words = ckpt.word_vocab(&path).and_then(|vocab| ckpt.model.clone().with(SampleOne(&vocab)));
            prop_assert!(words.is_ok() || words.is_err());
        }
    }
}

struct SampleOne<'a>(&'a backprop_ninja::corpus::words::Vocab);

impl backprop_ninja::models::model::WithModel for SampleOne<'_> {
    type Output = backprop_ninja::Result<Vec<String>>;
    fn run<
        M: backprop_ninja::models::model::Model + Into<backprop_ninja::models::model::Network>,
    >(
        self,
        model: M,
    ) -> Self::Output {
        backprop_ninja::train::sample(&model, self.0, 2, "", 1)
    }
    fn run_gpt(self, model: backprop_ninja::models::gpt::Gpt<f32>) -> Self::Output {
        backprop_ninja::train::gpt::sample_names(
            &model,
            &self.0.as_string(),
            "",
            2,
            1,
            backprop_ninja::train::sampling::Sampling::default(),
        )
    }
    fn run_reward(self, model: backprop_ninja::models::reward::RewardModel<f32>) -> Self::Output {
        Ok(vec![model.score(&[0])?.to_string()])
    }
}

/// The trainer's side of divergence: a loss that stays far above its start
/// stops the run after the stretch, 1-based, and no checkpoint is handed
/// out from the stretch or from the step before it.
#[test]
fn a_loss_far_above_its_start_stops_the_trainer_after_the_stretch() {
    use backprop_ninja::models::mlp::Mlp;
    use backprop_ninja::train::{self, DIVERGED_STRETCH, Dataset, TrainConfig, lecture_hyper};
    use rand::SeedableRng;

    let dir = temp_dir("trainer");
    let corpus = backprop_ninja::corpus::words::Corpus::from_file(&small_corpus(&dir)).unwrap();
    let cfg = TrainConfig {
        steps: 1000,
        optimizer: backprop_ninja::train::OptimizerConfig::Sgd(backprop_ninja::train::Schedule {
            lr: 1e9,
            lr_decayed: 1e9,
            ..backprop_ninja::train::Schedule::LECTURE
        }),
        ..TrainConfig::LECTURE
    };
    let data = Dataset::new(&corpus, 3, cfg.seed).unwrap();
    let hyper = lecture_hyper(data.vocab.len());
    let mut model =
        Mlp::<f32>::lecture_init(hyper, &mut rand_chacha::ChaCha8Rng::seed_from_u64(1)).unwrap();
    let mut saved = vec![];
    let err = train::train::<backprop_ninja::Solutions, _>(
        &mut model,
        &data.train,
        &cfg,
        0,
        1,
        |_| {},
        |_, step| {
            saved.push(step);
            Ok(())
        },
    )
    .unwrap_err();
    let backprop_ninja::Error::DivergedFar { step, since, .. } = err else {
        panic!("{err}")
    };
    assert_eq!(step + 1 - since, DIVERGED_STRETCH, "{err}");
    assert!(since >= 2, "step 1's loss is the start");
    assert!(
        saved.iter().all(|&s| s + 1 < since),
        "checkpoints {saved:?}, far above since step {since}"
    );
}

/// Garbage never replaces a good model: a word model's run whose evaluated
/// loss goes far above its best (a learning rate of 4, as `train --lr 4
/// --steps 2000 --eval-every 500`, whose loss went to 29.9) stops at that
/// evaluation, exits non-zero, and leaves the good checkpoint it would
/// have overwritten as it was.
#[test]
fn a_word_model_gone_bad_at_an_evaluation_never_replaces_the_good_one() {
    let dir = temp_dir("garbage");
    let corpus = small_corpus(&dir);
    let good = dir.join("good.safetensors");
    assert_ok(&train(&corpus, &good, "300", &[]));
    let before = std::fs::read(&good).unwrap();
    let o = train(
        &corpus,
        &good,
        "400",
        &["mlp", "--lr", "4", "--eval-every", "100"],
    );
    assert_fails(&o, "the best so far (of step 0) plus 1 nat");
    assert_fails(&o, "was left as it was");
    assert_eq!(
        std::fs::read(&good).unwrap(),
        before,
        "the good checkpoint is kept, byte for byte"
    );
}
