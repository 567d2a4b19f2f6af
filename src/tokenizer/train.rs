//! # Training the merges: the incremental trainer, and the naive loop
//!
//! Training (the tokenizer lecture, minbpe's `train`) repeats
//! `vocab_size - 256` times: count every adjacent pair of every chunk, take
//! the most frequent (ties to the pair seen first, as Python's `max` over a
//! `dict` does), merge it into the next id. [`naive`] is that loop, run
//! with any [`Backprop`]'s `bpe_get_stats` and `bpe_merge` (the exercises',
//! for `tokenizer train --impl exercises`): it recounts the whole text at
//! each merge.
//!
//! [`train`] learns the same merges, ties included, without recounting:
//!
//! - each distinct chunk is kept once, with how often it occurs, in the
//!   order it first occurs (so the first occurrence of a pair in the text
//!   is its first occurrence in the first distinct chunk holding it);
//! - the pair counts are updated at each merge from the chunks holding the
//!   merged pair only (each pair knows which chunks held it);
//! - the best pair comes from a max-heap of `(count, first occurrence)`,
//!   checked when it is popped: a merge only lowers the count of the pairs
//!   that existed before it and moves their first occurrence later, so an
//!   entry that is out of date ranks too high, never too low, and is
//!   corrected and pushed back.
//!
//! A first occurrence is `(chunk, byte offset in the chunk)`: the byte
//! offset of a pair does not move when merges before it shrink the chunk.

use std::collections::BinaryHeap;

use rustc_hash::FxHashMap;

use crate::backprop::Backprop;
use crate::error::{Error, Result};
use crate::tokenizer::bpe::{FIRST_MERGE, Merge, Pair, merge_in_place};
use crate::tokenizer::split::Split;

/// The number of merges a vocabulary of `vocab_size` ids takes: refused
/// below 256, the single bytes.
pub fn merges_wanted(vocab_size: usize) -> Result<usize> {
    vocab_size.checked_sub(FIRST_MERGE as usize).ok_or_else(|| {
        Error::Config(format!(
            "a vocabulary of {vocab_size} ids is below 256: the 256 single bytes come first, merges after"
        ))
    })
}

/// The merges of `text` split by `split`, up to `vocab_size` ids: fewer
/// when the text runs out of pairs (the caller says so).
pub fn train(text: &str, vocab_size: usize, split: &Split) -> Result<Vec<Merge>> {
    let wanted = merges_wanted(vocab_size)?;
    let mut state = State::new(text, split)?;
    let mut merges = Vec::with_capacity(wanted);
    while merges.len() < wanted {
        let Some(pair) = state.best() else {
            break;
        };
        let id = FIRST_MERGE + merges.len() as u32;
        state.merge(pair, id);
        merges.push((pair, id));
    }
    Ok(merges)
}

/// The naive loop with `B`'s functions: `B::bpe_train` on the whole text
/// when there is no split pattern, else, for each merge, `B::bpe_get_stats`
/// on every chunk (counts summed, pairs in order of first occurrence) and
/// `B::bpe_merge` of the best pair into every chunk.
pub fn naive<B: Backprop>(text: &str, vocab_size: usize, split: &Split) -> Result<Vec<Merge>> {
    let wanted = merges_wanted(vocab_size)?;
    if split.text().is_empty() {
        return Ok(B::bpe_train(text, vocab_size));
    }
    let mut chunks: Vec<Vec<u32>> = split
        .chunks(text)?
        .iter()
        .map(|c| c.bytes().map(u32::from).collect())
        .collect();
    let mut merges = Vec::with_capacity(wanted);
    while merges.len() < wanted {
        let mut stats: Vec<(Pair, usize)> = vec![];
        let mut index: FxHashMap<Pair, usize> = FxHashMap::default();
        for chunk in &chunks {
            for (pair, n) in B::bpe_get_stats(chunk) {
                match index.get(&pair) {
                    Some(&i) => stats[i].1 += n,
                    None => {
                        index.insert(pair, stats.len());
                        stats.push((pair, n));
                    }
                }
            }
        }
        // The first of the most frequent: `>` keeps the earlier on a tie.
        let mut best: Option<(Pair, usize)> = None;
        for &(pair, n) in &stats {
            if best.is_none_or(|(_, most)| n > most) {
                best = Some((pair, n));
            }
        }
        let Some((pair, _)) = best else {
            break;
        };
        let id = FIRST_MERGE + merges.len() as u32;
        for chunk in &mut chunks {
            *chunk = B::bpe_merge(chunk, pair, id);
        }
        merges.push((pair, id));
    }
    Ok(merges)
}

/// A pair in the heap: its count and first occurrence when pushed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Candidate {
    count: i64,
    /// `(chunk, byte offset)` of its first occurrence.
    first: (u32, u32),
    pair: Pair,
}

impl Ord for Candidate {
    /// More frequent first; on a tie, the one seen first.
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.count
            .cmp(&other.count)
            .then_with(|| other.first.cmp(&self.first))
            .then_with(|| other.pair.cmp(&self.pair))
    }
}

