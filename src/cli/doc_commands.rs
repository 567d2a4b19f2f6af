//! # Every command the docs show parses
//!
//! A test, not part of the command: it reads every `cargo run …` command in
//! `README.md` and `docs/*.md` (in code blocks, and in backticks in the
//! text) and checks that [`Cli`] accepts its arguments, so that a renamed
//! or removed option cannot leave the docs behind. A span in backticks that
//! starts with a subcommand and has an option (`train --model gpt --text
//! FILE`, as the results tables write them) counts too.
//!
//! How a line is read:
//!
//! - a line ending in `\`, and in a code block an indented line that starts
//!   with `[` or `-` after a command (a usage line), continue the command;
//! - words before `cargo run` (`BACKPROP_NINJA_SKIP=gelu`, `$`) are the
//!   shell's; a `#` comment, a pipe (`|`, spaced), `&&` and `;` end the
//!   command; a redirection (`> FILE`) is dropped;
//! - cargo's own options before `--` (`--release`, `--features X`, `--bin
//!   NAME`) are read and dropped; `--example` and another `--bin` run
//!   something else and are skipped, and so is `cargo run` alone (a name
//!   for the tool, not a command);
//! - a usage line is one command per alternative: `[` and `]` are dropped,
//!   `a|b` is tried as `a`, and as `b`;
//! - placeholders the parser accepts as they are (`FILE`, `DIR`) stay,
//!   those it would refuse get a value from [`PLACEHOLDERS`].

use std::path::Path;

use clap::error::ErrorKind;
use clap::{CommandFactory, Parser};

use super::Cli;

/// Placeholders the docs use where the parser wants a value of a type:
/// the placeholder, and what it is replaced by.
const PLACEHOLDERS: &[(&str, &str)] = &[
    // `--seed S`
    ("S", "1"),
    // `--arch STEP`: a step of the lecture's progression
    ("STEP", "heads"),
];

/// Cargo's options that take no value.
const CARGO_FLAGS: &[&str] = &[
    "--release",
    "-r",
    "--quiet",
    "-q",
    "--verbose",
    "-v",
    "--offline",
    "--locked",
    "--frozen",
    "--all-features",
    "--no-default-features",
    "--ignore-rust-version",
];

/// Cargo's options that take a value (`--bin` and `--example` are read apart).
const CARGO_OPTIONS: &[&str] = &[
    "--features",
    "-F",
    "--profile",
    "--target",
    "--target-dir",
    "--manifest-path",
    "--jobs",
    "-j",
    "--package",
    "-p",
    "--color",
    "--config",
];

/// A command found in a Markdown file.
#[derive(Debug, PartialEq)]
struct DocCommand {
    /// The line (from 1) where it starts.
    line: usize,
    /// The command as the docs write it, on one line.
    text: String,
    /// What the binary is handed, or why the command cannot be read.
    args: Result<Vec<String>, String>,
}

/// Every command of ours in `markdown`: `cargo run` lines in code blocks,
/// `cargo run` spans in the text, and spans that start with one of
/// `subcommands` and have an option.
fn extract(markdown: &str, subcommands: &[String]) -> Vec<DocCommand> {
    let mut found = Vec::new();
    // Prose lines of the current paragraph, and the lines of a code block.
    let mut paragraph: Vec<(usize, &str)> = Vec::new();
    let mut block: Vec<(usize, &str)> = Vec::new();
    let mut fence: Option<&str> = None;
    for (i, line) in markdown.lines().enumerate() {
        let number = i + 1;
        let trimmed = line.trim_start();
        let marker = ["```", "~~~"].into_iter().find(|m| trimmed.starts_with(m));
        match (fence, marker) {
            (None, Some(m)) => {
                spans(&paragraph, subcommands, &mut found);
                paragraph.clear();
                fence = Some(m);
            }
            (Some(open), Some(m)) if open == m => {
                block_commands(&block, &mut found);
                block.clear();
                fence = None;
            }
            (Some(_), _) => block.push((number, line)),
            (None, None) if trimmed.is_empty() => {
                spans(&paragraph, subcommands, &mut found);
                paragraph.clear();
            }
            (None, None) => paragraph.push((number, line)),
        }
    }
    spans(&paragraph, subcommands, &mut found);
    block_commands(&block, &mut found);
    found
}

