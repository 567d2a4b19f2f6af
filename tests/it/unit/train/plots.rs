use backprop_ninja::Solutions;
use backprop_ninja::corpus::words::Corpus;
use backprop_ninja::models::deep::{Deep, DeepConfig};
use backprop_ninja::train::plots::*;
use backprop_ninja::train::{Dataset, TrainConfig};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// A PNG's width and height from its IHDR chunk, if it is a PNG.
fn png_size(bytes: &[u8]) -> Option<(u32, u32)> {
    let signature = [0x89, b'P', b'N', b'G', b'\r', b'\n', 0x1a, b'\n'];
    if bytes.len() < 24 || bytes[..8] != signature || &bytes[12..16] != b"IHDR" {
        return None;
    }
    let be = |i: usize| u32::from_be_bytes(bytes[i..i + 4].try_into().unwrap());
    Some((be(16), be(20)))
}

#[test]
fn every_picture_is_written_as_png_and_svg() {
    let data = Dataset::new(&Corpus::embedded(), 3, 42).unwrap();
    let cfg = TrainConfig {
        steps: 30,
        ..TrainConfig::LECTURE
    };
    let mut model = Deep::new(
        data.vocab.len(),
        DeepConfig::LECTURE,
        &mut ChaCha8Rng::seed_from_u64(1),
    )
    .unwrap();
    let d = backprop_ninja::train::diagnose::diagnose::<Solutions>(
        &mut model,
        &data.train,
        &cfg,
        &[1, 30],
        true,
        |_| {},
    )
    .unwrap();
    let dir = std::env::temp_dir().join(format!("backprop-ninja-plots-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let files = write_all(&dir, &d, "lecture init, BatchNorm").unwrap();
    assert_eq!(files.len(), 2 * NAMES.len());
    for name in NAMES {
        let png = std::fs::read(dir.join(format!("{name}.png"))).unwrap();
        assert_eq!(png_size(&png), Some(SIZE), "{name}.png");
        let svg = std::fs::read_to_string(dir.join(format!("{name}.svg"))).unwrap();
        let start = svg.trim_start().trim_start_matches(|c| c != '<');
        assert!(
            start.starts_with("<svg"),
            "{name}.svg starts {:?}",
            &svg[..40.min(svg.len())]
        );
        assert!(
            svg.trim_end().ends_with("</svg>"),
            "{name}.svg is cut short"
        );
        // the title is drawn as text
        assert!(svg.contains("<text"), "{name}.svg has no text");
    }
    let svg = std::fs::read_to_string(dir.join("activations.svg")).unwrap();
    assert!(svg.contains("saturated"), "the legend names the saturation");
    let svg = std::fs::read_to_string(dir.join("updates.svg")).unwrap();
    assert!(svg.contains("1e-3"), "the guide line is labelled");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn png_size_refuses_what_is_not_a_png() {
    assert_eq!(png_size(b"<svg></svg>"), None);
    let mut header = vec![
        0x89, b'P', b'N', b'G', b'\r', b'\n', 0x1a, b'\n', 0, 0, 0, 13,
    ];
    header.extend_from_slice(b"IHDR");
    header.extend_from_slice(&7u32.to_be_bytes());
    header.extend_from_slice(&3u32.to_be_bytes());
    assert_eq!(png_size(&header), Some((7, 3)));
}
