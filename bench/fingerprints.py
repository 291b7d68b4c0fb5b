"""What the fingerprint store costs a re-index: one table.

    python -m bench.fingerprints --entries 100000 1000000 [--work /tmp/bench-fingerprints] [--repeat 2]

For N synthetic corpus files (places like "2019/gen_0001234.txt", fingerprints as
the updater writes them, listed as corpus.CorpusFile): the store's part of a
re-index with nothing changed (its header and a digest of the listing, page by
page), with one file edited, with 1,000 files added in a new folder (the pages
that differ read and checked, the store saved with the others copied), and with
every file touched (every page read and every file checked); saving it whole and
loading every entry; beside the JSON document of earlier versions, which every
run loaded whole and checked file by file.

Each step runs in a fresh process: wall and CPU seconds are its own (best of
--repeat, the others in brackets), the memory is what its process grew by at
its peak (RSS from getrusage against the RSS before the step). The machine's
load average is printed with the table: compare by CPU on a shared machine.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

from lbsearch import fingerprints
from lbsearch.corpus import CorpusFile
from lbsearch.fingerprints import Fingerprint

GENERATION = "1234/0123456789abcdef0123456789abcdef:None"


def listing(count: int) -> list[CorpusFile]:
    rng = random.Random(count)
    files = []
    for n in range(count):
        relative = f"{2015 + n % 10}/gen_{n:07d}.txt"
        files.append(CorpusFile("/corpus/" + relative, relative, 1_700_000_000_000_000_000 + rng.randrange(10**15),
                                rng.randrange(800, 6000), "/corpus", relative[:-4]))
    files.sort(key=lambda f: f.relative)
    return files


def added(count: int) -> list[CorpusFile]:
    """New files in a folder of their own, as a day's articles come."""
    return [CorpusFile(f"/corpus/2026/new_{n:04d}.txt", f"2026/new_{n:04d}.txt", 1_800_000_000_000_000_000 + n, 1234,
                       "/corpus", f"2026/new_{n:04d}") for n in range(count)]


def print_of(item: CorpusFile) -> str:
    return str(Fingerprint(item.mtime_ns, item.size, hashlib.sha1(item.relative.encode()).hexdigest(),
                           item.article_id))


def prints_of(files: list[CorpusFile]) -> dict[str, str]:
    return {f.relative: print_of(f) for f in files}


def _rss_mib() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _changed_run(folder: Path, files: list[CorpusFile], renewed: dict[str, str]) -> None:
    """The store's part of a run whose listing is files: compare, check the files of the
    pages that differ as the updater does, and save (renewed: the fingerprints of the
    files that differ, as reading them would give)."""
    found = fingerprints.open_saved(folder, GENERATION).compare(files)
    current = dict(found.known)
    listed = set()
    for item in found.checked:
        listed.add(item.relative)
        old = found.known.get(item.relative)
        if old is None or not fingerprints.unchanged(old, item.mtime_ns, item.size, item.article_id):
            current[item.relative] = renewed[item.relative]
    for gone in found.known.keys() - listed:
        del current[gone]
    fingerprints.save(folder, GENERATION + "+1", current, base=found)


