use backprop_ninja::grade::panic_site::*;

#[test]
fn a_panic_is_caught_with_its_location_and_the_hook_is_put_back() {
    let caught = capture(|| panic!("shapes differ")).unwrap_err();
    assert_eq!(caught.message, "shapes differ");
    let location = caught.location.as_deref().unwrap();
    assert!(location.starts_with(&format!("{}:", file!())), "{location}");
    assert_eq!(capture(|| 3).unwrap(), 3);
    // Nested calls install once and restore once.
    let inner = capture(|| capture(|| todo!("a hint")).unwrap_err()).unwrap();
    assert!(inner.message.starts_with("not yet implemented"));
    assert_eq!(inner.frame, None);
}

#[test]
fn the_learners_frame_is_found_in_a_backtrace() {
    let root = env!("CARGO_MANIFEST_DIR");
    let bt = format!(
        "   0: core::panicking::panic\n             at /rustc/abc/library/core/src/panicking.rs:75:14\n   1: ndarray::impl_ops\n             at /home/u/.cargo/registry/src/ndarray-0.17/src/impl_ops.rs:99:9\n   2: backprop_ninja::exercises::tanh::backward\n             at {root}/exercises/tanh.rs:20:5\n   3: backprop_ninja::grade::grade_tanh\n             at {root}/src/grade/mod.rs:700:9\n"
    );
    assert_eq!(learner_frame(&bt).as_deref(), Some("exercises/tanh.rs:20"));
    assert_eq!(
        learner_frame("   0: main\n at /elsewhere/src/main.rs:1:1\n"),
        None
    );
}

#[test]
fn a_path_in_the_crate_is_named_from_its_root() {
    let root = env!("CARGO_MANIFEST_DIR");
    for (path, relative) in [
        (
            format!("{root}/exercises/tanh.rs:20:5"),
            "exercises/tanh.rs:20:5",
        ),
        ("./exercises/tanh.rs".into(), "exercises/tanh.rs"),
        ("src/../exercises/tanh.rs".into(), "exercises/tanh.rs"),
        // The library's manifest is in core/: rustc sees its files so.
        (
            "core/../src/layers/linear.rs:7:1".into(),
            "src/layers/linear.rs:7:1",
        ),
        (
            format!("{root}/core/../src/grade/mod.rs"),
            "src/grade/mod.rs",
        ),
    ] {
        assert_eq!(crate_relative(&path).as_deref(), Some(relative), "{path}");
    }
    assert_eq!(crate_relative("/elsewhere/src/main.rs"), None);
}
