"""Speed benchmark: `python -m bench --docs 100000 --whoosh-docs 10000` prints one
table, the engines side by side.

For each engine: full build (time, articles/s, peak memory of the indexer and of
all its processes), re-index with no change, after editing one article and after
adding 1,000, index size against corpus size, in-process query latency (p50, p95,
snippets included) over a fixed mix and per kind, whole `lbsearch search` and
`lbsearch stats` processes (wall p50 beside the start-up floor: Python importing
typer and the engine) and their peak memory. Then the floors on the same corpus:
plain tantivy (bench/plain.py) and a linear scan (ripgrep when installed, else
Python over folded text).
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
from pathlib import Path

from lbsearch.index import open_index
from lbsearch.places import resolve_district
from lbsearch.query import SearchOptions, search
from lbsearch.text import SYLLABLE_RE, fold

from .generate import generate
from .plain import PlainTantivy

MIX = [
    ("one word", SearchOptions("đoàn")),
    ("two words", SearchOptions("phối hợp")),
    ("quoted phrase", SearchOptions('"Quy chế phối hợp"')),
    ("accent-free phrase", SearchOptions("quy che phoi hop")),
    ("with --district", SearchOptions("công đoàn", districts=[resolve_district("Long Biên")])),
    ("with --since", SearchOptions("người lao động", since=__import__("datetime").date(2024, 1, 1))),
    ("--sort newest", SearchOptions("hội nghị", sort="newest")),
]


def run(command: list[str], sample_tree: bool = True) -> tuple[float, float, float]:
    """Wall seconds, the child's own peak RSS (MiB, from wait4), and the peak of the
    RSS summed over it and its worker processes (MiB, sampled every 0.1 s when
    sample_tree; sampling rounds the wall time up to the next 0.1 s, so short
    commands are timed without it)."""
    started = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    tree_peak = 0
    while True:
        pid, status, usage = os.wait4(child.pid, os.WNOHANG if sample_tree else 0)
        if pid:
            break
        tree_peak = max(tree_peak, tree_rss(child.pid))
        time.sleep(0.1)
    elapsed = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"benchmark step failed: {' '.join(command)}")
    return elapsed, usage.ru_maxrss / 1024, max(tree_peak / 2**20, usage.ru_maxrss / 1024)


def tree_rss(root: int) -> int:
    """Bytes resident in root and its descendants, from /proc (0 where /proc is missing)."""
    parents: dict[int, int] = {}
    resident: dict[int, int] = {}
    page = os.sysconf("SC_PAGE_SIZE")
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            parents[int(entry.name)] = int(fields[1])
            resident[int(entry.name)] = int(fields[21]) * page
        except (OSError, IndexError, ValueError):
            pass
    tree, grew = {root}, True
    while grew:
        grown = tree | {pid for pid, parent in parents.items() if parent in tree}
        grew, tree = len(grown) > len(tree), grown
    return sum(resident.get(pid, 0) for pid in tree)


def lbsearch(*args: str) -> list[str]:
    return [sys.executable, "-m", "lbsearch", *args]


def folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def wall_p50(command: list[str], runs: int = 7) -> tuple[float, float]:
    """Median wall milliseconds and peak MiB of a command run several times (warm)."""
    run(command, sample_tree=False)
    results = [run(command, sample_tree=False) for _ in range(runs)]
    return statistics.median(r[0] for r in results) * 1000, max(r[1] for r in results)


def measure(engine: str, docs: int, work: Path, repeat: int) -> dict[str, str]:
    """Every figure for one engine on a corpus of docs generated articles."""
    corpus, index_dir = work / f"corpus-{docs}", work / f"index-{engine}-{docs}"
    shutil.rmtree(index_dir, ignore_errors=True)
    if len(list(corpus.glob("*.txt"))) != docs:
        shutil.rmtree(corpus, ignore_errors=True)
        generate(corpus, docs)
    rows: dict[str, str] = {"articles": f"{docs:,}"}
    index = lbsearch("index", str(corpus), "--index", str(index_dir), "--engine", engine)
    build, build_peak, build_all = run(index)
    rows["full build"] = (f"{build:.1f} s, {docs / build:.0f}/s, peak {build_peak:.0f} MiB "
                          f"(all processes {build_all:.0f} MiB)")
    run(index)
    time.sleep(2.1)  # past the window in which just-written files are re-checked
    rows["re-index, no change"] = f"{run(index)[0]:.2f} s"
    edited = sorted(corpus.glob("*.txt"))[docs // 2]
    edited.write_text(edited.read_text("utf-8") + "\nThêm một câu về Quy chế phối hợp.\n", "utf-8")
    rows["re-index, 1 edited"] = f"{run(index)[0]:.2f} s"
    added = min(1000, max(1, docs // 100))
    new_files = generate(corpus, added, seed=99, start=docs)
    rows[f"re-index, {added} added"] = f"{run(index)[0]:.2f} s"
    for path in new_files:  # the corpus stays as generated for the next engine
        path.unlink()
    edited.write_text(edited.read_text("utf-8").replace("\nThêm một câu về Quy chế phối hợp.\n", ""), "utf-8")
    time.sleep(2.1)
    run(index)
    corpus_size, index_size = folder_bytes(corpus), folder_bytes(index_dir)
    rows["index size / corpus"] = f"{index_size / 2**20:.0f} / {corpus_size / 2**20:.0f} MiB = {index_size / corpus_size:.2f}x"

    ix = open_index(index_dir)
    latencies = []
    per_kind: dict[str, list[float]] = {name: [] for name, _ in MIX}
    for _ in range(repeat):
        for name, options in MIX:
            started = time.perf_counter()
            search(ix, options)
            elapsed = (time.perf_counter() - started) * 1000
            latencies.append(elapsed)
            per_kind[name].append(elapsed)
    rows["query p50 / p95 (in process, snippets)"] = f"{percentile(latencies, .5):.1f} / {percentile(latencies, .95):.1f} ms"
    for name, values in per_kind.items():
        rows[f"  {name}: p50 / p95"] = f"{statistics.median(values):.1f} / {percentile(values, .95):.1f} ms"

    floor, _ = wall_p50([sys.executable, "-c", f"import typer, lbsearch.engines.{engine}"])
    wall, peak = wall_p50(lbsearch("search", "quy che phoi hop", "--index", str(index_dir)))
    rows["start-up floor (python, typer, engine)"] = f"{floor:.0f} ms"
    rows["`lbsearch search` wall p50"] = f"{wall:.0f} ms ({wall - floor:+.0f} ms above the floor), peak {peak:.0f} MiB"
    stats_wall, stats_peak = wall_p50(lbsearch("stats", "--index", str(index_dir)))
    rows["`lbsearch stats` wall p50"] = f"{stats_wall:.0f} ms ({stats_wall - floor:+.0f} ms above the floor), peak {stats_peak:.0f} MiB"
    stats_wall, stats_peak = wall_p50(lbsearch("stats", "quy che phoi hop", "--index", str(index_dir)))
    rows["`lbsearch stats QUERY` wall p50"] = f"{stats_wall:.0f} ms ({stats_wall - floor:+.0f} ms above the floor), peak {stats_peak:.0f} MiB"
    completing = {**os.environ, "_LBSEARCH_COMPLETE": "complete_bash",
                  "COMP_WORDS": "lbsearch search x --district long", "COMP_CWORD": "4"}
    started = time.perf_counter()
    for _ in range(7):
        subprocess.run(lbsearch(), env=completing, capture_output=True, check=True)
    rows["completion (--district, bash) wall mean"] = f"{(time.perf_counter() - started) / 7 * 1000:.0f} ms"
    return rows


def floors(docs: int, work: Path) -> dict[str, str]:
    """Plain tantivy and a linear scan on the same corpus."""
    corpus = work / f"corpus-{docs}"
    rows: dict[str, str] = {}
    plain_dir = work / "plain"
    shutil.rmtree(plain_dir, ignore_errors=True)
    started = time.perf_counter()
    plain = PlainTantivy(corpus, plain_dir)
    rows["plain tantivy: build (extraction included)"] = f"{time.perf_counter() - started:.1f} s"
    times = []
    for _ in range(5):
        for text in ("đoàn", "phối hợp", "quy che phoi hop", "công đoàn"):
            started = time.perf_counter()
            plain.ids(text)
            times.append((time.perf_counter() - started) * 1000)
    rows["plain tantivy: query p50 / p95 (no snippets)"] = f"{percentile(times, .5):.1f} / {percentile(times, .95):.1f} ms"
    rows["plain tantivy: index size / corpus"] = f"{folder_bytes(plain_dir) / folder_bytes(corpus):.2f}x"
    rg = shutil.which("rg")
    scan = []
    for text in ("phối hợp", "quy che phoi hop", "công đoàn"):
        started = time.perf_counter()
        if rg:
            subprocess.run([rg, "-l", "-i", text.split()[0], str(corpus)], capture_output=True)
        else:
            wanted = [fold(w) for w in SYLLABLE_RE.findall(text)]
            for path in corpus.glob("*.txt"):
                folded = " ".join(fold(w) for w in SYLLABLE_RE.findall(path.read_text("utf-8")))
                all(w in folded for w in wanted)
        scan.append((time.perf_counter() - started) * 1000)
    rows[f"linear scan ({'ripgrep, first word' if rg else 'Python, folded'}) p50"] = f"{statistics.median(scan):.0f} ms"
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description="lbsearch speed benchmark")
    parser.add_argument("--docs", type=int, default=10_000, help="articles for the tantivy engine")
    parser.add_argument("--whoosh-docs", type=int, default=None, help="articles for Whoosh [default: --docs]; 0 skips it")
    parser.add_argument("--repeat", type=int, default=20, help="runs of each query in the mix")
    parser.add_argument("--work", type=Path, help="folder to keep the corpora and indexes in")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="lbsearch-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    whoosh_docs = args.docs if args.whoosh_docs is None else args.whoosh_docs
    columns = {"tantivy": measure("tantivy", args.docs, work, args.repeat)}
    if whoosh_docs:
        columns["whoosh"] = measure("whoosh", whoosh_docs, work, args.repeat)
    names = list(dict.fromkeys(name for column in columns.values() for name in column))
    width = max(map(len, names))
    print(f"lbsearch benchmark: generated articles, {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    print(f"| {'figure':<{width}} | " + " | ".join(columns) + " |")
    print(f"|{'-' * (width + 2)}|" + "|".join("---" for _ in columns) + "|")
    for name in names:
        print(f"| {name:<{width}} | " + " | ".join(column.get(name, "") for column in columns.values()) + " |")
    print()
    for name, value in floors(args.docs, work).items():
        print(f"{name}: {value}")


if __name__ == "__main__":
    main()
