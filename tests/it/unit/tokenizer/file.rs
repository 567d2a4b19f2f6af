use backprop_ninja::Result;
use backprop_ninja::tokenizer::Tokenizer;
use backprop_ninja::tokenizer::file::*;
use backprop_ninja::tokenizer::split::GPT4_SPLIT_PATTERN;
use backprop_ninja::tokenizer::split::Split;
use backprop_ninja::tokenizer::train;
use std::path::Path;

fn parse_str(text: &str) -> Result<Tokenizer> {
    parse(text.as_bytes(), Path::new("t.model"))
}

#[test]
fn a_file_written_by_hand_in_minbpes_format_loads() {
    // minbpe's BasicTokenizer on "aaabdaaabac", 3 merges, and one
    // special token.
    let t = parse_str("minbpe v1\n\n1\n<|endoftext|> 259\n97 97\n256 97\n257 98\n").unwrap();
    assert_eq!(
        t.merges(),
        [((97, 97), 256), ((256, 97), 257), ((257, 98), 258)]
    );
    assert_eq!(t.special(), [("<|endoftext|>".to_string(), 259)]);
    assert_eq!(
        t.encode_ordinary("aaabdaaabac").unwrap(),
        [258, 100, 258, 97, 99]
    );
}

#[test]
fn save_then_load_gives_the_same_tokenizer() {
    let text = "Hello, world! It's 2024 and we're tokenizing. 你好 🌍";
    let merges = train::train(text, 290, &Split::new(GPT4_SPLIT_PATTERN).unwrap()).unwrap();
    let mut t = Tokenizer::new(GPT4_SPLIT_PATTERN, merges).unwrap();
    t.register_special(&["<|endoftext|>".into(), "<|fim prefix|>".into()])
        .unwrap();
    let path = crate::unit::test_dir("tokenizer-rt").join("t.model");
    save(&t, &path).unwrap();
    let again = load(&path).unwrap();
    assert_eq!(again.to_model_text(), t.to_model_text());
    assert_eq!(again.fingerprint(), t.fingerprint());
    assert_eq!(
        again.encode_ordinary(text).unwrap(),
        t.encode_ordinary(text).unwrap()
    );
    assert_eq!(again.special()[1], ("<|fim prefix|>".to_string(), 291));
}

#[test]
fn bad_files_are_refused_with_their_line() {
    let cases = [
        ("", "t.model:1: the file ends where the header was expected"),
        ("minbpe v2\n\n0\n", "t.model:1: the header is \"minbpe v2\""),
        (
            "minbpe v1\n",
            "t.model:2: the file ends where the split pattern was expected",
        ),
        (
            "minbpe v1\n\nx\n",
            "t.model:3: \"x\" is not the number of special tokens",
        ),
        (
            "minbpe v1\n\n2\n<|a|> 300\n",
            "t.model:5: the file ends where special token 2 of 2 was expected",
        ),
        (
            "minbpe v1\n\n0\n97 97\n97\n",
            "t.model:5: \"97\" is not a merge",
        ),
        (
            "minbpe v1\n\n0\n97 97\n97 257\n",
            "t.model:5: the merge (97, 257) would make id 257 but refers to id 257",
        ),
        (
            "minbpe v1\n\n1\n<|a|> 256\n97 97\n",
            "t.model:4: the special token \"<|a|>\" has id 256, which collides with merge 1",
        ),
        (
            "minbpe v1\n(\n0\n",
            "t.model:2: the split pattern \"(\" does not compile",
        ),
    ];
    for (text, expected) in cases {
        let err = parse_str(text).unwrap_err().to_string();
        assert!(err.starts_with(expected), "{text:?}: {err}");
    }
    let err = parse(b"minbpe v1\n\xff\n", Path::new("t.model")).unwrap_err();
    assert!(err.to_string().contains("t.model:2: not UTF-8"), "{err}");
}
