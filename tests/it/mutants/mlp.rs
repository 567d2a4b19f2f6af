//! # Mutants of the MLP (makemore parts 2 to 4, backprop ninja)
//!
//! Exercise 1's steps, each failing its own row while the chain waits for
//! it; the layers of exercise 2 (linear, tanh, cross-entropy, BatchNorm,
//! embedding); and the hints, the chain and the panic report they bring.
#![allow(non_snake_case)]

use backprop_ninja::course::step_by_step::Var;
use backprop_ninja::grade::{Status, dispatch};
use backprop_ninja::registry::Exercise;

use super::{only_its_own_step_fails, wrong};
use crate::common::{self, mutant};

#[test]
fn bessel_replaced_by_n_fails_dbndiff2() {
    let message = only_its_own_step_fails::<common::bessel_replaced_by_n::Mutant>(Var::Bndiff2);
    assert!(
        message.contains("n/(n-1)"),
        "the hint names the factor: {message}"
    );
}

mutant!(db2_not_summed, step_by_step {
    pub use backprop_ninja::solutions::step_by_step::*;
    use backprop_ninja::course::step_by_step::Forward;
    use ndarray::{Array1, Array2};
    pub fn db2(_f: &Forward, dlogits: &Array2<f64>) -> Array1<f64> {
        dlogits.row(0).to_owned() // one row of the batch, not the sum
    }
});

#[test]
fn db2_not_summed_over_the_batch_fails_db2() {
    only_its_own_step_fails::<db2_not_summed::Mutant>(Var::B2);
}

mutant!(dc_assigned, step_by_step {
    pub use backprop_ninja::solutions::step_by_step::*;
    use backprop_ninja::course::step_by_step::Forward;
    use ndarray::{Array2, Array3, Zip, s};
    pub fn dC(f: &Forward, demb: &Array3<f64>) -> Array2<f64> {
        let mut dC = Array2::zeros(f.params.C.raw_dim());
        Zip::indexed(&f.batch.Xb).for_each(|(i, t), &ix| {
            dC.row_mut(ix).assign(&demb.slice(s![i, t, ..])); // = instead of +=
        });
        dC
    }
});

#[test]
fn dc_assigned_instead_of_accumulated_fails_dc() {
    only_its_own_step_fails::<dc_assigned::Mutant>(Var::C);
}

mutant!(dw1_transposed, step_by_step {
    pub use backprop_ninja::solutions::step_by_step::*;
    use backprop_ninja::course::step_by_step::Forward;
    use ndarray::Array2;
    pub fn dW1(f: &Forward, dhprebn: &Array2<f64>) -> Array2<f64> {
        dhprebn.t().dot(&f.embcat) // (H, block·E): the transpose
    }
});

#[test]
fn dw1_transposed_fails_dw1() {
    let message = only_its_own_step_fails::<dw1_transposed::Mutant>(Var::W1);
    assert!(message.contains("transposed?"), "{message}");
}

mutant!(dcounts_one_path, step_by_step {
    pub use backprop_ninja::solutions::step_by_step::*;
    use backprop_ninja::course::step_by_step::Forward;
    use ndarray::Array2;
    pub fn dcounts(
        f: &Forward,
        dprobs: &Array2<f64>,
        _dcounts_sum: &Array2<f64>,
    ) -> Array2<f64> {
        &f.counts_sum_inv * dprobs // the path through counts_sum is missing
    }
});

#[test]
fn dcounts_missing_its_second_path_fails_dcounts() {
    only_its_own_step_fails::<dcounts_one_path::Mutant>(Var::Counts);
}

mutant!(tanh_sign, tanh {
    use backprop_ninja::Float;
    use ndarray::{ArrayRef, Dimension, Zip};
    pub fn backward<F: Float, D: Dimension>(
        dx: &mut ArrayRef<F, D>,
        dout: &ArrayRef<F, D>,
        out: &ArrayRef<F, D>,
    ) {
        Zip::from(dx)
            .and(dout)
            .and(out)
            .for_each(|dx, &g, &t| *dx -= (F::one() - t * t) * g); // sign
    }
});

