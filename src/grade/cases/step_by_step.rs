//! # Grading cases: exercise 1 of "becoming a backprop ninja"
//!
//! Each of the 26 steps is graded alone, handed the reference's upstream
//! gradients ([`step`]), so one mistake stays in its own row; [`chain`]
//! runs the learner's steps end to end.

use ndarray::ArrayD;

use crate::backprop::Backprop;
use crate::course::step_by_step::{BATCH, Forward, Grads, Var, lecture_setup};
use crate::grade::attempt::{attempt, is_todo};
use crate::grade::case::{failed, verdict};
use crate::grade::compare::compare;
use crate::grade::hints::{Known, diagnose};
use crate::grade::oracle::{self, Config};
use crate::grade::table::{BackpropTable, SOLUTIONS};
use crate::grade::{Outcome, Row, SEED, Status};
use crate::hyper::Hyper;

/// Computes the gradient of `var` with the step of `bp`, reading the upstream
/// gradients it needs from `grads`, and stores it there.
pub fn run_step(bp: &BackpropTable, grads: &mut Grads, var: Var, f: &Forward) {
    let g = grads;
    match var {
        Var::Logprobs => g.dlogprobs = (bp.dlogprobs)(f),
        Var::Probs => g.dprobs = (bp.dprobs)(f, &g.dlogprobs),
        Var::CountsSumInv => g.dcounts_sum_inv = (bp.dcounts_sum_inv)(f, &g.dprobs),
        Var::CountsSum => g.dcounts_sum = (bp.dcounts_sum)(f, &g.dcounts_sum_inv),
        Var::Counts => g.dcounts = (bp.dcounts)(f, &g.dprobs, &g.dcounts_sum),
        Var::NormLogits => g.dnorm_logits = (bp.dnorm_logits)(f, &g.dcounts),
        Var::LogitMaxes => g.dlogit_maxes = (bp.dlogit_maxes)(f, &g.dnorm_logits),
        Var::Logits => g.dlogits = (bp.dlogits)(f, &g.dnorm_logits, &g.dlogit_maxes),
        Var::H => g.dh = (bp.dh)(f, &g.dlogits),
        Var::W2 => g.dW2 = (bp.dW2)(f, &g.dlogits),
        Var::B2 => g.db2 = (bp.db2)(f, &g.dlogits),
        Var::Hpreact => g.dhpreact = (bp.dhpreact)(f, &g.dh),
        Var::Bngain => g.dbngain = (bp.dbngain)(f, &g.dhpreact),
        Var::Bnbias => g.dbnbias = (bp.dbnbias)(f, &g.dhpreact),
        Var::Bnraw => g.dbnraw = (bp.dbnraw)(f, &g.dhpreact),
        Var::BnvarInv => g.dbnvar_inv = (bp.dbnvar_inv)(f, &g.dbnraw),
        Var::Bnvar => g.dbnvar = (bp.dbnvar)(f, &g.dbnvar_inv),
        Var::Bndiff2 => g.dbndiff2 = (bp.dbndiff2)(f, &g.dbnvar),
        Var::Bndiff => g.dbndiff = (bp.dbndiff)(f, &g.dbnraw, &g.dbndiff2),
        Var::Bnmeani => g.dbnmeani = (bp.dbnmeani)(f, &g.dbndiff),
        Var::Hprebn => g.dhprebn = (bp.dhprebn)(f, &g.dbndiff, &g.dbnmeani),
        Var::Embcat => g.dembcat = (bp.dembcat)(f, &g.dhprebn),
        Var::W1 => g.dW1 = (bp.dW1)(f, &g.dhprebn),
        Var::B1 => g.db1 = (bp.db1)(f, &g.dhprebn),
        Var::Emb => g.demb = (bp.demb)(f, &g.dembcat),
        Var::C => g.dC = (bp.dC)(f, &g.demb),
    }
}

/// The whole backward pass with `B`'s steps, each fed by the ones before.
pub fn run_chain<B: Backprop>(f: &Forward) -> Grads {
    run_chain_with(&BackpropTable::of::<B>(), f)
}

/// [`run_chain`] with the steps of `bp`.
pub fn run_chain_with(bp: &BackpropTable, f: &Forward) -> Grads {
    let mut grads = Grads::zeros(f);
    for var in Var::ALL {
        run_step(bp, &mut grads, var, f);
    }
    grads
}

/// The lecture's network at its exercise sizes, and the reference gradients.
pub fn lecture() -> (Forward, Grads) {
    lecture_seeded(SEED)
}

/// The same, drawn from `seed`.
pub fn lecture_seeded(seed: u64) -> (Forward, Grads) {
    let (params, batch) = lecture_setup(Hyper::BACKPROP_NINJA, BATCH, seed);
    let f = Forward::new(&params, &batch).expect("the lecture's network fits its batch");
    let grads = run_chain_with(&SOLUTIONS, &f);
    (f, grads)
}

