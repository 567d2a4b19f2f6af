//! # Grading the attention exercises of lecture 7, "Let's build GPT"
//!
//! `gpt::weighted_average`, `gpt::softmax`, the head's steps `gpt::head::dv`
//! … `gpt::head::dx`, and `gpt::attention`, each on fixed small inputs:
//! every gradient against finite differences of `L = Σ out ⊙ r` for a random
//! upstream `r`, and against the reference. Gradients of causal matrices
//! (`dwei`, `dscores`, `datt`) get one more row that checks, entry by entry,
//! that nothing flows to the future; the multi-head layer gets one that
//! checks that a position's gradient reaches only the positions it read.

use ndarray::{Array3, ArrayD, ArrayViewMutD};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::backprop::Backprop;
use crate::grade::attempt::attempt;
use crate::grade::case::{LayerCase, Loss, dyn_, failed, ix3, randn, verdict};
use crate::grade::compare::{compare, diagnose};
use crate::grade::hints::Known;
use crate::grade::oracle::{self, Config};
use crate::grade::table::{BackpropTable, SOLUTIONS};
use crate::grade::{Outcome, Row};
use crate::layers::attention::{AttentionGrads, CausalSelfAttention};
use crate::layers::head::{HeadForward, HeadVar};
use crate::layers::linear::Linear;
use crate::layers::{softmax, weighted_average};

/// The gradients of `L = Σ out ⊙ dout` with respect to each variable.
#[derive(Clone, Debug, PartialEq)]
pub struct HeadGrads {
    /// The upstream gradient, `(B, T, hs)`.
    pub dout: Array3<f64>,
    pub dv: Array3<f64>,
    pub datt: Array3<f64>,
    pub dscores: Array3<f64>,
    pub dq: Array3<f64>,
    pub dk: Array3<f64>,
    pub dx: Array3<f64>,
}

impl HeadGrads {
    /// Zeros, with the upstream gradient `dout`.
    pub fn zeros(f: &HeadForward<f64>, dout: Array3<f64>) -> HeadGrads {
        HeadGrads {
            dout,
            dv: Array3::zeros(f.v.raw_dim()),
            datt: Array3::zeros(f.att.raw_dim()),
            dscores: Array3::zeros(f.scores.raw_dim()),
            dq: Array3::zeros(f.q.raw_dim()),
            dk: Array3::zeros(f.k.raw_dim()),
            dx: Array3::zeros(f.x.raw_dim()),
        }
    }

    pub fn get(&self, var: HeadVar) -> &Array3<f64> {
        match var {
            HeadVar::V => &self.dv,
            HeadVar::Att => &self.datt,
            HeadVar::Scores => &self.dscores,
            HeadVar::Q => &self.dq,
            HeadVar::K => &self.dk,
            HeadVar::X => &self.dx,
        }
    }

    /// Computes `var`'s gradient with the step of `bp`, from the upstream gradients
    /// already here.
    pub fn step(&mut self, bp: &BackpropTable, var: HeadVar, f: &HeadForward<f64>) {
        match var {
            HeadVar::V => self.dv = (bp.head_dv)(f, &self.dout),
            HeadVar::Att => self.datt = (bp.head_datt)(f, &self.dout),
            HeadVar::Scores => self.dscores = (bp.head_dscores)(f, &self.datt),
            HeadVar::Q => self.dq = (bp.head_dq)(f, &self.dscores),
            HeadVar::K => self.dk = (bp.head_dk)(f, &self.dscores),
            HeadVar::X => self.dx = (bp.head_dx)(f, &self.dq, &self.dk, &self.dv),
        }
    }

    /// Every step of `B`, in order, each fed by the ones before.
    pub fn chain<B: Backprop>(f: &HeadForward<f64>, dout: Array3<f64>) -> HeadGrads {
        HeadGrads::chain_with(&BackpropTable::of::<B>(), f, dout)
    }

    /// [`HeadGrads::chain`] with the steps of `bp`.
    pub fn chain_with(bp: &BackpropTable, f: &HeadForward<f64>, dout: Array3<f64>) -> HeadGrads {
        let mut g = HeadGrads::zeros(f, dout);
        for var in HeadVar::ALL {
            g.step(bp, var, f);
        }
        g
    }
}