/// The `cargo run` commands of a code block, continued lines joined.
fn block_commands(block: &[(usize, &str)], found: &mut Vec<DocCommand>) {
    let mut logical: Vec<(usize, String)> = Vec::new();
    for &(number, line) in block {
        let trimmed = line.trim();
        let continues = match logical.last() {
            Some((_, previous)) if previous.ends_with('\\') => true,
            Some((_, previous)) => {
                line.starts_with(char::is_whitespace)
                    && (trimmed.starts_with('[') || trimmed.starts_with('-'))
                    && cargo_run_at(&shell_words(previous)).is_some()
            }
            None => false,
        };
        match logical.last_mut() {
            Some((_, previous)) if continues => {
                let kept = previous.trim_end_matches('\\').trim_end().to_string();
                *previous = format!("{kept} {trimmed}");
            }
            _ => logical.push((number, trimmed.to_string())),
        }
    }
    for (line, text) in logical {
        if let Some(args) = cargo_run(&shell_words(&text)) {
            found.push(DocCommand { line, text, args });
        }
    }
}

/// The commands in the backtick spans of one paragraph; a span may run
/// over several lines.
fn spans(paragraph: &[(usize, &str)], subcommands: &[String], found: &mut Vec<DocCommand>) {
    // The paragraph as one text, with the line each byte starts on.
    let mut text = String::new();
    let mut lines = Vec::new();
    for &(number, line) in paragraph {
        text.push_str(line);
        text.push('\n');
        lines.extend(std::iter::repeat_n(number, line.len() + 1));
    }
    let bytes = text.as_bytes();
    let run_at = |i: usize| bytes[i..].iter().take_while(|&&b| b == b'`').count();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'`' {
            i += 1;
            continue;
        }
        let open = run_at(i);
        let start = i + open;
        // The closing run is a run of exactly as many backticks.
        let mut j = start;
        let mut close = None;
        while j < bytes.len() {
            if bytes[j] == b'`' {
                let n = run_at(j);
                if n == open {
                    close = Some(j);
                    break;
                }
                j += n;
            } else {
                j += 1;
            }
        }
        let Some(end) = close else {
            // An unmatched run is literal text.
            i = start;
            continue;
        };
        let span = text[start..end]
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        let words = shell_words(&span);
        let args = cargo_run(&words).or_else(|| {
            let ours = words
                .first()
                .is_some_and(|w| subcommands.iter().any(|s| s == w));
            let option = words.iter().any(|w| w.starts_with("--"));
            (ours && option).then(|| Ok(words.clone()))
        });
        if let Some(args) = args {
            found.push(DocCommand {
                line: lines[i],
                text: span,
                args,
            });
        }
        i = end + open;
    }
}

/// The words of a shell command line, quotes removed, up to a `#` comment,
/// a pipe, `&&` or `;`, without redirections.
fn shell_words(line: &str) -> Vec<String> {
    let mut words: Vec<String> = Vec::new();
    let mut word: Option<String> = None;
    let mut quote: Option<char> = None;
    for c in line.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => word.get_or_insert_default().push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                word.get_or_insert_default();
            }
            (None, '#') if word.is_none() => break,
            (None, c) if c.is_whitespace() => words.extend(word.take()),
            (None, c) => word.get_or_insert_default().push(c),
        }
    }
    words.extend(word);
    let mut kept = Vec::new();
    let mut drop_next = false;
    for w in words {
        if drop_next {
            drop_next = false;
            continue;
        }
        match w.as_str() {
            "|" | "||" | "&&" | ";" | "&" => break,
            ">" | ">>" | "<" | "2>" | "2>>" | "&>" | "1>" => drop_next = true,
            _ if w.starts_with('>') || w.starts_with('<') || w.starts_with("2>") => {}
            _ => kept.push(w),
        }
    }
    kept
}

/// Where `cargo run` starts among `words`.
fn cargo_run_at(words: &[String]) -> Option<usize> {
    words
        .windows(2)
        .position(|w| w[0] == "cargo" && w[1] == "run")
}

