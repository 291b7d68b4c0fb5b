"""The fingerprint store beside an index: what a re-index trusts to skip reading the
corpus again. It gives back exactly what was saved, for the commit it was saved
with only, survives a kill mid-save, and tells from its header which pages of the
corpus changed: a run with nothing changed reads no entry, and every touched,
edited, added or removed file is still found. An index of an earlier version (its
fingerprints.json) keeps working."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from lbsearch import engines, fingerprints
from lbsearch import index as lbindex
from lbsearch.fingerprints import RACY, Fingerprint
from lbsearch.updater import update_index

from .conftest import SEEDS

HASH = "0123456789abcdef0123456789abcdef01234567"


@dataclass(frozen=True)
class Listed:
    """A corpus file as the listing gives it."""

    relative: str
    mtime_ns: int | None
    size: int | None
    article_id: str


def corpus_of(count: int, mtime: int = 1_700_000_000_000_000_000) -> list[Listed]:
    files = [Listed(f"{n % 7}/bài {n:05d}.txt", mtime + n, 1000 + n, f"{n % 7}/bài {n:05d}") for n in range(count)]
    return sorted(files, key=lambda f: f.relative)


def prints_of(files: list[Listed]) -> dict[str, str]:
    return {f.relative: str(Fingerprint(f.mtime_ns, f.size, HASH, f.article_id)) for f in files}


ODD = {
    "news:2024/05/quy chế.txt": f"1:2:{HASH}:news:2024/05/quy chế",  # a collection prefix: ids hold colons
    "dòng\nmới.md": f"{RACY}:10:{HASH}:dòng\nmới",
    "tab\there.json": f"3:4:{HASH}:tab\there.json#7",
    "lỗi\udcff.txt": f"5:6:{HASH}:lỗi\udcff",  # a name that was not UTF-8 on disk
}


# --- the store ---------------------------------------------------------------------------


def test_what_is_saved_comes_back_for_its_commit_only(tmp_path):
    fingerprints.save(tmp_path, "7/abc", ODD)
    assert fingerprints.read_saved(tmp_path, "7/abc") == ODD
    assert fingerprints.read_saved(tmp_path, "8/abd") is None  # another commit: the index is asked instead
    assert fingerprints.read_saved(tmp_path, None) is None
    fingerprints.save(tmp_path, 3, {})  # Whoosh numbers its commits
    assert fingerprints.read_saved(tmp_path, 3) == {}
    assert fingerprints.read_saved(tmp_path, "3") is None
    prints = prints_of(corpus_of(5_000))
    fingerprints.save(tmp_path, "g", prints, skipped=["empty.txt"])
    saved = fingerprints.open_saved(tmp_path, "g")
    assert saved.fingerprints() == prints and saved.skipped == {"empty.txt"}
    assert len(saved.pages) == 5_000 // fingerprints.PAGE


def test_a_store_cut_short_or_damaged_is_not_trusted(tmp_path):
    files = corpus_of(3_000)
    fingerprints.save(tmp_path, "g", prints_of(files))
    store = tmp_path / fingerprints.FILE
    data = store.read_bytes()
    for cut in (len(data) - 1, len(data) - 100, len(data) // 2, 40, 0):
        store.write_bytes(data[:cut])
        assert fingerprints.open_saved(tmp_path, "g") is None, cut
    store.write_bytes(data[:-90] + data[-90:].replace(b"3", b"4", 1))  # in the header
    assert fingerprints.open_saved(tmp_path, "g") is None
    # A damaged page: the header still says which pages match, but the page is not trusted.
    store.write_bytes(data[:10] + b"X" + data[11:])
    saved = fingerprints.open_saved(tmp_path, "g")
    assert saved.fingerprints() is None
    assert saved.compare(files).unchanged == 3_000  # the damaged page is not needed
    touched = [Listed(f.relative, f.mtime_ns + 1, f.size, f.article_id) if n == 5 else f for n, f in enumerate(files)]
    assert saved.compare(touched) is None  # it is needed: the run asks the index


def test_a_kill_mid_save_leaves_the_old_store_or_the_new_one(tmp_path):
    old, new = prints_of(corpus_of(10_000)), prints_of(corpus_of(10_000, mtime=5))
    fingerprints.save(tmp_path, "old", old)
    (tmp_path / "new.json").write_text(json.dumps(new), "utf-8")
    saver = subprocess.Popen([sys.executable, "-c", f"""
import json
from pathlib import Path
from lbsearch import fingerprints
folder = Path({str(tmp_path)!r})
new = json.loads((folder / "new.json").read_text("utf-8"))
print("ready", flush=True)
while True:
    fingerprints.save(folder, "new", new)
