//! # Byte-pair encoding, by hand — solution (lecture *"Let's build the GPT Tokenizer"*)
//!
//! minbpe's exercise track, in its order: count the pairs, merge one,
//! train, encode, decode. A text is its UTF-8 bytes, ids `0..256`; a merge
//! replaces a pair of adjacent ids by a new one.
//!
//! **Why ties go to the pair seen first.** Training takes the most
//! frequent pair. Several can share the top count, and the choice changes
//! every later merge, so it must be written down: minbpe counts into a
//! Python `dict`, which keeps its keys in the order they were first
//! inserted, and `max(stats, key=stats.get)` returns the first maximum it
//! meets. So the tie goes to the pair that occurs first in the text.
//! [`get_stats`] returns its pairs in that order (a `Vec`, not a
//! `HashMap`, whose order is random), and [`train`] keeps the first
//! maximum.
//!
//! **Why merges do not overlap.** A merge scans left to right and, where
//! it replaces a pair, consumes both ids: `a a a a a` merged on `(a, a)` is
//! `Z Z a`, not `Z Z Z Z`. Four pairs `(a, a)` were counted (every
//! adjacent position), but only two can be replaced, since each `a` ends
//! up in one token. Counting and merging differ, and "aaaaa" takes two
//! merges (`aa`, then `aaaa`) before a third can take the last `a`.
//!
//! **Why encoding goes by rank, not by count.** A merge learned early
//! shaped every pair counted after it: `(Z, b)` exists only once `Z` does.
//! So encoding replays the merges in the order they were learned: among
//! the pairs present, merge the one learned first (lowest id), and repeat
//! until no present pair was learned. Merging the most frequent pair of the
//! text to encode would reach different tokens than training did.
//!
//! **Why new ids start at 256.** Ids `0..256` are the bytes themselves;
//! merge `k` (from 0) makes id `256 + k`, so the id of a merge is its rank.
//!
//! **Decoding** concatenates the bytes of each id (a merge's bytes are its
//! pair's, concatenated) and reads them as UTF-8; a token may end inside a
//! multi-byte character, so invalid UTF-8 becomes `U+FFFD` (�), as
//! minbpe's `errors="replace"` does.

use std::collections::HashMap;

/// Every adjacent pair of `ids` with how often it occurs, in the order each
/// pair first occurs: `[1, 2, 3, 1, 2]` gives `[((1, 2), 2), ((2, 3), 1),
/// ((3, 1), 1)]`.
pub fn get_stats(ids: &[u32]) -> Vec<((u32, u32), usize)> {
    let mut stats: Vec<((u32, u32), usize)> = vec![];
    let mut position: HashMap<(u32, u32), usize> = HashMap::new();
    for w in ids.windows(2) {
        let pair = (w[0], w[1]);
        match position.get(&pair) {
            Some(&i) => stats[i].1 += 1,
            None => {
                position.insert(pair, stats.len());
                stats.push((pair, 1));
            }
        }
    }
    stats
}

/// `ids` with every `pair` replaced by `idx`, left to right, without
/// overlap: `[1, 1, 1]` merged on `(1, 1)` is `[idx, 1]`.
pub fn merge(ids: &[u32], pair: (u32, u32), idx: u32) -> Vec<u32> {
    let mut out = Vec::with_capacity(ids.len());
    let mut i = 0;
    while i < ids.len() {
        if i + 1 < ids.len() && (ids[i], ids[i + 1]) == pair {
            out.push(idx);
            i += 2; // both ids of the pair are consumed
        } else {
            out.push(ids[i]);
            i += 1;
        }
    }
    out
}

/// The merges of `text`, `vocab_size - 256` of them (fewer if the text runs
/// out of pairs), each `(pair, id)` with ids `256, 257, …` in order.
pub fn train(text: &str, vocab_size: usize) -> Vec<((u32, u32), u32)> {
    let mut ids: Vec<u32> = text.bytes().map(u32::from).collect();
    let mut merges = vec![];
    for k in 0..vocab_size.saturating_sub(256) {
        // The most frequent pair; on a tie, the first: `>` never replaces
        // an earlier pair by a later one of the same count.
        let mut best: Option<((u32, u32), usize)> = None;
        for (pair, count) in get_stats(&ids) {
            if best.is_none_or(|(_, most)| count > most) {
                best = Some((pair, count));
            }
        }
        let Some((pair, _)) = best else {
            break; // one id left: nothing to merge
        };
        let idx = 256 + k as u32;
        ids = merge(&ids, pair, idx);
        merges.push((pair, idx));
    }
    merges
}

/// The ids of `text`: its bytes, then, over and over, the present pair
/// learned first (lowest id in `merges`) merged, until no present pair was
/// learned.
pub fn encode(text: &str, merges: &[((u32, u32), u32)]) -> Vec<u32> {
    let rank: HashMap<(u32, u32), u32> = merges.iter().copied().collect();
    let mut ids: Vec<u32> = text.bytes().map(u32::from).collect();
    while ids.len() >= 2 {
        let learned = get_stats(&ids)
            .into_iter()
            .filter_map(|(pair, _)| rank.get(&pair).map(|&idx| (pair, idx)))
            .min_by_key(|&(_, idx)| idx);
        let Some((pair, idx)) = learned else {
            break;
        };
        ids = merge(&ids, pair, idx);
    }
    ids
}

/// The text of `ids`: each id's bytes (a byte, or its merge's pair's
/// bytes, concatenated), read as UTF-8, invalid sequences replaced by `�`.
pub fn decode(ids: &[u32], merges: &[((u32, u32), u32)]) -> String {
    let mut vocab: HashMap<u32, Vec<u8>> = (0..=255u8).map(|b| (u32::from(b), vec![b])).collect();
    for &((a, b), idx) in merges {
        let bytes = [vocab[&a].as_slice(), vocab[&b].as_slice()].concat();
        vocab.insert(idx, bytes);
    }
    let bytes: Vec<u8> = ids
        .iter()
        .flat_map(|id| vocab[id].iter().copied())
        .collect();
    String::from_utf8_lossy(&bytes).into_owned()
}
