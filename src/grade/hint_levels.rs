//! # Hints in levels: `cargo run -- hint <exercise>`
//!
//! A nudge without the answer. Each call shows the next level of one
//! exercise's hint:
//!
//! 1. **the rule** that applies (the chain rule through what operation);
//! 2. **the shapes**: the function's signature with the shape of every
//!    argument, and the shape the gradient must have;
//! 3. **the expression in words**: the stub's own one-line hint.
//!
//! After the third, the answer itself: the file in `solutions/`. How far each
//! exercise has gone is kept in `target/hint-levels` (delete it to start again).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::Exercise;
use super::report::{function_name, solution_file};
use crate::course::micrograd::OpKind;
use crate::course::step_by_step::Var;

/// How many levels there are.
pub const LEVELS: usize = 3;

/// Level 1: the rule that applies.
pub fn rule(e: Exercise) -> String {
    let rule = match e {
        Exercise::Micrograd(OpKind::Add | OpKind::Mul) => {
            "the chain rule at one node: each input's gradient is the local derivative d out/d input times dout, added (+=) to what it has"
        }
        Exercise::Micrograd(_) => {
            "the chain rule at one node: the local derivative of the operation at its input, times dout, added (+=)"
        }
        Exercise::Bigram => {
            "softmax then the mean negative log-likelihood: dlogits = (probs - one_hot(ys)) / n; logits = one_hot(xs) @ W; plus the regularisation's own gradient"
        }
        Exercise::Linear | Exercise::Linear3d => {
            "a matrix product: the gradient of each factor is dout multiplied by the other factor, transposed where the shapes ask; a broadcast bias sums its gradient over what it was broadcast along"
        }
        Exercise::Embedding => {
            "an index lookup copies rows: the backward pass sends each gradient back to the row it was copied from, adding where a row was used more than once"
        }
        Exercise::Tanh => "an element-wise function: dx = f'(x)·dout, element by element",
        Exercise::CrossEntropy => {
            "softmax and the negative log-likelihood together: the gradient of the mean loss is (softmax - one_hot) / n"
        }
        Exercise::BatchNorm | Exercise::BatchNorm3d => {
            "the normalisation in one expression: each x reaches the loss directly, through the mean and through the variance; add the three paths"
        }
        Exercise::Step(_) => {
            "one operation of the forward pass, backwards: a broadcast in the forward pass is a sum in the backward, a sum is a broadcast, and a variable used twice receives both gradients"
        }
        Exercise::Chain => "the steps in reverse order, each fed by the one before",
        Exercise::FlattenConsecutive => {
            "a reshape moves numbers without changing them: the backward pass is the reverse reshape"
        }
        Exercise::Sequential => {
            "the layers' backward passes in reverse order, each handed the gradient of its output and writing that of its input"
        }
    };
    rule.to_string()
}

/// The function's signature in `source`, with its shape comments.
pub fn signature(source: &str, function: &str) -> Option<String> {
    let head = format!("pub fn {function}");
    let lines: Vec<&str> = source.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.starts_with(&head) && l[head.len()..].starts_with(['(', '<']))?;
    let end = (at..lines.len()).find(|&i| lines[i].trim_end().ends_with('{'))?;
    Some(lines[at..=end].join("\n"))
}

/// The one-line hint of the stub: the text of its `todo!()`.
pub fn stub_hint(source: &str, function: &str) -> Option<String> {
    let sig = signature(source, function)?;
    let after = &source[source.find(&sig)? + sig.len()..];
    let body_end = after.find("\n}").unwrap_or(after.len());
    let body = &after[..body_end];
    let start = body.find("todo!(")? + "todo!(".len();
    let text = body[start..].trim_start();
    let text = text.strip_prefix('"')?;
    Some(text[..text.find('"')?].to_string())
}

/// Level 2: the shapes.
pub fn shapes(e: Exercise, source: &str) -> String {
    let mut out = String::new();
    if let Exercise::Step(var) = e {
        out.push_str(&format!(
            "{} has the shape of {}: {:?} in the lecture's network (n = 32)\n",
            var.grad_name(),
            var.grad_name().trim_start_matches('d'),
            lecture_shape(var)
        ));
    }
    match signature(source, &function_name(e)) {
        Some(sig) => out.push_str(&sig),
        None => out.push_str(&format!("see `{}` in {}", function_name(e), e.file())),
    }
    out
}

fn lecture_shape(var: Var) -> Vec<usize> {
    let (f, _) = super::lecture();
    var.value(&f).shape().to_vec()
}

