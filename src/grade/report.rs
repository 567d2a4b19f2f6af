//! # The printed grade
//!
//! One row per gradient in the lecture's `cmp` style, a line per exercise
//! not attempted or waiting, and a summary.

use std::fmt;

use crate::grade::dispatch::Grade;
use crate::grade::{Row, Status};

impl fmt::Display for Row {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let oracle = match &self.oracle {
            None => "-".to_string(),
            Some(r) if !r.passed() => "WRONG".to_string(),
            Some(r) => match &r.worst {
                Some(w) => format!("ok (worst abs err {:.1e})", w.abs_err),
                None => "ok".into(),
            },
        };
        write!(
            f,
            "{:<44} | exact: {:<5} | approximate: {:<5} | maxdiff: {:<8.1e} | finite differences: {oracle}",
            self.name, self.exact, self.approximate, self.maxdiff
        )
    }
}

/// The `cmp` table of a set of grades, then one line of totals.
pub fn table(implementation: &str, grades: &[Grade]) -> String {
    let mut out = String::new();
    for g in grades {
        match &g.status {
            Status::NotAttempted => out.push_str(&format!(
                "{:<44} | not attempted ({})\n",
                g.exercise.id(),
                g.exercise.file()
            )),
            Status::Blocked(why) => {
                out.push_str(&format!("{:<44} | waiting: {why}\n", g.exercise.id()))
            }
            Status::DoesNotCompile => out.push_str(&format!(
                "{:<44} | does not compile ({})\n",
                g.exercise.id(),
                g.exercise.file()
            )),
            Status::Correct | Status::Wrong(_) => {
                for row in &g.rows {
                    out.push_str(&format!("{row}\n"));
                }
                if let Status::Wrong(message) = &g.status
                    && g.rows.is_empty()
                {
                    out.push_str(&format!(
                        "{:<44} | WRONG: {}\n",
                        g.exercise.id(),
                        message.lines().next().unwrap_or("")
                    ));
                }
            }
        }
    }
    out.push_str(&summary(implementation, grades));
    out.push('\n');
    out
}

/// "exercises: 3/40 done, 37 not attempted, 0 wrong".
pub fn summary(implementation: &str, grades: &[Grade]) -> String {
    let count = |f: fn(&Status) -> bool| grades.iter().filter(|g| f(&g.status)).count();
    let done = count(|s| matches!(s, Status::Correct));
    let not_attempted = count(|s| matches!(s, Status::NotAttempted));
    let waiting = count(|s| matches!(s, Status::Blocked(_)));
    let wrong = count(|s| matches!(s, Status::Wrong(_)));
    let mut line = format!(
        "{implementation}: {done}/{} done, {not_attempted} not attempted",
        grades.len()
    );
    if waiting > 0 {
        line.push_str(&format!(", {waiting} waiting"));
    }
    line.push_str(&format!(", {wrong} wrong"));
    let broken = count(|s| matches!(s, Status::DoesNotCompile));
    if broken > 0 {
        line.push_str(&format!(", {broken} do not compile"));
    }
    line
}