/// The row that checks that a gradient of a causal `(N, T, T)` matrix is 0
/// above the diagonal: `why` says why it must be.
fn future_row(label: &str, name: &str, added: &ArrayD<f64>, why: &str) -> (Row, Option<String>) {
    let mut worst: Option<((usize, usize, usize), f64)> = None;
    for ((b, t, s), &v) in ix3(added).indexed_iter() {
        let leak = if v.is_nan() { f64::INFINITY } else { v.abs() };
        if s > t && leak > worst.map_or(0.0, |w| w.1.abs()) {
            worst = Some(((b, t, s), if v.is_nan() { f64::INFINITY } else { v }));
        }
    }
    let leak = worst.map_or(0.0, |w| w.1.abs());
    let row = Row {
        name: format!("{label} {name}[s>t] = 0"),
        exact: leak == 0.0,
        approximate: leak <= 1e-12,
        maxdiff: leak,
        oracle: None,
        diagnosis: None,
    };
    let message = worst.filter(|_| !row.approximate).map(|((b, t, s), v)| {
        format!(
            "{label} {name} sends gradient to the future: {name}[{b}, {t}, {s}] = {v:.3e} (s > t); {why}, so every entry above the diagonal must get exactly 0 (mask it)"
        )
    });
    (row, message)
}

/// Causal attention-like weights `(B, T, T)`: the softmax of random scores
/// over the past.
fn causal_weights(b: usize, t: usize, rng: &mut ChaCha8Rng) -> Array3<f64> {
    softmax::forward(&randn((b, t, t), rng)).expect("square scores")
}

pub fn weighted_average(bp: &BackpropTable, id: &str, seed: u64) -> Outcome {
    let rng = &mut ChaCha8Rng::seed_from_u64(seed);
    let (b, t, c) = (2, 5, 3);
    let wei = causal_weights(b, t, rng);
    let x = randn((b, t, c), rng);
    let dout = randn((b, t, c), rng);
    let (dwei0, dx0) = (randn((b, t, t), rng), randn((b, t, c), rng));

    fn run(
        bp: &BackpropTable,
        wei: &Array3<f64>,
        x: &Array3<f64>,
        dout: &Array3<f64>,
        prefill: (&Array3<f64>, &Array3<f64>),
    ) -> Vec<ArrayD<f64>> {
        let (mut dwei, mut dx) = (prefill.0.clone(), prefill.1.clone());
        (bp.weighted_average_backward)(&mut dwei, &mut dx, dout, wei, x);
        vec![dwei.into_dyn(), dx.into_dyn()]
    }
    let loss = |wei: &ArrayD<f64>, x: &ArrayD<f64>| {
        let out = weighted_average::forward(&ix3(wei), &ix3(x)).expect("shapes fit");
        (out * &dout).sum()
    };
    let (weid, xd) = (dyn_(&wei), dyn_(&x));
    let loss_wei: Loss = Box::new(|v: &ArrayD<f64>| loss(v, &xd));
    let loss_x: Loss = Box::new(|v: &ArrayD<f64>| loss(&weid, v));
    let case = LayerCase {
        known: Known::none(),
        id,
        vars: vec![
            ("dwei".into(), weid.clone(), loss_wei),
            ("dx".into(), xd.clone(), loss_x),
        ],
        prefill: vec![dyn_(&dwei0), dyn_(&dx0)],
        seed,
        handed: format!(
            "dwei ({b}, {t}, {t}), dx ({b}, {t}, {c}), dout ({b}, {t}, {c}), wei ({b}, {t}, {t}) causal, x ({b}, {t}, {c})"
        ),
    };
    let prefill = (&dwei0, &dx0);
    let learner = attempt(|| run(bp, &wei, &x, &dout, prefill));
    let extra = match &learner {
        Ok(grads) => vec![future_row(
            id,
            "dwei",
            &(&grads[0] - &dyn_(&dwei0)),
            "wei[b, t, s] with s > t was never read by the forward",
        )],
        Err(_) => vec![],
    };
    case.grade(learner, run(&SOLUTIONS, &wei, &x, &dout, prefill), extra)
}

