//! # AdamW's state for a whole model (lecture 7)
//!
//! The moments `m`, `v` of every parameter and the step count; each step
//! runs `B::adamw_update` (yours in `exercises/adamw.rs`, or the reference)
//! on every parameter, with the hyperparameters of
//! [`crate::layers::adamw::AdamW`].

use ndarray::{ArrayD, ArrayViewD, ArrayViewMutD};

use crate::backprop::Backprop;
use crate::error::Result;
use crate::float::Float;
use crate::layers::adamw::AdamW;

/// The moments of every parameter of a model, in its visiting order, and
/// the number of steps taken.
#[derive(Clone, Debug, PartialEq)]
pub struct AdamWState<F> {
    pub hyper: AdamW,
    /// `m`, one per parameter, its shape
    pub m: Vec<ArrayD<F>>,
    /// `v`, one per parameter, its shape
    pub v: Vec<ArrayD<F>>,
    /// steps taken so far; the next is `t + 1`
    pub t: usize,
}

impl<F: Float> AdamWState<F> {
    /// Zero moments for parameters of these shapes.
    pub fn new(hyper: AdamW, shapes: &[Vec<usize>]) -> Result<Self> {
        hyper.validate()?;
        let zeros = || shapes.iter().map(|s| ArrayD::zeros(s.as_slice())).collect();
        Ok(AdamWState {
            hyper,
            m: zeros(),
            v: zeros(),
            t: 0,
        })
    }

    /// One step: `t += 1`, then `B::adamw_update` on each parameter with its
    /// gradient, both in the order of [`AdamWState::new`]'s shapes.
    ///
    /// # Panics
    /// If the counts or shapes differ from the state's.
    pub fn step<'a, 'b, B: Backprop>(
        &mut self,
        params: impl IntoIterator<Item = ArrayViewMutD<'a, F>>,
        grads: impl IntoIterator<Item = ArrayViewD<'b, F>>,
    ) where
        F: 'a + 'b,
    {
        self.t += 1;
        let mut count = 0;
        for (((mut p, g), m), v) in params
            .into_iter()
            .zip(grads)
            .zip(&mut self.m)
            .zip(&mut self.v)
        {
            assert_eq!(
                p.shape(),
                m.shape(),
                "AdamW: parameter {count} changed shape"
            );
            B::adamw_update(&mut p, m, v, &g, self.t, &self.hyper);
            count += 1;
        }
        assert_eq!(
            count,
            self.m.len(),
            "AdamW: {count} parameters, {} moments",
            self.m.len()
        );
    }
}
