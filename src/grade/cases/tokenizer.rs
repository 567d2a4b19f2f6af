//! # Grading cases: the tokenizer, byte-pair encoding by hand
//!
//! Lecture *"Let's build the GPT Tokenizer"*, `exercises/bpe.rs`. Nothing
//! here has a gradient: each function is graded by its outputs, compared
//! with the reference's (`solutions/bpe.rs`) on named cases (minbpe's
//! tests, overlaps, ties, rank against count) and on inputs drawn from the
//! seed. One row per function: `exact` when every output is the
//! reference's, and `maxdiff` the number of inputs on which it is not. A
//! wrong function's message names the input, the first differing position,
//! the expected and produced values, and a hint: the known mistake its
//! output matches (an overlapping merge, ties to the last pair, merge ids
//! not from 256, encoding by count instead of rank), else what the
//! function must do.

use std::fmt::Debug;

use ndarray::Array1;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::grade::attempt::attempt;
use crate::grade::case::{failed, record, verdict};
use crate::grade::compare::record_answer;
use crate::grade::hints;
use crate::grade::table::{BackpropTable, SOLUTIONS};
use crate::grade::{Outcome, Row};

/// A pair and its count.
type Stat = ((u32, u32), usize);
/// A pair and the id it becomes.
type Merge = ((u32, u32), u32);

/// Inputs drawn per function, beside the named ones.
const RANDOM_INPUTS: usize = 20;

/// One function's grading: its inputs (each with how it reads in a
/// message), the hint when no known mistake matches, and how an output is
/// recorded. The known mistakes are the exercise's
/// (`crate::grade::mistakes::tokenizer`), recognised by the dispatch from
/// the outputs this case records as the learner's answer.
pub(crate) struct Compared<'a, I, T> {
    pub(crate) id: &'a str,
    pub(crate) function: &'static str,
    pub(crate) inputs: Vec<(String, I)>,
    pub(crate) otherwise: &'static str,
    pub(crate) values: fn(&T) -> Vec<f64>,
}

impl<I, T: PartialEq + Debug> Compared<'_, I, T> {
    pub(crate) fn grade(self, learner: impl Fn(&I) -> T, reference: impl Fn(&I) -> T) -> Outcome {
        let name = format!("{} ({} inputs)", self.function, self.inputs.len());
        let mut wrong = 0;
        let mut message = None;
        let (mut values, mut lengths) = (vec![], vec![]);
        let mut answers = vec![];
        for (label, input) in &self.inputs {
            let expected = reference(input);
            let v = (self.values)(&expected);
            lengths.push(v.len() as f64);
            values.extend(v);
            let produced = match attempt(|| learner(input)) {
                Ok(produced) => produced,
                Err(panic) => return failed(self.id, panic, label),
            };
            let p = (self.values)(&produced);
            answers.push(p.len() as f64);
            answers.extend(p);
            if produced == expected {
                continue;
            }
            wrong += 1;
            message.get_or_insert_with(|| {
                // A known mistake the dispatch recognised, else what the
                // function must do.
                let hint =
                    hints::diagnosed(&name).unwrap_or_else(|| format!("hint: {}", self.otherwise));
                format!(
                    "{}: wrong on {label}: {}\n  {hint}",
                    self.id,
                    first_difference(&expected, &produced)
                )
            });
        }
        // The learner's outputs (each input's length, then its values), for
        // the diagnosis of known mistakes.
        record_answer(&name, &Array1::from(answers).into_dyn());
        record(
            &format!("{} outputs", self.id),
            &Array1::from(values).into_dyn(),
        );
        record(
            &format!("{} lengths", self.id),
            &Array1::from(lengths).into_dyn(),
        );
        let row = Row {
            name,
            exact: wrong == 0,
            approximate: wrong == 0,
            maxdiff: wrong as f64,
            oracle: None,
            diagnosis: None,
        };
        verdict(vec![row], message.into_iter().collect())
    }
}

