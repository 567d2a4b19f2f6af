//! # AdamW's state for a whole model (lecture 7)
//!
//! The moments `m`, `v` of every parameter, by the parameter's name and
//! shape, and the step count; each step runs `B::adamw_update` (yours in
//! `exercises/adamw.rs`, or the reference) on every parameter, with the
//! hyperparameters of [`crate::layers::adamw::AdamW`].
//!
//! A state is made for one model ([`AdamWState::new`]) and checked against
//! the model it steps wherever it comes from elsewhere (a checkpoint):
//! [`AdamWState::check`] refuses moments of another model, or of another
//! name or shape, with an error naming the first that does not fit.

use ndarray::ArrayD;

use crate::backprop::Backprop;
use crate::error::{Error, Result};
use crate::float::Float;
use crate::layers::adamw::AdamW;
use crate::layers::params::{NamedParams, ParamPath};

/// The moments of every parameter of a model, named as its parameters and
/// in their order, and the number of steps taken.
#[derive(Clone, Debug, PartialEq)]
pub struct AdamWState<F> {
    pub hyper: AdamW,
    /// The parameters' names, as [`NamedParams::named_params`] gives them
    pub names: Vec<String>,
    /// `m`, one per parameter, its shape
    pub m: Vec<ArrayD<F>>,
    /// `v`, one per parameter, its shape
    pub v: Vec<ArrayD<F>>,
    /// steps taken so far; the next is `t + 1`
    pub t: usize,
}

impl<F: Float> AdamWState<F> {
    /// Zero moments for the parameters of `model`.
    pub fn new<M: NamedParams<F>>(hyper: AdamW, model: &M) -> Result<Self> {
        Self::for_shapes(hyper, model.param_shapes())
    }

    /// Zero moments for parameters of these names and shapes.
    pub fn for_shapes(hyper: AdamW, shapes: Vec<(String, Vec<usize>)>) -> Result<Self> {
        hyper.validate()?;
        let zeros = || {
            shapes
                .iter()
                .map(|(_, s)| ArrayD::zeros(s.as_slice()))
                .collect()
        };
        Ok(AdamWState {
            hyper,
            m: zeros(),
            v: zeros(),
            names: shapes.into_iter().map(|(n, _)| n).collect(),
            t: 0,
        })
    }

    /// Fails, naming the first parameter that does not fit, unless these
    /// moments are `model`'s: the same names in the same order, each `m`
    /// and `v` of its parameter's shape.
    pub fn check<M: NamedParams<F>>(&self, model: &M) -> Result<()> {
        let params = model.param_shapes();
        let lengths = [self.names.len(), self.m.len(), self.v.len()];
        if lengths.iter().any(|&n| n != params.len()) {
            return Err(Error::Config(format!(
                "AdamW moments for {} parameters (names {}, m {}, v {}), but the model has {}: a state of another model",
                self.names.len(),
                lengths[0],
                lengths[1],
                lengths[2],
                params.len()
            )));
        }
        for (k, (name, shape)) in params.iter().enumerate() {
            if &self.names[k] != name {
                return Err(Error::Config(format!(
                    "AdamW moment {k} is for parameter {:?}, but the model's parameter {k} is {name:?}: a state of another model",
                    self.names[k]
                )));
            }
            for (which, moment) in [("m", &self.m[k]), ("v", &self.v[k])] {
                if moment.shape() != shape.as_slice() {
                    return Err(Error::Config(format!(
                        "AdamW moment {which} of {name} has shape {:?}, but the parameter has shape {shape:?}",
                        moment.shape()
                    )));
                }
            }
        }
        Ok(())
    }

    /// One step of every parameter of `model` with its gradient: `t += 1`,
    /// then `B::adamw_update`. Allocates nothing. The state must be
    /// `model`'s (made by [`AdamWState::new`] or passed by
    /// [`AdamWState::check`]).
    ///
    /// # Panics
    /// If the count or a shape differs from the state's.
    pub fn step<B: Backprop, M: NamedParams<F>>(&mut self, model: &mut M, grads: &M::Grads) {
        self.t += 1;
        let AdamWState {
            hyper,
            names,
            m,
            v,
            t,
        } = self;
        let mut k = 0;
        model.walk_zip(grads, &mut ParamPath::unnamed(), &mut |_, mut p, g| {
            assert!(
                k < m.len() && p.shape() == m[k].shape(),
                "AdamW: parameter {k} does not fit the state's {:?}: a state of another model",
                names.get(k)
            );
            B::adamw_update(&mut p, &mut m[k], &mut v[k], &g, *t, hyper);
            k += 1;
        });
        assert_eq!(
            k,
            m.len(),
            "AdamW: {k} parameters, {} moments: a state of another model",
            m.len()
        );
    }
}
