//! # `tokenizer train|encode|decode|show`, and its bad input
//!
//! The real binary on a small text: trained, saved in minbpe's format,
//! shown, used; and every bad input a clear error, never a panic, with
//! nothing overwritten.

use std::fs;
use std::path::{Path, PathBuf};

use crate::common::cli::{assert_fails, run, s, stderr, succeeds, temp_dir};

/// A text with repeated words, numbers and a few non-ASCII letters.
fn text(dir: &Path) -> PathBuf {
    let path = dir.join("text.txt");
    let line = "The quick brown fox jumps over the lazy dog; the dog sleeps. 1234 café 東京\n";
    fs::write(&path, line.repeat(20)).unwrap();
    path
}

fn train(dir: &Path, vocab: &str, extra: &[&str]) -> (PathBuf, std::process::Output) {
    let out = dir.join("t.model");
    let text = text(dir);
    let mut args = vec![
        "tokenizer",
        "train",
        "--text",
        s(&text),
        "--vocab-size",
        vocab,
        "--out",
        s(&out),
    ];
    args.extend(extra);
    (out.clone(), run(&args))
}

#[test]
fn train_show_encode_decode_round_trip() {
    let dir = temp_dir("round-trip");
    let (model, o) = train(
        &dir,
        "300",
        &["--pattern", "gpt2", "--special", "<|endoftext|>"],
    );
    let said = succeeds(&o);
    assert!(said.contains("44 merges learned"), "{said}");
    assert!(
        said.contains("vocab 301 (256 bytes + 44 merges + 1 special), split gpt2"),
        "{said}"
    );
    let file = fs::read_to_string(&model).unwrap();
    assert!(
        file.starts_with("minbpe v1\n'(?:[sdmt]|ll|ve|re)"),
        "{file}"
    );
    assert!(file.contains("\n1\n<|endoftext|> 300\n"), "{file}");

    let shown = succeeds(&run(&[
        "tokenizer",
        "show",
        "--tokenizer",
        s(&model),
        "--text",
        s(&dir.join("text.txt")),
        "--limit",
        "3",
    ]));
    assert!(
        shown.contains("[ ][t] -> [ t] 256") || shown.contains("-> ["),
        "{shown}"
    );
    assert!(shown.contains("… 41 more merges"), "{shown}");
    assert!(shown.contains("bytes per token"), "{shown}");

    let ids = succeeds(&run(&[
        "tokenizer",
        "encode",
        "--tokenizer",
        s(&model),
        "the lazy dog, café",
    ]));
    let ids: Vec<&str> = ids.split_whitespace().collect();
    assert!(ids.len() < "the lazy dog, café".len(), "{ids:?}");
    let mut args = vec!["tokenizer", "decode", "--tokenizer", s(&model)];
    args.extend(&ids);
    assert_eq!(succeeds(&run(&args)), "the lazy dog, café\n");

    // Special tokens: refused by default, allowed on request.
    let o = run(&[
        "tokenizer",
        "encode",
        "--tokenizer",
        s(&model),
        "a<|endoftext|>",
    ]);
    assert_fails(&o, "the special token \"<|endoftext|>\" at byte 1");
    let ids = succeeds(&run(&[
        "tokenizer",
        "encode",
        "--tokenizer",
        s(&model),
        "--special",
        "allow",
        "a<|endoftext|>",
    ]));
    assert_eq!(ids, "97 300\n");
}

#[test]
fn a_vocabulary_below_256_or_beyond_the_text_is_said() {
    let dir = temp_dir("vocab");
    let (model, o) = train(&dir, "255", &[]);
    assert_fails(&o, "a vocabulary of 255 ids is below 256");
    assert!(!model.exists());
    let (model, o) = train(&dir, "100000", &["--pattern", "gpt2"]);
    succeeds(&o);
    let err = stderr(&o);
    assert!(err.contains("has no pair left to merge after"), "{err}");
    assert!(err.contains("not the 100000 asked"), "{err}");
    assert!(model.exists());
}

#[test]
fn a_foreign_output_is_not_overwritten_and_our_own_is_replaced() {
    let dir = temp_dir("claim");
    let out = dir.join("t.model");
    fs::write(&out, "precious notes\n").unwrap();
    let (_, o) = train(&dir, "260", &[]);
    assert_fails(&o, "pass --force");
    assert_eq!(fs::read_to_string(&out).unwrap(), "precious notes\n");
    fs::remove_file(&out).unwrap();
    succeeds(&train(&dir, "260", &[]).1);
    succeeds(&train(&dir, "270", &[]).1);
    let o = run(&[
        "tokenizer",
        "train",
        "--text",
        s(&dir.join("text.txt")),
        "--vocab-size",
        "260",
        "--out",
        s(&dir.join("text.txt")),
    ]);
    assert_fails(&o, "text.txt");
}

