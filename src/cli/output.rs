//! What the subcommands share: printing that survives a closed stdout, the
//! loss line, and the parsers of numeric options and of names.
//!
//! `println!` panics when stdout is a pipe whose reader has gone
//! (`train | head -2`). [`say!`] prints a line instead, and on the first
//! failed write marks stdout closed and drops every later line: the work
//! (training, saving) goes on, and the program ends normally.

use std::fmt;
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};

use backprop_ninja::Error;
use backprop_ninja::models::model::Model;
use backprop_ninja::train::Dataset;

static CLOSED: AtomicBool = AtomicBool::new(false);

/// Prints a line on stdout, unless stdout is closed.
macro_rules! say {
    ($($t:tt)*) => {
        $crate::cli::output::write(format_args!("{}\n", format_args!($($t)*)))
    };
}
pub(crate) use say;

/// Writes `text` to stdout and flushes it; on failure marks stdout closed.
pub fn write(text: fmt::Arguments) {
    if CLOSED.load(Ordering::Relaxed) {
        return;
    }
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_fmt(text).and_then(|()| out.flush()) {
        CLOSED.store(true, Ordering::Relaxed);
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            let _ = writeln!(
                std::io::stderr(),
                "warning: stdout: {e}; printing stops here"
            );
        }
    }
}

/// Whether a write to stdout has failed (its reader is gone).
pub fn closed() -> bool {
    CLOSED.load(Ordering::Relaxed)
}

/// Prints `error: …` on stderr, on one line.
pub fn error(e: &Error) {
    let line = e.to_string().replace('\n', " ");
    let _ = writeln!(std::io::stderr(), "error: {line}");
}

/// The train, val and test loss of `model`.
pub fn print_losses(model: &impl Model, data: &Dataset) -> backprop_ninja::Result<()> {
    say!(
        "loss ({}): train {:.4}  val {:.4}  test {:.4}",
        model.eval_statistics(),
        model.loss(&data.train.x, &data.train.y)?,
        model.loss(&data.val.x, &data.val.y)?,
        model.loss(&data.test.x, &data.test.y)?
    );
    Ok(())
}

/// The most names a command samples at once.
pub const MAX_SAMPLES: usize = 1_000_000;

/// The most characters a command generates at once.
pub const MAX_CHARS: usize = 1_000_000;

/// A count: a whole number, 0 or more (`--steps`, `--samples`).
pub fn count(s: &str) -> Result<usize, String> {
    match s.trim().parse::<usize>() {
        Ok(n) => Ok(n),
        Err(_) => match s.trim().parse::<i128>() {
            Ok(n) if n < 0 => Err(format!("{n} is negative: a count is 0 or more")),
            Ok(_) => Err(format!("{s} is too large (at most {})", usize::MAX)),
            Err(_) => Err(format!("{s:?} is not a whole number")),
        },
    }
}

/// A count of at least 1 (`--eval-every`).
pub fn positive(s: &str) -> Result<usize, String> {
    match count(s)? {
        0 => Err("0 is not allowed: at least 1".into()),
        n => Ok(n),
    }
}

/// A number of names to sample, at most [`MAX_SAMPLES`].
pub fn samples(s: &str) -> Result<usize, String> {
    match count(s)? {
        n if n > MAX_SAMPLES => Err(format!("{n} is too many: at most {MAX_SAMPLES}")),
        n => Ok(n),
    }
}

/// A number of characters to generate, at most [`MAX_CHARS`].
pub fn chars(s: &str) -> Result<usize, String> {
    match count(s)? {
        n if n > MAX_CHARS => Err(format!("{n} is too many: at most {MAX_CHARS}")),
        n => Ok(n),
    }
}

/// A seed: a whole number from 0 to 2^64 − 1.
pub fn seed(s: &str) -> Result<u64, String> {
    match s.trim().parse::<u64>() {
        Ok(n) => Ok(n),
        Err(_) => match s.trim().parse::<i128>() {
            Ok(n) if n < 0 => Err(format!(
                "{n} is negative: a seed is a whole number from 0 to {}",
                u64::MAX
            )),
            Ok(_) => Err(format!("{s} is too large (at most {})", u64::MAX)),
            Err(_) => Err(format!("{s:?} is not a whole number")),
        },
    }
}

/// An option whose value is a name: `parse` reads it (refusing an unknown
/// name in its own words), and `--help` lists `names`, the possible values.
#[derive(Clone)]
pub struct ByName<T> {
    pub names: fn() -> Vec<&'static str>,
    pub parse: fn(&str) -> Result<T, String>,
}

impl<T: Clone + Send + Sync + 'static> clap::builder::TypedValueParser for ByName<T> {
    type Value = T;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<T, clap::Error> {
        self.parse.parse_ref(cmd, arg, value)
    }

    fn possible_values(
        &self,
    ) -> Option<Box<dyn Iterator<Item = clap::builder::PossibleValue> + '_>> {
        Some(Box::new(
            (self.names)()
                .into_iter()
                .map(clap::builder::PossibleValue::new),
        ))
    }
}

/// A progress bar on stderr for a run to `steps`, at `start` already; none
/// when stderr is not a terminal (then the loss lines say where it is).
pub fn progress_bar(steps: usize, start: usize) -> Option<indicatif::ProgressBar> {
    use std::io::IsTerminal;
    std::io::stderr().is_terminal().then(|| {
        let bar = indicatif::ProgressBar::new(steps as u64).with_position(start as u64);
        bar.set_style(
            indicatif::ProgressStyle::with_template("{bar:30} {pos:>7}/{len:7}  {msg}  eta {eta}")
                .expect("a valid template"),
        );
        bar
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_say_what_is_wrong() {
        assert_eq!(count("12"), Ok(12));
        assert_eq!(
            count("-1").unwrap_err(),
            "-1 is negative: a count is 0 or more"
        );
        assert!(count("1e3").unwrap_err().contains("not a whole number"));
        assert!(
            count("99999999999999999999999")
                .unwrap_err()
                .contains("too large")
        );
        assert_eq!(positive("0").unwrap_err(), "0 is not allowed: at least 1");
        assert!(samples("1000001").is_err());
        assert!(chars("1000001").unwrap_err().contains("at most 1000000"));
        assert_eq!(seed("7"), Ok(7));
        assert!(seed("-5").unwrap_err().contains("-5 is negative"));
    }
}
