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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tokenizer::split::GPT4_SPLIT_PATTERN;
    use crate::tokenizer::train;

    fn parse_str(text: &str) -> Result<Tokenizer> {
        parse(text.as_bytes(), Path::new("t.model"))
    }

    #[test]
    fn a_file_written_by_hand_in_minbpes_format_loads() {
        // minbpe's BasicTokenizer on "aaabdaaabac", 3 merges, and one
        // special token.
        let t = parse_str("minbpe v1\n\n1\n<|endoftext|> 259\n97 97\n256 97\n257 98\n").unwrap();
        assert_eq!(
            t.merges(),
            [((97, 97), 256), ((256, 97), 257), ((257, 98), 258)]
        );
        assert_eq!(t.special(), [("<|endoftext|>".to_string(), 259)]);
        assert_eq!(
            t.encode_ordinary("aaabdaaabac").unwrap(),
            [258, 100, 258, 97, 99]
        );
    }

    #[test]
    fn save_then_load_gives_the_same_tokenizer() {
        let text = "Hello, world! It's 2024 and we're tokenizing. 你好 🌍";
        let merges = train::train(text, 290, &Split::new(GPT4_SPLIT_PATTERN).unwrap()).unwrap();
        let mut t = Tokenizer::new(GPT4_SPLIT_PATTERN, merges).unwrap();
        t.register_special(&["<|endoftext|>".into(), "<|fim prefix|>".into()])
            .unwrap();
        let path = crate::io::weights::test_dir("tokenizer-rt").join("t.model");
        save(&t, &path).unwrap();
        let again = load(&path).unwrap();
        assert_eq!(again.to_model_text(), t.to_model_text());
        assert_eq!(again.fingerprint(), t.fingerprint());
        assert_eq!(
            again.encode_ordinary(text).unwrap(),
            t.encode_ordinary(text).unwrap()
        );
        assert_eq!(again.special()[1], ("<|fim prefix|>".to_string(), 291));
    }

    #[test]
    fn bad_files_are_refused_with_their_line() {
        let cases = [
            ("", "t.model:1: the file ends where the header was expected"),
            ("minbpe v2\n\n0\n", "t.model:1: the header is \"minbpe v2\""),
            (
                "minbpe v1\n",
                "t.model:2: the file ends where the split pattern was expected",
            ),
            (
                "minbpe v1\n\nx\n",
                "t.model:3: \"x\" is not the number of special tokens",
            ),
            (
                "minbpe v1\n\n2\n<|a|> 300\n",
                "t.model:5: the file ends where special token 2 of 2 was expected",
            ),
            (
                "minbpe v1\n\n0\n97 97\n97\n",
                "t.model:5: \"97\" is not a merge",
            ),
            (
                "minbpe v1\n\n0\n97 97\n97 257\n",
                "t.model:5: the merge (97, 257) would make id 257 but refers to id 257",
            ),
            (
                "minbpe v1\n\n1\n<|a|> 256\n97 97\n",
                "t.model:4: the special token \"<|a|>\" has id 256, which collides with merge 1",
            ),
            (
                "minbpe v1\n(\n0\n",
                "t.model:2: the split pattern \"(\" does not compile",
            ),
        ];
        for (text, expected) in cases {
            let err = parse_str(text).unwrap_err().to_string();
            assert!(err.starts_with(expected), "{text:?}: {err}");
        }
        let err = parse(b"minbpe v1\n\xff\n", Path::new("t.model")).unwrap_err();
        assert!(err.to_string().contains("t.model:2: not UTF-8"), "{err}");
    }
}
