//! # `pipeline`, as a user runs it
//!
//! The whole pipeline with tiny step counts on 2,000 of the embedded
//! names (`--data`, so that the stages' evaluations stay small): every
//! stage's file left, one table with a row per stage, each stage's command
//! that reruns it alone (and gives the same bits); `--force` replaces the
//! pipeline's own files and nothing else; a `--dir` that is a file, and a
//! file the crate did not write, are refused before any work; a stage that
//! fails stops the pipeline, which names it; Ctrl-C in a stage says the
//! command that resumes that stage alone.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::OnceLock;

use backprop_ninja::io::checkpoint;

use crate::common::cli::{assert_fails, bin, run, s, succeeds, temp_dir};

/// The stages, in order, and the file each leaves.
const STAGES: [(&str, &str); 6] = [
    ("names", "pretrain.txt"),
    ("tokenizer", "tokenizer.model"),
    ("pretrain", "base.safetensors"),
    ("sft", "sft.safetensors"),
    ("reward", "reward.safetensors"),
    ("rlhf", "rlhf.safetensors"),
];

/// The pipeline on [`names`] in `dir`, with tiny step counts and
/// evaluations, and `extra`.
fn pipeline(dir: &Path, extra: &[&str]) -> Output {
    bin()
        .args(["pipeline", "--dir", s(dir), "--data", s(names())])
        .args(["--pretrain-steps", "2", "--sft-steps", "2"])
        .args(["--reward-steps", "2", "--rlhf-steps", "2"])
        .args(["--eval-prompts", "2", "--eval-pairs", "20"])
        .args(["--eval-answers", "16"])
        .args(extra)
        .output()
        .expect("the binary runs")
}

/// The first 2,000 of the embedded names, in a file of their own (outside
/// every pipeline's `--dir`).
fn names() -> &'static Path {
    static NAMES: OnceLock<PathBuf> = OnceLock::new();
    NAMES.get_or_init(|| {
        let all = fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("data/names.txt"))
            .unwrap();
        let path = temp_dir("names").join("names.txt");
        let first: Vec<&str> = all.lines().take(2000).collect();
        fs::write(&path, first.join("\n") + "\n").unwrap();
        path
    })
}

fn tensors(path: &Path) -> Vec<(String, ndarray::ArrayD<f32>)> {
    checkpoint::load(path).unwrap().model.named_tensors()
}

/// The cells of the table's row of `stage`.
fn row<'a>(printed: &'a str, stage: &str) -> Vec<&'a str> {
    let rows: Vec<Vec<&str>> = printed
        .lines()
        .filter(|l| l.starts_with('|'))
        .map(|l| l.trim_matches('|').split('|').map(str::trim).collect())
        .filter(|cells: &Vec<&str>| cells[0] == stage)
        .collect();
    assert_eq!(rows.len(), 1, "one row of {stage} in:\n{printed}");
    rows[0].clone()
}

/// The command printed to rerun `stage` alone, its words after the program.
fn rerun_command(printed: &str, stage: &str) -> Vec<String> {
    let start = printed
        .lines()
        .position(|l| l.starts_with("each stage alone"))
        .unwrap_or_else(|| panic!("no list of commands in:\n{printed}"));
    let line = printed
        .lines()
        .skip(start + 1)
        .find(|l| l.split_whitespace().next() == Some(stage))
        .unwrap_or_else(|| panic!("no command of {stage} in:\n{printed}"));
    let words: Vec<String> = line.split_whitespace().map(String::from).collect();
    assert_eq!(words[1], "backprop-ninja", "{line}");
    words[2..].to_vec()
}

