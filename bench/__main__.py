"""Speed benchmark: `python -m bench --docs 100000` prints one table of figures.

Full build (time, articles/s, peak memory), re-index with no change, re-index after
adding 1% new articles, index size against corpus size, in-process query latency
(p50, p95, snippets included) over a fixed mix, `lbsearch search` wall time and peak
memory, and two baselines on the same queries: a linear scan of the corpus
(ripgrep when installed, else Python over folded text) and plain Whoosh (one
folded field, default writer and analyzer chain).
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
from .relevance import Baseline

MIX = [
    ("one word", SearchOptions("đoàn")),
    ("two words", SearchOptions("phối hợp")),
    ("quoted phrase", SearchOptions('"Quy chế phối hợp"')),
    ("accent-free phrase", SearchOptions("quy che phoi hop")),
    ("with --district", SearchOptions("công đoàn", districts=[resolve_district("Long Biên")])),
    ("with --since", SearchOptions("người lao động", since=__import__("datetime").date(2024, 1, 1))),
    ("--sort newest", SearchOptions("hội nghị", sort="newest")),
]


def run(command: list[str]) -> tuple[float, float, float]:
    """Wall seconds, the child's own peak RSS (MiB, from wait4), and the peak of the
    RSS summed over it and its worker processes (MiB, sampled every 0.1 s)."""
    started = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    tree_peak = 0
    while True:
        pid, status, usage = os.wait4(child.pid, os.WNOHANG)
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


def main() -> None:
    parser = argparse.ArgumentParser(description="lbsearch speed benchmark")
    parser.add_argument("--docs", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=20, help="runs of each query in the mix")
    parser.add_argument("--work", type=Path, help="folder to keep the corpus and indexes in")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="lbsearch-bench-"))
    corpus, index_dir = work / "corpus", work / "index"
    shutil.rmtree(index_dir, ignore_errors=True)
    if len(list(corpus.glob("*.txt"))) != args.docs:
        shutil.rmtree(corpus, ignore_errors=True)
        generate(corpus, args.docs)
    rows: list[tuple[str, str]] = []

    build, build_peak, build_all = run(lbsearch("index", str(corpus), "--index", str(index_dir)))
    rows += [("full build", f"{build:.1f} s, {args.docs / build:.0f} articles/s, "
                            f"peak {build_peak:.0f} MiB (all processes: {build_all:.0f} MiB)")]
    run(lbsearch("index", str(corpus), "--index", str(index_dir)))
    time.sleep(2.1)  # past the window in which just-written files are re-checked
    again, _, _ = run(lbsearch("index", str(corpus), "--index", str(index_dir)))
    rows += [("re-index, no change", f"{again:.2f} s")]
    added = max(1, args.docs // 100)
    generate(corpus, added, seed=99, start=args.docs)
    grow, _, _ = run(lbsearch("index", str(corpus), "--index", str(index_dir)))
    rows += [(f"re-index after adding {added} articles", f"{grow:.2f} s")]
    corpus_size, index_size = folder_bytes(corpus), folder_bytes(index_dir)
    rows += [("index size / corpus size", f"{index_size / 2**20:.0f} MiB / {corpus_size / 2**20:.0f} MiB = {index_size / corpus_size:.2f}x")]

    ix = open_index(index_dir)
    latencies = []
    for _ in range(args.repeat):
        for _, options in MIX:
            started = time.perf_counter()
            search(ix, options)
            latencies.append((time.perf_counter() - started) * 1000)
    rows += [("query p50 / p95 (in process, snippets)", f"{percentile(latencies, .5):.1f} ms / {percentile(latencies, .95):.1f} ms")]
    per_kind = {name: [] for name, _ in MIX}
    for name, options in MIX:
        for _ in range(5):
            started = time.perf_counter()
            search(ix, options)
            per_kind[name].append((time.perf_counter() - started) * 1000)
    for name, values in per_kind.items():
        rows += [(f"  {name}", f"{statistics.median(values):.1f} ms")]

    walls, peaks = [], []
    for _ in range(7):
        wall, peak, _ = run(lbsearch("search", "quy che phoi hop", "--index", str(index_dir)))
        walls.append(wall * 1000)
        peaks.append(peak)
    rows += [("`lbsearch search` wall p50", f"{statistics.median(walls):.0f} ms"),
             ("`lbsearch search` peak memory", f"{max(peaks):.0f} MiB")]

    queries = ["phối hợp", "quy che phoi hop", "công đoàn"]
    scan = []
    rg = shutil.which("rg")
    for text in queries:
        started = time.perf_counter()
        if rg:
            subprocess.run([rg, "-l", "-i", text.split()[0], str(corpus)], capture_output=True)
        else:
            wanted = [fold(w) for w in SYLLABLE_RE.findall(text)]
            for path in corpus.glob("*.txt"):
                folded = " ".join(fold(w) for w in SYLLABLE_RE.findall(path.read_text("utf-8")))
                all(w in folded for w in wanted)
        scan.append((time.perf_counter() - started) * 1000)
    ours = [statistics.median(per_kind["two words"]), statistics.median(per_kind["accent-free phrase"]),
            statistics.median(per_kind["with --district"])]
    rows += [(f"baseline: linear scan ({'ripgrep' if rg else 'Python, folded'}) p50",
              f"{statistics.median(scan):.0f} ms ({statistics.median(scan) / statistics.median(ours):.0f}x lbsearch)")]

    plain_dir = work / "plain"
    shutil.rmtree(plain_dir, ignore_errors=True)
    plain_dir.mkdir()
    started = time.perf_counter()
    plain = Baseline(corpus, plain_dir)
    plain_build = time.perf_counter() - started
    plain_times = []
    for text in queries * 5:
        started = time.perf_counter()
        plain.ids(text)
        plain_times.append((time.perf_counter() - started) * 1000)
    rows += [("baseline: plain Whoosh build", f"{plain_build:.1f} s ({build / plain_build:.2f}x lbsearch's time)"),
              ("baseline: plain Whoosh query p50 (no snippets)", f"{statistics.median(plain_times):.1f} ms"),
              ("baseline: plain Whoosh index size", f"{folder_bytes(plain_dir) / corpus_size:.2f}x corpus")]

    width = max(len(name) for name, _ in rows)
    print(f"lbsearch benchmark: {args.docs} generated articles, {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    for name, value in rows:
        print(f"{name:<{width}}  {value}")


if __name__ == "__main__":
    main()