pub fn softmax(bp: &BackpropTable, id: &str, seed: u64) -> Outcome {
    let rng = &mut ChaCha8Rng::seed_from_u64(seed);
    let (n, t) = (3, 5);
    let scores = randn((n, t, t), rng) * 1.5;
    // The upstream of a real head (dout @ vᵀ) is not zero above the diagonal.
    let datt = randn((n, t, t), rng);
    let dscores0 = randn((n, t, t), rng);

    fn run(
        bp: &BackpropTable,
        scores: &Array3<f64>,
        datt: &Array3<f64>,
        dscores0: &Array3<f64>,
    ) -> Vec<ArrayD<f64>> {
        let att = softmax::forward(scores).expect("square scores");
        let mut dscores = dscores0.clone();
        (bp.softmax_backward)(&mut dscores, datt, &att);
        vec![dscores.into_dyn()]
    }
    let loss = |s: &ArrayD<f64>| (softmax::forward(&ix3(s)).expect("square scores") * &datt).sum();
    let case = LayerCase {
        known: Known::none(),
        id,
        vars: vec![("dscores".into(), dyn_(&scores), Box::new(loss))],
        prefill: vec![dyn_(&dscores0)],
        seed,
        handed: format!(
            "dscores ({n}, {t}, {t}), datt ({n}, {t}, {t}), att ({n}, {t}, {t}) zero above the diagonal"
        ),
    };
    let learner = attempt(|| run(bp, &scores, &datt, &dscores0));
    let extra = match &learner {
        Ok(grads) => vec![future_row(
            id,
            "dscores",
            &(&grads[0] - &dyn_(&dscores0)),
            "the masked scores were -inf and never reached the loss",
        )],
        Err(_) => vec![],
    };
    case.grade(learner, run(&SOLUTIONS, &scores, &datt, &dscores0), extra)
}

/// One head at the exercise's sizes (B 2, T 4, C 4, hs 3), drawn from
/// `seed`, and a random upstream gradient `dout`.
pub fn small_head(seed: u64) -> (HeadForward<f64>, Array3<f64>) {
    let rng = &mut ChaCha8Rng::seed_from_u64(seed);
    let (b, t, c, hs) = (2, 4, 4, 3);
    let x = randn((b, t, c), rng);
    let mut w = || randn((c, hs), rng) * 0.7;
    let (wk, wq, wv) = (w(), w(), w());
    let f = HeadForward::new(x, wk, wq, wv).expect("shapes fit");
    let dout = randn((b, t, hs), rng);
    (f, dout)
}

pub fn head_step(bp: &BackpropTable, id: &str, var: HeadVar, seed: u64) -> Outcome {
    let (f, dout) = small_head(seed);
    let reference = HeadGrads::chain_with(&SOLUTIONS, &f, dout.clone());
    let mut grads = reference.clone();
    if let Err(message) = attempt(|| grads.step(bp, var, &f)) {
        return failed(
            id,
            message,
            &format!(
                "the forward pass f (B 2, T 4, C 4, hs 3) and the reference's upstream gradients, to undo `{}`; {} must have shape {:?}",
                var.line(),
                var.grad_name(),
                var.value(&f).shape()
            ),
        );
    }
    let learner = grads.get(var).clone().into_dyn();
    let report = oracle::check(
        &var.grad_name(),
        &var.value(&f),
        &learner,
        |v| (f.with_override(var, v).out * &dout).sum(),
        &Config {
            seed,
            ..Config::default()
        },
    );
    let expected = reference.get(var).view().into_dyn();
    let row = compare(
        &format!("gpt::head {}", var.grad_name()),
        &learner,
        &expected,
        Some(report),
    );
    let mut messages: Vec<String> = (!row.ok())
        .then(|| diagnose(&row, &learner, &expected, &Known::none()))
        .into_iter()
        .collect();
    let mut rows = vec![row];
    let why = match var {
        HeadVar::Att => Some("out = att @ v never read att above the diagonal"),
        HeadVar::Scores => Some("the masked scores were -inf and never reached the loss"),
        _ => None,
    };
    if let Some(why) = why
        && learner.shape() == expected.shape()
    {
        let (row, message) = future_row("gpt::head", &var.grad_name(), &learner, why);
        messages.extend(message);
        rows.push(row);
    }
    verdict(rows, messages)
}

