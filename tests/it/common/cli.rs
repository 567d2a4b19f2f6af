//! Running the real binary: its output, and the checks every CLI test makes.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The `backprop-ninja` binary of this build.
pub fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_backprop-ninja"))
}

/// The binary run with `args`, to its end.
pub fn run(args: &[&str]) -> Output {
    bin().args(args).output().expect("the binary runs")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Failed cleanly: a non-zero exit that is not a panic (101) or a signal,
/// and one line `error: …` that contains `expected`.
pub fn assert_fails(o: &Output, expected: &str) {
    let err = stderr(o);
    assert!(
        !o.status.success(),
        "should fail with {expected:?}: {}",
        stdout(o)
    );
    assert_ne!(o.status.code(), Some(101), "panicked: {err}");
    assert!(o.status.code().is_some(), "killed by a signal: {err}");
    assert!(!err.contains("panicked"), "{err}");
    let line = err
        .lines()
        .find(|l| l.starts_with("error: "))
        .unwrap_or_else(|| panic!("no error line in: {err}"));
    assert!(line.contains(expected), "expected {expected:?} in: {err}");
}

/// Succeeded: its stdout.
pub fn succeeds(o: &Output) -> String {
    assert!(o.status.success(), "{}\n{}", stdout(o), stderr(o));
    stdout(o)
}

/// A new, empty folder for the calling test file's test `name`.
#[track_caller]
pub fn temp_dir(name: &str) -> PathBuf {
    let file = Path::new(std::panic::Location::caller().file());
    let dir = std::env::temp_dir().join(format!(
        "backprop-ninja-{}-{}-{name}",
        file.file_stem().unwrap().to_string_lossy(),
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A path as a command-line argument.
pub fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// About 400 names of the embedded corpus, every letter among them, in
/// `dir/small.txt`: a corpus that trains in a moment.
pub fn small_corpus(dir: &Path) -> PathBuf {
    let names: Vec<&str> = include_str!("../../../data/names.txt").lines().collect();
    let mut picked: Vec<&str> = names.iter().step_by(80).copied().collect();
    for letter in 'a'..='z' {
        if !picked.iter().any(|n| n.contains(letter)) {
            picked.push(names.iter().find(|n| n.contains(letter)).unwrap());
        }
    }
    let path = dir.join("small.txt");
    std::fs::write(&path, picked.join("\n")).unwrap();
    path
}

/// About 6,000 characters of running text: the first embedded names, eight
/// to a line.
pub fn small_text(dir: &Path) -> PathBuf {
    let names: Vec<&str> = include_str!("../../../data/names.txt")
        .lines()
        .take(900)
        .collect();
    let text: Vec<String> = names.chunks(8).map(|line| line.join(" ")).collect();
    let path = dir.join("verse.txt");
    std::fs::write(&path, text.join("\n") + "\n").unwrap();
    path
}
