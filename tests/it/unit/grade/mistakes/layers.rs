use backprop_ninja::grade::cases;
use backprop_ninja::grade::mistakes::layers::*;

#[test]
fn the_batchnorm_copy_without_a_change_is_right() {
    super::assert_copy_is_right(
        |t| t.batchnorm_backward = batchnorm_with::<{ u8::MAX }>,
        cases::layers::batchnorm,
    );
}
