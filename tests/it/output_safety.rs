//! # Never overwrite what is not ours; bound every input; messages a person can act on
//!
//! Each test here is a defect of an earlier version, run through the real
//! binary: outputs that replaced a device, a FIFO, a symbolic link or a
//! file the crate did not write; outputs found unwritable only at the first
//! save; inputs read without a limit (a FIFO, a device, a huge file, a huge
//! `--eval-batches`); `sample` that printed nothing until it had generated
//! everything; and messages that dumped a struct or did not say what to
//! pass. A property test checks the rule of `Output::claim` on random
//! paths: a file that is not a checkpoint of the crate is never changed.
//!
//! Devices and FIFOs are made with `mknod` and `mkfifo` in a temporary
//! folder, never in `/dev`; `mknod` needs root, and is skipped otherwise.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use backprop_ninja::io::checkpoint;
use backprop_ninja::io::output::{Claim, Ours, Output as Claimed};
use backprop_ninja::io::weights::{self, Tensor};
use proptest::prelude::*;

use crate::common;
use common::cli::{assert_fails, bin, run, s, stderr, stdout, succeeds, temp_dir};

/// About 100 names of the embedded corpus, every letter among them.
fn small_corpus(dir: &Path) -> PathBuf {
    let names: Vec<&str> = include_str!("../../data/names.txt").lines().collect();
    let mut picked: Vec<&str> = names.iter().step_by(300).copied().collect();
    for letter in 'a'..='z' {
        if !picked.iter().any(|n| n.contains(letter)) {
            picked.push(names.iter().find(|n| n.contains(letter)).unwrap());
        }
    }
    let path = dir.join("small.txt");
    std::fs::write(&path, picked.join("\n")).unwrap();
    path
}

/// `train` of 3 steps on `corpus` into `out`, with `extra` options.
fn train(corpus: &Path, out: &Path, extra: &[&str]) -> Output {
    let mut args = vec![
        "train",
        "--data",
        s(corpus),
        "--steps",
        "3",
        "--samples",
        "0",
        "--out",
        s(out),
    ];
    args.extend(extra);
    run(&args)
}

