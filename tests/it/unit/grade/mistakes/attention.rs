use backprop_ninja::grade::cases;
use backprop_ninja::grade::mistakes::attention::*;

#[test]
fn the_attention_copy_without_a_change_is_right() {
    super::assert_copy_is_right(
        |t| t.attention_backward = attention_with::<{ u8::MAX }>,
        cases::attention::attention,
    );
}
