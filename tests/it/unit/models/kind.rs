use backprop_ninja::models::kind::*;

#[test]
fn the_saved_kinds_read_back_by_name_and_the_others_do_not() {
    for kind in ModelKind::SAVED {
        assert_eq!(ModelKind::from_name(kind.name()), Some(kind));
    }
    assert_eq!(ModelKind::from_name("deep"), None);
    assert_eq!(ModelKind::from_name("bigram"), None);
    assert_eq!(ModelKind::from_name("GPT"), None);
}
