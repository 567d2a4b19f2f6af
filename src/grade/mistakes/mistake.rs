//! # One known mistake: what it is, and the table it makes
//!
//! A [`Mistake`] names an exercise's mistake and holds it as a patch of the
//! reference's table; the lists, one per chapter, are its siblings
//! ([`crate::grade::mistakes`]).

use crate::grade::table::{BackpropTable, SOLUTIONS};
use crate::registry::Exercise;

/// How the diagnosis of a known mistake starts.
pub const KNOWN: &str = "known mistake";

/// One known mistake of one exercise.
#[derive(Clone, Copy)]
pub struct Mistake {
    /// The exercise it belongs to.
    pub exercise: Exercise,
    /// A short name, unique within its exercise: `sign`, `db as a mean`.
    pub name: &'static str,
    /// What the mistake is and how to fix it, in one line: "this is ...: use ...".
    pub explanation: &'static str,
    /// Replaces the reference's pointer(s) with the mistaken function.
    pub patch: fn(&mut BackpropTable),
}

impl Mistake {
    /// The reference's backward passes, with this mistake in place.
    pub fn table(&self) -> BackpropTable {
        let mut table = SOLUTIONS;
        table.name = "mistake";
        (self.patch)(&mut table);
        table
    }

    /// `layers::tanh: sign`, the exercise's id and the mistake's name.
    pub fn id(&self) -> String {
        format!("{}: {}", self.exercise.id(), self.name)
    }

    /// What a row the mistake explains says: its name and explanation,
    /// after [`KNOWN`].
    pub fn diagnosis(&self) -> String {
        format!("{KNOWN} \"{}\": {}", self.name, self.explanation)
    }
}

impl std::fmt::Debug for Mistake {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.id())
    }
}
