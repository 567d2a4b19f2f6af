use backprop_ninja::corpus::codec::CodecId;
use backprop_ninja::corpus::{DataKind, Fingerprint};
use backprop_ninja::hyper::Hyper;
use backprop_ninja::io::checkpoint::*;
use backprop_ninja::io::checksum::Integrity;
use backprop_ninja::io::weights::Tensor;
use backprop_ninja::io::{checksum, weights};
use backprop_ninja::layers::adamw::AdamW;
use backprop_ninja::layers::sequential::Layer;
use backprop_ninja::models::adamw::AdamWState;
use backprop_ninja::models::mlp::Mlp;
use backprop_ninja::models::model::Network;
use backprop_ninja::models::wavenet::WaveNet;
use backprop_ninja::train::{Optimizer, Schedule, TrainConfig};
use rand::SeedableRng;
use std::collections::BTreeMap;

fn tiny() -> Checkpoint {
    let hyper = Hyper {
        vocab: 5,
        block: 2,
        n_embd: 3,
        n_hidden: 4,
    };
    let model = Mlp::lecture_init(hyper, &mut rand_chacha::ChaCha8Rng::seed_from_u64(1)).unwrap();
    Checkpoint {
        model: model.into(),
        optimizer: Optimizer::Sgd(Schedule::LECTURE),
        step: 7,
        config: TrainConfig::LECTURE,
        vocab: ".abcd".into(),
        data: "embedded".into(),
        fingerprint: None,
        eval_batches: None,
        codec: None,
        rl: None,
    }
}

/// A tiny GPT after 7 steps of AdamW, on a text.
fn tiny_gpt() -> Checkpoint {
    use backprop_ninja::models::gpt::{Gpt, GptConfig};
    let config = GptConfig {
        n_layer: 2,
        n_embd: 8,
        n_head: 2,
        block_size: 6,
        ..GptConfig::lecture(5)
    };
    let model = Gpt::<f32>::new(config, &mut rand_chacha::ChaCha8Rng::seed_from_u64(1)).unwrap();
    let mut adamw = AdamWState::new(AdamW::TORCH, &model).unwrap();
    adamw.t = 7;
    for (i, m) in adamw.m.iter_mut().enumerate() {
        m.fill(i as f32 * 0.5 - 1.0);
    }
    for (i, v) in adamw.v.iter_mut().enumerate() {
        v.fill(i as f32 * 0.25);
    }
    Checkpoint {
        model: model.into(),
        optimizer: Optimizer::AdamW(adamw),
        step: 7,
        config: TrainConfig {
            steps: 20,
            ..TrainConfig::GPT_LECTURE
        },
        vocab: "\n abc".into(),
        data: "verse.txt".into(),
        fingerprint: Some(Fingerprint {
            kind: DataKind::Text,
            source: "verse.txt".into(),
            len: 123,
            hash: 0xdead_beef,
        }),
        eval_batches: Some(3),
        codec: Some(CodecId {
            fingerprint: 0x0123_4567_89ab_cdef,
            description: "characters (5)".into(),
        }),
        rl: None,
    }
}

#[test]
fn a_gpt_checkpoint_round_trips_with_its_optimiser() {
    let path = temp("gpt-roundtrip.safetensors");
    let ckpt = tiny_gpt();
    save(&path, &ckpt).unwrap();
    assert_eq!(load(&path).unwrap(), ckpt);
    assert_eq!(read(&path).unwrap().kind, "gpt");
    let (_, meta) = weights::load(&path).unwrap();
    assert_eq!(meta["codec"], "characters (5)");
    assert_eq!(meta["codec_fnv1a64"], "0123456789abcdef");
    // A checkpoint written before codecs holds a character model.
    let older = Checkpoint {
        codec: None,
        ..tiny_gpt()
    };
    save(&path, &older).unwrap();
    assert_eq!(load(&path).unwrap().codec, None);
}

