//! # Known mistakes of exercise 1 (makemore part 4): the steps, one by one
//!
//! Every step with two paths into its tensor (`dcounts`, `dbndiff`,
//! `dhprebn`) has a mistake per path, each dropped on its own; `dlogits`
//! has one, the path through `norm_logits`: the one through `logit_maxes`
//! carries (numerically) nothing, as the lecture shows, so dropping it is
//! no mistake (nor is a wrong sign of `dlogit_maxes`).
#![allow(non_snake_case)] // the lecture's names: dC, dW1, ...

use ndarray::{Array1, Array2, Array3, Zip};

use crate::course::step_by_step::{Forward, Var};
use crate::grade::mistakes::mistake::Mistake;
use crate::registry::Exercise;
use crate::solutions::step_by_step as reference;

fn dlogprobs_without_mean(f: &Forward) -> Array2<f64> {
    let mut dlogprobs = Array2::zeros(f.logprobs.raw_dim());
    for (i, &y) in f.batch.Yb.iter().enumerate() {
        dlogprobs[[i, y]] = -1.0; // not -1/n
    }
    dlogprobs
}

fn dhpreact_at_the_preactivation(f: &Forward, dh: &Array2<f64>) -> Array2<f64> {
    (1.0 - f.hpreact.powi(2)) * dh // hpreact, not h = tanh(hpreact)
}

fn dbnvar_exponent_kept(f: &Forward, dbnvar_inv: &Array2<f64>) -> Array2<f64> {
    -0.5 * (&f.bnvar + 1e-5).powf(-0.5) * dbnvar_inv // -0.5, not -1.5
}

fn dbndiff2_over_n(f: &Forward, dbnvar: &Array2<f64>) -> Array2<f64> {
    Array2::ones(f.bndiff2.raw_dim()) / f.n() as f64 * dbnvar // 1/n, not 1/(n-1)
}

fn db2_first_row(_f: &Forward, dlogits: &Array2<f64>) -> Array1<f64> {
    dlogits.row(0).to_owned()
}

fn dC_assigned(f: &Forward, demb: &Array3<f64>) -> Array2<f64> {
    let mut dC = Array2::zeros(f.params.C.raw_dim());
    Zip::indexed(&f.batch.Xb).for_each(|(i, t), &ix| {
        dC.row_mut(ix).assign(&demb.slice(ndarray::s![i, t, ..])); // = instead of +=
    });
    dC
}

fn demb_axes_swapped(f: &Forward, dembcat: &Array2<f64>) -> Array3<f64> {
    let &[n, block, e] = f.emb.shape() else {
        unreachable!("emb is (n, block, E)")
    };
    dembcat
        .to_shape((n, e, block))
        .expect("same number of elements")
        .permuted_axes([0, 2, 1])
        .to_owned()
}

fn dW1_transposed(f: &Forward, dhprebn: &Array2<f64>) -> Array2<f64> {
    dhprebn.t().dot(&f.embcat) // (H, block·E)
}

