//! Grading cases of the GPT chapter's core (lecture 7): LayerNorm, ReLU,
//! GELU, the token + position embedding, the sequence cross-entropy with
//! ignored targets, the transformer block, and AdamW.
//!
//! Each layer is graded like the others (see [`super`]): the oracle
//! differentiates `Σ out ⊙ r` for a fixed random upstream gradient `r`, the
//! learner's gradients are compared with it and with the reference's, and
//! the gradients handed in are prefilled so that `=` instead of `+=` shows.
//! AdamW is an update, not a gradient: it is graded against values that can
//! be worked out by hand and against the rule as PyTorch documents it.

use ndarray::{Array1, Array2, Array3, ArrayD, Zip};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::grade::Outcome;
use crate::grade::attempt::attempt;
use crate::grade::case::{
    LayerCase, Loss, dyn_, failed, ix1, ix2, ix3, randn, three_vars, verdict,
};
use crate::grade::compare::{compare, diagnose};
use crate::grade::hints::Known;
use crate::grade::table::{BackpropTable, SOLUTIONS};
use crate::layers::adamw::AdamW;
use crate::layers::attention::CausalSelfAttention;
use crate::layers::block::{Activation, Block, BlockGrads, FeedForward};
use crate::layers::layernorm::LayerNorm;
use crate::layers::linear::Linear;
use crate::layers::params::NamedParams;
use crate::layers::position_embedding::PositionEmbedding;
use crate::layers::sequence_cross_entropy::{self, IGNORE};
use crate::layers::{gelu, relu};

pub fn layernorm(bp: &BackpropTable, id: &str, seed: u64) -> Outcome {
    let rng = &mut ChaCha8Rng::seed_from_u64(seed);
    let (n, c) = (6, 5);
    // Rows of different offsets and scales: the statistics are per row.
    let x = randn((n, c), rng) * Array2::from_shape_fn((n, 1), |(i, _)| 0.5 + i as f64 * 0.4)
        + Array2::from_shape_fn((n, 1), |(i, _)| i as f64 - 2.0);
    let mut layer = LayerNorm::<f64>::new(c);
    layer.weight = randn(c, rng) * 0.3 + 1.0;
    layer.bias = randn(c, rng) * 0.3;
    let dout = randn((n, c), rng);
    let (dx0, dw0, db0) = (randn((n, c), rng), randn(c, rng), randn(c, rng));

    fn run(
        bp: &BackpropTable,
        x: &Array2<f64>,
        layer: &LayerNorm<f64>,
        dout: &Array2<f64>,
        prefill: (&Array2<f64>, &Array1<f64>, &Array1<f64>),
    ) -> Vec<ArrayD<f64>> {
        let (_, cache) = layer.forward(x).expect("shapes fit");
        let mut dx = prefill.0.clone();
        let mut grads = layer.zero_grads();
        grads.dweight.assign(prefill.1);
        grads.dbias.assign(prefill.2);
        (bp.layernorm_backward)(&mut dx, &mut grads, dout, &cache, layer);
        vec![
            dx.into_dyn(),
            grads.dweight.into_dyn(),
            grads.dbias.into_dyn(),
        ]
    }
    let case = LayerCase {
        known: Known::none(),
        id,
        vars: three_vars(
            ["dx", "dweight", "dbias"],
            [dyn_(&x), dyn_(&layer.weight), dyn_(&layer.bias)],
            |x, w, b| {
                let ln = LayerNorm {
                    weight: ix1(w),
                    bias: ix1(b),
                };
                (ln.forward(&ix2(x)).expect("shapes fit").0 * &dout).sum()
            },
        ),
        prefill: vec![dyn_(&dx0), dyn_(&dw0), dyn_(&db0)],
        seed,
        handed: "dx (6, 5), dweight (5,), dbias (5,), dout (6, 5), cache.xhat (6, 5), cache.rstd (6,), weight (5,)".into(),
    };
    let prefill = (&dx0, &dw0, &db0);
    let learner = attempt(|| run(bp, &x, &layer, &dout, prefill));
    case.grade(learner, run(&SOLUTIONS, &x, &layer, &dout, prefill), vec![])
}

/// An activation's backward pass, handed `(dx, dout, x, out)`: ReLU uses
/// the output, GELU the input.
type ActivationBackward<'a> =
    &'a dyn Fn(&mut Array2<f64>, &Array2<f64>, &Array2<f64>, &Array2<f64>);

