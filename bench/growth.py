"""What the speed benchmark measures on a corpus, for lbsearch and for plain
tantivy, and the growth table: the same figures at several sizes in one run.

Sizes share their corpus: the largest is generated once, block by block in
worker processes (bench.generate.generate_blocks), into WORK/growth/all-N, and
each smaller size is a folder of hard links to its first files
(WORK/growth/first-M). lbsearch and plain tantivy read the same files under the
same names at every size, and a smaller size's articles are a prefix of a larger
one's. A finished corpus is stamped (all-N.done, first-M.done) and reused by the
next run with the same --work; the stamp is taken away while a size is measured
(its files are edited for the re-index figures), so that an interrupted run
never leaves a changed corpus behind as a finished one.

Whole commands are timed as separate processes beside the start-up floor
(python importing typer and the engine's library) measured in the same run, and
reported above it. A mix of 28 searches of seven kinds serves both the
whole-command and the in-process figures.
"""

from __future__ import annotations

import compileall
import hashlib
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import lbsearch as lbsearch_package

from .generate import BLOCK, file_name, generate, generate_blocks


# --- processes ---------------------------------------------------------------

@dataclass
class Run:
    seconds: float
    peak: float  # MiB: the child's own peak RSS (from wait4)
    tree_peak: float  # MiB: the peak of the RSS summed over it and its workers (sampled)
    cpu: float  # seconds of processor time, its own and its workers' (they are waited for)


def run(command: list[str], sample_tree: bool = True, accept: tuple[int, ...] = (0,),
        stdout: Path | None = None) -> Run:
    """Run a command to its end. The tree is sampled every 0.1 s when sample_tree;
    the sampling rounds the wall time up to the next 0.1 s, so short commands are
    timed with a blocking wait instead."""
    out = open(stdout, "wb") if stdout else subprocess.DEVNULL
    try:
        started = time.perf_counter()
        child = subprocess.Popen(command, stdout=out, stderr=subprocess.DEVNULL)
        tree_peak = 0
        while True:
            pid, status, usage = os.wait4(child.pid, os.WNOHANG if sample_tree else 0)
            if pid:
                break
            tree_peak = max(tree_peak, tree_rss(child.pid))
            time.sleep(0.1)
        elapsed = time.perf_counter() - started
    finally:
        if stdout:
            out.close()
    code = os.waitstatus_to_exitcode(status)
    if code not in accept:
        raise SystemExit(f"benchmark step failed (exit {code}): {' '.join(command)}")
    own = usage.ru_maxrss / 1024
    return Run(elapsed, own, max(tree_peak / 2**20, own), usage.ru_utime + usage.ru_stime)


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


Parts = dict[str, list[float]]  # part of the run -> [wall seconds, processor seconds]


