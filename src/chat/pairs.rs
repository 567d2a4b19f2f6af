//! # Preference pairs (*State of GPT*, the reward model)
//!
//! A reward model learns from comparisons: for one prompt, two answers,
//! one preferred. Human labellers write those preferences in the talk;
//! here a hidden *gold rule* that the crate states decides, so that a
//! reward model's accuracy can be measured:
//!
//! > Of two valid answers to `a name that starts with k`, the one ending
//! > in `'a'` is preferred ([`GoldRule::EndsWith`]`('a')`, the default;
//! > `'z'` is a sparse variant, few names end in it).
//!
//! Each pair is `(prompt, chosen, rejected)`, both answers valid names
//! for the prompt, exactly one of them preferred by the rule: never
//! `chosen == rejected`.
//!
//! A pairs file is tab-separated text, one pair per line, `prompt`,
//! `chosen`, `rejected`; blank lines and lines starting with `#` are
//! skipped. Its reader names the file and line of what it refuses.

use std::path::Path;

use rand::SeedableRng;
use rand::seq::IndexedRandom;
use rand_chacha::ChaCha8Rng;

use super::tasks::{Ask, is_name_like};
use crate::error::{Error, Result};

/// The rule that decides which of two answers is preferred.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GoldRule {
    /// The answer ending in this letter is preferred.
    EndsWith(char),
}

impl Default for GoldRule {
    fn default() -> GoldRule {
        GoldRule::EndsWith('a')
    }
}

impl GoldRule {
    /// Whether the rule prefers `answer` (to one it does not prefer).
    pub fn prefers(self, answer: &str) -> bool {
        match self {
            GoldRule::EndsWith(c) => answer.ends_with(c),
        }
    }

    /// The rule in words.
    pub fn describe(self) -> String {
        match self {
            GoldRule::EndsWith(c) => {
                format!("of two valid names, the one ending in '{c}' is preferred")
            }
        }
    }

    /// `ends-with-a` (or `a`, a lowercase letter alone) as a rule.
    pub fn parse(s: &str) -> Result<GoldRule> {
        let letter = s.strip_prefix("ends-with-").unwrap_or(s);
        let mut chars = letter.chars();
        match (chars.next(), chars.next()) {
            (Some(c), None) if c.is_ascii_lowercase() => Ok(GoldRule::EndsWith(c)),
            _ => Err(Error::Config(format!(
                "{s:?} is not a gold rule: write ends-with-LETTER, e.g. ends-with-a"
            ))),
        }
    }
}

/// One comparison: the prompt, the preferred answer and the other.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pair {
    pub prompt: String,
    pub chosen: String,
    pub rejected: String,
}

/// The names of one first letter: those a rule prefers, and the others.
type Sides<'a> = (Vec<&'a String>, Vec<&'a String>);

/// `n` pairs for `starts` prompts about the first letters of `names`
/// (two distinct valid names starting with the letter, one preferred by
/// `rule`, one not), seeded. Letters with no name on either side are never
/// asked; an error if no letter has both.
pub fn generate(names: &[String], rule: GoldRule, n: usize, seed: u64) -> Result<Vec<Pair>> {
    let names: Vec<&String> = names.iter().filter(|s| is_name_like(s)).collect();
    // Each first letter's names, split by the rule, in the names' order:
    // (preferred, the others).
    let by_letter: Vec<(char, Sides)> = ('a'..='z')
        .map(|c| {
            let sides: Sides = names
                .iter()
                .copied()
                .filter(|s| s.starts_with(c))
                .partition(|s| rule.prefers(s));
            (c, sides)
        })
        .filter(|(_, (good, bad))| !good.is_empty() && !bad.is_empty())
        .collect();
    if n == 0 {
        return Err(Error::Config(
            "no preference pairs: 0 were asked for; ask for at least 1".into(),
        ));
    }
    if by_letter.is_empty() {
        return Err(Error::Config(format!(
            "no preference pairs: of {} names, no first letter has both a name the rule prefers and one it does not ({})",
            names.len(),
            rule.describe()
        )));
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut pairs = Vec::with_capacity(n);
    for _ in 0..n {
        let (c, (good, bad)) = by_letter.choose(&mut rng).expect("letters");
        let c = *c;
        let chosen = good.choose(&mut rng).expect("a preferred name");
        let rejected = bad.choose(&mut rng).expect("another name");
        pairs.push(Pair {
            prompt: Ask::Starts(c).prompt(),
            chosen: chosen.to_string(),
            rejected: rejected.to_string(),
        });
    }
    Ok(pairs)
}

/// The pairs file's text.
pub fn to_tsv(pairs: &[Pair]) -> Result<String> {
    let mut s = String::new();
    for (i, p) in pairs.iter().enumerate() {
        for field in [&p.prompt, &p.chosen, &p.rejected] {
            if field.contains(['\t', '\n', '\r']) {
                return Err(Error::Config(format!(
                    "pair {}: {field:?} holds a tab or a line end, which a pairs file cannot",
                    i + 1
                )));
            }
        }
        s.push_str(&format!("{}\t{}\t{}\n", p.prompt, p.chosen, p.rejected));
    }
    Ok(s)
}

/// The pairs of a pairs file's `text`, read from `path` (named in errors
/// with the line): three non-empty fields a line, chosen unlike rejected.
pub fn parse(text: &str, path: &Path) -> Result<Vec<Pair>> {
    let fail = |line: usize, detail: String| Error::Data {
        path: path.to_path_buf(),
        line: Some(line),
        detail,
    };
    let mut pairs = vec![];
    for (i, line) in text.lines().enumerate() {
        let n = i + 1;
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let fields: Vec<&str> = line.split('\t').collect();
        let [prompt, chosen, rejected] = fields[..] else {
            return Err(fail(
                n,
                format!(
                    "{} tab-separated field(s): a pair is `prompt<TAB>chosen<TAB>rejected`",
                    fields.len()
                ),
            ));
        };
        for (name, field) in [
            ("prompt", prompt),
            ("chosen", chosen),
            ("rejected", rejected),
        ] {
            if field.trim().is_empty() {
                return Err(fail(n, format!("the {name} answer is empty")));
            }
        }
        if chosen == rejected {
            return Err(fail(
                n,
                format!(
                    "chosen and rejected are the same answer {chosen:?}: a pair must prefer one of two answers"
                ),
            ));
        }
        pairs.push(Pair {
            prompt: prompt.into(),
            chosen: chosen.into(),
            rejected: rejected.into(),
        });
    }
    if pairs.is_empty() {
        return Err(fail(
            text.lines().count().max(1),
            "the file holds no pairs".into(),
        ));
    }
    Ok(pairs)
}

/// The pairs of the file `path`.
pub fn read(path: &Path) -> Result<Vec<Pair>> {
    let bytes = crate::io::input::read(path, "the pairs", crate::io::input::MAX_DATA)?;
    let text = std::str::from_utf8(&bytes).map_err(|e| Error::Data {
        path: path.to_path_buf(),
        line: Some(
            bytes[..e.valid_up_to()]
                .iter()
                .filter(|&&b| b == b'\n')
                .count()
                + 1,
        ),
        detail: "not UTF-8 text".into(),
    })?;
    parse(text, path)
}
