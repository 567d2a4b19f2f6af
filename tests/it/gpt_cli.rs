//! # `train gpt`, `sample` and `eval` of a GPT, as a user runs them
//!
//! Tiny GPTs (one block, `n_embd` 16) on a small running text made from the
//! embedded names, and on a small names file: training, sampling, resuming
//! exactly, and every kind of bad input the issue of lecture 7 lists, each
//! ending with a message that names the problem and a non-zero exit. The
//! lecture-sized runs on `../shared` are the ignored tests at the end.

use std::path::{Path, PathBuf};
use std::process::Output;

use backprop_ninja::io::checkpoint;

use crate::common;
use common::cli::{assert_fails, bin, run, s, small_text, stderr, succeeds, temp_dir};

/// 300 names, one per line.
fn small_names(dir: &Path) -> PathBuf {
    let names: Vec<&str> = include_str!("../../data/names.txt")
        .lines()
        .step_by(97)
        .take(300)
        .collect();
    let path = dir.join("names.txt");
    std::fs::write(&path, names.join("\n")).unwrap();
    path
}

/// The options of a tiny GPT.
const TINY: [&str; 10] = [
    "--n-embd",
    "16",
    "--n-layer",
    "1",
    "--n-head",
    "2",
    "--batch-size",
    "4",
    "--eval-batches",
    "2",
];

fn train_text(text: &Path, out: &Path, steps: &str, extra: &[&str]) -> Output {
    bin()
        .args(["train", "gpt", "--text", s(text), "--out", s(out)])
        .args(["--steps", steps, "--block-size", "8", "--eval-every", "10"])
        .args(TINY)
        .args(extra)
        .output()
        .expect("the binary runs")
}

#[test]
fn a_gpt_trains_on_a_text_samples_and_evaluates() {
    let dir = temp_dir("text");
    let text = small_text(&dir);
    let out = dir.join("g.safetensors");
    let o = train_text(&text, &out, "30", &["--chars", "40", "--lr", "0.01"]);
    let printed = succeeds(&o);
    for expected in [
        "model: gpt,",
        "step     0: train loss",
        "step    30: train loss",
        "µs/step)",
        "GFLOP/s",
        "sample (40 characters):",
    ] {
        assert!(printed.contains(expected), "{expected:?} in:\n{printed}");
    }
    // The loss fell from about ln(vocabulary).
    let loss = |step: &str| -> f32 {
        let line = printed
            .lines()
            .find(|l| l.starts_with(&format!("step {step:>5}:")))
            .unwrap();
        line.split("val loss ")
            .nth(1)
            .unwrap()
            .trim()
            .parse()
            .unwrap()
    };
    assert!(loss("30") < loss("0") - 0.3, "{printed}");
    // The sample: 40 characters of the text's vocabulary after the prompt.
    let sample = printed.split("sample (40 characters):\n").nth(1).unwrap();
    assert_eq!(
        sample.strip_suffix('\n').unwrap().chars().count(),
        40,
        "{sample:?}"
    );

    let o = run(&[
        "sample",
        "--model",
        s(&out),
        "--chars",
        "25",
        "--prefix",
        "emma ",
    ]);
    let sampled = succeeds(&o);
    assert!(sampled.starts_with("emma "), "{sampled}");
    assert_eq!(sampled.strip_suffix('\n').unwrap().chars().count(), 30);
    // The same seed, the same sample.
    assert_eq!(
        sampled,
        succeeds(&run(&[
            "sample",
            "--model",
            s(&out),
            "--chars",
            "25",
            "--prefix",
            "emma "
        ]))
    );
    let o = run(&["eval", "--model", s(&out)]);
    let line = succeeds(&o);
    assert!(
        line.contains("gpt, step 30") && line.contains(&format!("val loss {:.4}", loss("30"))),
        "eval repeats the last evaluation: {line}"
    );
}

