//! The chat format, the instruction set and the preference pairs
//! (`src/chat/`).

use std::path::Path;

use backprop_ninja::chat::format::{
    ASSISTANT_END, ChatFormat, Conversation, SPECIALS, USER_END, USER_START,
};
use backprop_ninja::chat::pairs::{self, GoldRule, Pair};
use backprop_ninja::chat::tasks::{self, Ask, NameSplit, Task};
use backprop_ninja::corpus::codec::Codec;
use backprop_ninja::corpus::words::Corpus;
use backprop_ninja::tokenizer::{GPT2_SPLIT_PATTERN, Tokenizer, split::Split, train};

const NAMES: &str = ".abcdefghijklmnopqrstuvwxyz";

fn chars() -> ChatFormat {
    ChatFormat::on_chars(NAMES).unwrap()
}

fn bpe() -> ChatFormat {
    let text = "emma olivia ava isabella sophia spell how many a in hannah? 0123456789,'";
    let split = Split::new(GPT2_SPLIT_PATTERN).unwrap();
    let merges = train::train(text, 280, &split).unwrap();
    ChatFormat::on_tokenizer(Tokenizer::new(GPT2_SPLIT_PATTERN, merges).unwrap()).unwrap()
}

fn names() -> Vec<String> {
    Corpus::embedded().words
}

#[test]
fn chat_renders_the_mask_on_the_answer_and_its_end_token() {
    for f in [chars(), bpe()] {
        let conv = Conversation {
            prompt: "spell emma".into(),
            answer: "e,m,m,a".into(),
        };
        let r = f.render(&conv).unwrap();
        let prompt = f.encode_text("spell emma").unwrap();
        let answer = f.encode_text("e,m,m,a").unwrap();
        assert_eq!(r.ids.len(), prompt.len() + answer.len() + 4);
        assert_eq!(r.ids[0], f.special(USER_START).unwrap() as usize);
        assert_eq!(*r.ids.last().unwrap(), f.assistant_end());
        let first_answer = prompt.len() + 3;
        assert_eq!(&r.ids[first_answer..r.ids.len() - 1], &answer[..]);
        for (t, &m) in r.mask.iter().enumerate() {
            assert_eq!(m == 1, t >= first_answer, "position {t}: {:?}", r.mask);
        }
        // An empty answer: the end token alone is supervised.
        let empty = f
            .render(&Conversation {
                prompt: "spell emma".into(),
                answer: String::new(),
            })
            .unwrap();
        assert_eq!(empty.mask.iter().filter(|&&m| m == 1).count(), 1);
        assert_eq!(*empty.mask.last().unwrap(), 1);
        // The prompt alone ends with <|assistant_start|>, and an answer
        // decodes up to <|assistant_end|>.
        let p = f.render_prompt("spell emma").unwrap();
        assert_eq!(&r.ids[..p.len()], &p[..]);
        let (text, ended) = f.decode_answer(&r.ids[p.len()..]).unwrap();
        assert_eq!((text.as_str(), ended), ("e,m,m,a", true));
        let (text, ended) = f.decode_answer(&answer).unwrap();
        assert_eq!((text.as_str(), ended), ("e,m,m,a", false));
    }
}

#[test]
fn chat_special_tokens_come_after_the_base_vocabulary_which_keeps_its_ids() {
    let f = chars();
    assert_eq!(f.base_size(), 27);
    assert_eq!(
        f.encode_text("abz").unwrap(),
        vec![1, 2, 26],
        "the base's ids"
    );
    let n = f.vocab_size();
    let ids: Vec<u32> = SPECIALS.iter().map(|s| f.special(s).unwrap()).collect();
    assert_eq!(ids, (n as u32 - 4..n as u32).collect::<Vec<_>>());
    let b = bpe();
    let end = b.special(ASSISTANT_END).unwrap() as usize;
    assert_eq!(end + 1, b.vocab_size());
    assert_eq!(b.base_size() + 4, b.vocab_size());
}

