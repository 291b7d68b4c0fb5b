"""What the other sources and the copies cost: one table.

    python -m bench.sources --docs 100000 --work /tmp/bsrc [--engine tantivy]
    python -m bench.sources --docs 20000 --work /tmp/bsrc --copies-only --repeat 2
    python -m bench.sources --docs 20000 --work /tmp/bsrc --sizes [--corpus DIR] [--ways NAME ...]

- full build of N generated text articles (bench/generate.py), with copies found
  as lbsearch does, and the same build with copies left out (signatures, copies
  terms and the grouping step replaced by nothing, in this process and its
  workers): the share copies add;
- full build of N saved pages in the seeds' sites' shapes (bench/htmlpages.py):
  the build rate on HTML against the rate on text;
- a JSON Lines file of 20,000 records that grows by 100 records: the re-index;
- searching 20,000 of the articles beside 5,000 copies of them: p50 of a few
  queries with one hit per story and with every copy.

--copies-only runs the first two builds alone, --repeat times each, one after the
other (the share copies add, with the signature lbsearch computes: rensa's where
rensa is installed; LBSEARCH_PYTHON_MINHASH=1 asks for the Python one).
--sizes builds the text corpus (or --corpus DIR) several ways and prints what
each kind of index file weighs: as lbsearch does; with one indexed field left
empty (what the field weighs); without the band terms; with tantivy's document
store in larger blocks (its index settings, which tantivy-py does not expose,
written to meta.json before the first document).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from lbsearch.extract import decode

from .generate import generate
from .htmlpages import pages


def build_seconds(corpus: Path, index_dir: Path, engine: str, copies: bool = True, *options: str) -> float:
    return build_times(corpus, index_dir, engine, copies, *options)[0]


def build_times(corpus: Path, index_dir: Path, engine: str, copies: bool = True, *options: str) -> tuple[float, float]:
    """Wall seconds of one full build in a new process, and the CPU seconds (user and
    system) of that process, its threads and its workers: on a shared machine the
    second is the steadier measure of the work done."""
    shutil.rmtree(index_dir, ignore_errors=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "bench.sources", "--build-only", str(corpus), str(index_dir),
                    "--engine", engine, *options] + ([] if copies else ["--without-copies"]), check=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime


def build_only(corpus: Path, index_dir: Path, engine: str, copies: bool, bands: bool = True,
               empty: tuple[str, ...] = (), blocksize: int | None = None) -> None:
    """One full build in this process, as `lbsearch index` runs it; empty names
    indexed fields left without terms, blocksize tantivy's document store blocks."""
    from lbsearch import copies as copies_module
    from lbsearch import engines, reading, updater
    from lbsearch.updater import update_index

    if not bands:
        copies_module.band_terms = lambda signature, url: []
    if empty:
        prepared = reading._prepared

        def without_fields(record, fingerprint, collection):
            article, member = prepared(record, fingerprint, collection)
            article.terms = {**article.terms, **{name: "" for name in empty}}
            return article, member

        reading._prepared = without_fields
    if blocksize:
        module = engines.load(engine)
        open_writer = module.open_writer

        def with_blocksize(folder: Path, mode: str):
            writer = open_writer(folder, mode)
            if mode == "create":  # tantivy reads its index settings from meta.json when it opens
                meta = json.loads((folder / "meta.json").read_text("utf-8"))
                meta["index_settings"]["docstore_blocksize"] = blocksize
                (folder / "meta.json").write_text(json.dumps(meta), "utf-8")
                writer.ix = module.tantivy.Index.open(str(folder))
            return writer

        module.open_writer = with_blocksize
    if os.environ.get("LBSEARCH_PYTHON_MINHASH"):
        copies_module.words_signature = lambda words, pairs=None: copies_module._python_signature(words)
    if not copies:
        copies_module.words_signature = lambda words, pairs=None: b""
        copies_module.band_terms = lambda signature, url: []
        updater._Updater._record_copies = lambda self, previous, touched: None
    update_index(corpus, index_dir, engine=engine)


def records_corpus(texts: list[Path], out: Path, count: int) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    path = out / "scrape.jsonl"
    with path.open("w", encoding="utf-8") as handle:
        for number in range(count):
            title, _, body = decode(texts[number % len(texts)].read_bytes()).partition("\n")
            record = {"id": number, "title": f"{title} ({number})", "body": body,
                      "url": f"https://laodong.vn/cong-doan/bai-{number}.ldo"}
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    return path


