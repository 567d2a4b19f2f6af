//! # The GPT pretrained on byte-pair tokens: `train gpt --tokenizer FILE`
//!
//! A small tokenizer trained by the CLI on a few KB of running text made
//! from the embedded names, then a tiny GPT on its tokens: training,
//! sampling text back, bits per byte, resuming exactly, the checkpoint
//! keeping its tokenizer (the file may be gone), names a row each, and
//! the refusals: another tokenizer, a broken tokenizer file.

use std::path::Path;
use std::process::Output;

use backprop_ninja::io::checkpoint;

use crate::common;
use common::cli::{assert_fails, bin, run, s, small_text, stderr, succeeds, temp_dir};

/// A tokenizer of `vocab` ids (GPT-2's pattern) trained on `text`.
fn tokenizer(text: &Path, vocab: &str, out: &Path) {
    succeeds(&run(&[
        "tokenizer",
        "train",
        "--text",
        s(text),
        "--vocab-size",
        vocab,
        "--pattern",
        "gpt2",
        "--out",
        s(out),
    ]));
}

/// A tiny GPT on `text` read by `tok`, `steps` steps.
fn train(text: &Path, tok: &Path, out: &Path, steps: &str, extra: &[&str]) -> Output {
    bin()
        .args(["train", "gpt", "--text", s(text), "--tokenizer", s(tok)])
        .args(["--out", s(out), "--steps", steps, "--block-size", "8"])
        .args(["--eval-every", "10", "--n-embd", "16", "--n-layer", "1"])
        .args(["--n-head", "2", "--batch-size", "4", "--eval-batches", "2"])
        .args(extra)
        .output()
        .expect("the binary runs")
}

/// The val loss and bits per byte of a final or `eval` line.
fn loss_and_bits(line: &str) -> (f64, f64) {
    let after = line.split("val loss ").nth(1).unwrap();
    let loss = after[..6].parse().unwrap();
    let bits = after.split(" (").nth(1).unwrap().split(' ').next().unwrap();
    (loss, bits.parse().unwrap())
}

#[test]
fn a_gpt_trains_on_bpe_tokens_samples_text_and_keeps_its_tokenizer() {
    let dir = temp_dir("bpe-gpt");
    let text = small_text(&dir);
    let tok = dir.join("t.model");
    tokenizer(&text, "300", &tok);
    let out = dir.join("g.safetensors");
    let printed = succeeds(&train(
        &text,
        &tok,
        &out,
        "30",
        &["--chars", "40", "--lr", "0.01"],
    ));
    let data = printed.lines().find(|l| l.starts_with("data: ")).unwrap();
    assert!(
        data.contains("BPE tokenizer, vocab 300 (256 bytes + 44 merges), split gpt2")
            && data.contains("bytes per token"),
        "{data}"
    );
    // The vocabulary is the tokenizer's: the embedding has 300 rows.
    let ckpt = checkpoint::load(&out).unwrap();
    let backprop_ninja::models::model::Network::Gpt(g) = &ckpt.model else {
        panic!("a GPT")
    };
    assert_eq!(g.config.vocab_size, 300);
    assert!(ckpt.vocab.starts_with("minbpe v1\n"), "{:?}", ckpt.vocab);
    let tokens: usize = data
        .split(" train/val tokens")
        .next()
        .unwrap()
        .rsplit(", ")
        .next()
        .unwrap()
        .split('/')
        .map(|n| n.parse::<usize>().unwrap())
        .sum();
    assert!(
        tokens < 5_000,
        "fewer tokens than the ~6,000 characters: {data}"
    );
    assert!(printed.contains("sample (40 tokens):"), "{printed}");

    // Bits per byte: the loss per token over ln 2, times tokens per byte.
    let last = printed.lines().find(|l| l.starts_with("final: ")).unwrap();
    let (loss, bpb) = loss_and_bits(last);
    assert!(
        bpb < loss / std::f64::consts::LN_2 - 0.1,
        "a token stands for more than a byte: {last}"
    );

    // The checkpoint carries the tokenizer: the file can go.
    std::fs::remove_file(&tok).unwrap();
    let evaluated = succeeds(&run(&["eval", "--model", s(&out)]));
    assert_eq!(loss_and_bits(&evaluated), (loss, bpb), "{evaluated}");
    let sample = |prefix: &str| {
        succeeds(&run(&[
            "sample",
            "--model",
            s(&out),
            "--chars",
            "25",
            "--prefix",
            prefix,
        ]))
    };
    let sampled = sample("emma ");
    assert!(sampled.starts_with("emma "), "{sampled}");
    assert!(sampled.len() > "emma ".len() + 25, "25 tokens: {sampled:?}");
    assert_eq!(sampled, sample("emma "), "the same seed, the same text");
    let from_nothing = succeeds(&run(&["sample", "--model", s(&out), "--chars", "30"]));
    assert!(!from_nothing.trim().is_empty(), "{from_nothing:?}");
}

