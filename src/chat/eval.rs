//! # Answers and the tasks' accuracy (*State of GPT*, evaluation)
//!
//! The model answers each prompt greedily (the most likely token each
//! time, so an evaluation is a number, not a draw), from
//! `<|user_start|> prompt <|user_end|> <|assistant_start|>` until it
//! writes `<|assistant_end|>` or runs out of block; the task's checker
//! decides (an answer that never writes `<|assistant_end|>` is wrong).
//! Prompts are answered a batch of rows at a time, each row's
//! answer read at its own last position (attention is causal: what
//! follows a row's context does not change it).

use ndarray::Axis;

use super::format::ChatFormat;
use super::tasks::Ask;
use crate::error::{Error, Result};
use crate::models::gpt::Gpt;

/// Prompts answered together.
pub const BATCH: usize = 64;

/// One prompt's answer: its text, and whether `<|assistant_end|>` ended it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer {
    pub text: String,
    pub ended: bool,
}

/// The greedy answers of `model` to `prompts` in the chat `format`; an
/// error if a prompt does not leave room for an answer in the block.
pub fn answer(model: &Gpt<f32>, format: &ChatFormat, prompts: &[String]) -> Result<Vec<Answer>> {
    let block = model.config.block_size;
    let mut out = Vec::with_capacity(prompts.len());
    for chunk in prompts.chunks(BATCH) {
        let mut contexts: Vec<Vec<usize>> = chunk
            .iter()
            .map(|p| format.render_prompt(p))
            .collect::<Result<_>>()?;
        if let Some((p, c)) = chunk.iter().zip(&contexts).find(|(_, c)| c.len() >= block) {
            return Err(Error::Input {
                layer: "chat",
                detail: format!(
                    "the prompt {p:?} is {} tokens with its special tokens: the block of {block} leaves no room for an answer",
                    c.len()
                ),
            });
        }
        let starts: Vec<usize> = contexts.iter().map(Vec::len).collect();
        let mut done = vec![false; chunk.len()];
        let mut ws = model.workspace(chunk.len(), block)?;
        while done.iter().any(|d| !d) {
            ws.idx.fill(0);
            for (mut row, c) in ws.idx.axis_iter_mut(Axis(0)).zip(&contexts) {
                for (slot, &t) in row.iter_mut().zip(c) {
                    *slot = t;
                }
            }
            model.forward_logits(&mut ws)?;
            for (r, c) in contexts.iter_mut().enumerate() {
                if done[r] {
                    continue;
                }
                let logits = ws.logits.slice(ndarray::s![r, c.len() - 1, ..]);
                let next = logits
                    .iter()
                    .enumerate()
                    .fold((0, f32::NEG_INFINITY), |best, (i, &l)| {
                        if l > best.1 { (i, l) } else { best }
                    })
                    .0;
                c.push(next);
                done[r] = next == format.assistant_end() || c.len() > block;
            }
        }
        for (c, &s) in contexts.iter().zip(&starts) {
            let (text, ended) = format.decode_answer(&c[s..])?;
            out.push(Answer { text, ended });
        }
    }
    Ok(out)
}

/// The share of `asks` that `model` answers right.
pub fn accuracy(model: &Gpt<f32>, format: &ChatFormat, asks: &[Ask]) -> Result<f64> {
    if asks.is_empty() {
        return Err(Error::Config("no prompts to evaluate".into()));
    }
    let prompts: Vec<String> = asks.iter().map(Ask::prompt).collect();
    let answers = answer(model, format, &prompts)?;
    let right = asks
        .iter()
        .zip(&answers)
        .filter(|(a, ans)| ans.ended && a.check(&ans.text))
        .count();
    Ok(right as f64 / asks.len() as f64)
}