#[test]
fn the_pipeline_runs_every_stage_leaves_its_files_and_each_reruns_alone() {
    let dir = temp_dir("all");
    let printed = succeeds(&pipeline(&dir, &[]));
    // Each stage said what it runs, and printed its own lines.
    for (i, (stage, file)) in STAGES.iter().enumerate() {
        let header = format!("== {}/{} {stage}: backprop-ninja ", i + 1, STAGES.len());
        assert!(printed.contains(&header), "{header:?} in:\n{printed}");
        assert!(dir.join(file).is_file(), "{file} left in {}", dir.display());
    }
    for own in [
        "names for pretraining",
        "merges learned",
        "final: train loss",
        "instruction set:",
        "after: held-out pair accuracy",
        "RM score",
    ] {
        assert!(printed.contains(own), "{own:?} in:\n{printed}");
    }
    // One table: its header, its rule, a row per stage, in order.
    let table: Vec<&str> = printed.lines().filter(|l| l.starts_with('|')).collect();
    assert_eq!(table.len(), 2 + STAGES.len(), "{printed}");
    let header: Vec<&str> = table[0]
        .trim_matches('|')
        .split('|')
        .map(str::trim)
        .collect();
    assert_eq!(header, ["stage", "trained", "reached", "time"]);
    for (line, (stage, _)) in table[2..].iter().zip(STAGES) {
        assert!(line.starts_with(&format!("| {stage} ")), "{line}");
    }
    assert!(row(&printed, "pretrain")[1].contains("2 steps"));
    assert!(row(&printed, "pretrain")[2].starts_with("test loss "));
    assert!(row(&printed, "tokenizer")[1].contains("44 merges"));
    for task in ["starts", "ends_a5", "spell", "count"] {
        assert!(row(&printed, "sft")[2].contains(task), "{printed}");
    }
    assert!(row(&printed, "reward")[2].contains("held-out pair accuracy"));
    assert!(row(&printed, "rlhf")[1].contains("2 steps"));
    assert!(row(&printed, "rlhf")[2].starts_with("gold "));
    for (stage, _) in STAGES {
        let time = row(&printed, stage)[3];
        assert!(time.ends_with(" s"), "{stage}'s time {time:?}");
    }

    // Each stage's file is its command's: `eval-tasks` reads the SFT model
    // and the RLHF policy, `reward eval` the reward model.
    let sft = dir.join("sft.safetensors");
    for model in [&sft, &dir.join("rlhf.safetensors")] {
        let o = run(&["eval-tasks", "--model", s(model), "--prompts", "2"]);
        assert!(succeeds(&o).contains("count"));
    }
    let reward = dir.join("reward.safetensors");
    let o = run(&["reward", "eval", "--model", s(&reward), "--eval-pairs", "5"]);
    assert!(succeeds(&o).contains("pair accuracy"));

    // The printed command reruns a stage alone, to the same bytes.
    let tokenizer = fs::read(dir.join("tokenizer.model")).unwrap();
    let words = rerun_command(&printed, "tokenizer");
    assert_eq!(words[..2], ["tokenizer", "train"]);
    succeeds(&bin().args(&words).output().unwrap());
    assert_eq!(fs::read(dir.join("tokenizer.model")).unwrap(), tokenizer);

    // A second run is refused, naming a file; with --force it replaces the
    // pipeline's own files, and gives the same models.
    let o = pipeline(&dir, &[]);
    assert_fails(&o, "pretrain.txt: exists");
    assert!(stderr_has(&o, "--force"));
    let models = ["base", "sft", "reward", "rlhf"].map(|m| dir.join(format!("{m}.safetensors")));
    let before = models.each_ref().map(|m| tensors(m));
    succeeds(&pipeline(&dir, &["--force"]));
    for (model, tensors_before) in models.iter().zip(before) {
        assert_eq!(
            tensors(model),
            tensors_before,
            "same seed: {}",
            model.display()
        );
    }
}

fn stderr_has(o: &Output, text: &str) -> bool {
    String::from_utf8_lossy(&o.stderr).contains(text)
}

#[test]
fn a_dir_that_is_a_file_and_files_the_crate_did_not_write_are_refused() {
    let dir = temp_dir("refusals");
    // --dir names a regular file.
    let file = dir.join("a-file");
    fs::write(&file, "mine").unwrap();
    assert_fails(&pipeline(&file, &[]), "--dir is a file, not a directory");
    assert_eq!(fs::read_to_string(&file).unwrap(), "mine");

    // A file of someone else's where the pipeline writes: refused without
    // --force, and with it, left as it was.
    let there = dir.join("there");
    fs::create_dir(&there).unwrap();
    let foreign = there.join("sft.safetensors");
    fs::write(&foreign, "my notes").unwrap();
    assert_fails(&pipeline(&there, &[]), "sft.safetensors: exists");
    assert_fails(
        &pipeline(&there, &["--force"]),
        "sft.safetensors: exists and is not a checkpoint of this crate",
    );
    assert_eq!(fs::read_to_string(&foreign).unwrap(), "my notes");
    // Other names where the names go: not the pipeline's, kept.
    fs::remove_file(&foreign).unwrap();
    let names = there.join("pretrain.txt");
    fs::write(&names, "emma\nolivia\n").unwrap();
    assert_fails(
        &pipeline(&there, &["--force"]),
        "pretrain.txt: exists and is not the pretraining names of this data",
    );
    assert_eq!(fs::read_to_string(&names).unwrap(), "emma\nolivia\n");
    // Nothing was written by the refused runs.
    let left: Vec<_> = fs::read_dir(&there)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(left, ["pretrain.txt"]);
    // A --dir that cannot be made.
    assert_fails(&pipeline(&file.join("sub"), &[]), "a-file");
    // A stage that fails stops the pipeline, which names the stage; the
    // stages before keep their files, no table pretends the rest ran.
    let stopped = dir.join("stopped");
    let o = pipeline(&stopped, &["--vocab-size", "100"]);
    assert_fails(&o, "below 256");
    assert_fails(&o, "stopped at its stage 2 of 6, tokenizer");
    assert!(stopped.join("pretrain.txt").is_file());
    assert!(!stopped.join("tokenizer.model").exists());
    assert!(!String::from_utf8_lossy(&o.stdout).contains("| stage"));
}

