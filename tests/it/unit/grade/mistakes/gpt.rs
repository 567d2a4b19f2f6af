use super::assert_copy_is_right;
use backprop_ninja::grade::cases;
use backprop_ninja::grade::mistakes::gpt::*;
use backprop_ninja::solutions::Solutions;

#[test]
fn the_copies_without_a_change_are_right() {
    assert_copy_is_right(
        |t| t.layernorm_backward = layernorm_with::<{ u8::MAX }>,
        cases::gpt::layernorm,
    );
    assert_copy_is_right(
        |t| t.gelu_backward = gelu_with::<{ u8::MAX }>,
        cases::gpt::gelu,
    );
    assert_copy_is_right(
        |t| t.block_backward = block_with::<{ u8::MAX }, Solutions>,
        cases::gpt::block,
    );
    assert_copy_is_right(
        |t| t.adamw_update = adamw_with::<{ u8::MAX }>,
        cases::gpt::adamw,
    );
}
