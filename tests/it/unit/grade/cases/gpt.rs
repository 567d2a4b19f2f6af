use backprop_ninja::backprop::Backprop;
use backprop_ninja::grade::cases::gpt::*;
use backprop_ninja::solutions::Solutions;
use ndarray::Array1;

#[test]
fn the_reference_adamw_follows_the_documented_rule_exactly_enough() {
    let mut p: Array1<f64> = ndarray::array![0.5, -1.0, 2.0];
    let (mut m, mut v) = (Array1::zeros(3), Array1::zeros(3));
    let g = ndarray::array![0.5, -4.0, 0.0];
    Solutions::adamw_update(&mut p, &mut m, &mut v, &g, 1, &ADAMW_GRADED);
    // A first step moves by lr·sign(g) after the decay; a zero gradient only decays.
    let decay: f64 = 1.0 - 0.05 * 0.1;
    assert!((p[0] - (0.5 * decay - 0.05)).abs() < 1e-8, "{p}"); // lr·ε/|g| off
    assert!((p[1] - (0.05 - decay)).abs() < 1e-8, "{p}");
    assert_eq!(p[2], 2.0 * decay);
}
