//! # The byte-level BPE tokenizer (lecture *"Let's build the GPT Tokenizer"*)
//!
//! The last lecture's pipeline starts here: a text becomes ids before a GPT
//! reads it. [`Tokenizer`] is minbpe's `RegexTokenizer` (its
//! `BasicTokenizer` is the empty pattern):
//!
//! ```text
//! text ─ split (GPT-2 / GPT-4 pattern, or none) ─ chunks ─ UTF-8 bytes ─ merges by rank ─ ids
//! ```
//!
//! | file | what it holds |
//! |---|---|
//! | [`bpe`] | pairs, merges and their ranks, the vocabulary, one chunk encoded |
//! | [`split`] | the split patterns, GPT-2's and GPT-4's, and the chunks of a text |
//! | [`train`] | the trainers: the incremental one the command uses, and the naive loop of any [`Backprop`](crate::Backprop)'s functions (the exercises') |
//! | [`mod@file`] | minbpe's `.model` text format, saved and loaded |
//! | [`codec`] | the tokenizer as the GPT's codec: its text to ids, a checkpoint's record of it |
//! | `pretrained` | GPT-2's and GPT-4's encodings, recovered from `tiktoken-rs`'s rank files (feature `pretrained`) |
//!
//! The merges are learned in `exercises/bpe.rs` by hand first: counting
//! pairs, merging one, training, encoding and decoding, graded against
//! `solutions/bpe.rs`.

pub mod bpe;
pub mod codec;
pub mod file;
#[cfg(feature = "pretrained")]
pub mod pretrained;
pub mod split;
pub mod train;

pub use self::split::{GPT2_SPLIT_PATTERN, GPT4_SPLIT_PATTERN, Split, pattern_named};

use self::bpe::{FIRST_MERGE, IDENTITY, Merge, Ranks};
use crate::error::{Error, Result};

/// The first line of a `.model` file ([`mod@file`]).
pub const MODEL_HEADER: &str = "minbpe v1";

/// What to do with the text of a special token found in a text to encode
/// (minbpe's `allowed_special`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Specials {
    /// Refuse the text, naming the token (minbpe's `"none_raise"`): the
    /// default, since a document that writes `<|endoftext|>` is rarely
    /// meant to end there.
    Refuse,
    /// Encode each as its special id (`"all"`).
    Allow,
    /// Encode it as ordinary text (`"none"`).
    AsText,
}

/// A byte-level BPE tokenizer: a split pattern, merges in rank order,
/// special tokens after them.
#[derive(Clone, Debug)]
pub struct Tokenizer {
    split: Split,
    merges: Vec<Merge>,
    ranks: Ranks,
    byte_ids: [u32; 256],
    vocab: Vec<Vec<u8>>,
    special: Vec<(String, u32)>,
}

impl Tokenizer {
    /// The tokenizer of `merges` (ids `256, 257, …` in order, each pair made
    /// of ids defined before it) splitting with `pattern`.
    pub fn new(pattern: &str, merges: Vec<Merge>) -> Result<Tokenizer> {
        Tokenizer::with_byte_ids(pattern, merges, IDENTITY)
    }

    /// [`Tokenizer::new`], byte `b` being id `byte_ids[b]` (a permutation
    /// of `0..256`: GPT-2's and GPT-4's encodings shuffle them).
    pub fn with_byte_ids(
        pattern: &str,
        merges: Vec<Merge>,
        byte_ids: [u32; 256],
    ) -> Result<Tokenizer> {
        let mut seen = [false; 256];
        for &id in &byte_ids {
            if id >= FIRST_MERGE || std::mem::replace(&mut seen[id as usize], true) {
                return Err(Error::Config(format!(
                    "the ids of the 256 bytes must be a permutation of 0..256; {id} is not"
                )));
            }
        }
        for (k, &((a, b), id)) in merges.iter().enumerate() {
            let expected = FIRST_MERGE + k as u32;
            if id != expected {
                return Err(Error::Config(format!(
                    "merge {} makes id {id}, but merges make ids 256, 257, … in order: {expected} expected",
                    k + 1
                )));
            }
            if a >= id || b >= id {
                return Err(Error::Config(format!(
                    "merge {} ({a}, {b}) -> {id} refers to id {}, not defined before it",
                    k + 1,
                    a.max(b)
                )));
            }
        }
        let ranks = merges.iter().copied().collect();
        let vocab = bpe::vocab(&byte_ids, &merges);
        Ok(Tokenizer {
            split: Split::new(pattern)?,
            merges,
            ranks,
            byte_ids,
            vocab,
            special: vec![],
        })
    }

