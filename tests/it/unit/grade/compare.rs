use backprop_ninja::grade::compare::*;

#[test]
fn compare_finds_the_largest_difference() {
    let a = ndarray::array![1.0, 2.0, 3.0];
    let b = ndarray::array![1.0, 2.5, 3.0];
    let row = compare("x", &a, &b, None);
    assert!(!row.exact && !row.approximate);
    assert_eq!(row.maxdiff, 0.5);
    assert!(compare("x", &a, &a, None).exact);
}
