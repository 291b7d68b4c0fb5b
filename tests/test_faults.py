"""Faults a real installation meets: damaged index files, full disks, leftovers, few descriptors.

Every test runs on both engines (through the `engine` or `corpus` fixture) unless
its docstring says why it cannot.
"""

import errno
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from lbsearch import index as lbindex
from lbsearch import reading
from lbsearch.engines import whoosh as whoosh_engine
from lbsearch.index import open_index
from lbsearch.errors import IndexDamaged, IndexWriteFailed
from lbsearch.query import SearchOptions, search
from lbsearch.updater import update_index

from .conftest import (SEED_FILES, commit_files, largest_segment_file, root_file, seed_copies, stray_files,
                       write_lock_is_free)
from .test_robustness import snapshot


def damage_file(victim: Path, data: bytes) -> None:
    """The file's content replaced, as a disk error would leave it. Written beside it and
    renamed over it: this process may still map the old file (tantivy memory-maps
    segments and lets a mapping go some time after its reader), and a file cut short
    under a mapping kills the process with SIGBUS, which is no test of lbsearch."""
    tmp = victim.with_name(victim.name + ".damaged")
    tmp.write_bytes(data)
    os.replace(tmp, victim)


@pytest.mark.parametrize("damage", ["truncate", "zero", "flip", "delete", "root"])
def test_a_damaged_segment_is_detected_when_opened(corpus, tmp_path, damage):
    index_dir = tmp_path / "ix"
    update_index(corpus, index_dir)
    # "root": the file that names the commit's segments (Whoosh's TOC, tantivy's meta.json), cut short.
    victim = root_file(index_dir) if damage == "root" else largest_segment_file(index_dir)
    data = bytearray(victim.read_bytes())
    if damage in ("truncate", "root"):
        damage_file(victim, data[: len(data) // 2])
    elif damage == "zero":
        damage_file(victim, bytes(len(data)))
    elif damage == "flip":
        data[len(data) // 2] ^= 0x10
        damage_file(victim, bytes(data))
    else:
        victim.unlink()
    with pytest.raises(IndexDamaged, match="--rebuild"):
        open_index(index_dir)
    update_index(corpus, index_dir, rebuild=True)
    assert snapshot(index_dir) == snapshot_of_fresh(corpus, tmp_path)


def snapshot_of_fresh(corpus, tmp_path):
    fresh = tmp_path / "fresh"
    if not fresh.exists():
        update_index(corpus, fresh)
    return snapshot(fresh)


def test_a_touched_but_intact_index_still_opens(corpus, tmp_path):
    index_dir = tmp_path / "ix"
    update_index(corpus, index_dir)
    for path in index_dir.iterdir():
        os.utime(path)
    assert snapshot(index_dir) == snapshot_of_fresh(corpus, tmp_path)


class FailingFile:
    """Stands for a file on a disk that fills up after a few kilobytes."""

    def __init__(self, real, budget):
        self.real, self.budget = real, budget

    def write(self, data):
        self.budget -= len(data)
        if self.budget < 0:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return self.real.write(data)

    def __getattr__(self, name):
        return getattr(self.real, name)


@pytest.mark.parametrize("engine", ["whoosh"], indirect=True)
@pytest.mark.parametrize("budget, jobs", [(0, 1), (20_000, 1), (2_000, 2)])
def test_a_write_error_keeps_the_old_index_and_frees_the_lock(corpus, tmp_path, monkeypatch, budget, jobs):
    """Whoosh only: the disk fills up after `budget` bytes of any file the engine creates,
    which only Whoosh's Python file storage lets a test arrange. tantivy writes from Rust:
    it meets a really full disk in test_a_really_full_disk, and an error mid-update in
    test_an_error_mid_update_keeps_the_old_index_and_frees_the_lock."""
    index_dir = tmp_path / "ix"
    update_index(corpus, index_dir)
    before = snapshot(index_dir)
    page = corpus / "000_de9231ce01b27642.txt"
    page.write_text(page.read_text("utf-8").replace("Quy chế", "Điều lệ"), "utf-8")
    shutil.copy(SEED_FILES[1], corpus / "extra.txt")

    real_create = whoosh_engine.DurableFileStorage.create_file

    def failing_create(self, name, *args, **kwargs):
        handle = real_create(self, name, *args, **kwargs)
        handle.file = FailingFile(handle.file, budget)
        return handle

    with monkeypatch.context() as patch:  # not monkeypatch.undo(): that would drop the engine too
        patch.setattr(whoosh_engine.DurableFileStorage, "create_file", failing_create)
        with pytest.raises(IndexWriteFailed, match="No space left on device"):
            update_index(corpus, index_dir, jobs=jobs)  # with 2, the worker processes fail
    assert snapshot(index_dir) == before  # the old index, whole and searchable
    assert write_lock_is_free(index_dir)  # no lock left behind
    left = stray_files(index_dir)
    assert not left, f"files of the failed run are left behind: {sorted(left)}"
    update_index(corpus, index_dir)
    assert snapshot(index_dir) == snapshot_of_fresh(corpus, tmp_path)
    assert stray_files(index_dir) == set()


@pytest.mark.parametrize("jobs", [1, 2])
def test_an_error_mid_update_keeps_the_old_index_and_frees_the_lock(corpus, tmp_path, monkeypatch, engine, jobs):
    """An OSError once the engine has taken new articles (with 2 jobs, raised in a worker
    process): nothing of the run is committed or left on disk, and the lock is free.
    Only additions: an edit would also compare deletions, which test_robustness does."""
    index_dir = tmp_path / "ix"
    update_index(corpus, index_dir)
    before = snapshot(index_dir)
    # tantivy's workers hand their results over in batches of 64 files: with 2 jobs, a
    # whole batch reaches the writer before the failing file. Whoosh's workers each
    # write a segment of half the files, one of which fails.
    added = 70 if (engine, jobs) == ("tantivy", 2) else 8
    seed_copies(corpus, added)  # 000.txt, 001.txt...
    shutil.copy(SEED_FILES[1], corpus / "zz_fails.txt")  # read last

    real_call = reading.FileReader.__call__

    def failing_call(self, item):
        if os.path.basename(item.path) == "zz_fails.txt":
            raise OSError(errno.EIO, os.strerror(errno.EIO))
        return real_call(self, item)

    with monkeypatch.context() as patch:
        patch.setattr(reading.FileReader, "__call__", failing_call)
        with pytest.raises(IndexWriteFailed, match="Input/output error"):
            update_index(corpus, index_dir, jobs=jobs)
    assert snapshot(index_dir) == before
    assert write_lock_is_free(index_dir)
    left = stray_files(index_dir)
    assert not left, f"files of the failed run are left behind: {sorted(left)}"
    assert update_index(corpus, index_dir).added == added + 1
    assert snapshot(index_dir) == snapshot_of_fresh(corpus, tmp_path)


@pytest.fixture
def small_disk(tmp_path):
    mount = tmp_path / "disk"
    mount.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)],
                      capture_output=True).returncode != 0:
        pytest.skip("this machine does not let the test mount a small filesystem")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], capture_output=True)


