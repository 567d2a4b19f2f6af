"""Training a byte-level BPE tokenizer, side by side, one thread.

    python3 benches/tokenizer_train.py BINARY TEXT VOCAB_SIZE FLOOR_BYTES

BINARY is this crate's release binary (`tokenizer train` with the GPT-2
pattern; its own printed time: splitting, counting and merging, not
reading the file); rustbpe and Hugging Face tokenizers train on the same
text with the same pattern and vocabulary size (pip install rustbpe
tokenizers); the naive loop (minbpe's RegexTokenizer.train: every pair
recounted at each merge) trains on the first FLOOR_BYTES of the text only,
beside this crate's trainer on that same slice. benches/tokenizer.sh sets
RAYON_NUM_THREADS=1 so that the Rust cores under Python use one thread.
"""

import os
import re as re_std
import subprocess
import sys
import tempfile
import time

import regex

GPT2 = r"""'(?:[sdmt]|ll|ve|re)| ?\p{L}++| ?\p{N}++| ?[^\s\p{L}\p{N}]++|\s++$|\s+(?!\S)|\s"""


def ours(binary, path, vocab_size):
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "t.model")
        run = subprocess.run(
            [binary, "tokenizer", "train", "--text", path, "--vocab-size", str(vocab_size),
             "--pattern", "gpt2", "--out", out],
            check=True, capture_output=True, text=True)
    return float(re_std.search(r"learned in ([0-9.]+) s", run.stdout).group(1))


def rustbpe_train(text, vocab_size):
    import rustbpe
    t = rustbpe.Tokenizer()
    start = time.perf_counter()
    t.train_from_iterator(iter([text]), vocab_size, pattern=GPT2)
    return time.perf_counter() - start


def hf_train(text, vocab_size):
    from tokenizers import Regex, Tokenizer, models, pre_tokenizers, trainers
    t = Tokenizer(models.BPE())
    t.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(GPT2.replace("++", "+")), behavior="isolated"),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
    ])
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, show_progress=False,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    start = time.perf_counter()
    t.train_from_iterator([text], trainer)
    return time.perf_counter() - start


def naive_train(text, vocab_size):
    """minbpe's RegexTokenizer.train, as it is written."""
    start = time.perf_counter()
    ids = [list(ch.encode("utf-8")) for ch in regex.findall(GPT2.replace("++", "+"), text)]
    for i in range(vocab_size - 256):
        stats = {}
        for chunk in ids:
            for pair in zip(chunk, chunk[1:]):
                stats[pair] = stats.get(pair, 0) + 1
        if not stats:
            break
        pair = max(stats, key=stats.get)
        idx = 256 + i
        merged = []
        for chunk in ids:
            out, j = [], 0
            while j < len(chunk):
                if j < len(chunk) - 1 and (chunk[j], chunk[j + 1]) == pair:
                    out.append(idx)
                    j += 2
                else:
                    out.append(chunk[j])
                    j += 1
            merged.append(out)
        ids = merged
    return time.perf_counter() - start


def main():
    binary, path, vocab_size, floor_bytes = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    text = open(path, encoding="utf-8").read()
    rows = [
        ("backprop-ninja (incremental)", len(text), ours(binary, path, vocab_size)),
        ("rustbpe", len(text), rustbpe_train(text, vocab_size)),
        ("HF tokenizers", len(text), hf_train(text, vocab_size)),
    ]
    head = text[:floor_bytes]
    with tempfile.NamedTemporaryFile("w", suffix=".txt", encoding="utf-8", delete=False) as f:
        f.write(head)
    try:
        rows.append(("backprop-ninja (incremental)", len(head), ours(binary, f.name, vocab_size)))
    finally:
        os.unlink(f.name)
    rows.append(("minbpe's naive loop (Python)", len(head), naive_train(head, vocab_size)))
    print(f"vocabulary {vocab_size}, GPT-2 pattern, one thread")
    for name, size, seconds in rows:
        print(f"{name:<32} {size:>9} chars  {seconds * 1e3:>10.1f} ms")


if __name__ == "__main__":
    main()