impl PartialOrd for Candidate {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// The incremental trainer's state.
struct State {
    /// Each distinct chunk's ids, in order of first occurrence.
    chunks: Vec<Vec<u32>>,
    /// How often each occurs.
    freqs: Vec<i64>,
    /// The byte length of each id.
    lens: Vec<u32>,
    counts: FxHashMap<Pair, i64>,
    /// The chunks that held each pair, ascending (some may no longer).
    places: FxHashMap<Pair, Vec<u32>>,
    heap: BinaryHeap<Candidate>,
}

impl State {
    fn new(text: &str, split: &Split) -> Result<State> {
        let mut index: FxHashMap<&str, usize> = FxHashMap::default();
        let (mut chunks, mut freqs) = (vec![], vec![]);
        split.for_each_chunk(text, |c| match index.get(c) {
            Some(&i) => freqs[i] += 1,
            None => {
                index.insert(c, chunks.len());
                chunks.push(c.bytes().map(u32::from).collect::<Vec<u32>>());
                freqs.push(1);
            }
        })?;
        let mut state = State {
            chunks,
            freqs,
            lens: vec![1; FIRST_MERGE as usize],
            counts: FxHashMap::default(),
            places: FxHashMap::default(),
            heap: BinaryHeap::new(),
        };
        let mut first: FxHashMap<Pair, (u32, u32)> = FxHashMap::default();
        for (c, chunk) in state.chunks.iter().enumerate() {
            let c = c as u32;
            for (i, w) in chunk.windows(2).enumerate() {
                let pair = (w[0], w[1]);
                *state.counts.entry(pair).or_default() += state.freqs[c as usize];
                first.entry(pair).or_insert((c, i as u32));
                let places = state.places.entry(pair).or_default();
                if places.last() != Some(&c) {
                    places.push(c);
                }
            }
        }
        state.heap = first
            .into_iter()
            .map(|(pair, first)| Candidate {
                count: state.counts[&pair],
                first,
                pair,
            })
            .collect();
        Ok(state)
    }

    /// The byte offset of the first `pair` in chunk `c`, if it holds one.
    fn first_in(&self, c: u32, pair: Pair) -> Option<u32> {
        let mut offset = 0;
        for w in self.chunks[c as usize].windows(2) {
            if (w[0], w[1]) == pair {
                return Some(offset);
            }
            offset += self.lens[w[0] as usize];
        }
        None
    }

    /// The first occurrence of `pair` in the text, if it still occurs.
    fn first_occurrence(&self, pair: Pair) -> Option<(u32, u32)> {
        let places = self.places.get(&pair)?;
        places
            .iter()
            .find_map(|&c| self.first_in(c, pair).map(|offset| (c, offset)))
    }

    /// The most frequent pair, first seen on a tie; `None` when no pair is
    /// left.
    fn best(&mut self) -> Option<Pair> {
        while let Some(top) = self.heap.pop() {
            let count = self.counts.get(&top.pair).copied().unwrap_or(0);
            if count <= 0 {
                continue;
            }
            let (c, offset) = top.first;
            let first = if self.first_in(c, top.pair) == Some(offset) {
                top.first
            } else {
                let Some(first) = self.first_occurrence(top.pair) else {
                    continue;
                };
                first
            };
            let now = Candidate {
                count,
                first,
                ..top
            };
            if now == top {
                return Some(top.pair);
            }
            self.heap.push(now);
        }
        None
    }

    /// Merges `pair` into `id` in every chunk that holds it, updating the
    /// counts, and pushes the pairs the merge made (they hold `id`).
    fn merge(&mut self, pair: Pair, id: u32) {
        let len = self.lens[pair.0 as usize] + self.lens[pair.1 as usize];
        self.lens.push(len);
        let places = self.places.remove(&pair).unwrap_or_default();
        let mut made: FxHashMap<Pair, (u32, u32)> = FxHashMap::default();
        for c in places {
            let chunk = &mut self.chunks[c as usize];
            if !chunk.windows(2).any(|w| (w[0], w[1]) == pair) {
                continue;
            }
            let freq = self.freqs[c as usize];
            for w in chunk.windows(2) {
                *self.counts.entry((w[0], w[1])).or_default() -= freq;
            }
            let n = merge_in_place(chunk, pair, id);
            chunk.truncate(n);
            let mut offset = 0;
            for w in chunk.windows(2) {
                let p = (w[0], w[1]);
                *self.counts.entry(p).or_default() += freq;
                if p.0 == id || p.1 == id {
                    made.entry(p).or_insert((c, offset));
                    let places = self.places.entry(p).or_default();
                    if places.last() != Some(&c) {
                        places.push(c);
                    }
                }
                offset += self.lens[w[0] as usize];
            }
        }
        self.counts.remove(&pair);
        for (p, first) in made {
            self.heap.push(Candidate {
                count: self.counts[&p],
                first,
                pair: p,
            });
        }
    }
}