def test_a_really_full_disk(engine, tmp_path, small_disk):
    index_dir = small_disk / "ix"
    few = tmp_path / "few"
    few.mkdir()
    shutil.copy(SEED_FILES[0], few)
    update_index(few, index_dir)
    before = snapshot(index_dir)
    copies = 300 if engine == "tantivy" else 100  # far more than 1 MB of index: tantivy's is smaller
    for n in range(copies):
        shutil.copy(SEED_FILES[n % len(SEED_FILES)], few / f"copy_{n}.txt")
    failure = None
    try:
        update_index(few, index_dir)
    except Exception as err:  # any kind: it is checked last, after the state
        # Not the exception itself: its traceback would keep the failed writer's files open.
        failure = (type(err), f"{type(err).__name__}: {err}")
    assert failure is not None, "the update did not fail: the test's disk was not filled"
    assert snapshot(index_dir) == before
    assert stray_files(index_dir) == set()  # the space the next run needs is given back
    assert write_lock_is_free(index_dir)
    for path in sorted(few.glob("copy_*"))[1:]:  # make room: the next run must just work
        path.unlink()
    report = update_index(few, index_dir)
    assert report.added == 1
    assert snapshot(index_dir) == snapshot_of_fresh(few, tmp_path)
    kind, message = failure  # checked last: the promises above do not depend on it
    assert issubclass(kind, IndexWriteFailed) and "No space left" in message, (
        f"a full disk must be an IndexWriteFailed (one line, exit status 2), not {message}"
    )


