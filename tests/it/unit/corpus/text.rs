use backprop_ninja::corpus::codec::Codec;
use backprop_ninja::corpus::text::*;
use backprop_ninja::corpus::words::{Corpus, Vocab};
use ndarray::Array2;
use std::path::Path;

const VERSE: &str =
    "First Citizen:\nBefore we proceed any further, hear me speak.\n\nAll:\nSpeak, speak.\n";

fn corpus(text: &str) -> TextCorpus {
    TextCorpus::from_text(text, Path::new("verse.txt")).unwrap()
}

#[test]
fn the_character_codec_gives_the_lectures_ids_and_round_trips() {
    let v = CharVocab::from_text("hello world\n");
    let codec: &dyn Codec = &v;
    assert_eq!(codec.vocab_size(), 9);
    let ids = codec.encode("hold\nwe").unwrap();
    assert_eq!(
        ids,
        vec![4, 6, 5, 2, 0, 8, 3],
        "the ids of CharVocab::encode"
    );
    assert_eq!(codec.decode(&ids).unwrap(), "hold\nwe");
    let err = codec.encode("help").unwrap_err().to_string();
    assert!(err.contains("'p' is not in the vocabulary"), "{err}");
    let err = codec.decode(&[9]).unwrap_err().to_string();
    assert!(err.contains("token 9 is outside"), "{err}");
    assert_eq!(codec.describe(), "characters (9)");
    assert_eq!(
        codec.fingerprint(),
        CharVocab::from_text("world hello\n").fingerprint()
    );
    assert_ne!(
        codec.fingerprint(),
        CharVocab::from_text("hello world").fingerprint()
    );
}

#[test]
fn the_vocabulary_is_the_sorted_set_and_round_trips() {
    let v = CharVocab::from_text("hello world\n");
    assert_eq!(v.as_string(), "\n dehlorw");
    let tokens = v.encode("hold\nwe").unwrap();
    assert_eq!(tokens, vec![4, 6, 5, 2, 0, 8, 3]);
    assert_eq!(v.decode(&tokens).unwrap(), "hold\nwe");
    let err = v.encode("help").unwrap_err().to_string();
    assert_eq!(err, "text: character 'p' is not in the vocabulary");
    let err = v.decode(&[9]).unwrap_err().to_string();
    assert!(err.contains("token 9 is outside"), "{err}");
    assert_eq!(CharVocab::from_chars(&v.as_string()).unwrap(), v);
    assert!(CharVocab::from_chars("ba").is_err());
    assert!(CharVocab::from_chars("aa").is_err());
    assert!(CharVocab::from_chars("").is_err());
}

#[test]
fn the_split_is_the_first_90_percent_and_the_last_10() {
    let c = corpus("abcdefghij");
    assert_eq!(c.vocab.decode(&c.train.tokens).unwrap(), "abcdefghi");
    assert_eq!(c.vocab.decode(&c.val.tokens).unwrap(), "j");
    // Python: int(0.9 * 81) == 72
    let c = corpus(VERSE);
    assert_eq!(VERSE.len(), 81);
    assert_eq!((c.train.len(), c.val.len()), (72, 9));
}

#[test]
fn a_bom_is_dropped_and_line_ends_read_as_python_reads_them() {
    let p = Path::new("win.txt");
    let t = text_from_bytes("\u{feff}a\r\nb\rc\td\n".as_bytes(), p).unwrap();
    assert_eq!(t, "a\nb\nc\td\n");
    // A mark that is not at the start is a character like any other.
    let t = text_from_bytes("a\u{feff}".as_bytes(), p).unwrap();
    assert_eq!(t, "a\u{feff}");
}

#[test]
fn bad_files_are_refused_naming_the_file_line_and_byte() {
    let p = Path::new("bad.txt");
    let err = text_from_bytes(b"ok\nstill ok\nnot \xff ok\n", p)
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        "bad.txt:3: not UTF-8 text: byte 0xff at byte offset 16 does not fit (save the file as UTF-8)"
    );
    let err = text_from_bytes(b"one\ntwo\x00three\n", p)
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        "bad.txt:2: control character U+0000 at column 4: only \\n, \\r and \\t are allowed in a text corpus"
    );
    let err = text_from_bytes("a\u{85}".as_bytes(), p).unwrap_err();
    assert!(err.to_string().contains("U+0085"), "{err}");
    let err = text_from_bytes(b"\xef\xbb\xbf", p).unwrap_err().to_string();
    assert_eq!(err, "bad.txt: the file is empty");
    let err = read_text(Path::new("/no/such/text.txt")).unwrap_err();
    assert!(err.to_string().starts_with("/no/such/text.txt: "), "{err}");
}

