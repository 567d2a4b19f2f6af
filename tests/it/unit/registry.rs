use std::collections::BTreeSet;
use std::path::Path;

use backprop_ninja::registry::*;

#[test]
fn ids_are_unique_and_every_entry_has_three_hint_levels() {
    let mut ids: Vec<_> = REGISTRY.iter().map(|e| e.id).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), REGISTRY.len());
    for e in REGISTRY {
        assert_eq!(e.hints.len(), 3, "{}", e.id);
        assert_eq!(Exercise::from_id(e.id), Some(e.exercise));
    }
}

/// The module of `exercises/` and `solutions/` an entry's file is:
/// `gelu` for `exercises/gelu.rs`.
fn module(entry: &Entry) -> &'static str {
    entry
        .file
        .strip_prefix("exercises/")
        .and_then(|f| f.strip_suffix(".rs"))
        .unwrap_or_else(|| panic!("{}: {} is not a file of exercises/", entry.id, entry.file))
}

/// The modules of `dir`: its `.rs` files but `mod.rs`.
fn files(dir: &str) -> BTreeSet<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    std::fs::read_dir(&path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .filter_map(|entry| {
            let name = entry.ok()?.file_name().into_string().ok()?;
            let stem = name.strip_suffix(".rs")?;
            (stem != "mod").then(|| stem.to_string())
        })
        .collect()
}

#[test]
fn stubs_and_references_declare_the_modules_of_the_registry() {
    let registry: BTreeSet<String> = REGISTRY.iter().map(|e| module(e).to_string()).collect();
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("exercises/mod.rs");
    let declared_exercises: BTreeSet<String> = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .lines()
        .filter_map(|l| {
            let (module, name) = l.trim().strip_suffix(';')?.split_once(" = ")?;
            (name.trim_matches('"') == module).then(|| module.to_string())
        })
        .collect();
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("solutions/mod.rs");
    let declared_solutions: BTreeSet<String> = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .lines()
        .filter_map(|l| l.trim().strip_prefix("pub mod ")?.strip_suffix(';'))
        .map(str::to_string)
        .collect();
    for (what, modules) in [
        ("the files of exercises/", files("exercises")),
        ("the files of solutions/", files("solutions")),
        (
            "the modules of exercises/mod.rs (`exercises!`)",
            declared_exercises,
        ),
        ("the modules of solutions/mod.rs", declared_solutions),
    ] {
        let missing: Vec<_> = registry.difference(&modules).collect();
        let unregistered: Vec<_> = modules.difference(&registry).collect();
        assert!(
            missing.is_empty() && unregistered.is_empty(),
            "{what}: {missing:?} missing (the registry names them), {unregistered:?} in no entry of src/registry.rs"
        );
    }
}

#[test]
fn chapters_come_in_course_order() {
    let chapters: Vec<Chapter> = REGISTRY.iter().map(|e| e.chapter).collect();
    assert!(chapters.windows(2).all(|w| w[0] <= w[1]), "{chapters:?}");
}
