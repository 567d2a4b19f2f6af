//! # The `backprop-ninja` command
//!
//! One file per subcommand, each with its arguments:
//!
//! | subcommand | file | what it does |
//! |---|---|---|
//! | `bigram` | [`bigram`] | makemore part 1: counting and the neural bigram |
//! | `train mlp\|wavenet\|gpt` | [`train`], [`gpt`], [`run`] | trains the MLP, the WaveNet or the GPT, saves it, samples; `--resume` |
//! | `diagnose` | [`diagnose`] | makemore part 3: the deep tanh MLP and its statistics (not saved) |
//! | `eval`, `sample` | [`saved`] | a saved model's losses, and names drawn from it |
//! | `check` | [`check`] | grades every backward pass; `--export` for PyTorch |
//!
//! [`output`] holds what they share: printing that survives a closed pipe,
//! the loss line, the option parsers. `--impl` is dispatched once, by
//! [`implementation::Impl::run`]; [`implementation::ready`] refuses to
//! train with backward passes still at `todo!()`. [`run`] holds what every
//! model's `train` shares: the common options, and what `--resume` checks.
//!
//! Each model's `train` options are its own clap struct, so clap itself
//! refuses an option that does not apply to the model, and each model's
//! `--help` shows its own defaults.
//!
//! Imports run one way, and no file imports a file that imports it back:
//! this file uses the subcommands' files; [`train`] and [`saved`] use
//! [`gpt`], [`diagnose`] uses [`train`]; any of them may use [`bigram`]'s
//! corpus loader, [`run`], [`implementation`] and [`output`], which use none
//! of them.
//!
//! Every failure ends with one line `error: …` on stderr and a non-zero
//! exit; a closed stdout (`… | head`) ends printing, not the work.

pub mod bigram;
pub mod check;
pub mod diagnose;
pub mod gpt;
pub mod implementation;
pub mod output;
pub mod run;
pub mod saved;
pub mod train;

use std::process::ExitCode;

use backprop_ninja::Error;
use clap::{Parser, Subcommand};

/// Backpropagation by hand: the makemore MLP and WaveNet with every gradient
/// derived, checked against finite differences, and trained on names.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// The bigram model of makemore part 1, two ways: counting, and a
    /// neural net trained with your dW (or the reference's); NLL and samples.
    Bigram(bigram::Args),
    /// Train the MLP (`train` alone, or `train mlp`), the WaveNet (`train
    /// wavenet`) or the GPT (`train gpt`: on names, or with --text on a
    /// text), save it, and sample.
    Train(Box<train::Args>),
    /// Train the deep tanh MLP of makemore part 3 and print (and draw) its
    /// activation, gradient and update statistics; the model is not saved.
    Diagnose(diagnose::Args),
    /// Print the train, val and test loss of a saved model.
    Eval(saved::EvalArgs),
    /// Sample words from a saved model.
    Sample(saved::SampleArgs),
    /// Check every backward pass against finite differences and the
    /// reference, and print the lecture's cmp table.
    Check(check::Args),
    /// Re-grade your exercises on every save of a file in exercises/
    /// (run it in the crate's folder; Ctrl-C to quit).
    Watch,
    /// The next level of an exercise's hint: the rule, then the shapes,
    /// then the expression in words (e.g. `hint layers::tanh`, `hint dcounts`).
    Hint { exercise: String },
}