/// An element-wise activation's `dx` at `x`: the learner's `backward`
/// against the reference's and finite differences of `forward`.
fn grade_activation(
    id: &str,
    x: Array2<f64>,
    seed: u64,
    forward: fn(&ArrayD<f64>) -> ArrayD<f64>,
    backward: ActivationBackward<'_>,
    backward_ref: ActivationBackward<'_>,
    handed: &str,
) -> Outcome {
    let rng = &mut ChaCha8Rng::seed_from_u64(seed ^ 0xac7);
    let dout = randn(x.raw_dim(), rng);
    let dx0 = randn(x.raw_dim(), rng);
    let run = |backward: ActivationBackward<'_>| {
        let mut dx = dx0.clone();
        backward(
            &mut dx,
            &dout,
            &x,
            &forward(&dyn_(&x)).into_dimensionality().expect("2-D"),
        );
        vec![dx.into_dyn()]
    };
    let loss = |v: &ArrayD<f64>| (forward(v) * &dout.view().into_dyn()).sum();
    let case = LayerCase {
        known: Known::none(),
        id,
        vars: vec![("dx".into(), dyn_(&x), Box::new(loss))],
        prefill: vec![dyn_(&dx0)],
        seed,
        handed: handed.into(),
    };
    let learner = attempt(|| run(backward));
    case.grade(learner, run(backward_ref), vec![])
}

pub fn relu(bp: &BackpropTable, id: &str, seed: u64) -> Outcome {
    let rng = &mut ChaCha8Rng::seed_from_u64(seed);
    // Both sides of the kink, never at it: finite differences need |x| > h.
    let z: Array2<f64> = randn((4, 5), rng);
    let x = Array2::from_shape_fn((4, 5), |(i, j)| {
        (0.2 + z[[i, j]].abs()) * if (i + j) % 2 == 0 { 1.0 } else { -1.0 }
    });
    grade_activation(
        id,
        x,
        seed,
        |x| relu::forward(x),
        &|dx, dout, _x, out| (bp.relu_backward)(dx, dout, out),
        &|dx, dout, _x, out| (SOLUTIONS.relu_backward)(dx, dout, out),
        "dx (4, 5), dout (4, 5), out (4, 5)",
    )
}

pub fn gelu(bp: &BackpropTable, id: &str, seed: u64) -> Outcome {
    let rng = &mut ChaCha8Rng::seed_from_u64(seed);
    let x = randn((4, 5), rng) * 2.0;
    grade_activation(
        id,
        x,
        seed,
        |x| gelu::forward(x),
        &|dx, dout, x, _out| (bp.gelu_backward)(dx, dout, x),
        &|dx, dout, x, _out| (SOLUTIONS.gelu_backward)(dx, dout, x),
        "dx (4, 5), dout (4, 5), x (4, 5)",
    )
}

pub fn position_embedding(bp: &BackpropTable, id: &str, seed: u64) -> Outcome {
    let rng = &mut ChaCha8Rng::seed_from_u64(seed);
    // A context of 4 in a block of 5: the last row of wpe is not used.
    let (vocab, block, c, b, t) = (6, 5, 3, 4, 4);
    let wte = randn((vocab, c), rng);
    let wpe = randn((block, c), rng);
    // Token 0 again and again, as the padding of makemore's names.
    let idx = Array2::from_shape_fn((b, t), |(i, j)| {
        if j < 2 - i.min(2) {
            0
        } else {
            rng.random_range(0..vocab)
        }
    });
    let dout = randn((b, t, c), rng);
    let (dwte0, dwpe0) = (randn((vocab, c), rng), randn((block, c), rng));

    fn run(
        bp: &BackpropTable,
        idx: &Array2<usize>,
        dout: &Array3<f64>,
        prefill: (&Array2<f64>, &Array2<f64>),
    ) -> Vec<ArrayD<f64>> {
        let mut grads = crate::layers::position_embedding::PositionEmbeddingGrads {
            dwte: prefill.0.clone(),
            dwpe: prefill.1.clone(),
        };
        (bp.position_embedding_backward)(&mut grads, dout, idx);
        vec![grads.dwte.into_dyn(), grads.dwpe.into_dyn()]
    }
    let loss = |wte: &ArrayD<f64>, wpe: &ArrayD<f64>| {
        let layer =
            PositionEmbedding::new(ix2(wte).to_owned(), ix2(wpe).to_owned()).expect("widths match");
        (layer.forward(&idx).expect("indices fit") * &dout).sum()
    };
    let (wte_d, wpe_d) = (dyn_(&wte), dyn_(&wpe));
    let vars: Vec<(String, ArrayD<f64>, Loss)> = vec![
        ("dwte".into(), wte_d.clone(), Box::new(|v| loss(v, &wpe_d))),
        ("dwpe".into(), wpe_d.clone(), Box::new(|v| loss(&wte_d, v))),
    ];
    let case = LayerCase {
        known: Known::none(),
        id,
        vars,
        prefill: vec![dyn_(&dwte0), dyn_(&dwpe0)],
        seed,
        handed: format!(
            "dwte ({vocab}, {c}), dwpe ({block}, {c}), dout ({b}, {t}, {c}), idx ({b}, {t}) = {:?}",
            idx.as_slice().expect("standard layout")
        ),
    };
    let prefill = (&dwte0, &dwpe0);
    let learner = attempt(|| run(bp, &idx, &dout, prefill));
    case.grade(learner, run(&SOLUTIONS, &idx, &dout, prefill), vec![])
}