def now() -> tuple[float, float]:
    """Wall clock, and processor seconds of this process and its children so far.
    Processor time does not stretch with the machine's load as wall time does: on
    a loaded machine it says what a part would take alone."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.perf_counter(), own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def lap(parts: Parts, name: str, since: tuple[float, float]) -> tuple[float, float]:
    """Add the time since `since` to the part; the time now, to start the next."""
    at = now()
    took = parts.setdefault(name, [0.0, 0.0])
    took[0] += at[0] - since[0]
    took[1] += at[1] - since[1]
    return at


def lbsearch(*args: str) -> list[str]:
    return [sys.executable, "-m", "lbsearch", *args]


def folder_bytes(folder: Path) -> int:
    # os.scandir, not Path.rglob: a million files are a few seconds, not half a minute.
    total, folders = 0, [str(folder)]
    while folders:
        with os.scandir(folders.pop()) as listing:
            for entry in listing:
                if entry.is_dir(follow_symlinks=False):
                    folders.append(entry.path)
                elif entry.is_file(follow_symlinks=False):
                    total += entry.stat(follow_symlinks=False).st_size
    return total


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def load() -> str:
    return " ".join(f"{value:.1f}" for value in os.getloadavg())


def size_text(size: float) -> str:
    return f"{size / 2**30:.2f} GiB" if size >= 2**30 else f"{size / 2**20:.0f} MiB"


def spent(seconds: float) -> str:
    if seconds < 10:
        return f"{seconds:.1f} s"
    return f"{seconds:.0f} s" if seconds < 120 else f"{int(seconds // 60)} min {seconds % 60:02.0f} s"


# --- the searches ---------------------------------------------------------------

@dataclass(frozen=True)
class Search:
    kind: str
    query: str
    since: str | None = None
    district: str | None = None
    sort: str = "relevance"

    def args(self) -> list[str]:
        """The search as typed on the command line (after `lbsearch search`)."""
        typed = [self.query]
        if self.since:
            typed += ["--since", self.since]
        if self.district:
            typed += ["--district", self.district]
        if self.sort != "relevance":
            typed += ["--sort", self.sort]
        return typed

    def options(self):
        """The SearchOptions the command line makes of it: dates and districts resolved
        as the CLI resolves them."""
        from lbsearch import dates, places
        from lbsearch.query import SearchOptions

        return SearchOptions(
            self.query,
            since=dates.parse_user_date(self.since)[0] if self.since else None,
            districts=[places.resolve_district(self.district)] if self.district else [],
            sort=self.sort,
        )


# Four of each kind. Common words match most articles (the slow searches of the
# issue: "người lao động", "tổ chức công đoàn cơ sở", "LĐLĐ quận Long Biên").
MIX = [
    Search("common words", "đoàn"),
    Search("common words", "công đoàn"),
    Search("common words", "người lao động"),
    Search("common words", "hội nghị"),
    Search("accent-free words", "cong doan"),
    Search("accent-free words", "nguoi lao dong"),
    Search("accent-free words", "ky ket thi dua"),
    Search("accent-free words", "to chuc cong doan co so"),
    Search("accented phrases", "tổ chức công đoàn cơ sở"),
    Search("accented phrases", "LĐLĐ quận Long Biên"),
    Search("accented phrases", "chăm lo đời sống"),
    Search("accented phrases", "Mái ấm Công đoàn"),
    Search("quoted phrases", '"Quy chế phối hợp"'),
    Search("quoted phrases", '"người lao động"'),
    Search("quoted phrases", '"Tết Sum vầy"'),
    Search("quoted phrases", '"chương trình phối hợp"'),
    Search("--district", "công đoàn", district="Long Biên"),
    Search("--district", "hội nghị", district="Ba Đình"),
    Search("--district", "nguoi lao dong", district="Cầu Giấy"),
    Search("--district", "đoàn viên", district="Hoàn Kiếm"),
    Search("--since", "người lao động", since="2024"),
    Search("--since", "hội nghị", since="2023-06"),
    Search("--since", "cong doan", since="2025"),
    Search("--since", '"Quy chế phối hợp"', since="2022"),
    Search("--sort newest", "hội nghị", sort="newest"),
    Search("--sort newest", "công đoàn", sort="newest"),
    Search("--sort newest", "quy che phoi hop", sort="newest"),
    Search("--sort newest", "đoàn viên", since="2024", sort="newest"),
]
KINDS = list(dict.fromkeys(search.kind for search in MIX))
STATS_QUERIES = ["quy che phoi hop", "công đoàn", '"người lao động"', "LĐLĐ quận Long Biên"]
FLOOR_IMPORTS = {"tantivy": "typer, tantivy", "whoosh": "typer, whoosh.index"}


@dataclass
class Settings:
    rounds: int = 5  # in-process rounds of the mix
    command_rounds: int = 2  # timed rounds of the whole-command mix


@dataclass
class Measured:
    """One column: figure -> value as printed, and what its parts took."""

    rows: dict[str, str] = field(default_factory=dict)
    parts: Parts = field(default_factory=dict)
    raw: dict[str, float] = field(default_factory=dict)  # build seconds, its peak MiB, index bytes

    def against(self, plain: Measured) -> None:
        """Build time, its memory and the index's size as multiples of plain tantivy's, the
        terms the build and size targets are stated in."""
        ratios = " / ".join(f"{self.raw[key] / plain.raw[key]:.2f}x" for key in ("build", "peak", "size"))
        rows = list(self.rows.items())
        at = next((i + 1 for i, (name, _) in enumerate(rows) if name.startswith("index size")), len(rows))
        rows.insert(at, ("build time / memory / index size, x plain tantivy's", ratios))
        self.rows = dict(rows)


# --- plain tantivy ------------------------------------------------------------

def measure_plain(corpus: Path, folder: Path, settings: Settings) -> tuple[Measured, int]:
    """Plain tantivy's column, and the bytes of text (titles and bodies) it holds."""
    from .plain import PlainTantivy

    measured, rows = Measured(), {}
    shutil.rmtree(folder, ignore_errors=True)
    report = folder.with_name(folder.name + ".json")
    started = now()
    built = run([sys.executable, "-m", "bench.plain", str(corpus), str(folder), "--reader", "quick",
                 "--report"], stdout=report)
    started = lap(measured.parts, "plain: build", started)
    counted = json.loads(report.read_text())
    report.unlink()
    docs, text = counted["articles"], counted["text_bytes"]
    rows["articles"] = f"{docs:,}"
    rows["full build"] = f"{spent(built.seconds)}, {docs / built.seconds:,.0f}/s, CPU {spent(built.cpu)}"
    rows["build peak memory: indexer / all processes"] = f"{built.peak:.0f} / {built.tree_peak:.0f} MiB"
    measured.raw.update(build=built.seconds, peak=built.tree_peak)
    size = folder_bytes(folder)
    measured.raw["size"] = size
    rows["index size (x the files / x the text held)"] = (
        f"{size_text(size)} ({size / folder_bytes(corpus):.2f}x / {size / text:.2f}x)")
    plain = PlainTantivy(None, folder)
    for pairs, name in ((False, "query p50 / p95, in process"), (True, "plain with pair boosts: p50 / p95")):
        times = []
        for _ in range(settings.rounds):
            for search in MIX:
                began = time.perf_counter()
                plain.ids(search.query, pairs=pairs)
                times.append((time.perf_counter() - began) * 1000)
        rows[name] = f"{percentile(times, .5):.1f} / {percentile(times, .95):.1f} ms"
    lap(measured.parts, "plain: queries", started)
    measured.rows = rows
    return measured, text


