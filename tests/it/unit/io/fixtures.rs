//! Checkpoints written by earlier versions of the crate still load:
//! `tests/fixtures/` holds one of each model kind, written by the trainer
//! (`train --model mlp|wavenet|gpt` at tiny sizes and a few steps), before
//! checkpoints carried checksums: they load unverified.

use std::path::PathBuf;

use backprop_ninja::io::checkpoint;
use backprop_ninja::io::checksum::Integrity;
use backprop_ninja::io::weights;
use backprop_ninja::models::kind::ModelKind;
use backprop_ninja::models::model::Network;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

#[test]
fn mlp_and_wavenet_checkpoints_of_format_2_load_and_round_trip() {
    for (file, kind) in [
        ("mlp.safetensors", ModelKind::Mlp),
        ("wavenet.safetensors", ModelKind::WaveNet),
    ] {
        let integrity = checkpoint::read(&fixture(file)).unwrap().integrity;
        assert_eq!(integrity, Integrity::Unverified, "{file}: no checksums");
        let ckpt = checkpoint::load(&fixture(file)).unwrap();
        assert_eq!(ckpt.model.kind(), kind, "{file}");
        assert_eq!(ckpt.step, 20, "{file}");
        assert_eq!(ckpt.vocab.len(), 27, "{file}");
        assert!(ckpt.fingerprint.is_some(), "{file}");
        let stored = weights::load(&fixture(file)).unwrap().0;
        let named = ckpt.model.named_tensors().len();
        assert_eq!(named, stored.len(), "{file}: every tensor read");
        let again = crate::unit::test_dir("fixture-rt").join(file);
        checkpoint::save(&again, &ckpt).unwrap();
        assert_eq!(checkpoint::load(&again).unwrap(), ckpt, "{file}");
        let integrity = checkpoint::read(&again).unwrap().integrity;
        assert_eq!(integrity, Integrity::Verified, "{file}: saved again");
    }
}

#[test]
fn a_gpt_checkpoint_loads_with_its_optimiser_and_round_trips() {
    let path = fixture("gpt_names.safetensors");
    let integrity = checkpoint::read(&path).unwrap().integrity;
    assert_eq!(integrity, Integrity::Unverified, "no checksums");
    let ckpt = checkpoint::load(&path).unwrap();
    let (Network::Gpt(model), Some(adamw)) = (&ckpt.model, ckpt.adamw()) else {
        panic!("a GPT with AdamW's state: {:?}", ckpt.model.kind())
    };
    assert_eq!((ckpt.step, adamw.t), (6, 6));
    adamw.check(model).unwrap();
    assert!(adamw.m.iter().any(|m| m.iter().any(|&x| x != 0.0)));
    assert_eq!(ckpt.eval_batches.map(|n| n > 0), Some(true));
    let again = crate::unit::test_dir("fixture-rt-gpt").join("gpt.safetensors");
    checkpoint::save(&again, &ckpt).unwrap();
    assert_eq!(checkpoint::load(&again).unwrap(), ckpt);
    let integrity = checkpoint::read(&again).unwrap().integrity;
    assert_eq!(integrity, Integrity::Verified, "saved again");
}
