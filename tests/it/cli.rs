//! # The command line, as a user runs it
//!
//! Short runs of the real binary, on a small corpus drawn from the embedded
//! one: train, then sample and eval the saved model; `check`; and every kind
//! of bad input, which must end with a message naming the problem and a
//! non-zero exit.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_backprop-ninja"))
}

fn run(args: &[&str]) -> Output {
    bin().args(args).output().expect("the binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The command failed, and said `expected` on stderr.
fn assert_fails(o: &Output, expected: &str) {
    assert!(!o.status.success(), "should fail with {expected:?}");
    assert!(
        stderr(o).contains(expected),
        "expected {expected:?} in: {}",
        stderr(o)
    );
}

/// The command succeeded: its stdout.
fn succeeds(o: &Output) -> String {
    assert!(o.status.success(), "{}\n{}", stdout(o), stderr(o));
    stdout(o)
}

/// The command succeeded, and said `expected` on stdout.
fn assert_succeeds(o: &Output, expected: &str) {
    let out = succeeds(o);
    assert!(out.contains(expected), "expected {expected:?} in: {out}");
}

/// `eval` of the model saved at `model`, on `corpus`.
fn eval(model: &Path, corpus: &Path) -> Output {
    run(&["eval", "--model", s(model), "--data", s(corpus)])
}

/// `train` on `corpus` resumed from `model` up to `steps`, saved back there,
/// with `extra` options (after `train`: a model first, if any).
fn resume(corpus: &Path, model: &Path, steps: &str, extra: &[&str]) -> Output {
    let args = [
        "--data",
        s(corpus),
        "--resume",
        s(model),
        "--steps",
        steps,
        "--samples",
        "0",
        "--out",
        s(model),
    ];
    bin()
        .arg("train")
        .args(extra)
        .args(args)
        .output()
        .expect("the binary runs")
}

fn temp_dir(name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("backprop-ninja-cli-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// A corpus of about 500 names from the embedded one, every letter among
/// them: small enough that training and evaluating in a test build take a
/// moment, with the full vocabulary of 27.
fn small_corpus(dir: &Path) -> PathBuf {
    let names: Vec<&str> = include_str!("../../data/names.txt").lines().collect();
    let mut picked: Vec<&str> = names.iter().step_by(60).copied().collect();
    for letter in 'a'..='z' {
        if !picked.iter().any(|n| n.contains(letter)) {
            picked.push(
                names
                    .iter()
                    .find(|n| n.contains(letter))
                    .expect("every letter occurs"),
            );
        }
    }
    let path = dir.join("small.txt");
    std::fs::write(&path, picked.join("\n")).unwrap();
    path
}

#[test]
fn train_uses_the_embedded_corpus_by_default() {
    let model = temp_dir("default").join("m.safetensors");
    let o = run(&[
        "train",
        "--steps",
        "2",
        "--samples",
        "0",
        "--out",
        s(&model),
    ]);
    let out = succeeds(&o);
    assert!(
        out.contains("data: embedded:data/names.txt, 30000 words, vocabulary of 27"),
        "{out}"
    );
}

#[test]
fn train_then_sample_and_eval_the_saved_model() {
    let dir = temp_dir("train");
    let corpus = small_corpus(&dir);
    let model = dir.join("m.safetensors");
    let o = run(&[
        "train",
        "--data",
        s(&corpus),
        "--steps",
        "400",
        "--eval-every",
        "200",
        "--samples",
        "3",
        "--out",
        s(&model),
    ]);
    let out = succeeds(&o);
    assert!(out.contains("vocabulary of 27"), "{out}");
    assert!(
        out.contains("    200/    400:"),
        "plain progress lines when not a terminal: {out}"
    );
    assert!(
        out.contains("train ") && out.contains("val ") && out.contains("samples:"),
        "{out}"
    );
    assert!(model.exists());

    let o = run(&[
        "sample",
        "--model",
        s(&model),
        "--count",
        "5",
        "--seed",
        "3",
    ]);
    succeeds(&o);
    assert_eq!(stdout(&o).lines().count(), 5);
    assert_eq!(
        stdout(&o),
        stdout(&run(&[
            "sample",
            "--model",
            s(&model),
            "--count",
            "5",
            "--seed",
            "3"
        ])),
        "same seed, same names"
    );

    assert_succeeds(&eval(&model, &corpus), "step 400");

    let o = run(&["sample", "--model", s(&model), "--prefix", "a9"]);
    assert_fails(&o, "'9' is not in the model's vocabulary");

    // Resume to 600 steps.
    assert_succeeds(&resume(&corpus, &model, "600", &[]), "resuming");
    assert_succeeds(&eval(&model, &corpus), "step 600");
}

#[test]
fn bad_corpora_and_settings_are_refused_by_name() {
    let dir = temp_dir("bad");
    let cases: Vec<(Vec<String>, &str)> = {
        let empty = dir.join("empty.txt");
        std::fs::write(&empty, "\n \n").unwrap();
        let one = dir.join("one.txt");
        std::fs::write(&one, "emma\n").unwrap();
        let missing = dir.join("missing.txt");
        let args = |extra: &[&str]| -> Vec<String> {
            ["train", "--steps", "10", "--samples", "0"]
                .iter()
                .chain(extra)
                .map(|s| s.to_string())
                .collect()
        };
        vec![
            (args(&["--data", s(&empty)]), "no words"),
            (args(&["--data", s(&one)]), "only 1 word(s)"),
            (args(&["--data", s(&missing)]), "missing.txt"),
            (args(&["--batch-size", "1"]), "batch size 1 is too small"),
        ]
    };
    for (args, expected) in cases {
        let o = bin().args(&args).output().unwrap();
        assert!(!o.status.success(), "{args:?} should fail");
        assert!(stderr(&o).contains(expected), "{args:?}: {}", stderr(&o));
    }
}

#[test]
fn damaged_or_foreign_checkpoints_are_refused_saying_which() {
    let dir = temp_dir("ckpt");
    let text = dir.join("names.safetensors");
    std::fs::write(&text, "emma\nolivia\n").unwrap();
    let o = run(&["sample", "--model", s(&text)]);
    assert_fails(&o, "not a safetensors file");

    let model = dir.join("m.safetensors");
    assert!(
        run(&[
            "train",
            "--steps",
            "5",
            "--samples",
            "0",
            "--out",
            s(&model)
        ])
        .status
        .success()
    );
    let bytes = std::fs::read(&model).unwrap();
    let cut = dir.join("cut.safetensors");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    let o = run(&["eval", "--model", s(&cut)]);
    assert_fails(&o, "truncated");

    let export = dir.join("check.safetensors");
    assert!(run(&["check", "--export", s(&export)]).status.success());
    let o = run(&["sample", "--model", s(&export)]);
    assert_fails(&o, "not a model of this crate");
}

#[test]
fn check_prints_the_cmp_table_and_exports() {
    let dir = temp_dir("check");
    let export = dir.join("check.safetensors");
    let o = run(&["check", "--seed", "7", "--export", s(&export)]);
    let out = succeeds(&o);
    assert!(
        out.contains("ex1 dcounts_sum_inv") && out.contains("exact: true"),
        "{out}"
    );
    assert!(out.contains("solutions: 68/68 done"), "{out}");
    assert!(export.exists());
}

/// With the shipped stubs, `--impl exercises` says what is still to write.
/// Ignored in a learner's `cargo test` (their exercises stop being stubs);
/// CI runs it with `cargo test -- --ignored`.
#[test]
#[ignore = "maintainers: needs the shipped todo!() stubs"]
fn maintainers_the_cli_names_the_stubs_still_at_todo() {
    let o = run(&["check", "--impl", "exercises"]);
    assert!(
        stdout(&o).contains("0/68 done, 68 not attempted"),
        "{}",
        stdout(&o)
    );
    assert!(o.status.success(), "not attempted is not wrong");
    let o = run(&["train", "--impl", "exercises", "--steps", "10"]);
    assert_fails(&o, "still at todo!(): layers::linear (exercises/linear.rs)");
    assert!(
        !stderr(&o).contains("invalid setting"),
        "a grading error, not a setting: {}",
        stderr(&o)
    );
    assert_fails(
        &run(&["bigram", "--impl", "exercises"]),
        "(exercises/bigram.rs)",
    );
    let o = run(&["train", "wavenet", "--impl", "exercises", "--steps", "5"]);
    assert_fails(&o, "exercises/flatten_consecutive.rs");
}

#[test]
fn bigram_counts_trains_and_samples_on_the_embedded_corpus() {
    let o = run(&["bigram", "--steps", "20", "--samples", "3"]);
    let out = succeeds(&o);
    assert!(out.contains("30000 words, vocabulary of 27"), "{out}");
    assert!(out.contains("counting (+1 smoothing): mean NLL"), "{out}");
    assert!(
        out.contains("neural (dW from solutions/, 20 steps"),
        "{out}"
    );
    assert!(
        out.contains("samples, same seed (counting | neural):"),
        "{out}"
    );
    assert_eq!(
        out.lines().filter(|l| l.starts_with("  ")).count(),
        3,
        "{out}"
    );
}

#[test]
fn bigram_refuses_bad_input() {
    assert_fails(
        &run(&["bigram", "--data", "/no/such/names.txt"]),
        "/no/such/names.txt",
    );
    assert_fails(&run(&["bigram", "--lr=-1"]), "learning rate");
}

#[test]
fn train_a_wavenet_then_sample_eval_and_resume_it() {
    let dir = temp_dir("wavenet");
    let corpus = small_corpus(&dir);
    let model = dir.join("w.safetensors");
    let o = run(&[
        "train",
        "wavenet",
        "--data",
        s(&corpus),
        "--steps",
        "200",
        "--eval-every",
        "100",
        "--samples",
        "2",
        "--out",
        s(&model),
    ]);
    let out = succeeds(&o);
    assert!(
        out.contains("model: WaveNet with 76579 parameters (block 8, n_embd 24, n_hidden 128)"),
        "{out}"
    );
    assert!(out.contains("    100/    200: "), "{out}");
    assert!(out.contains("loss (BatchNorm running statistics)"), "{out}");

    let o = run(&[
        "sample",
        "--model",
        s(&model),
        "--count",
        "4",
        "--prefix",
        "ka",
    ]);
    succeeds(&o);
    assert_eq!(stdout(&o).lines().count(), 4);
    assert!(
        stdout(&o).lines().all(|w| w.starts_with("ka")),
        "{}",
        stdout(&o)
    );

    assert_succeeds(&eval(&model, &corpus), "wavenet, step 200");
    assert_succeeds(
        &resume(&corpus, &model, "250", &["wavenet"]),
        "model: WaveNet",
    );
    assert_succeeds(&eval(&model, &corpus), "step 250");
    assert_fails(&resume(&corpus, &model, "300", &["mlp"]), "holds a wavenet");
    // `train` alone is the MLP's: it names the model to resume with.
    assert_fails(
        &resume(&corpus, &model, "300", &[]),
        "resume it with `train wavenet`",
    );

    let o = run(&[
        "train",
        "wavenet",
        "--data",
        s(&corpus),
        "--block-size",
        "6",
        "--steps",
        "5",
    ]);
    assert_fails(&o, "block-size must be a power of two");
}

#[test]
fn diagnose_prints_the_deep_models_statistics() {
    let o = run(&[
        "diagnose",
        "--init",
        "naive",
        "--no-batchnorm",
        "--steps",
        "20",
        "--stats-every",
        "10",
    ]);
    succeeds(&o);
    let out = stdout(&o);
    for expected in [
        "naive init, no BatchNorm",
        "step 1: tanh layers",
        "step 10: tanh layers",
        "step 20: tanh layers",
        "saturated",
        "grad:data",
        "not saved",
    ] {
        assert!(out.contains(expected), "{expected:?} in:\n{out}");
    }
    // The deep model's options belong to diagnose alone.
    assert_fails(
        &run(&["train", "--no-batchnorm", "--steps", "1"]),
        "unexpected argument '--no-batchnorm'",
    );
    // `train gpt --init` is the GPT's (torch or normal02), not the deep model's.
    assert_fails(
        &run(&["train", "gpt", "--init", "naive", "--steps", "1"]),
        "\"naive\" is not an initialisation: torch or normal02",
    );
    assert_fails(
        &run(&["train", "deep", "--steps", "1"]),
        "unrecognized subcommand 'deep'",
    );
    assert_fails(
        &run(&["diagnose", "--resume", "x.safetensors"]),
        "unexpected argument '--resume'",
    );
}

/// The line of `help` that follows the line naming `flag`: its help text.
fn help_of<'a>(help: &'a str, flag: &str) -> &'a str {
    let mut lines = help.lines();
    lines
        .find(|l| l.trim_start().starts_with(&format!("{flag} ")))
        .unwrap_or_else(|| panic!("no {flag} in:\n{help}"));
    lines.next().unwrap_or("").trim()
}

#[test]
fn each_model_takes_its_own_options_and_clap_refuses_the_others() {
    // The GPT's options are not the MLP's or the WaveNet's.
    for (args, flag) in [
        (vec!["train", "mlp", "--arch", "head"], "--arch"),
        (vec!["train", "--n-head", "2"], "--n-head"),
        (vec!["train", "wavenet", "--chars", "5"], "--chars"),
        (vec!["train", "mlp", "--text", "x.txt"], "--text"),
        // Nor are the MLP's the GPT's.
        (vec!["train", "gpt", "--n-hidden", "10"], "--n-hidden"),
        (
            vec!["train", "gpt", "--lr-decay-step", "5"],
            "--lr-decay-step",
        ),
    ] {
        let o = run(&args);
        assert_fails(&o, &format!("unexpected argument '{flag}'"));
        assert_eq!(o.status.code(), Some(2), "clap's usage error: {args:?}");
    }
    // The options after `train` alone are the MLP's; a model comes first.
    assert_fails(
        &run(&["train", "--steps", "5", "gpt"]),
        "cannot be used with",
    );
    assert_fails(
        &run(&["train", "gpt", "--text", "a.txt", "--data", "b.txt"]),
        "cannot be used with",
    );
    assert_fails(
        &run(&["train", "wavenet", "--other-data"]),
        "--resume <RESUME>",
    );
    // What a saved model holds decides which of these apply; they exclude
    // each other whatever it holds.
    assert_fails(
        &run(&["sample", "--count", "3", "--chars", "5"]),
        "cannot be used with",
    );
    assert_fails(
        &run(&["eval", "--data", "a.txt", "--text", "b.txt"]),
        "cannot be used with",
    );
}

#[test]
fn each_models_help_shows_its_own_defaults() {
    let help = |args: &[&str]| succeeds(&run(args));
    let (bare, mlp, wavenet, gpt) = (
        help(&["train", "--help"]),
        help(&["train", "mlp", "--help"]),
        help(&["train", "wavenet", "--help"]),
        help(&["train", "gpt", "--help"]),
    );
    for model in ["mlp", "wavenet", "gpt"] {
        assert!(
            bare.lines().any(|l| l.trim_start().starts_with(model)),
            "{model} in:\n{bare}"
        );
    }
    // `train` alone is the MLP.
    for flag in ["--steps", "--n-embd", "--n-hidden", "--block-size", "--lr"] {
        assert_eq!(help_of(&bare, flag), help_of(&mlp, flag), "{flag}");
    }
    assert!(help_of(&mlp, "--n-hidden").ends_with("[default: 200]"));
    assert!(help_of(&mlp, "--block-size").ends_with("[default: 3]"));
    assert!(help_of(&mlp, "--lr-decay-step").ends_with("[default: 100000]"));
    assert!(help_of(&wavenet, "--n-hidden").ends_with("[default: 128]"));
    assert!(help_of(&wavenet, "--n-embd").ends_with("[default: 24]"));
    assert!(help_of(&wavenet, "--lr-decay-step").ends_with("[default: 150000]"));
    assert!(help_of(&gpt, "--steps").contains("[default: 5000;"));
    assert!(
        help_of(&gpt, "--batch-size")
            .ends_with("[default: 16 on text, 32 on text with --arch, 32 on names]")
    );
    assert!(
        help_of(&gpt, "--seed")
            .ends_with("[default: 1337 on text, 1337 on text with --arch, 3407 on names]")
    );
    assert!(help_of(&gpt, "--eval-every").ends_with("[default: 500]"));
    assert!(help_of(&gpt, "--n-head").ends_with("[default: 4]"));
    assert!(help_of(&gpt, "--chars").ends_with("[default: 500]"));
    for flag in ["--arch", "--init", "--clip", "--text"] {
        help_of(&gpt, flag);
        assert!(!mlp.contains(flag), "{flag} in:\n{mlp}");
    }
    for flag in ["--n-hidden", "--lr-decayed", "--lr-decay-step"] {
        assert!(!gpt.contains(flag), "{flag} in:\n{gpt}");
    }
    // One default per option: none lists another model's.
    for (help, other) in [(&mlp, "gpt"), (&wavenet, "mlp"), (&gpt, "mlp")] {
        assert!(!help.contains(&format!("({other}")), "{other} in:\n{help}");
    }
    // The names an option takes are listed.
    assert!(
        gpt.contains("[possible values: bigram, head, heads, ffwd, blocks, residual, layernorm]")
    );
    assert!(gpt.contains("[possible values: torch, normal02]"));
}

#[cfg(not(feature = "plots"))]
#[test]
fn plots_without_the_feature_say_how_to_get_them() {
    let dir = temp_dir("no-plots");
    let o = run(&["diagnose", "--steps", "5", "--plots", s(&dir)]);
    assert_fails(&o, "rebuild with --features plots");
    assert_eq!(
        std::fs::read_dir(&dir).unwrap().count(),
        0,
        "nothing written"
    );
}

#[cfg(feature = "plots")]
#[test]
fn plots_are_written_as_png_and_svg() {
    let dir = temp_dir("plots");
    let o = run(&["diagnose", "--steps", "30", "--plots", s(&dir)]);
    assert!(o.status.success(), "{}", stderr(&o));
    for name in ["loss", "activations", "gradients", "updates", "dlogits"] {
        let png = std::fs::read(dir.join(format!("{name}.png"))).unwrap();
        assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "{name}.png is a PNG");
        let svg = std::fs::read_to_string(dir.join(format!("{name}.svg"))).unwrap();
        assert!(svg.contains("<svg"), "{name}.svg is an SVG");
        assert!(
            stdout(&o).contains(&format!("{name}.png")),
            "the file is named"
        );
    }
}

// ---- GPT: core (gpt-core) ----
#[test]
fn check_model_gpt_grades_the_chapter_and_exports_a_small_gpt() {
    let dir = temp_dir("check-gpt");
    let export = dir.join("gpt.safetensors");
    let o = run(&["check", "--model", "gpt", "--export", s(&export)]);
    let out = stdout(&o);
    assert!(o.status.success(), "{out}{}", stderr(&o));
    assert!(
        out.contains("gpt::layernorm dx") && out.contains("gpt::block dx"),
        "{out}"
    );
    assert!(!out.contains("ex1::"), "only the GPT chapter: {out}");
    assert!(out.contains("wrote") && export.exists(), "{out}");
    let (tensors, metadata) = backprop_ninja::io::weights::load(&export).unwrap();
    assert_eq!(metadata["n_layer"], "2");
    assert!(tensors.contains_key("grad.lm_head.weight"));
}

/// The shipped stubs cannot export: a clear error, not a panic.
#[test]
#[ignore = "maintainers: needs the shipped todo!() stubs"]
fn maintainers_check_model_gpt_refuses_to_export_the_stubs() {
    let dir = temp_dir("check-gpt-stubs");
    let o = run(&[
        "check",
        "--model",
        "gpt",
        "--impl",
        "exercises",
        "--export",
        s(&dir.join("stub.safetensors")),
    ]);
    assert_fails(&o, "not all written");
}
// ---- end GPT: core ----
