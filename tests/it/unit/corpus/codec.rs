use backprop_ninja::Result;
use backprop_ninja::corpus::codec::*;
use std::fmt::Debug;
use std::path::Path;

/// A codec of the letters of a string, for the checks.
#[derive(Debug)]
struct Letters(&'static str, &'static str);

impl Codec for Letters {
    fn vocab_size(&self) -> usize {
        self.1.chars().count()
    }
    fn encode(&self, text: &str) -> Result<Vec<u32>> {
        Ok(text
            .chars()
            .map(|c| id(self.1.chars().position(|x| x == c).unwrap_or(0)))
            .collect())
    }
    fn decode(&self, ids: &[u32]) -> Result<String> {
        decode_chars(ids, self.vocab_size(), |i| self.1.chars().nth(i))
    }
    fn fingerprint(&self) -> u64 {
        chars_fingerprint(self.0, self.1)
    }
    fn describe(&self) -> String {
        format!("{} ({})", self.0, self.vocab_size())
    }
}

#[test]
fn a_fingerprint_tells_codecs_apart_and_a_checkpoint_refuses_another() {
    let a = Letters("letters", "abc");
    let b = Letters("letters", "abd");
    let names = Letters("names", "abc");
    assert_eq!(a.fingerprint(), Letters("letters", "abc").fingerprint());
    assert_ne!(a.fingerprint(), b.fingerprint());
    assert_ne!(a.fingerprint(), names.fingerprint(), "another kind");
    let path = Path::new("m.safetensors");
    assert!(
        check(None, &b, path).is_ok(),
        "an older checkpoint: characters"
    );
    assert!(check(Some(&CodecId::of(&a)), &a, path).is_ok());
    let err = check(Some(&CodecId::of(&a)), &b, path)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("m.safetensors")
            && err.contains(&format!(
                "letters (3), fingerprint {:016x}",
                a.fingerprint()
            ))
            && err.contains(&format!("{:016x}", b.fingerprint())),
        "{err}"
    );
}

#[test]
fn pieces_hold_back_a_split_character_and_replace_bad_bytes() {
    let mut p = Utf8Pieces::default();
    let e_acute = "é".as_bytes();
    assert_eq!(p.push(b"ab"), "ab");
    assert_eq!(p.push(&e_acute[..1]), "", "half a character waits");
    assert_eq!(p.push(&[e_acute[1], b'c']), "éc");
    assert_eq!(p.push(&[0xff, b'd']), "\u{fffd}d", "never UTF-8");
    let crab = "🦀".as_bytes();
    assert_eq!(p.push(&crab[..2]), "");
    assert_eq!(p.push(&crab[2..3]), "");
    assert_eq!(p.finish(), "\u{fffd}", "an unfinished character at the end");
    let mut q = Utf8Pieces::default();
    assert_eq!(q.push(&crab[..1]), "");
    assert_eq!(q.push(&crab[1..]), "🦀");
    assert_eq!(q.finish(), "");
}

#[test]
fn an_id_outside_the_vocabulary_is_named() {
    let a = Letters("letters", "abc");
    assert_eq!(a.decode(&[2, 0, 1]).unwrap(), "cab");
    let err = a.decode(&[1, 3]).unwrap_err().to_string();
    assert!(
        err.contains("token 3 is outside the vocabulary of 3 characters"),
        "{err}"
    );
}
