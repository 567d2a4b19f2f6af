//! # Where a learner's code panicked
//!
//! A panic caught by the grader is reported, not printed: the default hook
//! would scatter its message through the grade. But the message alone (`could
//! not broadcast array from shape: [6] to: [1, 4]`) does not say which line
//! failed, and the panic's own location is inside `ndarray`. So while graded
//! code runs, a hook is installed that, for the grading thread only, stays
//! silent and records the panic's location and the first frame of the
//! learner's own code (a file outside `src/`, under this crate), from a
//! backtrace; every other thread's panic goes to the hook that was there
//! before. When the last graded call returns, that hook is put back exactly:
//! nothing is left installed process-wide.
//!
//! A `todo!()` (an exercise not attempted) records only its location, the
//! line of the stub, without the cost of a backtrace.

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::panic::{AssertUnwindSafe, PanicHookInfo, catch_unwind};
use std::sync::{Arc, Mutex};

/// A caught panic.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Panic {
    pub message: String,
    /// `file:line:column` of the `panic!` itself (for `todo!()`, the stub's line).
    pub location: Option<String>,
    /// `file:line` of the innermost frame of the learner's code (relative to
    /// the crate), when a backtrace found one.
    pub frame: Option<String>,
}

impl Panic {
    /// Where to look: the learner's frame, else the panic's location.
    pub fn site(&self) -> Option<&str> {
        self.frame.as_deref().or(self.location.as_deref())
    }
}

type Hook = Box<dyn Fn(&PanicHookInfo<'_>) + Sync + Send + 'static>;

/// How many graded calls are running, and the hook to put back.
static INSTALLED: Mutex<(usize, Option<Arc<Hook>>)> = Mutex::new((0, None));

thread_local! {
    static CAPTURING: Cell<bool> = const { Cell::new(false) };
    static CAUGHT: RefCell<Option<(Option<String>, Option<String>)>> = const { RefCell::new(None) };
    static FIRST_TODO: RefCell<Option<Panic>> = const { RefCell::new(None) };
}

/// Forgets the `todo!()` recorded on this thread (see [`take_todo`]).
pub fn clear_todo() {
    FIRST_TODO.with(|t| *t.borrow_mut() = None);
}

/// The first `todo!()` caught on this thread since [`clear_todo`]: its
/// message (the stub's hint) and location (the stub's line).
pub fn take_todo() -> Option<Panic> {
    FIRST_TODO.with(|t| t.borrow_mut().take())
}

fn install() {
    let mut state = INSTALLED.lock().unwrap_or_else(|e| e.into_inner());
    if state.0 == 0 {
        let previous: Arc<Hook> = Arc::new(std::panic::take_hook());
        let inner = Arc::clone(&previous);
        std::panic::set_hook(Box::new(move |info| {
            if CAPTURING.with(Cell::get) {
                record(info);
            } else {
                inner(info);
            }
        }));
        state.1 = Some(previous);
    }
    state.0 += 1;
}

fn uninstall() {
    let mut state = INSTALLED.lock().unwrap_or_else(|e| e.into_inner());
    state.0 -= 1;
    if state.0 == 0 {
        // Dropping our hook drops its clone of the previous one...
        drop(std::panic::take_hook());
        if let Some(previous) = state.1.take() {
            // ...so this is the last: put the very hook back.
            match Arc::try_unwrap(previous) {
                Ok(hook) => std::panic::set_hook(hook),
                Err(shared) => std::panic::set_hook(Box::new(move |info| shared(info))),
            }
        }
    }
}

fn record(info: &PanicHookInfo<'_>) {
    let location = info.location().map(|l| {
        let file = crate_relative(l.file()).unwrap_or_else(|| l.file().to_string());
        format!("{file}:{}:{}", l.line(), l.column())
    });
    let message = info
        .payload()
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| info.payload().downcast_ref::<String>().cloned())
        .unwrap_or_default();
    let frame = if message.starts_with("not yet implemented") {
        None
    } else {
        learner_frame(&std::backtrace::Backtrace::force_capture().to_string())
    };
    CAUGHT.with(|c| *c.borrow_mut() = Some((location, frame)));
}

/// The first frame of a backtrace in this crate's own files outside `src/`
/// (`exercises/`, `solutions/`, `tests/`), as `path:line` relative to the crate.
pub fn learner_frame(backtrace: &str) -> Option<String> {
    backtrace.lines().find_map(|line| {
        let path = crate_relative(line.trim().strip_prefix("at ")?)?;
        let learner = ["exercises/", "solutions/", "tests/"]
            .iter()
            .any(|dir| path.starts_with(dir));
        learner.then(|| {
            // Drop the column: "exercises/tanh.rs:20:5" -> "exercises/tanh.rs:20".
            match path.rsplit_once(':') {
                Some((file_line, col)) if col.chars().all(|c| c.is_ascii_digit()) => {
                    file_line.to_string()
                }
                _ => path.to_string(),
            }
        })
    })
}

/// A path inside this crate, relative to its root: `exercises/tanh.rs:20:5`
/// from `/…/backprop-ninja/exercises/tanh.rs:20:5`, `./exercises/…`,
/// `src/../exercises/…` or `core/../src/…` (how rustc names the library's
/// files); `None` for a path elsewhere.
pub fn crate_relative(path: &str) -> Option<String> {
    let inside = crate::root()
        .to_str()
        .and_then(|root| path.strip_prefix(root));
    let rest = match inside {
        Some(rest) => rest.trim_start_matches('/'),
        None if path.starts_with('/') => return None,
        None => path.trim_start_matches("./"),
    };
    Some(normalized(rest))
}

/// `rest` without its `dir/..` pairs and `.` parts: `exercises/tanh.rs`
/// from `src/../exercises/tanh.rs`, `src/layers/linear.rs` from
/// `core/../src/layers/linear.rs` (the library's manifest is in `core/`).
fn normalized(rest: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in rest.split('/') {
        match part {
            ".." if parts.last().is_some_and(|p| *p != "..") => {
                parts.pop();
            }
            "." | "" => {}
            _ => parts.push(part),
        }
    }
    parts.join("/")
}

/// Runs `f`, catching a panic with its site; the panic is not printed.
pub fn capture<T>(f: impl FnOnce() -> T) -> Result<T, Panic> {
    let (mut f, mut out) = (Some(f), None);
    capture_dyn(&mut || out = f.take().map(|f| f()))?;
    out.ok_or_else(|| Panic {
        message: "the graded function did not run".into(),
        location: None,
        frame: None,
    })
}

/// [`capture`]'s work, compiled once rather than once per caller (the
/// grader captures a few hundred different closures).
fn capture_dyn(f: &mut dyn FnMut()) -> Result<(), Panic> {
    install();
    let was = CAPTURING.with(|c| c.replace(true));
    CAUGHT.with(|c| *c.borrow_mut() = None);
    let result = catch_unwind(AssertUnwindSafe(f));
    CAPTURING.with(|c| c.set(was));
    uninstall();
    result.map_err(|payload| {
        let (location, frame) = CAUGHT.with(|c| c.borrow_mut().take()).unwrap_or_default();
        let panic = Panic {
            message: message(payload),
            location,
            frame,
        };
        if panic.message.starts_with("not yet implemented") {
            FIRST_TODO.with(|t| {
                t.borrow_mut().get_or_insert_with(|| panic.clone());
            });
        }
        panic
    })
}

fn message(payload: Box<dyn Any + Send>) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        s.to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic without a message".into()
    }
}