/// One graded attention layer: the layer, `x`, `dout`, and the prefilled
/// `dx` and parameter gradients.
struct AttentionCase {
    layer: CausalSelfAttention<f64>,
    x: Array3<f64>,
    dout: Array3<f64>,
    dx0: Array3<f64>,
    grads0: AttentionGrads<f64>,
}

impl AttentionCase {
    fn new(
        rng: &mut ChaCha8Rng,
        (b, t, c, nh): (usize, usize, usize, usize),
        biases: bool,
    ) -> Self {
        let scale = 1.0 / (c as f64).sqrt();
        let c_attn = Linear::new(
            randn((c, 3 * c), rng) * scale,
            biases.then(|| randn(3 * c, rng) * 0.3),
        )
        .expect("shapes fit");
        let c_proj = biases.then(|| {
            Linear::new(randn((c, c), rng) * scale, Some(randn(c, rng) * 0.3)).expect("shapes fit")
        });
        let layer = CausalSelfAttention::new(c_attn, c_proj, nh).expect("C a multiple of n_head");
        let x = randn((b, t, c), rng);
        let dout = randn((b, t, c), rng);
        let dx0 = randn((b, t, c), rng);
        let mut grads0 = layer.zero_grads();
        for mut g in params_of(&mut grads0) {
            let r = randn(g.raw_dim(), rng);
            g.assign(&r);
        }
        AttentionCase {
            layer,
            x,
            dout,
            dx0,
            grads0,
        }
    }

    /// `dx` and the parameter gradients after the backward pass of `bp`, in the
    /// order of [`Self::vars`].
    fn run(&self, bp: &BackpropTable) -> Vec<ArrayD<f64>> {
        let (_, mut cache) = self.layer.forward(&self.x).expect("shapes fit");
        let mut dx = self.dx0.clone();
        let mut grads = self.grads0.clone();
        (bp.attention_backward)(
            &mut dx,
            &mut grads,
            &self.dout,
            &self.x,
            &mut cache,
            &self.layer,
        );
        let mut all = vec![dx.into_dyn()];
        all.extend(params_of(&mut grads).iter().map(|g| g.to_owned()));
        all
    }

    /// The loss `Σ attention(x) ⊙ dout` as a function of `x` and of each
    /// parameter, named after their gradients with `suffix`.
    fn vars(&self, suffix: &str) -> Vec<(String, ArrayD<f64>, Loss<'_>)> {
        let loss = move |layer: &CausalSelfAttention<f64>, x: &ArrayD<f64>| {
            let (out, _) = layer.forward(&ix3(x)).expect("shapes fit");
            (out * &self.dout).sum()
        };
        let mut vars: Vec<(String, ArrayD<f64>, Loss<'_>)> = vec![(
            format!("dx{suffix}"),
            dyn_(&self.x),
            Box::new(move |v| loss(&self.layer, v)),
        )];
        let mut layer = self.layer.clone();
        for (k, (name, p)) in params(&mut layer).into_iter().enumerate() {
            let value = p.to_owned();
            vars.push((
                format!("{name}{suffix}"),
                value,
                Box::new(move |v| {
                    let mut l = self.layer.clone();
                    params(&mut l)[k].1.assign(v);
                    loss(&l, &dyn_(&self.x))
                }),
            ));
        }
        vars
    }
}

/// The layer's parameters, named after their gradients (`c_attn.dw`,
/// `c_attn.db`, `c_proj.dw`, `c_proj.db`, those that exist), writable.
fn params(layer: &mut CausalSelfAttention<f64>) -> Vec<(&'static str, ArrayViewMutD<'_, f64>)> {
    let mut all = vec![("c_attn.dw", layer.c_attn.w.view_mut().into_dyn())];
    if let Some(b) = &mut layer.c_attn.b {
        all.push(("c_attn.db", b.view_mut().into_dyn()));
    }
    if let Some(p) = &mut layer.c_proj {
        all.push(("c_proj.dw", p.w.view_mut().into_dyn()));
        if let Some(b) = &mut p.b {
            all.push(("c_proj.db", b.view_mut().into_dyn()));
        }
    }
    all
}