#[test]
#[ignore = "maintainers: the shipped exercises are todo!() stubs"]
fn maintainers_the_pipeline_with_the_stubs_names_every_exercise_before_any_work() {
    let dir = temp_dir("stubs");
    let o = pipeline(&dir, &["--impl", "exercises"]);
    assert_fails(&o, "still at todo!()");
    let err = String::from_utf8_lossy(&o.stderr);
    for exercise in ["bpe", "sft_targets", "bradley_terry", "ppo_clip"] {
        assert!(err.contains(exercise), "{exercise} in: {err}");
    }
    assert_eq!(fs::read_dir(&dir).unwrap().count(), 0, "nothing written");
}

/// Ctrl-C during a stage: the stage saves its step and says the command
/// that resumes it, its own (not the pipeline's), which does.
#[test]
fn ctrl_c_in_a_stage_says_the_command_that_resumes_that_stage() {
    use std::io::{BufRead, BufReader, Read};
    use std::process::Stdio;

    let dir = temp_dir("ctrl-c");
    let mut child = bin()
        .args(["pipeline", "--dir", s(&dir), "--data", s(names())])
        .args(["--pretrain-steps", "2"])
        .args(["--sft-steps", "100000", "--eval-prompts", "2"])
        .args(["--print-every", "1"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    let mut err = child.stderr.take().unwrap();
    let errors = std::thread::spawn(move || {
        let mut text = String::new();
        err.read_to_string(&mut text).unwrap();
        text
    });
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut seen = String::new();
    loop {
        let mut line = String::new();
        assert_ne!(stdout.read_line(&mut line).unwrap(), 0, "ended: {seen}");
        seen.push_str(&line);
        // The first loss line of SFT (the base's have no '/'): step 1, as
        // `--print-every 1` reached the stage.
        if line.starts_with("step ") && line.contains('/') {
            let step = line.split_whitespace().nth(1);
            assert!(step.is_some_and(|s| s.starts_with("1/")), "{line}");
            break;
        }
    }
    let status = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    stdout.read_to_string(&mut seen).unwrap();
    let status = child.wait().unwrap();
    let err = errors.join().unwrap();
    assert_eq!(status.code(), Some(130), "{err}");
    assert!(!err.contains("error:"), "{err}");
    assert!(!seen.contains("| stage"), "no table: {seen}");
    let line = err
        .lines()
        .find(|l| l.starts_with("interrupted at step "))
        .unwrap_or_else(|| panic!("no interruption line in: {err}"));
    let (step, command) = line["interrupted at step ".len()..]
        .split_once(": saved ")
        .and_then(|(step, rest)| {
            Some((
                step.parse::<usize>().ok()?,
                rest.split_once("; resume with ")?.1,
            ))
        })
        .unwrap_or_else(|| panic!("{line}"));
    let sft = dir.join("sft.safetensors");
    assert!(
        command.starts_with("backprop-ninja sft ")
            && command.ends_with(&format!("--resume {}", s(&sft))),
        "{command}"
    );
    assert_eq!(checkpoint::load(&sft).unwrap().step, step);
    // The command said, two steps further, resumes the stage alone.
    let words: Vec<String> = command
        .replace("--steps 100000", &format!("--steps {}", step + 2))
        .split_whitespace()
        .skip(1)
        .map(String::from)
        .collect();
    succeeds(&bin().args(&words).output().unwrap());
    assert_eq!(checkpoint::load(&sft).unwrap().step, step + 2);
}
