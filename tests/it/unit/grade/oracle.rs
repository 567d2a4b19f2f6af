use backprop_ninja::grade::oracle::*;
use ndarray::{Array1, Array2, array};
use ndarray_rand::RandomExt;
use ndarray_rand::rand_distr::StandardNormal;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

fn matmul_loss(x: &Array2<f64>, w: &Array2<f64>, r: &Array2<f64>) -> f64 {
    (x.dot(w) * r).sum()
}

fn setup() -> (Array2<f64>, Array2<f64>, Array2<f64>) {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let x = Array2::random_using((4, 3), StandardNormal, &mut rng);
    let w = Array2::random_using((3, 5), StandardNormal, &mut rng);
    let r = Array2::random_using((4, 5), StandardNormal, &mut rng);
    (x, w, r)
}

#[test]
fn accepts_the_right_matmul_gradients() {
    let (x, w, r) = setup();
    let dx = r.dot(&w.t());
    let dw = x.t().dot(&r);
    let cfg = Config::default();
    let rx = check("dx", &x, &dx, |x| matmul_loss(x, &w, &r), &cfg);
    let rw = check("dw", &w, &dw, |w| matmul_loss(&x, w, &r), &cfg);
    assert!(rx.passed(), "{rx}");
    assert!(rw.passed(), "{rw}");
    assert!(rx.worst.unwrap().abs_err < 1e-8);
}

#[test]
fn rejects_a_factor_of_two() {
    let (x, w, r) = setup();
    let dx = 2.0 * r.dot(&w.t());
    let rep = check(
        "dx",
        &x,
        &dx,
        |x| matmul_loss(x, &w, &r),
        &Config::default(),
    );
    assert!(!rep.passed());
    let worst = rep.worst.as_ref().unwrap();
    assert!((worst.analytic / worst.numeric - 2.0).abs() < 1e-6);
    assert!(rep.to_string().contains("dx: WRONG, "), "{rep}");
}

#[test]
fn rejects_a_flipped_sign() {
    let (x, w, r) = setup();
    let dw = -x.t().dot(&r);
    let rep = check(
        "dw",
        &w,
        &dw,
        |w| matmul_loss(&x, w, &r),
        &Config::default(),
    );
    assert!(!rep.passed(), "{rep}");
}

#[test]
fn rejects_a_transpose_of_a_square_gradient() {
    // A square weight, so a transposed gradient has the right shape.
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let x = Array2::random_using((4, 3), StandardNormal, &mut rng);
    let w = Array2::random_using((3, 3), StandardNormal, &mut rng);
    let r = Array2::random_using((4, 3), StandardNormal, &mut rng);
    let dw_transposed = x.t().dot(&r).reversed_axes();
    let rep = check(
        "dw",
        &w,
        &dw_transposed,
        |w| matmul_loss(&x, w, &r),
        &Config::default(),
    );
    assert!(!rep.passed(), "{rep}");
}

#[test]
fn rejects_a_bias_gradient_missing_its_sum_over_the_batch() {
    let (x, w, r) = setup();
    let bias_loss = |b: &Array1<f64>| ((x.dot(&w) + b) * &r).sum();
    let b = Array1::zeros(5);
    let right = r.sum_axis(ndarray::Axis(0));
    let first_row_only = r.row(0).to_owned();
    assert!(check("db", &b, &right, bias_loss, &Config::default()).passed());
    let rep = check("db", &b, &first_row_only, bias_loss, &Config::default());
    assert!(!rep.passed(), "{rep}");
}

#[test]
fn reports_a_shape_mismatch_instead_of_panicking() {
    let (x, w, r) = setup();
    let wrong_shape = r.dot(&w.t()).reversed_axes(); // (3, 4) for x (4, 3)
    let rep = check(
        "dx",
        &x,
        &wrong_shape,
        |x| matmul_loss(x, &w, &r),
        &Config::default(),
    );
    assert!(!rep.passed());
    assert!(rep.to_string().contains("shape [3, 4]"), "{rep}");
}

#[test]
fn names_the_worst_element() {
    let (x, w, r) = setup();
    let mut dx = r.dot(&w.t());
    dx[[2, 1]] += 0.01;
    let rep = check(
        "dx",
        &x,
        &dx,
        |x| matmul_loss(x, &w, &r),
        &Config::default(),
    );
    assert!(!rep.passed());
    assert_eq!(rep.worst.as_ref().unwrap().index, vec![2, 1]);
    assert!(rep.to_string().contains("[2, 1]"), "{rep}");
    // The count says how many are off, not how many were checked.
    assert_eq!((rep.off, rep.checked, rep.total), (1, dx.len(), dx.len()));
    let counted = format!("dx: WRONG, 1 of {} elements off;", dx.len());
    assert!(rep.to_string().contains(&counted), "{rep}");
}

#[test]
fn a_large_tensor_is_sampled_and_a_single_wrong_element_is_caught_by_the_direction() {
    let x = Array2::from_shape_fn((60, 50), |(i, j)| ((i * 50 + j) as f64).sin());
    let loss = |x: &Array2<f64>| x.mapv(|v| v * v * v).sum();
    let right = x.mapv(|v| 3.0 * v * v);
    let cfg = Config::default();
    let rep = check("dx", &x, &right, loss, &cfg);
    assert!(rep.passed(), "{rep}");
    assert_eq!(rep.checked, cfg.subset + 1);
    assert!(rep.direction.is_some());
    let checked = format!("{} of 3000 elements checked", cfg.subset + 1);
    assert!(rep.to_string().contains(&checked), "{rep}");
    // One element wrong by a lot: the subset probably misses it, the direction does not.
    let mut wrong = right.clone();
    wrong[[37, 11]] += 50.0;
    let rep = check("dx", &x, &wrong, loss, &cfg);
    assert!(!rep.passed(), "{rep}");
    let text = rep.to_string();
    if rep.off == 0 {
        assert!(
            text.contains("within tolerance but the random direction is not"),
            "{text}"
        );
    } else {
        assert_eq!(rep.off, 1);
        let counted = format!(
            "1 of the {} elements checked are off (3000 in all)",
            rep.checked
        );
        assert!(text.contains(&counted), "{text}");
    }
}

#[test]
fn numeric_gradient_of_a_known_function() {
    let x = array![1.0, -2.0, 0.5];
    let g = numeric_gradient(&x, |x| x.mapv(|v| v * v).sum(), 1e-5);
    approx::assert_abs_diff_eq!(g, array![2.0, -4.0, 1.0], epsilon = 1e-8);
}