/// The arguments `cargo run …` hands our binary; `None` if there is no
/// `cargo run` or it runs something else; `Err` for a cargo option this
/// reader does not know.
fn cargo_run(words: &[String]) -> Option<Result<Vec<String>, String>> {
    let at = cargo_run_at(words)?;
    let rest = &words[at + 2..];
    if rest.is_empty() {
        return None;
    }
    let ours = Cli::command().get_name().to_string();
    let mut i = 0;
    while i < rest.len() {
        let (option, inline_value) = match rest[i].split_once('=') {
            Some((o, v)) if o.starts_with('-') => (o, Some(v.to_string())),
            _ => (rest[i].as_str(), None),
        };
        let mut value = || {
            inline_value.clone().or_else(|| {
                i += 1;
                rest.get(i).cloned()
            })
        };
        match option {
            "--" => return Some(Ok(rest[i + 1..].to_vec())),
            "--example" => return None,
            "--bin" => {
                if value()? != ours {
                    return None;
                }
            }
            o if CARGO_FLAGS.contains(&o) => {}
            o if CARGO_OPTIONS.contains(&o) => {
                value()?;
            }
            // Cargo hands the binary its first word that is not an option, and the rest.
            o if !o.starts_with('-') => return Some(Ok(rest[i..].to_vec())),
            o => {
                return Some(Err(format!(
                    "`{o}` is not a cargo option this test knows (add it to CARGO_FLAGS or CARGO_OPTIONS)"
                )));
            }
        }
        i += 1;
    }
    Some(Ok(Vec::new()))
}

/// A usage line's commands: `[`, `]` dropped, each `a|b` tried as `a` (all
/// at once), then each other alternative alone; placeholders replaced.
fn expand(args: &[String]) -> Vec<Vec<String>> {
    let choices: Vec<Vec<String>> = args
        .iter()
        .map(|a| a.trim_start_matches('[').trim_end_matches(']'))
        .filter(|a| !a.is_empty())
        .map(|a| {
            a.split('|')
                .map(|word| {
                    PLACEHOLDERS
                        .iter()
                        .find(|(p, _)| *p == word)
                        .map_or(word, |(_, v)| v)
                        .to_string()
                })
                .collect()
        })
        .collect();
    let first: Vec<String> = choices.iter().map(|c| c[0].clone()).collect();
    let mut all = vec![first.clone()];
    for (k, c) in choices.iter().enumerate() {
        for other in &c[1..] {
            let mut variant = first.clone();
            variant[k] = other.clone();
            all.push(variant);
        }
    }
    all
}

/// Checks every command of `markdown` (named `file` in the messages): one
/// line per command the parser refuses, with clap's error.
fn check(file: &str, markdown: &str) -> Vec<String> {
    let subcommands: Vec<String> = Cli::command()
        .get_subcommands()
        .map(|s| s.get_name().to_string())
        .collect();
    let mut bad = Vec::new();
    for command in extract(markdown, &subcommands) {
        let args = match command.args {
            Ok(args) => args,
            Err(why) => {
                bad.push(format!(
                    "{file}:{}: `{}`\n    {why}",
                    command.line, command.text
                ));
                continue;
            }
        };
        for variant in expand(&args) {
            let argv = std::iter::once("backprop-ninja".to_string()).chain(variant.iter().cloned());
            let Err(e) = Cli::try_parse_from(argv) else {
                continue;
            };
            if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
                continue;
            }
            let why = e.to_string();
            let why = why.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
            bad.push(format!(
                "{file}:{}: `{}`\n    read as: {}\n    {why}",
                command.line,
                command.text,
                variant.join(" ")
            ));
        }
    }
    bad
}

/// README.md and every `docs/*.md`, by their path from the crate's root.
fn documents() -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut names = vec!["README.md".to_string()];
    let mut docs: Vec<String> = std::fs::read_dir(root.join("docs"))
        .expect("docs/ is readable")
        .map(|entry| entry.expect("docs/ is readable").file_name())
        .map(|name| name.to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".md"))
        .map(|name| format!("docs/{name}"))
        .collect();
    docs.sort();
    names.extend(docs);
    names
        .into_iter()
        .map(|name| {
            let text =
                std::fs::read_to_string(root.join(&name)).unwrap_or_else(|e| panic!("{name}: {e}"));
            (name, text)
        })
        .collect()
}

