//! The known mistakes, chapter by chapter: each is the reference with one
//! change, and the copy of the reference each list patches is right.

use backprop_ninja::grade::table::{BackpropTable, SOLUTIONS};

mod attention;
mod gpt;
mod layers;
mod wavenet;

/// A copy of the reference with none of its changes on, patched in and
/// graded by `case`: it must be right, or its mistakes differ from the
/// reference by more than their one change.
pub fn assert_copy_is_right(
    patch: fn(&mut BackpropTable),
    case: fn(&BackpropTable, &str, u64) -> backprop_ninja::grade::Outcome,
) {
    let mut table = SOLUTIONS;
    patch(&mut table);
    let outcome = case(&table, "copy", backprop_ninja::grade::SEED);
    assert_eq!(
        outcome.status,
        backprop_ninja::grade::Status::Correct,
        "{:?}",
        outcome.rows
    );
}
