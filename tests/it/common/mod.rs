//! # What the test files share
//!
//! The modules of `tests/it/` take it with `use crate::common;`: the
//! lecture's data set, quiet and resumed training runs, the grader's small
//! WaveNet after its forward pass, and [`mutant!`], the reference solutions
//! with one module broken.

pub mod cli;

use std::path::Path;

use backprop_ninja::Solutions;
use backprop_ninja::corpus::words::Corpus;
use backprop_ninja::grade::cases::wavenet::small_wavenet;
use backprop_ninja::models::model::Model;
use backprop_ninja::models::wavenet::{WaveNet, WaveNetWorkspace};
use backprop_ninja::train::{self, Dataset, OptimizerConfig, Schedule, TrainConfig};
use ndarray::Array2;

/// The lecture's 32,033 names, `../shared/names.txt` (for the ignored tests).
pub fn names_txt() -> Corpus {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/names.txt");
    let corpus = Corpus::from_file(&path).expect("../shared/names.txt");
    assert_eq!(corpus.words.len(), 32_033);
    corpus
}

/// `base` cut to `steps` steps, its learning rate decayed after `decay_at`.
pub fn short(base: TrainConfig, steps: usize, decay_at: usize) -> TrainConfig {
    let schedule = base.sgd().expect("an SGD run");
    TrainConfig {
        steps,
        optimizer: OptimizerConfig::Sgd(Schedule {
            lr_decay_step: decay_at,
            ..schedule
        }),
        ..base
    }
}

/// Trains `model` on `data`'s training split from step 0, without a
/// progress report or checkpoints.
pub fn train_quietly<M: Model>(model: &mut M, data: &Dataset, cfg: &TrainConfig) {
    train::train::<Solutions, _>(model, &data.train, cfg, 0, 0, |_| {}, |_, _| Ok(())).unwrap();
}

/// `model` trained for `cfg.steps` in one go, and a copy of it checkpointed
/// at step `at` of that run and trained on from there.
pub fn straight_and_resumed<M: Model>(
    mut model: M,
    data: &Dataset,
    cfg: &TrainConfig,
    at: usize,
) -> (M, M) {
    let mut halfway = None;
    train::train::<Solutions, _>(
        &mut model,
        &data.train,
        cfg,
        0,
        at,
        |_| {},
        |m, step| {
            halfway = Some((m.clone(), step));
            Ok(())
        },
    )
    .unwrap();
    let (mut resumed, step) = halfway.expect("a checkpoint");
    assert_eq!(step, at);
    train::train::<Solutions, _>(
        &mut resumed,
        &data.train,
        cfg,
        step,
        0,
        |_| {},
        |_, _| Ok(()),
    )
    .unwrap();
    (model, resumed)
}

/// The grader's small WaveNet after a forward pass on its batch.
pub struct SmallWaveNet {
    pub model: WaveNet<f64>,
    pub idx: Array2<usize>,
    pub targets: Vec<usize>,
    /// The batch and every activation.
    pub ws: WaveNetWorkspace<f64>,
    pub loss: f64,
}

/// The grader's small WaveNet of `seed`, after its forward pass.
pub fn small_wavenet_forward(seed: u64) -> SmallWaveNet {
    let (model, idx, targets) = small_wavenet(seed);
    let mut ws = model.workspace(idx.nrows()).unwrap();
    ws.cache.idx.assign(&idx);
    ws.targets.copy_from_slice(&targets);
    let loss = model.forward(&mut ws).unwrap();
    SmallWaveNet {
        model,
        idx,
        targets,
        ws,
        loss,
    }
}

/// `mutant!(name, module { items })` defines `name::Mutant` (`pub name`
/// exports it): the reference solutions, but for `module`, which holds
/// `items` (the broken function, and whatever else the module must still
/// export).
macro_rules! mutant {
    ($vis:vis $name:ident, $module:ident { $($item:item)* }) => {
        $vis mod $name {
            pub use backprop_ninja::solutions::*; // the reference, but for the module below
            pub mod $module {
                $($item)*
            }
            pub struct Mutant;
            backprop_ninja::implement_backprop!(Mutant, "mutant");
        }
    };
}
pub(crate) use mutant;

// Exercise 1 with the variance's gradient divided by n, not n - 1: the
// grader (tests/it/mutants/) and the second oracle (tests/it/second_oracle.rs)
// must both reject it.
mutant!(pub bessel_replaced_by_n, step_by_step {
    pub use backprop_ninja::solutions::step_by_step::*;
    use backprop_ninja::course::step_by_step::Forward;
    use ndarray::Array2;
    pub fn dbndiff2(f: &Forward, dbnvar: &Array2<f64>) -> Array2<f64> {
        Array2::ones(f.bndiff2.raw_dim()) / f.n() as f64 * dbnvar // 1/n, not 1/(n-1)
    }
});
