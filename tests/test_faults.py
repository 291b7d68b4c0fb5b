"""Faults a real installation meets: damaged index files, full disks, leftovers, few descriptors."""

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
from lbsearch.index import IndexDamaged, IndexWriteFailed, open_index, update_index

from .conftest import SEED_FILES, seed_copies
from .test_robustness import snapshot


def largest_segment_file(index_dir: Path) -> Path:
    return max((p for p in index_dir.iterdir() if p.name.startswith("MAIN_") and p.is_file()),
               key=lambda p: p.stat().st_size)


@pytest.mark.parametrize("damage", ["truncate", "zero", "flip", "delete"])
def test_a_damaged_segment_is_detected_when_opened(corpus, tmp_path, damage):
    index_dir = tmp_path / "ix"
    update_index(corpus, index_dir)
    victim = largest_segment_file(index_dir)
    data = bytearray(victim.read_bytes())
    if damage == "truncate":
        victim.write_bytes(data[: len(data) // 2])
    elif damage == "zero":
        victim.write_bytes(bytes(len(data)))
    elif damage == "flip":
        data[len(data) // 2] ^= 0x10
        victim.write_bytes(bytes(data))
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


@pytest.mark.parametrize("budget, jobs", [(0, 1), (20_000, 1), (2_000, 2)])
def test_a_write_error_keeps_the_old_index_and_frees_the_lock(corpus, tmp_path, monkeypatch, budget, jobs):
    index_dir = tmp_path / "ix"
    update_index(corpus, index_dir)
    before = snapshot(index_dir)
    page = corpus / "000_de9231ce01b27642.txt"
    page.write_text(page.read_text("utf-8").replace("Quy chế", "Điều lệ"), "utf-8")
    shutil.copy(SEED_FILES[1], corpus / "extra.txt")

    real_create = lbindex.DurableFileStorage.create_file

    def failing_create(self, name, *args, **kwargs):
        handle = real_create(self, name, *args, **kwargs)
        handle.file = FailingFile(handle.file, budget)
        return handle

    monkeypatch.setattr(lbindex.DurableFileStorage, "create_file", failing_create)
    with pytest.raises(IndexWriteFailed, match="No space left on device"):
        update_index(corpus, index_dir, jobs=jobs)  # with 2, the worker processes fail
    monkeypatch.undo()
    assert snapshot(index_dir) == before  # the old index, whole and searchable
    open_index(index_dir).writer(timeout=0).cancel()  # no lock left behind
    update_index(corpus, index_dir)
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


def test_a_really_full_disk(corpus, tmp_path, small_disk):
    index_dir = small_disk / "ix"
    few = tmp_path / "few"
    few.mkdir()
    shutil.copy(SEED_FILES[0], few)
    update_index(few, index_dir)
    before = snapshot(index_dir)
    for n in range(100):  # far more than 1 MB of index
        shutil.copy(SEED_FILES[n % len(SEED_FILES)], few / f"copy_{n}.txt")
    with pytest.raises(IndexWriteFailed, match="No space left"):
        update_index(few, index_dir)
    assert snapshot(index_dir) == before
    for path in sorted(few.glob("copy_*"))[1:]:  # make room: the next run must just work
        path.unlink()
    report = update_index(few, index_dir)
    assert report.added == 1
    assert snapshot(index_dir) == snapshot_of_fresh(few, tmp_path)


def test_leftovers_of_a_crashed_run_do_not_block(corpus, tmp_path):
    index_dir = tmp_path / "ix"
    update_index(corpus, index_dir)
    (index_dir / "MAIN_WRITELOCK").write_text("")
    (index_dir / "MAIN.tmp").mkdir(exist_ok=True)
    (index_dir / "MAIN.tmp" / "junk.pst").write_bytes(b"\x00" * 100)
    (index_dir / f"_MAIN_{lbindex._latest_generation(index_dir) + 1}.toc.1234.5").write_bytes(b"half")
    (index_dir / "MAIN_orphan0000000000.seg").write_bytes(b"orphan")
    (index_dir / "lbsearch.json.tmp").write_text("{")
    before = snapshot(index_dir)
    shutil.copy(SEED_FILES[2], corpus / "more.txt")
    assert update_index(corpus, index_dir).added == 1
    assert snapshot(index_dir) != before
    assert not (index_dir / "MAIN_orphan0000000000.seg").exists()


def test_searches_during_indexing_see_whole_commits(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(SEED_FILES[0], corpus / "start.txt")
    index_dir = tmp_path / "ix"
    update_index(corpus, index_dir)
    script = (
        "import shutil, sys; from pathlib import Path; from lbsearch.index import update_index\n"
        f"corpus, ix, seeds = Path({str(corpus)!r}), Path({str(index_dir)!r}), {[str(p) for p in SEED_FILES]!r}\n"
        "for n in range(12):\n"
        "    shutil.copy(seeds[n % len(seeds)], corpus / f'n{n}.txt')\n"
        "    if n % 4 == 3: (corpus / f'n{n - 1}.txt').unlink()\n"
        "    update_index(corpus, ix)\n"
    )
    writer = subprocess.Popen([sys.executable, "-c", script])
    totals = []
    try:
        while writer.poll() is None:
            from lbsearch.query import SearchOptions, search

            totals.append(search(open_index(index_dir), SearchOptions("công đoàn", limit=3)).total)
    finally:
        writer.wait(timeout=60)
    assert writer.returncode == 0
    assert len(totals) > 3 and all(0 < t <= 13 for t in totals)


def test_few_file_descriptors(tmp_path):
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
        assert "80 added" in run.stdout
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
def test_ctrl_c_is_a_clean_stop(tmp_path, jobs):
    import signal

    corpus = seed_copies(tmp_path / "corpus", 400)  # still indexing when the interrupt comes
    index_dir = tmp_path / "ix"
    proc = subprocess.Popen([sys.executable, "-m", "lbsearch", "index", str(corpus), "--index", str(index_dir),
                             "--jobs", jobs], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            # A shell's background jobs ignore SIGINT, and children inherit that.
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    time.sleep(1.5)  # past the imports, into the indexing
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    if proc.returncode == 0:
        pytest.skip("the indexer finished before the interrupt arrived")
    assert proc.returncode == 130
    assert err.strip().splitlines() == ["lbsearch: error: interrupted: the index keeps its last complete state"]
    assert no_processes_naming(str(index_dir))  # no worker left behind
    assert update_index(corpus, index_dir).added == 400


def test_unreadable_metadata_is_rebuilt_not_a_dead_end(corpus, tmp_path):
    index_dir = tmp_path / "ix"
    update_index(corpus, index_dir)
    (index_dir / lbindex.META_FILE).write_text("{ not json")
    with pytest.raises(IndexDamaged, match="--rebuild"):
        open_index(index_dir)
    report = update_index(corpus, index_dir, rebuild=True)
    assert report.rebuilt and "unreadable" in report.reason
    assert snapshot(index_dir) == snapshot_of_fresh(corpus, tmp_path)