#[test]
fn a_resumed_bpe_run_is_the_uninterrupted_run_and_another_tokenizer_is_refused() {
    let dir = temp_dir("bpe-resume");
    let text = small_text(&dir);
    let tok = dir.join("t.model");
    tokenizer(&text, "300", &tok);
    let straight = dir.join("straight.safetensors");
    succeeds(&train(&text, &tok, &straight, "20", &["--chars", "1"]));
    let halves = dir.join("halves.safetensors");
    succeeds(&train(&text, &tok, &halves, "10", &["--chars", "1"]));
    // Resumed without the tokenizer file: the checkpoint's.
    std::fs::remove_file(&tok).unwrap();
    let resume = |model: &Path, extra: &[&str]| {
        bin()
            .args(["train", "gpt", "--resume", s(model), "--steps", "20"])
            .args(["--out", s(model), "--chars", "1"])
            .args(extra)
            .output()
            .unwrap()
    };
    succeeds(&resume(&halves, &[]));
    let (a, b) = (
        checkpoint::load(&straight).unwrap(),
        checkpoint::load(&halves).unwrap(),
    );
    assert_eq!(a.step, 20);
    assert_eq!(a, b, "the same parameters, moments and records");

    // Another tokenizer is refused, the checkpoint untouched.
    let other = dir.join("other.model");
    tokenizer(&text, "290", &other);
    let before = std::fs::read(&halves).unwrap();
    let o = bin()
        .args(["train", "gpt", "--resume", s(&halves), "--steps", "30"])
        .args(["--tokenizer", s(&other), "--out", s(&halves)])
        .output()
        .unwrap();
    assert_fails(&o, "it was trained with the codec BPE tokenizer, vocab 300");
    assert!(stderr(&o).contains("vocab 290"), "{}", stderr(&o));
    assert_eq!(std::fs::read(&halves).unwrap(), before, "nothing written");
    // `eval` checks a tokenizer it is given: the same passes, another not.
    let o = run(&["eval", "--model", s(&halves), "--tokenizer", s(&other)]);
    assert_fails(&o, "it was trained with the codec BPE tokenizer, vocab 300");
    tokenizer(&text, "300", &tok);
    succeeds(&run(&[
        "eval",
        "--model",
        s(&halves),
        "--tokenizer",
        s(&tok),
    ]));

    // A character model is not continued on tokens, nor the reverse.
    let chars = dir.join("chars.safetensors");
    succeeds(
        &bin()
            .args(["train", "gpt", "--text", s(&text), "--out", s(&chars)])
            .args(["--steps", "5", "--block-size", "8", "--n-embd", "16"])
            .args(["--n-layer", "1", "--n-head", "2", "--batch-size", "4"])
            .args(["--eval-batches", "2", "--chars", "1"])
            .output()
            .unwrap(),
    );
    let o = bin()
        .args(["train", "gpt", "--resume", s(&chars), "--steps", "10"])
        .args(["--tokenizer", s(&other), "--out", s(&chars)])
        .output()
        .unwrap();
    assert_fails(&o, "it was trained with the codec characters");
    let o = run(&["eval", "--model", s(&chars), "--tokenizer", s(&other)]);
    assert_fails(&o, "it was trained with the codec characters");
}

