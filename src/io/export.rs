//! The file that `check --export FILE.safetensors` writes for exercise 1:
//! the lecture's network, its batch, its loss and all 26 gradients, in
//! float64, for `scripts/verify_export.py` to check against PyTorch autograd.
//!
//! | tensors | dtype | shape |
//! |---|---|---|
//! | `C`, `W1`, `b1`, `W2`, `b2`, `bngain`, `bnbias` | F64 | the parameters' |
//! | `Xb`, `Yb` | I64 | `(n, block)`, `(n,)` |
//! | `loss` | F64 | `()` |
//! | `d<name>` for each [`Var`], e.g. `dlogprobs`, `dC` | F64 | its variable's |
//!
//! The header's metadata is fixed: `format` is [`FORMAT`] and `crate` the
//! crate's name and version.
#![allow(non_snake_case)] // the lecture's names: C, W1, Xb, ...

use std::collections::BTreeMap;
use std::path::Path;

use ndarray::arr0;

use crate::course::step_by_step::{Forward, Grads, Var};
use crate::error::Result;
use crate::io::weights::{self, Tensor};

/// The `format` entry of the export's metadata.
pub const FORMAT: &str = "backprop-ninja check export";

/// Writes the parameters and batch of `f`, its loss, and every gradient in
/// `grads` to the safetensors file `path` (atomically, see
/// [`weights::save`]).
pub fn export_check(path: &Path, f: &Forward, grads: &Grads) -> Result<()> {
    let p = &f.params;
    let mut tensors = vec![
        ("C", Tensor::new(p.C.clone())),
        ("W1", Tensor::new(p.W1.clone())),
        ("b1", Tensor::new(p.b1.clone())),
        ("W2", Tensor::new(p.W2.clone())),
        ("b2", Tensor::new(p.b2.clone())),
        ("bngain", Tensor::new(p.bngain.clone())),
        ("bnbias", Tensor::new(p.bnbias.clone())),
        ("Xb", Tensor::new(f.batch.Xb.mapv(|i| i as i64))),
        (
            "Yb",
            Tensor::new(
                f.batch
                    .Yb
                    .iter()
                    .map(|&i| i as i64)
                    .collect::<ndarray::Array1<_>>(),
            ),
        ),
        ("loss", Tensor::new(arr0(f.loss))),
    ]
    .into_iter()
    .map(|(name, t)| (name.to_string(), t))
    .collect::<Vec<_>>();
    for var in Var::ALL {
        tensors.push((var.grad_name(), Tensor::new(grads.get(var).to_owned())));
    }
    let metadata = BTreeMap::from([
        ("format".to_string(), FORMAT.to_string()),
        (
            "crate".to_string(),
            concat!("backprop-ninja ", env!("CARGO_PKG_VERSION")).to_string(),
        ),
    ]);
    weights::save(path, tensors, metadata)
}
