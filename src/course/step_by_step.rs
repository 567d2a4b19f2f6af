//! # Exercise 1: the lecture's MLP, cut into small steps
//!
//! The forward pass of "becoming a backprop ninja", one named variable per
//! line, exactly as in the lecture:
//!
//! ```text
//! emb = C[Xb]                                  (n, block, E)
//! embcat = emb.view(n, block·E)                (n, block·E)
//! hprebn = embcat @ W1 + b1                    (n, H)
//! bnmeani = 1/n · hprebn.sum(0)                (1, H)
//! bndiff = hprebn - bnmeani                    (n, H)
//! bndiff2 = bndiff²                            (n, H)
//! bnvar = 1/(n-1) · bndiff2.sum(0)             (1, H)   Bessel's correction
//! bnvar_inv = (bnvar + 1e-5)^-0.5              (1, H)
//! bnraw = bndiff · bnvar_inv                   (n, H)
//! hpreact = bngain · bnraw + bnbias            (n, H)
//! h = tanh(hpreact)                            (n, H)
//! logits = h @ W2 + b2                         (n, V)
//! logit_maxes = logits.max(1)                  (n, 1)
//! norm_logits = logits - logit_maxes           (n, V)
//! counts = exp(norm_logits)                    (n, V)
//! counts_sum = counts.sum(1)                   (n, 1)
//! counts_sum_inv = counts_sum^-1               (n, 1)
//! probs = counts · counts_sum_inv              (n, V)
//! logprobs = ln(probs)                         (n, V)
//! loss = -mean_i logprobs[i, Yb[i]]            scalar
//! ```
//!
//! Exercise 1 is to walk back up this list and write the gradient of the loss
//! with respect to every variable and parameter, one step at a time, in
//! `exercises/step_by_step.rs`. Each step is graded on its own, given the
//! reference's upstream gradients, so a mistake stays in its own row.
//! Everything here is `f64`, so finite differences can check it closely.
#![allow(non_snake_case)] // the lecture's names: C, W1, dW1, Xb, ...

use ndarray::{Array1, Array2, Array3, ArrayD, ArrayViewD, Axis, Ix1, Ix2, Ix3};
use ndarray_rand::RandomExt;
use ndarray_rand::rand_distr::StandardNormal;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::error::{Result, expect_shape};
use crate::hyper::Hyper;
use crate::layers::embedding::Embedding;

/// The rows of the lecture's batch.
pub const BATCH: usize = 32;

/// The parameters, with the lecture's names and shapes.
#[derive(Clone, Debug, PartialEq)]
pub struct Params {
    /// `(V, E)`
    pub C: Array2<f64>,
    /// `(block·E, H)`
    pub W1: Array2<f64>,
    /// `(H,)`
    pub b1: Array1<f64>,
    /// `(H, V)`
    pub W2: Array2<f64>,
    /// `(V,)`
    pub b2: Array1<f64>,
    /// `(1, H)`
    pub bngain: Array2<f64>,
    /// `(1, H)`
    pub bnbias: Array2<f64>,
}

impl Params {
    /// The lecture's deliberately non-standard initialisation: small random
    /// biases and a gain of 1 ± 0.1, so that no wrong gradient can hide
    /// behind a zero or a one.
    pub fn lecture_init(sizes: Hyper, rng: &mut impl Rng) -> Params {
        let Hyper {
            vocab,
            block,
            n_embd,
            n_hidden,
        } = sizes;
        let fan_in = (block * n_embd) as f64;
        let randn2 = |r: &mut _, shape| Array2::<f64>::random_using(shape, StandardNormal, r);
        let randn1 = |r: &mut _, len| Array1::<f64>::random_using(len, StandardNormal, r);
        Params {
            C: randn2(rng, (vocab, n_embd)),
            W1: randn2(rng, (block * n_embd, n_hidden)) * (5.0 / 3.0) / fan_in.sqrt(),
            b1: randn1(rng, n_hidden) * 0.1,
            W2: randn2(rng, (n_hidden, vocab)) * 0.1,
            b2: randn1(rng, vocab) * 0.1,
            bngain: randn2(rng, (1, n_hidden)) * 0.1 + 1.0,
            bnbias: randn2(rng, (1, n_hidden)) * 0.1,
        }
    }
}

/// A batch of contexts `Xb (n, block)` and the characters that follow them,
/// `Yb (n,)`.
#[derive(Clone, Debug, PartialEq)]
pub struct Batch {
    pub Xb: Array2<usize>,
    pub Yb: Vec<usize>,
}