def step(name: str, count: int, folder: Path) -> tuple[float, float, float]:
    """Run one step in this process: (wall seconds, CPU seconds, MiB the process grew by at its peak)."""
    files = listing(count)
    prints = prints_of(files) if name.startswith("save") else None
    if name == "one edited":
        edited = files[count // 3]
        files[count // 3] = edited._replace(mtime_ns=edited.mtime_ns + 1, size=edited.size + 7)
    elif name == "1,000 added":
        files = sorted(files + added(1000), key=lambda f: f.relative)
    elif name == "every file touched":
        files = [f._replace(mtime_ns=f.mtime_ns + 1) for f in files]
    renewed = prints_of(files) if name in ("one edited", "1,000 added", "every file touched") else {}
    old = folder / "json"  # beside the store: its save() removes an old JSON store
    old.mkdir(exist_ok=True)
    before = _rss_mib()
    started, cpu = time.perf_counter(), time.process_time()
    if name == "save":
        fingerprints.save(folder, GENERATION, prints)
    elif name == "save json":  # the store of earlier versions (durable.write_json)
        tmp = old / "fingerprints.json.tmp"
        with tmp.open("w", encoding="utf-8") as handle:
            json.dump({"generation": GENERATION, "fingerprints": prints}, handle, ensure_ascii=False)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, old / "fingerprints.json")
    elif name == "load json, check every file":  # what every run did before
        known = json.loads((old / "fingerprints.json").read_text("utf-8"))["fingerprints"]
        assert all(Fingerprint.parse(known[f.relative]).unchanged(f.mtime_ns, f.size, f.article_id) for f in files)
    elif name == "load every entry":
        assert len(fingerprints.read_saved(folder, GENERATION)) == count
    elif name == "nothing changed":
        found = fingerprints.open_saved(folder, GENERATION).compare(files)
        assert found.unchanged == count and not found.known
    elif name in ("one edited", "1,000 added", "every file touched"):
        _changed_run(folder / "copy", files, renewed)
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    return wall, cpu, max(0.0, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 - before)


STEPS = [
    ("save json", "JSON document (before): save"),
    ("load json, check every file", "JSON document (before): load, check every file (each run)"),
    ("save", "store: save whole"),
    ("load every entry", "store: load every entry"),
    ("nothing changed", "store: nothing changed (header, digest of the listing)"),
    ("one edited", "store: one file edited (compare, 1 page checked, save)"),
    ("1,000 added", "store: 1,000 added in a new folder (compare, check, save)"),
    ("every file touched", "store: every file touched (every page read, checked, saved)"),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--work", type=Path, default=Path("/tmp/bench-fingerprints"))
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--step", nargs=3, help=argparse.SUPPRESS)  # NAME COUNT FOLDER: one step, in this process
    args = parser.parse_args()
    if args.step:
        name, count, folder = args.step
        print(json.dumps(step(name, int(count), Path(folder))))
        return
    rows: dict[str, list[str]] = {}
    sizes: list[str] = []
    loads = [os.getloadavg()[0]]
    for count in args.entries:
        folder = args.work / str(count)
        (folder / "copy").mkdir(parents=True, exist_ok=True)
        for name, label in STEPS:
            runs = []
            for _ in range(args.repeat):
                if name in ("one edited", "1,000 added", "every file touched"):  # each starts from the saved store
                    (folder / "copy" / fingerprints.FILE).write_bytes((folder / fingerprints.FILE).read_bytes())
                runs.append(json.loads(subprocess.run(
                    [sys.executable, "-m", "bench.fingerprints", "--step", name, str(count), str(folder)],
                    check=True, capture_output=True, text=True).stdout))
                loads.append(os.getloadavg()[0])
            runs.sort(key=lambda r: r[1])
            rows.setdefault(label, []).append(
                f"{runs[0][0]:.2f} s / {runs[0][1]:.2f} s CPU"
                + (f" ({', '.join(f'{r[0]:.2f}/{r[1]:.2f}' for r in runs[1:])})" if runs[1:] else "")
                + f", +{max(r[2] for r in runs):.0f} MiB")
        sizes.append(f"{(folder / 'json' / 'fingerprints.json').stat().st_size / 2**20:.0f} / "
                     f"{(folder / fingerprints.FILE).stat().st_size / 2**20:.0f} MiB")
    width = max(map(len, rows))
    print(f"load average {min(loads):.1f}-{max(loads):.1f}; wall / CPU, best of {args.repeat} by CPU (others)")
    print(f"| {'step':<{width}} | " + " | ".join(f"{c:,} files" for c in args.entries) + " |")
    print(f"|{'-' * (width + 2)}|" + "|".join("---" for _ in args.entries) + "|")
    for label, values in rows.items():
        print(f"| {label:<{width}} | " + " | ".join(values) + " |")
    print(f"| {'file size: JSON / store':<{width}} | " + " | ".join(sizes) + " |")


if __name__ == "__main__":
    main()