/// Parses the command line, runs it, and turns the result into an exit code
/// and at most one line `error: …`.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Bigram(args) => args.implementation.run(args),
        Command::Train(args) => args.run(),
        Command::Diagnose(args) => args.implementation.run(args),
        Command::Check(args) => args.implementation.run(args),
        Command::Eval(args) => saved::eval(args),
        Command::Sample(args) => saved::sample(args),
        Command::Watch => backprop_ninja::watch::main(std::path::Path::new(".")),
        Command::Hint { exercise } => {
            backprop_ninja::grade::hint_levels::next(std::path::Path::new("."), &exercise)
                .map_err(Error::Config)
                .map(|text| output::say!("{text}"))
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            output::error(&e);
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::path::Path;

    /// Whether `text` names `path` (`super::train`, `train::`) as a whole
    /// path, not as the tail of a longer one or a longer name.
    fn names(text: &str, path: &str) -> bool {
        let word = |c: char| c.is_alphanumeric() || c == '_';
        text.match_indices(path).any(|(at, _)| {
            let before = text[..at].chars().next_back();
            let after = text[at + path.len()..].chars().next();
            !before.is_some_and(|c| word(c) || c == ':')
                && (path.ends_with("::") || !after.is_some_and(word))
        })
    }

    /// The files of src/cli each of its files imports: a subcommand's file
    /// by `super::x` or `crate::cli::x`, this file by `x::`.
    fn imports() -> BTreeMap<String, Vec<String>> {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/cli");
        let files: BTreeMap<String, String> = std::fs::read_dir(&dir)
            .expect("src/cli")
            .map(|e| e.expect("a file").path())
            .filter(|p| p.extension().is_some_and(|e| e == "rs"))
            .map(|p| {
                let stem = p.file_stem().unwrap().to_string_lossy().into_owned();
                (stem, std::fs::read_to_string(&p).expect("readable"))
            })
            .collect();
        let modules: Vec<&String> = files.keys().filter(|m| *m != "mod").collect();
        files
            .iter()
            .map(|(file, text)| {
                let used = modules
                    .iter()
                    .filter(|&&m| m != file)
                    .filter(|&&m| match file.as_str() {
                        "mod" => names(text, &format!("{m}::")),
                        _ => {
                            names(text, &format!("super::{m}"))
                                || names(text, &format!("crate::cli::{m}"))
                        }
                    })
                    .map(|m| m.to_string())
                    .collect();
                (file.clone(), used)
            })
            .collect()
    }

    /// A cycle of `imports` (its files in order, the first again at the
    /// end), if there is one.
    fn cycle(imports: &BTreeMap<String, Vec<String>>) -> Option<Vec<String>> {
        fn visit(
            file: &str,
            imports: &BTreeMap<String, Vec<String>>,
            path: &mut Vec<String>,
            done: &mut Vec<String>,
        ) -> Option<Vec<String>> {
            if let Some(at) = path.iter().position(|f| f == file) {
                let mut found = path[at..].to_vec();
                found.push(file.to_string());
                return Some(found);
            }
            if done.iter().any(|f| f == file) {
                return None;
            }
            path.push(file.to_string());
            for next in imports.get(file).into_iter().flatten() {
                if let Some(found) = visit(next, imports, path, done) {
                    return Some(found);
                }
            }
            path.pop();
            done.push(file.to_string());
            None
        }
        let (mut path, mut done) = (vec![], vec![]);
        imports
            .keys()
            .find_map(|file| visit(file, imports, &mut path, &mut done))
    }

    #[test]
    fn no_file_of_the_command_imports_a_file_that_imports_it_back() {
        let imports = imports();
        assert!(imports["train"].contains(&"gpt".to_string()), "{imports:?}");
        assert!(imports["mod"].contains(&"train".to_string()), "{imports:?}");
        if let Some(found) = cycle(&imports) {
            panic!("an import cycle: {}", found.join(" -> "));
        }
    }

    #[test]
    fn a_cycle_is_found() {
        let graph = |edges: &[(&str, &str)]| {
            let mut map: BTreeMap<String, Vec<String>> = BTreeMap::new();
            for (a, b) in edges {
                map.entry(a.to_string()).or_default().push(b.to_string());
            }
            map
        };
        assert_eq!(
            cycle(&graph(&[("a", "b"), ("b", "c"), ("c", "b")])),
            Some(vec!["b".into(), "c".into(), "b".into()])
        );
        assert_eq!(cycle(&graph(&[("a", "b"), ("a", "c"), ("b", "c")])), None);
        assert!(names("use super::train::{x};", "super::train"));
        assert!(!names("use super::trainer;", "super::train"));
        assert!(!names("backprop_ninja::train::gpt", "train::"));
    }
}