pub fn cross_entropy(bp: &BackpropTable, id: &str, seed: u64) -> Outcome {
    let rng = &mut ChaCha8Rng::seed_from_u64(seed);
    let (b, t, v) = (3, 4, 5);
    let logits = randn((b, t, v), rng) * 3.0;
    // makemore's padding: each row ends in ignored targets, row i after 4 - i positions.
    let targets = Array2::from_shape_fn((b, t), |(i, j)| {
        if j >= t - i {
            IGNORE
        } else {
            rng.random_range(0..v as i64)
        }
    });
    let dloss = rng.sample(rand::distr::Uniform::new(0.5, 2.0).expect("a range"));
    let dlogits0 = randn((b, t, v), rng);

    fn run(
        bp: &BackpropTable,
        logits: &Array3<f64>,
        targets: &Array2<i64>,
        dloss: f64,
        dlogits0: &Array3<f64>,
    ) -> Vec<ArrayD<f64>> {
        let (_, cache) = sequence_cross_entropy::forward(logits, targets).expect("targets fit");
        let mut dlogits = dlogits0.clone();
        (bp.sequence_cross_entropy_backward)(&mut dlogits, dloss, &cache, targets);
        vec![dlogits.into_dyn()]
    }
    let loss = |l: &ArrayD<f64>| {
        dloss
            * sequence_cross_entropy::forward(&ix3(l), &targets)
                .expect("targets fit")
                .0
    };
    let case = LayerCase {
        known: Known::none(),
        id,
        vars: vec![("dlogits".into(), dyn_(&logits), Box::new(loss))],
        prefill: vec![dyn_(&dlogits0)],
        seed,
        handed: format!(
            "dlogits ({b}, {t}, {v}), dloss {dloss:.3}, cache.probs ({b}, {t}, {v}), targets ({b}, {t}) = {:?}",
            targets.as_slice().expect("standard layout")
        ),
    };
    let learner = attempt(|| run(bp, &logits, &targets, dloss, &dlogits0));
    case.grade(
        learner,
        run(&SOLUTIONS, &logits, &targets, dloss, &dlogits0),
        vec![],
    )
}

/// The two blocks the block exercise is graded on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BlockKind {
    /// makemore's: pre-norm LayerNorms, attention with a biased `c_attn` and
    /// `c_proj`, a GELU MLP of width 4C with `c_proj`, residual connections.
    Makemore,
    /// The lecture's "stacked blocks" step: no LayerNorm, no residual, heads
    /// without bias or projection, a `Linear(C, C)` + ReLU.
    Plain,
}

