//! # Known mistakes of the tokenizer ("Let's build the GPT Tokenizer")
//!
//! Each BPE function of `exercises/bpe.rs` broken the way learners break
//! it: the pairs sorted instead of kept in the order they first occur, a
//! merge that overlaps, ties broken by the last pair, merge ids not from
//! 256, one merge too few, encoding by count instead of by rank. Graded by
//! their outputs (`src/grade/cases/tokenizer.rs`), like the functions
//! themselves.

use crate::grade::mistakes::mistake::Mistake;
use crate::grade::table::SOLUTIONS;
use crate::registry::Exercise;

/// A pair and its count.
type Stat = ((u32, u32), usize);
/// A pair and the id it becomes.
type Merge = ((u32, u32), u32);

/// The text's bytes as ids.
fn bytes(text: &str) -> Vec<u32> {
    text.bytes().map(u32::from).collect()
}

/// The pairs sorted by value, not kept in the order each first occurs.
fn stats_sorted(ids: &[u32]) -> Vec<Stat> {
    let mut stats = (SOLUTIONS.bpe_get_stats)(ids);
    stats.sort();
    stats
}

/// The pairs sorted by count, most frequent first.
fn stats_by_count(ids: &[u32]) -> Vec<Stat> {
    let mut stats = (SOLUTIONS.bpe_get_stats)(ids);
    stats.sort_by_key(|&(_, n)| std::cmp::Reverse(n));
    stats
}

/// The merge that moves one step after replacing a pair, so that
/// `[a, a, a]` becomes `[Z, Z]`.
fn merge_overlapping(ids: &[u32], pair: (u32, u32), idx: u32) -> Vec<u32> {
    (0..ids.len())
        .filter_map(|i| match ids.get(i + 1) {
            Some(&next) if (ids[i], next) == pair => Some(idx),
            _ if i > 0 && (ids[i - 1], ids[i]) == pair => None,
            _ => Some(ids[i]),
        })
        .collect()
}

/// Training that breaks ties by the last pair seen (`max_by_key` returns
/// the last maximum).
fn train_ties_to_last(text: &str, vocab_size: usize) -> Vec<Merge> {
    let mut ids = bytes(text);
    let mut merges = vec![];
    for k in 0..vocab_size.saturating_sub(256) {
        let stats = (SOLUTIONS.bpe_get_stats)(&ids);
        let Some(&(pair, _)) = stats.iter().max_by_key(|&&(_, n)| n) else {
            break;
        };
        let idx = 256 + k as u32;
        ids = (SOLUTIONS.bpe_merge)(&ids, pair, idx);
        merges.push((pair, idx));
    }
    merges
}

/// The reference's merges with the ids counted from `from`.
fn ids_from(text: &str, vocab_size: usize, from: u32) -> Vec<Merge> {
    let relabel = |id: u32| if id >= 256 { id - 256 + from } else { id };
    (SOLUTIONS.bpe_train)(text, vocab_size)
        .into_iter()
        .map(|((a, b), id)| ((relabel(a), relabel(b)), relabel(id)))
        .collect()
}

fn train_ids_from_255(text: &str, vocab_size: usize) -> Vec<Merge> {
    ids_from(text, vocab_size, 255)
}

fn train_ids_from_257(text: &str, vocab_size: usize) -> Vec<Merge> {
    ids_from(text, vocab_size, 257)
}

/// One merge fewer than `vocab_size - 256`.
fn train_one_merge_short(text: &str, vocab_size: usize) -> Vec<Merge> {
    let mut merges = (SOLUTIONS.bpe_train)(text, vocab_size);
    merges.truncate(vocab_size.saturating_sub(257));
    merges
}

/// Encoding that merges the most frequent present pair first, as training
/// did.
fn encode_by_count(text: &str, merges: &[Merge]) -> Vec<u32> {
    let mut ids = bytes(text);
    loop {
        let stats = (SOLUTIONS.bpe_get_stats)(&ids);
        let mut best: Option<(Merge, usize)> = None;
        for (pair, n) in stats {
            if let Some(&(_, idx)) = merges.iter().find(|(p, _)| *p == pair)
                && best.is_none_or(|(_, most)| n > most)
            {
                best = Some(((pair, idx), n));
            }
        }
        let Some(((pair, idx), _)) = best else {
            return ids;
        };
        ids = (SOLUTIONS.bpe_merge)(&ids, pair, idx);
    }
}

/// Encoding that merges the present pair of highest id first.
fn encode_by_last_learned(text: &str, merges: &[Merge]) -> Vec<u32> {
    let mut ids = bytes(text);
    loop {
        let present = (SOLUTIONS.bpe_get_stats)(&ids)
            .into_iter()
            .filter_map(|(pair, _)| merges.iter().find(|(p, _)| *p == pair).copied())
            .max_by_key(|&(_, idx)| idx);
        let Some((pair, idx)) = present else {
            return ids;
        };
        ids = (SOLUTIONS.bpe_merge)(&ids, pair, idx);
    }
}

pub const MISTAKES: &[Mistake] = &[
    Mistake {
        exercise: Exercise::BpeGetStats,
        name: "sorted",
        explanation: "the pairs are sorted: keep them in the order each first occurs, as a Python dict does (training breaks ties by that order)",
        patch: |t| t.bpe_get_stats = stats_sorted,
    },
    Mistake {
        exercise: Exercise::BpeGetStats,
        name: "sorted by count",
        explanation: "the pairs are sorted by count: keep them in the order each first occurs, as a Python dict does",
        patch: |t| t.bpe_get_stats = stats_by_count,
    },
    Mistake {
        exercise: Exercise::BpeMerge,
        name: "overlap",
        explanation: "overlap: a replaced pair consumes both of its ids; after pushing idx skip two, so [a, a, a] is [Z, a], not [Z, Z]",
        patch: |t| t.bpe_merge = merge_overlapping,
    },
    Mistake {
        exercise: Exercise::BpeTrain,
        name: "ties to the last pair",
        explanation: "ties: on equal counts the pair that occurs first wins (Python's max over a dict); yours takes the last (Iterator::max_by_key returns the last maximum)",
        patch: |t| t.bpe_train = train_ties_to_last,
    },
    Mistake {
        exercise: Exercise::BpeTrain,
        name: "ids from 255",
        explanation: "merge ids: merge k (from 0) makes id 256 + k; 0..256 are the bytes",
        patch: |t| t.bpe_train = train_ids_from_255,
    },
    Mistake {
        exercise: Exercise::BpeTrain,
        name: "ids from 257",
        explanation: "merge ids: the first merge makes id 256 (merge k makes 256 + k)",
        patch: |t| t.bpe_train = train_ids_from_257,
    },
    Mistake {
        exercise: Exercise::BpeTrain,
        name: "one merge short",
        explanation: "vocab_size counts the 256 bytes: vocab_size - 256 merges, not one fewer",
        patch: |t| t.bpe_train = train_one_merge_short,
    },
    Mistake {
        exercise: Exercise::BpeEncode,
        name: "by count",
        explanation: "rank order: merge the present pair learned first (lowest id), not the most frequent one",
        patch: |t| t.bpe_encode = encode_by_count,
    },
    Mistake {
        exercise: Exercise::BpeEncode,
        name: "last learned first",
        explanation: "rank order: the pair learned first (lowest id) merges first, not the last learned",
        patch: |t| t.bpe_encode = encode_by_last_learned,
    },
];
