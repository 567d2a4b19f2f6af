//! # GPT-2's and GPT-4's tokenizers, rebuilt from their ranks (feature `pretrained`)
//!
//! `tiktoken-rs` carries OpenAI's rank files inside the crate: each token's
//! bytes and its rank, `r50k_base` (GPT-2) and `cl100k_base` (GPT-4). A
//! rank file lists tokens, not merges; as minbpe's `GPT4Tokenizer` does,
//! the merge that made each token is recovered by running BPE on its bytes
//! with the ranks below its own ([`recover_merges`]): what is left is two
//! parts, and they are the pair. Both encodings give the 256 single bytes
//! ranks in another order than their values (printable bytes first), so the
//! tokenizer keeps that permutation ([`Tokenizer::byte_ids`]). The ids are
//! then the ranks, and this crate's encoder gives `tiktoken`'s ids
//! (`tests/it/pretrained.rs` checks it).

use std::collections::HashMap;

use tiktoken_rs::CoreBPE;

use crate::error::{Error, Result};
use crate::tokenizer::Tokenizer;
use crate::tokenizer::bpe::{FIRST_MERGE, Merge};
use crate::tokenizer::split::{GPT2_SPLIT_PATTERN, GPT4_SPLIT_PATTERN};

/// One of the encodings `tiktoken-rs` carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    /// GPT-2's `r50k_base`: 50,257 ids.
    Gpt2,
    /// GPT-4's `cl100k_base`: 100,277 ids.
    Gpt4,
}

impl Encoding {
    /// `gpt2` or `gpt4`.
    pub fn from_name(name: &str) -> Option<Encoding> {
        match name {
            "gpt2" => Some(Encoding::Gpt2),
            "gpt4" => Some(Encoding::Gpt4),
            _ => None,
        }
    }

    /// `tiktoken-rs`'s encoder.
    pub fn tiktoken(self) -> Result<CoreBPE> {
        let bpe = match self {
            Encoding::Gpt2 => tiktoken_rs::r50k_base(),
            Encoding::Gpt4 => tiktoken_rs::cl100k_base(),
        };
        bpe.map_err(|e| Error::Config(format!("tiktoken-rs: {e}")))
    }

    fn pattern(self) -> &'static str {
        match self {
            Encoding::Gpt2 => GPT2_SPLIT_PATTERN,
            Encoding::Gpt4 => GPT4_SPLIT_PATTERN,
        }
    }

    /// The special tokens and their ids.
    fn special(self) -> Vec<(String, u32)> {
        let named =
            |list: &[(&str, u32)]| list.iter().map(|&(t, id)| (t.to_string(), id)).collect();
        match self {
            Encoding::Gpt2 => named(&[("<|endoftext|>", 50256)]),
            Encoding::Gpt4 => named(&[
                ("<|endoftext|>", 100257),
                ("<|fim_prefix|>", 100258),
                ("<|fim_middle|>", 100259),
                ("<|fim_suffix|>", 100260),
                ("<|endofprompt|>", 100276),
            ]),
        }
    }
}

/// The tokenizer of `encoding`: its merges recovered from the ranks.
pub fn load(encoding: Encoding) -> Result<Tokenizer> {
    let bpe = encoding.tiktoken()?;
    let lowest_special = encoding
        .special()
        .iter()
        .map(|&(_, id)| id)
        .min()
        .unwrap_or(u32::MAX);
    // The ranks run from 0 without a gap (cl100k_base leaves one id unused
    // before its special tokens).
    let ranks: Vec<Vec<u8>> = (0..lowest_special)
        .map_while(|rank| bpe.decode_bytes(&[rank]).ok())
        .collect();
    let (byte_ids, merges) = recover_merges(&ranks)?;
    let mut t = Tokenizer::with_byte_ids(encoding.pattern(), merges, byte_ids)?;
    t.add_special(&encoding.special())?;
    Ok(t)
}

/// The ids of the 256 bytes and the merges, from `tokens[rank]`, the
/// bytes of each rank: minbpe's `recover_merges`.
pub fn recover_merges(tokens: &[Vec<u8>]) -> Result<([u32; 256], Vec<Merge>)> {
    let rank: HashMap<&[u8], u32> = tokens
        .iter()
        .enumerate()
        .map(|(r, t)| (t.as_slice(), r as u32))
        .collect();
    let mut byte_ids = [0u32; 256];
    for (b, id) in byte_ids.iter_mut().enumerate() {
        *id = *rank.get([b as u8].as_slice()).ok_or_else(|| {
            Error::Config(format!("the rank file has no token for the byte 0x{b:02x}"))
        })?;
    }
    let mut merges = Vec::with_capacity(tokens.len().saturating_sub(256));
    for (r, token) in tokens.iter().enumerate().skip(FIRST_MERGE as usize) {
        let parts = bpe(&rank, token, r as u32);
        let [left, right] = parts.as_slice() else {
            return Err(Error::Config(format!(
                "rank {r} ({:?}) is not the merge of two tokens of lower rank",
                String::from_utf8_lossy(token)
            )));
        };
        merges.push(((rank[left], rank[right]), r as u32));
    }
    Ok((byte_ids, merges))
}

/// `token`'s bytes merged by rank, using only the ranks below `max_rank`.
fn bpe<'t>(rank: &HashMap<&[u8], u32>, token: &'t [u8], max_rank: u32) -> Vec<&'t [u8]> {
    let mut parts: Vec<&[u8]> = (0..token.len()).map(|i| &token[i..i + 1]).collect();
    let mut start: Vec<usize> = (0..token.len()).collect();
    loop {
        let lowest = (0..parts.len().saturating_sub(1))
            .filter_map(|i| {
                let joined = &token[start[i]..start[i] + parts[i].len() + parts[i + 1].len()];
                rank.get(joined).map(|&r| (r, i, joined))
            })
            .min_by_key(|&(r, _, _)| r);
        match lowest {
            Some((r, i, joined)) if r < max_rank => {
                parts[i] = joined;
                parts.remove(i + 1);
                start.remove(i + 1);
            }
            _ => return parts,
        }
    }
}
