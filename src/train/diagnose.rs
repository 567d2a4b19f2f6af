//! # Training while looking inside (makemore part 3)
//!
//! [`diagnose`] trains the deep tanh MLP of [`crate::models::deep`] with the
//! trainer's step, taking the lecture's statistics
//! ([`crate::models::diagnostics`]) at chosen steps; [`report`] prints them
//! as the lecture does.

use crate::backprop::Backprop;
use crate::corpus::words::Examples;
use crate::error::{Error, Result};
use crate::models::deep::{Deep, Snapshot};
use crate::models::model::Trainable;
use crate::train::{self, TrainConfig};

/// What [`diagnose`] recorded.
#[derive(Clone, Debug, Default)]
pub struct Diagnosis {
    /// Each step's batch loss.
    pub losses: Vec<f32>,
    /// Per step, `log10(update:data)` of each weight (empty unless asked).
    pub updates: Vec<Vec<f64>>,
    /// The names of the weights, in the order of each `updates` row.
    pub weight_names: Vec<String>,
    /// The snapshots, in step order.
    pub snapshots: Vec<Snapshot>,
}

/// Trains `model` for `cfg.steps` steps with the trainer's step, taking a
/// [`Snapshot`] after each step in `snapshot_at` (1-based step numbers) and,
/// if `record_updates`, every step's update:data ratios. `on_snapshot` sees
/// each snapshot as it is taken. Stops with [`Error::Diverged`] at a loss
/// that is not finite.
pub fn diagnose<B: Backprop>(
    model: &mut Deep,
    data: &Examples,
    cfg: &TrainConfig,
    snapshot_at: &[usize],
    record_updates: bool,
    mut on_snapshot: impl FnMut(&Snapshot),
) -> Result<Diagnosis> {
    cfg.validate()?;
    let mut ws = model.workspace(cfg.batch_size)?;
    let mut grads = model.zero_grads();
    let mut out = Diagnosis {
        weight_names: model.weight_names(),
        ..Diagnosis::default()
    };
    ws.record_updates = record_updates;
    let (mut opt, run) = (cfg.optimizer_for(model)?, cfg.run(0));
    let mut timing = train::Timing::default();
    for step in 0..cfg.steps {
        ws.take_snapshot = snapshot_at.contains(&(step + 1));
        ws.lr = cfg.lr_at(step);
        let loss = train::train_step::<B, Deep>(
            model,
            &mut opt,
            &mut grads,
            &mut ws,
            data,
            &run,
            step,
            &mut timing,
        )?;
        if !loss.is_finite() {
            return Err(Error::Diverged {
                step,
                loss: loss as f64,
            });
        }
        out.losses.push(loss);
        if record_updates {
            out.updates.push(std::mem::take(&mut ws.updates));
        }
        if let Some(mut s) = ws.snapshot.take() {
            s.step = step + 1;
            on_snapshot(&s);
            out.snapshots.push(s);
        }
    }
    Ok(out)
}

/// The lecture's printout of a snapshot: per Tanh layer, activation mean,
/// std and saturation, gradient mean and std; per weight, its gradient and
/// grad:data ratio.
pub fn report(s: &Snapshot) -> String {
    let mut out = format!("step {}: tanh layers\n", s.step);
    for t in &s.tanh {
        out += &format!(
            "  layer {:2} (tanh): activation mean {:+.2}, std {:.2}, saturated {:5.2}%  | gradient mean {:+.6}, std {:.6e}\n",
            t.layer,
            t.activation.mean,
            t.activation.std,
            t.activation.saturated,
            t.gradient.mean,
            t.gradient.std
        );
    }
    out += "  weights:\n";
    for w in &s.weights {
        out += &format!(
            "  layer {:2} W {:?}: grad mean {:+.6}, std {:.6e}, grad:data {:.6e}\n",
            w.layer, w.shape, w.grad.mean, w.grad.std, w.grad_to_data
        );
    }
    out
}