impl Batch {
    /// A random batch of `n` rows of character indices, for checking gradients.
    pub fn random(sizes: Hyper, n: usize, rng: &mut impl Rng) -> Batch {
        let Xb = Array2::from_shape_fn((n, sizes.block), |_| rng.random_range(0..sizes.vocab));
        let Yb = (0..n).map(|_| rng.random_range(0..sizes.vocab)).collect();
        Batch { Xb, Yb }
    }
}

/// The lecture's network and a batch of `n` rows, both drawn from `seed`.
pub fn lecture_setup(sizes: Hyper, n: usize, seed: u64) -> (Params, Batch) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let params = Params::lecture_init(sizes, &mut rng);
    let batch = Batch::random(sizes, n, &mut rng);
    (params, batch)
}

/// Every variable of the forward pass, and the parameters.
#[derive(Clone, Debug, PartialEq)]
pub struct Forward {
    pub params: Params,
    pub batch: Batch,
    pub emb: Array3<f64>,
    pub embcat: Array2<f64>,
    pub hprebn: Array2<f64>,
    pub bnmeani: Array2<f64>,
    pub bndiff: Array2<f64>,
    pub bndiff2: Array2<f64>,
    pub bnvar: Array2<f64>,
    pub bnvar_inv: Array2<f64>,
    pub bnraw: Array2<f64>,
    pub hpreact: Array2<f64>,
    pub h: Array2<f64>,
    pub logits: Array2<f64>,
    pub logit_maxes: Array2<f64>,
    pub norm_logits: Array2<f64>,
    pub counts: Array2<f64>,
    pub counts_sum: Array2<f64>,
    pub counts_sum_inv: Array2<f64>,
    pub probs: Array2<f64>,
    pub logprobs: Array2<f64>,
    pub loss: f64,
}

/// The 26 variables whose gradients exercise 1 asks for, in the order the
/// backward pass meets them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Var {
    Logprobs,
    Probs,
    CountsSumInv,
    CountsSum,
    Counts,
    NormLogits,
    LogitMaxes,
    Logits,
    H,
    W2,
    B2,
    Hpreact,
    Bngain,
    Bnbias,
    Bnraw,
    BnvarInv,
    Bnvar,
    Bndiff2,
    Bndiff,
    Bnmeani,
    Hprebn,
    Embcat,
    W1,
    B1,
    Emb,
    C,
}

impl Var {
    /// Every variable, in backward order: the order of the steps.
    pub const ALL: [Var; 26] = [
        Var::Logprobs,
        Var::Probs,
        Var::CountsSumInv,
        Var::CountsSum,
        Var::Counts,
        Var::NormLogits,
        Var::LogitMaxes,
        Var::Logits,
        Var::H,
        Var::W2,
        Var::B2,
        Var::Hpreact,
        Var::Bngain,
        Var::Bnbias,
        Var::Bnraw,
        Var::BnvarInv,
        Var::Bnvar,
        Var::Bndiff2,
        Var::Bndiff,
        Var::Bnmeani,
        Var::Hprebn,
        Var::Embcat,
        Var::W1,
        Var::B1,
        Var::Emb,
        Var::C,
    ];