def test_leftovers_of_a_crashed_run_do_not_block(corpus, tmp_path, engine):
    index_dir = tmp_path / "ix"
    update_index(corpus, index_dir)
    (index_dir / lbindex.LOCK_FILE).write_text("4242\n")  # a dead run's lock file: its flock died with it
    (index_dir / "lbsearch.json.tmp").write_text("{")
    if engine == "whoosh":
        orphan = index_dir / "MAIN_orphan0000000000.seg"
        (index_dir / "MAIN_WRITELOCK").write_text("")
        (index_dir / "MAIN.tmp").mkdir(exist_ok=True)
        (index_dir / "MAIN.tmp" / "junk.pst").write_bytes(b"\x00" * 100)
        (index_dir / f"_MAIN_{whoosh_engine.generation(index_dir) + 1}.toc.1234.5").write_bytes(b"half")
        orphan.write_bytes(b"orphan")
    else:
        orphan = index_dir / "0123456789abcdef0123456789abcdef.idx"  # a segment no meta.json names
        (index_dir / ".tantivy-writer.lock").write_text("4242\n")
        orphan.write_bytes(b"orphan\x00" * 100)
        (index_dir / "meta.json.tmp").write_text('{"segments": [{"segment_id": "0123')
        (index_dir / ".tmpK3b9Qz").write_text('{"index_settings": {"docstore_compr')  # tantivy's own temporary name
    before = snapshot(index_dir)  # the leftovers do not stop a search
    shutil.copy(SEED_FILES[2], corpus / "more.txt")
    assert update_index(corpus, index_dir).added == 1
    after = snapshot(index_dir)
    assert after != before
    assert after == snapshot_of_fresh(corpus, tmp_path)
    if engine == "whoosh":
        assert not orphan.exists()  # Whoosh's commit removes what no commit names
    else:
        assert orphan not in commit_files(index_dir)


def test_searches_during_indexing_see_whole_commits(tmp_path, engine):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(SEED_FILES[0], corpus / "start.txt")
    index_dir = tmp_path / "ix"
    update_index(corpus, index_dir)
    script = (
        "import shutil, sys; from pathlib import Path; from lbsearch.updater import update_index\n"
        f"corpus, ix, seeds = Path({str(corpus)!r}), Path({str(index_dir)!r}), {[str(p) for p in SEED_FILES]!r}\n"
        "for n in range(12):\n"
        "    shutil.copy(seeds[n % len(seeds)], corpus / f'n{n}.txt')\n"
        "    if n % 4 == 3: (corpus / f'n{n - 1}.txt').unlink()\n"
        "    update_index(corpus, ix)\n"
    )
    writer = subprocess.Popen([sys.executable, "-c", script])  # $LBSEARCH_ENGINE picks its engine
    totals = []
    try:
        while writer.poll() is None:
            from lbsearch.query import SearchOptions, search

            totals.append(search(open_index(index_dir), SearchOptions("công đoàn", limit=3)).total)
    finally:
        writer.wait(timeout=60)
    assert writer.returncode == 0
    assert len(totals) > 3 and all(0 < t <= 13 for t in totals)
    assert lbindex.recorded_engine(index_dir) == engine


def test_few_file_descriptors(tmp_path, engine):
    corpus = seed_copies(tmp_path / "corpus", 80)

    def limit():
        resource.setrlimit(resource.RLIMIT_NOFILE, (64, 64))

    run = subprocess.run(
        [sys.executable, "-m", "lbsearch", "index", str(corpus), "--index", str(tmp_path / "ix")],
        preexec_fn=limit, capture_output=True, text=True, timeout=120,
    )
    assert run.returncode in (0, 2), run.stderr
    assert "Traceback" not in run.stderr
    if run.returncode == 0:
        assert "80 added" in run.stdout and f"({engine})" in run.stdout
    else:
        assert run.stderr.count("\n") == 1


def test_huge_and_vanishing_files(corpus, tmp_path):
    from lbsearch.extract import MAX_FILE_BYTES

    (corpus / "huge.txt").write_bytes(b"a" * (MAX_FILE_BYTES + 1))
    (corpus / "one_line.txt").write_text("Tiêu đề dài\n" + "Gia Lâm công đoàn " * 30_000, "utf-8")
    doomed = corpus / "zz_vanishes.txt"
    shutil.copy(SEED_FILES[0], doomed)
    warnings = []

    def on_progress(done, total):
        doomed.unlink(missing_ok=True)  # deleted between the listing and its reading

    started = time.monotonic()
    report = update_index(corpus, tmp_path / "ix", on_warning=warnings.append, on_progress=on_progress)
    assert time.monotonic() - started < 30
    assert report.added == 6 and report.skipped == 2
    assert any("huge.txt" in w and "larger than" in w for w in warnings)
    assert any("zz_vanishes.txt" in w and "cannot read" in w for w in warnings)


