//! `rlhf` and `dpo` (State of GPT's last stage) through the real binary:
//! short runs from a short `sft` and `reward`, every evaluation's
//! measures, `--resume` bit for bit (the optimiser, the reference and the
//! sampler's stream), and the inputs they refuse.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use backprop_ninja::io::checkpoint;

use crate::common::cli::{assert_fails, run, s, succeeds, temp_dir};

/// A short `sft` of the fixtures' names GPT and a short `reward` on it,
/// made once for every test of this file.
pub fn models() -> &'static (PathBuf, PathBuf) {
    static MODELS: OnceLock<(PathBuf, PathBuf)> = OnceLock::new();
    MODELS.get_or_init(|| {
        let dir = temp_dir("models");
        let base =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/gpt_names.safetensors");
        let sft = dir.join("sft.safetensors");
        succeeds(&run(&[
            "sft",
            "--base",
            s(&base),
            "--steps",
            "2",
            "--batch-size",
            "4",
            "--eval-prompts",
            "4",
            "--out",
            s(&sft),
        ]));
        let reward = dir.join("reward.safetensors");
        succeeds(&run(&[
            "reward",
            "--base",
            s(&sft),
            "--steps",
            "2",
            "--batch-size",
            "4",
            "--eval-pairs",
            "8",
            "--out",
            s(&reward),
        ]));
        (sft, reward)
    })
}

/// `rlhf` with tiny settings and `extra` options, writing `out`.
fn rlhf(out: &Path, extra: &[&str]) -> std::process::Output {
    let (sft, reward) = models();
    let mut args = vec![
        "rlhf",
        "--policy",
        s(sft),
        "--reward",
        s(reward),
        "--prompts",
        "2",
        "--samples",
        "3",
        "--eval-answers",
        "6",
        "--eval-every",
        "2",
        "--print-every",
        "1",
        "--out",
        s(out),
    ];
    args.extend_from_slice(extra);
    run(&args)
}

/// `rlhf` from the short models with `extra` options alone.
fn bare(out: &Path, extra: &[&str]) -> std::process::Output {
    let (sft, reward) = models();
    let mut args = vec![
        "rlhf",
        "--policy",
        s(sft),
        "--reward",
        s(reward),
        "--out",
        s(out),
    ];
    args.extend_from_slice(extra);
    run(&args)
}

/// The run resumed from `half` to `steps`, into `out`.
fn resume(half: &Path, steps: &str, out: &Path) -> String {
    succeeds(&run(&[
        "rlhf",
        "--resume",
        s(half),
        "--steps",
        steps,
        "--eval-answers",
        "6",
        "--out",
        s(out),
    ]))
}

#[test]
fn rlhf_reinforce_and_ppo_evaluate_and_resume_bit_for_bit() {
    let dir = temp_dir("resume");
    for algo in [
        &["--algo", "reinforce"][..],
        &["--algo", "ppo", "--ppo-epochs", "2"],
    ] {
        let name = algo[1];
        let straight = dir.join(format!("{name}-straight.safetensors"));
        let mut opts = algo.to_vec();
        opts.extend(["--steps", "4"]);
        let out = succeeds(&rlhf(&straight, &opts));
        for measure in [
            "RM score",
            "gold",
            "ends in 'a'",
            "valid",
            "KL",
            "distinct",
            "novel",
        ] {
            assert!(out.contains(measure), "{measure} in: {out}");
        }
        assert!(out.contains("step     4/4: reward"), "{out}");
        if name == "ppo" {
            assert!(out.contains("clip"), "{out}");
        }
        let half = dir.join(format!("{name}-half.safetensors"));
        let mut opts = algo.to_vec();
        opts.extend(["--steps", "2"]);
        succeeds(&rlhf(&half, &opts));
        let resumed = dir.join(format!("{name}-resumed.safetensors"));
        let out = resume(&half, "4", &resumed);
        assert!(out.contains("resuming"), "{out}");
        let (a, b) = (
            checkpoint::load(&straight).unwrap(),
            checkpoint::load(&resumed).unwrap(),
        );
        assert_eq!(a.step, 4);
        assert_eq!(
            a.model, b.model,
            "{name}: resumed at step 2, the run ends the same"
        );
        assert_eq!(a.optimizer, b.optimizer, "{name}: and so does AdamW");
        assert_eq!(a.rl, b.rl, "{name}: the same settings and models");
        assert!(a.rl.is_some());
        // The policy is a chat model: `chat` answers with it.
        let out = succeeds(&run(&[
            "chat",
            "--model",
            s(&straight),
            "a name that starts with k",
        ]));
        assert!(!out.trim().is_empty());
    }
}

