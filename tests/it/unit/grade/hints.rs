use backprop_ninja::grade::hints::*;
use ndarray::{Array2, Array3, array};

#[test]
fn a_constant_factor_is_named_in_the_hint() {
    let b = array![1.0, -2.0, 3.0];
    assert_eq!(constant_ratio(&(&b * 2.0), &b), Some(2.0));
    assert_eq!(constant_ratio(&(-&b), &b), Some(-1.0));
    assert_eq!(constant_ratio(&b, &b), None);
    assert_eq!(constant_ratio(&array![1.0, 0.0, 3.0], &b), None);
}

#[test]
fn factors_read_as_fractions_named_from_the_sizes() {
    let n = Known::sizes(&[("n", 32)]);
    assert_eq!(fraction(1.0 / 32.0, &n), "1/32 (= 1/n)");
    assert_eq!(fraction(32.0, &n), "32 (= n)");
    assert_eq!(fraction(32.0 / 31.0, &n), "32/31 (= n/(n-1))");
    assert_eq!(fraction(-1.0 / 32.0, &n), "-1/32 (= -1/n)");
    assert_eq!(fraction(0.5, &n), "1/2");
    assert_eq!(
        fraction(1.0 / 12.0, &Known::sizes(&[("B·T", 12)])),
        "1/12 (= 1/(B·T))"
    );
    assert_eq!(fraction(std::f64::consts::PI, &n), "3.141593");
    let hint = ratio_hint(31.0 / 32.0, &n);
    assert!(
        hint.contains("31/32 (= (n-1)/n)") && hint.contains("Bessel"),
        "{hint}"
    );
    assert!(!ratio_hint(1.0 / 32.0, &n).contains("Bessel"));
}

#[test]
fn zero_says_the_gradient_never_arrived() {
    let r = array![[1.0, -2.0], [0.5, 3.0]];
    let z = Array2::<f64>::zeros((2, 2));
    assert!(never_reached(&z, &r));
    assert!(never_reached(&(&r * 1e-9), &r));
    assert!(!never_reached(&(&r * 0.5), &r));
    let h = hint(&z, &r, &Known::none()).unwrap();
    assert!(h.contains("never reached"), "{h}");
    assert!(!h.contains("times"), "{h}");
}

#[test]
fn a_nan_is_named_where_it_first_appears_never_as_never_reached() {
    let r = array![[1.0, -2.0], [0.5, 3.0]];
    let nan = array![[0.0, 0.0], [f64::NAN, f64::INFINITY]];
    assert!(!never_reached(&nan, &r), "f64::max skips NaN: not here");
    let at = non_finite(&nan).unwrap();
    assert!(at.contains("NaN (not a number) at index [1, 0]"), "{at}");
    assert!(at.contains("first of its 2 non-finite"), "{at}");
    let inf = array![[1.0, f64::NEG_INFINITY], [0.5, 3.0]];
    assert!(
        non_finite(&inf)
            .unwrap()
            .contains("infinite at index [0, 1]")
    );
    assert_eq!(non_finite(&r), None);
}

#[test]
fn axes_in_the_wrong_order_are_named() {
    // demb (n, block, E) = (2, 3, 4); read through (n, E, block).
    let reference = Array3::from_shape_fn((2, 3, 4), |(i, t, e)| (i * 12 + t * 4 + e) as f64 + 0.5);
    let flat: Vec<f64> = reference.iter().copied().collect();
    let wrong = Array3::from_shape_vec((2, 4, 3), flat)
        .unwrap()
        .permuted_axes([0, 2, 1])
        .to_owned();
    let h = hint(&wrong, &reference, &Known::none()).unwrap();
    assert!(h.contains("axes in the wrong order"), "{h}");
    assert!(shape_hint(&[2, 4, 3], &[2, 3, 4]).contains("axes in the wrong order"));
    assert_eq!(shape_hint(&[4, 3], &[3, 4]), " (transposed?)");
    assert_eq!(shape_hint(&[5, 3], &[3, 4]), "");
}
