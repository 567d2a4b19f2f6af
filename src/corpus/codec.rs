//! # Codec: text to tokens and back, for the GPT of lecture 7
//!
//! A GPT reads tokens, not text. [`Codec`] is what turns the text it
//! learns from (and the names it learns as rows) into token ids, and the
//! ids it generates back into text: the lecture's character vocabulary
//! (`corpus::text::CharVocab`, character `i` of the sorted set is token
//! `i`) and the names' vocabulary (`corpus::words::Vocab`, `.` first) are
//! codecs, each implemented beside its type; a byte-pair tokenizer is
//! another, plugged in the same way.
//!
//! A checkpoint records the codec its model was trained with
//! ([`CodecId`]: a fingerprint and a description), so that a model is
//! never continued or evaluated with another codec's ids ([`check`]); a
//! checkpoint without one was trained on characters.

use std::fmt::Debug;
use std::path::Path;

use crate::corpus::fnv1a64;
use crate::error::{Error, Result};

/// Text to token ids and back.
pub trait Codec: Debug {
    /// The number of distinct tokens: the GPT's `vocab_size`.
    fn vocab_size(&self) -> usize;
    /// The ids of `text`; an error naming what cannot be encoded.
    fn encode(&self, text: &str) -> Result<Vec<u32>>;
    /// The text of `ids`; an error naming an id outside the vocabulary.
    fn decode(&self, ids: &[u32]) -> Result<String>;
    /// Identifies the mapping: two codecs with the same fingerprint give
    /// the same ids to the same text.
    fn fingerprint(&self) -> u64;
    /// The codec in words, for messages and checkpoints (e.g.
    /// `characters (65)`).
    fn describe(&self) -> String;
    /// The codec as a checkpoint's `vocab` holds it, to be rebuilt from:
    /// by default every token's text in id order (a character
    /// vocabulary's characters).
    fn record(&self) -> Result<String> {
        let ids: Vec<u32> = (0..self.vocab_size()).map(id).collect();
        self.decode(&ids)
    }
    /// The bytes of `ids`: by default their text's. A byte-level codec's
    /// single token may be part of a character ([`Utf8Pieces`] joins them).
    fn decode_bytes(&self, ids: &[u32]) -> Result<Vec<u8>> {
        self.decode(ids).map(String::into_bytes)
    }
    /// The token a text sample starts from when it has no prefix, and the
    /// boundary of names as rows: token 0, as the lecture's `generate`
    /// starts (the smallest character) and makemore's `.`.
    fn start(&self) -> u32 {
        0
    }
}

/// A boxed codec is a codec: a corpus holds whichever the run chose.
impl<C: Codec + ?Sized> Codec for Box<C> {
    fn vocab_size(&self) -> usize {
        (**self).vocab_size()
    }
    fn encode(&self, text: &str) -> Result<Vec<u32>> {
        (**self).encode(text)
    }
    fn decode(&self, ids: &[u32]) -> Result<String> {
        (**self).decode(ids)
    }
    fn fingerprint(&self) -> u64 {
        (**self).fingerprint()
    }
    fn describe(&self) -> String {
        (**self).describe()
    }
    fn record(&self) -> Result<String> {
        (**self).record()
    }
    fn decode_bytes(&self, ids: &[u32]) -> Result<Vec<u8>> {
        (**self).decode_bytes(ids)
    }
    fn start(&self) -> u32 {
        (**self).start()
    }
}

/// Text made of bytes that come a token at a time: each piece is the
/// longest whole UTF-8 text so far, a character split across tokens held
/// back until its last byte; bytes that can never be UTF-8 become `�` (as
/// a byte-level tokenizer's decode does), and so does an unfinished
/// character at the end ([`Utf8Pieces::finish`]).
#[derive(Debug, Default)]
pub struct Utf8Pieces {
    pending: Vec<u8>,
}

impl Utf8Pieces {
    /// The text that `bytes` completes: possibly empty.
    pub fn push(&mut self, bytes: &[u8]) -> String {
        self.pending.extend_from_slice(bytes);
        let mut text = String::new();
        loop {
            match std::str::from_utf8(&self.pending) {
                Ok(s) => {
                    text.push_str(s);
                    self.pending.clear();
                    return text;
                }
                Err(e) => {
                    let good = e.valid_up_to();
                    text.push_str(
                        std::str::from_utf8(&self.pending[..good]).expect("checked valid"),
                    );
                    match e.error_len() {
                        // An unfinished character: wait for its next bytes.
                        None => {
                            self.pending.drain(..good);
                            return text;
                        }
                        Some(bad) => {
                            text.push(char::REPLACEMENT_CHARACTER);
                            self.pending.drain(..good + bad);
                        }
                    }
                }
            }
        }
    }

    /// The bytes still held back, decoded lossily: the end of the text.
    pub fn finish(self) -> String {
        String::from_utf8_lossy(&self.pending).into_owned()
    }
}

/// Every token's text, in id order: for a character vocabulary, its
/// characters as a checkpoint's `vocab` holds them.
pub fn every_token(codec: &dyn Codec) -> Result<String> {
    let ids: Vec<u32> = (0..codec.vocab_size()).map(id).collect();
    codec.decode(&ids)
}

/// A codec as a checkpoint records it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CodecId {
    pub fingerprint: u64,
    pub description: String,
}

impl CodecId {
    /// The record of `codec`.
    pub fn of(codec: &dyn Codec) -> CodecId {
        CodecId {
            fingerprint: codec.fingerprint(),
            description: codec.describe(),
        }
    }
}

impl std::fmt::Display for CodecId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}, fingerprint {:016x}",
            self.description, self.fingerprint
        )
    }
}

/// Refuses to use a model trained with the codec `stored` (as the
/// checkpoint `path` records it) with `here`, naming both. A checkpoint
/// that records none was trained on characters, whose vocabulary the
/// checkpoint's own `vocab` checks.
pub fn check(stored: Option<&CodecId>, here: &dyn Codec, path: &Path) -> Result<()> {
    let here = CodecId::of(here);
    match stored {
        Some(stored) if *stored != here => Err(Error::Checkpoint {
            path: path.to_path_buf(),
            detail: format!(
                "it was trained with the codec {stored}; the data is encoded with {here}: its token ids would mean other text"
            ),
        }),
        _ => Ok(()),
    }
}

/// A token id of an index (a vocabulary of this crate has fewer than
/// 2^32 tokens).
pub fn id(i: usize) -> u32 {
    u32::try_from(i).expect("a vocabulary of fewer than 2^32 tokens")
}

/// The fingerprint of a vocabulary of characters of `kind` (`characters`,
/// `names`), `chars` in token order.
pub fn chars_fingerprint(kind: &str, chars: &str) -> u64 {
    fnv1a64(kind.bytes().chain([0]).chain(chars.bytes()))
}

/// The characters of `ids` in a vocabulary of `len` characters, `char_of`
/// each; an error naming the first id outside it.
pub fn decode_chars(
    ids: &[u32],
    len: usize,
    char_of: impl Fn(usize) -> Option<char>,
) -> Result<String> {
    ids.iter()
        .map(|&i| {
            char_of(i as usize).ok_or_else(|| Error::Input {
                layer: "text",
                detail: format!("token {i} is outside the vocabulary of {len} characters"),
            })
        })
        .collect()
}
