//! # Byte-pair encoding: merges, the vocabulary, one chunk encoded
//!
//! The tokenizer lecture (*"Let's build the GPT Tokenizer"*), as minbpe's
//! `base.py` has it. A text is its UTF-8 bytes, ids `0..256`; a *merge*
//! replaces every adjacent pair `(a, b)` by a new id, `256, 257, …` in the
//! order the merges were learned. The id of a merge is also its *rank*:
//! encoding applies, over and over, the merge of lowest id present.
//!
//! This file is the library's own, fast encoder of one chunk
//! ([`encode_chunk`]) and the vocabulary ([`vocab`]); the exercises write
//! the same algorithm, naively, in `exercises/bpe.rs` (the reference is
//! `solutions/bpe.rs`). The tokenizer itself, which splits a text into
//! chunks and handles special tokens, is [`crate::tokenizer::Tokenizer`].

use rustc_hash::FxHashMap;

/// Two adjacent ids.
pub type Pair = (u32, u32);

/// One merge: the pair, and the id it becomes.
pub type Merge = (Pair, u32);

/// The first id a merge gets: the 256 single bytes come before.
pub const FIRST_MERGE: u32 = 256;

/// Each pair's id (its rank: lower merges first).
pub type Ranks = FxHashMap<Pair, u32>;

/// The identity: byte `b` is id `b` (a tokenizer trained here). GPT-2's and
/// GPT-4's encodings permute them ([`crate::tokenizer::Tokenizer::byte_ids`]).
pub const IDENTITY: [u32; 256] = {
    let mut ids = [0u32; 256];
    let mut b = 0;
    while b < 256 {
        ids[b] = b as u32;
        b += 1;
    }
    ids
};

/// The bytes of every id: `vocab[byte_ids[b]] = [b]`, then each merge's
/// id the bytes of its pair, concatenated. The merges are checked first
/// ([`crate::tokenizer::Tokenizer::new`]): ids `256, 257, …` in order, each
/// pair of ids defined before it.
pub fn vocab(byte_ids: &[u32; 256], merges: &[Merge]) -> Vec<Vec<u8>> {
    let mut vocab = vec![vec![]; FIRST_MERGE as usize + merges.len()];
    for (b, &id) in byte_ids.iter().enumerate() {
        vocab[id as usize] = vec![b as u8];
    }
    for &((a, b), id) in merges {
        let bytes = [vocab[a as usize].as_slice(), &vocab[b as usize]].concat();
        vocab[id as usize] = bytes;
    }
    vocab
}

/// Appends the ids of one chunk's `bytes` to `out`: each byte its id, then
/// the present pair of lowest rank merged, left to right and without
/// overlap, until no pair present has a rank.
pub fn encode_chunk(bytes: &[u8], byte_ids: &[u32; 256], ranks: &Ranks, out: &mut Vec<u32>) {
    let start = out.len();
    out.extend(bytes.iter().map(|&b| byte_ids[b as usize]));
    let ids = &mut out[start..];
    let mut len = ids.len();
    while len >= 2 {
        let Some((pair, id)) = lowest_rank(&ids[..len], ranks) else {
            break;
        };
        len = merge_in_place(&mut ids[..len], pair, id);
    }
    out.truncate(start + len);
}

/// The present pair of lowest rank, and its id.
fn lowest_rank(ids: &[u32], ranks: &Ranks) -> Option<(Pair, u32)> {
    ids.windows(2)
        .filter_map(|w| {
            let pair = (w[0], w[1]);
            ranks.get(&pair).map(|&id| (pair, id))
        })
        .min_by_key(|&(_, id)| id)
}

/// Replaces every `pair` of `ids` by `id`, left to right, without overlap
/// (`a a a` with `(a, a)` is `Z a`), in place; returns the new length.
pub fn merge_in_place(ids: &mut [u32], pair: Pair, id: u32) -> usize {
    let (mut read, mut write) = (0, 0);
    while read < ids.len() {
        if read + 1 < ids.len() && (ids[read], ids[read + 1]) == pair {
            ids[write] = id;
            read += 2;
        } else {
            ids[write] = ids[read];
            read += 1;
        }
        write += 1;
    }
    write
}