pub fn step_config(seed: u64) -> Config {
    Config {
        seed,
        max_full: 400,
        subset: 200,
        ..Config::default()
    }
}

/// Compares a gradient of the lecture's network with the reference and with
/// finite differences of the loss in `var`.
pub fn lecture_row(
    name: &str,
    f: &Forward,
    var: Var,
    learner: &ArrayD<f64>,
    reference: &ndarray::ArrayViewD<f64>,
    seed: u64,
) -> (Row, Option<String>) {
    let report = oracle::check(
        name,
        &var.value(f),
        learner,
        |v| Forward::with_override(&f.params, &f.batch, var, v).loss,
        &step_config(seed),
    );
    let row = compare(name, learner, reference, Some(report));
    let known = Known::sizes(&[("n", f.n())]);
    let message = (!row.ok()).then(|| diagnose(&row, learner, reference, &known));
    (row, message)
}

pub fn step(bp: &BackpropTable, id: &str, var: Var, seed: u64) -> Outcome {
    let (f, reference) = lecture_seeded(seed);
    let mut grads = reference.clone();
    if let Err(message) = attempt(|| run_step(bp, &mut grads, var, &f)) {
        let shape = var.value(&f).shape().to_vec();
        return failed(
            id,
            message,
            &format!(
                "the forward pass and the reference's upstream gradients; {} must have shape {shape:?}",
                var.grad_name()
            ),
        );
    }
    let (row, message) = lecture_row(
        &format!("ex1 {}", var.grad_name()),
        &f,
        var,
        &grads.get(var).to_owned(),
        &reference.get(var),
        seed,
    );
    verdict(vec![row], message.into_iter().collect())
}

/// Why each step of exercise 1 is not ready, run alone on the reference's
/// upstream gradients: not attempted, panicking, mis-shaped or wrong.
fn steps_not_ready(bp: &BackpropTable, f: &Forward, reference: &Grads) -> Vec<(Var, &'static str)> {
    Var::ALL
        .iter()
        .filter_map(|&var| {
            let mut alone = reference.clone();
            let why = match attempt(|| run_step(bp, &mut alone, var, f)) {
                Err(message) if is_todo(&message) => "not attempted",
                Err(_) => "panics",
                Ok(()) if alone.get(var).shape() != reference.get(var).shape() => "mis-shaped",
                Ok(()) if !compare("", &alone.get(var), &reference.get(var), None).approximate => {
                    "wrong"
                }
                Ok(()) => return None,
            };
            Some((var, why))
        })
        .collect()
}

pub fn chain(bp: &BackpropTable, id: &str, seed: u64) -> Outcome {
    let (f, reference) = lecture_seeded(seed);
    // The chain waits for every step: one mistake, one wrong row.
    let waiting = steps_not_ready(bp, &f, &reference);
    if !waiting.is_empty() {
        let status = if waiting.iter().all(|(_, why)| *why == "not attempted") {
            Status::NotAttempted
        } else {
            let list: Vec<String> = waiting
                .iter()
                .filter(|(_, why)| *why != "not attempted")
                .map(|(var, why)| format!("{} ({why})", var.grad_name()))
                .collect();
            Status::Blocked(format!("fix {} first (its own row)", list.join(", ")))
        };
        return Outcome {
            status,
            rows: vec![],
        };
    }
    let chained = match attempt(|| run_chain_with(bp, &f)) {
        Ok(grads) => grads,
        Err(message) if is_todo(&message) => {
            return Outcome {
                status: Status::NotAttempted,
                rows: vec![],
            };
        }
        Err(message) => {
            return failed(
                id,
                message,
                "the forward pass; each step its own upstream gradients",
            );
        }
    };
    let rows: Vec<Row> = Var::ALL
        .iter()
        .map(|&var| {
            compare(
                &format!("chain {}", var.grad_name()),
                &chained.get(var),
                &reference.get(var),
                None,
            )
        })
        .collect();
    let status = match Var::ALL.iter().zip(&rows).find(|(_, row)| !row.ok()) {
        None => Status::Correct,
        Some((&var, row)) => {
            let mut alone = reference.clone();
            let step_ok = attempt(|| run_step(bp, &mut alone, var, &f)).is_ok()
                && compare("", &alone.get(var), &reference.get(var), None).approximate;
            if step_ok {
                Status::Wrong(format!(
                    "{} is right when handed the reference's upstream gradients, but not your own (maxdiff {:.3e}): check the steps before it",
                    var.grad_name(),
                    row.maxdiff
                ))
            } else {
                Status::Blocked(format!("fix {} first (its own row)", var.grad_name()))
            }
        }
    };
    Outcome { status, rows }
}