#[test]
fn a_resumed_gpt_run_is_the_uninterrupted_run_bit_for_bit() {
    let dir = temp_dir("resume");
    let text = small_text(&dir);
    let straight = dir.join("straight.safetensors");
    succeeds(&train_text(&text, &straight, "20", &["--chars", "1"]));
    let halves = dir.join("halves.safetensors");
    succeeds(&train_text(&text, &halves, "10", &["--chars", "1"]));
    let o = bin()
        .args([
            "train",
            "gpt",
            "--resume",
            s(&halves),
            "--steps",
            "20",
            "--out",
            s(&halves),
        ])
        .args(["--eval-every", "10", "--chars", "1"])
        .output()
        .unwrap();
    let printed = succeeds(&o);
    assert!(printed.contains("resuming"), "{printed}");
    assert!(
        !printed.contains("step     0:"),
        "no evaluation at the start of a resumed run"
    );
    let (a, b) = (
        checkpoint::load(&straight).unwrap(),
        checkpoint::load(&halves).unwrap(),
    );
    assert!(a.step == 20 && a.adamw().unwrap().t == 20);
    let bits = |c: &checkpoint::Checkpoint| -> Vec<u32> {
        let params = c.model.named_tensors();
        let values = params.iter().flat_map(|(_, p)| p.iter().copied());
        let adamw = c.adamw().unwrap();
        let moments = adamw
            .m
            .iter()
            .chain(&adamw.v)
            .flat_map(|m| m.iter().copied());
        values.chain(moments).map(f32::to_bits).collect()
    };
    assert!(
        bits(&a) == bits(&b),
        "the parameters and AdamW's moments are the same bits"
    );
    assert_eq!(a, b, "and so is everything else");
    // A flag may repeat the checkpoint's setting, not contradict it.
    let o = run(&[
        "train",
        "gpt",
        "--resume",
        s(&halves),
        "--steps",
        "30",
        "--lr",
        "0.5",
        "--out",
        s(&halves),
    ]);
    assert_fails(&o, "--lr 0.5 contradicts the checkpoint");
    let o = run(&[
        "train",
        "gpt",
        "--resume",
        s(&halves),
        "--steps",
        "20",
        "--out",
        s(&halves),
    ]);
    assert_fails(&o, "nothing left to train");
    // Its data, read from the checkpoint, is an input: never the output.
    let before = std::fs::read(&text).unwrap();
    let o = run(&[
        "train",
        "gpt",
        "--resume",
        s(&halves),
        "--steps",
        "30",
        "--out",
        s(&text),
    ]);
    assert_fails(&o, "--out is the same file as the data");
    assert_eq!(std::fs::read(&text).unwrap(), before, "the text is intact");
}

#[test]
fn a_gpt_trains_on_names_and_samples_names() {
    let dir = temp_dir("names");
    let names = small_names(&dir);
    let out = dir.join("n.safetensors");
    let o = bin()
        .args(["train", "gpt", "--data", s(&names), "--out", s(&out)])
        .args(["--steps", "20", "--eval-every", "10", "--samples", "5"])
        .args(TINY)
        .output()
        .unwrap();
    let printed = succeeds(&o);
    assert!(printed.contains("test loss"), "{printed}");
    assert!(printed.contains("block "), "{printed}");
    assert!(printed.contains("gradient norm clipped at 1"), "{printed}");
    let samples: Vec<&str> = printed
        .split("samples:\n")
        .nth(1)
        .unwrap()
        .lines()
        .collect();
    assert_eq!(samples.len(), 5, "{printed}");
    assert!(
        samples
            .iter()
            .all(|n| n.trim().chars().all(|c| c.is_ascii_lowercase()))
    );
    let o = run(&[
        "sample",
        "--model",
        s(&out),
        "--count",
        "3",
        "--prefix",
        "ma",
    ]);
    let names: Vec<String> = succeeds(&o).lines().map(str::to_string).collect();
    assert_eq!(names.len(), 3);
    assert!(names.iter().all(|n| n.starts_with("ma")), "{names:?}");
    assert_fails(
        &run(&["sample", "--model", s(&out), "--chars", "10"]),
        "trained on names",
    );
}

#[test]
fn a_checkpoint_records_its_codec_and_refuses_another() {
    let dir = temp_dir("codec");
    let text = small_text(&dir);
    let out = dir.join("model.safetensors");
    let printed = succeeds(&train_text(&text, &out, "10", &["--chars", "1"]));
    // The final line and `eval` give the held-out loss in bits per byte
    // too: the text is ASCII, a byte per character, so it is the loss
    // over ln 2.
    let bits = |line: &str| -> (f64, f64) {
        let loss: f64 = line.split("val loss ").nth(1).unwrap()[..6]
            .parse()
            .unwrap();
        let bpb: f64 = line
            .split(" (")
            .nth(1)
            .unwrap()
            .split(' ')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        (loss, bpb)
    };
    let last = printed.lines().find(|l| l.starts_with("final: ")).unwrap();
    let (loss, bpb) = bits(last);
    assert!((bpb - loss / std::f64::consts::LN_2).abs() < 1e-3, "{last}");
    let evaluated = succeeds(&run(&["eval", "--model", s(&out)]));
    assert_eq!(bits(&evaluated), (loss, bpb), "{evaluated}");

    // The checkpoint records the codec: the text's characters.
    let (tensors, mut meta) = backprop_ninja::io::weights::load(&out).unwrap();
    let vocab = meta["vocab"].chars().count();
    assert_eq!(meta["codec"], format!("characters ({vocab})"));
    // The same file, as if trained with another codec of the same size.
    meta.insert("codec".into(), format!("a tokenizer ({vocab})"));
    meta.insert("codec_fnv1a64".into(), "0123456789abcdef".into());
    let other = dir.join("other.safetensors");
    backprop_ninja::io::weights::save(&other, tensors.into_iter().collect(), meta).unwrap();
    let refused = "trained with the codec a tokenizer";
    assert_fails(&run(&["eval", "--model", s(&other)]), refused);
    let more = dir.join("more.safetensors");
    let o = bin()
        .args(["train", "gpt", "--resume", s(&other), "--steps", "20"])
        .args(["--out", s(&more)])
        .output()
        .unwrap();
    assert_fails(&o, refused);
    assert!(stderr(&o).contains("other.safetensors"), "{}", stderr(&o));
    assert!(!more.exists(), "nothing written");
}

