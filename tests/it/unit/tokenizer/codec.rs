use backprop_ninja::corpus::codec::Codec;
use backprop_ninja::tokenizer::Tokenizer;
use backprop_ninja::tokenizer::codec::*;
use backprop_ninja::tokenizer::split::Split;
use backprop_ninja::tokenizer::{GPT2_SPLIT_PATTERN, train};
use std::path::Path;

#[test]
fn a_tokenizer_codec_round_trips_and_is_rebuilt_from_its_record() {
    let text = "hello world, hello there.\nhé said hello\n";
    let split = Split::new(GPT2_SPLIT_PATTERN).unwrap();
    let merges = train::train(text, 270, &split).unwrap();
    let t = Tokenizer::new(GPT2_SPLIT_PATTERN, merges).unwrap();
    let codec: &dyn Codec = &t;
    let ids = codec.encode(text).unwrap();
    assert!(ids.len() < text.len());
    assert_eq!(codec.decode(&ids).unwrap(), text);
    assert_eq!(codec.start(), u32::from(b'\n'));
    let record = codec.record().unwrap();
    assert!(is_tokenizer(&record));
    let back = from_record(&record, Path::new("m.safetensors")).unwrap();
    assert_eq!(back.fingerprint(), codec.fingerprint());
    assert_eq!(back.encode(text).unwrap(), ids);
    let chars = from_record("\n !abc", Path::new("m.safetensors")).unwrap();
    assert_eq!(chars.vocab_size(), 6);
    assert!(!is_tokenizer("\n !abc"));
    let by = EncodedBy {
        tokenizer: t.clone(),
        encode_chunk: |chunk, _| chunk.bytes().map(u32::from).collect(),
    };
    let bytes = Codec::encode(&by, text).unwrap();
    assert_eq!(bytes.len(), text.len(), "the chunk function's ids");
    assert_eq!(by.fingerprint(), codec.fingerprint());
}
