//! # exercises/ mirrors solutions/
//!
//! The compiler already checks that both sides define every function with
//! the same signature (the registry's entries generate `implement_backprop!`);
//! this checks that no file stands on one side only.

use std::collections::BTreeSet;
use std::path::Path;

use backprop_ninja::registry::REGISTRY;

fn rust_files(dir: &str) -> BTreeSet<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    std::fs::read_dir(&path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".rs"))
        .collect()
}

#[test]
fn stubs_and_references_have_the_same_files() {
    let exercises = rust_files("exercises");
    let solutions = rust_files("solutions");
    let only_exercises: Vec<_> = exercises.difference(&solutions).collect();
    let only_solutions: Vec<_> = solutions.difference(&exercises).collect();
    assert!(
        only_exercises.is_empty() && only_solutions.is_empty(),
        "files on one side only: exercises/ {only_exercises:?}, solutions/ {only_solutions:?}"
    );
    assert!(exercises.len() >= 8, "{exercises:?}");
}

#[test]
fn every_registered_exercise_has_its_forward_pass_stub_and_solution() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for entry in REGISTRY {
        let file = entry
            .file
            .strip_prefix("exercises/")
            .unwrap_or_else(|| panic!("{}: {} is not in exercises/", entry.id, entry.file));
        let src = root.join("src");
        assert!(
            ["layers", "course", "tokenizer"]
                .iter()
                .any(|dir| src.join(dir).join(file).exists()),
            "{}: no forward pass src/layers/{file}, src/course/{file} or src/tokenizer/{file}",
            entry.id
        );
        for side in ["exercises", "solutions"] {
            let path = root.join(side).join(file);
            let text = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("{}: {}: {e}", entry.id, path.display()));
            // `dlogprobs … dC` names the chain of every step: check the first.
            let function = entry.function.split(' ').next().unwrap_or_default();
            assert!(
                text.contains(&format!("pub fn {function}")),
                "{}: {side}/{file} has no `pub fn {function}`",
                entry.id
            );
        }
    }
}

#[test]
fn every_attention_layer_of_src_layers_has_its_exercise_and_solution() {
    let (exercises, solutions) = (rust_files("exercises"), rust_files("solutions"));
    for layer in [
        "weighted_average.rs",
        "softmax.rs",
        "head.rs",
        "attention.rs",
    ] {
        assert!(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("src/layers")
                .join(layer)
                .exists(),
            "src/layers/{layer}"
        );
        assert!(exercises.contains(layer), "exercises/{layer}");
        assert!(solutions.contains(layer), "solutions/{layer}");
    }
}