#[test]
fn every_step_of_the_lectures_progression_trains() {
    let dir = temp_dir("arch");
    let text = small_text(&dir);
    for arch in [
        "bigram",
        "head",
        "heads",
        "ffwd",
        "blocks",
        "residual",
        "layernorm",
    ] {
        let out = dir.join(format!("{arch}.safetensors"));
        let o = bin()
            .args(["train", "gpt", "--text", s(&text), "--arch", arch])
            .args(["--steps", "5", "--eval-every", "5", "--eval-batches", "1"])
            .args([
                "--n-embd",
                "8",
                "--n-layer",
                "2",
                "--chars",
                "5",
                "--out",
                s(&out),
            ])
            .output()
            .unwrap();
        let printed = succeeds(&o);
        let model = printed.lines().find(|l| l.starts_with("model:")).unwrap();
        let named = match arch {
            "bigram" => model.contains("the bigram table"),
            _ => model.contains(&format!("block 8, {arch}")),
        };
        assert!(named, "{arch}: {model}");
        let o = run(&["sample", "--model", s(&out), "--chars", "5"]);
        succeeds(&o);
    }
}

#[test]
fn bad_input_to_the_gpt_is_refused_by_name() {
    let dir = temp_dir("bad");
    let text = small_text(&dir);
    let out = dir.join("g.safetensors");
    // A text shorter than block + 1 in either split.
    let short = dir.join("short.txt");
    std::fs::write(&short, "to be or not to be").unwrap();
    let o = run(&["train", "gpt", "--text", s(&short), "--out", s(&out)]);
    assert_fails(&o, "too short for a block of 32");
    assert_fails(&o, "short.txt");
    // --chars 0.
    assert_fails(
        &train_text(&text, &out, "5", &["--chars", "0"]),
        "--chars 0",
    );
    // n_embd not divisible by n_head.
    let o = run(&[
        "train",
        "gpt",
        "--text",
        s(&text),
        "--n-embd",
        "10",
        "--n-head",
        "3",
        "--out",
        s(&out),
    ]);
    assert_fails(&o, "n_embd 10 must be a multiple of n_head 3");
    assert!(!out.exists(), "nothing is written for refused settings");
    // Sizes that would not fit in memory, refused before anything is allocated.
    for (flag, value) in [("--n-embd", "4000000"), ("--batch-size", "100000000")] {
        let o = run(&[
            "train",
            "gpt",
            "--text",
            s(&text),
            flag,
            value,
            "--out",
            s(&out),
        ]);
        assert_fails(&o, "would need more than 16 GiB");
    }
    // A checkpoint of another model kind, both ways.
    succeeds(&train_text(&text, &out, "5", &["--chars", "1"]));
    let mlp = dir.join("mlp.safetensors");
    let names = dir.join("names.txt");
    std::fs::write(
        &names,
        "emma\nolivia\nava\nisabella\nsophia\nmia\n".repeat(5),
    )
    .unwrap();
    succeeds(&run(&[
        "train",
        "--data",
        s(&names),
        "--steps",
        "5",
        "--samples",
        "0",
        "--out",
        s(&mlp),
    ]));
    let o = run(&[
        "train",
        "gpt",
        "--resume",
        s(&mlp),
        "--steps",
        "10",
        "--out",
        s(&mlp),
    ]);
    assert_fails(&o, "it holds a mlp, not a GPT");
    let o = run(&[
        "train",
        "mlp",
        "--resume",
        s(&out),
        "--steps",
        "10",
        "--out",
        s(&out),
    ]);
    assert_fails(&o, "it holds a GPT, not a mlp");
    // --prefix characters outside the vocabulary.
    let o = run(&["sample", "--model", s(&out), "--prefix", "emma!"]);
    assert_fails(
        &o,
        "character '!' (character 5) is not in the model's vocabulary",
    );
    // The MLP's flags, and the GPT's flags on the MLP.
    assert_fails(
        &train_text(&text, &out, "5", &["--n-hidden", "10"]),
        "unexpected argument '--n-hidden'",
    );
    let o = run(&[
        "train",
        "--data",
        s(&names),
        "--arch",
        "head",
        "--steps",
        "5",
    ]);
    assert_fails(&o, "unexpected argument '--arch'");
    // An unknown step of the lecture.
    let o = run(&["train", "gpt", "--text", s(&text), "--arch", "moe"]);
    assert_fails(
        &o,
        "not a step of the lecture: one of bigram, head, heads, ffwd, blocks, residual, layernorm",
    );
}

