use backprop_ninja::io::checksum::*;
use backprop_ninja::io::weights::Tensor;
use ndarray::Array1;
use std::collections::BTreeMap;
use std::path::Path;

fn tensors() -> Vec<(String, Tensor)> {
    vec![
        (
            "a".into(),
            Tensor::new(Array1::from(vec![1.0f32, -2.5, 3.0])),
        ),
        ("b".into(), Tensor::new(Array1::from(vec![7i64]))),
    ]
}

fn stamped() -> (BTreeMap<String, Tensor>, BTreeMap<String, String>) {
    let list = tensors();
    let mut meta = BTreeMap::new();
    stamp(&list, &mut meta);
    (list.into_iter().collect(), meta)
}

#[test]
fn stamped_tensors_verify_and_unstamped_ones_are_unverified() {
    let (tensors, meta) = stamped();
    let path = Path::new("m.safetensors");
    assert_eq!(verify(&tensors, &meta, path).unwrap(), Integrity::Verified);
    assert_eq!(meta.len(), 3, "the hash's name and one checksum a tensor");
    assert_eq!(
        verify(&tensors, &BTreeMap::new(), path).unwrap(),
        Integrity::Unverified
    );
}

#[test]
fn every_bit_of_a_tensor_is_covered() {
    let (tensors, meta) = stamped();
    let path = Path::new("m.safetensors");
    for bit in 0..32 {
        let mut flipped = tensors.clone();
        let Some(Tensor::F32(a)) = flipped.get_mut("a") else {
            unreachable!()
        };
        a[1] = f32::from_bits(a[1].to_bits() ^ (1 << bit));
        let err = verify(&flipped, &meta, path).unwrap_err().to_string();
        assert!(
            err.contains("m.safetensors") && err.contains("tensor a does not match"),
            "{err}"
        );
    }
}

#[test]
fn damaged_or_inconsistent_checksums_are_refused() {
    let (tensors, meta) = stamped();
    let path = Path::new("m.safetensors");
    let refused = |meta: &BTreeMap<String, String>, tensors: &BTreeMap<String, Tensor>| {
        verify(tensors, meta, path).unwrap_err().to_string()
    };
    let mut m = meta.clone();
    m.remove(KEY);
    assert!(refused(&m, &tensors).contains("no \"checksum\" entry"));
    let mut m = meta.clone();
    m.insert(KEY.into(), "md5".into());
    assert!(refused(&m, &tensors).contains("\"md5\""));
    let mut m = meta.clone();
    m.remove("checksum.b");
    assert!(refused(&m, &tensors).contains("tensor b has no checksum"));
    let mut m = meta.clone();
    m.insert("checksum.b".into(), "xyz".into());
    assert!(refused(&m, &tensors).contains("is not a checksum"));
    let mut t = tensors.clone();
    t.remove("b");
    assert!(refused(&meta, &t).contains("checksum of tensor b, which it does not hold"));
}
