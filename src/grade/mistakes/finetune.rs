//! # Known mistakes of fine-tuning (*State of GPT*)
//!
//! `exercises/sft_targets.rs` broken the way learners break it: no shift
//! at all, the mask read at the position instead of at the token
//! predicted (the off-by-one between the mask and the shifted targets),
//! the end of the answer not supervised, the prompt supervised. Graded by
//! their outputs (`src/grade/cases/finetune.rs`), like the function itself.
//! And the reward model's Bradley–Terry loss (the sign of `Δ`, `σ(Δ)` for
//! `σ(−Δ)`, the mean forgotten) and its head read at the end token (the
//! last position of the padded row read instead).

use crate::grade::mistakes::mistake::Mistake;
use crate::layers::bradley_terry::sigmoid;
use crate::layers::linear::{Linear, LinearGrads};
use crate::registry::Exercise;
use ndarray::{ArrayRef1, ArrayRef3, Zip, s};

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

/// Which of the Bradley–Terry backward's changes a mistake makes.
const BT_DELTA_FLIPPED: u8 = 0;
const BT_SIGMOID_OF_DELTA: u8 = 1;
const BT_NO_MEAN: u8 = 2;

/// The Bradley–Terry backward, `dr_c −= dloss·σ(−Δ)/N`,
/// `dr_r += dloss·σ(−Δ)/N`, with one change chosen by `BUG`.
fn bradley_terry_with<const BUG: u8>(
    dr_chosen: &mut ArrayRef1<f64>,
    dr_rejected: &mut ArrayRef1<f64>,
    dloss: f64,
    r_chosen: &ArrayRef1<f64>,
    r_rejected: &ArrayRef1<f64>,
) {
    bradley_terry_with_bug(BUG, dr_chosen, dr_rejected, dloss, r_chosen, r_rejected)
}

/// [`bradley_terry_with`]'s body, compiled once for all its mistakes, not once per
/// mistake.
#[inline(never)]
fn bradley_terry_with_bug(
    bug: u8,
    dr_chosen: &mut ArrayRef1<f64>,
    dr_rejected: &mut ArrayRef1<f64>,
    dloss: f64,
    r_chosen: &ArrayRef1<f64>,
    r_rejected: &ArrayRef1<f64>,
) {
    let n = if bug == BT_NO_MEAN {
        1.0
    } else {
        r_chosen.len() as f64
    };
    let scale = dloss / n;
    Zip::from(dr_chosen)
        .and(dr_rejected)
        .and(r_chosen)
        .and(r_rejected)
        .for_each(|dc, dr, &c, &r| {
            // Δ = r_c − r_r, or r_r − r_c when flipped: the loss of the
            // rejected answer preferred, and its gradient.
            let delta = if bug == BT_DELTA_FLIPPED {
                r - c
            } else {
                c - r
            };
            let s = if bug == BT_SIGMOID_OF_DELTA {
                sigmoid(delta)
            } else {
                sigmoid(-delta)
            };
            let sign = if bug == BT_DELTA_FLIPPED { -1.0 } else { 1.0 };
            *dc -= sign * scale * s;
            *dr += sign * scale * s;
        });
}

/// The reward head's backward read at the last position of each padded
/// row, `T − 1`, instead of its end token.
fn reward_head_at_last_position(
    dx: &mut ArrayRef3<f64>,
    grads: &mut LinearGrads<f64>,
    dr: &ArrayRef1<f64>,
    x: &ArrayRef3<f64>,
    end: &[usize],
    head: &Linear<f64>,
) {
    let last = x.dim().1 - 1;
    let w = head.w.column(0);
    for (row, &d) in (0..end.len()).zip(dr) {
        Zip::from(dx.slice_mut(s![row, last, ..]))
            .and(&w)
            .for_each(|dx, &w| *dx += d * w);
        Zip::from(grads.dw.column_mut(0))
            .and(x.slice(s![row, last, ..]))
            .for_each(|dw, &x| *dw += d * x);
        if let Some(db) = &mut grads.db {
            db[0] += d;
        }
    }
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
    Mistake {
        exercise: Exercise::BradleyTerry,
        name: "sign of Δ flipped",
        explanation: "this is the gradient of −log σ(r_r − r_c), which prefers the rejected answer: Δ = r_c − r_r, so dr_chosen −= σ(−Δ)/N and dr_rejected += σ(−Δ)/N",
        patch: |t| t.bradley_terry_backward = bradley_terry_with::<BT_DELTA_FLIPPED>,
    },
    Mistake {
        exercise: Exercise::BradleyTerry,
        name: "σ(Δ) for σ(−Δ)",
        explanation: "this uses σ(Δ): d/dz log σ(z) = 1 − σ(z) = σ(−z), so a pair already ranked right pulls little; use σ(r_r − r_c)",
        patch: |t| t.bradley_terry_backward = bradley_terry_with::<BT_SIGMOID_OF_DELTA>,
    },
    Mistake {
        exercise: Exercise::BradleyTerry,
        name: "mean forgotten",
        explanation: "this is the gradient of the sum: the loss is the mean over the N pairs, so divide by N (dloss / N)",
        patch: |t| t.bradley_terry_backward = bradley_terry_with::<BT_NO_MEAN>,
    },
    Mistake {
        exercise: Exercise::RewardHead,
        name: "read at the last position",
        explanation: "this reads x[b, T − 1], the padding at the end of the row: the reward is read at the end token, so use x[b, end[b]] and send dx there",
        patch: |t| t.reward_head_backward = reward_head_at_last_position,
    },
];