#[test]
#[ignore = "maintainers: the shipped exercises are todo!() stubs"]
fn maintainers_gpt_training_with_the_stubs_names_the_passes_it_needs() {
    let dir = temp_dir("stubs");
    let text = small_text(&dir);
    let o = train_text(
        &text,
        &dir.join("g.safetensors"),
        "5",
        &["--impl", "exercises"],
    );
    assert_fails(&o, "still at todo!()");
    for needed in [
        "gpt::attention",
        "gpt::layernorm",
        "gpt::block",
        "gpt::adamw",
        "gpt::cross_entropy",
    ] {
        assert!(stderr(&o).contains(needed), "{needed}: {}", stderr(&o));
    }
}

/// `../shared`'s file `name`.
fn shared(name: &str) -> PathBuf {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared")
        .join(name);
    assert!(path.exists(), "{} is the lecture's data", path.display());
    path
}

/// The last evaluation's losses in a run's output.
fn final_losses(printed: &str) -> (f32, f32) {
    let line = printed
        .lines()
        .find(|l| l.starts_with("final: "))
        .unwrap_or_else(|| panic!("no final line in:\n{printed}"));
    let numbers: Vec<f32> = line
        .split(|c: char| !(c.is_ascii_digit() || c == '.'))
        .filter_map(|w| w.parse().ok())
        .collect();
    (numbers[0], numbers[1])
}

/// `train gpt` on `../shared`'s `file` (given to `flag`), with
/// `extra` options: the final train and val (or test) losses.
fn shared_run(flag: &str, file: &str, extra: &[&str]) -> (f32, f32) {
    let dir = temp_dir(file);
    let o = bin()
        .args(["train", "gpt", flag])
        .arg(shared(file))
        .args(extra)
        .arg("--out")
        .arg(dir.join("model.safetensors"))
        .output()
        .unwrap();
    final_losses(&succeeds(&o))
}

#[test]
#[ignore = "maintainers: needs ../shared/tinyshakespeare.txt; about two minutes in a test build"]
fn maintainers_1000_steps_on_tiny_shakespeare_reach_a_val_loss_under_2_2() {
    // Measured: val 2.10 (train 2.07) at step 1000.
    let extra = ["--steps", "1000", "--eval-batches", "50", "--chars", "100"];
    let (train, val) = shared_run("--text", "tinyshakespeare.txt", &extra);
    assert!(val <= 2.2, "val {val} (train {train})");
}

#[test]
#[ignore = "maintainers: needs ../shared/names.txt; about a minute in a test build"]
fn maintainers_makemores_transformer_learns_names() {
    // From ln 27 = 3.30; measured: train 2.20, test 2.20 at step 500.
    let extra = ["--steps", "500", "--eval-every", "500", "--samples", "5"];
    let (train, test) = shared_run("--data", "names.txt", &extra);
    assert!(test <= 2.3 && train <= 2.3, "train {train}, test {test}");
}

/// Garbage never replaces a good model: a GPT whose evaluated loss goes far
/// above its best (`--lr 0.5`, whose val loss ended at 39.6 against 4.17
/// for a uniform guess) stops at that evaluation, exits non-zero, and
/// writes nothing over the good checkpoint.
#[test]
fn a_gpt_gone_bad_at_an_evaluation_never_replaces_the_good_one() {
    let dir = temp_dir("garbage");
    let text = small_text(&dir);
    let good = dir.join("good.safetensors");
    succeeds(&train_text(&text, &good, "20", &["--lr", "0.01"]));
    let before = std::fs::read(&good).unwrap();
    let o = train_text(&text, &good, "60", &["--lr", "0.5"]);
    assert_fails(&o, "the best so far (of step 0) plus 1 nat");
    assert_eq!(
        std::fs::read(&good).unwrap(),
        before,
        "the good checkpoint is kept, byte for byte"
    );
}