    /// Adds special tokens, each with its id: none may be an id of the
    /// bytes or the merges, or an id or a text already special.
    pub fn add_special(&mut self, tokens: &[(String, u32)]) -> Result<()> {
        for (text, id) in tokens {
            if text.is_empty() {
                return Err(Error::Config("a special token cannot be empty".into()));
            }
            if (*id as usize) < self.vocab.len() {
                return Err(Error::Config(format!(
                    "the special token {text:?} has id {id}, which collides with {} ({} bytes and merges take ids 0..{})",
                    self.describe_id(*id),
                    self.vocab.len(),
                    self.vocab.len()
                )));
            }
            if let Some((other, _)) = self.special.iter().find(|(t, i)| t == text || i == id) {
                return Err(Error::Config(format!(
                    "the special token {text:?} (id {id}) collides with the special token {other:?}"
                )));
            }
            self.special.push((text.clone(), *id));
        }
        Ok(())
    }

    /// Registers `texts` as special tokens, with the ids after the last one.
    pub fn register_special(&mut self, texts: &[String]) -> Result<()> {
        let mut next = self.vocab_size() as u32;
        let tokens: Vec<(String, u32)> = texts
            .iter()
            .map(|t| {
                next += 1;
                (t.clone(), next - 1)
            })
            .collect();
        self.add_special(&tokens)
    }

    /// What id `id` is, in words: `the byte 0x61 ("a")`, `merge 3 ("th")`.
    fn describe_id(&self, id: u32) -> String {
        let bytes = &self.vocab[id as usize];
        let text = String::from_utf8_lossy(bytes);
        if id < FIRST_MERGE {
            format!("the byte 0x{:02x} ({text:?})", bytes[0])
        } else {
            format!("merge {} ({text:?})", id - FIRST_MERGE + 1)
        }
    }

    /// The split pattern.
    pub fn split(&self) -> &Split {
        &self.split
    }

    /// The merges, in rank order.
    pub fn merges(&self) -> &[Merge] {
        &self.merges
    }

    /// The id of each byte.
    pub fn byte_ids(&self) -> &[u32; 256] {
        &self.byte_ids
    }

    /// The special tokens and their ids, in the order they were added.
    pub fn special(&self) -> &[(String, u32)] {
        &self.special
    }

    /// One more than the largest id: bytes, merges and special tokens.
    pub fn vocab_size(&self) -> usize {
        let special = self.special.iter().map(|&(_, id)| id as usize + 1);
        special.max().unwrap_or(0).max(self.vocab.len())
    }

    /// The bytes of `id`, if it is a byte or a merge.
    pub fn token_bytes(&self, id: u32) -> Option<&[u8]> {
        self.vocab.get(id as usize).map(Vec::as_slice)
    }

    /// The ids of `text`, special tokens' text encoded as ordinary text.
    pub fn encode_ordinary(&self, text: &str) -> Result<Vec<u32>> {
        self.encode(text, Specials::AsText)
    }

    /// The ids of `text`, its special tokens treated as `specials` says.
    pub fn encode(&self, text: &str, specials: Specials) -> Result<Vec<u32>> {
        self.encode_by(text, specials, |chunk, ids| {
            bpe::encode_chunk(chunk.as_bytes(), &self.byte_ids, &self.ranks, ids)
        })
    }

