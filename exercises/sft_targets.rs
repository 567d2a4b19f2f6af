//! # SFT targets: the loss on the answer alone — yours to write (*State of GPT*, fine-tuning)
//!
//! Supervised fine-tuning is next-token prediction on conversations,
//! with only the answer counted. A rendered conversation is `ids` and a
//! `mask` (1 on the answer's tokens and on `<|assistant_end|>`, 0 on the
//! prompt, the special tokens before the answer and the padding), padded
//! to `T + 1` tokens. Turn it into one row of `T` inputs and `T` targets,
//! a target `-1` (ignored) wherever the token it would predict is not
//! supervised. `src/layers/sft_targets.rs` pads the rows and writes them
//! into the batch; the answer is in `solutions/sft_targets.rs`.

/// `(idx, targets)` of `ids` and `mask` (`T + 1` tokens each): `T` inputs
/// and `T` targets, `-1` where the next token is not supervised.
pub fn targets(ids: &[usize], mask: &[u8]) -> (Vec<usize>, Vec<i64>) {
    todo!("inputs ids[..T]; targets shifted by one: ids[t + 1] where mask[t + 1] == 1, else -1")
}