#[test]
fn chat_a_special_tokens_text_in_a_prompt_is_text_never_the_token() {
    let b = bpe();
    let ids = b.render_prompt(&format!("hi {USER_END} there")).unwrap();
    let ue = b.special(USER_END).unwrap() as usize;
    assert_eq!(
        ids.iter().filter(|&&i| i == ue).count(),
        1,
        "only the format's own <|user_end|>: {ids:?}"
    );
    let text = b.encode_text(USER_END).unwrap();
    assert!(text.len() > 1 && text.iter().all(|&i| i < b.base_size()));
    // A character vocabulary has no '<' or '|': a clear error, never the token.
    let err = chars().render_prompt(USER_END).unwrap_err().to_string();
    assert!(
        err.contains("'<'") && err.contains("not in the chat vocabulary"),
        "{err}"
    );
}

#[test]
fn chat_a_conversation_longer_than_the_block_is_refused_and_said_so() {
    let r = chars()
        .render(&Conversation {
            prompt: "spell emma".into(),
            answer: "e,m,m,a".into(),
        })
        .unwrap();
    assert!(r.check_fits(r.len() - 1).is_ok(), "exactly fills the block");
    let err = r.check_fits(r.len() - 2).unwrap_err().to_string();
    assert!(
        err.contains("refused, not truncated") && err.contains(&format!("{} tokens", r.len())),
        "{err}"
    );
}

#[test]
fn chat_format_is_rebuilt_from_its_record() {
    for f in [chars(), bpe()] {
        let record = f.record().unwrap();
        assert!(ChatFormat::is_record(&record));
        let back = ChatFormat::from_record(&record, Path::new("m.safetensors")).unwrap();
        assert_eq!(back.fingerprint(), f.fingerprint());
        assert_eq!(back.vocab_size(), f.vocab_size());
        assert_eq!(back.base_size(), f.base_size());
    }
    assert_ne!(chars().fingerprint(), bpe().fingerprint());
    let err = ChatFormat::from_record(NAMES, Path::new("m.safetensors"))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("m.safetensors") && err.contains("not a chat format"),
        "{err}"
    );
}

#[test]
fn chat_checkers_accept_right_answers_and_refuse_wrong_ones() {
    assert!(Ask::Starts('k').check("kara"));
    assert!(!Ask::Starts('k').check("kara3"));
    assert!(!Ask::Starts('k').check("k"), "too short");
    assert!(!Ask::Starts('k').check("lara"));
    assert!(Ask::EndsA5.check("emila"));
    assert!(!Ask::EndsA5.check("emma"));
    assert!(!Ask::EndsA5.check("emilo"));
    assert!(Ask::Spell("emma".into()).check("e,m,m,a"));
    assert!(!Ask::Spell("emma".into()).check("e,m,a"));
    assert!(Ask::Count('a', "hannah".into()).check("2"));
    assert!(!Ask::Count('a', "hannah".into()).check("3"));
    assert!(Ask::Count('z', "hannah".into()).check("0"));
    assert_eq!(
        Ask::Count('a', "hannah".into()).prompt(),
        "how many a in hannah?"
    );
    assert_eq!(Ask::Spell("emma".into()).prompt(), "spell emma");
}

#[test]
fn chat_instruction_set_is_seeded_right_and_keeps_the_held_out_names_out() {
    let split = NameSplit::new(&names(), 7).unwrap();
    assert_eq!(split, NameSplit::new(&names(), 7).unwrap(), "same seed");
    assert_ne!(split, NameSplit::new(&names(), 8).unwrap());
    let total = split.train.len() + split.held_out.len();
    assert_eq!(split.held_out.len(), total / 10);
    assert!(
        split
            .held_out
            .iter()
            .all(|n| split.train.binary_search(n).is_err())
    );
    let ex = tasks::examples(&split.train, &Task::ALL, 50, 1).unwrap();
    assert_eq!(
        ex,
        tasks::examples(&split.train, &Task::ALL, 50, 1).unwrap()
    );
    assert_eq!(ex.len(), 200);
    for e in &ex {
        assert!(e.ask.check(&e.conversation.answer), "{e:?}");
        assert_eq!(e.ask.prompt(), e.conversation.prompt);
        if let Ask::Spell(n) | Ask::Count(_, n) = &e.ask {
            assert!(split.held_out.binary_search(n).is_err(), "{n} is held out");
        }
        let f = chars();
        f.render(&e.conversation).unwrap();
    }
    for task in Task::ALL {
        assert!(ex.iter().any(|e| e.ask.task() == task));
        let asks = tasks::eval_asks(&split.held_out, task, 100, 3).unwrap();
        for a in &asks {
            if let Ask::Spell(n) | Ask::Count(_, n) = a {
                assert!(split.held_out.binary_search(n).is_ok());
            }
        }
    }
}