#[test]
fn a_broken_tokenizer_file_is_refused_by_name() {
    let dir = temp_dir("bpe-bad");
    let text = small_text(&dir);
    let tok = dir.join("t.model");
    tokenizer(&text, "300", &tok);
    let model = std::fs::read_to_string(&tok).unwrap();
    let out = dir.join("g.safetensors");

    // A merge of an id not yet defined.
    let bad = dir.join("undefined.model");
    let mut lines: Vec<&str> = model.lines().collect();
    let last = lines.len() - 1;
    lines[last] = "299 299";
    std::fs::write(&bad, lines.join("\n") + "\n").unwrap();
    let o = train(&text, &bad, &out, "5", &[]);
    assert_fails(&o, "undefined.model");
    assert!(stderr(&o).contains("refers to id 299"), "{}", stderr(&o));

    // Truncated inside the last merge line: one id of its two.
    let cut = dir.join("cut.model");
    std::fs::write(&cut, &model[..model.rfind(' ').unwrap()]).unwrap();
    let o = train(&text, &cut, &out, "5", &[]);
    assert_fails(&o, "cut.model");

    // Not a tokenizer at all; a missing file.
    let o = train(&text, &text, &out, "5", &[]);
    assert_fails(&o, "verse.txt");
    let o = train(&text, &dir.join("none.model"), &out, "5", &[]);
    assert_fails(&o, "none.model");

    assert!(!out.exists(), "nothing written");
}

#[test]
fn a_gpt_trains_on_names_as_bpe_tokens_a_row_per_name() {
    let dir = temp_dir("bpe-names");
    let names: Vec<&str> = include_str!("../../data/names.txt")
        .lines()
        .step_by(37)
        .take(600)
        .collect();
    let file = dir.join("names.txt");
    std::fs::write(&file, names.join("\n") + "\n").unwrap();
    let tok = dir.join("n.model");
    tokenizer(&file, "300", &tok);
    let out = dir.join("n.safetensors");
    let o = bin()
        .args(["train", "gpt", "--data", s(&file), "--tokenizer", s(&tok)])
        .args(["--out", s(&out), "--steps", "20", "--eval-every", "10"])
        .args(["--n-embd", "16", "--n-layer", "1", "--n-head", "2"])
        .args(["--batch-size", "8", "--eval-batches", "2", "--samples", "5"])
        .output()
        .unwrap();
    let printed = succeeds(&o);
    let data = printed.lines().find(|l| l.starts_with("data: ")).unwrap();
    assert!(
        data.contains("600 names, BPE tokenizer, vocab 300")
            && data.contains("(the longest name's tokens + 1)"),
        "{data}"
    );
    // The block is the longest name in tokens + 1: fewer than in letters.
    let block: usize = data
        .split("block ")
        .nth(1)
        .unwrap()
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let longest = names.iter().map(|n| n.len()).max().unwrap();
    assert!(
        block <= longest,
        "block {block}, longest name {longest} letters"
    );
    let last = printed.lines().find(|l| l.starts_with("final: ")).unwrap();
    assert!(
        last.contains("test loss") && last.contains("bits per byte"),
        "{last}"
    );
    // A name ends at the boundary (the line end): none holds one.
    std::fs::remove_file(&tok).unwrap();
    let sampled = succeeds(&run(&["sample", "--model", s(&out), "--count", "6"]));
    assert_eq!(sampled.lines().count(), 6, "{sampled}");
    let evaluated = succeeds(&run(&["eval", "--model", s(&out)]));
    assert!(evaluated.contains("gpt, step 20"), "{evaluated}");
    let o = bin()
        .args(["train", "gpt", "--resume", s(&out), "--steps", "25"])
        .args(["--out", s(&out), "--samples", "1"])
        .output()
        .unwrap();
    assert!(succeeds(&o).contains("step    25:"));
}

#[test]
#[ignore = "maintainers: the shipped exercises are todo!() stubs"]
fn maintainers_bpe_gpt_training_with_the_stubs_names_the_encoder() {
    let dir = temp_dir("bpe-stubs");
    let text = small_text(&dir);
    let tok = dir.join("t.model");
    tokenizer(&text, "300", &tok);
    let o = train(
        &text,
        &tok,
        &dir.join("g.safetensors"),
        "5",
        &["--impl", "exercises"],
    );
    assert_fails(&o, "still at todo!()");
    assert!(stderr(&o).contains("tokenizer::encode"), "{}", stderr(&o));
}
