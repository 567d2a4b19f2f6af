use backprop_ninja::layers::flatten_consecutive::*;
use ndarray::Array3;

#[test]
fn neighbours_end_up_side_by_side() {
    // x[b, t, c] = 100b + 10t + c
    let x = Array3::from_shape_fn((2, 4, 3), |(b, t, c)| (100 * b + 10 * t + c) as f64);
    let out = FlattenConsecutive::new(2).unwrap().forward(&x).unwrap();
    assert_eq!(out.dim(), (2, 2, 6));
    for ((b, t2, j), &v) in out.indexed_iter() {
        let (k, c) = (j / 3, j % 3);
        assert_eq!(v, x[[b, t2 * 2 + k, c]], "out[{b}, {t2}, {j}]");
    }
    assert_eq!(out[[1, 1, 3]], 130.0); // example 1, positions 2 and 3: the second half is t = 3
    let all = FlattenConsecutive::new(4).unwrap().forward(&x).unwrap();
    assert_eq!(all.dim(), (2, 1, 12), "T/n = 1: the lecture's (B, C·n)");
}

#[test]
fn refuses_what_does_not_divide() {
    let err = FlattenConsecutive::new(2)
        .unwrap()
        .forward(&Array3::<f64>::zeros((2, 3, 4)))
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        "flatten_consecutive: shape mismatch: input has 3 positions (shape [2, 3, 4]), not a multiple of n = 2"
    );
    assert!(FlattenConsecutive::new(0).is_err());
}
