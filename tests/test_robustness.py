"""Randomised checks: incremental equals rebuild, and no input reaches a traceback."""

import os
import shutil
import subprocess
import sys
import time

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import lbsearch.index as lbindex
from lbsearch.extract import SkipFile, decode, extract
from lbsearch.index import open_index
from lbsearch.errors import IndexBusy
from lbsearch.updater import update_index
from lbsearch.plan import parse_query
from lbsearch.query import QueryError, SearchOptions, search
from lbsearch.snippets import make_snippet, match_spans, with_whole_query
from lbsearch.text import abbreviations, clean, expanded_syllables, fold

from .conftest import SEED_FILES, SEEDS, seed_copies, stray_files, write_lock_is_free

PROBES = ["quy che phoi hop", '"Long Biên"', "Gia Lâm", "công đoàn", "Nghệ An", "hoạt động", "xyz"]


def snapshot(index_dir, ordered=True):
    """Everything a user can see of an index: each probe's hits with their fields, in
    order (or as a set, where only the scores may differ)."""
    ix = open_index(index_dir)
    hits = {
        probe: [(h.id, h.title, h.date, tuple(h.districts), h.snippet) for h in
                search(ix, SearchOptions(probe, limit=50, all_copies=True)).hits]
        for probe in PROBES
    }
    return hits if ordered else {probe: sorted(found) for probe, found in hits.items()}


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
def test_incremental_index_equals_a_fresh_build(tmp_path_factory, engine, rounds):
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
    # The same articles, fields, snippets and order: on tantivy too, whose segments
    # with deleted articles are rewritten after an update (small ones always).
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
    with pytest.raises(QueryError, match="too long"):
        search(seed_ix, SearchOptions("quy " * 2500))
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


_WORDS = ["Liên", "đoàn", "LĐLĐ", "lao", "Động", "ĐỘNG", "dong", "QUY", "chế", "Chê", "phối", "hợp", "huyện",
          "UBND", "nhân", "dân", "x\u0301", "ﬁ", "İ", "2022", "quý", "Quy2022"]


def _syllable_by_syllable(text, clauses):
    """Where each clause stands in text, read one folded syllable at a time (abbreviations
    expanded), the longest first, left to right: what a highlight is."""
    words = expanded_syllables(text)
    folded = [fold(w) for w, _, _ in words]
    spans, i = [], 0
    while i < len(words):
        size = max((len(c.syllables) for c in clauses if tuple(folded[i:i + len(c.syllables)]) == c.syllables),
                   default=0)
        if size:
            start, end = words[i][1], words[i + size - 1][2]
            if spans and start < spans[-1][1]:
                spans[-1][1] = max(spans[-1][1], end)
            else:
                spans.append([start, end])
        i += size or 1
    return spans


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(_WORDS), st.sampled_from([" ", ", ", "-", "\n", "", "_"])), max_size=40),
       st.lists(st.sampled_from(_WORDS), min_size=1, max_size=4), st.booleans())
def test_highlights_are_where_the_folded_syllables_match(pieces, typed, quoted):
    """The spans found by one scan over the text are the ones reading it syllable by syllable finds."""
    text = clean("".join(word + gap for word, gap in pieces))
    query = " ".join(typed)
    try:
        clauses = with_whole_query(parse_query(f'"{query}"' if quoted else query).positive_clauses)
    except QueryError:
        return
    assert match_spans(text, clauses)[0] == _syllable_by_syllable(text, clauses)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_WORDS + ["NLĐ", "người", "LĐ", "Thủ", "đô", "###"]), max_size=12),
       st.lists(st.sampled_from(_WORDS + ["NLĐ", "người", "LĐ", "Thủ", "đô", "###"]), max_size=30))
@example(["Tin", "Liên", "đoàn"], ["Lao", "động", "họp"])  # across the headline's end: no phrase
def test_an_expansion_is_a_phrases_term_exactly_where_it_stands(headline, body):
    """The phrases field (what counts a phrase that is an abbreviation's expansion)
    holds a token exactly when the expansion's syllables stand together, in order,
    in the headline or in the body."""
    from lbsearch.analysis import PHRASES, analyse, phrase_term

    title, text = clean(" ".join(headline)), clean(" ".join(body))
    terms = analyse(title, text, text).terms[PHRASES].split()
    folded = [[f for w, _, _ in expanded_syllables(part) if (f := fold(w)) and len(f) <= 40] for part in (title, text)]
    for words in abbreviations().values():
        phrase = tuple(fold(w) for w in words)
        stands = any(tuple(part[i:i + len(phrase)]) == phrase for part in folded for i in range(len(part)))
        assert (phrase_term(phrase) in terms) == (stands and len(phrase) > 1), phrase


def test_a_second_indexer_waits_then_says_busy(corpus, tmp_path, monkeypatch):
    index_dir = tmp_path / "ix"
    update_index(corpus, index_dir)
    holder = lbindex.WriteLock(index_dir)  # another lbsearch's lock: flock is per open file, so
    assert holder.acquire(0)  # it holds this process off as it would another
    try:
        monkeypatch.setattr(lbindex, "WRITE_LOCK_WAIT_SECONDS", 0.5)
        (corpus / "new.txt").write_text("Tin mới hoàn toàn\nNội dung Đông Anh.", "utf-8")
        started = time.monotonic()
        with pytest.raises(IndexBusy, match="another lbsearch") as busy:
            update_index(corpus, index_dir)
        assert 0.4 < time.monotonic() - started < 5
        assert "\n" not in str(busy.value)
    finally:
        holder.release()
    assert update_index(corpus, index_dir).added == 1