/// `"at position 3, expected 258, produced 97"`, for sequences read from
/// their `Debug` form, element by element.
fn first_difference<T: Debug>(expected: &T, produced: &T) -> String {
    let (e, p) = (elements(expected), elements(produced));
    let at = e.iter().zip(&p).position(|(a, b)| a != b);
    match at {
        Some(i) => format!("at position {i}, expected {}, produced {}", e[i], p[i]),
        None if p.len() < e.len() => format!(
            "yours stops after {} items; expected {} more, from {} at position {}",
            p.len(),
            e.len() - p.len(),
            e[p.len()],
            p.len()
        ),
        None => format!(
            "yours has {} items more than the expected {}, from {} at position {}",
            p.len() - e.len(),
            e.len(),
            p[e.len()],
            e.len()
        ),
    }
}

/// The items of a `Vec`'s `Debug` form, or the characters of a string's.
fn elements<T: Debug>(x: &T) -> Vec<String> {
    let text = format!("{x:?}");
    if let Some(list) = text.strip_prefix('[').and_then(|t| t.strip_suffix(']')) {
        return split_top_level(list);
    }
    text.trim_matches('"')
        .chars()
        .map(|c| format!("{c:?}"))
        .collect()
}

/// `"(1, 2), 3"` split at its top-level commas: `["(1, 2)", "3"]`.
fn split_top_level(list: &str) -> Vec<String> {
    let (mut items, mut depth, mut start) = (vec![], 0, 0);
    for (i, c) in list.char_indices() {
        match c {
            '(' | '[' => depth += 1,
            ')' | ']' => depth -= 1,
            ',' if depth == 0 => {
                items.push(list[start..i].trim().to_string());
                start = i + 1;
            }
            _ => {}
        }
    }
    if !list[start..].trim().is_empty() {
        items.push(list[start..].trim().to_string());
    }
    items
}

/// At most 60 characters of `x`'s `Debug` form.
pub(crate) fn short<T: Debug>(x: &T) -> String {
    let text = format!("{x:?}");
    match text.char_indices().nth(60) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text,
    }
}

/// A text of `len` characters drawn from `alphabet`.
fn text(rng: &mut ChaCha8Rng, alphabet: &[char], len: usize) -> String {
    (0..len)
        .map(|_| *alphabet.choose(rng).expect("a letter"))
        .collect()
}

/// Small alphabets, so that pairs repeat and counts tie; one is not ASCII.
const ALPHABETS: [&[char]; 4] = [
    &['a', 'b'],
    &['a', 'b', 'c', ' '],
    &['x', 'y', 'z', 'x', '.'],
    &['é', 'e', '日', ' '],
];

fn random_text(rng: &mut ChaCha8Rng) -> String {
    let alphabet = ALPHABETS[rng.random_range(0..ALPHABETS.len())];
    let len = rng.random_range(0..48);
    text(rng, alphabet, len)
}

fn ids(text: &str) -> Vec<u32> {
    text.bytes().map(u32::from).collect()
}

fn flat_stats(stats: &[Stat]) -> Vec<f64> {
    stats
        .iter()
        .flat_map(|&((a, b), n)| [a as f64, b as f64, n as f64])
        .collect()
}

fn flat_merges(merges: &[Merge]) -> Vec<f64> {
    merges
        .iter()
        .flat_map(|&((a, b), id)| [a as f64, b as f64, id as f64])
        .collect()
}

fn flat_ids(ids: &[u32]) -> Vec<f64> {
    ids.iter().map(|&i| i as f64).collect()
}

