//! # Ctrl-C and SIGTERM during training
//!
//! While a [`Catching`] lives (the command line holds one from just before
//! the first step to the last save), SIGINT (Ctrl-C) and SIGTERM do not end
//! the process: the signal is recorded, and the training loop
//! ([`super::fit`]) reads it after each step ([`caught`], one relaxed
//! atomic load), finishes that step, hands its state to its checkpoint and
//! stops with [`crate::Error::Interrupted`]. A second signal ends the
//! process at once, with the conventional status (130 for SIGINT, 143 for
//! SIGTERM): the checkpoint on disk is the last one written whole (every
//! write is atomic). Outside a [`Catching`], the signals do what they
//! always do.
//!
//! The handlers are installed once per process, through the `signal-hook`
//! crate, which records which signal came (`ctrlc` cannot tell them
//! apart).

use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// A signal that interrupts training.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Signal {
    /// SIGINT: Ctrl-C.
    Interrupt,
    /// SIGTERM: `kill`, a job scheduler's stop.
    Terminate,
}

impl Signal {
    /// Its number on Unix (2, 15).
    pub fn number(self) -> i32 {
        match self {
            Signal::Interrupt => 2,
            Signal::Terminate => 15,
        }
    }

    /// Its name: `SIGINT`, `SIGTERM`.
    pub fn name(self) -> &'static str {
        match self {
            Signal::Interrupt => "SIGINT",
            Signal::Terminate => "SIGTERM",
        }
    }

    /// The conventional exit status of a process it stopped: 128 + its
    /// number (130, 143).
    pub fn exit_status(self) -> u8 {
        128 + self.number() as u8
    }

    /// The signal of this number ([`Signal::number`]), if it is one caught here.
    pub fn from_number(n: usize) -> Option<Signal> {
        match n {
            2 => Some(Signal::Interrupt),
            15 => Some(Signal::Terminate),
            _ => None,
        }
    }
}

/// The number of the signal caught, 0 for none.
static CAUGHT: AtomicUsize = AtomicUsize::new(0);

/// Set by a caught signal: the next one exits at once.
static ARMED: AtomicBool = AtomicBool::new(false);

/// Not catching: a signal does what it does by default.
static PASSIVE: AtomicBool = AtomicBool::new(true);

/// The handlers, installed once (or why they could not be).
static INSTALLED: OnceLock<std::result::Result<(), String>> = OnceLock::new();

/// The signal caught since training began catching them, if any: one
/// relaxed atomic load.
#[inline]
pub fn caught() -> Option<Signal> {
    match CAUGHT.load(Ordering::Relaxed) {
        0 => None,
        n => Signal::from_number(n),
    }
}

/// SIGINT and SIGTERM caught for training while this lives; their default
/// action again once it is dropped. The state is the process's: one run
/// catches them at a time (the command line's).
#[derive(Debug)]
#[must_use = "signals are caught only while the guard lives"]
pub struct Catching {
    _private: (),
}

/// Starts catching SIGINT and SIGTERM (installing the handlers on the first
/// call): from now until the [`Catching`] is dropped, a signal is recorded
/// for [`caught`], and a second one exits at once. The error says why the
/// handlers could not be installed.
pub fn catch() -> std::result::Result<Catching, String> {
    INSTALLED
        .get_or_init(install)
        .clone()
        .map_err(|e| format!("cannot catch Ctrl-C and SIGTERM: {e}"))?;
    CAUGHT.store(0, Ordering::SeqCst);
    ARMED.store(false, Ordering::SeqCst);
    PASSIVE.store(false, Ordering::SeqCst);
    Ok(Catching { _private: () })
}

impl Drop for Catching {
    fn drop(&mut self) {
        PASSIVE.store(true, Ordering::SeqCst);
    }
}

/// For each signal, in this order: its default action while not catching;
/// an exit with its status if one was caught already; then it is recorded,
/// and arms the exit.
#[cfg(unix)]
fn install() -> std::result::Result<(), String> {
    use signal_hook::flag;
    for signal in [Signal::Interrupt, Signal::Terminate] {
        let n = signal.number();
        flag::register_conditional_default(n, &PASSIVE)
            .and_then(|_| flag::register_conditional_shutdown(n, n + 128, &ARMED))
            .and_then(|_| flag::register_usize(n, &CAUGHT, n as usize))
            .and_then(|_| flag::register(n, &ARMED))
            .map_err(|e| format!("{}: {e}", signal.name()))?;
    }
    Ok(())
}

/// Elsewhere the signals keep their default action.
#[cfg(not(unix))]
fn install() -> std::result::Result<(), String> {
    Ok(())
}
