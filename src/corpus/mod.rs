//! # The corpora the models learn from
//!
//! - [`words`]: one word per line (the names of makemore), its vocabulary,
//!   the 80/10/10 split and the `(block)`-character contexts.
//! - [`text`]: running text for lecture 7 (a character vocabulary, the
//!   90/10 split, random windows) and makemore's names as padded rows.

pub mod text;
pub mod words;