#[test]
fn a_non_finite_moment_is_never_written() {
    let path = temp("gpt-nan.safetensors");
    let mut ckpt = tiny_gpt();
    let Optimizer::AdamW(a) = &mut ckpt.optimizer else {
        unreachable!()
    };
    a.v[3].as_slice_mut().unwrap()[0] = f32::NAN;
    let err = save(&path, &ckpt).unwrap_err().to_string();
    assert!(
        err.contains("not written") && err.contains("adamw.v."),
        "{err}"
    );
    assert!(!path.exists());
}

#[test]
fn a_tensor_that_belongs_to_nothing_is_refused() {
    let path = temp("gpt-extra.safetensors");
    save(&path, &tiny_gpt()).unwrap();
    let (mut tensors, mut meta) = weights::load(&path).unwrap();
    // Without checksums, so that the file is read as far as its tensors.
    meta.retain(|k, _| !k.starts_with(checksum::KEY));
    tensors.insert(
        "adamw.m.nothing".into(),
        Tensor::new(ndarray::Array1::<f32>::zeros(2)),
    );
    weights::save(&path, tensors.into_iter().collect(), meta).unwrap();
    let err = load(&path).unwrap_err().to_string();
    assert!(
        err.contains("tensor adamw.m.nothing is not a parameter"),
        "{err}"
    );
}