pub const MISTAKES: &[Mistake] = &[
    Mistake {
        exercise: Exercise::Step(Var::Logprobs),
        name: "no mean",
        explanation: "this is -1 at each target: the loss is the mean of the n picked log-probabilities, so each gets -1/n",
        patch: |t| t.dlogprobs = dlogprobs_without_mean,
    },
    Mistake {
        exercise: Exercise::Step(Var::Probs),
        name: "times probs",
        explanation: "this multiplies by probs: the derivative of log p is 1/p, so dprobs = dlogprobs / probs",
        patch: |t| t.dprobs = |f, dlogprobs| dlogprobs * &f.probs,
    },
    Mistake {
        exercise: Exercise::Step(Var::CountsSumInv),
        name: "not summed over the row",
        explanation: "this keeps one gradient per element, (n, V): counts_sum_inv (n, 1) is broadcast over each row, so its gradient sums them, Σ_row counts·dprobs, (n, 1)",
        patch: |t| t.dcounts_sum_inv = |f, dprobs| &f.counts * dprobs,
    },
    Mistake {
        exercise: Exercise::Step(Var::CountsSum),
        name: "exponent kept",
        explanation: "this keeps the exponent -1: the derivative of counts_sum^-1 is -counts_sum^-2, one less",
        patch: |t| t.dcounts_sum = |f, d| -f.counts_sum.powi(-1) * d,
    },
    Mistake {
        exercise: Exercise::Step(Var::NormLogits),
        name: "exp at the wrong value",
        explanation: "this multiplies by norm_logits: counts = exp(norm_logits) is its own derivative, so dnorm_logits = counts·dcounts",
        patch: |t| t.dnorm_logits = |f, dcounts| &f.norm_logits * dcounts,
    },
    Mistake {
        exercise: Exercise::Step(Var::W2),
        name: "transposed",
        explanation: "this is dlogitsᵀ @ h, (V, H): dW2 has W2's shape, (H, V), so dW2 = hᵀ @ dlogits",
        patch: |t| t.dW2 = |f, dlogits| dlogits.t().dot(&f.h),
    },
    Mistake {
        exercise: Exercise::Step(Var::Bngain),
        name: "not summed over the batch",
        explanation: "this keeps one gradient per example, (n, H): bngain (1, H) is broadcast over the batch, so dbngain = Σ_batch bnraw·dhpreact, (1, H)",
        patch: |t| t.dbngain = |f, dhpreact| &f.bnraw * dhpreact,
    },
    Mistake {
        exercise: Exercise::Step(Var::Bnbias),
        name: "not summed over the batch",
        explanation: "this keeps one gradient per example, (n, H): bnbias (1, H) is broadcast over the batch, so dbnbias = Σ_batch dhpreact, (1, H)",
        patch: |t| t.dbnbias = |_, dhpreact| dhpreact.clone(),
    },
    Mistake {
        exercise: Exercise::Step(Var::Bnraw),
        name: "times bnraw",
        explanation: "this multiplies by bnraw: in hpreact = bngain·bnraw + bnbias the factor of bnraw is bngain, so dbnraw = bngain·dhpreact",
        patch: |t| t.dbnraw = |f, dhpreact| &f.bnraw * dhpreact,
    },
    Mistake {
        exercise: Exercise::Step(Var::BnvarInv),
        name: "not summed over the batch",
        explanation: "this keeps one gradient per example, (n, H): bnvar_inv (1, H) is broadcast over the batch, so dbnvar_inv = Σ_batch bndiff·dbnraw, (1, H)",
        patch: |t| t.dbnvar_inv = |f, dbnraw| &f.bndiff * dbnraw,
    },
    Mistake {
        exercise: Exercise::Step(Var::Bnmeani),
        name: "sign",
        explanation: "this keeps the sign: bndiff = hprebn - bnmeani subtracts, so dbnmeani = -Σ_batch dbndiff",
        patch: |t| t.dbnmeani = |_, d| d.sum_axis(ndarray::Axis(0)).insert_axis(ndarray::Axis(0)),
    },
    Mistake {
        exercise: Exercise::Step(Var::B1),
        name: "db1 from one row",
        explanation: "this is db1 from one row of dhprebn: b1 is added to every row, so db1 = dhprebn summed over the batch (axis 0)",
        patch: |t| t.db1 = |_, dhprebn| dhprebn.row(0).to_owned(),
    },
    Mistake {
        exercise: Exercise::Step(Var::Counts),
        name: "path through counts_sum dropped",
        explanation: "this keeps only counts' path through probs = counts·counts_sum_inv: counts also makes counts_sum, so dcounts = counts_sum_inv·dprobs + dcounts_sum (broadcast)",
        patch: |t| t.dcounts = |f, dprobs, _| &f.counts_sum_inv * dprobs,
    },
    Mistake {
        exercise: Exercise::Step(Var::Counts),
        name: "path through probs dropped",
        explanation: "this keeps only counts' path through counts_sum: counts is also multiplied into probs, so dcounts = counts_sum_inv·dprobs + dcounts_sum (broadcast)",
        patch: |t| t.dcounts = |f, _, dcounts_sum| Array2::zeros(f.counts.raw_dim()) + dcounts_sum,
    },
    Mistake {
        exercise: Exercise::Step(Var::Logits),
        name: "path through norm_logits dropped",
        explanation: "this keeps only logits' path through logit_maxes: norm_logits = logits - logit_maxes uses every logit, so dlogits = dnorm_logits + dlogit_maxes at each row's argmax",
        patch: |t| {
            t.dlogits = |f, dnorm_logits, dlogit_maxes| {
                reference::dlogits(f, &(dnorm_logits * 0.0), dlogit_maxes)
            }
        },
    },
    Mistake {
        exercise: Exercise::Step(Var::B2),
        name: "db2 from one row",
        explanation: "this is db2 from one row of dlogits: b2 is added to every row, so db2 = dlogits summed over the batch (axis 0)",
        patch: |t| t.db2 = db2_first_row,
    },
    Mistake {
        exercise: Exercise::Step(Var::Hpreact),
        name: "tanh at the pre-activation",
        explanation: "this is the derivative of tanh taken at the pre-activation: use 1 - h², where h = tanh(hpreact), dhpreact = (1 - h²)·dh",
        patch: |t| t.dhpreact = dhpreact_at_the_preactivation,
    },
    Mistake {
        exercise: Exercise::Step(Var::Bnvar),
        name: "exponent kept",
        explanation: "this keeps the exponent -0.5: the derivative of (bnvar + ε)^-0.5 is -0.5·(bnvar + ε)^-1.5, one less",
        patch: |t| t.dbnvar = dbnvar_exponent_kept,
    },
    Mistake {
        exercise: Exercise::Step(Var::Bndiff2),
        name: "1/n, not 1/(n-1)",
        explanation: "this divides by n: the forward's variance is Σ bndiff2 / (n-1) (Bessel's correction), so dbndiff2 = dbnvar / (n-1)",
        patch: |t| t.dbndiff2 = dbndiff2_over_n,
    },
    Mistake {
        exercise: Exercise::Step(Var::Bndiff),
        name: "path through bndiff2 dropped",
        explanation: "this keeps only bndiff's path through bnraw: bndiff is squared into bndiff2 too, so dbndiff = bnvar_inv·dbnraw + 2·bndiff·dbndiff2",
        patch: |t| t.dbndiff = |f, dbnraw, _| &f.bnvar_inv * dbnraw,
    },
    Mistake {
        exercise: Exercise::Step(Var::Bndiff),
        name: "path through bnraw dropped",
        explanation: "this keeps only bndiff's path through bndiff2: bndiff is multiplied into bnraw too, so dbndiff = bnvar_inv·dbnraw + 2·bndiff·dbndiff2",
        patch: |t| t.dbndiff = |f, _, dbndiff2| 2.0 * &f.bndiff * dbndiff2,
    },
    Mistake {
        exercise: Exercise::Step(Var::Hprebn),
        name: "path through the mean dropped",
        explanation: "this keeps only hprebn's path through bndiff: hprebn also makes the mean bnmeani, so dhprebn = dbndiff + dbnmeani/n (broadcast)",
        patch: |t| t.dhprebn = |_, dbndiff, _| dbndiff.clone(),
    },
    Mistake {
        exercise: Exercise::Step(Var::Hprebn),
        name: "path through bndiff dropped",
        explanation: "this keeps only hprebn's path through the mean: bndiff = hprebn - bnmeani uses hprebn itself too, so dhprebn = dbndiff + dbnmeani/n (broadcast)",
        patch: |t| {
            t.dhprebn =
                |f, dbndiff, dbnmeani| Array2::zeros(dbndiff.raw_dim()) + &(dbnmeani / f.n() as f64)
        },
    },
    Mistake {
        exercise: Exercise::Step(Var::W1),
        name: "transposed",
        explanation: "this is dhprebnᵀ @ embcat, (H, block·E): dW1 has W1's shape, (block·E, H), so dW1 = embcatᵀ @ dhprebn",
        patch: |t| t.dW1 = dW1_transposed,
    },
    Mistake {
        exercise: Exercise::Step(Var::Emb),
        name: "axes swapped",
        explanation: "this reshapes dembcat through (n, E, block): embcat is emb's (n, block, E) read row by row, so reshape dembcat straight to emb's shape, in that order",
        patch: |t| t.demb = demb_axes_swapped,
    },
    Mistake {
        exercise: Exercise::Step(Var::C),
        name: "assigned",
        explanation: "this assigns (=) each looked-up row of dC: a character looked up several times must receive the sum of its gradients, dC[Xb[i, t]] += demb[i, t]",
        patch: |t| t.dC = dC_assigned,
    },
];