#[test]
fn a_flipped_sign_in_tanh_fails_tanh() {
    let message = wrong::<tanh_sign::Mutant>(Exercise::Tanh);
    assert!(message.contains("dx: WRONG"), "{message}");
    assert!(message.contains("sign is flipped"), "{message}");
    assert_eq!(
        dispatch::grade::<tanh_sign::Mutant>(Exercise::Linear).status,
        Status::Correct
    );
}

mutant!(linear_db_first_row, linear {
    use backprop_ninja::Float;
    use backprop_ninja::layers::linear::{Linear, LinearGrads};
    pub use backprop_ninja::solutions::linear::backward_3d;
    use ndarray::ArrayRef2;
    use ndarray::linalg::general_mat_mul;
    pub fn backward<F: Float>(
        dx: &mut ArrayRef2<F>,
        grads: &mut LinearGrads<F>,
        dout: &ArrayRef2<F>,
        x: &ArrayRef2<F>,
        layer: &Linear<F>,
    ) {
        general_mat_mul(F::one(), dout, &layer.w.t(), F::one(), dx);
        general_mat_mul(F::one(), &x.t(), dout, F::one(), &mut grads.dw);
        if let Some(db) = &mut grads.db {
            *db += &dout.row(0); // no sum over the batch
        }
    }
});

#[test]
fn a_bias_gradient_without_its_batch_sum_fails_linear_db() {
    let message = wrong::<linear_db_first_row::Mutant>(Exercise::Linear);
    assert!(message.contains("db: WRONG"), "{message}");
    assert!(
        !message.contains("dx: WRONG") && !message.contains("dw: WRONG"),
        "{message}"
    );
}

mutant!(linear_dw_transposed, linear {
    use backprop_ninja::Float;
    use backprop_ninja::layers::linear::{Linear, LinearGrads};
    pub use backprop_ninja::solutions::linear::backward_3d;
    use ndarray::ArrayRef2;
    use ndarray::linalg::general_mat_mul;
    pub fn backward<F: Float>(
        dx: &mut ArrayRef2<F>,
        grads: &mut LinearGrads<F>,
        dout: &ArrayRef2<F>,
        x: &ArrayRef2<F>,
        layer: &Linear<F>,
    ) {
        general_mat_mul(F::one(), dout, &layer.w.t(), F::one(), dx);
        // dw as (O, I), written into the (I, O) gradient: a shape mismatch.
        general_mat_mul(F::one(), &dout.t(), x, F::one(), &mut grads.dw);
    }
});

#[test]
fn a_transposed_weight_gradient_fails_linear_with_the_shapes() {
    let message = wrong::<linear_dw_transposed::Mutant>(Exercise::Linear);
    assert!(message.contains("layers::linear panicked"), "{message}");
    assert!(
        message.contains("dw (4, 3)"),
        "the shapes it was handed: {message}"
    );
}

mutant!(pub(super) cross_entropy_no_mean, cross_entropy {
    use backprop_ninja::Float;
    use backprop_ninja::layers::cross_entropy::CrossEntropyCache;
    use ndarray::{ArrayRef2, Zip};
    pub fn backward<F: Float>(
        dlogits: &mut ArrayRef2<F>,
        dloss: F,
        cache: &CrossEntropyCache<F>,
        targets: &[usize],
    ) {
        Zip::from(dlogits.rows_mut())
            .and(cache.probs.rows())
            .and(targets)
            .for_each(|mut dl, p, &y| {
                dl.zip_mut_with(&p, |d, &p| *d += dloss * p); // forgot the 1/n of the mean
                dl[y] -= dloss;
            });
    }
});

