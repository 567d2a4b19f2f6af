//! # Known mistakes of fine-tuning (State of GPT)
//!
//! The reward model's Bradley–Terry loss (the sign of `Δ`, `σ(Δ)` for
//! `σ(−Δ)`, the mean forgotten) and its head read at the end token (the
//! last position of the padded row read instead).

use ndarray::{ArrayRef1, ArrayRef3, Zip, s};

use crate::grade::mistakes::mistake::Mistake;
use crate::layers::bradley_terry::sigmoid;
use crate::layers::linear::{Linear, LinearGrads};
use crate::registry::Exercise;

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
    let n = if BUG == BT_NO_MEAN {
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
            let delta = if BUG == BT_DELTA_FLIPPED {
                r - c
            } else {
                c - r
            };
            let s = if BUG == BT_SIGMOID_OF_DELTA {
                sigmoid(delta)
            } else {
                sigmoid(-delta)
            };
            let sign = if BUG == BT_DELTA_FLIPPED { -1.0 } else { 1.0 };
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