fn temp(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("backprop-ninja-ckpt-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

#[test]
fn a_checkpoint_round_trips() {
    let path = temp("round.safetensors");
    let ckpt = tiny();
    save(&path, &ckpt).unwrap();
    assert_eq!(load(&path).unwrap(), ckpt);
}

#[test]
fn a_wavenet_checkpoint_round_trips() {
    let hyper = Hyper {
        vocab: 5,
        block: 4,
        n_embd: 3,
        n_hidden: 6,
    };
    let mut model =
        WaveNet::lecture_init(hyper, &mut rand_chacha::ChaCha8Rng::seed_from_u64(2)).unwrap();
    if let Layer::BatchNorm1d(bn) = &mut model.net.layers[3] {
        bn.running_mean.fill(0.25); // not the initial value
    }
    let ckpt = Checkpoint {
        model: model.into(),
        optimizer: Optimizer::Sgd(Schedule::WAVENET),
        config: TrainConfig::WAVENET,
        ..tiny()
    };
    let path = temp("wavenet.safetensors");
    save(&path, &ckpt).unwrap();
    assert_eq!(load(&path).unwrap(), ckpt);
    let (tensors, meta) = weights::load(&path).unwrap();
    assert_eq!(meta["model"], "wavenet");
    assert_eq!(tensors["layers.0.weight"].shape(), [5, 3]);
    assert_eq!(tensors["layers.2.weight"].shape(), [6, 6]);
    assert_eq!(tensors["layers.3.running_mean"].shape(), [1, 6]);
    assert_eq!(tensors["layers.9.bias"].shape(), [5]);
    assert!(
        !tensors.contains_key("layers.2.bias"),
        "no bias before BatchNorm"
    );
}

#[test]
fn non_finite_tensors_are_never_written_and_fingerprints_round_trip() {
    let path = temp("nan.safetensors");
    let mut ckpt = tiny();
    ckpt.fingerprint = Some(Fingerprint {
        kind: DataKind::Names,
        source: "embedded".into(),
        len: 12,
        hash: 0xdead_beef,
    });
    save(&path, &ckpt).unwrap();
    assert_eq!(load(&path).unwrap(), ckpt);
    let before = std::fs::read(&path).unwrap();
    let Network::Mlp(m) = &mut ckpt.model else {
        unreachable!()
    };
    m.bn.running_var[[0, 2]] = f32::INFINITY;
    let err = save(&path, &ckpt).unwrap_err().to_string();
    assert!(
        err.contains("not written: tensor bnvar_running holds inf at element 2"),
        "{err}"
    );
    assert_eq!(
        std::fs::read(&path).unwrap(),
        before,
        "the good file is kept"
    );
}

#[test]
fn a_flipped_bit_in_any_tensor_is_refused_naming_the_tensor() {
    let path = temp("flip.safetensors");
    save(&path, &tiny()).unwrap();
    assert_eq!(read(&path).unwrap().integrity, Integrity::Verified);
    let good = std::fs::read(&path).unwrap();
    let names: Vec<String> = read(&path).unwrap().tensors.into_keys().collect();
    assert_eq!(names.len(), 9, "the MLP's 9 tensors");
    for name in &names {
        let offset = {
            let file = safetensors::SafeTensors::deserialize(&good).unwrap();
            let data = file.tensor(name).unwrap().data().as_ptr();
            data as usize - good.as_ptr() as usize
        };
        for bit in [0, 6] {
            let mut bytes = good.clone();
            bytes[offset] ^= 1 << bit;
            let bad = temp(&format!("flip-{name}-{bit}.safetensors"));
            std::fs::write(&bad, &bytes).unwrap();
            let err = load(&bad).unwrap_err().to_string();
            assert!(
                err.contains(&format!("flip-{name}-{bit}.safetensors"))
                    && err.contains(&format!("tensor {name} does not match its checksum")),
                "{err}"
            );
        }
    }
}

#[test]
fn a_file_without_checksums_loads_unverified() {
    let path = temp("unverified.safetensors");
    save(&path, &tiny()).unwrap();
    let (tensors, mut meta) = weights::load(&path).unwrap();
    meta.retain(|k, _| !k.starts_with(checksum::KEY));
    weights::save(&path, tensors.into_iter().collect(), meta).unwrap();
    assert_eq!(read(&path).unwrap().integrity, Integrity::Unverified);
    assert_eq!(load(&path).unwrap(), tiny());
}

#[test]
fn absurd_sizes_in_the_metadata_are_refused_before_allocating() {
    let path = temp("sizes.safetensors");
    save(&path, &tiny()).unwrap();
    for (key, value) in [
        ("n_hidden", "1000000000000000000"),
        ("block_size", "4611686018427387904"),
    ] {
        let (tensors, mut meta) = weights::load(&path).unwrap();
        meta.insert(key.into(), value.into());
        meta.insert("model".into(), "wavenet".into());
        weights::save(&path, tensors.into_iter().collect(), meta).unwrap();
        let err = load(&path).unwrap_err().to_string();
        assert!(err.contains("do not make a wavenet"), "{err}");
        save(&path, &tiny()).unwrap();
    }
}

#[test]
fn a_file_of_the_first_format_is_an_mlp() {
    let path = temp("first-format.safetensors");
    save(&path, &tiny()).unwrap();
    let (tensors, mut meta) = weights::load(&path).unwrap();
    meta.insert("format".into(), FORMAT_MLP_1.into());
    meta.remove("model");
    weights::save(&path, tensors.into_iter().collect(), meta).unwrap();
    assert_eq!(load(&path).unwrap(), tiny());
}

#[test]
fn other_files_are_refused_saying_why() {
    let path = temp("other.safetensors");
    weights::save(
        &path,
        vec![("x".into(), Tensor::new(ndarray::Array1::<f32>::zeros(2)))],
        BTreeMap::new(),
    )
    .unwrap();
    let err = load(&path).unwrap_err().to_string();
    assert!(err.contains("not a model of this crate"), "{err}");

    let path = temp("shapes.safetensors");
    let mut ckpt = tiny();
    let Network::Mlp(m) = &mut ckpt.model else {
        unreachable!()
    };
    m.hyper.n_hidden = 5; // metadata says 5, tensors have 4
    save(&path, &ckpt).unwrap();
    let err = load(&path).unwrap_err().to_string();
    assert!(
        err.contains("tensor W1 has shape [6, 4], expected [6, 5]"),
        "{err}"
    );

    let path = temp("cut.safetensors");
    save(&path, &tiny()).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    std::fs::write(&path, &bytes[..bytes.len() - 10]).unwrap();
    let err = load(&path).unwrap_err().to_string();
    assert!(err.contains("cut.safetensors"), "{err}");
}
