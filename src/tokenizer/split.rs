//! # Split patterns: a text cut into chunks before the bytes are merged
//!
//! GPT-2 cuts a text into chunks (words with their leading space, numbers,
//! punctuation, whitespace) so that no merge crosses from one to the next:
//! `dog.`, `dog!` and `dog?` then share the token ` dog`. GPT-4's pattern
//! also keeps numbers to three digits and newlines apart. Both need
//! look-ahead (`\s+(?!\S)`), which the `regex` crate does not have:
//! `fancy-regex` runs them. The empty pattern is no split at all, minbpe's
//! `BasicTokenizer`.

use fancy_regex::Regex;

use crate::error::{Error, Result};

/// GPT-2's split pattern, as `tiktoken` writes it (`r50k_base`).
pub const GPT2_SPLIT_PATTERN: &str =
    r"'(?:[sdmt]|ll|ve|re)| ?\p{L}++| ?\p{N}++| ?[^\s\p{L}\p{N}]++|\s++$|\s+(?!\S)|\s";

/// GPT-4's split pattern, as `tiktoken` writes it (`cl100k_base`).
pub const GPT4_SPLIT_PATTERN: &str = r"'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|\s+(?!\S)|\s";

/// The split pattern by name: `gpt2`, `gpt4`, or `none` (the whole text
/// is one chunk, minbpe's `BasicTokenizer`).
pub fn pattern_named(name: &str) -> Option<&'static str> {
    match name {
        "gpt2" => Some(GPT2_SPLIT_PATTERN),
        "gpt4" => Some(GPT4_SPLIT_PATTERN),
        "none" => Some(""),
        _ => None,
    }
}

/// A split pattern: its text (empty: no split) and the compiled regex.
#[derive(Clone, Debug)]
pub struct Split {
    text: String,
    regex: Option<Regex>,
}

impl Split {
    /// Compiles `pattern` (empty: no split).
    pub fn new(pattern: &str) -> Result<Split> {
        let regex = if pattern.is_empty() {
            None
        } else {
            let regex = Regex::new(pattern).map_err(|e| {
                Error::Config(format!(
                    "the split pattern {pattern:?} does not compile: {e}"
                ))
            })?;
            Some(regex)
        };
        Ok(Split {
            text: pattern.to_string(),
            regex,
        })
    }

    /// The pattern as written.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Its name if it is one of ours (`gpt2`, `gpt4`, `none`), else the
    /// pattern itself.
    pub fn describe(&self) -> String {
        match self.text.as_str() {
            "" => "none".into(),
            GPT2_SPLIT_PATTERN => "gpt2".into(),
            GPT4_SPLIT_PATTERN => "gpt4".into(),
            other => format!("{other:?}"),
        }
    }

    /// Calls `f` on each chunk of `text`, in order.
    pub fn for_each_chunk<'t>(&self, text: &'t str, mut f: impl FnMut(&'t str)) -> Result<()> {
        let Some(regex) = &self.regex else {
            if !text.is_empty() {
                f(text);
            }
            return Ok(());
        };
        for m in regex.find_iter(text) {
            let m = m.map_err(|e| Error::Input {
                layer: "tokenizer",
                detail: format!("the split pattern failed on the text: {e}"),
            })?;
            f(m.as_str());
        }
        Ok(())
    }

    /// The chunks of `text`, in order.
    pub fn chunks<'t>(&self, text: &'t str) -> Result<Vec<&'t str>> {
        let mut chunks = vec![];
        self.for_each_chunk(text, |c| chunks.push(c))?;
        Ok(chunks)
    }
}
