#![allow(non_snake_case)] // the lecture's names: C, W1, Xb, ...

use backprop_ninja::course::step_by_step::BATCH;
use backprop_ninja::course::step_by_step::Var;
use backprop_ninja::grade::cases::step_by_step::lecture;
use backprop_ninja::hyper::Hyper;
use backprop_ninja::io::export::*;
use backprop_ninja::io::weights;
use safetensors::Dtype;

#[test]
fn export_holds_every_tensor_with_its_dtype_and_shape() {
    let dir = crate::unit::test_dir("export");
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
    let Xb: ndarray::Array2<i64> = weights::take(&mut tensors, "Xb", &[n, block], &path).unwrap();
    assert_eq!(Xb, f.batch.Xb.mapv(|i| i as i64));
    assert_eq!(tensors["loss"].to_f64().into_iter().next(), Some(f.loss));
    std::fs::remove_dir_all(dir).unwrap();
}
