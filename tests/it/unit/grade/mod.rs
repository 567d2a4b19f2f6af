//! Tests of the modules of `src/grade/`.

mod attempt;
mod cases;
mod compact;
mod compare;
mod hint_levels;
mod hints;
mod mistakes;
mod oracle;
mod panic_site;
mod progress;
mod scalar_check;
mod skipped;
