"""Speed benchmark: which table to print, and on which corpora.

    python -m bench --docs 20000 --whoosh-docs 2000       one size: the engines side by side
    python -m bench --docs 1000000                        growth: 100,000 / 300,000 / 1,000,000
    python -m bench --sizes 20000 50000 --work /tmp/g     growth at chosen sizes
    python -m bench --searches INDEX                      the search figures on a built index

One size: a column per engine (tantivy at --docs, Whoosh at --whoosh-docs, by
default --docs up to 10,000) and plain tantivy on the tantivy corpus, then a
linear scan of it (ripgrep when installed, else Python over folded text). The
corpus is bench/generate.py's single stream, as in the earlier BENCHMARKS tables.

Growth (--sizes, or --docs of 1,000,000 and more, whose rows are a tenth, three
tenths and all of it): lbsearch beside plain tantivy at each size, the sizes
sharing one generated corpus (bench/growth.py); Whoosh only when --whoosh-docs
asks for it, in a table of its own.

Figures (bench/growth.py measures them): full build (time, articles/s, processor
time, peak memory of the indexer and of all its processes), re-index with no
change, after editing one article, after adding 1,000 and after taking them
away again, index size against the files and against the text held, in-process
query p50 / p95 over a mix of 28 searches of seven kinds and per kind, whole
`lbsearch search` and `stats QUERY` processes (p50 / p95 above the start-up
floor measured in the same run, peak memory). The run ends with what each part
took, in wall and processor time, and the load average at its start and end:
figures taken on a loaded machine say so.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

from lbsearch.text import SYLLABLE_RE, fold

from .generate import generate
from .growth import (MIX, Parts, Settings, growth, load, measure_lbsearch, measure_plain, print_table,
                     print_took, searches)

GROWTH_FROM = 1_000_000  # --docs 100000 stays the one-size table of the earlier BENCHMARKS runs
WHOOSH_AT_MOST = 10_000  # Whoosh's default size in a one-size run: it is the pure-Python engine


def corpus_of(work: Path, docs: int) -> Path:
    corpus = work / f"corpus-{docs}"
    if not corpus.is_dir() or sum(1 for name in os.listdir(corpus) if name.endswith(".txt")) != docs:
        shutil.rmtree(corpus, ignore_errors=True)
        generate(corpus, docs)
    return corpus


def linear_scan(corpus: Path) -> str:
    rg = shutil.which("rg")
    scan = []
    # Python reads and folds the whole corpus per query (a minute at 100,000): once.
    for text in ("phối hợp", "quy che phoi hop", "công đoàn") if rg else ("quy che phoi hop",):
        started = time.perf_counter()
        if rg:
            subprocess.run([rg, "-l", "-i", text.split()[0], str(corpus)], capture_output=True)
        else:
            wanted = [fold(w) for w in SYLLABLE_RE.findall(text)]
            for path in corpus.glob("*.txt"):
                folded = " ".join(fold(w) for w in SYLLABLE_RE.findall(path.read_text("utf-8")))
                all(w in folded for w in wanted)
        scan.append((time.perf_counter() - started) * 1000)
    return f"linear scan ({'ripgrep, first word' if rg else 'Python, folded'}) p50: {statistics.median(scan):.0f} ms"


def one_size(work: Path, docs: int, whoosh_docs: int, settings: Settings) -> None:
    began, load_start, started = datetime.now(), load(), time.perf_counter()
    parts: Parts = {}
    corpus = corpus_of(work, docs)
    plain, text_bytes = measure_plain(corpus, work / "plain", settings)
    columns = {"tantivy": measure_lbsearch("tantivy", corpus, work / f"index-tantivy-{docs}", settings, text_bytes)}
    if whoosh_docs:
        columns["whoosh"] = measure_lbsearch("whoosh", corpus_of(work, whoosh_docs),
                                             work / f"index-whoosh-{whoosh_docs}", settings)
    columns["tantivy"].against(plain)
    columns["plain tantivy"] = plain
    for measured in columns.values():
        parts.update(measured.parts)
    print(f"lbsearch benchmark, {began:%Y-%m-%d %H:%M}: generated articles, {os.cpu_count()} cores, "
          f"Python {sys.version.split()[0]}; plain tantivy: bench/plain.py, quick reader")
    print_table({name: measured.rows for name, measured in columns.items()})
    print()
    print(linear_scan(corpus))
    print_took(parts, time.perf_counter() - started, load_start, load())


def main() -> None:
    parser = argparse.ArgumentParser(description="lbsearch speed benchmark")
    parser.add_argument("--docs", type=int, default=10_000,
                        help=f"articles for the tantivy engine; from {GROWTH_FROM:,}, a growth table "
                             "at a tenth, three tenths and all of them")
    parser.add_argument("--sizes", type=int, nargs="+", help="growth table at these sizes (articles)")
    parser.add_argument("--whoosh-docs", type=int, default=None,
                        help=f"articles for Whoosh [one size: --docs, at most {WHOOSH_AT_MOST:,}; growth: 0]; "
                             "0 skips it")
    parser.add_argument("--repeat", type=int, default=5, help=f"in-process rounds of the mix ({len(MIX)} searches)")
    parser.add_argument("--command-rounds", type=int, default=None,
                        help="rounds of the mix as whole `lbsearch search` processes [growth: 2, one size: 1]")
    parser.add_argument("--work", type=Path, help="folder to keep the corpora and indexes in (reused by the next run)")
    parser.add_argument("--searches", type=Path, metavar="INDEX",
                        help="only the search rows of the growth table, on this index (built by --docs or --sizes)")
    args = parser.parse_args()
    if args.searches:
        settings = Settings(rounds=args.repeat, command_rounds=args.command_rounds or 2)
        print_table({str(args.searches): searches(args.searches, "tantivy", settings)})
        return
    work = args.work or Path(tempfile.mkdtemp(prefix="lbsearch-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    sizes = args.sizes or ([args.docs // 10, args.docs * 3 // 10, args.docs] if args.docs >= GROWTH_FROM else None)
    settings = Settings(rounds=args.repeat, command_rounds=args.command_rounds or (2 if sizes else 1))
    if sizes:
        growth(work, sizes, settings, whoosh_docs=args.whoosh_docs or 0)
    else:
        whoosh_docs = min(args.docs, WHOOSH_AT_MOST) if args.whoosh_docs is None else args.whoosh_docs
        one_size(work, args.docs, whoosh_docs, settings)


if __name__ == "__main__":
    main()
