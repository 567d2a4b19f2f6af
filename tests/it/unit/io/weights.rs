use crate::unit::test_dir;
use backprop_ninja::Result;
use backprop_ninja::error::Error;
use backprop_ninja::io::weights::*;
use ndarray::{Array1, Array2, Ix0, Ix1, Ix2, arr0, array};
use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

fn sample() -> Vec<(String, Tensor)> {
    vec![
        ("W".into(), Tensor::new(array![[1.5f32, -2.0], [0.25, 3.0]])),
        ("b".into(), Tensor::new(array![0.1f64, -1e-300, f64::MAX])),
        ("Xb".into(), Tensor::new(array![[0i64, 26], [-3, i64::MAX]])),
        ("loss".into(), Tensor::new(arr0(3.25f64))),
    ]
}

fn meta() -> BTreeMap<String, String> {
    BTreeMap::from([("format".to_string(), "test".to_string())])
}

fn checkpoint_detail(r: Result<impl std::fmt::Debug>) -> String {
    match r {
        Err(Error::Checkpoint { detail, .. }) => detail,
        other => panic!("expected a checkpoint error, got {other:?}"),
    }
}

#[test]
fn round_trip_keeps_tensors_dtypes_shapes_and_metadata() {
    let dir = test_dir("weights-round-trip");
    let path = dir.join("t.safetensors");
    save(&path, sample(), meta()).unwrap();
    let (mut tensors, metadata) = load(&path).unwrap();
    assert_eq!(metadata, meta());
    assert_eq!(tensors, sample().into_iter().collect::<BTreeMap<_, _>>());
    assert_eq!(tensors["loss"].shape(), &[] as &[usize]);
    let w: Array2<f32> = take(&mut tensors, "W", &[2, 2], &path).unwrap();
    assert_eq!(w, array![[1.5f32, -2.0], [0.25, 3.0]]);
    let b: Array1<f64> = take(&mut tensors, "b", &[3], &path).unwrap();
    assert_eq!(b[2], f64::MAX);
    let xb = take::<i64, Ix2>(&mut tensors, "Xb", &[2, 2], &path).unwrap();
    assert_eq!(xb[[1, 1]], i64::MAX);
    let loss = take::<f64, Ix0>(&mut tensors, "loss", &[], &path).unwrap();
    assert_eq!(loss.into_scalar(), 3.25);
    assert!(tensors.is_empty());
    fs::remove_dir_all(dir).unwrap();
}

#[test]
fn take_names_the_tensor_and_what_is_wrong() {
    let path = Path::new("x.safetensors");
    let mut tensors: BTreeMap<_, _> = sample().into_iter().collect();
    let d = checkpoint_detail(take::<f32, Ix2>(&mut tensors, "W", &[2, 3], path));
    assert_eq!(d, "tensor W has shape [2, 2], expected [2, 3]");
    let d = checkpoint_detail(take::<f64, Ix2>(&mut tensors, "W", &[2, 2], path));
    assert_eq!(d, "tensor W has dtype F32, expected F64");
    let d = checkpoint_detail(take::<f32, Ix1>(&mut tensors, "W", &[2, 2], path));
    assert!(d.contains("1-dimensional"), "{d}");
    let d = checkpoint_detail(take::<f32, Ix2>(&mut tensors, "W3", &[2, 2], path));
    assert_eq!(d, "missing tensor W3");
    assert_eq!(tensors.len(), 4, "a failed take leaves the tensors alone");
}

#[test]
fn truncated_file_is_refused() {
    let dir = test_dir("weights-truncated");
    let path = dir.join("t.safetensors");
    save(&path, sample(), meta()).unwrap();
    let bytes = fs::read(&path).unwrap();
    let header_end = 8 + u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
    // Cut in the data, and cut in the header.
    for cut in [bytes.len() / 2, header_end - 10, bytes.len() - 1] {
        fs::write(&path, &bytes[..cut]).unwrap();
        let d = checkpoint_detail(load(&path));
        assert!(d.starts_with("truncated"), "cut at {cut}: {d}");
    }
    fs::write(&path, &bytes[..5]).unwrap();
    assert!(checkpoint_detail(load(&path)).contains("not a safetensors file"));
    fs::remove_dir_all(dir).unwrap();
}

#[test]
fn other_files_are_refused_plainly() {
    let dir = test_dir("weights-other");
    let path = dir.join("names.txt");
    fs::write(&path, "emma\nolivia\nava\nisabella\n").unwrap();
    let d = checkpoint_detail(load(&path));
    assert!(d.starts_with("not a safetensors file"), "{d}");

    let mut bad_json = 6u64.to_le_bytes().to_vec();
    bad_json.extend(b"{oops}");
    fs::write(&path, &bad_json).unwrap();
    let d = checkpoint_detail(load(&path));
    assert!(d.starts_with("the header does not parse"), "{d}");

    let header = br#"{"x":{"dtype":"I32","shape":[2],"data_offsets":[0,8]}}"#;
    let mut i32_file = (header.len() as u64).to_le_bytes().to_vec();
    i32_file.extend(header);
    i32_file.extend([0u8; 8]);
    fs::write(&path, &i32_file).unwrap();
    let d = checkpoint_detail(load(&path));
    assert!(d.contains("tensor x has dtype I32"), "{d}");

    let missing = dir.join("nope.safetensors");
    match load(&missing) {
        Err(Error::Io { path, .. }) => assert_eq!(path, missing),
        other => panic!("expected an I/O error, got {other:?}"),
    }
    fs::remove_dir_all(dir).unwrap();
}

#[test]
fn save_replaces_a_file_and_leaves_no_temporary_behind() {
    let dir = test_dir("weights-replace");
    let path = dir.join("t.safetensors");
    fs::write(&path, "an old file").unwrap();
    save(&path, sample(), meta()).unwrap();
    let loss = vec![("loss".to_string(), Tensor::new(arr0(1.0f64)))];
    save(&path, loss.clone(), BTreeMap::new()).unwrap();
    let (tensors, metadata) = load(&path).unwrap();
    assert_eq!(tensors, loss.into_iter().collect());
    assert!(metadata.is_empty());
    let files: Vec<_> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(files, ["t.safetensors"]);
    fs::remove_dir_all(dir).unwrap();
}

#[test]
fn save_refuses_duplicate_names() {
    let dir = test_dir("weights-duplicate");
    let path = dir.join("t.safetensors");
    let mut tensors = sample();
    tensors.push(("W".into(), Tensor::new(arr0(0.0f32))));
    assert!(checkpoint_detail(save(&path, tensors, meta())).contains("two tensors named W"));
    assert!(!path.exists());
    fs::remove_dir_all(dir).unwrap();
}