# --- lbsearch -------------------------------------------------------------------

def measure_lbsearch(engine: str, corpus: Path, index_dir: Path, settings: Settings,
                     text_bytes: int | None = None) -> Measured:
    """Every figure for one engine on the articles in corpus (files named by
    bench.generate.file_name, numbered from 0). Searches are timed on the index as
    built, before the re-index figures change it."""
    measured, built_rows, sized, searched = Measured(), {}, {}, {}
    parts = measured.parts
    docs = sum(1 for name in os.listdir(corpus) if name.endswith(".txt"))
    shutil.rmtree(index_dir, ignore_errors=True)
    built_rows["articles"] = f"{docs:,}"
    index = lbsearch("index", str(corpus), "--index", str(index_dir), "--engine", engine)

    started = now()
    built = run(index)
    built_rows["full build"] = f"{spent(built.seconds)}, {docs / built.seconds:,.0f}/s, CPU {spent(built.cpu)}"
    built_rows["build peak memory: indexer / all processes"] = f"{built.peak:.0f} / {built.tree_peak:.0f} MiB"
    measured.raw.update(build=built.seconds, peak=built.tree_peak)
    started = lap(parts, f"{engine}: build", started)

    size, files = folder_bytes(index_dir), folder_bytes(corpus)
    measured.raw["size"] = size
    held = f" / {size / text_bytes:.2f}x" if text_bytes else ""
    sized["index size (x the files / x the text held)"] = f"{size_text(size)} ({size / files:.2f}x{held})"

    searched.update(in_process(index_dir, settings))
    started = lap(parts, f"{engine}: in-process queries", started)
    searched.update(_commands(engine, index_dir, settings))
    started = lap(parts, f"{engine}: whole commands", started)

    # Whoosh rewrites its index on every change (most of a small run's time): its
    # index is left behind the corpus rather than rewritten a fourth time.
    reindexed = _reindex(corpus, docs, index, undo=engine == "tantivy")
    lap(parts, f"{engine}: re-index", started)
    measured.rows = {**built_rows, **reindexed, **sized, **searched}
    return measured


