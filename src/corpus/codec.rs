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

#[cfg(test)]
mod tests {
    use super::*;

    /// A codec of the letters of a string, for the checks.
    #[derive(Debug)]
    struct Letters(&'static str, &'static str);

    impl Codec for Letters {
        fn vocab_size(&self) -> usize {
            self.1.chars().count()
        }
        fn encode(&self, text: &str) -> Result<Vec<u32>> {
            Ok(text
                .chars()
                .map(|c| id(self.1.chars().position(|x| x == c).unwrap_or(0)))
                .collect())
        }
        fn decode(&self, ids: &[u32]) -> Result<String> {
            decode_chars(ids, self.vocab_size(), |i| self.1.chars().nth(i))
        }
        fn fingerprint(&self) -> u64 {
            chars_fingerprint(self.0, self.1)
        }
        fn describe(&self) -> String {
            format!("{} ({})", self.0, self.vocab_size())
        }
    }

    #[test]
    fn a_fingerprint_tells_codecs_apart_and_a_checkpoint_refuses_another() {
        let a = Letters("letters", "abc");
        let b = Letters("letters", "abd");
        let names = Letters("names", "abc");
        assert_eq!(a.fingerprint(), Letters("letters", "abc").fingerprint());
        assert_ne!(a.fingerprint(), b.fingerprint());
        assert_ne!(a.fingerprint(), names.fingerprint(), "another kind");
        let path = Path::new("m.safetensors");
        assert!(
            check(None, &b, path).is_ok(),
            "an older checkpoint: characters"
        );
        assert!(check(Some(&CodecId::of(&a)), &a, path).is_ok());
        let err = check(Some(&CodecId::of(&a)), &b, path)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("m.safetensors")
                && err.contains(&format!(
                    "letters (3), fingerprint {:016x}",
                    a.fingerprint()
                ))
                && err.contains(&format!("{:016x}", b.fingerprint())),
            "{err}"
        );
    }

    #[test]
    fn an_id_outside_the_vocabulary_is_named() {
        let a = Letters("letters", "abc");
        assert_eq!(a.decode(&[2, 0, 1]).unwrap(), "cab");
        let err = a.decode(&[1, 3]).unwrap_err().to_string();
        assert!(
            err.contains("token 3 is outside the vocabulary of 3 characters"),
            "{err}"
        );
    }
}