#[test]
fn cross_entropy_without_the_mean_fails_with_a_factor_of_n() {
    let message = wrong::<cross_entropy_no_mean::Mutant>(Exercise::CrossEntropy);
    assert!(message.contains("dlogits: WRONG"), "{message}");
    assert!(message.contains("6 (= n) times"), "a batch of 6: {message}");
}

mutant!(batchnorm_biased, batchnorm {
    use backprop_ninja::Float;
    use backprop_ninja::layers::batchnorm::{BatchNorm1d, BatchNormCache, BatchNormGrads};
    pub use backprop_ninja::solutions::batchnorm::backward_3d;
    use ndarray::{ArrayRef2, Zip};
    pub fn backward<F: Float>(
        dx: &mut ArrayRef2<F>,
        grads: &mut BatchNormGrads<F>,
        dout: &ArrayRef2<F>,
        cache: &BatchNormCache<F>,
        layer: &BatchNorm1d<F>,
    ) {
        let n = F::count(dout.nrows());
        Zip::from(grads.dgain.row_mut(0))
            .and(grads.dbias.row_mut(0))
            .and(dout.columns())
            .and(cache.xhat.columns())
            .for_each(|dg, db, d, xh| {
                *dg += d.dot(&xh);
                *db += d.sum();
            });
        Zip::from(dx.columns_mut())
            .and(dout.columns())
            .and(cache.xhat.columns())
            .and(layer.gain.row(0))
            .and(cache.var_inv.row(0))
            .for_each(|dx, d, xh, &g, &s| {
                let (sum, sum_xh) = (d.sum(), d.dot(&xh));
                Zip::from(dx)
                    .and(d)
                    .and(xh)
                    .for_each(|dx, &dy, &x| *dx += g * s / n * (n * dy - sum - x * sum_xh)); // n/(n-1) dropped
            });
    }
});

#[test]
fn batchnorm_without_bessels_correction_fails_dx_only() {
    let message = wrong::<batchnorm_biased::Mutant>(Exercise::BatchNorm);
    assert!(message.contains("dx: WRONG"), "{message}");
    assert!(!message.contains("dgain: WRONG"), "{message}");
    assert!(
        message.contains("dhprebn"),
        "the lecture-batch row fails too: {message}"
    );
}

mutant!(embedding_assigned, embedding {
    use backprop_ninja::Float;
    use backprop_ninja::layers::embedding::EmbeddingGrads;
    use ndarray::{ArrayRef2, ArrayRef3, Axis};
    pub fn backward<F: Float>(
        grads: &mut EmbeddingGrads<F>,
        dout: &ArrayRef3<F>,
        idx: &ArrayRef2<usize>,
    ) {
        for (d, &v) in dout.lanes(Axis(2)).into_iter().zip(idx.iter()) {
            grads.dtable.row_mut(v).assign(&d); // = instead of +=
        }
    }
});

#[test]
fn an_embedding_that_overwrites_fails_dtable() {
    let message = wrong::<embedding_assigned::Mutant>(Exercise::Embedding);
    assert!(message.contains("dtable: WRONG"), "{message}");
}

#[test]
fn an_embedding_scatter_that_assigns_gets_the_accumulate_hint() {
    let message = wrong::<embedding_assigned::Mutant>(Exercise::Embedding);
    assert!(message.contains("assigned, not accumulated"), "{message}");
}

#[test]
fn batchnorm_without_bessel_gets_the_bessel_hint_on_both_rows() {
    let message = wrong::<batchnorm_biased::Mutant>(Exercise::BatchNorm);
    assert_eq!(
        message.matches("Bessel's correction").count(),
        2,
        "{message}"
    );
}