/// Level `level` (1-based) of `e`'s hint, from the exercise's `source`.
pub fn level(e: Exercise, level: usize, source: &str) -> String {
    match level {
        1 => format!("the rule: {}", rule(e)),
        2 => format!("the shapes:\n{}", shapes(e, source)),
        3 => match stub_hint(source, &function_name(e)) {
            Some(h) => format!("the expression, in words: {h}"),
            None => format!(
                "the expression, in words: your {} no longer has its todo!(); the last step is the answer, `{}` in {}",
                e.file(),
                function_name(e),
                solution_file(e)
            ),
        },
        _ => format!(
            "no more levels: the answer, with its derivation, is `{}` in {}",
            function_name(e),
            solution_file(e)
        ),
    }
}

/// The levels already shown, per exercise id, in a small text file.
pub fn load(path: &Path) -> BTreeMap<String, usize> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| {
            let (id, n) = l.rsplit_once(' ')?;
            Some((id.to_string(), n.parse().ok()?))
        })
        .collect()
}

fn save(path: &Path, levels: &BTreeMap<String, usize>) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let text: String = levels.iter().map(|(id, n)| format!("{id} {n}\n")).collect();
    std::fs::write(path, text)
}

/// Where the levels are kept for the crate at `dir`.
pub fn state_file(dir: &Path) -> PathBuf {
    dir.join("target").join("hint-levels")
}

/// The exercise named `name`: its id (`layers::tanh`) or the part after `::` when unique.
pub fn find(name: &str) -> Result<Exercise, String> {
    let all = Exercise::all();
    if let Some(&e) = all.iter().find(|e| e.id() == name) {
        return Ok(e);
    }
    let matches: Vec<Exercise> = all
        .into_iter()
        .filter(|e| e.id().split_once("::").is_some_and(|(_, s)| s == name))
        .collect();
    match matches.as_slice() {
        [e] => Ok(*e),
        [_, ..] => Err(format!(
            "{name:?} is ambiguous: {}",
            matches
                .iter()
                .map(|e| e.id())
                .collect::<Vec<_>>()
                .join(" or ")
        )),
        [] => Err(format!(
            "no exercise {name:?}; the exercises: {}",
            Exercise::all()
                .iter()
                .map(|e| e.id())
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

/// Shows the next level of `name`'s hint for the crate at `dir`, and records it.
pub fn next(dir: &Path, name: &str) -> Result<String, String> {
    let e = find(name)?;
    let source = std::fs::read_to_string(dir.join(e.file())).unwrap_or_default();
    let path = state_file(dir);
    let mut levels = load(&path);
    let shown = levels.entry(e.id()).or_insert(0);
    *shown = (*shown + 1).min(LEVELS + 1);
    let n = *shown;
    let text = level(e, n, &source);
    save(&path, &levels).map_err(|err| format!("cannot write {}: {err}", path.display()))?;
    let of = if n <= LEVELS {
        format!(" (level {n} of {LEVELS})")
    } else {
        String::new()
    };
    Ok(format!("{}{of}\n{text}", e.id()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_call_shows_the_next_level_then_the_answer() {
        let dir = std::env::temp_dir().join(format!("hint-levels-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("exercises")).unwrap();
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        std::fs::copy(
            root.join("exercises/tanh.rs"),
            dir.join("exercises/tanh.rs"),
        )
        .unwrap();
        let first = next(&dir, "layers::tanh").unwrap();
        assert!(
            first.contains("level 1 of 3") && first.contains("the rule"),
            "{first}"
        );
        let second = next(&dir, "layers::tanh").unwrap();
        assert!(
            second.contains("level 2") && second.contains("dout: &ArrayRef<F, D>"),
            "{second}"
        );
        let third = next(&dir, "layers::tanh").unwrap();
        assert!(
            third.contains("level 3") && third.contains("1 - tanh(x)^2"),
            "{third}"
        );
        let fourth = next(&dir, "layers::tanh").unwrap();
        assert!(fourth.contains("solutions/tanh.rs"), "{fourth}");
        // Another exercise starts at level 1.
        assert!(next(&dir, "layers::linear").unwrap().contains("level 1"));
        assert!(next(&dir, "nothing").is_err());
        assert!(next(&dir, "tanh").unwrap_err().contains("ambiguous"));
        assert!(
            next(&dir, "dcounts")
                .unwrap()
                .starts_with("ex1::dcounts (level 1")
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_step_of_exercise_1_gets_its_shape() {
        let source = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("exercises/step_by_step.rs"),
        )
        .unwrap();
        let shapes = shapes(Exercise::Step(Var::Counts), &source);
        assert!(
            shapes.contains("dcounts has the shape of counts: [32, 27]"),
            "{shapes}"
        );
        assert!(shapes.contains("pub fn dcounts("), "{shapes}");
        assert!(stub_hint(&source, "dlogprobs").unwrap().contains("-1/n"));
    }
}
