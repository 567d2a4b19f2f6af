//! # GPT-2's and GPT-4's tokenizers: this crate's encoder gives tiktoken's ids
//!
//! Built with `--features pretrained` only. The merges are recovered from
//! the rank files inside `tiktoken-rs` (no download); the encoder is the
//! crate's own. Same ids as `tiktoken-rs`, for `r50k_base` and
//! `cl100k_base`, on arbitrary strings and on all of tiny Shakespeare.

use std::sync::OnceLock;

use backprop_ninja::tokenizer::pretrained::{Encoding, load};
use backprop_ninja::tokenizer::{Specials, Tokenizer};
use proptest::prelude::*;
use tiktoken_rs::CoreBPE;

/// Each encoding's tokenizer and tiktoken's, built once.
fn pair(encoding: Encoding) -> &'static (Tokenizer, CoreBPE) {
    static GPT2: OnceLock<(Tokenizer, CoreBPE)> = OnceLock::new();
    static GPT4: OnceLock<(Tokenizer, CoreBPE)> = OnceLock::new();
    let cell = match encoding {
        Encoding::Gpt2 => &GPT2,
        Encoding::Gpt4 => &GPT4,
    };
    cell.get_or_init(|| (load(encoding).unwrap(), encoding.tiktoken().unwrap()))
}

fn same_ids(encoding: Encoding, text: &str) -> Result<(), TestCaseError> {
    let (ours, theirs) = pair(encoding);
    let ids = ours.encode_ordinary(text).unwrap();
    prop_assert_eq!(
        &ids,
        &theirs.encode_ordinary(text),
        "{:?} on {:?}",
        encoding,
        text
    );
    prop_assert_eq!(ours.decode(&ids).unwrap(), text);
    Ok(())
}

#[test]
fn the_merges_and_special_tokens_are_gpt2s_and_gpt4s() {
    let (gpt2, _) = pair(Encoding::Gpt2);
    assert_eq!(gpt2.merges().len(), 50000);
    assert_eq!(gpt2.vocab_size(), 50257);
    // The bytes are shuffled: "!" is rank 0, "a" is 64.
    assert_eq!(
        (
            gpt2.byte_ids()[b'!' as usize],
            gpt2.byte_ids()[b'a' as usize]
        ),
        (0, 64)
    );
    let (gpt4, tiktoken) = pair(Encoding::Gpt4);
    assert_eq!(gpt4.vocab_size(), 100277);
    let text = "hello <|endoftext|> world";
    let ids = gpt4.encode(text, Specials::Allow).unwrap();
    assert_eq!(ids, tiktoken.encode_with_special_tokens(text));
    assert!(gpt4.encode(text, Specials::Refuse).is_err());
}

#[test]
fn named_strings_give_tiktokens_ids() {
    let texts = [
        "",
        "hello world",
        "Hello, World! It's 2024; we've 12345678 tokens.",
        "   leading and trailing   \n\n\n  \t",
        "I'LL SAY IT'S NOT 'ok'",
        "你好，世界 🌍👋🏽 naïve café",
        "<|endoftext|> as plain text <|fim_prefix|>",
        "\r\n\r\nwindows\r\n",
        "a\u{a0}b\u{2003}c",
    ];
    for encoding in [Encoding::Gpt2, Encoding::Gpt4] {
        for text in texts {
            same_ids(encoding, text).unwrap();
        }
    }
}

/// Strings of pieces that the split patterns treat apart: whitespace runs,
/// newlines, digits, contractions, punctuation, accents, CJK, emoji, the
/// text of special tokens, and any character at all.
fn text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just(" ".to_string()),
        Just("   ".to_string()),
        Just("\n".to_string()),
        Just("\n\n ".to_string()),
        Just("\t".to_string()),
        Just("\r\n".to_string()),
        Just("'s".to_string()),
        Just("'LL".to_string()),
        Just("<|endoftext|>".to_string()),
        Just("<|fim_middle|>".to_string()),
        "[a-zA-Z]{1,8}",
        "[0-9]{1,7}",
        "[!-/:-@]{1,3}",
        "[àéîõüçñ]{1,3}",
        "[\u{4e00}-\u{4e80}]{1,4}",
        "[\u{1f300}-\u{1f64f}]{1,2}",
        any::<char>().prop_map(|c| c.to_string()),
    ];
    proptest::collection::vec(piece, 0..24).prop_map(|p| p.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_strings_give_tiktokens_ids(text in text()) {
        same_ids(Encoding::Gpt2, &text)?;
        same_ids(Encoding::Gpt4, &text)?;
    }
}

/// All of tiny Shakespeare (`../shared/tinyshakespeare.txt`), both encodings.
#[test]
#[ignore = "needs ../shared/tinyshakespeare.txt"]
fn tiny_shakespeare_gives_tiktokens_ids() {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/tinyshakespeare.txt");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    for encoding in [Encoding::Gpt2, Encoding::Gpt4] {
        let (ours, theirs) = pair(encoding);
        let ids = ours.encode_ordinary(&text).unwrap();
        let expected = theirs.encode_ordinary(&text);
        let at = ids.iter().zip(&expected).position(|(a, b)| a != b);
        assert!(
            at.is_none() && ids.len() == expected.len(),
            "{encoding:?}: first difference at id {at:?}, {} ids against {}",
            ids.len(),
            expected.len()
        );
    }
}
