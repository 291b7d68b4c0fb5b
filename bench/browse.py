"""Speed of `lbsearch browse`: keystroke to results on screen, and the first screen.

    python -m bench.browse --docs 100000 --work /tmp/lbsearch-bench

Builds (or reuses, in --work) a corpus of generated articles (bench/generate.py) and
its index, then:

- In process, with Textual's pilot (App.run_test): types queries letter by letter and
  times each keystroke from the key event to the first frame the screen composes
  with the answer to that keystroke (the app's frame hook; headless, so the frame is
  composed but not written to a terminal). Twice: one key at a time, each after the
  screen (counts included) has settled; and at a brisk typist's pace, a key every
  --pace ms whatever happens, timed to the first frame showing that key's answer or
  a later one's. Split by what the screen then showed: hits, nothing matched (the
  did-you-mean is part of the answer), an error line.
- Whole processes in a pseudo-terminal: from starting `lbsearch browse QUERY` to its
  first frame and to the frame holding its hits, with Python's compiled bytecode kept
  between runs (as an installed lbsearch has it, even where PYTHONDONTWRITEBYTECODE is
  set; --no-kept-bytecode times it without).

Each part says the machine's load average (one minute) before and after it: on a busy
machine the wall times are longer than the processor times, which are given beside them.
"""

from __future__ import annotations

import argparse
import asyncio
import fcntl
import gc
import os
import pty
import re
import select
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from pathlib import Path

from lbsearch.index import open_index
from lbsearch.query import SearchOptions

from .generate import generate

QUERIES = ["quy che phoi hop", "công đoàn", "Long Biên", "hội nghị", "người lao động", '"phối hợp"', "ky ket"]
SIZE = (100, 30)
ANSI_RE = re.compile(rb"\x1b(?:\[[0-9;?<=>$ ]*[A-Za-z~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|P[^\x1b]*\x1b\\|[()][A-Z0-9]|.)")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def summary(values: list[float]) -> str:
    if not values:
        return "none"
    return (f"p50 {statistics.median(values):.1f} ms, p95 {percentile(values, .95):.1f} ms, "
            f"max {max(values):.1f} ms (n={len(values)})")


def prepare(docs: int, work: Path, engine: str) -> Path:
    """The index of a generated corpus of docs articles, built once and kept in work."""
    corpus, index_dir = work / f"corpus-{docs}", work / f"index-{engine}-{docs}"
    if len(list(corpus.glob("*.txt"))) != docs:
        generate(corpus, docs)
    try:
        open_index(index_dir)
    except Exception:  # none yet, or one this lbsearch cannot read: (re)built
        subprocess.run([sys.executable, "-m", "lbsearch", "index", str(corpus), "--index", str(index_dir),
                        "--engine", engine, "--rebuild"], check=True)
    return index_dir


def key_event(character: str):
    from textual import events

    return events.Key("space" if character == " " else character, character)


class Frames:
    """Wraps the app's frame hook: the time of every frame, with the generation of the
    answer the search screen held when it was composed."""

    def __init__(self, app):
        self.app = app
        self.seen: list[tuple[float, float, int]] = []  # wall time, CPU time, generation shown
        display = app._display

        def timed(screen, renderable):
            display(screen, renderable)
            if renderable is not None:
                self.seen.append((time.perf_counter(), time.process_time(), app.search_screen.shown_generation))

        app._display = timed

    def first_at_or_after(self, generation: int, since: float) -> tuple[float, float] | None:
        """The wall and CPU time of the first frame since then showing that answer or a later one."""
        return next(((t, cpu) for t, cpu, g in self.seen if t >= since and g >= generation), None)


def kind_of(screen) -> str:
    result = screen.result
    if result is None:
        return "error or empty"
    return "hits" if result.total else "nothing matched"


async def typing(index_dir: Path, pace_ms: float | None) -> dict[str, list[float]]:
    """Milliseconds from each keystroke to the frame with its answer, by what was shown;
    under "CPU", the processor time the process (all its threads) spent meanwhile."""
    from lbsearch import browse
    from lbsearch.browse_app import BrowseApp

    # As `lbsearch browse` starts the app (browse.run): no cycle collection until the first frame.
    gc.disable()
    app = BrowseApp(open_index(index_dir), SearchOptions(""), after_first_frame=browse.collect_from_now)
    timings: dict[str, list[float]] = {}
    async with app.run_test(size=SIZE) as pilot:
        screen = app.search_screen
        frames = Frames(app)

        async def settled() -> None:
            while not screen.settled:
                await asyncio.sleep(0.002)
            await pilot.pause()

        await settled()
        for query in QUERIES:
            await pilot.press("ctrl+u")
            await settled()
            pending: list[tuple[float, int]] = []
            for character in query:
                started, cpu = time.perf_counter(), time.process_time()
                if pace_ms is None:
                    await pilot.press(character)
                    generation = screen.generation
                    while frames.first_at_or_after(generation, started) is None:
                        await asyncio.sleep(0.001)
                    shown, shown_cpu = frames.first_at_or_after(generation, started)
                    timings.setdefault(kind_of(screen), []).append((shown - started) * 1000)
                    timings.setdefault("CPU", []).append((shown_cpu - cpu) * 1000)
                    await settled()
                else:
                    app._driver.send_message(key_event(character))
                    await asyncio.sleep(0.001)
                    pending.append((started, screen.generation))
                    await asyncio.sleep(max(0.0, pace_ms / 1000 - (time.perf_counter() - started)))
            if pace_ms is not None:
                await settled()
                for started, generation in pending:
                    shown, _ = frames.first_at_or_after(generation, started)
                    timings.setdefault("paced", []).append((shown - started) * 1000)
        await pilot.press("ctrl+c")
    gc.enable()
    return timings


