"""Randomised checks: incremental equals rebuild, and no input reaches a traceback."""

import os
import shutil
import subprocess
import sys
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lbsearch.extract import SkipFile, decode, extract
from lbsearch.index import IndexBusy, open_index, update_index
from lbsearch.query import QueryError, SearchOptions, make_snippet, parse_query, search

from .conftest import SEED_FILES, SEEDS, seed_copies

PROBES = ["quy che phoi hop", '"Long Biên"', "Gia Lâm", "công đoàn", "Nghệ An", "hoạt động", "xyz"]


def snapshot(index_dir):
    """Everything a user can see of an index: each probe's hits with their fields, in order."""
    ix = open_index(index_dir)
    return {
        probe: [(h.id, h.title, h.date, tuple(h.districts), h.snippet) for h in
                search(ix, SearchOptions(probe, limit=50)).hits]
        for probe in PROBES
    }


operations = st.lists(
    st.tuples(
        st.sampled_from(["edit", "same_size_edit", "delete", "rename", "touch", "add", "damage"]),
        st.integers(0, 20),
    ),
    min_size=1, max_size=6,
)


# CI runs a bounded number of examples; LBSEARCH_LONG_RUNS=200 runs a long campaign.
LONG_RUNS = int(os.environ.get("LBSEARCH_LONG_RUNS", "4"))


@settings(max_examples=LONG_RUNS, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rounds=st.lists(operations, min_size=1, max_size=3))
def test_incremental_index_equals_a_fresh_build(tmp_path_factory, rounds):
    base = tmp_path_factory.mktemp("prop")
    corpus, incremental = base / "corpus", base / "inc"
    shutil.copytree(SEEDS, corpus)
    update_index(corpus, incremental)
    for ops in rounds:
        for op, n in ops:
            files = sorted(p for p in corpus.rglob("*") if p.is_file())
            if not files and op != "add":
                continue
            target = files[n % len(files)] if files else None
            if op == "edit":
                target.write_text(target.read_text("utf-8", errors="replace") + "\nThêm câu Hoàng Mai.\n", "utf-8")
            elif op == "same_size_edit":
                data = bytearray(target.read_bytes())
                data[-2:-1] = b"X" if data[-2:-1] != b"X" else b"Y"
                target.write_bytes(bytes(data))
            elif op == "delete":
                target.unlink()
            elif op == "rename":
                target.rename(target.with_name(f"r{n}_{target.name}"))
            elif op == "touch":
                os.utime(target)
            elif op == "add":
                shutil.copy(SEED_FILES[n % len(SEED_FILES)], corpus / f"added_{n}_{time.time_ns()}.txt")
            elif op == "damage":
                target.write_bytes(b"\x00\x01" * 8)
        update_index(corpus, incremental)
    fresh = base / "fresh"
    update_index(corpus, fresh)
    assert snapshot(incremental) == snapshot(fresh)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_any_query_text_parses_or_is_a_clear_error(text):
    try:
        parsed = parse_query(text)
    except QueryError as err:
        assert str(err) and "\n" not in str(err)
        return
    assert parsed.groups


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(list('ab "-()*:đĐ\x00\x1b[]') + [" OR ", " NOT ", "hợp", "-"]), max_size=25).map("".join))
def test_any_query_runs_or_is_a_clear_error(seed_ix, text):
    try:
        result = search(seed_ix, SearchOptions(text))
    except QueryError:
        return
    for hit in result.hits:
        for start, end in hit.highlights:
            assert 0 <= start < end <= len(hit.snippet)


def test_a_ten_kilobyte_query_is_refused_quickly(seed_ix):
    started = time.monotonic()
    try:
        search(seed_ix, SearchOptions("quy " * 2500))
    except QueryError as err:
        assert "too long" in str(err)
    assert time.monotonic() - started < 5


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=400) | st.text(max_size=400).map(lambda t: t.encode("utf-8")))
def test_any_bytes_give_an_article_or_a_reason(data):
    try:
        article = extract(decode(data), "x", "x")
    except SkipFile as skip:
        assert str(skip)
        return
    assert article.title.strip()
    assert article.title.isprintable() and all(line.isprintable() for line in article.body.split("\n"))


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300), st.text(min_size=1, max_size=20))
def test_snippet_offsets_stay_inside_the_snippet(body, query):
    try:
        clauses = parse_query(query).positive_clauses
    except QueryError:
        return
    snippet, spans = make_snippet(body, clauses)
    for start, end in spans:
        assert 0 <= start < end <= len(snippet)