/// The gradients, in the order of [`params`], writable.
fn params_of(grads: &mut AttentionGrads<f64>) -> Vec<ArrayViewMutD<'_, f64>> {
    let mut all = vec![grads.c_attn.dw.view_mut().into_dyn()];
    if let Some(b) = &mut grads.c_attn.db {
        all.push(b.view_mut().into_dyn());
    }
    if let Some(p) = &mut grads.c_proj {
        all.push(p.dw.view_mut().into_dyn());
        if let Some(b) = &mut p.db {
            all.push(b.view_mut().into_dyn());
        }
    }
    all
}

/// With `dout` nonzero at position 1 only, `dx` must be 0 at positions 2..:
/// a position reaches the loss only through the positions that read it.
fn causality_row(bp: &BackpropTable, id: &str, case: &AttentionCase) -> (Row, Option<String>) {
    let mut dout = Array3::zeros(case.dout.raw_dim());
    dout.slice_mut(ndarray::s![.., 1, ..])
        .assign(&case.dout.slice(ndarray::s![.., 1, ..]));
    let (_, mut cache) = case.layer.forward(&case.x).expect("shapes fit");
    let mut dx = Array3::zeros(case.x.raw_dim());
    let mut grads = case.layer.zero_grads();
    let name = format!("{id} dx[t>1] = 0 (dout at t=1)");
    if let Err(message) = attempt(|| {
        (bp.attention_backward)(&mut dx, &mut grads, &dout, &case.x, &mut cache, &case.layer)
    }) {
        let row = Row {
            name,
            exact: false,
            approximate: false,
            maxdiff: f64::INFINITY,
            oracle: None,
            diagnosis: None,
        };
        return (row, Some(format!("{id} panicked: {message}")));
    }
    let mut worst: Option<((usize, usize, usize), f64)> = None;
    for ((b, t, c), &v) in dx.indexed_iter() {
        let leak = if v.is_nan() { f64::INFINITY } else { v.abs() };
        if t > 1 && leak > worst.map_or(0.0, |w| w.1.abs()) {
            worst = Some(((b, t, c), leak.copysign(v)));
        }
    }
    let leak = worst.map_or(0.0, |w| w.1.abs());
    let row = Row {
        name,
        exact: leak == 0.0,
        approximate: leak <= 1e-12,
        maxdiff: leak,
        oracle: None,
        diagnosis: None,
    };
    let message = worst.filter(|_| !row.approximate).map(|((b, t, c), v)| {
        format!(
            "{} leaks gradient into the future: with dout nonzero at position 1 only, dx[{b}, {t}, {c}] = {v:.3e}, but position {t} > 1 is never read by position 1 (the causal mask), so dx there must be exactly 0: each head's dv = attᵀ @ dy (att @ dy sends gradient to the future), the masked entries of datt get no gradient, and a reshape must not mix heads and time",
            id
        )
    });
    (row, message)
}

pub fn attention(bp: &BackpropTable, id: &str, seed: u64) -> Outcome {
    let rng = &mut ChaCha8Rng::seed_from_u64(seed);
    // GPT's layer (biases, c_proj), and the lecture's bare heads (no bias, no c_proj).
    let full = AttentionCase::new(rng, (2, 4, 6, 2), true);
    let bare = AttentionCase::new(rng, (2, 5, 6, 3), false);
    let mut vars = full.vars("");
    vars.extend(bare.vars(" (bare heads)"));
    let prefill = [&full, &bare]
        .iter()
        .flat_map(|case| {
            let mut grads0 = case.grads0.clone();
            let mut p = vec![dyn_(&case.dx0)];
            p.extend(params_of(&mut grads0).iter().map(|g| g.to_owned()));
            p
        })
        .collect();
    let case = LayerCase {
        known: Known::none(),
        id,
        vars,
        prefill,
        seed,
        handed: "x (2, 4, 6), n_head 2, c_attn (6, 18) with bias, c_proj (6, 6) with bias; then x (2, 5, 6), n_head 3, c_attn (6, 18) without bias, no c_proj; the forward's cache".into(),
    };
    let learner = attempt(|| {
        let mut all = full.run(bp);
        all.extend(bare.run(bp));
        all
    });
    if learner.is_err() {
        return case.grade(learner, vec![], vec![]);
    }
    let reference = {
        let mut all = full.run(&SOLUTIONS);
        all.extend(bare.run(&SOLUTIONS));
        all
    };
    let extra = vec![causality_row(bp, id, &full)];
    case.grade(learner, reference, extra)
}
