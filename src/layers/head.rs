//! # One head of self-attention, step by step
//!
//! Lecture 7, "Let's build GPT", version 4 of the self-attention trick: a
//! single head, written one named variable per line as in the lecture (and as
//! exercise 1 of "becoming a backprop ninja" cut the MLP into steps):
//!
//! ```text
//! k = x @ wk                                     (B, T, C) @ (C, hs) = (B, T, hs)
//! q = x @ wq                                     (B, T, hs)
//! v = x @ wv                                     (B, T, hs)
//! scores = q @ kᵀ · hs^-0.5                      (B, T, hs) @ (B, hs, T) = (B, T, T)
//! att = softmax(scores.masked_fill(tril == 0, -inf), dim=-1)      (B, T, T)
//! out = att @ v                                  (B, T, T) @ (B, T, hs) = (B, T, hs)
//! ```
//!
//! `hs` is the head size; the scale `hs^-0.5` keeps the scores at unit
//! variance so that the softmax does not saturate. Only the past is attended
//! to: the scores above the diagonal are masked ([`crate::layers::softmax`]),
//! and `att @ v` reads `att` below the diagonal only
//! ([`crate::layers::weighted_average`]).
//!
//! The exercise (`exercises/head.rs`) walks back up these lines: `dv`,
//! `datt`, `dscores`, `dq`, `dk`, then `dx`, each step graded on its own with
//! the reference's upstream gradients. Everything is checked in `f64`.

use ndarray::{Array2, Array3, ArrayD, ArrayRef2, ArrayRef3, ArrayView3, ArrayViewD, Axis, Ix3};

use crate::error::{Error, Result, expect_shape};
use crate::float::Float;
use crate::layers::{softmax, weighted_average};
use crate::ops::matmul_acc;

/// Every variable of one head's forward pass, and its weights.
#[derive(Clone, Debug, PartialEq)]
pub struct HeadForward<F> {
    /// `(B, T, C)`
    pub x: Array3<F>,
    /// `(C, hs)`, the lecture's `key = nn.Linear(C, head_size, bias=False)`
    pub wk: Array2<F>,
    /// `(C, hs)`
    pub wq: Array2<F>,
    /// `(C, hs)`
    pub wv: Array2<F>,
    /// `(B, T, hs)`
    pub k: Array3<F>,
    /// `(B, T, hs)`
    pub q: Array3<F>,
    /// `(B, T, hs)`
    pub v: Array3<F>,
    /// `hs^-0.5`
    pub scale: F,
    /// `(B, T, T)`: `q @ kᵀ · scale`, before the mask
    pub scores: Array3<F>,
    /// `(B, T, T)`: the attention weights, zero above the diagonal
    pub att: Array3<F>,
    /// `(B, T, hs)`
    pub out: Array3<F>,
}

/// PyTorch's `a @ w` for a batch of matrices and one matrix:
/// `c[b] = a[b] @ w`, `(B, m, k) @ (k, n) = (B, m, n)`.
pub fn bmm_2d<F: Float>(a: &ArrayRef3<F>, w: &ArrayRef2<F>) -> Array3<F> {
    let mut c = Array3::zeros((a.len_of(Axis(0)), a.len_of(Axis(1)), w.ncols()));
    for (mut c, a) in c.axis_iter_mut(Axis(0)).zip(a.axis_iter(Axis(0))) {
        matmul_acc(&mut c, &a, w);
    }
    c
}

/// PyTorch's `a @ b` for two batches of matrices (`torch.bmm`):
/// `c[i] = a[i] @ b[i]`, `(B, m, k) @ (B, k, n) = (B, m, n)`.
///
/// # Panics
/// If the shapes do not fit.
pub fn bmm<F: Float>(a: &ArrayRef3<F>, b: &ArrayRef3<F>) -> Array3<F> {
    assert_eq!(
        a.len_of(Axis(0)),
        b.len_of(Axis(0)),
        "bmm: batch sizes differ"
    );
    let mut c = Array3::zeros((a.len_of(Axis(0)), a.len_of(Axis(1)), b.len_of(Axis(2))));
    for ((mut c, a), b) in c
        .axis_iter_mut(Axis(0))
        .zip(a.axis_iter(Axis(0)))
        .zip(b.axis_iter(Axis(0)))
    {
        matmul_acc(&mut c, &a, &b);
    }
    c
}

/// PyTorch's `a.mT` (`a.transpose(-2, -1)`): each matrix of the batch
/// transposed, `(B, m, n)` seen as `(B, n, m)`, without a copy.
pub fn mt<F>(a: &ArrayRef3<F>) -> ArrayView3<'_, F> {
    a.view().permuted_axes([0, 2, 1])
}