    /// [`Tokenizer::encode`] with `encode_chunk` appending the ids of each
    /// chunk (`--impl exercises` hands the learner's `encode`).
    pub fn encode_by(
        &self,
        text: &str,
        specials: Specials,
        mut encode_chunk: impl FnMut(&str, &mut Vec<u32>),
    ) -> Result<Vec<u32>> {
        let mut ids = Vec::with_capacity(text.len() / 2);
        let mut rest = text;
        if specials != Specials::AsText {
            while let Some((at, text_of, id)) = self.next_special(rest) {
                if specials == Specials::Refuse {
                    let offset = text.len() - rest.len() + at;
                    return Err(Error::Input {
                        layer: "tokenizer",
                        detail: format!(
                            "the text holds the special token {text_of:?} at byte {offset}: allow special tokens, or encode them as text"
                        ),
                    });
                }
                self.split
                    .for_each_chunk(&rest[..at], |c| encode_chunk(c, &mut ids))?;
                ids.push(id);
                rest = &rest[at + text_of.len()..];
            }
        }
        self.split
            .for_each_chunk(rest, |c| encode_chunk(c, &mut ids))?;
        Ok(ids)
    }

    /// The first special token in `text` (the longest, where several start
    /// at the same byte): its byte offset, text and id.
    fn next_special(&self, text: &str) -> Option<(usize, &str, u32)> {
        self.special
            .iter()
            .filter_map(|(t, id)| text.find(t.as_str()).map(|at| (at, t.as_str(), *id)))
            .min_by_key(|&(at, t, _)| (at, std::cmp::Reverse(t.len())))
    }

    /// The bytes of `ids`; an id that is none of the tokenizer's is an error.
    pub fn decode_bytes(&self, ids: &[u32]) -> Result<Vec<u8>> {
        let mut bytes = vec![];
        for (i, &id) in ids.iter().enumerate() {
            match self.token_bytes(id) {
                Some(b) => bytes.extend_from_slice(b),
                None => match self.special.iter().find(|&&(_, s)| s == id) {
                    Some((text, _)) => bytes.extend_from_slice(text.as_bytes()),
                    None => {
                        return Err(Error::Input {
                            layer: "tokenizer",
                            detail: format!(
                                "id {id} (position {i}) is not in the vocabulary of {} ids",
                                self.vocab_size()
                            ),
                        });
                    }
                },
            }
        }
        Ok(bytes)
    }

    /// The text of `ids`, invalid UTF-8 replaced by `�` (as minbpe does).
    pub fn decode(&self, ids: &[u32]) -> Result<String> {
        Ok(String::from_utf8_lossy(&self.decode_bytes(ids)?).into_owned())
    }

    /// The text of its `.model` file (minbpe's format: [`mod@file`]).
    pub fn to_model_text(&self) -> String {
        let mut s = format!(
            "{}\n{}\n{}\n",
            MODEL_HEADER,
            self.split.text(),
            self.special.len()
        );
        for (text, id) in &self.special {
            s.push_str(&format!("{text} {id}\n"));
        }
        for ((a, b), _) in &self.merges {
            s.push_str(&format!("{a} {b}\n"));
        }
        s
    }

    /// A fingerprint of everything that fixes the ids: the pattern, the
    /// bytes' ids, the merges and the special tokens.
    pub fn fingerprint(&self) -> u64 {
        let mut text = self.to_model_text();
        for id in self.byte_ids {
            text.push_str(&format!("{id},"));
        }
        xxhash_rust::xxh3::xxh3_64(text.as_bytes())
    }

    /// `"vocab 512 (256 bytes + 256 merges), split gpt2"`.
    pub fn describe(&self) -> String {
        let mut s = format!(
            "vocab {} (256 bytes + {} merges",
            self.vocab_size(),
            self.merges.len()
        );
        if !self.special.is_empty() {
            s.push_str(&format!(" + {} special", self.special.len()));
        }
        s.push_str(&format!("), split {}", self.split.describe()));
        s
    }
}
