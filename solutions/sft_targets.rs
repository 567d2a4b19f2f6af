//! # SFT targets: the loss on the answer alone — solution (*State of GPT*, fine-tuning)
//!
//! **The shift.** A GPT's output at position `t` predicts the token at
//! `t + 1`: inputs are `ids[0..T]`, targets `ids[1..T + 1]`, as in
//! pretraining (lecture 7's `x = data[i:i+T]`, `y = data[i+1:i+T+1]`).
//!
//! **The mask goes with the token predicted, not with the position.**
//! `mask[j] = 1` says that token `j` is the answer's: the model should
//! learn to *produce* it. It is produced at position `j − 1`, so target
//! `t` counts when `mask[t + 1] = 1`:
//!
//! ```text
//! targets[t] = ids[t + 1]   if mask[t + 1] = 1
//!            = -1           otherwise (ignored)
//! ```
//!
//! Consequences, each a classic bug when missed:
//!
//! - the position of `<|assistant_start|>`, the one *before* the answer,
//!   predicts the answer's first token (with the mask unshifted it would
//!   not, and the answer's last token would predict the padding);
//! - the last answer token predicts `<|assistant_end|>`, masked 1: the
//!   model learns to stop (without it, it never ends an answer);
//! - the prompt is 0, so its tokens are never targets: the model is
//!   taught to answer, not to write the user's turns;
//! - padding is 0, so it is ignored, and an empty answer supervises
//!   `<|assistant_end|>` alone.
//!
//! The cross-entropy over the row (`sequence_cross_entropy`) then averages
//! over the counted targets only: `n` is the number of answer tokens plus
//! one per conversation, whatever the padding.

/// `(idx, targets)` of `ids` and `mask` (`T + 1` tokens each): `T` inputs
/// and `T` targets, `-1` where the next token is not supervised.
pub fn targets(ids: &[usize], mask: &[u8]) -> (Vec<usize>, Vec<i64>) {
    let t = ids.len().saturating_sub(1);
    let idx = ids[..t].to_vec();
    let targets = (0..t)
        .map(|i| {
            if mask[i + 1] == 1 {
                ids[i + 1] as i64
            } else {
                -1
            }
        })
        .collect();
    (idx, targets)
}