#[test]
fn a_text_too_short_for_the_block_is_refused() {
    let c = corpus("abcdefghijklmnopqrst"); // 18 train, 2 val
    c.check_block(1).unwrap();
    let err = c.check_block(2).unwrap_err().to_string();
    assert_eq!(
        err,
        "verse.txt: the val split has 2 characters, too short for a block of 2: a window needs block + 1 = 3 (use a longer text or a smaller block)"
    );
    let mut b = Batch::new(2, 4);
    assert!(c.val.sample(&mut b, 1, 0).is_err());
    assert!(c.train.sample(&mut b, 1, 0).is_ok());
    assert!(c.check_block(0).is_err());
}

#[test]
fn a_window_batch_is_text_and_its_next_characters() {
    let c = corpus(VERSE);
    let mut b = Batch::new(4, 8);
    c.train.sample(&mut b, 7, 3).unwrap();
    let train = c.vocab.decode(&c.train.tokens).unwrap();
    for (x, y) in b.idx.rows().into_iter().zip(b.targets.rows()) {
        let x = c.vocab.decode(&x.to_vec()).unwrap();
        let y: Vec<usize> = y.iter().map(|&t| t as usize).collect();
        let y = c.vocab.decode(&y).unwrap();
        assert_eq!(x[1..], y[..7]);
        let at = train.find(&x).expect("a window of the training text");
        assert_eq!(&train[at + 1..at + 9], y);
    }
    assert_eq!(b.counted(), 32);
}

#[test]
fn batch_i_comes_from_its_own_stream() {
    let c = corpus(VERSE);
    let draw = |seed, step| {
        let mut b = Batch::new(3, 5);
        c.train.sample(&mut b, seed, step).unwrap();
        b
    };
    assert_eq!(draw(1, 4), draw(1, 4));
    assert_ne!(draw(1, 4), draw(1, 5));
    assert_ne!(draw(1, 4), draw(2, 4));
    // The batch of a step does not depend on what was drawn before.
    let mut b = Batch::new(3, 5);
    c.train.sample(&mut b, 1, 9).unwrap();
    c.train.sample(&mut b, 1, 4).unwrap();
    assert_eq!(b, draw(1, 4));
    // A batch of the wrong shape is refused, not a panic.
    let mut idx = Array2::zeros((3, 5));
    let mut y = Array2::zeros((3, 4));
    let err = c.train.sample_into(&mut idx, &mut y, 1, 0).unwrap_err();
    assert!(
        err.to_string().contains("targets has shape [3, 4]"),
        "{err}"
    );
}

#[test]
fn evaluation_batches_are_fixed() {
    let c = corpus(VERSE);
    let a = eval_batches(&c.val, 2, 4, 3, 11).unwrap();
    assert_eq!(a, eval_batches(&c.val, 2, 4, 3, 11).unwrap());
    assert_eq!(a.len(), 3);
    assert_ne!(a[0], a[1]);
    assert!(eval_batches(&c.val, 2, 9, 3, 11).is_err());
    assert!(eval_batches(&c.val, 0, 4, 3, 11).is_err());
}

fn words(ws: &[&str]) -> Vec<String> {
    ws.iter().map(|w| w.to_string()).collect()
}

#[test]
fn a_name_row_is_makemores() {
    let ws = words(&["emma", "bo", "ava"]);
    let vocab = Vocab::from_words(&ws);
    assert_eq!(vocab.as_string(), ".abemov");
    assert_eq!(names_block(&ws), 5);
    let rows = NameRows::build(&ws, &vocab, 5).unwrap();
    // x: . e m m a    y: e m m a .
    assert_eq!(rows.x.row(0).to_vec(), vec![0, 3, 4, 4, 1]);
    assert_eq!(rows.y.row(0).to_vec(), vec![3, 4, 4, 1, 0]);
    // x: . b o . .    y: b o . - -
    assert_eq!(rows.x.row(1).to_vec(), vec![0, 2, 5, 0, 0]);
    assert_eq!(rows.y.row(1).to_vec(), vec![2, 5, 0, IGNORE, IGNORE]);
    assert_eq!(rows.y.row(2).to_vec(), vec![1, 6, 1, 0, -1]);
    let err = NameRows::build(&ws, &vocab, 4).unwrap_err().to_string();
    assert!(err.contains("5 positions are needed"), "{err}");
    let err = NameRows::build(&words(&["eze"]), &vocab, 5).unwrap_err();
    assert!(err.to_string().contains("'z' of \"eze\""), "{err}");
    let chunk = rows.chunk(2, 2);
    assert_eq!(chunk.batch_size(), 1);
    assert_eq!(chunk.counted(), 4);
    // Tokens counted: 5 + 3 + 4; bytes: the letters and a line end each.
    assert_eq!(rows.tokens_and_bytes(&vocab).unwrap(), (12, 12));
    let ws = words(&["zoé", "éa"]);
    let vocab = Vocab::from_words(&ws);
    let rows = NameRows::build(&ws, &vocab, 4).unwrap();
    // é is one token and two bytes.
    assert_eq!(rows.tokens_and_bytes(&vocab).unwrap(), (4 + 3, 5 + 4));
}

