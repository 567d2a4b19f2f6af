use backprop_ninja::grade::cases;
use backprop_ninja::grade::mistakes::wavenet::*;
use backprop_ninja::solutions::Solutions;

#[test]
fn the_container_copy_without_a_change_is_right() {
    super::assert_copy_is_right(
        |t| t.sequential_backward = sequential_with::<{ u8::MAX }, Solutions>,
        cases::wavenet::sequential,
    );
}
