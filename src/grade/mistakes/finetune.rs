//! # Known mistakes of fine-tuning (*State of GPT*)
//!
//! `exercises/sft_targets.rs` broken the way learners break it: no shift
//! at all, the mask read at the position instead of at the token
//! predicted (the off-by-one between the mask and the shifted targets),
//! the end of the answer not supervised, the prompt supervised. Graded by
//! their outputs (`src/grade/cases/finetune.rs`), like the function itself.

use crate::grade::mistakes::mistake::Mistake;
use crate::registry::Exercise;

/// The number of inputs: `T + 1` tokens make `T`.
fn block(ids: &[usize]) -> usize {
    ids.len().saturating_sub(1)
}

/// No shift: each position's target is its own token.
fn no_shift(ids: &[usize], mask: &[u8]) -> (Vec<usize>, Vec<i64>) {
    let t = block(ids);
    let y = (0..t)
        .map(|i| if mask[i] == 1 { ids[i] as i64 } else { -1 })
        .collect();
    (ids[..t].to_vec(), y)
}

/// The targets shifted, the mask not: target `t` counts when `mask[t]` is 1.
fn mask_not_shifted(ids: &[usize], mask: &[u8]) -> (Vec<usize>, Vec<i64>) {
    let t = block(ids);
    let y = (0..t)
        .map(|i| if mask[i] == 1 { ids[i + 1] as i64 } else { -1 })
        .collect();
    (ids[..t].to_vec(), y)
}

/// The last supervised token of each answer, `<|assistant_end|>`, left out.
fn end_not_supervised(ids: &[usize], mask: &[u8]) -> (Vec<usize>, Vec<i64>) {
    let t = block(ids);
    let y = (0..t)
        .map(|i| {
            let next_is_answer = mask.get(i + 2) == Some(&1);
            if mask[i + 1] == 1 && next_is_answer {
                ids[i + 1] as i64
            } else {
                -1
            }
        })
        .collect();
    (ids[..t].to_vec(), y)
}

/// Every token up to the end of the answer a target, the prompt's too:
/// only the padding after it ignored.
fn prompt_supervised(ids: &[usize], mask: &[u8]) -> (Vec<usize>, Vec<i64>) {
    let t = block(ids);
    let end = mask.iter().rposition(|&m| m == 1);
    let y = (0..t)
        .map(|i| match end {
            Some(end) if i < end => ids[i + 1] as i64,
            _ => -1,
        })
        .collect();
    (ids[..t].to_vec(), y)
}

pub const MISTAKES: &[Mistake] = &[
    Mistake {
        exercise: Exercise::SftTargets,
        name: "no shift",
        explanation: "no shift: position t predicts the *next* token, so target t is ids[t + 1] (where mask[t + 1] == 1), not ids[t]",
        patch: |t| t.sft_targets = no_shift,
    },
    Mistake {
        exercise: Exercise::SftTargets,
        name: "mask not shifted",
        explanation: "the mask goes with the token predicted: target t counts when mask[t + 1] == 1, not mask[t]; the position before the answer must predict its first token",
        patch: |t| t.sft_targets = mask_not_shifted,
    },
    Mistake {
        exercise: Exercise::SftTargets,
        name: "end not supervised",
        explanation: "the end token is supervised: the last answer token predicts <|assistant_end|> (its mask is 1), or the model never learns to stop",
        patch: |t| t.sft_targets = end_not_supervised,
    },
    Mistake {
        exercise: Exercise::SftTargets,
        name: "prompt supervised",
        explanation: "only the answer counts: a target whose token has mask 0 (the prompt, the special tokens before the answer) is -1",
        patch: |t| t.sft_targets = prompt_supervised,
    },
];
