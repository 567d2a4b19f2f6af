//! # `sft`, `eval-tasks` and `chat`, as a user runs them
//!
//! A tiny names GPT (the fixture of `train gpt`) fine-tuned for a few
//! steps: the screen says what grew, the same seed gives the same model,
//! a resumed run the same bits, and bad bases and prompts end with a
//! message that names the problem.

use std::path::{Path, PathBuf};
use std::process::Output;

use backprop_ninja::io::checkpoint;

use crate::common::cli::{assert_fails, bin, s, succeeds, temp_dir};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn sft(out: &Path, steps: &str, extra: &[&str]) -> Output {
    bin()
        .args(["sft", "--out", s(out), "--steps", steps])
        .args([
            "--batch-size",
            "4",
            "--eval-prompts",
            "3",
            "--print-every",
            "1",
        ])
        .args(extra)
        .output()
        .expect("the binary runs")
}

fn tensors(path: &Path) -> Vec<(String, ndarray::ArrayD<f32>)> {
    checkpoint::load(path).unwrap().model.named_tensors()
}

#[test]
fn sft_grows_the_base_says_so_and_resumes_bit_for_bit() {
    let dir = temp_dir("sft");
    let base = fixture("gpt_names.safetensors");
    let (a, b, c) = (
        dir.join("a.safetensors"),
        dir.join("b.safetensors"),
        dir.join("c.safetensors"),
    );
    let printed = succeeds(&sft(&a, "4", &["--base", s(&base)]));
    for expected in [
        "grown to 45 tokens",
        "block 50",
        "instruction set: 20000 conversations",
        "before",
        "after",
        "spell",
        "step      4/4: loss",
    ] {
        assert!(printed.contains(expected), "{expected:?} in:\n{printed}");
    }
    succeeds(&sft(&c, "4", &["--base", s(&base)]));
    assert_eq!(tensors(&a), tensors(&c), "same seed, same model");
    succeeds(&sft(&b, "2", &["--base", s(&base)]));
    let resumed = succeeds(&sft(&b, "4", &["--resume", s(&b)]));
    assert!(resumed.contains("resuming"), "{resumed}");
    assert_eq!(tensors(&a), tensors(&b), "resumed bit for bit");
    let ckpt = checkpoint::load(&b).unwrap();
    assert_eq!(ckpt.step, 4);
    assert!(ckpt.vocab.starts_with("backprop-ninja chat v1"));
    // The fine-tuned model answers, and is evaluated on every task.
    let o = bin()
        .args(["chat", "--model", s(&a), "spell emma"])
        .output()
        .unwrap();
    succeeds(&o);
    let o = bin()
        .args(["eval-tasks", "--model", s(&a), "--prompts", "3"])
        .output()
        .unwrap();
    let printed = succeeds(&o);
    for task in ["starts", "ends_a5", "spell", "count"] {
        assert!(printed.contains(task), "{printed}");
    }
    // Bad input: another kind of model, an SFT model as a base, a prompt the
    // vocabulary cannot write, a resumed run with another seed.
    assert_fails(
        &sft(
            &dir.join("x.safetensors"),
            "2",
            &["--base", s(&fixture("mlp.safetensors"))],
        ),
        "not a GPT",
    );
    assert_fails(
        &sft(&dir.join("x.safetensors"), "2", &["--base", s(&a)]),
        "already fine-tuned",
    );
    let o = bin()
        .args(["chat", "--model", s(&a), "<|user_end|>"])
        .output()
        .unwrap();
    assert_fails(&o, "not in the chat vocabulary");
    assert_fails(
        &sft(&b, "6", &["--resume", s(&b), "--seed", "1"]),
        "--seed differs",
    );
}

#[test]
fn sft_writes_the_pretraining_names_without_the_held_out_ones() {
    let dir = temp_dir("pretrain");
    let out = dir.join("pretrain.txt");
    let o = bin()
        .args(["sft", "--pretrain-names", s(&out)])
        .output()
        .unwrap();
    let printed = succeeds(&o);
    assert!(printed.contains("held out"), "{printed}");
    let kept = std::fs::read_to_string(&out).unwrap();
    let split = backprop_ninja::chat::tasks::NameSplit::new(
        &backprop_ninja::corpus::words::Corpus::embedded().words,
        2207,
    )
    .unwrap();
    assert_eq!(kept.lines().count(), split.train.len());
    assert!(
        kept.lines()
            .all(|n| split.held_out.binary_search(&n.to_string()).is_err())
    );
}

/// `sft` and `reward` check the one memory budget before anything large
/// is allocated: a batch beyond it is refused, nothing written.
#[test]
fn batches_beyond_the_memory_budget_are_refused_before_any_work() {
    let dir = temp_dir("sft-budget");
    let base = fixture("gpt_names.safetensors");
    for (command, evaluation) in [
        ("sft", ["--eval-prompts", "0"]),
        ("reward", ["--eval-pairs", "10"]),
    ] {
        let out = dir.join(format!("{command}.safetensors"));
        let o = bin()
            .args([command, "--base", s(&base), "--out", s(&out)])
            .args([
                "--batch-size",
                "1000000000000",
                evaluation[0],
                evaluation[1],
            ])
            .output()
            .unwrap();
        assert_fails(&o, "would need more than 16 GiB");
        assert!(!out.exists(), "{command}: nothing written");
    }
}
