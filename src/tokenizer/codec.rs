//! # A tokenizer as the GPT's codec (lecture *"Let's build the GPT Tokenizer"*)
//!
//! The GPT of lecture 7 reads characters; pretrained on a tokenizer's ids
//! (`train gpt --tokenizer FILE`), it reads byte-pair tokens, through the
//! same [`Codec`] as the character vocabulary: the vocabulary is the
//! tokenizer's, a checkpoint's `vocab` holds the tokenizer's `.model` text
//! (so `sample`, `eval` and `--resume` rebuild it without the file), and
//! its fingerprint is the tokenizer's ([`Tokenizer::fingerprint`]).
//!
//! Special tokens' text in the data is encoded as ordinary text. The token
//! of the byte `\n` is [`Codec::start`]: a text sample with no prefix
//! starts from it, as the lecture's starts from its smallest character, a
//! newline in tiny Shakespeare; and it is the boundary of names read as
//! rows, the line end that ends each in its file, which no name holds.

use std::path::Path;

use super::Tokenizer;
use super::bpe::Merge;
use super::file;
use crate::corpus::codec::Codec;
use crate::corpus::text::CharVocab;
use crate::error::Result;

impl Codec for Tokenizer {
    fn vocab_size(&self) -> usize {
        Tokenizer::vocab_size(self)
    }
    fn encode(&self, text: &str) -> Result<Vec<u32>> {
        self.encode_ordinary(text)
    }
    fn decode(&self, ids: &[u32]) -> Result<String> {
        Tokenizer::decode(self, ids)
    }
    fn fingerprint(&self) -> u64 {
        Tokenizer::fingerprint(self)
    }
    fn describe(&self) -> String {
        format!("BPE tokenizer, {}", Tokenizer::describe(self))
    }
    fn record(&self) -> Result<String> {
        Ok(self.to_model_text())
    }
    fn decode_bytes(&self, ids: &[u32]) -> Result<Vec<u8>> {
        Tokenizer::decode_bytes(self, ids)
    }
    fn start(&self) -> u32 {
        self.byte_ids()[usize::from(b'\n')]
    }
}

/// A tokenizer whose chunks are encoded by another function: the
/// learner's `bpe_encode` under `--impl exercises`. The same ids as the
/// tokenizer's when that function is right, and the same fingerprint.
#[derive(Clone, Debug)]
pub struct EncodedBy {
    pub tokenizer: Tokenizer,
    /// The ids of one chunk, from the merges in rank order.
    pub encode_chunk: fn(&str, &[Merge]) -> Vec<u32>,
}

impl Codec for EncodedBy {
    fn vocab_size(&self) -> usize {
        Codec::vocab_size(&self.tokenizer)
    }
    fn encode(&self, text: &str) -> Result<Vec<u32>> {
        let merges = self.tokenizer.merges();
        self.tokenizer
            .encode_by(text, super::Specials::AsText, |chunk, ids| {
                ids.extend((self.encode_chunk)(chunk, merges))
            })
    }
    fn decode(&self, ids: &[u32]) -> Result<String> {
        Codec::decode(&self.tokenizer, ids)
    }
    fn fingerprint(&self) -> u64 {
        Codec::fingerprint(&self.tokenizer)
    }
    fn describe(&self) -> String {
        Codec::describe(&self.tokenizer)
    }
    fn record(&self) -> Result<String> {
        Codec::record(&self.tokenizer)
    }
    fn decode_bytes(&self, ids: &[u32]) -> Result<Vec<u8>> {
        Codec::decode_bytes(&self.tokenizer, ids)
    }
    fn start(&self) -> u32 {
        Codec::start(&self.tokenizer)
    }
}

/// Whether a checkpoint's `vocab` is a tokenizer's `.model` text (a
/// character vocabulary is sorted, which `minbpe v1` is not).
pub fn is_tokenizer(vocab: &str) -> bool {
    file::looks_like_model(vocab.as_bytes())
}

/// The codec a checkpoint's `vocab` records: a tokenizer's `.model` text,
/// or the characters of a character vocabulary. `path`, the checkpoint,
/// names it in errors.
pub fn from_record(vocab: &str, path: &Path) -> Result<Box<dyn Codec>> {
    Ok(if is_tokenizer(vocab) {
        Box::new(file::parse(vocab.as_bytes(), path)?)
    } else {
        Box::new(CharVocab::from_chars(vocab)?)
    })
}
