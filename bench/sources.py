"""What the other sources and the copies cost: one table.

    python -m bench.sources --docs 100000 --work /tmp/bsrc [--engine tantivy]
    python -m bench.sources --docs 20000 --work /tmp/bsrc --copies-only --repeat 2
    python -m bench.sources --docs 20000 --work /tmp/bsrc --sizes

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
--sizes builds the text corpus four ways (as lbsearch does; with the signature
left out of the stored record; without the band terms; without either) and
prints what each kind of index file weighs.
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


def build_only(corpus: Path, index_dir: Path, engine: str, copies: bool, record_signature: bool = True,
               bands: bool = True) -> None:
    """One full build in this process, as `lbsearch index` runs it."""
    from dataclasses import replace

    from lbsearch import copies as copies_module
    from lbsearch import engines, updater
    from lbsearch.updater import update_index

    if not record_signature:  # the signature stays in what copies are found with, not in what is stored
        module = engines.load(engine)
        name = "_document" if hasattr(module, "_document") else "_fields"  # tantivy's, Whoosh's
        document = getattr(module, name)

        def without_signature(prepared):
            return document(replace(prepared, record={k: v for k, v in prepared.record.items() if k != "signature"}))

        setattr(module, name, without_signature)
    if not bands:
        copies_module.band_terms = lambda signature, url: []

    if os.environ.get("LBSEARCH_PYTHON_MINHASH"):
        copies_module.signature = copies_module._python_signature
    if not copies:
        copies_module.signature = lambda folded: ""
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


def sizes(docs: int, work: Path, engine: str) -> None:
    """The index built four ways, and what each kind of file weighs."""
    corpus = work / f"text-{docs}"
    if len(list(corpus.glob("*.txt"))) != docs:
        shutil.rmtree(corpus, ignore_errors=True)
        generate(corpus, docs)
    ways = {"as lbsearch builds it": [], "signature not stored": ["--record-without-signature"],
            "no band terms": ["--without-bands"], "neither": ["--record-without-signature", "--without-bands"]}
    columns = {}
    for name, options in ways.items():
        index_dir = work / f"index-sizes-{len(columns)}"
        build_seconds(corpus, index_dir, engine, True, *options)
        columns[name] = weights(index_dir)
    corpus_bytes = sum(p.stat().st_size for p in corpus.glob("*.txt"))
    kinds = sorted({k for c in columns.values() for k in c}, key=lambda k: -columns["as lbsearch builds it"].get(k, 0))
    print(f"{docs:,} articles ({corpus_bytes / 2**20:.1f} MiB of text), {engine}: MiB by kind of file")
    print("| file | " + " | ".join(columns) + " |")
    print("|---|" + "---|" * len(columns))
    for kind in kinds:
        print(f"| {kind} | " + " | ".join(f"{c.get(kind, 0) / 2**20:.2f}" for c in columns.values()) + " |")
    print("| all | " + " | ".join(f"{sum(c.values()) / 2**20:.2f} ({sum(c.values()) / corpus_bytes:.2f}x)"
                                    for c in columns.values()) + " |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=10_000)
    parser.add_argument("--work", type=Path, default=Path("/tmp/bench-sources"))
    parser.add_argument("--engine", default="tantivy")
    parser.add_argument("--build-only", nargs=2, type=Path, metavar=("CORPUS", "INDEX"))
    parser.add_argument("--without-copies", action="store_true")
    parser.add_argument("--record-without-signature", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--without-bands", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--sizes", action="store_true", help="what each part of the index weighs")
    parser.add_argument("--copies-only", action="store_true", help="only the text builds with and without copies")
    parser.add_argument("--repeat", type=int, default=1, help="builds of each kind with --copies-only")
    args = parser.parse_args()
    if args.build_only:
        build_only(*args.build_only, args.engine, not args.without_copies, not args.record_without_signature,
                   not args.without_bands)
        return
    if args.sizes:
        sizes(args.docs, args.work, args.engine)
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