/// The binary run with `args` and stdin closed, killed after `limit`:
/// `None` if it had to be killed (it blocked, or read without end).
fn run_within(args: &[&str], limit: Duration) -> Option<Output> {
    let mut child = bin()
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            return Some(child.wait_with_output().unwrap());
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Whether this process runs as root (`mknod` needs it; root also writes
/// where permissions forbid it).
fn is_root(dir: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    let probe = dir.join(".uid-probe");
    std::fs::write(&probe, "").unwrap();
    let root = std::fs::metadata(&probe).unwrap().uid() == 0;
    std::fs::remove_file(probe).unwrap();
    root
}

fn mkfifo(path: &Path) {
    let ok = Command::new("mkfifo").arg(path).status().unwrap().success();
    assert!(ok, "mkfifo {}", path.display());
}

/// A character device `major:minor` at `path` (1:3 is a null device, 1:5
/// a zero device), if this process may make one.
fn mknod(path: &Path, major: u32, minor: u32) -> bool {
    if !is_root(path.parent().unwrap()) {
        println!("note: not root, so no device file is made (mknod needs root); skipped");
        return false;
    }
    Command::new("mknod")
        .arg(path)
        .args(["c", &major.to_string(), &minor.to_string()])
        .status()
        .unwrap()
        .success()
}

fn file_type(path: &Path) -> std::fs::FileType {
    std::fs::symlink_metadata(path).unwrap().file_type()
}

/// Refused before any work: no model was built.
fn refused_before_work(o: &Output, expected: &str) {
    assert_fails(o, expected);
    assert!(
        !stdout(o).contains("model:") && !stdout(o).contains("backward passes"),
        "refused before any work: {}",
        stdout(o)
    );
}

#[test]
fn devices_fifos_and_symbolic_links_are_never_replaced() {
    use std::os::unix::fs::FileTypeExt;
    let dir = temp_dir("special");
    let corpus = small_corpus(&dir);

    let fifo = dir.join("fifo");
    mkfifo(&fifo);
    refused_before_work(&train(&corpus, &fifo, &[]), "a FIFO");
    assert!(file_type(&fifo).is_fifo(), "still a FIFO");
    let o = run(&["check", "--export", s(&fifo)]);
    refused_before_work(&o, "a FIFO");
    assert!(file_type(&fifo).is_fifo(), "still a FIFO");

    let null = dir.join("fakenull");
    if mknod(&null, 1, 3) {
        refused_before_work(&train(&corpus, &null, &[]), "a character device");
        assert!(file_type(&null).is_char_device(), "still a device");
        let o = run(&["check", "--export", s(&null), "--force"]);
        refused_before_work(&o, "a character device");
        assert!(file_type(&null).is_char_device(), "still a device");
    }

    // A link to a checkpoint is refused too: neither it nor its target change.
    let target = dir.join("target.safetensors");
    succeeds(&train(&corpus, &target, &[]));
    let before = std::fs::read(&target).unwrap();
    let link = dir.join("link.safetensors");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    refused_before_work(
        &train(&corpus, &link, &["--seed", "9"]),
        "is a symbolic link",
    );
    assert!(file_type(&link).is_symlink(), "still a link");
    assert_eq!(std::fs::read(&target).unwrap(), before, "target unchanged");
}

#[test]
fn only_files_the_crate_wrote_are_replaced_without_force() {
    let dir = temp_dir("ours");
    let corpus = small_corpus(&dir);
    let notes = dir.join("notes.txt");
    std::fs::write(&notes, "my notes\n").unwrap();

    let o = train(&corpus, &notes, &[]);
    refused_before_work(&o, "is not a checkpoint written by backprop-ninja");
    assert!(stderr(&o).contains("--force"), "{}", stderr(&o));
    assert!(stderr(&o).contains("notes.txt"), "{}", stderr(&o));
    assert_eq!(std::fs::read_to_string(&notes).unwrap(), "my notes\n");

    // A trained checkpoint is not an export, nor an export a checkpoint.
    let model = dir.join("model.safetensors");
    succeeds(&train(&corpus, &model, &[]));
    let trained = std::fs::read(&model).unwrap();
    let o = run(&["check", "--export", s(&model)]);
    refused_before_work(&o, "is not an export written by backprop-ninja");
    assert_eq!(std::fs::read(&model).unwrap(), trained, "checkpoint kept");
    let o = run(&["check", "--export", s(&corpus)]);
    refused_before_work(&o, "--force");

    let export = dir.join("export.safetensors");
    succeeds(&run(&["check", "--export", s(&export)]));
    let exported = std::fs::read(&export).unwrap();
    refused_before_work(
        &train(&corpus, &export, &[]),
        "is not a checkpoint written by backprop-ninja",
    );
    assert_eq!(std::fs::read(&export).unwrap(), exported, "export kept");

    // What the crate wrote is replaced; anything else with --force.
    succeeds(&run(&["check", "--seed", "3", "--export", s(&export)]));
    assert_ne!(std::fs::read(&export).unwrap(), exported, "export replaced");
    succeeds(&train(&corpus, &model, &["--seed", "5"]));
    assert_ne!(
        std::fs::read(&model).unwrap(),
        trained,
        "checkpoint replaced"
    );
    succeeds(&train(&corpus, &notes, &["--force"]));
    checkpoint::load(&notes).expect("replaced by a checkpoint with --force");
}

#[test]
fn unwritable_outputs_are_refused_before_the_first_step() {
    let dir = temp_dir("unwritable");
    let corpus = small_corpus(&dir);
    let slash = format!("{}/", s(&dir.join("nosuchdir")));
    refused_before_work(
        &train(&corpus, Path::new(&slash), &[]),
        "ends in '/', so it names a directory",
    );
    assert!(!dir.join("nosuchdir").exists());
    let existing = format!("{}/", s(&dir));
    refused_before_work(&train(&corpus, Path::new(&existing), &[]), "ends in '/'");
    refused_before_work(
        &run(&["check", "--export", &slash]),
        "ends in '/', so it names a directory",
    );
    let under_a_file = corpus.join("m.safetensors");
    refused_before_work(&train(&corpus, &under_a_file, &[]), "is not a directory");

    // Another user's file in a sticky directory cannot be renamed over:
    // as root, the binary runs as `nobody` (through `setpriv`) against a
    // file of root's; otherwise against another user's file in /tmp.
    #[cfg(unix)]
    {
        use std::os::unix::fs::{MetadataExt, PermissionsExt};
        let as_nobody = Command::new("setpriv").arg("--version").output().is_ok();
        if is_root(&dir) && as_nobody {
            let sticky = dir.join("sticky");
            std::fs::create_dir(&sticky).unwrap();
            std::fs::set_permissions(&sticky, std::fs::Permissions::from_mode(0o1777)).unwrap();
            let theirs = sticky.join("theirs.safetensors");
            std::fs::write(&theirs, "root's file").unwrap();
            std::fs::set_permissions(&theirs, std::fs::Permissions::from_mode(0o666)).unwrap();
            std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
            let o = Command::new("setpriv")
                .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
                .arg(env!("CARGO_BIN_EXE_backprop-ninja"))
                .args([
                    "train",
                    "--steps",
                    "3",
                    "--samples",
                    "0",
                    "--force",
                    "--out",
                ])
                .arg(&theirs)
                .output()
                .unwrap();
            refused_before_work(&o, "belongs to another user");
            assert_eq!(std::fs::read_to_string(&theirs).unwrap(), "root's file");
        } else {
            let me = std::fs::metadata(&corpus).unwrap().uid();
            let foreign = std::fs::read_dir(std::env::temp_dir())
                .unwrap()
                .flatten()
                .find(|e| e.metadata().is_ok_and(|m| m.is_file() && m.uid() != me));
            match foreign {
                Some(entry) if !is_root(&dir) => refused_before_work(
                    &train(&corpus, &entry.path(), &["--force"]),
                    "belongs to another user",
                ),
                _ => println!(
                    "note: no other user's file to try in the temporary directory; skipped"
                ),
            }
        }
    }
}

#[cfg(feature = "plots")]
#[test]
fn pictures_replace_only_pictures() {
    let dir = temp_dir("plots");
    let plots = |extra: &[&str]| {
        let mut args = vec!["diagnose", "--steps", "5", "--plots", s(&dir)];
        args.extend(extra);
        run(&args)
    };
    let png = dir.join("loss.png");
    std::fs::write(&png, "not a picture").unwrap();
    refused_before_work(&plots(&[]), "is not a PNG or SVG picture");
    assert_eq!(std::fs::read_to_string(&png).unwrap(), "not a picture");
    let svg = dir.join("loss.svg");
    mkfifo(&svg);
    refused_before_work(&plots(&["--force"]), "a FIFO");
    std::fs::remove_file(&svg).unwrap();
    succeeds(&plots(&["--force"]));
    assert!(
        std::fs::read(&png).unwrap().starts_with(b"\x89PNG"),
        "replaced"
    );
    succeeds(&plots(&[]));
    for e in std::fs::read_dir(&dir).unwrap().flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        assert!(!name.starts_with('.'), "{name} left behind");
    }
}

#[test]
fn data_files_must_be_regular_files_under_the_limit() {
    let dir = temp_dir("inputs");
    let out = dir.join("m.safetensors");
    let fifo = dir.join("names.fifo");
    mkfifo(&fifo);
    let limit = Duration::from_secs(20);
    for args in [
        vec!["train", "--data", s(&fifo), "--out", s(&out)],
        vec!["train", "gpt", "--text", s(&fifo), "--out", s(&out)],
        vec!["bigram", "--data", s(&fifo)],
    ] {
        let o = run_within(&args, limit).unwrap_or_else(|| panic!("{args:?} blocked on a FIFO"));
        assert_fails(&o, "must be a regular file");
    }
    let null = dir.join("fakenull");
    if mknod(&null, 1, 3) {
        let o = run_within(&["train", "gpt", "--text", s(&null)], limit).unwrap();
        assert_fails(&o, "must be a regular file, and this is a character device");
    }
    // A sparse file just over 1 GiB: refused without reading it.
    let big = dir.join("big.txt");
    std::fs::File::create(&big)
        .unwrap()
        .set_len((1 << 30) + 1)
        .unwrap();
    let started = Instant::now();
    let o = run_within(&["train", "gpt", "--text", s(&big)], limit).unwrap();
    assert_fails(&o, "over the limit of 1073741824 bytes");
    assert!(started.elapsed() < Duration::from_secs(10), "not read");
    let o = run_within(&["eval", "--model", s(&fifo)], limit).expect("eval blocked");
    assert_fails(&o, "must be a regular file");
}

/// A small text, a tiny GPT trained on it for 2 steps, and its checkpoint.
fn tiny_gpt(dir: &Path, extra: &[&str]) -> (PathBuf, PathBuf, Output) {
    let text = dir.join("text.txt");
    let line = "First Citizen: before we proceed any further, hear me speak.\n";
    std::fs::write(&text, line.repeat(40)).unwrap();
    let model = dir.join("gpt.safetensors");
    let mut args = vec![
        "train",
        "gpt",
        "--text",
        s(&text),
        "--out",
        s(&model),
        "--steps",
        "2",
        "--batch-size",
        "4",
        "--block-size",
        "32",
        "--n-embd",
        "32",
        "--n-head",
        "2",
        "--n-layer",
        "2",
        "--chars",
        "10",
    ];
    args.extend(extra);
    let o = run(&args);
    (text, model, o)
}

#[test]
fn evaluation_batches_are_inside_the_memory_budget() {
    let dir = temp_dir("eval-batches");
    let (_, _, o) = tiny_gpt(&dir, &["--eval-batches", "100000000"]);
    refused_before_work(&o, "evaluation batches");
    assert!(stderr(&o).contains("--eval-batches"), "{}", stderr(&o));
    // The same count from a checkpoint's metadata.
    let (_, model, o) = tiny_gpt(&dir, &["--eval-batches", "1"]);
    succeeds(&o);
    let (tensors, mut meta) = weights::load(&model).unwrap();
    meta.insert("eval_batches".into(), "100000000".into());
    let tensors: Vec<(String, Tensor)> = tensors.into_iter().collect();
    weights::save(&model, tensors, meta).unwrap();
    let o = run_within(&["eval", "--model", s(&model)], Duration::from_secs(20))
        .expect("refused at once");
    assert_fails(&o, "evaluation batches");
    let o = run(&["sample", "--model", s(&model), "--chars", "1000001"]);
    assert!(
        stderr(&o).contains("1000001 is too many: at most 1000000"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn sample_streams_and_a_closed_pipe_ends_it_at_once() {
    let dir = temp_dir("stream");
    let (_, model, o) = tiny_gpt(&dir, &[]);
    succeeds(&o);
    let mut child = bin()
        .args(["sample", "--model", s(&model), "--chars", "1000000"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let mut first = [0u8; 100];
    child.stdout.take().unwrap().read_exact(&mut first).unwrap(); // the pipe's reader goes at the end of this statement
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    let status = child.wait().unwrap();
    let took = started.elapsed();
    assert!(status.success(), "exit 0 when the reader goes: {err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(
        took < Duration::from_secs(15),
        "a million characters are not generated for 100 bytes: {took:?}"
    );
}

#[test]
fn negative_values_parse_and_are_refused_in_words() {
    let dir = temp_dir("negative");
    let corpus = small_corpus(&dir);
    let out = dir.join("m.safetensors");
    let o = train(&corpus, &out, &["--seed", "-5"]);
    assert!(
        stderr(&o).contains("-5 is negative: a seed is a whole number"),
        "{}",
        stderr(&o)
    );
    for lr in ["-inf", "-1", "-0.5"] {
        let o = train(&corpus, &out, &["--lr", lr]);
        refused_before_work(&o, "lr must be a positive number");
    }
    let o = run(&["diagnose", "--lr", "-inf", "--steps", "1"]);
    refused_before_work(&o, "lr must be a positive number");
    let o = run(&[
        "train",
        "gpt",
        "--clip",
        "-inf",
        "--steps",
        "1",
        "--out",
        s(&out),
    ]);
    refused_before_work(&o, "--clip must be a positive number, got -inf");
}

#[test]
fn errors_name_the_sizes_not_a_struct() {
    let dir = temp_dir("struct");
    let out = dir.join("m.safetensors");
    let o = run(&[
        "train",
        "gpt",
        "--n-head",
        "0",
        "--steps",
        "1",
        "--out",
        s(&out),
    ]);
    refused_before_work(&o, "n_head is 0");
    assert!(!stderr(&o).contains("GptConfig"), "{}", stderr(&o));
}

#[test]
fn a_checkpoint_whose_data_is_gone_says_so_and_what_to_pass() {
    let dir = temp_dir("gone");
    let corpus = small_corpus(&dir);
    let out = dir.join("m.safetensors");
    succeeds(&train(&corpus, &out, &[]));
    let moved = dir.join("moved.txt");
    std::fs::rename(&corpus, &moved).unwrap();
    let o = run(&[
        "train",
        "--resume",
        s(&out),
        "--steps",
        "6",
        "--out",
        s(&out),
    ]);
    refused_before_work(&o, "no longer there (deleted or moved): pass --data");
    succeeds(&run(&[
        "train",
        "--resume",
        s(&out),
        "--steps",
        "6",
        "--out",
        s(&out),
        "--data",
        s(&moved),
        "--samples",
        "0",
    ]));
    let (text, model, o) = tiny_gpt(&dir, &[]);
    succeeds(&o);
    std::fs::remove_file(&text).unwrap();
    let o = run(&["eval", "--model", s(&model)]);
    assert_fails(&o, "no longer there (deleted or moved): pass --text");
    let o = run(&[
        "train",
        "gpt",
        "--resume",
        s(&model),
        "--steps",
        "4",
        "--out",
        s(&model),
    ]);
    refused_before_work(&o, "pass --text");
}

// ---- the property: random outputs never change a file that is not ours ----

/// What a path of the property test is before the claim.
#[derive(Clone, Copy, Debug)]
enum Entry {
    Missing,
    Checkpoint,
    Export,
    Text,
    Fifo,
    Dir,
    /// A symbolic link to the entry of this index (of the same folder).
    Link(usize),
}

fn entry() -> impl Strategy<Value = Entry> {
    prop_oneof![
        Just(Entry::Missing),
        Just(Entry::Checkpoint),
        Just(Entry::Export),
        Just(Entry::Text),
        Just(Entry::Fifo),
        Just(Entry::Dir),
        (0..4usize).prop_map(Entry::Link),
    ]
}

/// What a folder holds: each name, and its kind and content.
fn snapshot(dir: &Path) -> BTreeMap<String, String> {
    let mut all = BTreeMap::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let path = e.path();
        let kind = file_type(&path);
        let what = if kind.is_symlink() {
            format!("link {}", std::fs::read_link(&path).unwrap().display())
        } else if kind.is_dir() {
            format!("dir {:?}", snapshot(&path))
        } else if kind.is_file() {
            format!("file {:?}", std::fs::read(&path).unwrap())
        } else {
            "special".to_string()
        };
        all.insert(e.file_name().to_string_lossy().into_owned(), what);
    }
    all
}

/// A small checkpoint-shaped file of this crate.
fn write_checkpoint(path: &Path, value: f32) -> backprop_ninja::Result<()> {
    let t = Tensor::new(ndarray::arr1(&[value, 2.0]));
    checkpoint::write(path, "mlp", vec![("w".into(), t)], BTreeMap::new())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// Among regular files (checkpoints of the crate, exports, text),
    /// symbolic links, FIFOs, folders, missing files and missing parents,
    /// any claimed output, then written as a checkpoint, never changes a
    /// file that is not a checkpoint of the crate, and leaves nothing
    /// behind but the output.
    #[test]
    fn a_claimed_output_never_changes_what_is_not_ours(
        entries in proptest::collection::vec(entry(), 4),
        target in 0..6usize,
        trailing_slash in any::<bool>(),
    ) {
        let dir = temp_dir("property");
        let name = |i: usize| format!("e{i}");
        for (i, e) in entries.iter().enumerate() {
            let path = dir.join(name(i));
            match *e {
                Entry::Missing => {}
                Entry::Checkpoint => write_checkpoint(&path, 1.0).unwrap(),
                Entry::Export => weights::save(
                    &path,
                    vec![("x".into(), Tensor::new(ndarray::arr1(&[1.0f64])))],
                    BTreeMap::from([("format".into(), backprop_ninja::io::export::FORMAT.into())]),
                )
                .unwrap(),
                Entry::Text => std::fs::write(&path, "emma\nolivia\n").unwrap(),
                Entry::Fifo => mkfifo(&path),
                Entry::Dir => std::fs::create_dir(&path).unwrap(),
                Entry::Link(j) => std::os::unix::fs::symlink(name(j), &path).unwrap(),
            }
        }
        // 0..4: an entry; 4: under a missing folder; 5: under a text file.
        let mut path = match target {
            4 => dir.join("missing").join("m"),
            5 => {
                std::fs::write(dir.join("plain"), "text").unwrap();
                dir.join("plain").join("m")
            }
            i => dir.join(name(i)),
        };
        if trailing_slash {
            path = PathBuf::from(format!("{}/", path.display()));
        }
        let before = snapshot(&dir);
        let ours: Vec<String> = before
            .iter()
            .filter(|(n, _)| file_type(&dir.join(n)).is_file() && checkpoint::read(&dir.join(n)).is_ok())
            .map(|(n, _)| n.clone())
            .collect();
        let claim = Claim { option: "--out", ours: Ours::Checkpoint, force: false };
        let claimed = Claimed::claim(&path, &[], claim);
        let written = match &claimed {
            Ok(_) => write_checkpoint(&path, 3.0).is_ok(),
            Err(_) => false,
        };
        drop(claimed);
        let after = snapshot(&dir);
        for (n, was) in &before {
            if !ours.contains(n) {
                prop_assert_eq!(after.get(n), Some(was), "{} changed", n);
            }
        }
        for n in after.keys() {
            let target_name = path.file_name().map(|f| f.to_string_lossy().into_owned());
            prop_assert!(
                before.contains_key(n) || (written && Some(n) == target_name.as_ref()),
                "{} left behind", n
            );
        }
        if written {
            prop_assert!(checkpoint::read(&path).is_ok());
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

/// `sft` and `reward` claim `--out` (and `sft --pretrain-names` its list)
/// as `train` does, before reading the base: a FIFO, a device, a link or
/// a file the crate did not write is left as it was.
#[test]
fn sft_and_reward_claim_their_outputs_before_any_work() {
    use std::os::unix::fs::FileTypeExt;
    let dir = temp_dir("sft-out");
    let base = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/gpt_names.safetensors");
    let fifo = dir.join("fifo");
    mkfifo(&fifo);
    let notes = dir.join("notes.txt");
    std::fs::write(&notes, "mine\n").unwrap();
    for command in ["sft", "reward"] {
        let o = run(&[command, "--base", s(&base), "--out", s(&fifo)]);
        refused_before_work(&o, "a FIFO");
        assert!(!stdout(&o).contains("base "), "{command}: {}", stdout(&o));
        assert!(file_type(&fifo).is_fifo(), "{command}: still a FIFO");
        let o = run(&[command, "--base", s(&base), "--out", s(&notes)]);
        refused_before_work(&o, "pass --force");
        assert_eq!(std::fs::read_to_string(&notes).unwrap(), "mine\n");
        let o = run(&[command, "--base", s(&base), "--out", s(&base)]);
        refused_before_work(&o, "the same file as --base");
        let null = dir.join(format!("fakenull-{command}"));
        if mknod(&null, 1, 3) {
            let o = run(&[command, "--base", s(&base), "--out", s(&null), "--force"]);
            refused_before_work(&o, "a character device");
            assert!(file_type(&null).is_char_device(), "still a device");
        }
    }
    // The list of names carries no mark of the crate: an existing file is
    // replaced only with --force; a FIFO never.
    let o = run(&["sft", "--pretrain-names", s(&notes)]);
    assert_fails(&o, "--pretrain-names exists");
    assert_eq!(std::fs::read_to_string(&notes).unwrap(), "mine\n");
    assert_fails(
        &run(&["sft", "--pretrain-names", s(&fifo), "--force"]),
        "a FIFO",
    );
    assert!(file_type(&fifo).is_fifo(), "still a FIFO");
    succeeds(&run(&["sft", "--pretrain-names", s(&notes), "--force"]));
    let names = std::fs::read_to_string(&notes).unwrap();
    assert!(
        names.lines().count() > 20_000,
        "{} names",
        names.lines().count()
    );
}