#[test]
fn every_documented_command_parses() {
    let docs = documents();
    let bad: Vec<String> = docs
        .iter()
        .flat_map(|(name, text)| check(name, text))
        .collect();
    assert!(
        bad.is_empty(),
        "{} documented command(s) the CLI refuses; update the docs (or the CLI):\n{}",
        bad.len(),
        bad.join("\n")
    );
}

#[test]
fn the_readme_is_read_at_all() {
    // Guards against a reader that silently finds nothing.
    let subcommands = vec!["train".to_string()];
    let (_, readme) = &documents()[0];
    let args: Vec<Vec<String>> = extract(readme, &subcommands)
        .into_iter()
        .filter_map(|c| c.args.ok())
        .collect();
    for expected in [vec!["train"], vec!["watch"]] {
        assert!(
            args.iter().any(|a| a == &expected),
            "README.md: no `cargo run … -- {}` found among {args:?}",
            expected.join(" ")
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = r#"# A page

Run `cargo run --release -- train --model
wavenet` or `cargo run` itself, or `cargo run --example micrograd`, and
`train | head`, `train`, and `train --model gpt --text FILE` (a table's form).

```sh
cargo run --release -- train   # the MLP
BACKPROP_NINJA_SKIP=gelu cargo run -- watch
cargo run --release --features plots -- diagnose \
    --steps 20000 --plots plots/
cargo run --bin backprop-ninja -- check --seed 3 > out.txt 2>&1 | tee log
cargo run --bin other -- anything
cargo test --test grade
```

```text
cargo run --release -- sample [--model mlp|wavenet] [--seed S]
    [--resume FILE [--other-data]]
not a command
```
"#;

    fn words(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn the_extractor_finds_each_command_with_its_line() {
        let found: Vec<(usize, Vec<String>)> = extract(SAMPLE, &["train".to_string()])
            .into_iter()
            .map(|c| (c.line, c.args.unwrap()))
            .collect();
        let expected = vec![
            (3, words("train --model wavenet")),
            (5, words("train --model gpt --text FILE")),
            (8, words("train")),
            (9, words("watch")),
            (10, words("diagnose --steps 20000 --plots plots/")),
            (12, words("check --seed 3")),
            (
                18,
                words("sample [--model mlp|wavenet] [--seed S] [--resume FILE [--other-data]]"),
            ),
        ];
        assert_eq!(found, expected);
    }

    #[test]
    fn a_usage_line_is_tried_with_each_alternative() {
        let variants = expand(&words(
            "train [--model mlp|wavenet|gpt] [--seed S] [--resume FILE [--other-data]]",
        ));
        assert_eq!(
            variants,
            vec![
                words("train --model mlp --seed 1 --resume FILE --other-data"),
                words("train --model wavenet --seed 1 --resume FILE --other-data"),
                words("train --model gpt --seed 1 --resume FILE --other-data"),
            ]
        );
    }

    #[test]
    fn an_unknown_cargo_option_is_reported_not_skipped() {
        let found = extract("`cargo run --relaese -- train`", &[]);
        assert_eq!(found.len(), 1);
        assert!(found[0].args.as_ref().unwrap_err().contains("--relaese"));
    }

    #[test]
    fn the_checker_names_a_bad_command_with_its_file_line_and_clap_error() {
        let page = "Fine: `cargo run -- watch`.\n\n```sh\ncargo run --release -- train --no-such-option 3\n```\n";
        let bad = check("docs/page.md", page);
        assert_eq!(bad.len(), 1, "{bad:?}");
        assert!(
            bad[0].starts_with("docs/page.md:4: `cargo run --release -- train --no-such-option 3`"),
            "{}",
            bad[0]
        );
        assert!(bad[0].contains("--no-such-option"), "{}", bad[0]);
        assert!(bad[0].contains("error:"), "{}", bad[0]);
    }

    #[test]
    fn a_bad_alternative_or_value_of_a_usage_line_fails() {
        let bad = check(
            "README.md",
            "```text\ncargo run -- train [--model mlp|resnet] [--steps N]\n```\n",
        );
        // `resnet` is not a model, and `N` not a number.
        assert_eq!(bad.len(), 2, "{bad:?}");
        assert!(
            bad.iter().all(|b| b.starts_with("README.md:2: ")),
            "{bad:?}"
        );
    }
}
