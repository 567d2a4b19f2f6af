//! # The library's unit tests
//!
//! One file per module of `src/` that has tests, at the same path
//! (`src/layers/softmax.rs` is tested in `unit/layers/softmax.rs`), through
//! the crate's public API.

mod corpus;
mod course;
mod float;
mod grade;
mod io;
mod layers;
mod models;
mod ops;
mod registry;
mod tokenizer;
mod train;
mod watch;

/// A fresh, empty directory for one test, under the system's temporary
/// directory, named by `tag` and this process.
pub fn test_dir(tag: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("backprop-ninja-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create a temporary directory");
    dir
}

/// The lines of `files` (path → text) that declare something for `cargo
/// test` alone, outside `src/cli/` (which `tests/it` mounts as a module),
/// but for the empty runner of a crate without tests (`#[cfg(test)] fn
/// main() {}`, the watch's, which `cargo test NAME` builds all the same).
fn test_only_code(files: &[(String, String)]) -> Vec<String> {
    let mut found = vec![];
    for (path, text) in files {
        if path.starts_with("src/cli/") {
            continue;
        }
        let lines: Vec<&str> = text.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            let empty_runner = lines.get(i + 1).is_some_and(|l| l.trim() == "fn main() {}");
            if (line.contains("#[cfg(test)]") && !empty_runner) || line.contains("#[test]") {
                found.push(format!("{path}:{}: {}", i + 1, line.trim()));
            }
        }
    }
    found
}

/// Every `.rs` file under `dir`, by its path from the crate's root.
fn rust_files(root: &std::path::Path, dir: &str, out: &mut Vec<(String, String)>) {
    let mut entries: Vec<_> = std::fs::read_dir(root.join(dir))
        .unwrap_or_else(|e| panic!("{dir}: {e}"))
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        let name = path.file_name().unwrap().to_str().unwrap();
        let rel = format!("{dir}/{name}");
        if path.is_dir() {
            rust_files(root, &rel, out);
        } else if name.ends_with(".rs") {
            out.push((rel, std::fs::read_to_string(&path).unwrap()));
        }
    }
}

/// The library is built without its unit tests (`test = false` in
/// `Cargo.toml`, so that `cargo test` compiles it once): a test written in
/// `src/` would never run. Its place is here, at the module's path.
#[test]
fn the_library_holds_no_tests_that_would_never_run() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = vec![];
    rust_files(root, "src", &mut files);
    assert!(files.len() > 50, "read {} files of src/", files.len());
    let found = test_only_code(&files);
    assert!(
        found.is_empty(),
        "tests in src/ (move them to tests/it/unit/, at the module's path):\n{}",
        found.join("\n")
    );
    let planted = vec![
        (
            "src/layers/x.rs".to_string(),
            "pub fn f() {}\n#[cfg(test)]\nmod tests {}\n".to_string(),
        ),
        (
            "src/cli/x.rs".to_string(),
            "#[cfg(test)]\nmod tests {}\n".to_string(),
        ),
        (
            "src/watch/mod.rs".to_string(),
            "pub fn run() {}\n#[cfg(test)]\nfn main() {}\n#[cfg(test)]\nfn main() { check() }\n"
                .to_string(),
        ),
    ];
    assert_eq!(
        test_only_code(&planted),
        [
            "src/layers/x.rs:2: #[cfg(test)]",
            "src/watch/mod.rs:4: #[cfg(test)]"
        ]
    );
}
