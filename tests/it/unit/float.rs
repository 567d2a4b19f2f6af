use backprop_ninja::float::Float;

#[test]
fn fast_tanh_f32_is_within_a_few_ulps() {
    let mut worst: f64 = 0.0;
    for i in -200_000..=200_000 {
        let x = i as f32 * 1e-4; // -20 ..= 20
        let err = (x.fast_tanh() as f64 - (x as f64).tanh()).abs();
        worst = worst.max(err);
    }
    assert!(worst < 5e-7, "max error {worst:e}");
    assert_eq!(0.0f32.fast_tanh(), 0.0);
    assert_eq!(f32::INFINITY.fast_tanh(), 1.0);
    assert_eq!(f32::NEG_INFINITY.fast_tanh(), -1.0);
    assert_eq!(1.5f64.fast_tanh(), 1.5f64.tanh());
}

#[test]
fn fast_exp_f32_is_within_a_few_ulps() {
    let mut worst: f64 = 0.0;
    for i in -870_000..=880_000 {
        let x = i as f32 * 1e-4; // -87 ..= 88
        let exact = (x as f64).exp();
        worst = worst.max((x.fast_exp() as f64 - exact).abs() / exact);
    }
    assert!(worst < 3e-7, "max relative error {worst:e}");
    assert_eq!(0.0f32.fast_exp(), 1.0);
    assert!(f32::NEG_INFINITY.fast_exp() < 1e-37);
    assert_eq!(1.5f64.fast_exp(), 1.5f64.exp());
}
