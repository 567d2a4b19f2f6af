//! # A tiny neural net on the scalar engine (micrograd's `nn.py`)
//!
//! The end of the lecture *"building micrograd"*: a [`Neuron`] is
//! `tanh(w · x + b)`, a [`ScalarLayer`] is a list of neurons reading the same
//! inputs, an [`ScalarMlp`] is a list of layers. Every weight is a leaf of the
//! [`Graph`]; a forward pass adds the nodes of the loss; `backward` fills in
//! every weight's gradient; a step of gradient descent moves each weight
//! against it. The lecture trains `MLP(3, [4, 4, 1])` on four examples
//! ([`TOY_XS`], [`TOY_YS`]) until its predictions match the targets.
//!
//! Parameters are made first, so after each step [`Graph::truncate`] drops
//! the step's computation and keeps them: the arena never grows.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::backprop::Backprop;
use crate::course::micrograd::{Graph, Value};
use crate::error::{Error, Result};

/// The lecture's four inputs.
pub const TOY_XS: [[f64; 3]; 4] = [
    [2.0, 3.0, -1.0],
    [3.0, -1.0, 0.5],
    [0.5, 1.0, 1.0],
    [1.0, 1.0, -1.0],
];

/// The lecture's targets, one per input.
pub const TOY_YS: [f64; 4] = [1.0, -1.0, -1.0, 1.0];

/// `tanh(Σ_i w[i]·x[i] + b)`.
#[derive(Clone, Debug, PartialEq)]
pub struct Neuron {
    pub w: Vec<Value>,
    pub b: Value,
}

impl Neuron {
    /// `nin` weights and a bias, uniform in `[-1, 1]` as in the lecture.
    pub fn new(g: &mut Graph, nin: usize, rng: &mut impl Rng) -> Neuron {
        let w = (0..nin)
            .map(|_| g.leaf(rng.random_range(-1.0..=1.0)))
            .collect();
        let b = g.leaf(rng.random_range(-1.0..=1.0));
        Neuron { w, b }
    }

    pub fn forward(&self, g: &mut Graph, x: &[Value]) -> Value {
        let act = g.dot(&self.w, x);
        let act = g.add(act, self.b);
        g.tanh(act)
    }

    /// The weights, then the bias.
    pub fn parameters(&self) -> Vec<Value> {
        let mut p = self.w.clone();
        p.push(self.b);
        p
    }
}

/// `nout` neurons, each reading all the inputs.
#[derive(Clone, Debug, PartialEq)]
pub struct ScalarLayer {
    pub neurons: Vec<Neuron>,
}

impl ScalarLayer {
    pub fn new(g: &mut Graph, nin: usize, nout: usize, rng: &mut impl Rng) -> ScalarLayer {
        ScalarLayer {
            neurons: (0..nout).map(|_| Neuron::new(g, nin, rng)).collect(),
        }
    }

    pub fn forward(&self, g: &mut Graph, x: &[Value]) -> Vec<Value> {
        self.neurons.iter().map(|n| n.forward(g, x)).collect()
    }

    pub fn parameters(&self) -> Vec<Value> {
        self.neurons.iter().flat_map(Neuron::parameters).collect()
    }
}

/// Layers of neurons, one after another: `ScalarMlp::new(g, 3, &[4, 4, 1], rng)`
/// is the lecture's network.
#[derive(Clone, Debug, PartialEq)]
pub struct ScalarMlp {
    pub layers: Vec<ScalarLayer>,
}

impl ScalarMlp {
    /// `nin` inputs, then a layer of each width in `nouts`.
    pub fn new(
        g: &mut Graph,
        nin: usize,
        nouts: &[usize],
        rng: &mut impl Rng,
    ) -> Result<ScalarMlp> {
        if nin == 0 || nouts.is_empty() || nouts.contains(&0) {
            return Err(Error::Config(format!(
                "an MLP needs at least one input and layers of width ≥ 1, got {nin} inputs and widths {nouts:?}"
            )));
        }
        let sizes: Vec<usize> = std::iter::once(nin).chain(nouts.iter().copied()).collect();
        let layers = sizes
            .windows(2)
            .map(|w| ScalarLayer::new(g, w[0], w[1], rng))
            .collect();
        Ok(ScalarMlp { layers })
    }

    pub fn forward(&self, g: &mut Graph, x: &[Value]) -> Vec<Value> {
        self.layers
            .iter()
            .fold(x.to_vec(), |x, layer| layer.forward(g, &x))
    }

    /// Every weight and bias, layer by layer.
    pub fn parameters(&self) -> Vec<Value> {
        self.layers
            .iter()
            .flat_map(ScalarLayer::parameters)
            .collect()
    }

    /// Sets every parameter's gradient to 0.
    pub fn zero_grad(&self, g: &mut Graph) {
        g.zero_grad(&self.parameters());
    }
}

/// `Σ_i (ypred_i - y_i)²`, the lecture's loss.
pub fn squared_error(g: &mut Graph, ypred: &[Value], ys: &[f64]) -> Value {
    let terms: Vec<Value> = ypred
        .iter()
        .zip(ys)
        .map(|(&yp, &y)| {
            let diff = g.add_const(yp, -y);
            g.pow(diff, 2.0)
        })
        .collect();
    g.sum(&terms)
}

/// The lecture's training run: `MLP(3, [4, 4, 1])` on [`TOY_XS`] and
/// [`TOY_YS`], `steps` steps of gradient descent at `lr`, with `B`'s local
/// backward steps. Returns the loss before each update, and the
/// predictions after the last.
pub fn train_toy<B: Backprop>(steps: usize, lr: f64, seed: u64) -> Result<(Vec<f64>, Vec<f64>)> {
    let mut g = Graph::new();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mlp = ScalarMlp::new(&mut g, 3, &[4, 4, 1], &mut rng)?;
    let params = mlp.parameters();
    let kept = g.len();
    let mut losses = vec![];
    let predict = |g: &mut Graph| -> Vec<Value> {
        TOY_XS
            .iter()
            .map(|x| {
                let x: Vec<Value> = x.iter().map(|&v| g.leaf(v)).collect();
                mlp.forward(g, &x)[0]
            })
            .collect()
    };
    for step in 0..steps {
        // forward
        let ypred = predict(&mut g);
        let loss = squared_error(&mut g, &ypred, &TOY_YS);
        losses.push(g.data(loss));
        if !g.data(loss).is_finite() {
            return Err(Error::Diverged {
                step,
                loss: g.data(loss),
            });
        }
        // backward: zero the gradients first, they accumulate
        mlp.zero_grad(&mut g);
        g.backward::<B>(loss);
        // update
        for &p in &params {
            g.set_data(p, g.data(p) - lr * g.grad(p));
        }
        g.truncate(kept);
    }
    let ypred = predict(&mut g);
    Ok((losses, ypred.iter().map(|&y| g.data(y)).collect()))
}