#[test]
fn rlhf_refuses_bad_settings_and_models_saying_why() {
    let dir = temp_dir("bad");
    let out = dir.join("r.safetensors");
    let (sft, reward) = models();
    let base = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/gpt_names.safetensors");
    for (opts, expected) in [
        (&["--kl-coef", "-0.1"][..], "the KL coefficient is -0.1"),
        (&["--kl-coef", "NaN"], "the KL coefficient is NaN"),
        (&["--samples", "0"], "0 sample(s) per prompt"),
        (
            &["--samples", "1"],
            "1 sample(s) per prompt: the group baseline",
        ),
        (
            &["--ppo-eps", "0.3"],
            "--ppo-eps and --ppo-epochs are PPO's",
        ),
        (&["--algo", "ppo", "--ppo-eps", "1.5"], "PPO's ε is 1.5"),
        (&["--algo", "ppo", "--ppo-epochs", "0"], "PPO with 0 epochs"),
        (
            &["--algo", "ppo", "--ppo-epochs", "3", "--steps", "4"],
            "not a whole number of PPO rollouts",
        ),
        (
            &["--temperature", "0"],
            "the temperature must be a positive number",
        ),
        (&["--gold", "ends-with-ab"], "is not a gold rule"),
    ] {
        assert_fails(&bare(&out, opts), expected);
    }
    assert!(!out.exists(), "nothing written by a refused run");
    // A base model is no policy; an SFT model is no reward model.
    let base_policy = run(&[
        "rlhf",
        "--policy",
        s(&base),
        "--reward",
        s(reward),
        "--out",
        s(&out),
    ]);
    assert_fails(&base_policy, "not an SFT model");
    let sft_reward = run(&[
        "rlhf",
        "--policy",
        s(sft),
        "--reward",
        s(sft),
        "--out",
        s(&out),
    ]);
    assert_fails(&sft_reward, "not a reward model");
    let no_reward = run(&["rlhf", "--policy", s(sft), "--out", s(&out)]);
    assert_fails(&no_reward, "rlhf needs --reward FILE");
    // A resumed run keeps its settings and its models.
    let half = dir.join("half.safetensors");
    succeeds(&rlhf(&half, &["--steps", "2"]));
    let changed = run(&[
        "rlhf",
        "--resume",
        s(&half),
        "--kl-coef",
        "0.5",
        "--out",
        s(&out),
    ]);
    assert_fails(
        &changed,
        "differs from the run's: a resumed run keeps its settings",
    );
    let other = run(&[
        "rlhf",
        "--resume",
        s(&half),
        "--steps",
        "4",
        "--reward",
        s(&half),
        "--out",
        s(&out),
    ]);
    assert_fails(&other, "not a reward model");
    let names = dir.join("names.txt");
    std::fs::write(
        &names,
        "emma\nolivia\nava\nisabella\nsophia\nmia\namelia\nharper\nevelyn\nabigail\nemily\n",
    )
    .unwrap();
    let other_names = run(&[
        "rlhf",
        "--resume",
        s(&half),
        "--steps",
        "4",
        "--data",
        s(&names),
        "--out",
        s(&out),
    ]);
    assert_fails(&other_names, "are not the ones this run started with");
    let sft_as_resume = run(&["rlhf", "--resume", s(sft), "--out", s(&out)]);
    assert_fails(&sft_as_resume, "not an rlhf checkpoint");
    // Another reward model than the run's: refused by its identity.
    let reward2 = dir.join("reward2.safetensors");
    succeeds(&run(&[
        "reward",
        "--base",
        s(sft),
        "--steps",
        "3",
        "--batch-size",
        "4",
        "--eval-pairs",
        "8",
        "--out",
        s(&reward2),
    ]));
    let swapped = run(&[
        "rlhf",
        "--resume",
        s(&half),
        "--steps",
        "4",
        "--reward",
        s(&reward2),
        "--out",
        s(&out),
    ]);
    assert_fails(&swapped, "is not the reward model this run started with");
}

/// `dpo` with tiny settings and `extra` options, writing `out`.
fn dpo(out: &Path, extra: &[&str]) -> std::process::Output {
    let (sft, reward) = models();
    let mut args = vec![
        "dpo",
        "--policy",
        s(sft),
        "--reward",
        s(reward),
        "--batch-size",
        "3",
        "--eval-answers",
        "6",
        "--print-every",
        "1",
        "--out",
        s(out),
    ];
    args.extend_from_slice(extra);
    run(&args)
}