/// `get_stats`: named sequences, then random ones.
pub fn get_stats(bp: &BackpropTable, id: &str, seed: u64) -> Outcome {
    let rng = &mut ChaCha8Rng::seed_from_u64(seed);
    let mut inputs: Vec<Vec<u32>> = vec![
        vec![1, 2, 3, 1, 2],
        vec![],
        vec![7],
        vec![1, 1, 1],
        vec![3, 1, 2, 1, 2, 3, 1],
        ids("aaabdaaabac"),
    ];
    for _ in 0..RANDOM_INPUTS {
        inputs.push(ids(&random_text(rng)));
    }
    Compared {
        id,
        function: "get_stats",
        inputs: inputs.into_iter().map(|i| (format!("ids {}", short(&i)), i)).collect(),
        otherwise: "count every adjacent position, ids.windows(2) (overlapping: [a, a, a] holds (a, a) twice), each pair once, in the order it first occurs",
        values: |s: &Vec<Stat>| flat_stats(s),
    }
    .grade(|i| (bp.bpe_get_stats)(i), |i| (SOLUTIONS.bpe_get_stats)(i))
}

/// `merge`: minbpe's examples, overlaps, then pairs drawn from random ids.
pub fn merge(bp: &BackpropTable, id: &str, seed: u64) -> Outcome {
    let rng = &mut ChaCha8Rng::seed_from_u64(seed);
    type Input = (Vec<u32>, (u32, u32), u32);
    let mut inputs: Vec<Input> = vec![
        (vec![5, 6, 6, 7, 9, 1], (6, 7), 99),
        (ids("aaaaa"), (97, 97), 256),
        (vec![1, 1, 1], (1, 1), 256),
        (vec![1, 2], (2, 1), 256),
        (vec![], (1, 2), 256),
        (ids("aaabdaaabac"), (97, 97), 256),
    ];
    for k in 0..RANDOM_INPUTS {
        let ids = ids(&random_text(rng));
        let pair = match ids.len() {
            0 | 1 => (97, 98),
            n => {
                let i = rng.random_range(0..n - 1);
                (ids[i], ids[i + 1])
            }
        };
        inputs.push((ids, pair, 256 + k as u32));
    }
    Compared {
        id,
        function: "merge",
        inputs: inputs
            .into_iter()
            .map(|i| (format!("ids {}, pair {:?}, idx {}", short(&i.0), i.1, i.2), i))
            .collect(),
        otherwise: "left to right: where (ids[i], ids[i + 1]) is the pair push idx and skip both, else copy ids[i]; the last id is copied when it is not merged",
        values: |i: &Vec<u32>| flat_ids(i),
    }
    .grade(
        |(ids, pair, idx)| (bp.bpe_merge)(ids, *pair, *idx),
        |(ids, pair, idx)| (SOLUTIONS.bpe_merge)(ids, *pair, *idx),
    )
}

/// `train`: minbpe's test, a text that runs out of pairs, ties, then random
/// texts and sizes.
pub fn train(bp: &BackpropTable, id: &str, seed: u64) -> Outcome {
    let rng = &mut ChaCha8Rng::seed_from_u64(seed);
    let mut inputs: Vec<(String, usize)> = vec![
        ("aaabdaaabac".into(), 256 + 3),
        ("aaaaa".into(), 256 + 10),
        ("abcd".into(), 256 + 2),
        ("".into(), 300),
        ("hello world".into(), 256),
        ("xyzxyz yzx".into(), 256 + 4),
    ];
    for _ in 0..RANDOM_INPUTS {
        let n = rng.random_range(0..12);
        inputs.push((random_text(rng), 256 + n));
    }
    Compared {
        id,
        function: "train",
        inputs: inputs
            .into_iter()
            .map(|i| (format!("text {:?}, vocab_size {}", short(&i.0).trim_matches('"'), i.1), i))
            .collect(),
        otherwise: "vocab_size - 256 times: the most frequent pair of get_stats (the first on a tie) merged into 256 + k; stop when no pair is left",
        values: |m: &Vec<Merge>| flat_merges(m),
    }
    .grade(|(t, v)| (bp.bpe_train)(t, *v), |(t, v)| (SOLUTIONS.bpe_train)(t, *v))
}