/// A small block (`C = 4`, 2 heads) with random parameters, its input
/// `x (2, 3, 4)` and an upstream gradient.
pub fn small_block(seed: u64, kind: BlockKind) -> (Block<f64>, Array3<f64>, Array3<f64>) {
    let rng = &mut ChaCha8Rng::seed_from_u64(seed);
    let (b, t, c, nh) = (2, 3, 4, 2);
    let full = kind == BlockKind::Makemore;
    let mut linear = |i: usize, o: usize, bias: bool| {
        let w = randn((i, o), rng) * (1.0 / (i as f64).sqrt());
        let b = bias.then(|| randn(o, rng) * 0.3);
        Linear::new(w, b).expect("shapes fit")
    };
    let c_attn = linear(c, 3 * c, full);
    let c_proj = full.then(|| linear(c, c, true));
    let hidden = if full { 4 * c } else { c };
    let mlp = FeedForward {
        c_fc: linear(c, hidden, true),
        act: if full {
            Activation::Gelu
        } else {
            Activation::Relu
        },
        c_proj: full.then(|| linear(hidden, c, true)),
    };
    let mut norm = || {
        let mut ln = LayerNorm::new(c);
        ln.weight = randn(c, rng) * 0.3 + 1.0;
        ln.bias = randn(c, rng) * 0.3;
        ln
    };
    let (ln_1, ln_2) = if full {
        (Some(norm()), Some(norm()))
    } else {
        (None, None)
    };
    let attn = CausalSelfAttention::new(c_attn, c_proj, nh).expect("C is a multiple of n_head");
    let block = Block::new(ln_1, attn, ln_2, Some(mlp), full).expect("widths fit");
    let x = randn((b, t, c), rng);
    let dout = randn((b, t, c), rng);
    (block, x, dout)
}

pub fn block(bp: &BackpropTable, id: &str, seed: u64) -> Outcome {
    let cases = [BlockKind::Makemore, BlockKind::Plain].map(|kind| {
        let (block, x, dout) = small_block(seed, kind);
        let rng = &mut ChaCha8Rng::seed_from_u64(seed ^ 0xb10c);
        let dx0 = randn(x.raw_dim(), rng);
        let mut grads0 = block.zero_grads();
        for (_, mut g) in block.named_grads_mut(&mut grads0) {
            let r = randn(g.raw_dim(), rng);
            g.assign(&r);
        }
        (kind, block, x, dout, dx0, grads0)
    });

    type Case = (
        BlockKind,
        Block<f64>,
        Array3<f64>,
        Array3<f64>,
        Array3<f64>,
        BlockGrads<f64>,
    );
    fn run(bp: &BackpropTable, cases: &[Case]) -> Vec<ArrayD<f64>> {
        let mut out = vec![];
        for (_, block, x, dout, dx0, grads0) in cases {
            let (_, mut cache) = block.forward(x).expect("shapes fit");
            let mut dx = dx0.clone();
            let mut grads = grads0.clone();
            (bp.block_backward)(&mut dx, &mut grads, dout, x, &mut cache, block);
            out.push(dx.into_dyn());
            out.extend(
                block
                    .named_grads(&grads)
                    .into_iter()
                    .map(|(_, g)| g.to_owned()),
            );
        }
        out
    }
    let mut vars: Vec<(String, ArrayD<f64>, Loss)> = vec![];
    let mut prefill = vec![];
    for (kind, block, x, dout, dx0, grads0) in &cases {
        let suffix = match kind {
            BlockKind::Makemore => "",
            BlockKind::Plain => " (no residual)",
        };
        let dout = dout.clone();
        let loss_x = {
            let (block, dout) = (block.clone(), dout.clone());
            move |v: &ArrayD<f64>| (block.forward(&ix3(v)).expect("shapes fit").0 * &dout).sum()
        };
        vars.push((format!("dx{suffix}"), dyn_(x), Box::new(loss_x)));
        prefill.push(dyn_(dx0));
        for (k, (name, p)) in block.named_params().into_iter().enumerate() {
            let (block, x, dout) = (block.clone(), x.clone(), dout.clone());
            let loss = move |v: &ArrayD<f64>| {
                let mut b = block.clone();
                b.named_params_mut()[k].1.assign(v);
                (b.forward(&x).expect("shapes fit").0 * &dout).sum()
            };
            vars.push((format!("d{name}{suffix}"), p.to_owned(), Box::new(loss)));
        }
        prefill.extend(
            block
                .named_grads(grads0)
                .into_iter()
                .map(|(_, g)| g.to_owned()),
        );
    }
    let case = LayerCase {
        known: Known::none(),
        id,
        vars,
        prefill,
        seed,
        handed: "a makemore block (LayerNorms, attention with c_proj, GELU MLP 4C, residual) and a plain one (no LayerNorm, no residual, Linear(C, C) + ReLU), x and dout (2, 3, 4), 2 heads; the layers' backward passes are the reference's".into(),
    };
    let learner = attempt(|| run(bp, &cases));
    case.grade(learner, run(&SOLUTIONS, &cases), vec![])
}