#[test]
fn a_split_knows_the_bytes_its_tokens_stand_for() {
    // 19 characters, 30 bytes: é is two bytes, ☃ three.
    let text = "héé ☃ abc\nééé ☃☃ d\n";
    assert_eq!((text.chars().count(), text.len()), (19, 30));
    let c = corpus(text);
    // int(0.9 · 19) = 17 characters train: 28 bytes; "d\n" validates.
    assert_eq!((c.train.len(), c.val.len()), (17, 2));
    assert_eq!((c.train.bytes, c.val.bytes), (28, 2));
}

#[test]
fn name_batches_are_seeded_rows() {
    let ws = words(&["emma", "bo", "ava", "mo"]);
    let vocab = Vocab::from_words(&ws);
    let rows = NameRows::build(&ws, &vocab, 5).unwrap();
    let mut b = Batch::new(6, 5);
    rows.sample(&mut b, 3, 0).unwrap();
    for (x, y) in b.idx.rows().into_iter().zip(b.targets.rows()) {
        let i = (0..rows.len()).find(|&i| rows.x.row(i) == x).unwrap();
        assert_eq!(rows.y.row(i), y);
    }
    let mut again = Batch::new(6, 5);
    rows.sample(&mut again, 3, 0).unwrap();
    assert_eq!(b, again);
    assert!(rows.sample(&mut Batch::new(6, 4), 3, 0).is_err());
}

#[test]
fn the_permutation_is_torchs() {
    // torch.randperm(n, generator=torch.Generator().manual_seed(3407)), torch 2.15
    assert_eq!(
        torch_randperm(10, 3407).unwrap(),
        [9, 1, 5, 7, 3, 2, 8, 6, 4, 0]
    );
    let p = torch_randperm(32_033, 3407).unwrap();
    assert_eq!(p[..8], [18545, 10853, 360, 10522, 2312, 27407, 8528, 20971]);
    let mut sorted = p.clone();
    sorted.sort_unstable();
    assert!(sorted.iter().enumerate().all(|(i, &x)| i == x));
    assert_eq!(torch_randperm(1, 0).unwrap(), [0]);
    assert!(torch_randperm(0, 0).unwrap().is_empty());
}

#[test]
fn the_names_split_is_makemores() {
    let ws: Vec<String> = (0..50).map(|i| format!("w{i}")).collect();
    let [train, test] = names_split(&ws, 3407).unwrap();
    assert_eq!((train.len(), test.len()), (45, 5));
    let [train2, _] = names_split(&ws, 3407).unwrap();
    assert_eq!(train, train2);
    assert_ne!(names_split(&ws, 1).unwrap()[0], train);
    let mut all = [train, test].concat();
    all.sort();
    let mut sorted = ws.clone();
    sorted.sort();
    assert_eq!(all, sorted);
    let many: Vec<String> = (0..20_000).map(|i| format!("w{i}")).collect();
    assert_eq!(names_split(&many, 1).unwrap()[1].len(), 1000);
    assert!(names_split(&ws[..9], 1).is_err());
}

#[test]
fn name_data_from_a_corpus() {
    let text = "emma\nolivia\nava\nisabella\nsophia\ncharlotte\nmia\namelia\nharper\nevelyn\n";
    let corpus = Corpus::parse(text, Path::new("n.txt")).unwrap();
    let d = NameData::new(&corpus, 3407).unwrap();
    assert_eq!(d.block, 10);
    assert_eq!((d.train.len(), d.test.len()), (9, 1));
    assert_eq!(d.train.block(), 10);
    assert_eq!(d.vocab.char(0), '.');
}

#[test]
#[ignore = "needs /work/shared/tinyshakespeare.txt and names.txt"]
fn the_lecture_data() {
    let c = TextCorpus::from_file(Path::new("../shared/tinyshakespeare.txt")).unwrap();
    assert_eq!(c.vocab.len(), 65);
    assert_eq!((c.train.len(), c.val.len()), (1_003_854, 111_540));
    let corpus = Corpus::from_file(Path::new("../shared/names.txt")).unwrap();
    let d = NameData::new(&corpus, 3407).unwrap();
    assert_eq!(d.block, 16);
    assert_eq!(d.vocab.len(), 27);
    assert_eq!(d.test.len(), 1000);
}
