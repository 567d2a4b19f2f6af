//! Tests of `src/tokenizer/mod.rs`, and the tests of its modules.

mod bpe;
mod codec;
mod file;
mod train;

use backprop_ninja::tokenizer::*;

fn trained(text: &str, vocab: usize, pattern: &str) -> Tokenizer {
    let split = Split::new(pattern).unwrap();
    let merges = backprop_ninja::tokenizer::train::train(text, vocab, &split).unwrap();
    Tokenizer::new(pattern, merges).unwrap()
}

#[test]
fn minbpe_wikipedia_example() {
    let t = trained("aaabdaaabac", 256 + 3, "");
    assert_eq!(
        t.encode_ordinary("aaabdaaabac").unwrap(),
        [258, 100, 258, 97, 99]
    );
    assert_eq!(t.decode(&[258, 100, 258, 97, 99]).unwrap(), "aaabdaaabac");
}

#[test]
fn encode_then_decode_gives_the_text_back() {
    let text = "hello world! 1234 héllo 👋 \n\n  yes";
    for pattern in ["", GPT2_SPLIT_PATTERN, GPT4_SPLIT_PATTERN] {
        let t = trained(text, 300, pattern);
        let ids = t.encode_ordinary(text).unwrap();
        assert!(ids.len() < text.len(), "{pattern}");
        assert_eq!(t.decode(&ids).unwrap(), text);
    }
}

#[test]
fn special_tokens_refused_allowed_or_text() {
    let mut t = trained("hello world", 260, GPT2_SPLIT_PATTERN);
    t.register_special(&["<|endoftext|>".to_string()]).unwrap();
    assert_eq!(t.special(), [("<|endoftext|>".to_string(), 260)]);
    let text = "hello<|endoftext|>world";
    let err = t.encode(text, Specials::Refuse).unwrap_err().to_string();
    assert!(err.contains("\"<|endoftext|>\" at byte 5"), "{err}");
    let allowed = t.encode(text, Specials::Allow).unwrap();
    assert!(allowed.contains(&260));
    assert_eq!(t.decode(&allowed).unwrap(), text);
    let as_text = t.encode(text, Specials::AsText).unwrap();
    assert!(!as_text.contains(&260));
    assert_eq!(t.decode(&as_text).unwrap(), text);
}

#[test]
fn a_special_token_colliding_with_a_merge_is_refused() {
    let mut t = trained("aaabdaaabac", 259, "");
    let err = t.add_special(&[("<|x|>".into(), 257)]).unwrap_err();
    assert!(err.to_string().contains("collides with merge 2"), "{err}");
    let err = t
        .add_special(&[("<|x|>".into(), 300), ("<|x|>".into(), 301)])
        .unwrap_err();
    assert!(
        err.to_string().contains("collides with the special token"),
        "{err}"
    );
}

#[test]
fn merges_out_of_order_or_undefined_are_refused() {
    let err = Tokenizer::new("", vec![((97, 97), 257)]).unwrap_err();
    assert!(err.to_string().contains("256 expected"), "{err}");
    let err = Tokenizer::new("", vec![((97, 300), 256)]).unwrap_err();
    assert!(err.to_string().contains("refers to id 300"), "{err}");
}

#[test]
fn decoding_an_unknown_id_names_it_and_invalid_utf8_is_replaced() {
    let t = trained("aaabdaaabac", 259, "");
    let err = t.decode(&[97, 999]).unwrap_err().to_string();
    assert!(err.contains("id 999 (position 1)"), "{err}");
    assert_eq!(t.decode(&[0xe2, 97]).unwrap(), "\u{fffd}a");
}
