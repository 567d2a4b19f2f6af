//! # What the compiler said, read for `watch`
//!
//! Part of the learner's loop ([`crate`]): cuts the output of `cargo`
//! into one block per error (warnings left out), finds the file each error
//! is in and so the exercise modules that do not compile
//! ([`broken_modules`], which [`super::grading`] sets aside), and shows an
//! error the short way, with a note for the usual errors of generic code
//! ([`first_error`], [`errors_by_file`], which [`super::screen`] draws).
//! Text in, text out: no process, no screen.

/// The compiler's first error (in `exercises/` if one is there), with a note
/// for the usual errors of generic code.
pub fn first_error(output: &str) -> String {
    let blocks = error_blocks(output);
    let Some(block) = blocks
        .iter()
        .find(|b| b.contains("exercises/"))
        .or(blocks.first())
    else {
        return format!("the grade did not run:\n{output}\n");
    };
    format!("your code does not compile:\n\n{}", tidy(&shown(block)))
}

/// The compiler's errors, one block each (warnings and cargo's closing
/// "could not compile" left out).
pub fn error_blocks(output: &str) -> Vec<String> {
    let mut blocks = vec![];
    let mut current: Option<String> = None;
    for line in output.lines() {
        if line.starts_with("For more information about")
            || line.starts_with("Some errors have detailed explanations")
        {
            blocks.extend(current.take());
            continue;
        }
        if line.starts_with("error") || line.starts_with("warning") {
            if let Some(b) = current.take() {
                blocks.push(b);
            }
            if line.starts_with("error")
                && !line.starts_with("error: could not compile")
                && !line.starts_with("error: aborting due to")
            {
                current = Some(String::new());
            }
        }
        if let Some(b) = &mut current {
            b.push_str(line);
            b.push('\n');
        }
    }
    blocks.extend(current);
    blocks
}

/// An error block as shown: its first lines (what, where, the code and the
/// caret), then a note for the usual errors of generic code.
fn shown(block: &str) -> String {
    let short: Vec<&str> = block.trim_end().lines().take(14).collect();
    let mut out = format!("{}\n", short.join("\n"));
    if let Some(note) = note_for(block) {
        out.push_str(&format!("\nnote: {note}\n"));
    }
    out
}

/// A short note for the errors generic code makes again and again.
pub fn note_for(error: &str) -> Option<&'static str> {
    let number_with_f = (error.contains("{float}") || error.contains("{integer}"))
        && (error.contains("type parameter `F`") || error.contains("`F`"));
    if number_with_f {
        return Some(
            "in a function generic over `F: Float`, a literal is an f64, not an F: write `F::one()` for 1, `F::lit(0.5)` for any constant, `F::count(n)` for a size (`F::one() - out * out`, not `1.0 - out * out`)",
        );
    }
    if error.contains("by `&ArrayBase<OwnedRepr")
        || error.contains("`&ArrayBase<OwnedRepr") && error.contains("ArrayRef")
    {
        return Some(
            "ndarray multiplies `&ArrayRef` by `&ArrayRef`: borrow an owned array as one with `&*a` (`&x * &*y`), or use `.view()` / `Zip`",
        );
    }
    if error.contains("RemoveAxis") {
        return Some(
            "`sum_axis` needs a known number of axes: use ArrayRef2/ArrayRef3 (or `D: RemoveAxis`)",
        );
    }
    None
}

/// Where an error is: the file of its first `--> file:line:col`.
pub fn error_file(block: &str) -> Option<&str> {
    let at = block
        .lines()
        .find_map(|l| l.trim_start().strip_prefix("--> "))?;
    let mut parts = at.rsplitn(3, ':');
    let (_col, _line, file) = (parts.next()?, parts.next()?, parts.next()?);
    Some(file)
}

/// The exercise module of a path, if it is a file of `exercises/` other
/// than `mod.rs`: `gelu` for `exercises/gelu.rs`.
fn exercise_module<'a>(file: &str, modules: &[&'a str]) -> Option<&'a str> {
    let name = file.replace('\\', "/");
    let (dir, name) = name.rsplit_once('/')?;
    if !(dir == "exercises" || dir.ends_with("/exercises")) {
        return None;
    }
    let stem = name.strip_suffix(".rs")?;
    modules.iter().copied().find(|m| *m == stem)
}

/// The exercise modules whose files hold the compiler's errors, if every
/// error is in one (`None` if any is elsewhere, or none is found).
pub fn broken_modules(output: &str, modules: &[&str]) -> Option<Vec<String>> {
    let blocks = error_blocks(output);
    if blocks.is_empty() {
        return None;
    }
    let mut broken: Vec<String> = vec![];
    for block in &blocks {
        let module = exercise_module(error_file(block)?, modules)?;
        if !broken.iter().any(|m| m == module) {
            broken.push(module.to_string());
        }
    }
    Some(broken)
}

/// `exercises/gelu.rs` where the compiler says `src/../exercises/gelu.rs`
/// (the module is declared from `src/lib.rs`).
fn tidy(text: &str) -> String {
    text.replace("src/../exercises/", "exercises/")
}

/// The compiler's first error in each file, in the order they came.
pub fn errors_by_file(output: &str) -> String {
    let mut files: Vec<String> = vec![];
    let blocks = error_blocks(output);
    let mut out = String::new();
    for block in &blocks {
        let Some(file) = error_file(block).map(tidy) else {
            continue;
        };
        if files.contains(&file) {
            continue;
        }
        files.push(file.clone());
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(&format!(
            "{file} does not compile: its exercises are not graded until it does.\n\n{}",
            tidy(&shown(block))
        ));
    }
    out
}