def copies_search(texts: list[Path], work: Path, engine: str) -> dict[str, str]:
    """p50 milliseconds of searches over 20,000 articles and 5,000 copies of them."""
    from lbsearch.index import open_index
    from lbsearch.query import SearchOptions, search

    corpus = work / "with-copies"
    if len(list(corpus.glob("*.txt"))) != 25_000:
        shutil.rmtree(corpus, ignore_errors=True)
        corpus.mkdir(parents=True)
        for number, path in enumerate(texts[:20_000]):
            shutil.copy(path, corpus / path.name)
            if number < 5_000:
                shutil.copy(path, corpus / f"copy_{path.name}")
    build_seconds(corpus, work / "index-with-copies", engine)
    reader = open_index(work / "index-with-copies")
    rows = {}
    for query in ("đoàn", "quy che phoi hop", '"Quy chế phối hợp"', "hội nghị"):
        shown = []
        for every in (False, True):
            times = []
            for _ in range(7):
                started = time.perf_counter()
                search(reader, SearchOptions(query, all_copies=every))
                times.append(time.perf_counter() - started)
            shown.append(f"{statistics.median(times) * 1000:.1f} ms")
        rows[f"search {query} (5,000 copies): one hit per story / --all-copies"] = " / ".join(shown)
    return rows


def copies_share(docs: int, work: Path, engine: str, repeat: int) -> None:
    """What copies add to a full text build: each build --repeat times, alternated."""
    from lbsearch import copies

    corpus = work / f"text-{docs}"
    if len(list(corpus.glob("*.txt"))) != docs:
        shutil.rmtree(corpus, ignore_errors=True)
        generate(corpus, docs)
    python = bool(os.environ.get("LBSEARCH_PYTHON_MINHASH")) or copies.RMinHash is None
    found, left_out = [], []
    for _ in range(repeat):
        found.append(build_times(corpus, work / "index-text", engine))
        left_out.append(build_times(corpus, work / "index-text-plain", engine, copies=False))
    signature = "Python MinHash" if python else f"rensa R-MinHash ({copies.HASH_CHECK})"
    print(f"{docs:,} articles, {engine}, signature: {signature}")
    for n, what in enumerate(("wall", "CPU")):
        with_, without = [t[n] for t in found], [t[n] for t in left_out]
        print(f"{what}: copies found {', '.join(f'{s:.1f} s' for s in with_)}; left out "
              f"{', '.join(f'{s:.1f} s' for s in without)}; copies add "
              + ", ".join(f"{100 * (a - b) / b:+.1f}%" for a, b in zip(with_, without))
              + f" (best against best: {100 * (min(with_) - min(without)) / min(without):+.1f}%)")


def weights(index_dir: Path) -> dict[str, int]:
    """Bytes of the index folder's files by kind: a segment file's extension
    (".store", ".idx"...), else its name."""
    found: dict[str, int] = {}
    for path in index_dir.iterdir():
        if path.is_file():
            kind = path.suffix if len(path.stem) == 32 else path.name
            found[kind] = found.get(kind, 0) + path.stat().st_size
    return found


SIZE_WAYS = {
    "as lbsearch builds it": [],
    "no band terms": ["--without-bands"],
    "pairs empty": ["--empty", "pairs"],
    "exact empty": ["--empty", "exact"],
    "lead empty": ["--empty", "lead"],
    "title_exact empty": ["--empty", "title_exact"],
    "store blocks 64 KiB": ["--blocksize", "65536"],
    "store blocks 128 KiB": ["--blocksize", "131072"],
}


