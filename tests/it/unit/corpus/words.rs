use backprop_ninja::corpus::codec::Codec;
use backprop_ninja::corpus::words::*;
use std::path::Path;

#[test]
fn the_names_codec_puts_the_boundary_first() {
    let v = Vocab::from_chars(".abc").unwrap();
    let codec: &dyn Codec = &v;
    assert_eq!(codec.encode("cab.").unwrap(), vec![3, 1, 2, 0]);
    assert_eq!(codec.decode(&[3, 1, 2, 0]).unwrap(), "cab.");
    let err = codec.encode("cad").unwrap_err().to_string();
    assert!(
        err.contains("character 'd' of \"cad\" is not in the vocabulary \".abc\""),
        "{err}"
    );
    assert!(codec.decode(&[4]).is_err());
    // The same letters as running text are another codec.
    assert_ne!(
        codec.fingerprint(),
        backprop_ninja::corpus::codec::chars_fingerprint("characters", ".abc")
    );
}

#[test]
fn parses_crlf_blank_lines_and_spaces() {
    let text = "emma\r\n\r\n  olivia \nava\n\nbo\ncy\ndi\ned\nfay\ngus\nhal\n";
    let corpus = Corpus::parse(text, Path::new("t.txt")).unwrap();
    assert_eq!(corpus.words[..3], ["emma", "olivia", "ava"]);
    assert_eq!(corpus.words.len(), 10);
}

#[test]
fn refuses_empty_tiny_and_dotted_corpora_naming_the_problem() {
    let err = Corpus::parse("\n\n", Path::new("e.txt"))
        .unwrap_err()
        .to_string();
    assert_eq!(err, "e.txt: no words: the file is empty or blank");
    let err = Corpus::parse("emma\n", Path::new("one.txt"))
        .unwrap_err()
        .to_string();
    assert!(err.starts_with("one.txt: only 1 word(s)"), "{err}");
    let err = Corpus::parse("emma\nj.r.\n", Path::new("d.txt"))
        .unwrap_err()
        .to_string();
    assert!(err.starts_with("d.txt:2: \"j.r.\" contains '.'"), "{err}");
    let err = Corpus::from_file(Path::new("/no/such/file.txt"))
        .unwrap_err()
        .to_string();
    assert!(err.starts_with("/no/such/file.txt: "), "{err}");
}

#[test]
fn the_vocabulary_and_examples_follow_the_lecture() {
    let words = vec!["emma".to_string()];
    let vocab = Vocab::from_words(&words);
    assert_eq!(vocab.as_string(), ".aem");
    let ex = Examples::build(&words, &vocab, 3).unwrap();
    // ... → e, ..e → m, .em → m, emm → a, mma → .
    assert_eq!(ex.y, vec![2, 3, 3, 1, 0]);
    assert_eq!(ex.x.row(4).to_vec(), vec![3, 3, 1]);
}

#[test]
fn the_embedded_corpus_is_the_documented_one() {
    let corpus = Corpus::embedded();
    assert_eq!(corpus.words.len(), 30_000);
    assert_eq!(
        Vocab::from_words(&corpus.words).as_string(),
        ".abcdefghijklmnopqrstuvwxyz"
    );
}

#[test]
fn a_byte_order_mark_is_skipped_and_control_characters_refused() {
    let words = "emma\nava\nbo\ncy\ndi\ned\nfay\ngus\nhal\nivy\n";
    let corpus = Corpus::parse(&format!("\u{feff}{words}"), Path::new("b.txt")).unwrap();
    assert_eq!(corpus.words[0], "emma");
    assert_eq!(
        Vocab::from_words(&corpus.words).as_string(),
        ".abcdefghilmosuvy"
    );
    let err = Corpus::parse("emma\nav\u{7}a\n", Path::new("c.txt"))
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("c.txt:2: \"av\\u{7}a\" has the control character"),
        "{err}"
    );
}

#[test]
fn non_utf8_text_is_refused_with_its_line_and_byte() {
    let dir = std::env::temp_dir().join(format!("backprop-ninja-utf8-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("latin1.txt");
    std::fs::write(&path, b"emma\nolivia\njos\xe9\n").unwrap();
    let err = Corpus::from_file(&path).unwrap_err().to_string();
    assert!(err.ends_with("latin1.txt:3: not UTF-8 text: byte 0xe9 at byte offset 15 does not start a valid character"), "{err}");
}

#[test]
fn a_character_outside_a_vocabulary_is_named_with_its_line() {
    let text = "emma\n\nava\nbo\ncy\ndi\ned\nfay\ngus\nhal\nivy\n";
    let corpus = Corpus::parse(text, Path::new("v.txt")).unwrap();
    let vocab = Vocab::from_chars(".abcdefghijklm").unwrap();
    let err = corpus
        .check_vocab(&vocab, "checkpoint m.safetensors")
        .unwrap_err()
        .to_string();
    assert!(err.starts_with("v.txt:3: character 'v' (character 2 of \"ava\") is not in the vocabulary of checkpoint m.safetensors"), "{err}");
    assert_eq!(corpus.fingerprint().len, 10);
    assert_ne!(
        corpus.fingerprint().hash,
        Corpus::embedded().fingerprint().hash
    );
}

#[test]
fn the_split_is_seeded_and_80_10_10() {
    let words: Vec<String> = (0..100).map(|i| format!("w{i}")).collect();
    let [train, val, test] = split(&words, 42);
    assert_eq!((train.len(), val.len(), test.len()), (80, 10, 10));
    assert_eq!(split(&words, 42)[0], train);
    assert_ne!(split(&words, 43)[0], train);
}