mutant!(demb_axes_swapped, step_by_step {
    use backprop_ninja::course::step_by_step::Forward;
    pub use backprop_ninja::solutions::step_by_step::*;
    use ndarray::{Array2, Array3};
    /// Reshaped to (n, E, block), then its axes swapped back to (n, block, E).
    pub fn demb(f: &Forward, dembcat: &Array2<f64>) -> Array3<f64> {
        let &[n, block, e] = f.emb.shape() else {
            unreachable!()
        };
        dembcat
            .to_shape((n, e, block))
            .unwrap()
            .permuted_axes([0, 2, 1])
            .to_owned()
    }
});

mutant!(demb_wrong_shape, step_by_step {
    use backprop_ninja::course::step_by_step::Forward;
    pub use backprop_ninja::solutions::step_by_step::*;
    use ndarray::{Array2, Array3};
    /// Reshaped to (n, E, block).
    pub fn demb(f: &Forward, dembcat: &Array2<f64>) -> Array3<f64> {
        let &[n, block, e] = f.emb.shape() else {
            unreachable!()
        };
        dembcat.to_shape((n, e, block)).unwrap().to_owned()
    }
});

#[test]
fn a_demb_reshaped_through_the_wrong_axes_gets_the_axes_hint() {
    let message = only_its_own_step_fails::<demb_axes_swapped::Mutant>(Var::Emb);
    assert!(message.contains("axes in the wrong order"), "{message}");
    let message = wrong::<demb_wrong_shape::Mutant>(Exercise::Step(Var::Emb));
    assert!(message.contains("axes in the wrong order"), "{message}");
}

#[test]
fn each_message_names_its_case() {
    let message = wrong::<cross_entropy_no_mean::Mutant>(Exercise::CrossEntropy);
    assert!(
        message.contains("ex2::cross_entropy dlogits: WRONG"),
        "{message}"
    );
    assert!(
        message.contains("ex2 dlogits (lecture batch, vs exercise 1): WRONG"),
        "{message}"
    );
}

mutant!(tanh_broadcast_panic, tanh {
    use backprop_ninja::Float;
    use ndarray::{Array1, ArrayRef, Dimension};
    pub fn backward<F: Float, D: Dimension>(
        dx: &mut ArrayRef<F, D>,
        dout: &ArrayRef<F, D>,
        out: &ArrayRef<F, D>,
    ) {
        let local = Array1::from_iter(out.iter().map(|&t| F::one() - t * t));
        let (local, dout) = (local.into_dyn(), dout.to_owned().into_dyn());
        let wrong = &local * &dout; // (n·m,) times (n, m): does not broadcast
        dx.iter_mut().zip(&wrong).for_each(|(d, &w)| *d += w);
    }
});

#[test]
fn a_panic_names_the_line_of_the_learners_code() {
    let message = wrong::<tanh_broadcast_panic::Mutant>(Exercise::Tanh);
    assert!(message.contains("layers::tanh panicked"), "{message}");
    assert!(message.contains("at tests/it/mutants/mlp.rs:"), "{message}");
}

#[test]
fn the_chain_waits_for_a_mis_shaped_or_panicking_step_instead_of_failing() {
    let chain = dispatch::grade::<demb_wrong_shape::Mutant>(Exercise::Chain).status;
    assert!(
        matches!(&chain, Status::Blocked(why) if why.contains("demb (mis-shaped)")),
        "{chain:?}"
    );
    let chain = dispatch::grade::<demb_panics::Mutant>(Exercise::Chain).status;
    assert!(
        matches!(&chain, Status::Blocked(why) if why.contains("demb (panics)")),
        "{chain:?}"
    );
}

mutant!(demb_panics, step_by_step {
    use backprop_ninja::course::step_by_step::Forward;
    pub use backprop_ninja::solutions::step_by_step::*;
    use ndarray::{Array2, Array3};
    /// Reshaped to a shape of another size: a panic.
    pub fn demb(_f: &Forward, dembcat: &Array2<f64>) -> Array3<f64> {
        dembcat.to_shape((7, 7, 7)).unwrap().to_owned()
    }
});
