//! # Byte-pair encoding, by hand — yours to write (lecture *"Let's build the GPT Tokenizer"*)
//!
//! minbpe's exercise track, in its order: count the pairs, merge one,
//! train, encode, decode. A text is its UTF-8 bytes (`text.bytes()`), ids
//! `0..256`; a merge replaces a pair of adjacent ids by a new id, `256,
//! 257, …` in the order the merges are learned. The library's tokenizer
//! (`src/tokenizer/`) splits texts into chunks and encodes each with the
//! same algorithm. The answer, with why ties go to the first pair and why
//! merges do not overlap, is in `solutions/bpe.rs`.

/// Every adjacent pair of `ids` with how often it occurs, in the order each
/// pair first occurs (as a Python `dict` keeps them): `[1, 2, 3, 1, 2]`
/// gives `[((1, 2), 2), ((2, 3), 1), ((3, 1), 1)]`.
pub fn get_stats(ids: &[u32]) -> Vec<((u32, u32), usize)> {
    todo!("walk ids.windows(2); a pair seen before adds 1 to its count, a new one goes at the end")
}

/// `ids` with every `pair` replaced by `idx`, left to right, without
/// overlap: `[1, 1, 1]` merged on `(1, 1)` is `[idx, 1]`.
pub fn merge(ids: &[u32], pair: (u32, u32), idx: u32) -> Vec<u32> {
    todo!("scan left to right; where ids[i], ids[i + 1] is the pair, push idx and skip both")
}

/// The merges of `text`, `vocab_size - 256` of them (fewer if the text runs
/// out of pairs), each `(pair, id)` with ids `256, 257, …` in order.
pub fn train(text: &str, vocab_size: usize) -> Vec<((u32, u32), u32)> {
    todo!("repeat: get_stats, the most frequent pair (the first on a tie), merge it into 256 + k")
}

/// The ids of `text`: its bytes, then, over and over, the present pair
/// learned first (lowest id in `merges`) merged, until no present pair was
/// learned.
pub fn encode(text: &str, merges: &[((u32, u32), u32)]) -> Vec<u32> {
    todo!("among the pairs of get_stats(&ids), take the one whose merge has the lowest id; merge; repeat")
}

/// The text of `ids`: each id's bytes (a byte, or its merge's pair's
/// bytes, concatenated), read as UTF-8, invalid sequences replaced by `�`.
pub fn decode(ids: &[u32], merges: &[((u32, u32), u32)]) -> String {
    todo!("build each id's bytes from the merges in order, concatenate, String::from_utf8_lossy")
}
