//! # minbpe's `.model` file: a tokenizer as text
//!
//! The format minbpe's `Tokenizer.save` writes and `load` reads, so that a
//! tokenizer trained here loads in minbpe and one trained there loads here:
//!
//! ```text
//! minbpe v1
//! <the split pattern, empty for none>
//! <the number of special tokens>
//! <special token> <id>          one line each
//! <id> <id>                     one line per merge, in rank order: ids 256, 257, …
//! ```
//!
//! A file that is truncated, malformed, or has a merge of an id not yet
//! defined is refused with its line; nothing is written on a failed load.

use std::path::Path;

use crate::error::{Error, Result};
use crate::io::{atomic, input};
use crate::tokenizer::bpe::{FIRST_MERGE, IDENTITY};
use crate::tokenizer::split::Split;
use crate::tokenizer::{MODEL_HEADER as HEADER, Tokenizer};

/// The largest tokenizer file read: 64 MiB (GPT-4's 100k merges take 1.3 MB).
pub const MAX_MODEL: u64 = 64 << 20;

/// Saves `t` to `path` atomically (claim `path` first:
/// [`crate::io::output::Output::claim`]). GPT-2's and GPT-4's encodings
/// shuffle the bytes' ids, which the format cannot say: refused.
pub fn save(t: &Tokenizer, path: &Path) -> Result<()> {
    let fail = |detail: String| Error::Data {
        path: path.to_path_buf(),
        line: None,
        detail,
    };
    if *t.byte_ids() != IDENTITY {
        return Err(fail(
            "this tokenizer permutes the ids of the 256 bytes, which a .model file cannot record"
                .into(),
        ));
    }
    atomic::write(path, t.to_model_text().as_bytes(), fail)
}

/// Loads the `.model` file `path`.
pub fn load(path: &Path) -> Result<Tokenizer> {
    let bytes = input::read(path, "the tokenizer file", MAX_MODEL)?;
    parse(&bytes, path)
}

/// What is wrong, without the "invalid setting" of a setting's error: in
/// a file, it is the file that is wrong.
fn detail(e: Error) -> String {
    match e {
        Error::Config(detail) => detail,
        other => other.to_string(),
    }
}

/// Whether `head`, the first bytes of a file, starts like a `.model` file.
pub fn looks_like_model(head: &[u8]) -> bool {
    head.starts_with(HEADER.as_bytes())
        && matches!(head.get(HEADER.len()), Some(b'\n') | Some(b'\r'))
}

/// The tokenizer of the `.model` text `bytes`, read from `path` (for
/// messages).
pub fn parse(bytes: &[u8], path: &Path) -> Result<Tokenizer> {
    let fail = |line: usize, detail: String| Error::Data {
        path: path.to_path_buf(),
        line: Some(line),
        detail,
    };
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let line = bytes[..e.valid_up_to()]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1;
        fail(line, "not UTF-8 text: not a tokenizer file".into())
    })?;
    let mut lines = text.lines().enumerate().map(|(i, l)| (i + 1, l));
    let mut next = |what: &str| lines.next().ok_or_else(|| what.to_string());
    let truncated = |what: String| {
        let line = text.lines().count() + 1;
        fail(
            line,
            format!("the file ends where {what} was expected: truncated"),
        )
    };
    let (n, header) = next("the header").map_err(truncated)?;
    if header != HEADER {
        return Err(fail(
            n,
            format!("the header is {header:?}, not {HEADER:?}: not a minbpe tokenizer file"),
        ));
    }
    let (n, pattern) = next("the split pattern").map_err(truncated)?;
    let split = Split::new(pattern).map_err(|e| fail(n, detail(e)))?;
    let (n, count) = next("the number of special tokens").map_err(truncated)?;
    let count: usize = count
        .trim()
        .parse()
        .map_err(|_| fail(n, format!("{count:?} is not the number of special tokens")))?;
    let mut special = vec![];
    for k in 0..count {
        let (n, line) = next(&format!("special token {} of {count}", k + 1)).map_err(truncated)?;
        let parsed = line
            .rsplit_once(' ')
            .and_then(|(t, id)| Some((t.to_string(), id.parse::<u32>().ok()?)));
        let Some(token) = parsed.filter(|(t, _)| !t.is_empty()) else {
            return Err(fail(n, format!("{line:?} is not `<special token> <id>`")));
        };
        special.push((n, token));
    }
    let mut merges = vec![];
    for (n, line) in lines {
        let id = FIRST_MERGE + merges.len() as u32;
        let mut ids = line.split_whitespace().map(str::parse::<u32>);
        let (Some(Ok(a)), Some(Ok(b)), None) = (ids.next(), ids.next(), ids.next()) else {
            return Err(fail(
                n,
                format!("{line:?} is not a merge `<id> <id>` (it would make id {id})"),
            ));
        };
        if a >= id || b >= id {
            return Err(fail(
                n,
                format!(
                    "the merge ({a}, {b}) would make id {id} but refers to id {}, not yet defined",
                    a.max(b)
                ),
            ));
        }
        merges.push(((a, b), id));
    }
    let last = text.lines().count();
    let mut t = Tokenizer::new(split.text(), merges).map_err(|e| fail(last, detail(e)))?;
    for (n, token) in special {
        t.add_special(&[token]).map_err(|e| fail(n, detail(e)))?;
    }
    Ok(t)
}
