//! # Mutants of the tokenizer (the BPE exercises)
//!
//! Each function of `exercises/bpe.rs` broken the way learners break it;
//! only its own exercise fails, with the hint its mistake earns.

use backprop_ninja::grade::{Status, dispatch};
use backprop_ninja::registry::Exercise;

use super::wrong;
use crate::common::mutant;

const BPE: [Exercise; 5] = [
    Exercise::BpeGetStats,
    Exercise::BpeMerge,
    Exercise::BpeTrain,
    Exercise::BpeEncode,
    Exercise::BpeDecode,
];

/// `exercise` of `B` is wrong, with `hint` in its message, and every other
/// BPE exercise is right.
fn only_it_fails<B: backprop_ninja::Backprop>(exercise: Exercise, hint: &str) -> String {
    let message = wrong(&super::table::<B>(), exercise);
    assert!(message.contains(hint), "{message}");
    for other in BPE.into_iter().filter(|&e| e != exercise) {
        assert_eq!(
            dispatch::grade::<B>(other).status,
            Status::Correct,
            "{}",
            other.id()
        );
    }
    message
}

mutant!(bpe_overlapping_merge, bpe {
    pub use backprop_ninja::solutions::bpe::*;
    pub fn merge(ids: &[u32], pair: (u32, u32), idx: u32) -> Vec<u32> {
        let mut out = vec![];
        let mut i = 0;
        while i < ids.len() {
            if i + 1 < ids.len() && (ids[i], ids[i + 1]) == pair {
                out.push(idx);
                if i + 2 < ids.len() && (ids[i + 1], ids[i + 2]) == pair {
                    i += 1; // the second id starts another pair: overlap
                    continue;
                }
                i += 2;
            } else {
                out.push(ids[i]);
                i += 1;
            }
        }
        out
    }
});

#[test]
fn an_overlapping_merge_fails_merge_with_the_overlap_hint() {
    let message = only_it_fails::<bpe_overlapping_merge::Mutant>(Exercise::BpeMerge, "overlap");
    assert!(
        message.contains("first difference") || message.contains("at position"),
        "{message}"
    );
}

mutant!(bpe_ties_to_last, bpe {
    pub use backprop_ninja::solutions::bpe::*;
    pub fn train(text: &str, vocab_size: usize) -> Vec<((u32, u32), u32)> {
        let mut ids: Vec<u32> = text.bytes().map(u32::from).collect();
        let mut merges = vec![];
        for k in 0..vocab_size.saturating_sub(256) {
            // max_by_key keeps the last maximum: ties go to the last pair.
            let Some((pair, _)) = get_stats(&ids).into_iter().max_by_key(|&(_, n)| n) else {
                break;
            };
            let idx = 256 + k as u32;
            ids = merge(&ids, pair, idx);
            merges.push((pair, idx));
        }
        merges
    }
});

#[test]
fn ties_broken_by_the_last_pair_fail_train_with_the_ties_hint() {
    only_it_fails::<bpe_ties_to_last::Mutant>(Exercise::BpeTrain, "ties");
}

mutant!(bpe_ids_from_255, bpe {
    pub use backprop_ninja::solutions::bpe::*;
    pub fn train(text: &str, vocab_size: usize) -> Vec<((u32, u32), u32)> {
        let mut ids: Vec<u32> = text.bytes().map(u32::from).collect();
        let mut merges = vec![];
        for k in 0..vocab_size.saturating_sub(256) {
            let stats = get_stats(&ids);
            let Some(&(pair, _)) = stats.iter().rev().max_by_key(|&&(_, n)| n) else {
                break;
            };
            let idx = 255 + k as u32; // the last byte's id
            ids = merge(&ids, pair, idx);
            merges.push((pair, idx));
        }
        merges
    }
});

#[test]
fn merge_ids_not_from_256_fail_train_with_the_ids_hint() {
    only_it_fails::<bpe_ids_from_255::Mutant>(Exercise::BpeTrain, "256 + k");
}

mutant!(bpe_encode_by_count, bpe {
    pub use backprop_ninja::solutions::bpe::*;
    pub fn encode(text: &str, merges: &[((u32, u32), u32)]) -> Vec<u32> {
        let mut ids: Vec<u32> = text.bytes().map(u32::from).collect();
        loop {
            // The most frequent learned pair, as in training: not by rank.
            let mut best: Option<((u32, u32), u32, usize)> = None;
            for (pair, n) in get_stats(&ids) {
                if let Some(&(_, idx)) = merges.iter().find(|(p, _)| *p == pair)
                    && best.is_none_or(|(_, _, most)| n > most)
                {
                    best = Some((pair, idx, n));
                }
            }
            let Some((pair, idx, _)) = best else {
                return ids;
            };
            ids = merge(&ids, pair, idx);
        }
    }
});

#[test]
fn encoding_by_count_fails_encode_with_the_rank_hint() {
    only_it_fails::<bpe_encode_by_count::Mutant>(Exercise::BpeEncode, "rank order");
}

mutant!(bpe_stats_in_hash_order, bpe {
    pub use backprop_ninja::solutions::bpe::*;
    pub fn get_stats(ids: &[u32]) -> Vec<((u32, u32), usize)> {
        let mut counts = std::collections::BTreeMap::new();
        for w in ids.windows(2) {
            *counts.entry((w[0], w[1])).or_insert(0) += 1;
        }
        counts.into_iter().collect() // sorted, not in order of first occurrence
    }
});

#[test]
fn pair_counts_out_of_order_fail_get_stats_with_the_order_hint() {
    only_it_fails::<bpe_stats_in_hash_order::Mutant>(Exercise::BpeGetStats, "first occurs");
}

mutant!(bpe_decode_strict, bpe {
    pub use backprop_ninja::solutions::bpe::*;
    pub fn decode(ids: &[u32], merges: &[((u32, u32), u32)]) -> String {
        let text = backprop_ninja::solutions::bpe::decode(ids, merges);
        assert!(!text.contains('\u{fffd}'), "invalid UTF-8");
        text
    }
});

#[test]
fn a_decode_that_panics_on_invalid_utf8_fails_decode_and_says_what_it_was_handed() {
    let message =
        only_it_fails::<bpe_decode_strict::Mutant>(Exercise::BpeDecode, "panicked: invalid UTF-8");
    assert!(message.contains("it was handed ids ["), "{message}");
}
