//! # Known mistakes of exercise 1 (makemore part 4): the steps, one by one
//!
//! Every step with two paths into its tensor (`dcounts`, `dbndiff`,
//! `dhprebn`) has a mistake per path, each dropped on its own; `dlogits`
//! has one, the path through `norm_logits`: the one through `logit_maxes`
//! carries (numerically) nothing, as the lecture shows, so dropping it is
//! no mistake.
#![allow(non_snake_case)] // the lecture's names: dC, dW1, ...

use ndarray::{Array1, Array2, Array3, Zip};

use crate::course::step_by_step::{Forward, Var};
use crate::grade::mistakes::mistake::Mistake;
use crate::registry::Exercise;
use crate::solutions::step_by_step as reference;

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
