//! # The saves `watch` reacts to
//!
//! Part of the learner's loop ([`crate`]): the file-system watcher
//! (`notify`) over `exercises/`, which sends an [`Event::Changed`] for each
//! saved `.rs` file; Ctrl-C sends [`Event::Stop`] ([`on_ctrl_c`]).

use std::path::{Path, PathBuf};
use std::sync::mpsc::Sender;

use backprop_ninja::error::{Error, Result};

/// What the watch reacts to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// A file in `exercises/` was saved.
    Changed(PathBuf),
    /// Ctrl-C: end cleanly.
    Stop,
}

/// Sends a [`Event::Changed`] for each saved `.rs` file under `dir`.
pub fn watcher(dir: &Path, tx: Sender<Event>) -> Result<notify::RecommendedWatcher> {
    use notify::{EventKind, RecursiveMode, Watcher};
    let mut watcher = notify::recommended_watcher(move |res: notify::Result<notify::Event>| {
        if let Ok(event) = res
            && matches!(event.kind, EventKind::Modify(_) | EventKind::Create(_))
        {
            for path in event.paths {
                if path.extension().is_some_and(|e| e == "rs") {
                    let _ = tx.send(Event::Changed(path));
                }
            }
        }
    })
    .map_err(|e| Error::Config(format!("cannot watch {}: {e}", dir.display())))?;
    watcher
        .watch(dir, RecursiveMode::Recursive)
        .map_err(|e| Error::Config(format!("cannot watch {}: {e}", dir.display())))?;
    Ok(watcher)
}

/// Sends an [`Event::Stop`] at each Ctrl-C (SIGINT), from a thread of its
/// own (`signal-hook`, the crate that also stops a training run cleanly:
/// [`backprop_ninja::train::interrupt`]). Elsewhere than on Unix, Ctrl-C keeps its
/// default action.
pub fn on_ctrl_c(tx: Sender<Event>) -> Result<()> {
    #[cfg(unix)]
    {
        let mut signals = signal_hook::iterator::Signals::new([signal_hook::consts::SIGINT])
            .map_err(|e| Error::Config(format!("cannot catch Ctrl-C: {e}")))?;
        std::thread::spawn(move || {
            for _ in signals.forever() {
                let _ = tx.send(Event::Stop);
            }
        });
    }
    #[cfg(not(unix))]
    drop(tx);
    Ok(())
}