#[test]
fn chat_an_empty_instruction_set_is_a_clear_error() {
    let err = tasks::examples(&[], &Task::ALL, 10, 1)
        .unwrap_err()
        .to_string();
    assert!(err.contains("the instruction set is empty"), "{err}");
    let err = tasks::examples(&names(), &[], 10, 1)
        .unwrap_err()
        .to_string();
    assert!(err.contains("the instruction set is empty"), "{err}");
    let err = NameSplit::new(&["ab".into(), "x-y".into()], 1)
        .unwrap_err()
        .to_string();
    assert!(err.contains("at least 10"), "{err}");
    let few: Vec<String> = [
        "bob", "bill", "ben", "boris", "bert", "bo", "bud", "bix", "bax", "byl",
    ]
    .map(String::from)
    .to_vec();
    let err = tasks::examples(&few, &[Task::EndsA5], 3, 1)
        .unwrap_err()
        .to_string();
    assert!(err.contains("no name of the 10 answers"), "{err}");
    assert!(Task::from_name("spell").is_ok());
    assert!(
        Task::from_name("nope")
            .unwrap_err()
            .to_string()
            .contains("starts, ends_a5")
    );
}

#[test]
fn chat_pairs_follow_the_gold_rule_and_never_repeat_an_answer() {
    for rule in [GoldRule::default(), GoldRule::EndsWith('z')] {
        let ps = pairs::generate(&names(), rule, 300, 5).unwrap();
        assert_eq!(ps, pairs::generate(&names(), rule, 300, 5).unwrap());
        for p in &ps {
            let Some(c) = p.prompt.strip_prefix("a name that starts with ") else {
                panic!("{p:?}")
            };
            let ask = Ask::Starts(c.chars().next().unwrap());
            assert!(ask.check(&p.chosen) && ask.check(&p.rejected), "{p:?}");
            assert!(
                rule.prefers(&p.chosen) && !rule.prefers(&p.rejected),
                "{p:?}"
            );
            assert_ne!(p.chosen, p.rejected);
        }
    }
    assert_eq!(
        GoldRule::parse("ends-with-z").unwrap(),
        GoldRule::EndsWith('z')
    );
    assert!(GoldRule::parse("ends-with-7").is_err());
    let err = pairs::generate(&["anna".into(), "bob".into()], GoldRule::default(), 5, 1)
        .unwrap_err()
        .to_string();
    assert!(err.contains("no preference pairs"), "{err}");
}

#[test]
fn chat_a_pairs_file_round_trips_and_its_errors_name_the_line() {
    let ps = pairs::generate(&names(), GoldRule::default(), 20, 2).unwrap();
    let text = pairs::to_tsv(&ps).unwrap();
    let path = Path::new("pairs.tsv");
    assert_eq!(pairs::parse(&text, path).unwrap(), ps);
    let same = "# comment\n\na name that starts with k\tkara\tkara\n";
    let err = pairs::parse(same, path).unwrap_err().to_string();
    assert!(
        err.contains("pairs.tsv:3:") && err.contains("the same answer"),
        "{err}"
    );
    let err = pairs::parse("p\tc\n", path).unwrap_err().to_string();
    assert!(
        err.contains("pairs.tsv:1:") && err.contains("2 tab-separated"),
        "{err}"
    );
    let err = pairs::parse("p\t \tr\n", path).unwrap_err().to_string();
    assert!(err.contains("chosen answer is empty"), "{err}");
    let err = pairs::parse("# nothing\n", path).unwrap_err().to_string();
    assert!(err.contains("holds no pairs"), "{err}");
    let bad = [Pair {
        prompt: "a\tb".into(),
        chosen: "x".into(),
        rejected: "y".into(),
    }];
    assert!(pairs::to_tsv(&bad).is_err());
}