def processes_naming(text: str) -> list[int]:
    """Live processes whose command line contains text."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and text.encode() in (entry / "cmdline").read_bytes():
                if "Z" not in (entry / "stat").read_text().split(")")[-1].split()[0]:
                    found.append(int(entry.name))
        except OSError:
            pass
    return found


def no_processes_naming(text: str, wait: float = 5.0) -> bool:
    deadline = time.monotonic() + wait
    while processes_naming(text):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_ctrl_c_is_a_clean_stop(tmp_path, engine, jobs):
    import signal

    # Still indexing when the interrupt comes: tantivy indexes about five times as fast.
    files = 1000 if engine == "tantivy" else 300
    corpus = seed_copies(tmp_path / "corpus", files)
    index_dir = tmp_path / "ix"
    proc = subprocess.Popen([sys.executable, "-m", "lbsearch", "index", str(corpus), "--index", str(index_dir),
                             "--jobs", jobs], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            # A shell's background jobs ignore SIGINT, and children inherit that.
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    time.sleep(1.5)  # past the imports, into the indexing
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    if proc.returncode == 0 or out.startswith("indexed "):
        # Finished; an interrupt while Python shuts down kills it with the signal's own status.
        pytest.skip("the indexer finished before the interrupt arrived")
    assert proc.returncode == 130
    # The second line comes when the interrupt lands after the indexing, as the report is printed.
    assert err.strip().splitlines() in (["lbsearch: error: interrupted: the index keeps its last complete state"],
                                        ["lbsearch: error: interrupted"])
    assert no_processes_naming(str(index_dir))  # no worker left behind
    # The interrupt may come after the commit, while copies are grouped: then the
    # articles are in and the next run only completes the copies.
    report = update_index(corpus, index_dir)
    assert report.added + report.unchanged == files
    assert len(open_index(index_dir).copies.groups) == len(SEED_FILES)
    assert lbindex.recorded_engine(index_dir) == engine


def test_unreadable_metadata_is_rebuilt_not_a_dead_end(corpus, tmp_path):
    index_dir = tmp_path / "ix"
    update_index(corpus, index_dir)
    (index_dir / lbindex.META_FILE).write_text("{ not json")
    with pytest.raises(IndexDamaged, match="--rebuild"):
        open_index(index_dir)
    report = update_index(corpus, index_dir, rebuild=True)
    assert report.rebuilt and "unreadable" in report.reason
    assert snapshot(index_dir) == snapshot_of_fresh(corpus, tmp_path)


def test_an_engine_switch_killed_at_any_moment_leaves_an_index_that_answers(tmp_path, engine):
    """A rebuild is built beside the index and swapped in whole: killed (SIGKILL, Ctrl-C)
    at any moment, the folder holds the old index or the new one, and the next run
    removes what the killed one left beside it."""
    import signal

    from bench.generate import generate

    corpus = tmp_path / "corpus"
    generate(corpus, 400)
    index_dir = tmp_path / "ix"
    other = "whoosh" if engine == "tantivy" else "tantivy"
    update_index(corpus, index_dir, engine=other)
    command = [sys.executable, "-m", "lbsearch", "index", str(corpus), "--index", str(index_dir), "--engine", engine]
    for moment, sig in ((0.6, signal.SIGKILL), (1.0, signal.SIGINT), (1.6, signal.SIGKILL)):
        proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
        time.sleep(moment)
        proc.send_signal(sig)
        proc.wait(timeout=60)
        answered = search(open_index(index_dir), SearchOptions("công đoàn", limit=1))
        assert answered.total > 0, (moment, sig)
        assert lbindex.recorded_engine(index_dir) in (engine, other)
    report = update_index(corpus, index_dir, engine=engine)
    assert lbindex.recorded_engine(index_dir) == engine
    assert report.rebuilt or report.unchanged == 400
    assert sorted(p.name for p in tmp_path.iterdir()) == ["corpus", "ix"]  # nothing left beside