def test_a_second_indexer_waits_then_says_busy(corpus, tmp_path, monkeypatch):
    import lbsearch.index as lbindex

    index_dir = tmp_path / "ix"
    update_index(corpus, index_dir)
    holder = open_index(index_dir).writer()  # another process's writer, as far as the lock goes
    try:
        monkeypatch.setattr(lbindex, "WRITE_LOCK_WAIT_SECONDS", 0.5)
        (corpus / "new.txt").write_text("Tin mới hoàn toàn\nNội dung Đông Anh.", "utf-8")
        started = time.monotonic()
        try:
            update_index(corpus, index_dir)
            raise AssertionError("a second writer must not get the lock")
        except IndexBusy as busy:
            assert "another lbsearch" in str(busy)
        assert 0.4 < time.monotonic() - started < 5
    finally:
        holder.cancel()
    assert update_index(corpus, index_dir).added == 1


@pytest.mark.parametrize("jobs, delays", [(1, (0.3, 1.2)), (2, (0.9,))])  # 0.9 s: workers running
def test_a_killed_indexer_leaves_the_last_commit_searchable(tmp_path, jobs, delays):
    from .test_faults import no_processes_naming

    corpus = seed_copies(tmp_path / "corpus", 60)
    index_dir = tmp_path / "ix"
    before = snapshot_after(corpus, index_dir, first=15)
    code = (
        "import sys; from pathlib import Path; from lbsearch.index import update_index; "
        f"update_index(Path({str(corpus)!r}), Path({str(index_dir)!r}), rebuild=True, jobs={jobs})"
    )
    for delay in delays:
        proc = subprocess.Popen([sys.executable, "-c", code], stderr=subprocess.PIPE)
        time.sleep(delay)
        proc.kill()
        _, err = proc.communicate(timeout=30)  # until its workers too have closed stderr
        assert no_processes_naming(str(index_dir))  # its workers stop with it
        assert b"Traceback" not in err
        now = snapshot(index_dir)  # the old or the new index, whole: never an error
        assert now in (before, full_snapshot(corpus, tmp_path / "clean"))
    update_index(corpus, index_dir)
    assert snapshot(index_dir) == full_snapshot(corpus, tmp_path / "clean")


def snapshot_after(corpus, index_dir, first):
    """Index only the first files, as a last commit to fall back on."""
    hidden = sorted(corpus.iterdir())[first:]
    for path in hidden:
        path.rename(path.with_suffix(".hidden"))
    update_index(corpus, index_dir)
    for path in hidden:
        path.with_suffix(".hidden").rename(path)
    return snapshot(index_dir)


def full_snapshot(corpus, index_dir):
    if not index_dir.exists():
        update_index(corpus, index_dir)
    return snapshot(index_dir)


def test_a_commit_is_synced_before_and_after_it_becomes_visible(corpus, tmp_path, monkeypatch):
    events = []
    real_fsync, real_rename = os.fsync, os.rename

    def fsync(fd):
        events.append(("fsync", os.path.basename(os.readlink(f"/proc/self/fd/{fd}"))))
        return real_fsync(fd)

    def rename(old, new):
        events.append(("rename", os.path.basename(old), os.path.basename(new)))
        return real_rename(old, new)

    update_index(corpus, tmp_path / "ix")
    (corpus / "new.txt").write_text("Đoàn viên Đông Anh\nNội dung về Đông Anh.", "utf-8")
    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "rename", rename)
    update_index(corpus, tmp_path / "ix")
    publish = next(i for i, e in enumerate(events) if e[0] == "rename" and e[2].endswith(".toc"))
    temp_toc = events[publish][1]
    assert ("fsync", temp_toc) in events[:publish]  # the TOC's bytes are on disk before it is published
    assert ("fsync", "ix") in events[publish + 1:]  # and the rename itself is durable
    segments = {e[1] for e in events[:publish] if e[0] == "fsync" and e[1].endswith((".seg", ".pst", ".trm", ".col"))}
    assert segments, "the new segment's files are synced before the TOC that references them"
