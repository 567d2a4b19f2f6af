//! Errors that name the problem: the layer and the shapes, the file and the
//! line, the row and the value.

use std::fmt;
use std::path::PathBuf;

use crate::train::interrupt::Signal;

/// Everything that can go wrong outside a learner's own code.
#[derive(Debug)]
pub enum Error {
    /// Two tensors meet at a layer's boundary with shapes that do not fit.
    Shape { layer: &'static str, detail: String },
    /// A value that the layer cannot take (a batch of one, an index outside
    /// the vocabulary).
    Input { layer: &'static str, detail: String },
    /// A data file that cannot be used, with the line where that shows.
    Data {
        path: PathBuf,
        line: Option<usize>,
        detail: String,
    },
    /// A checkpoint that cannot be read or does not fit the model.
    Checkpoint { path: PathBuf, detail: String },
    /// Reading or writing a file failed.
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A setting that makes no sense (a batch size under 2, a zero width).
    Config(String),
    /// A picture could not be drawn or written (`--features plots`).
    Plot { path: PathBuf, detail: String },
    /// The loss stopped being a finite number.
    Diverged { step: usize, loss: f64 },
    /// An evaluated loss worse than a model worth keeping: above `bound`,
    /// which `rule` names (a uniform guess, or the best so far plus a
    /// margin).
    Worse {
        step: usize,
        split: &'static str,
        loss: f64,
        bound: f64,
        rule: String,
    },
    // ---- the command line's and the trainer's errors ----
    /// The loss stayed far above its start (1-based steps).
    DivergedFar {
        step: usize,
        loss: f64,
        start: f64,
        since: usize,
    },
    /// A backward pass is wrong or missing (`check`, the readiness check).
    Grading(String),
    /// An error, and what it means for the files (which checkpoint is kept).
    Noted { error: Box<Error>, note: String },
    /// Training stopped at `signal` once step `step` (1-based) was done; its
    /// state was handed to the checkpoint (`saved`), unless the loss was
    /// then far above its start.
    Interrupted {
        step: usize,
        signal: Signal,
        saved: bool,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Shape { layer, detail } => write!(f, "{layer}: shape mismatch: {detail}"),
            Error::Input { layer, detail } => write!(f, "{layer}: {detail}"),
            Error::Data { path, line, detail } => match line {
                Some(line) => write!(f, "{}:{line}: {detail}", path.display()),
                None => write!(f, "{}: {detail}", path.display()),
            },
            Error::Checkpoint { path, detail } => {
                write!(f, "checkpoint {}: {detail}", path.display())
            }
            Error::Io { path, source } => write!(f, "{}: {source}", path.display()),
            Error::Config(detail) => write!(f, "invalid setting: {detail}"),
            Error::Plot { path, detail } => write!(f, "plot {}: {detail}", path.display()),
            Error::Diverged { step, loss } => write!(
                f,
                "the loss became {loss} at step {step}; training stopped (try a smaller --lr)"
            ),
            Error::Worse {
                step,
                split,
                loss,
                bound,
                rule,
            } => write!(
                f,
                "the {split} loss is {loss:.4} at step {step}, above {bound:.4}, {rule}: the model is no longer worth keeping; training stopped (try a smaller --lr)"
            ),
            Error::DivergedFar {
                step,
                loss,
                start,
                since,
            } => write!(
                f,
                "the loss diverged: {loss:.4e} at step {step}, over {} times its start ({start:.4}) since step {since}; training stopped (try a smaller --lr)",
                DIVERGED_FACTOR
            ),
            Error::Grading(detail) => write!(f, "{detail}"),
            Error::Noted { error, note } => write!(f, "{error}; {note}"),
            Error::Interrupted {
                step,
                signal,
                saved,
            } => write!(
                f,
                "interrupted by {} at step {step}{}",
                signal.name(),
                if *saved {
                    ""
                } else {
                    ": not saved, the loss was far above its start"
                }
            ),
        }
    }
}

/// A run has diverged when its loss stays over this many times its first.
pub const DIVERGED_FACTOR: f32 = 10.0;

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// This crate's result type.
pub type Result<T> = std::result::Result<T, Error>;

/// Fails with a [`Error::Shape`] unless `got` equals `expected`.
pub fn expect_shape(
    layer: &'static str,
    what: &str,
    got: &[usize],
    expected: &[usize],
) -> Result<()> {
    if got == expected {
        Ok(())
    } else {
        Err(Error::Shape {
            layer,
            detail: format!("{what} has shape {got:?}, expected {expected:?}"),
        })
    }
}