#[test]
fn dpo_starts_at_ln_2_on_sampled_or_given_pairs_and_resumes_bit_for_bit() {
    let dir = temp_dir("dpo");
    let straight = dir.join("straight.safetensors");
    let out = succeeds(&dpo(&straight, &["--prompts", "12", "--steps", "4"]));
    // The policy starts as its reference: every margin 0, the loss ln 2.
    assert!(out.contains("step      1/4: loss 0.6931"), "{out}");
    for measure in ["RM score", "gold", "KL", "distinct", "novel"] {
        assert!(out.contains(measure), "{measure} in: {out}");
    }
    let half = dir.join("half.safetensors");
    succeeds(&dpo(&half, &["--prompts", "12", "--steps", "2"]));
    let resumed = dir.join("resumed.safetensors");
    let out = succeeds(&run(&[
        "dpo",
        "--resume",
        s(&half),
        "--steps",
        "4",
        "--eval-answers",
        "6",
        "--out",
        s(&resumed),
    ]));
    assert!(out.contains("resuming"), "{out}");
    let (a, b) = (
        checkpoint::load(&straight).unwrap(),
        checkpoint::load(&resumed).unwrap(),
    );
    assert_eq!(a.model, b.model, "resumed at step 2, the run ends the same");
    assert_eq!(a.optimizer, b.optimizer);
    // A pairs file, its lines' errors named.
    let pairs = dir.join("pairs.tsv");
    std::fs::write(
        &pairs,
        "a name that starts with k\tkayla\tkim\na name that starts with e\temma\teve\n",
    )
    .unwrap();
    let from_file = dir.join("file.safetensors");
    let out = succeeds(&dpo(&from_file, &["--pairs", s(&pairs), "--steps", "2"]));
    assert!(out.contains("2 pairs"), "{out}");
    std::fs::write(&pairs, "a name that starts with k\tkayla\tkayla\n").unwrap();
    assert_fails(
        &dpo(&from_file, &["--pairs", s(&pairs), "--steps", "2"]),
        "pairs.tsv:1: chosen and rejected are the same answer",
    );
}

#[test]
fn dpo_refuses_bad_settings_saying_why() {
    let dir = temp_dir("dpo-bad");
    let out = dir.join("d.safetensors");
    for (opts, expected) in [
        (&["--beta", "-0.1"][..], "DPO's β is -0.1"),
        (&["--beta", "NaN"], "DPO's β is NaN"),
        (&["--prompts", "0"], "0"),
        (&["--batch-size", "0"], "--batch-size must be at least 1"),
    ] {
        let (sft, reward) = models();
        let mut args = vec![
            "dpo",
            "--policy",
            s(sft),
            "--reward",
            s(reward),
            "--out",
            s(&out),
        ];
        args.extend_from_slice(opts);
        assert_fails(&run(&args), expected);
    }
    assert!(!out.exists(), "nothing written by a refused run");
    let rl = dir.join("rl.safetensors");
    succeeds(&rlhf(&rl, &["--steps", "2"]));
    let wrong = run(&["dpo", "--resume", s(&rl), "--out", s(&out)]);
    assert_fails(&wrong, "not a dpo checkpoint");
    let d = dir.join("d2.safetensors");
    succeeds(&dpo(&d, &["--prompts", "6", "--steps", "1"]));
    let wrong = run(&["rlhf", "--resume", s(&d), "--out", s(&out)]);
    assert_fails(&wrong, "it is a dpo checkpoint");
}

#[test]
fn a_run_that_diverges_stops_and_keeps_the_last_good_checkpoint() {
    let dir = temp_dir("diverged");
    let out = dir.join("r.safetensors");
    succeeds(&rlhf(&out, &["--steps", "2"]));
    let good = std::fs::read(&out).unwrap();
    // A step so large the policy's numbers overflow: the run stops with an
    // error that says so, and the file holds the good run still.
    let o = rlhf(
        &out,
        &[
            "--steps",
            "30",
            "--lr",
            "1e30",
            "--save-every",
            "1",
            "--force",
        ],
    );
    let err = crate::common::cli::stderr(&o);
    assert!(
        err.contains("became NaN") || err.contains("not written"),
        "a clear error: {err}"
    );
    assert_fails(&o, "");
    assert_eq!(
        std::fs::read(&out).unwrap(),
        good,
        "the last good checkpoint kept"
    );
}
