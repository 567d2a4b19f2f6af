use crate::unit::watch::fixtures::BROKEN;
use watch::compiler::*;

#[test]
fn notes_for_generic_code() {
    assert!(note_for(BROKEN).unwrap().contains("F::lit"));
    let mul = "error[E0277]: cannot multiply `&ArrayRef<f64, Dim<[usize; 2]>>` by `&ArrayBase<OwnedRepr<f64>, Dim<[usize; 2]>, f64>`";
    assert!(note_for(mul).unwrap().contains("&*"));
    assert_eq!(note_for("error[E0425]: cannot find value `x`"), None);
}