@pytest.mark.parametrize("engine", ["tantivy"], indirect=True)
def test_a_foreign_tantivy_writer_is_busy_not_a_crash(corpus, tmp_path, cli):
    """tantivy only: its own writer lock, held by a program that is not lbsearch (so
    lbsearch's lock is free), ends an update with IndexBusy, never tantivy's error, and
    lbsearch leaves that writer's work alone: it commits once lbsearch has given up."""
    import gc
    import json
    import re

    import tantivy

    index_dir = tmp_path / "ix"
    update_index(corpus, index_dir)
    before = snapshot(index_dir)
    foreign = tantivy.Index.open(str(index_dir)).writer()
    work = tantivy.Document()  # the foreign writer at work: an uncommitted segment on disk
    work.add_text("key", "foreign.txt")
    work.add_text("keyprint", "foreign.txt\t1:1:0")
    work.add_text("id", "foreign")
    work.add_bytes("record", json.dumps({"id": "foreign", "key": "foreign.txt"}).encode())
    foreign.add_document(work)

    def pending_segment_files():  # not tantivy's passing temporary files (.tmpXXXXXX)
        return {name for name in stray_files(index_dir) if re.match(r"[0-9a-f]{32}\.", name)}

    deadline = time.monotonic() + 5
    while not pending_segment_files() and time.monotonic() < deadline:  # tantivy's thread creates them
        time.sleep(0.05)
    time.sleep(0.2)
    pending = pending_segment_files()
    assert pending, "the foreign writer's segment files did not appear"
    foreign_commit = None
    try:
        assert not update_index(corpus, index_dir).changed  # nothing to write: no writer needed
        lost = sorted({name.split(".")[0] for name in pending - {p.name for p in index_dir.iterdir()}})
        (corpus / "new.txt").write_text("Tin mới hoàn toàn\nNội dung Đông Anh.", "utf-8")
        with pytest.raises(IndexBusy) as busy:
            update_index(corpus, index_dir)
        message = str(busy.value)
        assert str(index_dir) in message and "\n" not in message
        assert "IndexWriter" not in message and "lock" in message  # lbsearch's words, not tantivy's
        run = cli("index", str(corpus), "--index", str(index_dir))
        assert run.status == 2 and run.err.startswith("lbsearch: error: ") and run.err.count("\n") == 1
        assert snapshot(index_dir) == before
        assert write_lock_is_free(index_dir)
        try:
            foreign.commit()
        except ValueError as err:  # checked last: the promises after it do not depend on it
            foreign_commit = f"{type(err).__name__}: {err}"
    finally:
        del foreign
        gc.collect()  # dropping tantivy's writer lets its lock go
    assert update_index(corpus, index_dir).added == 1
    assert foreign_commit is None, (
        "lbsearch removed the files of the foreign writer's uncommitted segment "
        f"({'segment ' + lost[0] + ', even in an update with nothing to write' if lost else 'when busy'}); "
        f"its commit failed: {foreign_commit}"
    )


@pytest.mark.parametrize("jobs, moments", [(1, (0.25, 0.85)), (2, (0.6,))])  # 0.6: workers running
def test_a_killed_indexer_leaves_the_last_commit_searchable(tmp_path, engine, jobs, moments):
    """The kills land at moments of a whole run, timed first on a clean folder: the engines
    index at different speeds, and a fixed delay would land after tantivy's commit."""
    from .test_faults import no_processes_naming

    corpus = seed_copies(tmp_path / "corpus", 60)
    index_dir = tmp_path / "ix"
    before = snapshot_after(corpus, index_dir, first=15)

    def indexer(folder):
        code = (
            "import sys; from pathlib import Path; from lbsearch.updater import update_index\n"
            f"update_index(Path({str(corpus)!r}), Path({str(folder)!r}), rebuild=True, jobs={jobs})"
        )
        return subprocess.Popen([sys.executable, "-c", code], stderr=subprocess.PIPE)

    started = time.monotonic()
    clean = indexer(tmp_path / "clean")
    _, err = clean.communicate(timeout=60)
    assert clean.returncode == 0, err
    duration = time.monotonic() - started
    after = snapshot(tmp_path / "clean")
    for moment in moments:
        proc = indexer(index_dir)
        time.sleep(moment * duration)
        proc.kill()
        _, err = proc.communicate(timeout=30)  # until its workers too have closed stderr
        assert no_processes_naming(str(index_dir))  # its workers stop with it
        assert b"Traceback" not in err
        now = snapshot(index_dir)  # the old or the new index, whole: never an error
        assert now in (before, after)
    update_index(corpus, index_dir)
    assert snapshot(index_dir) == after
    assert lbindex.recorded_engine(index_dir) == engine


def snapshot_after(corpus, index_dir, first):
    """Index only the first files, as a last commit to fall back on."""
    hidden = sorted(corpus.iterdir())[first:]
    for path in hidden:
        path.rename(path.with_suffix(".hidden"))
    update_index(corpus, index_dir)
    for path in hidden:
        path.with_suffix(".hidden").rename(path)
    return snapshot(index_dir)


@pytest.mark.parametrize("engine", ["whoosh"], indirect=True)
def test_a_commit_is_synced_before_and_after_it_becomes_visible(corpus, tmp_path, monkeypatch):
    """Whoosh only: its commit runs in Python, where os.fsync and os.rename can be watched.
    tantivy syncs and renames from Rust, out of reach of a recorder; its kills and full
    disks are tested for real (test_a_killed_indexer_..., test_faults.py)."""
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
