//! # Grading cases: fine-tuning (*State of GPT*)
//!
//! `exercises/sft_targets.rs` builds a conversation's row: nothing here has
//! a gradient, so, like the tokenizer's functions, it is graded by its
//! outputs, compared with the reference's (`solutions/sft_targets.rs`) on
//! named cases (a normal conversation, an empty answer, padding, a
//! conversation that exactly fills the block, a row of padding alone,
//! whose every target is ignored) and on conversations drawn from the
//! seed. A wrong answer's message names the case, the first differing
//! position and the known mistake its output matches.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::tokenizer::{Compared, short};
use crate::grade::Outcome;
use crate::grade::table::{BackpropTable, SOLUTIONS};

/// Conversations drawn per grade, beside the named ones.
const RANDOM_INPUTS: usize = 20;

/// The ids of the special tokens in the cases: a small vocabulary of 20
/// text tokens, then `<|user_start|>` … `<|assistant_end|>`.
const US: usize = 20;
const UE: usize = 21;
const AS: usize = 22;
const AE: usize = 23;

/// A conversation's ids and mask.
type Conv = (Vec<usize>, Vec<u8>);

/// A conversation of `prompt` and `answer` (text ids), as `(ids, mask)`
/// padded with 0 to `len` tokens.
fn conversation(prompt: &[usize], answer: &[usize], len: usize) -> Conv {
    let mut ids = vec![US];
    ids.extend(prompt);
    ids.extend([UE, AS]);
    let mut mask = vec![0; ids.len()];
    ids.extend(answer);
    ids.push(AE);
    mask.resize(ids.len(), 1);
    assert!(ids.len() <= len, "a case's conversation fits its row");
    ids.resize(len, 0);
    mask.resize(len, 0);
    (ids, mask)
}

/// The named cases, then random conversations.
fn inputs(seed: u64) -> Vec<(String, Conv)> {
    let full = conversation(&[3, 4], &[7, 8, 9], 9);
    let mut named = vec![
        ("a conversation", conversation(&[3, 4, 5], &[7, 8], 12)),
        ("an empty answer", conversation(&[3, 4, 5], &[], 10)),
        (
            "padding after the answer",
            conversation(&[6], &[7, 7, 1], 16),
        ),
        ("a conversation that exactly fills the block", full.clone()),
        (
            "a row of padding alone (every target ignored)",
            (vec![0; 8], vec![0; 8]),
        ),
    ];
    assert_eq!(full.1.last(), Some(&1), "fills the block: no padding");
    let rng = &mut ChaCha8Rng::seed_from_u64(seed);
    let mut random = vec![];
    for _ in 0..RANDOM_INPUTS {
        let prompt: Vec<usize> = (0..rng.random_range(0..6))
            .map(|_| rng.random_range(0..US))
            .collect();
        let answer: Vec<usize> = (0..rng.random_range(0..6))
            .map(|_| rng.random_range(0..US))
            .collect();
        let len = prompt.len() + answer.len() + 4 + rng.random_range(0..4);
        random.push(conversation(&prompt, &answer, len));
    }
    named
        .drain(..)
        .map(|(label, input)| (label.to_string(), input))
        .chain(random.into_iter().map(|input| {
            (
                format!("ids {} mask {}", short(&input.0), short(&input.1)),
                input,
            )
        }))
        .collect()
}

/// Inputs, then targets, as numbers.
fn flat(row: &(Vec<usize>, Vec<i64>)) -> Vec<f64> {
    row.0
        .iter()
        .map(|&i| i as f64)
        .chain(row.1.iter().map(|&y| y as f64))
        .collect()
}

/// `sft_targets`: named conversations, then random ones.
pub fn sft_targets(bp: &BackpropTable, id: &str, seed: u64) -> Outcome {
    Compared {
        id,
        function: "sft_targets",
        inputs: inputs(seed),
        otherwise: "inputs ids[..T]; target t is ids[t + 1] where mask[t + 1] == 1 (the token predicted is the answer's), else -1",
        values: flat,
    }
    .grade(
        |(ids, mask)| (bp.sft_targets)(ids, mask),
        |(ids, mask)| (SOLUTIONS.sft_targets)(ids, mask),
    )
}