def in_process(index_dir: Path, settings: Settings) -> dict[str, str]:
    """The mix's searches in this process, p50 / p95 of all and of each kind."""
    from lbsearch.index import open_index
    from lbsearch.query import search

    ix = open_index(index_dir)
    per_kind: dict[str, list[float]] = {kind: [] for kind in KINDS}
    for _ in range(settings.rounds):
        for one in MIX:
            options = one.options()
            began = time.perf_counter()
            search(ix, options)
            per_kind[one.kind].append((time.perf_counter() - began) * 1000)
    every = [value for values in per_kind.values() for value in values]
    rows = {"query p50 / p95, in process": f"{percentile(every, .5):.1f} / {percentile(every, .95):.1f} ms"}
    for kind, values in per_kind.items():
        rows[f"  {kind}: p50 / p95"] = f"{percentile(values, .5):.1f} / {percentile(values, .95):.1f} ms"
    return rows


def searches(index_dir: Path, engine: str, settings: Settings) -> dict[str, str]:
    """The search figures of the growth table, on an index already built."""
    return {**in_process(index_dir, settings), **_commands(engine, index_dir, settings)}


def _reindex(corpus: Path, docs: int, index: list[str], undo: bool = True) -> dict[str, str]:
    """Re-index with no change, after one edit, after new files; then the corpus is put
    back as it was, and with undo so is the index."""
    rows = {}
    run(index)
    time.sleep(2.1)  # past the window in which just-written files are re-checked
    rows["re-index, no change"] = f"{run(index).seconds:.2f} s"
    # Edits replace the file (a new inode), never write through it: in a folder of
    # hard links the largest corpus keeps its own text.
    edited = corpus / file_name(docs // 2)
    original = edited.read_bytes()
    added = min(1000, max(1, docs // 10))
    new_files: list[Path] = []
    try:
        _replace(edited, original + "\nThêm một câu về Quy chế phối hợp.\n".encode())
        rows["re-index, 1 edited"] = f"{run(index).seconds:.2f} s"
        new_files = generate(corpus, added, seed=99, start=docs)
        seconds = run(index).seconds
        rows["re-index, 1,000 added"] = f"{seconds:.2f} s" + ("" if added == 1000 else f" ({added:,} added)")
    finally:
        for path in new_files:
            path.unlink()
        _replace(edited, original)
    if undo:
        rows["re-index, those removed and the edit undone"] = f"{run(index).seconds:.2f} s"
    return rows


def _replace(path: Path, data: bytes) -> None:
    spare = path.with_name(path.name + ".new")
    spare.write_bytes(data)
    os.replace(spare, path)


def _commands(engine: str, index_dir: Path, settings: Settings) -> dict[str, str]:
    """Whole `lbsearch search` and `stats` processes, above the start-up floor."""
    floor_command = [sys.executable, "-c", f"import {FLOOR_IMPORTS[engine]}"]
    floors: list[float] = []

    def timed(commands: list[list[str]]) -> list[Run]:
        # A floor run after every third command: on a loaded machine the floor
        # moves with the load, and is taken at the same moments as what it is
        # subtracted from.
        results = []
        for number, command in enumerate(commands):
            results.append(run(command, sample_tree=False, accept=(0, 1)))
            if number % 3 == 2:
                floors.append(run(floor_command, sample_tree=False).seconds * 1000)
        return results

    # The package compiled as pip's install compiles it: with PYTHONDONTWRITEBYTECODE
    # set (or a read-only checkout), every command would compile lbsearch's sources
    # again, some 50 ms that the floor, importing installed packages, never pays.
    compileall.compile_dir(Path(lbsearch_package.__file__).parent, quiet=1)
    run(floor_command, sample_tree=False)
    floors += [run(floor_command, sample_tree=False).seconds * 1000 for _ in range(5)]
    # No warm-up round: the in-process rounds of the same mix, just before, have
    # brought the index's files into the page cache.
    where = ["--index", str(index_dir)]
    searches = [lbsearch("search", *one.args(), *where) for one in MIX]
    rounds = [timed(searches) for _ in range(settings.command_rounds)]
    stats = timed([lbsearch("stats", query, "--json", *where) for query in STATS_QUERIES] * 2)
    # The rest for the default engine only: Whoosh's column is kept small.
    as_json = timed([command + ["--json"] for command in searches]) if engine == "tantivy" else []
    whole = timed([lbsearch("stats", "--json", *where)] * 4) if engine == "tantivy" else []
    floor = statistics.median(floors)

    def above(results: list[Run], share: float) -> str:
        return f"{percentile([r.seconds * 1000 for r in results], share) - floor:+.0f}"

    searched = [r for results in rounds for r in results]
    medians = [statistics.median(r[i].seconds for r in rounds) * 1000 for i in range(len(MIX))]
    slowest = max(range(len(MIX)), key=medians.__getitem__)
    rows = {
        "start-up floor (python importing typer and the engine)": f"{floor:.0f} ms (median of {len(floors)})",
        f"`search` p50 / p95 above the floor ({len(MIX)} searches x {len(rounds)})":
            f"{above(searched, .5)} / {above(searched, .95)} ms",
        "`search` slowest of the mix, above the floor":
            f"{medians[slowest] - floor:+.0f} ms: {' '.join(MIX[slowest].args())}",
        "`search` peak memory (largest of the mix)": f"{max(r.peak for r in searched):.0f} MiB",
        "`stats QUERY --json` p50 / p95 above the floor":
            f"{above(stats, .5)} / {above(stats, .95)} ms, peak {max(r.peak for r in stats):.0f} MiB",
    }
    if as_json:
        rows["`search --json` p50 / p95 above the floor"] = f"{above(as_json, .5)} / {above(as_json, .95)} ms"
        rows["`stats --json` (whole index) p50 above the floor"] = f"{above(whole, .5)} ms"
    completing = {**os.environ, "_LBSEARCH_COMPLETE": "complete_bash",
                  "COMP_WORDS": "lbsearch search x --district long", "COMP_CWORD": "4"}
    started = time.perf_counter()
    for _ in range(5):
        subprocess.run(lbsearch(), env=completing, capture_output=True, check=True)
    rows["completion of --district (bash), mean"] = f"{(time.perf_counter() - started) / 5 * 1000:.0f} ms"
    return rows


# --- corpora shared by the sizes ---------------------------------------------------

def _generator_hash() -> str:
    source = Path(__file__).with_name("generate.py").read_bytes()
    return hashlib.sha1(source).hexdigest()[:12]


def _stamp(folder: Path) -> Path:
    return folder.with_name(folder.name + ".done")


def corpora(work: Path, sizes: list[int], seed: int, parts: Parts) -> dict[int, Path]:
    """A folder of the first `size` articles for each size, the largest generated
    (or a larger one reused), the others hard links into it."""
    work.mkdir(parents=True, exist_ok=True)
    wanted = {"seed": seed, "block": BLOCK, "generator": _generator_hash()}
    largest = max(sizes)
    master = None
    for stamp in sorted(work.glob("all-*.done"), key=lambda p: int(p.name[4:-5])):
        recorded = json.loads(stamp.read_text())
        if recorded.get("docs", 0) >= largest and all(recorded.get(k) == v for k, v in wanted.items()):
            master = work / stamp.name[:-5]
            break
    if master is None:
        master = work / f"all-{largest}"
        for stale in [master, *work.glob("first-*")]:
            _stamp(stale).unlink(missing_ok=True)
            shutil.rmtree(stale, ignore_errors=True)
        started = now()
        generate_blocks(master, largest, seed)
        lap(parts, "generation", started)
        seconds = parts["generation"][0]
        print(f"generated {largest:,} articles in {spent(seconds)} ({largest / seconds:,.0f}/s, "
              f"{os.cpu_count()} processes)", file=sys.stderr)
        _stamp(master).write_text(json.dumps({**wanted, "docs": largest}))
    master_docs = json.loads(_stamp(master).read_text())["docs"]
    folders = {}
    started = now()
    for size in sizes:
        if size == master_docs:
            folders[size] = master
            continue
        folder = work / f"first-{size}"
        if not _stamp(folder).exists():
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir()
            for number in range(size):
                try:
                    os.link(master / file_name(number), folder / file_name(number))
                except OSError:  # another file system, or no hard links: copy
                    shutil.copyfile(master / file_name(number), folder / file_name(number))
            _stamp(folder).write_text(json.dumps({"from": master.name}))
        folders[size] = folder
    lap(parts, "prefix folders (hard links)", started)
    return folders


class Editing:
    """While a corpus is measured its stamp is away: an interrupted run leaves it
    unstamped, to be made again, not reused with an edited or added file in it."""

    def __init__(self, folder: Path):
        self.stamp = _stamp(folder)
        self.text = None

    def __enter__(self) -> None:
        if self.stamp.exists():
            self.text = self.stamp.read_text()
            self.stamp.unlink()

    def __exit__(self, kind, value, traceback) -> None:
        if kind is None and self.text is not None:
            self.stamp.write_text(self.text)


# --- the growth run -------------------------------------------------------------

def growth(work: Path, sizes: list[int], settings: Settings, whoosh_docs: int = 0, seed: int = 7) -> None:
    """Measure lbsearch (tantivy) and plain tantivy at each size and print the table."""
    began, load_start = datetime.now(), load()
    clock_start = time.perf_counter()
    sizes = sorted(set(sizes))
    parts: Parts = {}
    folders = corpora(work / "growth", sorted({*sizes, *([whoosh_docs] if whoosh_docs else [])}), seed, parts)
    columns: dict[str, dict[str, str]] = {}
    for size in sizes:
        at_start = load()
        corpus = folders[size]
        with Editing(corpus):
            plain, text_bytes = measure_plain(corpus, work / "growth" / f"plain-{size}", settings)
            ours = measure_lbsearch("tantivy", corpus, work / "growth" / f"lbsearch-{size}", settings, text_bytes)
        ours.against(plain)
        for measured in (plain, ours):
            for name, took in measured.parts.items():
                parts[f"{size:,}: {name}"] = took
        ours.rows["load average (1 min) at start / end of the size"] = f"{at_start.split()[0]} / {load().split()[0]}"
        columns[f"{size:,} lbsearch"] = ours.rows
        columns[f"{size:,} plain tantivy"] = plain.rows
        print(f"measured {size:,} articles ({spent(time.perf_counter() - clock_start)} so far)", file=sys.stderr)
        print_table(columns, file=sys.stderr)  # a run stopped before the end still shows these
    whoosh = None
    if whoosh_docs:
        corpus = folders[whoosh_docs]
        with Editing(corpus):
            measured = measure_lbsearch("whoosh", corpus, work / "growth" / f"whoosh-{whoosh_docs}", settings)
        for name, took in measured.parts.items():
            parts[f"{whoosh_docs:,}: {name}"] = took
        whoosh = measured.rows

    print(f"lbsearch growth benchmark, {began:%Y-%m-%d %H:%M}: generated articles (bench/generate.py, "
          f"blocks of {BLOCK:,}), {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    print(f"plain tantivy: bench/plain.py, quick reader; lbsearch: tantivy engine. Work folder {work}")
    print()
    print_table(columns)
    if whoosh:
        print()
        print_table({f"{whoosh_docs:,} whoosh": whoosh})
    print()
    print_took(parts, time.perf_counter() - clock_start, load_start, load())


def print_table(columns: dict[str, dict[str, str]], file=None) -> None:
    names = list(dict.fromkeys(name for column in columns.values() for name in column))
    width = max(map(len, names))
    print(f"| {'figure':<{width}} | " + " | ".join(columns) + " |", file=file)
    print(f"|{'-' * (width + 2)}|" + "|".join("---" for _ in columns) + "|", file=file)
    for name in names:
        print(f"| {name:<{width}} | " + " | ".join(column.get(name, "") for column in columns.values()) + " |",
              file=file)


def print_took(parts: Parts, total: float, load_start: str, load_end: str) -> None:
    print(f"The run took {spent(total)} ({spent(now()[1])} of processor time); load average (1, 5, 15 min) "
          f"{load_start} at the start, {load_end} at the end ({os.cpu_count()} cores).")
    for name, (wall, cpu) in parts.items():
        print(f"  {name}: {spent(wall)} (processor {spent(cpu)})")