#[test]
fn chat_sft_rows_supervise_the_answer_and_a_batch_of_padding_alone_is_refused_not_nan() {
    use backprop_ninja::layers::sequence_cross_entropy;
    use backprop_ninja::layers::sft_targets::{pad, write_row};
    use backprop_ninja::solutions::sft_targets::targets;
    use ndarray::{Array2, Array3};

    let f = chars();
    let r = f
        .render(&Conversation {
            prompt: "spell ab".into(),
            answer: "a,b".into(),
        })
        .unwrap();
    let block = r.len() + 2;
    let (ids, mask) = pad(&r.ids, &r.mask, block).unwrap();
    let mut idx = Array2::zeros((2, block));
    let mut tgt = Array2::zeros((2, block));
    write_row(targets, &ids, &mask, &mut idx, &mut tgt, 0).unwrap();
    let counted: Vec<i64> = tgt.row(0).iter().copied().filter(|&y| y != -1).collect();
    let mut want: Vec<i64> = f
        .encode_text("a,b")
        .unwrap()
        .iter()
        .map(|&i| i as i64)
        .collect();
    want.push(f.assistant_end() as i64);
    assert_eq!(counted, want, "the answer and its end token, nothing else");
    let start = r.mask.iter().position(|&m| m == 1).unwrap();
    assert_eq!(
        tgt[[0, start - 1]],
        want[0],
        "the position before the answer predicts it"
    );
    // A row of padding alone: every target ignored.
    let (ids, mask) = pad(&[], &[], block).unwrap();
    write_row(targets, &ids, &mask, &mut idx, &mut tgt, 1).unwrap();
    assert!(tgt.row(1).iter().all(|&y| y == -1));
    let logits = Array3::<f64>::zeros((1, block, f.vocab_size()));
    let err = sequence_cross_entropy::forward(&logits, &tgt.slice(ndarray::s![1..2, ..]))
        .unwrap_err()
        .to_string();
    assert!(err.contains("every target is ignored"), "{err}");
    // Too long: refused, not truncated; a learner's function of the wrong
    // length: a clear error.
    let err = pad(&r.ids, &r.mask, r.len() - 2).unwrap_err().to_string();
    assert!(err.contains("refused, not truncated"), "{err}");
    let short = |ids: &[usize], _: &[u8]| (ids.to_vec(), vec![]);
    let err = write_row(short, &ids, &mask, &mut idx, &mut tgt, 0)
        .unwrap_err()
        .to_string();
    assert!(err.contains(&format!("expected {block} of each")), "{err}");
}

#[test]
fn chat_a_grown_base_gives_its_own_tokens_the_same_logits_and_refuses_to_shrink() {
    use backprop_ninja::chat::extend::extend;
    use backprop_ninja::models::gpt::{Gpt, GptConfig};
    use rand::SeedableRng;

    let mut config = GptConfig::makemore(27, 8);
    config.n_embd = 8;
    config.n_layer = 1;
    config.n_head = 2;
    let base = Gpt::<f32>::new(config, &mut rand_chacha::ChaCha8Rng::seed_from_u64(1)).unwrap();
    let (grown, what) = extend(&base, 45, 20, 3).unwrap();
    assert_eq!((what.vocab, what.block), ((27, 45), (8, 20)));
    assert_eq!(grown, extend(&base, 45, 20, 3).unwrap().0, "seeded");
    let context = [0, 5, 12, 1];
    let mut ws = base.workspace(1, 8).unwrap();
    let before = base.next_logits(&mut ws, &context).unwrap().to_vec();
    let mut ws = grown.workspace(1, 20).unwrap();
    let after = grown.next_logits(&mut ws, &context).unwrap().to_vec();
    for (a, b) in after[..27].iter().zip(&before) {
        assert!(
            (a - b).abs() < 1e-5,
            "the base's logits, unchanged: {a} {b}"
        );
    }
    assert!(
        after[27..].iter().all(|&l| l == 0.0),
        "new columns start at zero"
    );
    let err = extend(&grown, 27, 20, 3).unwrap_err().to_string();
    assert!(err.contains("cannot shrink"), "{err}");
}
