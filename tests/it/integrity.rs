//! Checkpoints carry a checksum of every tensor, verified on load: a
//! flipped bit in a tensor's bytes is refused by every command that reads
//! the file, naming the file and the tensor; files written before
//! checksums (`tests/fixtures/`) still load, with a note.

use std::path::Path;

use crate::common::cli::{assert_fails, run, s, small_corpus, stderr, succeeds, temp_dir};

/// Where tensor `name`'s bytes start in the safetensors file `bytes`.
fn offset_of(bytes: &[u8], name: &str) -> usize {
    let file = safetensors::SafeTensors::deserialize(bytes).unwrap();
    file.tensor(name).unwrap().data().as_ptr() as usize - bytes.as_ptr() as usize
}

#[test]
fn a_flipped_bit_in_a_tensor_is_refused_by_every_reader_naming_the_tensor() {
    let dir = temp_dir("flip");
    let corpus = small_corpus(&dir);
    for (model, tensor) in [("mlp", "W1"), ("gpt", "transformer.wte.weight")] {
        let out = dir.join(format!("{model}.safetensors"));
        let mut args = vec!["train", model, "--data", s(&corpus), "--steps", "3"];
        args.extend(["--n-embd", "8", "--samples", "0", "--out", s(&out)]);
        if model == "gpt" {
            args.extend(["--n-head", "2", "--n-layer", "1", "--eval-batches", "1"]);
        }
        succeeds(&run(&args));
        let o = run(&["sample", "--model", s(&out), "--count", "1"]);
        succeeds(&o);
        assert!(!stderr(&o).contains("checksum"), "{}", stderr(&o));

        let mut bytes = std::fs::read(&out).unwrap();
        let at = offset_of(&bytes, tensor) + 5;
        bytes[at] ^= 0x01;
        let bad = dir.join(format!("{model}-flipped.safetensors"));
        std::fs::write(&bad, &bytes).unwrap();
        let expected = format!("tensor {tensor} does not match its checksum");
        let bad_s = s(&bad);
        for args in [
            vec!["sample", "--model", bad_s, "--count", "1"],
            vec!["eval", "--model", bad_s, "--data", s(&corpus)],
            vec![
                "train", model, "--resume", bad_s, "--steps", "5", "--out", bad_s,
            ],
        ] {
            let o = run(&args);
            assert_fails(&o, &expected);
            assert!(stderr(&o).contains(bad_s), "{}", stderr(&o));
        }
        assert_eq!(std::fs::read(&bad).unwrap(), bytes, "left as it was");
    }
}

#[test]
fn files_written_before_checksums_load_with_a_note() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    for file in [
        "mlp.safetensors",
        "wavenet.safetensors",
        "gpt_names.safetensors",
    ] {
        let path = fixtures.join(file);
        let o = run(&["sample", "--model", s(&path), "--count", "2"]);
        succeeds(&o);
        let err = stderr(&o);
        assert!(
            err.contains(&format!(
                "note: {} carries no checksums (written before checkpoints had them)",
                path.display()
            )),
            "{file}: {err}"
        );
        assert_eq!(err.matches("carries no checksums").count(), 1, "{err}");
    }
}