"""], stdout=subprocess.PIPE, cwd=Path(__file__).resolve().parent.parent)
    assert saver.stdout.readline() == b"ready\n"
    seen = set()
    try:
        for delay in (0.0, 0.003, 0.007, 0.013, 0.029, 0.041):
            time.sleep(delay)
            os.kill(saver.pid, signal.SIGSTOP)  # a kill at this moment would leave the files as they are now
            try:
                found = [g for g, expected in (("old", old), ("new", new))
                         if fingerprints.read_saved(tmp_path, g) == expected]
                assert len(found) == 1, "neither the old store nor the new one could be read"
                seen.update(found)
            finally:
                os.kill(saver.pid, signal.SIGCONT)
    finally:
        saver.kill()
        saver.wait()
    assert {p.name for p in tmp_path.iterdir()} <= {fingerprints.FILE, fingerprints.FILE + ".tmp", "new.json"}


def test_the_string_check_agrees_with_the_parsed_fingerprint():
    cases = [(1, 2, "a"), (1, 2, "news:a"), (None, 2, "a"), (1, None, "a"), (11, 2, "a"), (1, 22, "a"),
             (1, 2, "a:b"), (1, 2, ""), (10, 2, "a")]
    for stored in [f"1:2:{HASH}:a", f"1:2:{HASH}:news:a", f"{RACY}:2:{HASH}:a", f"1:2:{HASH}:", f"10:2:{HASH}:a"]:
        for mtime, size, article_id in cases:
            assert fingerprints.unchanged(stored, mtime, size, article_id) == \
                Fingerprint.parse(stored).unchanged(mtime, size, article_id), (stored, mtime, size, article_id)


@pytest.fixture(scope="module")
def saved_store(tmp_path_factory):
    folder = tmp_path_factory.mktemp("store")
    files = corpus_of(5_000)
    fingerprints.save(folder, "g", prints_of(files), skipped=["empty.txt"])
    return folder / fingerprints.FILE, files


@pytest.fixture
def saved_corpus(saved_store, tmp_path):
    """A store of 5,000 files (and one that gave no article) in tmp_path, and their listing."""
    store, files = saved_store
    shutil.copy(store, tmp_path / fingerprints.FILE)
    return tmp_path, files


def test_the_header_alone_tells_that_nothing_changed(saved_corpus, monkeypatch):
    index_dir, files = saved_corpus
    saved = fingerprints.open_saved(index_dir, "g")
    no_entry_read(monkeypatch)
    same = saved.compare(files)
    assert (same.unchanged, same.checked, same.again, same.known) == (5_000, [], [], {})
    assert saved.compare(list(reversed(files))).unchanged == 5_000  # the listing's order does not matter
    empty = Listed("empty.txt", 9, 0, "empty")
    assert saved.compare(sorted(files + [empty], key=lambda f: f.relative)).again == [empty]  # read at every run
    assert fingerprints.open_saved(index_dir, "h") is None


@pytest.mark.parametrize("change", ["touched", "grew", "renamed id", "gone", "new", "unstattable"])
def test_a_change_has_the_run_read_the_page_that_holds_it(saved_corpus, change):
    index_dir, files = saved_corpus
    f = files[1234]
    changed = {
        "touched": files[:1234] + [Listed(f.relative, f.mtime_ns + 1, f.size, f.article_id)] + files[1235:],
        "grew": files[:1234] + [Listed(f.relative, f.mtime_ns, f.size + 1, f.article_id)] + files[1235:],
        "renamed id": files[:1234] + [Listed(f.relative, f.mtime_ns, f.size, f.relative)] + files[1235:],
        "gone": files[:1234] + files[1235:],
        "new": files[:1234] + [Listed(f.relative + ".md", 1, 1, f.relative)] + files[1234:],
        "unstattable": files[:1234] + [Listed(f.relative, None, None, f.article_id)] + files[1235:],
    }[change]
    saved = fingerprints.open_saved(index_dir, "g")
    found = saved.compare(changed)
    assert len(found.read) == 1 and f.relative in found.known
    assert len(found.known) == saved.pages[saved.page_of(f.relative)].count
    assert found.unchanged + len(found.checked) == len(changed)
    assert (f.relative in {x.relative for x in found.checked}) == (change != "gone")


def test_a_file_saved_while_it_could_still_change_is_checked_again(tmp_path):
    files = corpus_of(3_000)
    prints = prints_of(files)
    prints[files[3].relative] = str(Fingerprint(None, files[3].size, HASH, files[3].article_id))  # RACY
    fingerprints.save(tmp_path, "g", prints)
    found = fingerprints.open_saved(tmp_path, "g").compare(files)
    assert found.read == {0} and found.unchanged == 3_000 - len(found.checked)


def test_saving_after_a_change_writes_its_pages_and_copies_the_others(saved_corpus):
    index_dir, files = saved_corpus
    prints = prints_of(files)
    gone, edited = files[10], files[2500]
    listing = [f for f in files if f is not gone]
    listing[2499] = Listed(edited.relative, edited.mtime_ns + 1, edited.size, edited.article_id)
    listing += [Listed(f"9/mới {n}.txt", 5, 5, f"9/mới {n}") for n in range(1_500)]  # past the last page
    saved = fingerprints.open_saved(index_dir, "g")
    found = saved.compare(listing)
    assert len(found.read) == 3 and saved.page_of(files[3500].relative) not in found.read
    current = dict(found.known)  # what the updater does: the files read, the gone one left out
    current.pop(gone.relative)
    current[edited.relative] = prints[edited.relative] = f"{edited.mtime_ns + 1}:{edited.size}:{HASH}:x"
    added = prints_of(listing[-1_500:])
    current.update(added)
    # A file that gave no article and now gives one, in a page that matched: that page is read.
    empty = files[3500].relative + ".md"
    current[empty] = prints[empty] = f"1:1:{HASH}:{empty}"
    fingerprints.save(index_dir, "g2", current, base=found)
    del prints[gone.relative]
    assert fingerprints.read_saved(index_dir, "g2") == {**prints, **added}
    again = fingerprints.open_saved(index_dir, "g2")
    assert max(page.count for page in again.pages) < 2 * fingerprints.PAGE
    listing[2499] = Listed(edited.relative, edited.mtime_ns + 1, edited.size, "x")
    listing.append(Listed(empty, 1, 1, empty))
    assert again.compare(sorted(listing, key=lambda f: f.relative)).unchanged == len(listing)


def test_the_fingerprints_json_of_an_earlier_version_is_read_once_and_removed(tmp_path):
    files = corpus_of(2_000)
    prints = prints_of(files)
    (tmp_path / "fingerprints.json").write_text(json.dumps({"generation": "g", "fingerprints": prints}), "utf-8")
    saved = fingerprints.open_saved(tmp_path, "g")
    found = saved.compare(files)
    assert found.known == prints and len(found.checked) == 2_000 and found.read is None
    assert fingerprints.open_saved(tmp_path, "other") is None
    fingerprints.save(tmp_path, "g2", found.known, base=found)
    assert fingerprints.read_saved(tmp_path, "g2") == prints
    assert not (tmp_path / "fingerprints.json").exists()


# --- a re-index ----------------------------------------------------------------------------


@pytest.fixture
def seeds(tmp_path, monkeypatch):
    """A writable copy of the seeds, settled (older than the window in which a file just
    written is read again), with pages of two files: an index of five files has three
    pages, so that one edit reads one page and copies the others."""
    folder = tmp_path / "corpus"
    shutil.copytree(SEEDS, folder)
    settle(folder)
    monkeypatch.setattr(fingerprints, "PAGE", 2)
    return folder


def settle(folder: Path) -> None:
    """The files written in the last half minute made a minute older (the others kept as
    they are: a file whose time changes is read again)."""
    now = time.time()
    for path in folder.rglob("*"):
        if path.stat().st_mtime > now - 30:
            os.utime(path, (now - 60, now - 60))


def counts(report):
    return (report.added, report.updated, report.removed, report.unchanged, report.skipped)


def in_step(index_dir: Path, corpus: Path) -> bool:
    """The store holds what the index holds, for its commit: a fingerprint of every
    corpus file that gives an article."""
    engine = engines.load(lbindex.recorded_engine(index_dir))
    writer = engine.open_writer(index_dir, "update")
    try:
        held = writer.fingerprints()
    finally:
        writer.cancel()
    files = {p.name for p in corpus.iterdir() if p.stat().st_size}
    return fingerprints.read_saved(index_dir, engine.generation(index_dir)) == held and set(held) == files


def no_entry_read(monkeypatch):
    def unread(self, numbers):
        numbers = list(numbers)
        assert not numbers, f"pages {numbers} were read"
        return {}

    monkeypatch.setattr(fingerprints.Saved, "entries", unread)


def counts_reading_no_entry(monkeypatch, corpus, ix, **options):
    """counts() of an update that must not read a page of the store."""
    with monkeypatch.context() as patch:
        no_entry_read(patch)
        return counts(update_index(corpus, ix, **options))


def test_a_run_with_nothing_changed_reads_no_entry_and_every_change_is_found(seeds, tmp_path, monkeypatch):
    ix = tmp_path / "ix"
    update_index(seeds, ix)
    assert len(fingerprints.open_saved(ix, engines.load(lbindex.recorded_engine(ix)).generation(ix)).pages) == 2
    assert counts_reading_no_entry(monkeypatch, seeds, ix) == (0, 0, 0, 5, 0)
    page = seeds / "003_b5d277c22c92321f.txt"
    page.write_text(page.read_text("utf-8").replace("Nghệ An", "Quảng Ninh"), "utf-8")
    settle(seeds)
    assert counts(update_index(seeds, ix)) == (0, 1, 0, 4, 0)
    assert in_step(ix, seeds)
    os.utime(seeds / "000_de9231ce01b27642.txt", (time.time() - 30, time.time() - 30))  # touched, not changed
    report = update_index(seeds, ix)
    assert counts(report) == (0, 0, 0, 5, 0) and report.refreshed == 1
    shutil.copy(SEEDS / "001_6ae812ba00bba860.txt", seeds / "zz_new.txt")
    (seeds / "002_3030d9cee70eb42f.txt").unlink()
    settle(seeds)
    assert counts(update_index(seeds, ix)) == (1, 0, 1, 4, 0)
    assert in_step(ix, seeds)
    assert counts_reading_no_entry(monkeypatch, seeds, ix) == (0, 0, 0, 5, 0)


def test_a_file_with_no_article_is_read_at_every_run_and_found_once_it_has_one(seeds, tmp_path, monkeypatch):
    ix = tmp_path / "ix"
    (seeds / "empty.txt").write_bytes(b"")
    settle(seeds)
    update_index(seeds, ix)
    warnings = []
    assert counts_reading_no_entry(monkeypatch, seeds, ix, on_warning=warnings.append) == (0, 0, 0, 5, 1)
    assert [w for w in warnings if "empty.txt" in w]  # told again, as on every run
    shutil.copy(SEEDS / "004_c22b981af91ee202.txt", seeds / "empty.txt")
    settle(seeds)
    assert counts(update_index(seeds, ix)) == (1, 0, 0, 5, 0)
    assert in_step(ix, seeds)
    assert counts_reading_no_entry(monkeypatch, seeds, ix) == (0, 0, 0, 6, 0)
    (seeds / "empty.txt").write_bytes(b"")  # and back: its article goes
    settle(seeds)
    assert counts(update_index(seeds, ix)) == (0, 0, 1, 5, 1)
    assert in_step(ix, seeds)
    (seeds / "empty.txt").unlink()  # a file that gave no article goes: the store forgets it
    assert counts(update_index(seeds, ix)) == (0, 0, 0, 5, 0)
    assert in_step(ix, seeds)
    assert counts_reading_no_entry(monkeypatch, seeds, ix) == (0, 0, 0, 5, 0)


def test_an_index_of_an_earlier_version_keeps_its_fingerprints(seeds, tmp_path, monkeypatch):
    """Its fingerprints.json is read once (the index is not asked) and replaced."""
    ix = tmp_path / "ix"
    update_index(seeds, ix)
    generation = engines.load(lbindex.recorded_engine(ix)).generation(ix)
    prints = fingerprints.read_saved(ix, generation)
    (ix / fingerprints.FILE).unlink()
    (ix / "fingerprints.json").write_text(json.dumps({"generation": generation, "fingerprints": prints}), "utf-8")
    page = seeds / "001_6ae812ba00bba860.txt"
    page.write_text(page.read_text("utf-8") + "\nThêm một câu.\n", "utf-8")
    settle(seeds)
    with monkeypatch.context() as patch:
        for name in engines.NAMES:
            patch.setattr(engines.load(name).Writer, "fingerprints", lambda self: pytest.fail("the index was asked"))
        assert counts(update_index(seeds, ix)) == (0, 1, 0, 4, 0)
    assert not (ix / "fingerprints.json").exists()
    assert in_step(ix, seeds)
    assert counts_reading_no_entry(monkeypatch, seeds, ix) == (0, 0, 0, 5, 0)


def test_a_damaged_store_has_the_index_asked(seeds, tmp_path):
    ix = tmp_path / "ix"
    update_index(seeds, ix)
    store = ix / fingerprints.FILE
    data = bytearray(store.read_bytes())
    data[5] ^= 1  # in the first page
    store.write_bytes(bytes(data))
    page = seeds / "000_de9231ce01b27642.txt"
    page.write_text(page.read_text("utf-8") + "\nThêm một câu.\n", "utf-8")
    settle(seeds)
    assert counts(update_index(seeds, ix)) == (0, 1, 0, 4, 0)
    assert in_step(ix, seeds)
