//! # The corpora the models learn from
//!
//! - [`words`]: one word per line (the names of makemore), its vocabulary,
//!   the 80/10/10 split and the `(block)`-character contexts.

pub mod words;