    /// The lecture's name of the variable, e.g. `"counts_sum_inv"`.
    pub fn name(self) -> &'static str {
        match self {
            Var::Logprobs => "logprobs",
            Var::Probs => "probs",
            Var::CountsSumInv => "counts_sum_inv",
            Var::CountsSum => "counts_sum",
            Var::Counts => "counts",
            Var::NormLogits => "norm_logits",
            Var::LogitMaxes => "logit_maxes",
            Var::Logits => "logits",
            Var::H => "h",
            Var::W2 => "W2",
            Var::B2 => "b2",
            Var::Hpreact => "hpreact",
            Var::Bngain => "bngain",
            Var::Bnbias => "bnbias",
            Var::Bnraw => "bnraw",
            Var::BnvarInv => "bnvar_inv",
            Var::Bnvar => "bnvar",
            Var::Bndiff2 => "bndiff2",
            Var::Bndiff => "bndiff",
            Var::Bnmeani => "bnmeani",
            Var::Hprebn => "hprebn",
            Var::Embcat => "embcat",
            Var::W1 => "W1",
            Var::B1 => "b1",
            Var::Emb => "emb",
            Var::C => "C",
        }
    }

    /// The name of its gradient, e.g. `"dcounts_sum_inv"`.
    pub fn grad_name(self) -> String {
        format!("d{}", self.name())
    }

    /// Its value in a forward pass.
    pub fn value(self, f: &Forward) -> ArrayViewD<'_, f64> {
        let p = &f.params;
        match self {
            Var::Logprobs => f.logprobs.view().into_dyn(),
            Var::Probs => f.probs.view().into_dyn(),
            Var::CountsSumInv => f.counts_sum_inv.view().into_dyn(),
            Var::CountsSum => f.counts_sum.view().into_dyn(),
            Var::Counts => f.counts.view().into_dyn(),
            Var::NormLogits => f.norm_logits.view().into_dyn(),
            Var::LogitMaxes => f.logit_maxes.view().into_dyn(),
            Var::Logits => f.logits.view().into_dyn(),
            Var::H => f.h.view().into_dyn(),
            Var::W2 => p.W2.view().into_dyn(),
            Var::B2 => p.b2.view().into_dyn(),
            Var::Hpreact => f.hpreact.view().into_dyn(),
            Var::Bngain => p.bngain.view().into_dyn(),
            Var::Bnbias => p.bnbias.view().into_dyn(),
            Var::Bnraw => f.bnraw.view().into_dyn(),
            Var::BnvarInv => f.bnvar_inv.view().into_dyn(),
            Var::Bnvar => f.bnvar.view().into_dyn(),
            Var::Bndiff2 => f.bndiff2.view().into_dyn(),
            Var::Bndiff => f.bndiff.view().into_dyn(),
            Var::Bnmeani => f.bnmeani.view().into_dyn(),
            Var::Hprebn => f.hprebn.view().into_dyn(),
            Var::Embcat => f.embcat.view().into_dyn(),
            Var::W1 => p.W1.view().into_dyn(),
            Var::B1 => p.b1.view().into_dyn(),
            Var::Emb => f.emb.view().into_dyn(),
            Var::C => p.C.view().into_dyn(),
        }
    }
}

/// Replaces a variable by `value` as the forward pass goes by: how the
/// finite-difference oracle nudges one variable and watches the loss.
struct Override<'a>(Option<(Var, &'a ArrayD<f64>)>);

impl Override<'_> {
    fn apply<D: ndarray::Dimension>(&self, var: Var, x: &mut ndarray::Array<f64, D>) {
        if let Some((v, value)) = self.0
            && v == var
        {
            x.assign(
                &value
                    .view()
                    .into_dimensionality::<D>()
                    .expect("override of the right rank"),
            );
        }
    }
}

impl Forward {
    /// Runs the forward pass, checking the batch against the parameters.
    pub fn new(params: &Params, batch: &Batch) -> Result<Forward> {
        let (vocab, n_embd) = params.C.dim();
        let n = batch.Xb.nrows();
        expect_shape(
            "step_by_step",
            "W1",
            params.W1.shape(),
            &[batch.Xb.ncols() * n_embd, params.W1.ncols()],
        )?;
        expect_shape("step_by_step", "Yb", &[batch.Yb.len()], &[n])?;
        Embedding::new(params.C.clone()).check_indices(&batch.Xb)?;
        crate::layers::cross_entropy::check_targets(&[n, vocab], &batch.Yb)?;
        if n < 2 {
            return Err(crate::error::Error::Input {
                layer: "step_by_step",
                detail: format!("a batch needs at least 2 rows for Bessel's correction, got {n}"),
            });
        }
        Ok(Forward::run(params, batch, Override(None)))
    }

    /// The forward pass with the variable `var` replaced by `value` right
    /// after it is computed (a parameter: before it is used).
    pub fn with_override(params: &Params, batch: &Batch, var: Var, value: &ArrayD<f64>) -> Forward {
        Forward::run(params, batch, Override(Some((var, value))))
    }

