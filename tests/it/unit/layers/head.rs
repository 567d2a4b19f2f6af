use backprop_ninja::layers::head::*;
use ndarray::array;
use ndarray::{Array2, Array3};

#[test]
fn one_position_attends_to_itself_alone() {
    let x = array![[[1.0, 2.0], [3.0, -1.0]]];
    let w = array![[1.0], [0.5]];
    let f = HeadForward::new(x, w.clone(), w.clone(), w).unwrap();
    assert_eq!(f.scale, 1.0);
    assert_eq!(f.att[[0, 0, 0]], 1.0);
    assert_eq!(f.att[[0, 0, 1]], 0.0);
    assert_eq!(f.out[[0, 0, 0]], f.v[[0, 0, 0]]); // 2.0
    let again = f.with_override(HeadVar::V, &f.v.clone().into_dyn());
    assert_eq!(again, f);
}

#[test]
fn weights_of_the_wrong_width_are_refused() {
    let x = Array3::<f64>::zeros((1, 2, 3));
    let err = HeadForward::new(
        x,
        Array2::zeros((3, 2)),
        Array2::zeros((3, 2)),
        Array2::zeros((2, 2)),
    )
    .unwrap_err();
    assert!(err.to_string().contains("wv has shape [2, 2]"), "{err}");
}