#[test]
fn bad_tokenizer_files_are_refused_with_their_line() {
    let dir = temp_dir("bad-files");
    let cases = [
        (
            "truncated.model",
            "minbpe v1\n\n2\n<|a|> 300\n",
            "truncated.model:5: the file ends where special token 2 of 2 was expected",
        ),
        (
            "malformed.model",
            "minbpe v1\n\n0\n97 97\n97 x\n",
            "malformed.model:5: \"97 x\" is not a merge",
        ),
        (
            "undefined.model",
            "minbpe v1\n\n0\n97 97\n256 300\n",
            "undefined.model:5: the merge (256, 300) would make id 257 but refers to id 300, not yet defined",
        ),
        (
            "collides.model",
            "minbpe v1\n\n1\n<|x|> 256\n97 97\n",
            "collides.model:4: the special token \"<|x|>\" has id 256, which collides with merge 1",
        ),
        (
            "other.model",
            "{\"model\": 1}\n",
            "other.model:1: the header is",
        ),
    ];
    for (name, content, expected) in cases {
        let path = dir.join(name);
        fs::write(&path, content).unwrap();
        assert_fails(
            &run(&["tokenizer", "encode", "--tokenizer", s(&path), "abc"]),
            expected,
        );
        assert_fails(
            &run(&["tokenizer", "show", "--tokenizer", s(&path)]),
            expected,
        );
    }
    let o = run(&["tokenizer", "encode", "--tokenizer", s(&dir), "abc"]);
    assert_fails(&o, "must be a regular file");
}

#[test]
fn special_tokens_that_collide_are_refused_and_nothing_is_written() {
    let dir = temp_dir("special");
    let (model, o) = train(&dir, "260", &["--special", "<|a|>", "--special", "<|a|>"]);
    assert_fails(&o, "collides with the special token \"<|a|>\"");
    assert!(!model.exists());
}

#[test]
fn decode_refuses_ids_outside_the_vocabulary() {
    let dir = temp_dir("decode");
    let (model, o) = train(&dir, "260", &[]);
    succeeds(&o);
    let o = run(&["tokenizer", "decode", "--tokenizer", s(&model), "97", "999"]);
    assert_fails(
        &o,
        "id 999 (position 1) is not in the vocabulary of 260 ids",
    );
    let o = run(&["tokenizer", "decode", "--tokenizer", s(&model), "97", "-3"]);
    assert!(!o.status.success());
}

/// With the shipped stubs, `--impl exercises` refuses to train before any
/// work, naming the learner's function still at `todo!()`. Ignored in a
/// learner's `cargo test` (their `bpe.rs` stops being stubs, and the run
/// builds the command a second time, with their crate); CI runs it with
/// `cargo test -- --ignored`.
#[test]
#[ignore = "maintainers: the shipped exercises are todo!() stubs"]
fn maintainers_impl_learner_waits_for_the_learners_own_functions() {
    let dir = temp_dir("exercises");
    let (model, o) = train(&dir, "260", &["--impl", "exercises"]);
    assert_fails(&o, "tokenizer::get_stats (exercises/bpe.rs)");
    assert!(!model.exists());
    let (model, o) = train(&dir, "260", &["--impl", "exercises", "--pattern", "none"]);
    assert_fails(&o, "tokenizer::train (exercises/bpe.rs)");
    assert!(!model.exists());
}

#[cfg(not(feature = "pretrained"))]
#[test]
fn pretrained_without_the_feature_says_how_to_build_it() {
    let o = run(&["tokenizer", "encode", "--pretrained", "gpt2", "hello"]);
    assert_fails(&o, "--features pretrained");
}

#[cfg(feature = "pretrained")]
#[test]
fn pretrained_gpt2_encodes_as_gpt2() {
    let ids = succeeds(&run(&[
        "tokenizer",
        "encode",
        "--pretrained",
        "gpt2",
        "Hello world",
    ]));
    assert_eq!(ids, "15496 995\n");
    let text = succeeds(&run(&[
        "tokenizer",
        "decode",
        "--pretrained",
        "gpt4",
        "9906",
        "1917",
    ]));
    assert_eq!(text, "Hello world\n");
}