/// The hyperparameters AdamW is graded with: PyTorch's betas (with which a
/// missing bias correction changes even the first step) and a weight decay
/// large enough to see.
pub const ADAMW_GRADED: AdamW = AdamW {
    lr: 0.05,
    beta1: 0.9,
    beta2: 0.999,
    eps: 1e-8,
    weight_decay: 0.1,
};

/// AdamW as PyTorch documents it, one number at a time: step `t` of `p`
/// with moments `m`, `v` and gradient `g`. The grader's own statement of
/// the rule, independent of `solutions/adamw.rs`.
pub fn adamw_rule(p: &mut f64, m: &mut f64, v: &mut f64, g: f64, t: usize, h: &AdamW) {
    *p -= h.lr * h.weight_decay * *p;
    *m = h.beta1 * *m + (1.0 - h.beta1) * g;
    *v = h.beta2 * *v + (1.0 - h.beta2) * g * g;
    let m_hat = *m / (1.0 - h.beta1.powi(t as i32));
    let v_hat = *v / (1.0 - h.beta2.powi(t as i32));
    *p -= h.lr * m_hat / (v_hat.sqrt() + h.eps);
}

/// Three steps of AdamW from zero moments on `p (4, 3)`, with a new
/// gradient each step, graded twice: the first step against its closed
/// form `p·(1 - lr·λ) - lr·g/(|g| + ε)` (a move of `lr·sign(g)` plus the
/// decay), then `m`, `v` and `p` after three steps against [`adamw_rule`].
pub fn adamw(bp: &BackpropTable, id: &str, seed: u64) -> Outcome {
    let rng = &mut ChaCha8Rng::seed_from_u64(seed);
    let h = ADAMW_GRADED;
    let p0 = randn((4, 3), rng);
    // Gradients of very different scales: Adam's step does not care.
    let scales = Array2::from_shape_fn((4, 3), |(i, j)| 10f64.powi(i as i32 - 2 + j as i32 % 2));
    let gs: Vec<Array2<f64>> = (0..3).map(|_| randn((4, 3), rng) * &scales).collect();

    type Update<'a> =
        &'a dyn Fn(&mut Array2<f64>, &mut Array2<f64>, &mut Array2<f64>, &Array2<f64>, usize);
    let run = |update: Update<'_>| {
        let (mut p, mut m, mut v) = (p0.clone(), Array2::zeros((4, 3)), Array2::zeros((4, 3)));
        let mut after_first = None;
        for (t, g) in gs.iter().enumerate() {
            update(&mut p, &mut m, &mut v, g, t + 1);
            after_first.get_or_insert_with(|| p.clone());
        }
        (after_first.expect("three steps"), m, v, p)
    };
    let learner = attempt(|| run(&|p, m, v, g, t| (bp.adamw_update)(p, m, v, g, t, &ADAMW_GRADED)));
    let (first, m, v, p) = match learner {
        Ok(out) => out,
        Err(message) => {
            return failed(
                id,
                message,
                "param, m, v, grad (4, 3), t = 1, 2, 3, hyper { lr 0.05, betas (0.9, 0.999), eps 1e-8, weight_decay 0.1 }",
            );
        }
    };
    // By hand: step 1 from m = v = 0 has m̂ = g, v̂ = g².
    let mut by_hand = p0.clone();
    Zip::from(&mut by_hand)
        .and(&gs[0])
        .for_each(|p, &g| *p = *p * (1.0 - h.lr * h.weight_decay) - h.lr * g / (g.abs() + h.eps));
    // By the documented rule, one number at a time.
    let (mut rp, mut rm, mut rv) = (p0.clone(), Array2::zeros((4, 3)), Array2::zeros((4, 3)));
    for (t, g) in gs.iter().enumerate() {
        Zip::from(&mut rp)
            .and(&mut rm)
            .and(&mut rv)
            .and(g)
            .for_each(|p, m, v, &g| adamw_rule(p, m, v, g, t + 1, &h));
    }
    let rows = [
        (format!("{id} p after step 1 (by hand)"), first, by_hand),
        (format!("{id} m after step 3"), m, rm),
        (format!("{id} v after step 3"), v, rv),
        (format!("{id} p after step 3"), p, rp),
    ];
    let mut graded = vec![];
    let mut messages = vec![];
    for (name, learner, reference) in rows {
        let row = compare(&name, &learner, &reference, None);
        if !row.ok() {
            messages.push(diagnose(&row, &learner, &reference, &Known::none()));
        }
        graded.push(row);
    }
    verdict(graded, messages)
}