def load() -> str:
    return f"{os.getloadavg()[0]:.2f}"


def cpu_ms(pid: int) -> float:
    """Processor time a process has used so far (user and system), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")


def first_screens(index_dir: Path, runs: int,
                  bytecode: bool = True) -> tuple[list[float], list[float], list[float], str]:
    """Milliseconds from starting the command to its first frame and to its hits, in a
    pseudo-terminal of SIZE, and the processor time it had used by then; and which
    command was run. bytecode: Python keeps the modules it compiles (in a folder of its
    own, so that the checkout stays clean), and only the first run, not counted, compiles
    them; else PYTHONDONTWRITEBYTECODE=1."""
    command = [sys.executable, "-m", "lbsearch", "browse", "quy che phoi hop", "--index", str(index_dir)]
    what = "lbsearch browse"
    env = {k: v for k, v in os.environ.items()
           if k not in ("NO_COLOR", "COLUMNS", "LINES", "PYTHONPYCACHEPREFIX")}
    env["TERM"] = "xterm-256color"
    first, hits, cpu = [], [], []
    with tempfile.TemporaryDirectory(prefix="lbsearch-browse-bytecode-") as kept:
        if bytecode:
            env.pop("PYTHONDONTWRITEBYTECODE", None)
            env["PYTHONPYCACHEPREFIX"] = kept
        else:
            env["PYTHONDONTWRITEBYTECODE"] = "1"
        for _ in range(runs + 1):  # the first run warms the caches and is not counted
            shown = _start(command, env)
            if shown is None:
                raise SystemExit(f"no screen from {what}")
            at_first, at_hits, used = shown
            first.append(at_first)
            hits.append(at_hits)
            cpu.append(used)
    return first[1:], hits[1:], cpu[1:], what


def _start(command: list[str], env: dict[str, str]) -> tuple[float, float, float] | None:
    """One start of the command in a pseudo-terminal, quit with Ctrl+C once its hits are
    shown: milliseconds to its first frame and to its hits, and its processor time then."""
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", SIZE[1], SIZE[0], 0, 0))
    started = time.perf_counter()
    process = subprocess.Popen(command, stdin=follower, stdout=follower, stderr=follower, env=env,
                               close_fds=True, start_new_session=True)
    os.close(follower)
    seen, at_first, at_hits, used = b"", None, None, 0.0
    deadline = started + 30
    while at_hits is None and time.perf_counter() < deadline:
        ready, _, _ = select.select([leader], [], [], 0.5)
        if not ready:
            continue
        try:
            seen += os.read(leader, 65536)
        except OSError:
            break
        plain = ANSI_RE.sub(b"", seen)
        if at_first is None and b"order relevance" in plain:
            at_first = time.perf_counter()
        if b" matches" in plain:
            at_hits = time.perf_counter()
            used = cpu_ms(process.pid)
    os.write(leader, b"\x03")  # Ctrl+C
    deadline = time.perf_counter() + 10
    while process.poll() is None and time.perf_counter() < deadline:
        if select.select([leader], [], [], 0.1)[0]:
            try:
                os.read(leader, 65536)
            except OSError:
                break
    process.wait(timeout=10)
    os.close(leader)
    if at_first is None or at_hits is None:
        print(ANSI_RE.sub(b"", seen)[-300:].decode("utf-8", "replace"), file=sys.stderr)
        return None
    return (at_first - started) * 1000, (at_hits - started) * 1000, used


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=20_000)
    parser.add_argument("--engine", default="tantivy")
    parser.add_argument("--work", type=Path, help="folder keeping the corpus and index between runs")
    parser.add_argument("--pace", type=float, default=150, help="milliseconds between keys when typing briskly")
    parser.add_argument("--starts", type=int, default=5, help="whole-process starts to time")
    parser.add_argument("--index", type=Path, help="time this index instead of a generated one")
    parser.add_argument("--no-kept-bytecode", action="store_true",
                        help="start the command with PYTHONDONTWRITEBYTECODE=1: modules without a "
                             "__pycache__ are compiled at every start")
    args = parser.parse_args()
    index_dir = args.index or prepare(args.docs, args.work or Path(tempfile.mkdtemp(prefix="lbsearch-browse-")),
                                      args.engine)
    print(f"lbsearch browse: {index_dir}, {os.cpu_count()} cores, terminal {SIZE[0]}x{SIZE[1]}")
    before = load()
    one_by_one = asyncio.run(typing(index_dir, None))
    cpu = one_by_one.pop("CPU")
    every = [ms for values in one_by_one.values() for ms in values]
    print(f"keystroke to frame, one key at a time (load {before} to {load()}): {summary(every)}")
    for kind, values in sorted(one_by_one.items()):
        print(f"  {kind}: {summary(values)}")
    print(f"  processor time meanwhile: {summary(cpu)}")
    before = load()
    paced = asyncio.run(typing(index_dir, args.pace))
    print(f"keystroke to frame, a key every {args.pace:.0f} ms (load {before} to {load()}): "
          f"{summary(paced['paced'])}")
    before = load()
    first, hits, cpu, what = first_screens(index_dir, args.starts, bytecode=not args.no_kept_bytecode)
    kept = "PYTHONDONTWRITEBYTECODE=1" if args.no_kept_bytecode else "bytecode kept"
    print(f"start of {what} to its first frame ({kept}; load {before} to {load()}): {summary(first)}")
    print(f"  to the frame with its hits: {summary(hits)}")
    print(f"  processor time used by then: {summary(cpu)}")


if __name__ == "__main__":
    main()
