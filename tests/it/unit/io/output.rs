use backprop_ninja::io::output::*;
use backprop_ninja::io::{checkpoint, weights};
use std::fs;
use std::path::PathBuf;

const OUT: Claim = Claim {
    option: "--out",
    ours: Ours::Checkpoint,
    force: false,
};

fn dir(tag: &str) -> PathBuf {
    crate::unit::test_dir(&format!("output-{tag}"))
}

#[test]
fn temporary_names_are_recognised_exactly() {
    assert!(is_temporary_of("m.safetensors.tmp-123-0", "m.safetensors"));
    assert!(!is_temporary_of("m.safetensors.tmp-123", "m.safetensors"));
    assert!(!is_temporary_of("m.safetensors.tmp-12a-0", "m.safetensors"));
    assert!(!is_temporary_of("n.safetensors.tmp-1-0", "m.safetensors"));
    assert!(!is_temporary_of("m.safetensors", "m.safetensors"));
}

#[test]
fn a_second_claim_is_refused_until_the_first_ends() {
    let d = dir("lock");
    let out = d.join("m.safetensors");
    let first = Output::claim(&out, &[], OUT).unwrap();
    let err = Output::claim(&out, &[], OUT).unwrap_err().to_string();
    assert!(err.contains("another run is writing this file"), "{err}");
    drop(first);
    assert!(!d.join(".m.safetensors.lock").exists(), "lock file removed");
    Output::claim(&out, &[], OUT).unwrap();
}

#[test]
fn inputs_directories_and_missing_directories_are_refused() {
    let d = dir("refuse");
    let data = d.join("names.txt");
    fs::write(&data, "emma\n").unwrap();
    let err = Output::claim(&data, &[("--data", &data)], OUT)
        .unwrap_err()
        .to_string();
    assert!(err.contains("same file as --data"), "{err}");
    #[cfg(unix)]
    {
        let link = d.join("link.safetensors");
        std::os::unix::fs::symlink(&data, &link).unwrap();
        let err = Output::claim(&link, &[("--data", &data)], OUT)
            .unwrap_err()
            .to_string();
        assert!(err.contains("same file as --data"), "{err}");
    }
    let err = Output::claim(&d, &[], OUT).unwrap_err().to_string();
    assert!(err.contains("is a directory"), "{err}");
    let err = Output::claim(&d.join("no/such/m.safetensors"), &[], OUT)
        .unwrap_err()
        .to_string();
    assert!(err.contains("does not exist"), "{err}");
}

#[test]
fn the_crates_files_are_recognised_by_their_header() {
    let d = dir("ours");
    let ckpt = d.join("m.safetensors");
    let t = weights::Tensor::new(ndarray::arr1(&[1.0f32]));
    checkpoint::write(
        &ckpt,
        "mlp",
        vec![("w".into(), t.clone())],
        Default::default(),
    )
    .unwrap();
    let export = d.join("e.safetensors");
    let meta = [(
        "format".to_string(),
        "backprop-ninja check export".to_string(),
    )];
    weights::save(&export, vec![("w".into(), t)], meta.into_iter().collect()).unwrap();
    let text = d.join("notes.txt");
    fs::write(&text, "notes").unwrap();
    let png = d.join("p.png");
    fs::write(&png, b"\x89PNG\r\n\x1a\n....").unwrap();
    let svg = d.join("p.svg");
    fs::write(&svg, "<svg width=\"1\"></svg>").unwrap();
    let export_of = Ours::Export("backprop-ninja check export");
    assert!(is_ours(&ckpt, Ours::Checkpoint));
    assert!(!is_ours(&ckpt, export_of));
    assert!(is_ours(&export, export_of));
    assert!(!is_ours(&export, Ours::Checkpoint));
    for other in [&text, &png, &svg] {
        assert!(!is_ours(other, Ours::Checkpoint), "{}", other.display());
    }
    assert!(is_ours(&png, Ours::Picture) && is_ours(&svg, Ours::Picture));
    assert!(!is_ours(&text, Ours::Picture) && !is_ours(&ckpt, Ours::Picture));
    let model = d.join("t.model");
    fs::write(&model, "minbpe v1\n\n0\n97 97\n").unwrap();
    assert!(is_ours(&model, Ours::Tokenizer));
    for other in [&text, &png, &ckpt] {
        assert!(!is_ours(other, Ours::Tokenizer), "{}", other.display());
    }
    let err = Output::claim(&text, &[], OUT).unwrap_err().to_string();
    assert!(err.contains("pass --force"), "{err}");
    let forced = Claim { force: true, ..OUT };
    Output::claim(&text, &[], forced).unwrap();
    Output::claim(&ckpt, &[], OUT).unwrap();
}

#[test]
fn stale_temporary_files_of_the_same_output_are_removed() {
    let d = dir("stale");
    for name in [
        "m.safetensors.tmp-99999-0",
        "m.safetensors.tmp-1-7",
        "other.tmp-1-0",
    ] {
        fs::write(d.join(name), "partial").unwrap();
    }
    let out = Output::claim(&d.join("m.safetensors"), &[], OUT).unwrap();
    assert_eq!(out.removed.len(), 2);
    assert!(d.join("other.tmp-1-0").exists());
    assert!(!d.join("m.safetensors.tmp-1-7").exists());
}
