//! # `watch`, end to end
//!
//! Copies the crate to a temporary folder, starts `backprop-ninja watch`
//! there, solves an exercise by saving a file, sees its grade change (its
//! chapter's count, its derivation), breaks
//! another file (a type error) and sees the first still graded right and the
//! broken one "does not compile", and ends the watch with Ctrl-C (SIGINT). Ignored by default: it builds the
//! copied crate (in `target/watch-e2e`, kept between runs); CI runs it with
//! `cargo test -- --ignored`.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// Waits until the output holds `text` (after `from`), or fails.
fn wait_for(out: &Arc<Mutex<String>>, from: usize, text: &str, limit: Duration) -> usize {
    let start = Instant::now();
    loop {
        {
            let out = out.lock().unwrap();
            if let Some(at) = out[from..].find(text) {
                return from + at + text.len();
            }
            assert!(
                start.elapsed() < limit,
                "no {text:?} after {limit:?}; the screen:\n{out}"
            );
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// A child process killed when dropped.
struct Killed(std::process::Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
#[ignore = "builds a copy of the crate: run with cargo test -- --ignored"]
fn watch_regrades_a_saved_exercise_and_ends_on_ctrl_c() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let copy = std::env::temp_dir().join(format!("backprop-ninja-watch-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&copy);
    for dir in [
        "src",
        "exercises",
        "solutions",
        "core",
        "kernels",
        "watch",
        "tests",
        "benches",
        "examples",
        ".cargo",
        "assets",
        "data",
        "docs",
    ] {
        if root.join(dir).is_dir() {
            copy_dir(&root.join(dir), &copy.join(dir));
        }
    }
    for file in ["Cargo.toml", "Cargo.lock", "README.md", "build.rs"] {
        std::fs::copy(root.join(file), copy.join(file)).unwrap();
    }

    let child = Command::new(env!("CARGO_BIN_EXE_backprop-ninja"))
        .arg("watch")
        .current_dir(&copy)
        .env("CARGO_TARGET_DIR", root.join("target").join("watch-e2e"))
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    // Ended even when an assertion fails.
    let mut child = Killed(child);
    let out = Arc::new(Mutex::new(String::new()));
    let reader = {
        let out = Arc::clone(&out);
        let mut stdout = child.0.stdout.take().unwrap();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = stdout.read(&mut buf) {
                if n == 0 {
                    break;
                }
                out.lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        })
    };
    let build = Duration::from_secs(1200);
    let at = wait_for(&out, 0, "exercises: 0/", build);

    // Solve the tanh layer: the reference's file, saved as the exercise.
    let solution = std::fs::read_to_string(copy.join("solutions/tanh.rs")).unwrap();
    std::fs::write(copy.join("exercises/tanh.rs"), solution).unwrap();
    let at = wait_for(&out, at, "layers: 1/3 done", build);
    let at = wait_for(&out, at, "layers::tanh is right! The derivation", build);
    wait_for(&out, at, "exercises: 1/", build);

    // A type error in another file: that file does not compile, and the
    // rest is still graded, tanh right.
    let gelu = std::fs::read_to_string(copy.join("exercises/gelu.rs")).unwrap();
    assert!(gelu.contains("    todo!("), "{gelu}");
    let broken = gelu.replacen("    todo!(", "    let _x: F = 1.0;\n    todo!(", 1);
    std::fs::write(copy.join("exercises/gelu.rs"), broken).unwrap();
    let at = wait_for(&out, at, "exercises/gelu.rs does not compile", build);
    let at = wait_for(&out, at, "mismatched types", build);
    let at = wait_for(&out, at, "F::lit", build);
    let at = wait_for(&out, at, "the other exercises", build);
    let at = wait_for(&out, at, "layers: 1/3 done", build);
    let at = wait_for(&out, at, "exercises: 1/", build);
    let at = wait_for(&out, at, "1 do not compile", build);
    // The summary names the file whatever the terminal's height.
    let at = wait_for(&out, at, "does not compile: exercises/gelu.rs", build);

    // An error outside the exercise files keeps the last grades on screen.
    let module_list = std::fs::read_to_string(copy.join("exercises/mod.rs")).unwrap();
    std::fs::write(
        copy.join("exercises/mod.rs"),
        format!("{module_list}\nnot rust\n"),
    )
    .unwrap();
    let at = wait_for(&out, at, "your code does not compile", build);
    wait_for(&out, at, "the last grades", build);

    let status = Command::new("kill")
        .args(["-INT", &child.0.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let exit = child.0.wait().unwrap();
    reader.join().unwrap();
    assert!(exit.success(), "{exit:?}");
    assert!(out.lock().unwrap().contains("watch ended"));
    let _ = std::fs::remove_dir_all(&copy);
}