    fn run(params: &Params, batch: &Batch, over: Override) -> Forward {
        let mut p = params.clone();
        over.apply(Var::C, &mut p.C);
        over.apply(Var::W1, &mut p.W1);
        over.apply(Var::B1, &mut p.b1);
        over.apply(Var::W2, &mut p.W2);
        over.apply(Var::B2, &mut p.b2);
        over.apply(Var::Bngain, &mut p.bngain);
        over.apply(Var::Bnbias, &mut p.bnbias);
        let Batch { Xb, Yb } = batch;
        let (n, block) = Xb.dim();
        let n_embd = p.C.ncols();

        let mut emb = Array3::from_shape_fn((n, block, n_embd), |(i, t, e)| p.C[[Xb[[i, t]], e]]);
        over.apply(Var::Emb, &mut emb);
        let mut embcat = emb.to_shape((n, block * n_embd)).unwrap().to_owned();
        over.apply(Var::Embcat, &mut embcat);
        // Linear layer 1
        let mut hprebn = embcat.dot(&p.W1) + &p.b1;
        over.apply(Var::Hprebn, &mut hprebn);
        // BatchNorm layer
        let mut bnmeani = hprebn.sum_axis(Axis(0)).insert_axis(Axis(0)) / n as f64;
        over.apply(Var::Bnmeani, &mut bnmeani);
        let mut bndiff = &hprebn - &bnmeani;
        over.apply(Var::Bndiff, &mut bndiff);
        let mut bndiff2 = bndiff.powi(2);
        over.apply(Var::Bndiff2, &mut bndiff2);
        let mut bnvar = bndiff2.sum_axis(Axis(0)).insert_axis(Axis(0)) / (n - 1) as f64;
        over.apply(Var::Bnvar, &mut bnvar);
        let mut bnvar_inv = (&bnvar + 1e-5).powf(-0.5);
        over.apply(Var::BnvarInv, &mut bnvar_inv);
        let mut bnraw = &bndiff * &bnvar_inv;
        over.apply(Var::Bnraw, &mut bnraw);
        let mut hpreact = &p.bngain * &bnraw + &p.bnbias;
        over.apply(Var::Hpreact, &mut hpreact);
        // Non-linearity
        let mut h = hpreact.tanh();
        over.apply(Var::H, &mut h);
        // Linear layer 2
        let mut logits = h.dot(&p.W2) + &p.b2;
        over.apply(Var::Logits, &mut logits);
        // Cross-entropy loss, the long way
        let mut logit_maxes = logits
            .map_axis(Axis(1), |row| row.fold(f64::NEG_INFINITY, |m, &x| m.max(x)))
            .insert_axis(Axis(1));
        over.apply(Var::LogitMaxes, &mut logit_maxes);
        let mut norm_logits = &logits - &logit_maxes;
        over.apply(Var::NormLogits, &mut norm_logits);
        let mut counts = norm_logits.exp();
        over.apply(Var::Counts, &mut counts);
        let mut counts_sum = counts.sum_axis(Axis(1)).insert_axis(Axis(1));
        over.apply(Var::CountsSum, &mut counts_sum);
        let mut counts_sum_inv = counts_sum.powi(-1);
        over.apply(Var::CountsSumInv, &mut counts_sum_inv);
        let mut probs = &counts * &counts_sum_inv;
        over.apply(Var::Probs, &mut probs);
        let mut logprobs = probs.ln();
        over.apply(Var::Logprobs, &mut logprobs);
        let loss = -Yb
            .iter()
            .enumerate()
            .map(|(i, &y)| logprobs[[i, y]])
            .sum::<f64>()
            / n as f64;

        Forward {
            params: p,
            batch: batch.clone(),
            emb,
            embcat,
            hprebn,
            bnmeani,
            bndiff,
            bndiff2,
            bnvar,
            bnvar_inv,
            bnraw,
            hpreact,
            h,
            logits,
            logit_maxes,
            norm_logits,
            counts,
            counts_sum,
            counts_sum_inv,
            probs,
            logprobs,
            loss,
        }
    }

    /// `n`, the rows in the batch.
    pub fn n(&self) -> usize {
        self.batch.Xb.nrows()
    }
}

/// A gradient for each of the 26 variables, the shape of its variable.
#[derive(Clone, Debug, PartialEq)]
pub struct Grads {
    pub dlogprobs: Array2<f64>,
    pub dprobs: Array2<f64>,
    pub dcounts_sum_inv: Array2<f64>,
    pub dcounts_sum: Array2<f64>,
    pub dcounts: Array2<f64>,
    pub dnorm_logits: Array2<f64>,
    pub dlogit_maxes: Array2<f64>,
    pub dlogits: Array2<f64>,
    pub dh: Array2<f64>,
    pub dW2: Array2<f64>,
    pub db2: Array1<f64>,
    pub dhpreact: Array2<f64>,
    pub dbngain: Array2<f64>,
    pub dbnbias: Array2<f64>,
    pub dbnraw: Array2<f64>,
    pub dbnvar_inv: Array2<f64>,
    pub dbnvar: Array2<f64>,
    pub dbndiff2: Array2<f64>,
    pub dbndiff: Array2<f64>,
    pub dbnmeani: Array2<f64>,
    pub dhprebn: Array2<f64>,
    pub dembcat: Array2<f64>,
    pub dW1: Array2<f64>,
    pub db1: Array1<f64>,
    pub demb: Array3<f64>,
    pub dC: Array2<f64>,
}

