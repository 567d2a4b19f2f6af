//! Ctrl-C (SIGINT) and SIGTERM during `train`: the run finishes its step,
//! saves it, says `interrupted at step N: saved FILE; resume with …` and
//! exits 130 or 143; the command it prints, run to step M, gives the model
//! that a run never stopped gives at step M, bit for bit. Each test sends
//! its signals only to the child process it started.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Output, Stdio};
use std::time::Duration;

use backprop_ninja::io::checkpoint;
use backprop_ninja::io::weights::{self, Tensor};

use crate::common::cli::{bin, s, small_corpus, stderr, succeeds, temp_dir};

/// A run far too long to end by itself.
const FOREVER: &str = "100000000";

/// `train MODEL` at tiny sizes on `corpus` to step `steps`, into `out`;
/// `gpt-text` is the GPT trained on `corpus` as running text.
fn train_args(model: &str, corpus: &Path, steps: &str, out: &Path) -> Vec<String> {
    if model == "rlhf" {
        // RLHF from the short SFT and reward models of `rlhf_cli`.
        let (sft, reward) = crate::rlhf_cli::models();
        let args = [
            "rlhf",
            "--policy",
            s(sft),
            "--reward",
            s(reward),
            "--steps",
            steps,
            "--out",
            s(out),
            "--prompts",
            "2",
            "--samples",
            "2",
            "--eval-answers",
            "2",
            "--eval-every",
            "0",
            "--print-every",
            "1",
        ];
        return args.iter().map(|a| a.to_string()).collect();
    }
    if let "sft" | "reward" = model {
        // State of GPT's fine-tuning runs, from the small names GPT of the
        // fixtures, on the embedded names.
        let base =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/gpt_names.safetensors");
        let evaluation = match model {
            "sft" => ["--eval-prompts", "0"],
            _ => ["--eval-pairs", "10"],
        };
        let args = [model, "--base", s(&base), "--steps", steps, "--out", s(out)];
        let more = [
            "--batch-size",
            "4",
            evaluation[0],
            evaluation[1],
            "--print-every",
            "1",
        ];
        return args.iter().chain(&more).map(|a| a.to_string()).collect();
    }
    let mut args = match model {
        "gpt-text" => vec!["train", "gpt", "--text", s(corpus), "--block-size", "8"],
        _ => vec!["train", model, "--data", s(corpus)],
    };
    args.extend(["--steps", steps, "--samples", "0", "--out", s(out)]);
    args.extend(["--batch-size", "4"]);
    if model.starts_with("gpt") {
        args.extend(["--n-embd", "8", "--n-head", "2", "--n-layer", "1"]);
        args.extend(["--eval-batches", "1", "--eval-every", "200"]);
    } else {
        args.extend(["--n-embd", "3", "--n-hidden", "8", "--eval-every", "2000"]);
    }
    args.into_iter().map(String::from).collect()
}

/// Whether `line` of stdout shows that training has begun: the loss of the
/// first step (the MLP, the WaveNet), or of step 0 (the GPT).
fn started(line: &str) -> bool {
    line.contains("(lr ") || line.starts_with("step ")
}