/// `encode`: minbpe's test, rank against count, then texts encoded with
/// the merges of another text of the same letters.
pub fn encode(bp: &BackpropTable, id: &str, seed: u64) -> Outcome {
    let rng = &mut ChaCha8Rng::seed_from_u64(seed);
    let wiki = (SOLUTIONS.bpe_train)("aaabdaaabac", 259);
    // (b, c) was learned first: "abab" is more frequent, but rank decides.
    let rank_not_count = vec![((98, 99), 256), ((97, 98), 257)];
    let mut inputs: Vec<(String, Vec<Merge>)> = vec![
        ("aaabdaaabac".into(), wiki.clone()),
        ("abcab ab ab".into(), rank_not_count),
        ("".into(), wiki.clone()),
        ("hello".into(), vec![]),
        ("aaaaaaa".into(), (SOLUTIONS.bpe_train)("aaaaa", 260)),
    ];
    for _ in 0..RANDOM_INPUTS {
        let alphabet = ALPHABETS[rng.random_range(0..ALPHABETS.len())];
        let (n, m) = (rng.random_range(10..60), rng.random_range(0..40));
        let trained_on = text(rng, alphabet, n);
        let merges = (SOLUTIONS.bpe_train)(&trained_on, 256 + rng.random_range(1..16));
        inputs.push((text(rng, alphabet, m), merges));
    }
    Compared {
        id,
        function: "encode",
        inputs: inputs
            .into_iter()
            .map(|i| (format!("text {:?} with {} merges", short(&i.0).trim_matches('"'), i.1.len()), i))
            .collect(),
        otherwise: "start from the text's bytes; repeat: of the present pairs that were learned, merge the one of lowest id; stop when none was learned",
        values: |i: &Vec<u32>| flat_ids(i),
    }
    .grade(|(t, m)| (bp.bpe_encode)(t, m), |(t, m)| (SOLUTIONS.bpe_encode)(t, m))
}

/// `decode`: minbpe's test, broken UTF-8, then random ids of trained merges.
pub fn decode(bp: &BackpropTable, id: &str, seed: u64) -> Outcome {
    let rng = &mut ChaCha8Rng::seed_from_u64(seed);
    let wiki = (SOLUTIONS.bpe_train)("aaabdaaabac", 259);
    let accents = (SOLUTIONS.bpe_train)("été déjà vu, été", 270);
    let mut inputs: Vec<(Vec<u32>, Vec<Merge>)> = vec![
        (vec![258, 100, 258, 97, 99], wiki.clone()),
        (vec![], wiki.clone()),
        // The first two bytes of "€": invalid UTF-8, replaced.
        (vec![0xe2, 0x82, 97], vec![]),
        ((SOLUTIONS.bpe_encode)("été", &accents), accents.clone()),
    ];
    for _ in 0..RANDOM_INPUTS {
        let alphabet = ALPHABETS[rng.random_range(0..ALPHABETS.len())];
        let n = rng.random_range(10..60);
        let merges = (SOLUTIONS.bpe_train)(&text(rng, alphabet, n), 256 + rng.random_range(1..16));
        let vocab = 256 + merges.len() as u32;
        let len = rng.random_range(0..12);
        // Any ids: bytes on their own are often not UTF-8.
        let ids = (0..len).map(|_| rng.random_range(0..vocab)).collect();
        inputs.push((ids, merges));
    }
    Compared {
        id,
        function: "decode",
        inputs: inputs
            .into_iter()
            .map(|i| (format!("ids {} with {} merges", short(&i.0), i.1.len()), i))
            .collect(),
        otherwise: "each id's bytes (a byte, or its merge's pair's bytes, built in merge order), concatenated, then String::from_utf8_lossy: invalid UTF-8 becomes U+FFFD",
        values: |s: &String| s.bytes().map(f64::from).collect(),
    }
    .grade(|(ids, m)| (bp.bpe_decode)(ids, m), |(ids, m)| (SOLUTIONS.bpe_decode)(ids, m))
}
