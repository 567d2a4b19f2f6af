//! # The loop of `watch`: grade, show, wait for a save
//!
//! Part of the learner's loop ([`crate`]): grades, draws the
//! [`Screen`], then waits for a save (a burst of saves within the debounce,
//! [`DEBOUNCE`] in the command, counts as one) or for Ctrl-C, and again.
//! It takes the grading, the events and the terminal as arguments, which is
//! how it is tested.

use std::io::{self, Write};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::Duration;

use super::grading::Outcome;
use super::saves::Event;
use super::screen::Screen;

/// Saves closer together than this are graded once.
pub const DEBOUNCE: Duration = Duration::from_millis(300);

/// The loop: grade, show, wait for a save (debounced) or a stop, repeat.
/// Returns how many times it graded. Every row of the report is shown.
pub fn run(
    grade: &mut dyn FnMut() -> Outcome,
    events: &Receiver<Event>,
    out: &mut dyn Write,
    debounce: Duration,
) -> io::Result<usize> {
    run_on(Screen::default(), grade, events, out, debounce)
}

/// [`run`], drawing on `screen` (one that fits a terminal, say).
pub fn run_on(
    mut screen: Screen,
    grade: &mut dyn FnMut() -> Outcome,
    events: &Receiver<Event>,
    out: &mut dyn Write,
    debounce: Duration,
) -> io::Result<usize> {
    let mut graded = 0;
    loop {
        let outcome = grade();
        graded += 1;
        out.write_all(screen.render(&outcome).as_bytes())?;
        out.flush()?;
        // Wait for a save...
        match events.recv() {
            Ok(Event::Changed(_)) => {}
            Ok(Event::Stop) | Err(_) => return Ok(graded),
        }
        // ...and let the burst of events of one save settle.
        loop {
            match events.recv_timeout(debounce) {
                Ok(Event::Changed(_)) => continue,
                Ok(Event::Stop) | Err(RecvTimeoutError::Disconnected) => return Ok(graded),
                Err(RecvTimeoutError::Timeout) => break,
            }
        }
    }
}