/// Sends `signal` (`INT`, `TERM`) to the child, by its id.
fn send(child: &Child, signal: &str) {
    let status = std::process::Command::new("kill")
        .args([format!("-{signal}"), child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success(), "kill -{signal} {}", child.id());
}

/// Runs `args` until a line of stdout shows `ready`, then sends each
/// signal after its pause, and waits for the end.
fn interrupted(args: &[String], ready: fn(&str) -> bool, signals: &[(&str, Duration)]) -> Output {
    let mut child = bin()
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    let mut err = child.stderr.take().unwrap();
    let errors = std::thread::spawn(move || {
        let mut text = vec![];
        err.read_to_end(&mut text).unwrap();
        text
    });
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut seen = vec![];
    loop {
        let mut line = String::new();
        if stdout.read_line(&mut line).unwrap() == 0 {
            let status = child.wait().unwrap();
            let errors = errors.join().unwrap();
            panic!(
                "ended ({status}) before it was ready: {}{}",
                String::from_utf8_lossy(&seen),
                String::from_utf8_lossy(&errors)
            );
        }
        seen.extend(line.as_bytes());
        if ready(&line) {
            break;
        }
    }
    for (signal, pause) in signals {
        std::thread::sleep(*pause);
        send(&child, signal);
    }
    stdout.read_to_end(&mut seen).unwrap();
    let status = child.wait().unwrap();
    Output {
        status,
        stdout: seen,
        stderr: errors.join().unwrap(),
    }
}

/// Every tensor of the file `path`, as its bytes.
fn tensor_bytes(path: &Path) -> Vec<(String, Vec<u8>)> {
    let (tensors, _) = weights::load(path).unwrap();
    tensors
        .into_iter()
        .map(|(name, t): (String, Tensor)| (name, t.to_le_bytes()))
        .collect()
}

/// The step the model saved in `path` is at.
fn saved_step(path: &Path) -> usize {
    checkpoint::load(path).unwrap().step
}

/// Interrupts `train MODEL` with `signal`, checks what it says, leaves and
/// exits with, resumes it with the command it printed to a few steps
/// further, and compares with a run to that step never stopped.
fn interrupt_and_resume(model: &str, signal: &str, status: i32) {
    let dir = temp_dir(&format!("{model}-{signal}"));
    let corpus = small_corpus(&dir);
    let out = dir.join("m.safetensors");
    let args = train_args(model, &corpus, FOREVER, &out);
    let o = interrupted(&args, started, &[(signal, Duration::ZERO)]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(status), "{model} {signal}: {err}");
    assert!(!err.contains("error:"), "{err}");
    let line = err
        .lines()
        .find(|l| l.starts_with("interrupted at step "))
        .unwrap_or_else(|| panic!("no interruption line in: {err}"));
    let (step, rest) = line["interrupted at step ".len()..]
        .split_once(": saved ")
        .unwrap_or_else(|| panic!("{line}"));
    let step: usize = step.parse().unwrap();
    let (file, command) = rest.split_once("; resume with ").expect(line);
    assert_eq!(file, s(&out));
    assert_eq!(saved_step(&out), step, "the step said is saved");
    assert!(
        !dir.join(".m.safetensors.lock").exists(),
        "the lock file is released"
    );

    // The command printed, run to a few steps further.
    let to = (step + 7).to_string();
    let forever = format!("--steps {FOREVER}");
    assert!(command.contains(&forever), "{command}");
    assert!(
        command.ends_with(&format!("--resume {}", s(&out))),
        "{command}"
    );
    let resumed = command.replace(&forever, &format!("--steps {to}"));
    let o = std::process::Command::new("sh")
        .args(["-c", &resumed])
        .output()
        .unwrap();
    succeeds(&o);
    assert_eq!(saved_step(&out), step + 7);

    let straight = dir.join("straight.safetensors");
    succeeds(
        &bin()
            .args(train_args(model, &corpus, &to, &straight))
            .output()
            .unwrap(),
    );
    assert_eq!(
        tensor_bytes(&out),
        tensor_bytes(&straight),
        "{model}: stopped at {step} and resumed to {to} is the run never stopped"
    );
}

#[test]
fn ctrl_c_saves_the_mlp_and_its_resumed_run_is_the_uninterrupted_one() {
    interrupt_and_resume("mlp", "INT", 130);
}

#[test]
fn sigterm_saves_the_mlp_and_its_resumed_run_is_the_uninterrupted_one() {
    interrupt_and_resume("mlp", "TERM", 143);
}

#[test]
fn ctrl_c_saves_the_wavenet_and_its_resumed_run_is_the_uninterrupted_one() {
    interrupt_and_resume("wavenet", "INT", 130);
}

#[test]
fn ctrl_c_saves_the_gpt_and_its_resumed_run_is_the_uninterrupted_one() {
    interrupt_and_resume("gpt", "INT", 130);
}

#[test]
fn ctrl_c_saves_the_gpt_on_a_text_and_its_resumed_run_is_the_uninterrupted_one() {
    interrupt_and_resume("gpt-text", "INT", 130);
}

#[test]
fn sigterm_saves_the_gpt_and_its_resumed_run_is_the_uninterrupted_one() {
    interrupt_and_resume("gpt", "TERM", 143);
}

#[test]
fn ctrl_c_saves_the_sft_run_and_its_resumed_run_is_the_uninterrupted_one() {
    interrupt_and_resume("sft", "INT", 130);
}

#[test]
fn sigterm_saves_the_reward_model_and_its_resumed_run_is_the_uninterrupted_one() {
    interrupt_and_resume("reward", "TERM", 143);
}

#[test]
fn ctrl_c_saves_the_rlhf_run_and_its_resumed_run_is_the_uninterrupted_one() {
    interrupt_and_resume("rlhf", "INT", 130);
}

#[test]
fn a_second_signal_exits_at_once_and_the_last_checkpoint_is_kept() {
    let dir = temp_dir("twice");
    let corpus = small_corpus(&dir);
    let out = dir.join("m.safetensors");
    // A GPT whose every evaluation, and so every checkpoint, takes a while
    // (a second or more): the second signal comes while the first one's
    // checkpoint is being made.
    let mut args = train_args("gpt", &corpus, "2", &out);
    let at = args.iter().position(|a| a == "--eval-batches").unwrap();
    args[at + 1] = "500".into();
    succeeds(&bin().args(&args).output().unwrap());
    assert_eq!(saved_step(&out), 2);
    let saved = std::fs::read(&out).unwrap();

    let resume: Vec<String> = ["train", "gpt", "--resume", s(&out), "--steps", FOREVER]
        .iter()
        .map(|a| a.to_string())
        .chain([
            "--out".into(),
            s(&out).into(),
            "--samples".into(),
            "0".into(),
        ])
        .collect();
    let o = interrupted(
        &resume,
        |line| line.starts_with("training: "),
        &[("INT", Duration::ZERO), ("INT", Duration::from_millis(100))],
    );
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(130), "{err}");
    assert!(
        !err.contains("interrupted at step"),
        "exited at once: {err}"
    );
    assert_eq!(
        std::fs::read(&out).unwrap(),
        saved,
        "the last checkpoint kept"
    );

    // Nothing is left that stops the next run of the same output.
    let mut again = resume.clone();
    again[5] = "3".into();
    succeeds(&bin().args(&again).output().unwrap());
    assert_eq!(saved_step(&out), 3);
}

#[test]
fn a_signal_during_the_last_step_lets_the_run_save_its_model_and_stop() {
    let dir = temp_dir("last");
    let corpus = small_corpus(&dir);
    let out = dir.join("m.safetensors");
    // One step, after an evaluation at step 0 slow enough (a second or
    // more) for the signal to come before the step.
    let mut args = train_args("gpt", &corpus, "1", &out);
    let at = args.iter().position(|a| a == "--eval-batches").unwrap();
    args[at + 1] = "500".into();
    let at = args.iter().position(|a| a == "--samples").unwrap();
    args[at + 1] = "3".into();
    let o = interrupted(
        &args,
        |line| line.starts_with("training: "),
        &[("TERM", Duration::ZERO)],
    );
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(143), "{err}");
    assert!(
        err.contains(&format!(
            "interrupted after the last step, 1: saved {}",
            s(&out)
        )),
        "{err}"
    );
    assert!(!err.contains("error:"), "{err}");
    assert_eq!(saved_step(&out), 1);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        !stdout.contains("samples:"),
        "stopped after saving: {stdout}"
    );
}