impl<F: Float> HeadForward<F> {
    /// The forward pass of one head on `x (B, T, C)` with weights
    /// `wk, wq, wv`, each `(C, hs)`.
    pub fn new(x: Array3<F>, wk: Array2<F>, wq: Array2<F>, wv: Array2<F>) -> Result<Self> {
        let (b, t, c) = x.dim();
        let hs = wk.ncols();
        if hs == 0 || b == 0 || t == 0 {
            return Err(Error::Input {
                layer: "head",
                detail: format!(
                    "a head needs B, T and head_size ≥ 1, got x {:?}, head_size {hs}",
                    x.shape()
                ),
            });
        }
        for (name, w) in [("wk", &wk), ("wq", &wq), ("wv", &wv)] {
            expect_shape("head", name, w.shape(), &[c, hs])?;
        }
        let mut f = HeadForward {
            k: Array3::zeros((b, t, hs)),
            q: Array3::zeros((b, t, hs)),
            v: Array3::zeros((b, t, hs)),
            scale: F::count(hs).sqrt().recip(),
            scores: Array3::zeros((b, t, t)),
            att: Array3::zeros((b, t, t)),
            out: Array3::zeros((b, t, hs)),
            x,
            wk,
            wq,
            wv,
        };
        f.recompute_from_x();
        Ok(f)
    }

    pub fn head_size(&self) -> usize {
        self.wk.ncols()
    }

    fn recompute_from_x(&mut self) {
        self.k = bmm_2d(&self.x, &self.wk);
        self.q = bmm_2d(&self.x, &self.wq);
        self.v = bmm_2d(&self.x, &self.wv);
        self.recompute_from_qk();
    }

    fn recompute_from_qk(&mut self) {
        self.scores.fill(F::zero());
        for ((mut s, q), k) in self
            .scores
            .axis_iter_mut(Axis(0))
            .zip(self.q.axis_iter(Axis(0)))
            .zip(self.k.axis_iter(Axis(0)))
        {
            matmul_acc(&mut s, &q, &k.t()); // q @ kᵀ: (T, hs) @ (hs, T)
        }
        self.scores *= self.scale;
        self.recompute_from_scores();
    }

    fn recompute_from_scores(&mut self) {
        softmax::forward_into(&self.scores, &mut self.att).expect("(B, T, T) scores");
        self.recompute_out();
    }

    fn recompute_out(&mut self) {
        weighted_average::forward_into(&self.att, &self.v, &mut self.out)
            .expect("att (B, T, T), v (B, T, hs)");
    }
}

/// The variables whose gradients the exercise asks for, in the order the
/// backward pass meets them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HeadVar {
    V,
    Att,
    Scores,
    Q,
    K,
    X,
}

impl HeadVar {
    pub const ALL: [HeadVar; 6] = [
        HeadVar::V,
        HeadVar::Att,
        HeadVar::Scores,
        HeadVar::Q,
        HeadVar::K,
        HeadVar::X,
    ];

    /// `"v"`, `"att"`, ...
    pub fn name(self) -> &'static str {
        match self {
            HeadVar::V => "v",
            HeadVar::Att => "att",
            HeadVar::Scores => "scores",
            HeadVar::Q => "q",
            HeadVar::K => "k",
            HeadVar::X => "x",
        }
    }

    /// `"dv"`, `"datt"`, ...
    pub fn grad_name(self) -> String {
        format!("d{}", self.name())
    }

    /// The forward line this gradient undoes.
    pub fn line(self) -> &'static str {
        match self {
            HeadVar::V | HeadVar::Att => "out = att @ v",
            HeadVar::Scores => "att = softmax(scores.masked_fill(tril == 0, -inf))",
            HeadVar::Q | HeadVar::K => "scores = q @ kᵀ · hs^-0.5",
            HeadVar::X => "k = x @ wk; q = x @ wq; v = x @ wv",
        }
    }

    /// This variable's value in `f`.
    pub fn value(self, f: &HeadForward<f64>) -> ArrayViewD<'_, f64> {
        match self {
            HeadVar::V => f.v.view().into_dyn(),
            HeadVar::Att => f.att.view().into_dyn(),
            HeadVar::Scores => f.scores.view().into_dyn(),
            HeadVar::Q => f.q.view().into_dyn(),
            HeadVar::K => f.k.view().into_dyn(),
            HeadVar::X => f.x.view().into_dyn(),
        }
    }
}

impl HeadForward<f64> {
    /// The forward pass again with `var` set to `value` and everything after
    /// it recomputed: what finite differences perturb.
    pub fn with_override(&self, var: HeadVar, value: &ArrayD<f64>) -> HeadForward<f64> {
        let mut f = self.clone();
        let value: Array3<f64> = value.clone().into_dimensionality::<Ix3>().expect("3-D");
        match var {
            HeadVar::X => {
                f.x = value;
                f.recompute_from_x();
            }
            HeadVar::K => {
                f.k = value;
                f.recompute_from_qk();
            }
            HeadVar::Q => {
                f.q = value;
                f.recompute_from_qk();
            }
            HeadVar::Scores => {
                f.scores = value;
                f.recompute_from_scores();
            }
            HeadVar::Att => {
                f.att = value;
                f.recompute_out();
            }
            HeadVar::V => {
                f.v = value;
                f.recompute_out();
            }
        }
        f
    }
}