def sizes(docs: int, work: Path, engine: str, corpus: Path | None = None, ways: list[str] | None = None) -> None:
    """The index built several ways (SIZE_WAYS), and what each kind of file weighs."""
    if corpus is None:
        corpus = work / f"text-{docs}"
        if len(list(corpus.glob("*.txt"))) != docs:
            shutil.rmtree(corpus, ignore_errors=True)
            generate(corpus, docs)
    columns = {}
    for name in ways or list(SIZE_WAYS):
        index_dir = work / f"index-sizes-{len(columns)}"
        build_seconds(corpus, index_dir, engine, True, *SIZE_WAYS[name])
        columns[name] = weights(index_dir)
        shutil.rmtree(index_dir, ignore_errors=True)
    corpus_bytes = sum(p.stat().st_size for p in corpus.rglob("*") if p.is_file())
    docs = len([p for p in corpus.rglob("*") if p.is_file()])
    first = next(iter(columns.values()))
    kinds = sorted({k for c in columns.values() for k in c}, key=lambda k: -first.get(k, 0))
    print(f"{docs:,} articles ({corpus_bytes / 2**20:.1f} MiB of text), {engine}: MiB by kind of file")
    print("| file | " + " | ".join(columns) + " |")
    print("|---|" + "---|" * len(columns))
    for kind in kinds:
        print(f"| {kind} | " + " | ".join(f"{c.get(kind, 0) / 2**20:.2f}" for c in columns.values()) + " |")
    print("| all | " + " | ".join(f"{sum(c.values()) / 2**20:.2f} ({sum(c.values()) / corpus_bytes:.3f}x)"
                                    for c in columns.values()) + " |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=10_000)
    parser.add_argument("--work", type=Path, default=Path("/tmp/bench-sources"))
    parser.add_argument("--engine", default="tantivy")
    parser.add_argument("--build-only", nargs=2, type=Path, metavar=("CORPUS", "INDEX"))
    parser.add_argument("--without-copies", action="store_true")
    parser.add_argument("--without-bands", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--empty", action="append", default=[], help=argparse.SUPPRESS)
    parser.add_argument("--blocksize", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--sizes", action="store_true", help="what each part of the index weighs")
    parser.add_argument("--corpus", type=Path, help="with --sizes: this folder instead of generated articles")
    parser.add_argument("--ways", nargs="+", choices=sorted(SIZE_WAYS), help="with --sizes: only these builds")
    parser.add_argument("--copies-only", action="store_true", help="only the text builds with and without copies")
    parser.add_argument("--repeat", type=int, default=1, help="builds of each kind with --copies-only")
    args = parser.parse_args()
    if args.build_only:
        build_only(*args.build_only, args.engine, not args.without_copies, not args.without_bands,
                   tuple(args.empty), args.blocksize)
        return
    if args.sizes:
        sizes(args.docs, args.work, args.engine, args.corpus, args.ways)
        return
    if args.copies_only:
        copies_share(args.docs, args.work, args.engine, args.repeat)
        return

    work, docs = args.work, args.docs
    text_corpus, html_corpus = work / f"text-{docs}", work / f"html-{docs}"
    if len(list(text_corpus.glob("*.txt"))) != docs:
        shutil.rmtree(text_corpus, ignore_errors=True)
        generate(text_corpus, docs)
    if len(list(html_corpus.glob("*.html"))) != docs:
        shutil.rmtree(html_corpus, ignore_errors=True)
        html_corpus.mkdir(parents=True)
        for number, (_, html, _) in enumerate(pages(docs)):
            (html_corpus / f"page_{number:06d}.html").write_text(html, "utf-8")

    with_copies = build_seconds(text_corpus, work / "index-text", args.engine)
    without = build_seconds(text_corpus, work / "index-text-plain", args.engine, copies=False)
    html = build_seconds(html_corpus, work / "index-html", args.engine)
    groups = json.loads((work / "index-html" / "copies.json").read_text("utf-8"))["groups"]

    records_dir = work / "records"
    shutil.rmtree(records_dir, ignore_errors=True)
    scrape = records_corpus(sorted(text_corpus.glob("*.txt"))[:2000], records_dir, 20_000)
    first = build_seconds(records_dir, work / "index-records", args.engine)
    with scrape.open("a", encoding="utf-8") as handle:
        for number in range(20_000, 20_100):
            handle.write(json.dumps({"id": number, "title": f"Bài mới {number}", "body": "Công đoàn phường."},
                                    ensure_ascii=False) + "\n")
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "lbsearch", "index", str(records_dir), "--index",
                    str(work / "index-records")], check=True, capture_output=True)
    grown = time.perf_counter() - started

    rows = {
        "engine": args.engine,
        "text build, copies found": f"{with_copies:.1f} s, {docs / with_copies:.0f} articles/s",
        "text build, copies left out": f"{without:.1f} s, {docs / without:.0f} articles/s",
        "copies add": f"{100 * (with_copies - without) / without:+.1f}%",
        "HTML build (pages in the sites' shapes)": f"{html:.1f} s, {docs / html:.0f} articles/s",
        "HTML rate / text rate": f"{with_copies / html:.2f}",
        "copy groups among the generated pages": f"{len(groups)}",
        "JSON Lines, 20,000 records: build": f"{first:.1f} s",
        "the same file grown by 100 records: re-index": f"{grown:.1f} s",
    }
    if docs >= 20_000:
        rows.update(copies_search(sorted(text_corpus.glob("*.txt")), work, args.engine))
    width = max(map(len, rows))
    print(f"{docs:,} articles")
    for name, value in rows.items():
        print(f"{name:<{width}}  {value}")


if __name__ == "__main__":
    main()
