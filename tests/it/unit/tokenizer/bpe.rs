use backprop_ninja::tokenizer::bpe::*;

#[test]
fn a_merge_does_not_overlap() {
    let mut ids = vec![97, 97, 97, 97, 97];
    let n = merge_in_place(&mut ids, (97, 97), 256);
    assert_eq!(ids[..n], [256, 256, 97]);
}

#[test]
fn the_lowest_rank_merges_first() {
    // "abc": (b, c) was learned first, so "a" never meets "b".
    let ranks: Ranks = [((98, 99), 256), ((97, 98), 257)].into_iter().collect();
    let mut out = vec![];
    encode_chunk(b"abc", &IDENTITY, &ranks, &mut out);
    assert_eq!(out, [97, 256]);
}

#[test]
fn the_vocabulary_concatenates_the_pairs() {
    let merges = [((97, 98), 256), ((256, 99), 257)];
    let vocab = vocab(&IDENTITY, &merges);
    assert_eq!(vocab.len(), 258);
    assert_eq!(vocab[257], b"abc");
}
