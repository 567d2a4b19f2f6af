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
//!
//! The reward model's Bradley–Terry loss over pairs and its scalar head
//! read at each row's end token are graded like the other layers (see
//! [`super`]): finite differences of the loss against the learner's
//! gradients and the reference's, with the gradients handed in prefilled
//! so that `=` instead of `+=` shows.

use super::tokenizer::{Compared, short};
use crate::grade::Outcome;
use crate::grade::attempt::attempt;
use crate::grade::case::{LayerCase, Loss, dyn_, ix1, ix2, ix3, randn, three_vars};
use crate::grade::hints::Known;
use crate::grade::table::{BackpropTable, SOLUTIONS};
use crate::layers::linear::Linear;
use crate::layers::{bradley_terry, reward_head};
use ndarray::{Array1, Array2, Array3, ArrayD};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

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

pub fn bradley_terry(bp: &BackpropTable, id: &str, seed: u64) -> Outcome {
    let rng = &mut ChaCha8Rng::seed_from_u64(seed);
    let n = 6;
    let mut r_chosen: Array1<f64> = randn(n, rng) * 1.5;
    let mut r_rejected: Array1<f64> = randn(n, rng) * 1.5;
    // A pair ranked confidently right and one confidently wrong: the
    // gradient of the first is almost 0, of the second almost 1/N.
    r_chosen[0] = 9.0;
    r_rejected[0] = -8.0;
    r_chosen[1] = -7.5;
    r_rejected[1] = 8.5;
    let dloss = rng.sample(rand::distr::Uniform::new(0.5, 2.0).expect("a range"));
    let (dc0, dr0) = (randn(n, rng), randn(n, rng));

    fn run(
        bp: &BackpropTable,
        rc: &Array1<f64>,
        rr: &Array1<f64>,
        dloss: f64,
        prefill: (&Array1<f64>, &Array1<f64>),
    ) -> Vec<ArrayD<f64>> {
        let (mut dc, mut dr) = (prefill.0.clone(), prefill.1.clone());
        (bp.bradley_terry_backward)(&mut dc, &mut dr, dloss, rc, rr);
        vec![dc.into_dyn(), dr.into_dyn()]
    }
    let loss = |rc: &ArrayD<f64>, rr: &ArrayD<f64>| {
        dloss * bradley_terry::forward(&ix1(rc), &ix1(rr)).expect("as many chosen as rejected")
    };
    let (rc_d, rr_d) = (dyn_(&r_chosen), dyn_(&r_rejected));
    let vars: Vec<(String, ArrayD<f64>, Loss)> = vec![
        (
            "dr_chosen".into(),
            rc_d.clone(),
            Box::new(|v| loss(v, &rr_d)),
        ),
        (
            "dr_rejected".into(),
            rr_d.clone(),
            Box::new(|v| loss(&rc_d, v)),
        ),
    ];
    let case = LayerCase {
        known: Known::none(),
        id,
        vars,
        prefill: vec![dyn_(&dc0), dyn_(&dr0)],
        seed,
        handed: format!(
            "dr_chosen ({n},), dr_rejected ({n},), dloss {dloss:.3}, r_chosen ({n},), r_rejected ({n},)"
        ),
    };
    let prefill = (&dc0, &dr0);
    let learner = attempt(|| run(bp, &r_chosen, &r_rejected, dloss, prefill));
    case.grade(
        learner,
        run(&SOLUTIONS, &r_chosen, &r_rejected, dloss, prefill),
        vec![],
    )
}

pub fn reward_head(bp: &BackpropTable, id: &str, seed: u64) -> Outcome {
    let rng = &mut ChaCha8Rng::seed_from_u64(seed);
    let (b, t, c) = (4, 5, 3);
    let x: Array3<f64> = randn((b, t, c), rng);
    // Rows padded after their end token: only the second ends at the last
    // position, the first has its end at position 0.
    let end = vec![0, t - 1, 2, rng.random_range(1..t - 1)];
    let head = Linear::new(randn((c, 1), rng), Some(randn(1, rng))).expect("shapes fit");
    let dr: Array1<f64> = randn(b, rng);
    let (dx0, dw0, db0): (Array3<f64>, Array2<f64>, Array1<f64>) =
        (randn((b, t, c), rng), randn((c, 1), rng), randn(1, rng));

    fn run(
        bp: &BackpropTable,
        x: &Array3<f64>,
        end: &[usize],
        head: &Linear<f64>,
        dr: &Array1<f64>,
        prefill: (&Array3<f64>, &Array2<f64>, &Array1<f64>),
    ) -> Vec<ArrayD<f64>> {
        let mut dx = prefill.0.clone();
        let mut grads = head.zero_grads();
        grads.dw.assign(prefill.1);
        grads.db = Some(prefill.2.clone());
        (bp.reward_head_backward)(&mut dx, &mut grads, dr, x, end, head);
        vec![
            dx.into_dyn(),
            grads.dw.into_dyn(),
            grads.db.expect("a bias").into_dyn(),
        ]
    }
    let case = LayerCase {
        known: Known::none(),
        id,
        vars: three_vars(
            ["dx", "dw", "db"],
            [
                dyn_(&x),
                dyn_(&head.w),
                dyn_(head.b.as_ref().expect("a bias")),
            ],
            |x, w, bias| {
                let head = Linear {
                    w: ix2(w).to_owned(),
                    b: Some(ix1(bias)),
                };
                let r = reward_head::forward(&head, &ix3(x), &end).expect("shapes fit");
                (r * &dr).sum()
            },
        ),
        prefill: vec![dyn_(&dx0), dyn_(&dw0), dyn_(&db0)],
        seed,
        handed: format!(
            "dx ({b}, {t}, {c}), grads.dw ({c}, 1), grads.db (1,), dr ({b},), x ({b}, {t}, {c}), end = {end:?}, head.w ({c}, 1), head.b (1,)"
        ),
    };
    let prefill = (&dx0, &dw0, &db0);
    let learner = attempt(|| run(bp, &x, &end, &head, &dr, prefill));
    case.grade(
        learner,
        run(&SOLUTIONS, &x, &end, &head, &dr, prefill),
        vec![],
    )
}
