use backprop_ninja::layers::attention::*;
use backprop_ninja::layers::head::HeadForward;
use backprop_ninja::layers::linear::Linear;
use ndarray::{Array1, Axis, s};
use ndarray::{Array2, Array3};
use ndarray_rand::RandomExt;
use ndarray_rand::rand_distr::StandardNormal;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

#[test]
fn each_head_is_the_single_head_of_its_columns() {
    let rng = &mut ChaCha8Rng::seed_from_u64(7);
    let (b, t, c, nh) = (2, 5, 6, 3);
    let hs = c / nh;
    let x = Array3::<f64>::random_using((b, t, c), StandardNormal, rng);
    let w = Array2::<f64>::random_using((c, 3 * c), StandardNormal, rng);
    let layer = CausalSelfAttention::new(Linear::new(w.clone(), None).unwrap(), None, nh).unwrap();
    let (out, cache) = layer.forward(&x).unwrap();
    for h in 0..nh {
        let part = |from: usize| {
            w.slice(s![.., from + h * hs..from + (h + 1) * hs])
                .to_owned()
        };
        let head = HeadForward::new(x.clone(), part(c), part(0), part(2 * c)).unwrap();
        let mine = out.slice(s![.., .., h * hs..(h + 1) * hs]);
        assert!(
            (&mine - &head.out).iter().all(|d| d.abs() < 1e-12),
            "head {h}"
        );
        let att = cache.att.index_axis(Axis(1), h);
        assert!(
            (&att - &head.att).iter().all(|d| d.abs() < 1e-12),
            "att of head {h}"
        );
    }
    // with a projection: out = y @ w + b
    let proj = Linear::new(Array2::eye(c) * 2.0, Some(Array1::ones(c))).unwrap();
    let layer = CausalSelfAttention::new(Linear::new(w, None).unwrap(), Some(proj), nh).unwrap();
    let (projected, _) = layer.forward(&x).unwrap();
    assert!(
        (projected - (out * 2.0 + 1.0))
            .iter()
            .all(|d| d.abs() < 1e-12)
    );
}

#[test]
fn sizes_that_do_not_fit_are_refused() {
    let w = Array2::<f64>::zeros((6, 18));
    let err = CausalSelfAttention::new(Linear::new(w.clone(), None).unwrap(), None, 4).unwrap_err();
    assert!(err.to_string().contains("multiple of n_head 4"), "{err}");
    let layer = CausalSelfAttention::new(Linear::new(w, None).unwrap(), None, 2).unwrap();
    let mut cache = layer.cache(2, 3);
    let mut out = Array3::zeros((2, 4, 6));
    let err = layer
        .forward_into(&Array3::zeros((2, 4, 6)), &mut out, &mut cache)
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("input x has shape [2, 4, 6], expected [2, 3, 6]"),
        "{err}"
    );
    let bad = Linear::new(Array2::<f64>::zeros((6, 12)), None).unwrap();
    assert!(CausalSelfAttention::new(bad, None, 2).is_err());
}
