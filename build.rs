//! The build script of `exercises/Cargo.toml`, the learner's crate: lets
//! `watch` grade the exercises that compile while one does not.
//!
//! `BACKPROP_NINJA_SKIP=gelu,head` (exercise modules, comma-separated) sets
//! `cfg(ninja_skip = "gelu")` and `cfg(ninja_skip = "head")`: under it,
//! `exercises/mod.rs` replaces those files by the reference, and the grader
//! reports their exercises as "does not compile" instead of grading them.
//! `watch` sets it for its child `cargo test` only; nobody else needs it.
//! Changing it rebuilds this crate alone, never the library.
//!
//! It also sets `cfg(learner)`, which tells the command's code (`src/cli/`,
//! built here as `backprop-ninja-exercises`) that your backward passes are
//! linked in.

use std::path::Path;

const VAR: &str = "BACKPROP_NINJA_SKIP";

fn main() {
    println!("cargo::rerun-if-changed=../build.rs");
    // A new exercise module is declared there: the list below follows it.
    println!("cargo::rerun-if-changed=mod.rs");
    println!("cargo::rerun-if-env-changed={VAR}");
    println!("cargo::rustc-check-cfg=cfg(learner)");
    println!("cargo::rustc-cfg=learner");

    // Every exercise module: the files of exercises/ (the package this
    // script builds, and so the folder it runs in).
    let mut modules: Vec<String> = std::fs::read_dir(Path::new("."))
        .map(|dir| {
            dir.filter_map(|entry| {
                let name = entry.ok()?.file_name().into_string().ok()?;
                let stem = name.strip_suffix(".rs")?;
                (stem != "mod").then(|| stem.to_string())
            })
            .collect()
        })
        .unwrap_or_default();
    modules.sort();
    let values: Vec<String> = modules.iter().map(|m| format!("{m:?}")).collect();
    println!(
        "cargo::rustc-check-cfg=cfg(ninja_skip, values({}))",
        values.join(", ")
    );

    let skip = std::env::var(VAR).unwrap_or_default();
    for name in skip.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        if modules.iter().any(|m| m == name) {
            println!("cargo::rustc-cfg=ninja_skip={name:?}");
        } else {
            println!(
                "cargo::error={VAR}: `{name}` is not an exercise module (one of {})",
                modules.join(", ")
            );
        }
    }
}
