//! What `train` does when Ctrl-C (SIGINT) or SIGTERM stops it: the run
//! catches the signals from before its first step to its last save
//! ([`catch`]); the training loop saves the step it finished and stops; the
//! command says `interrupted at step N: saved FILE; resume with …`, the
//! command that continues the run ([`resume_command`]), and exits with the
//! conventional status, 130 or 143 ([`exit_status`]). A second signal exits
//! at once, the last checkpoint kept
//! ([`backprop_ninja::train::interrupt`]).

use std::ffi::OsString;
use std::path::Path;
use std::sync::Mutex;

use backprop_ninja::train::interrupt::{self, Catching};
use backprop_ninja::{Error, Result};

/// SIGINT and SIGTERM caught for the run while the guard lives.
pub fn catch() -> Result<Catching> {
    interrupt::catch().map_err(Error::Config)
}

/// The command line of the run in progress, when it is not this
/// process's: a stage of `pipeline` runs as its own command.
static RUNNING_AS: Mutex<Option<Vec<OsString>>> = Mutex::new(None);

/// Runs `job` as the command `args` (the program and its arguments): the
/// command line a resume command repeats while it runs.
pub fn run_as<T>(args: Vec<OsString>, job: impl FnOnce() -> T) -> T {
    let set = |args| *RUNNING_AS.lock().unwrap_or_else(|e| e.into_inner()) = args;
    set(Some(args));
    let done = job();
    set(None);
    done
}

/// The command line of the run in progress: this process's, or the one
/// [`run_as`] gives.
pub fn command_line() -> Vec<OsString> {
    let running_as = RUNNING_AS.lock().unwrap_or_else(|e| e.into_inner());
    running_as
        .clone()
        .unwrap_or_else(|| std::env::args_os().collect())
}

/// `arg` as a shell reads it back: as it is if it needs no quotes, else in
/// single quotes.
pub fn quoted(arg: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "_-./=:,+@%".contains(c);
    if !arg.is_empty() && arg.chars().all(plain) {
        arg.to_string()
    } else {
        format!("'{}'", arg.replace('\'', r"'\''"))
    }
}

/// The command that resumes the run of `args` (the program and its
/// arguments, as given) from its output `out`: the same arguments without
/// any `--resume`, then `--resume OUT`. Every setting repeated agrees with
/// the checkpoint's, so the resumed run is the one that was stopped.
pub fn resume_command(args: &[OsString], out: &Path) -> String {
    let mut words = vec![];
    let mut skip = false;
    for arg in args {
        let arg = arg.to_string_lossy();
        if std::mem::take(&mut skip) {
            continue;
        }
        if arg == "--resume" {
            skip = true;
            continue;
        }
        if arg.starts_with("--resume=") {
            continue;
        }
        words.push(quoted(&arg));
    }
    words.push("--resume".into());
    words.push(quoted(&out.to_string_lossy()));
    words.join(" ")
}

/// What a training run that ended with `error` says, and the error it
/// hands on: an interruption whose step was saved in `out` is said in one
/// line on stderr with the command that resumes it (and `main` prints no
/// error line for it); any other error is handed to `kept`, which notes
/// what `out` keeps.
pub fn ended(error: Error, out: &Path, kept: impl FnOnce(Error) -> Error) -> Error {
    if let Error::Interrupted {
        step, saved: true, ..
    } = error
    {
        let args = command_line();
        eprintln!(
            "interrupted at step {step}: saved {}; resume with {}",
            out.display(),
            resume_command(&args, out)
        );
        return error;
    }
    kept(error)
}

/// A signal caught after the last step, once the run's last checkpoint of
/// step `steps` is saved in `out`: said on stderr, and handed on as the
/// run's end (with the signal's exit status); `Ok` if none came.
pub fn after_last_step(steps: usize, out: &Path) -> Result<()> {
    match interrupt::caught() {
        None => Ok(()),
        Some(signal) => {
            eprintln!(
                "interrupted after the last step, {steps}: saved {}",
                out.display()
            );
            Err(Error::Interrupted {
                step: steps,
                signal,
                saved: true,
            })
        }
    }
}

/// The exit status of a run stopped by a signal (130 for SIGINT, 143 for
/// SIGTERM), whatever notes the error carries; `None` for other errors.
/// Whether `main` still prints the error line: not for an interruption
/// whose step was saved, which [`ended`] has said.
pub fn exit_status(error: &Error) -> Option<(u8, bool)> {
    match error {
        Error::Interrupted { signal, saved, .. } => Some((signal.exit_status(), !saved)),
        Error::Noted { error, .. } => exit_status(error).map(|(status, _)| (status, true)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_resume_command_repeats_the_arguments_and_resumes_from_the_output() {
        let args: Vec<OsString> = [
            "backprop-ninja",
            "train",
            "gpt",
            "--text",
            "my text.txt",
            "--resume",
            "old.safetensors",
            "--resume=older.safetensors",
            "--out",
            "it's.safetensors",
        ]
        .iter()
        .map(OsString::from)
        .collect();
        assert_eq!(
            resume_command(&args, Path::new("it's.safetensors")),
            r"backprop-ninja train gpt --text 'my text.txt' --out 'it'\''s.safetensors' --resume 'it'\''s.safetensors'"
        );
    }
}
