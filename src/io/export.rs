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
            concat!(env!("CARGO_PKG_NAME"), " ", env!("CARGO_PKG_VERSION")).to_string(),
        ),
    ]);
    weights::save(path, tensors, metadata)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::course::step_by_step::BATCH;
    use crate::grade::cases::step_by_step::lecture;
    use crate::hyper::Hyper;
    use safetensors::Dtype;

    #[test]
    fn export_holds_every_tensor_with_its_dtype_and_shape() {
        let dir = weights::test_dir("export");
        let path = dir.join("check.safetensors");
        let (f, grads) = lecture();
        export_check(&path, &f, &grads).unwrap();
        let (mut tensors, metadata) = weights::load(&path).unwrap();
        assert_eq!(metadata["format"], FORMAT);

        let Hyper {
            vocab: V,
            block,
            n_embd: E,
            n_hidden: H,
        } = Hyper::BACKPROP_NINJA;
        let n = BATCH;
        let mut expected: Vec<(String, Dtype, Vec<usize>)> = vec![
            ("C".into(), Dtype::F64, vec![V, E]),
            ("W1".into(), Dtype::F64, vec![block * E, H]),
            ("b1".into(), Dtype::F64, vec![H]),
            ("W2".into(), Dtype::F64, vec![H, V]),
            ("b2".into(), Dtype::F64, vec![V]),
            ("bngain".into(), Dtype::F64, vec![1, H]),
            ("bnbias".into(), Dtype::F64, vec![1, H]),
            ("Xb".into(), Dtype::I64, vec![n, block]),
            ("Yb".into(), Dtype::I64, vec![n]),
            ("loss".into(), Dtype::F64, vec![]),
        ];
        for var in Var::ALL {
            let shape = var.value(&f).shape().to_vec();
            expected.push((var.grad_name(), Dtype::F64, shape));
        }
        assert_eq!(expected.len(), 7 + 2 + 1 + 26);
        assert_eq!(tensors.len(), expected.len());
        for (name, dtype, shape) in &expected {
            let t = &tensors[name];
            assert_eq!((t.dtype(), t.shape()), (*dtype, &shape[..]), "{name}");
        }

        let dC: ndarray::Array2<f64> = weights::take(&mut tensors, "dC", &[V, E], &path).unwrap();
        assert_eq!(dC, grads.dC, "dC round-trips exactly");
        let Xb: ndarray::Array2<i64> =
            weights::take(&mut tensors, "Xb", &[n, block], &path).unwrap();
        assert_eq!(Xb, f.batch.Xb.mapv(|i| i as i64));
        assert_eq!(tensors["loss"].to_f64().into_iter().next(), Some(f.loss));
        std::fs::remove_dir_all(dir).unwrap();
    }
}
