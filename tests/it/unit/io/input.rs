use backprop_ninja::io::input::*;
use std::fs;
use std::fs::File;

#[test]
fn only_regular_files_under_the_limit_are_read() {
    let dir = std::env::temp_dir().join(format!("backprop-ninja-input-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    let file = dir.join("names.txt");
    fs::write(&file, "emma\nava\n").unwrap();
    assert_eq!(read(&file, "the corpus", 100).unwrap(), b"emma\nava\n");
    let err = read(&file, "the corpus", 4).unwrap_err().to_string();
    assert!(
        err.contains("the corpus is 9 bytes, over the limit"),
        "{err}"
    );
    let err = read(&dir, "the corpus", 100).unwrap_err().to_string();
    assert!(err.contains("must be a regular file"), "{err}");
    // A sparse file over the limit is refused without being read.
    let big = dir.join("big.txt");
    File::create(&big).unwrap().set_len(MAX_DATA + 1).unwrap();
    let err = read(&big, "the corpus", MAX_DATA).unwrap_err().to_string();
    assert!(err.contains("over the limit of 1073741824 bytes"), "{err}");
    fs::remove_dir_all(dir).unwrap();
}
