//! `reward`, `reward eval` and `reward score` (State of GPT's reward
//! model) through the real binary: a short run from a names GPT with its
//! first loss `ln 2`, `--resume` bit for bit, and the inputs it refuses.

use std::path::{Path, PathBuf};

use backprop_ninja::io::checkpoint;
use backprop_ninja::models::model::Network;

use crate::common::cli::{assert_fails, run, s, succeeds, temp_dir};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// `reward --base` the names GPT of the fixtures, `steps` steps of 4 pairs.
fn short_run(base: &Path, out: &Path, steps: &str) -> String {
    succeeds(&run(&[
        "reward",
        "--base",
        s(base),
        "--steps",
        steps,
        "--batch-size",
        "4",
        "--eval-pairs",
        "20",
        "--print-every",
        "1",
        "--out",
        s(out),
    ]))
}

#[test]
fn reward_starts_at_ln_2_resumes_bit_for_bit_and_scores() {
    let dir = temp_dir("run");
    let base = fixture("gpt_names.safetensors");
    let straight = dir.join("straight.safetensors");
    let out = short_run(&base, &straight, "4");
    assert!(out.contains("step      1/4: loss 0.6931"), "{out}");
    assert!(out.contains("before: held-out pair accuracy 0.0%"), "{out}");
    assert!(out.contains("after: held-out pair accuracy"), "{out}");
    let Network::Reward(_) = checkpoint::load(&straight).unwrap().model else {
        panic!("a reward checkpoint")
    };
    // Two steps, then resumed to four: the same model and optimiser.
    let half = dir.join("half.safetensors");
    short_run(&base, &half, "2");
    let resumed = dir.join("resumed.safetensors");
    let out = succeeds(&run(&[
        "reward",
        "--resume",
        s(&half),
        "--steps",
        "4",
        "--eval-pairs",
        "20",
        "--out",
        s(&resumed),
    ]));
    assert!(out.contains("resuming"), "{out}");
    let (a, b) = (
        checkpoint::load(&straight).unwrap(),
        checkpoint::load(&resumed).unwrap(),
    );
    assert_eq!(a.model, b.model, "resumed at step 2, the run ends the same");
    assert_eq!(a.step, b.step);
    let out = succeeds(&run(&[
        "reward",
        "eval",
        "--model",
        s(&straight),
        "--eval-pairs",
        "20",
    ]));
    assert!(out.contains("pair accuracy"), "{out}");
    let out = succeeds(&run(&[
        "reward",
        "score",
        "--model",
        s(&straight),
        "a name that starts with k",
        "kayla",
    ]));
    assert!(out.trim().parse::<f32>().is_ok(), "a number: {out}");
}

#[test]
fn reward_refuses_bad_pairs_and_bases_saying_why() {
    let dir = temp_dir("bad");
    let base = fixture("gpt_names.safetensors");
    let out = dir.join("r.safetensors");
    let with_pairs = |text: &str| {
        let pairs = dir.join("pairs.tsv");
        std::fs::write(&pairs, text).unwrap();
        run(&[
            "reward",
            "--base",
            s(&base),
            "--pairs",
            s(&pairs),
            "--steps",
            "1",
            "--out",
            s(&out),
        ])
    };
    assert_fails(
        &with_pairs("a name that starts with k\tkayla\tkayla\n"),
        "pairs.tsv:1: chosen and rejected are the same answer",
    );
    assert_fails(&with_pairs("# nothing\n\n"), "the file holds no pairs");
    assert_fails(
        &with_pairs(
            "a name that starts with k\tkayla\tkim\na name that starts with k\tKAYLA\tkim\n",
        ),
        "is not in the chat vocabulary",
    );
    assert!(!out.exists(), "nothing written");
    // A base that is no GPT, a model that is no reward model.
    assert_fails(
        &run(&[
            "reward",
            "--base",
            s(&fixture("mlp.safetensors")),
            "--out",
            s(&out),
        ]),
        "not a GPT",
    );
    assert_fails(
        &run(&["reward", "eval", "--model", s(&base)]),
        "not a reward model",
    );
    assert_fails(
        &run(&["reward", "--out", s(&out)]),
        "reward needs --base FILE",
    );
}