fn zeros_like<D: ndarray::Dimension>(x: ArrayViewD<'_, f64>) -> ndarray::Array<f64, D> {
    ArrayD::zeros(x.raw_dim())
        .into_dimensionality::<D>()
        .expect("rank of the variable")
}

impl Grads {
    /// All zeros, each the shape of its variable in `f`.
    pub fn zeros(f: &Forward) -> Grads {
        let z2 = |v: Var| zeros_like::<Ix2>(v.value(f));
        let z1 = |v: Var| zeros_like::<Ix1>(v.value(f));
        Grads {
            dlogprobs: z2(Var::Logprobs),
            dprobs: z2(Var::Probs),
            dcounts_sum_inv: z2(Var::CountsSumInv),
            dcounts_sum: z2(Var::CountsSum),
            dcounts: z2(Var::Counts),
            dnorm_logits: z2(Var::NormLogits),
            dlogit_maxes: z2(Var::LogitMaxes),
            dlogits: z2(Var::Logits),
            dh: z2(Var::H),
            dW2: z2(Var::W2),
            db2: z1(Var::B2),
            dhpreact: z2(Var::Hpreact),
            dbngain: z2(Var::Bngain),
            dbnbias: z2(Var::Bnbias),
            dbnraw: z2(Var::Bnraw),
            dbnvar_inv: z2(Var::BnvarInv),
            dbnvar: z2(Var::Bnvar),
            dbndiff2: z2(Var::Bndiff2),
            dbndiff: z2(Var::Bndiff),
            dbnmeani: z2(Var::Bnmeani),
            dhprebn: z2(Var::Hprebn),
            dembcat: z2(Var::Embcat),
            dW1: z2(Var::W1),
            db1: z1(Var::B1),
            demb: zeros_like::<Ix3>(Var::Emb.value(f)),
            dC: z2(Var::C),
        }
    }

    /// The gradient of `var`.
    pub fn get(&self, var: Var) -> ArrayViewD<'_, f64> {
        match var {
            Var::Logprobs => self.dlogprobs.view().into_dyn(),
            Var::Probs => self.dprobs.view().into_dyn(),
            Var::CountsSumInv => self.dcounts_sum_inv.view().into_dyn(),
            Var::CountsSum => self.dcounts_sum.view().into_dyn(),
            Var::Counts => self.dcounts.view().into_dyn(),
            Var::NormLogits => self.dnorm_logits.view().into_dyn(),
            Var::LogitMaxes => self.dlogit_maxes.view().into_dyn(),
            Var::Logits => self.dlogits.view().into_dyn(),
            Var::H => self.dh.view().into_dyn(),
            Var::W2 => self.dW2.view().into_dyn(),
            Var::B2 => self.db2.view().into_dyn(),
            Var::Hpreact => self.dhpreact.view().into_dyn(),
            Var::Bngain => self.dbngain.view().into_dyn(),
            Var::Bnbias => self.dbnbias.view().into_dyn(),
            Var::Bnraw => self.dbnraw.view().into_dyn(),
            Var::BnvarInv => self.dbnvar_inv.view().into_dyn(),
            Var::Bnvar => self.dbnvar.view().into_dyn(),
            Var::Bndiff2 => self.dbndiff2.view().into_dyn(),
            Var::Bndiff => self.dbndiff.view().into_dyn(),
            Var::Bnmeani => self.dbnmeani.view().into_dyn(),
            Var::Hprebn => self.dhprebn.view().into_dyn(),
            Var::Embcat => self.dembcat.view().into_dyn(),
            Var::W1 => self.dW1.view().into_dyn(),
            Var::B1 => self.db1.view().into_dyn(),
            Var::Emb => self.demb.view().into_dyn(),
            Var::C => self.dC.view().into_dyn(),
        }
    }
}
