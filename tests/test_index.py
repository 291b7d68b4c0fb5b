"""Incremental indexing, bad files, version checks: what `lbsearch index` promises."""

import json
import os
import shutil

import pytest

from lbsearch import index as lbindex
from lbsearch.index import open_index
from lbsearch.errors import IndexIncompatible, IndexProblem
from lbsearch.updater import update_index
from lbsearch.query import SearchOptions, search

from .conftest import SEEDS, root_file


def counts(report):
    return (report.added, report.updated, report.removed, report.unchanged, report.skipped)


def ids_for(index_dir, text):
    # Copies of the seeds stand in for new articles here: every copy counts.
    return sorted(h.id for h in search(open_index(index_dir), SearchOptions(text, limit=100, all_copies=True)).hits)


def test_incremental_runs_read_only_what_changed(corpus, tmp_path):
    ix = tmp_path / "ix"
    assert counts(update_index(corpus, ix)) == (5, 0, 0, 0, 0)
    assert counts(update_index(corpus, ix)) == (0, 0, 0, 5, 0)

    os.utime(corpus / "000_de9231ce01b27642.txt")  # touched, not changed
    assert counts(update_index(corpus, ix)) == (0, 0, 0, 5, 0)

    page = corpus / "003_b5d277c22c92321f.txt"
    page.write_text(page.read_text("utf-8").replace("Nghệ An", "Quảng Ninh"), "utf-8")
    (corpus / "002_3030d9cee70eb42f.txt").unlink()
    (corpus / "sub").mkdir()
    shutil.copy(SEEDS / "004_c22b981af91ee202.txt", corpus / "sub" / "new.md")
    assert counts(update_index(corpus, ix)) == (1, 1, 1, 3, 0)

    assert ids_for(ix, "Quảng Ninh") == ["003_b5d277c22c92321f"]
    assert ids_for(ix, "Nghe An") == []
    assert "002_3030d9cee70eb42f" not in ids_for(ix, "Long Biên")
    assert "sub/new" in ids_for(ix, "Gia Lâm")


def test_incremental_result_equals_a_fresh_build(corpus, tmp_path):
    update_index(corpus, tmp_path / "inc")
    page = corpus / "000_de9231ce01b27642.txt"
    page.write_text(page.read_text("utf-8").replace("Quy chế", "Quy định"), "utf-8")
    (corpus / "001_6ae812ba00bba860.txt").rename(corpus / "renamed.txt")
    update_index(corpus, tmp_path / "inc")
    update_index(corpus, tmp_path / "fresh")
    for text in ("quy che phoi hop", "Long Biên", "Quy định", "hoạt động"):
        assert ids_for(tmp_path / "inc", text) == ids_for(tmp_path / "fresh", text), text


def test_bad_files_are_skipped_with_one_warning_each(corpus, tmp_path):
    (corpus / "empty.txt").write_bytes(b"")
    (corpus / "binary.txt").write_bytes(b"\x00\xff" * 100)
    (corpus / "junk.md").write_bytes(b"\x81\x8d\x8f\x90\x9d" * 20)
    (corpus / "notes.pdf").write_bytes(b"ignored: not .txt or .md")
    outside = tmp_path / "outside.txt"
    outside.write_text("Bí mật\nNội dung ngoài kho.", "utf-8")
    (corpus / "link.txt").symlink_to(outside)
    (corpus / "broken.txt").symlink_to(tmp_path / "missing.txt")
    (corpus / "loop").symlink_to(corpus)
    warnings = []
    report = update_index(corpus, tmp_path / "ix", on_warning=warnings.append)
    assert counts(report) == (5, 0, 0, 0, 3)
    assert len(warnings) == 5
    for name, reason in [("empty.txt", "empty"), ("binary.txt", "binary"), ("junk.md", "not UTF-8"),
                         ("link.txt", "outside the corpus"), ("broken.txt", "broken")]:
        assert any(name in w and reason in w for w in warnings), name
    assert ids_for(tmp_path / "ix", "Bí mật") == []


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_an_unreadable_file_is_a_warning(corpus, tmp_path):
    page = corpus / "000_de9231ce01b27642.txt"
    page.chmod(0)
    warnings = []
    report = update_index(corpus, tmp_path / "ix", on_warning=warnings.append)
    assert report.skipped == 1 and report.added == 4
    assert "cannot read" in warnings[0]


def test_a_file_that_becomes_unreadable_leaves_the_index(corpus, tmp_path, monkeypatch):
    ix = tmp_path / "ix"
    update_index(corpus, ix)
    page = corpus / "000_de9231ce01b27642.txt"
    page.write_bytes(b"\x00" * 10)
    warnings = []
    report = update_index(corpus, ix, on_warning=warnings.append)
    assert (report.removed, report.skipped) == (1, 1)
    assert "000_de9231ce01b27642" not in ids_for(ix, "Long Biên")


@pytest.mark.parametrize("key, value, label", [
    ("schema_version", 0, "schema version"), ("whoosh", "2.5.7", "whoosh"), ("tantivy", "0.19", "tantivy"),
    ("python", "3.8", "python"), ("format", "something-else", "format"), ("engine", "lucene", "lucene"),
])
def test_index_of_another_version_is_refused_then_rebuilt(corpus, tmp_path, engine, key, value, label):
    ix = tmp_path / "ix"
    update_index(corpus, ix)
    meta_path = ix / lbindex.META_FILE
    meta = json.loads(meta_path.read_text())
    if key not in meta and key not in ("engine", "format", "schema_version"):
        pytest.skip(f"the {engine} engine records no {key} version")
    meta[key] = value
    meta_path.write_text(json.dumps(meta))
    # detected from lbsearch.json, before the engine reads anything
    root_file(ix).write_bytes(b"not a pickle")
    with pytest.raises(IndexIncompatible, match=label):
        open_index(ix)
    report = update_index(corpus, ix)
    assert report.rebuilt and label in report.reason
    assert report.added == 5
    assert ids_for(ix, "Gia Lâm")


def test_rebuild_replaces_everything(corpus, tmp_path):
    ix = tmp_path / "ix"
    update_index(corpus, ix)
    report = update_index(corpus, ix, rebuild=True)
    assert report.rebuilt and report.added == 5
    assert len(ids_for(ix, "công đoàn")) == 5


def test_refuses_to_write_into_a_folder_that_is_not_an_index(corpus, tmp_path):
    folder = tmp_path / "precious"
    folder.mkdir()
    (folder / "thesis.docx").write_text("do not delete")
    with pytest.raises(IndexProblem, match="not empty"):
        update_index(corpus, folder)
    assert (folder / "thesis.docx").read_text() == "do not delete"


def test_whoosh_schema_pickles_with_its_analyzers():
    """Whoosh pickles the schema into the index: it must load again, analysers included."""
    import pickle

    from lbsearch.analysis import HEADLINE_END, article_terms
    from lbsearch.engines.whoosh import make_schema

    again = pickle.loads(pickle.dumps(make_schema()))
    terms = article_terms("Quy chế PHỐI hợp", "LĐLĐ huyện", "LĐLĐ huyện")
    assert [t.text for t in again["text"].analyzer(terms["text"])] == [
        "quy", "che", "phoi", "hop", HEADLINE_END, "lien", "doan", "lao", "dong", "huyen"]
    assert [t.text for t in again["pairs"].analyzer(terms["pairs"])][:2] == ["quy_che", "che_phoi"]


def test_two_processes_index_like_one(corpus, tmp_path, engine):
    from .test_robustness import snapshot

    (corpus / "binary.txt").write_bytes(b"\x00\xff" * 100)
    for n in range(6):
        shutil.copy(SEEDS / "001_6ae812ba00bba860.txt", corpus / f"copy_{n}.txt")
    warned: dict[int, list[str]] = {1: [], 2: []}
    reports = {jobs: update_index(corpus, tmp_path / f"jobs{jobs}", jobs=jobs, on_warning=warned[jobs].append)
               for jobs in (1, 2)}
    assert counts(reports[1]) == counts(reports[2]) == (11, 0, 0, 0, 1)
    assert warned[1] == warned[2] and len(warned[1]) == 1
    if engine == "whoosh":
        assert len(list((tmp_path / "jobs2").glob("*.seg"))) == 2  # one segment per process
    assert snapshot(tmp_path / "jobs2") == snapshot(tmp_path / "jobs1")

    # Later runs in two processes: changes, additions and deletions land as in one.
    page = corpus / "003_b5d277c22c92321f.txt"
    page.write_text(page.read_text("utf-8").replace("Nghệ An", "Quảng Ninh"), "utf-8")
    (corpus / "copy_0.txt").unlink()
    shutil.copy(SEEDS / "000_de9231ce01b27642.txt", corpus / "later.txt")
    for jobs in (1, 2):
        assert counts(update_index(corpus, tmp_path / f"jobs{jobs}", jobs=jobs)) == (1, 1, 1, 9, 1)
    assert snapshot(tmp_path / "jobs2") == snapshot(tmp_path / "jobs1")
    assert ids_for(tmp_path / "jobs2", "Quảng Ninh") == ["003_b5d277c22c92321f"]


def test_scores_after_many_updates_equal_a_fresh_build(tmp_path, engine):
    """Whoosh rounded each document's field lengths into the totals at every merge, and
    tantivy counts deleted articles in its statistics until their segment goes, so
    after updates scores drifted from a fresh build's (Whoosh by about 0.5 % at 4,000
    articles; tantivy swapped two of the top 20 in one query of five). Large enough to
    show it: 160 generated articles, three runs of edits, deletions, renames and touches."""
    from bench.generate import generate

    corpus = tmp_path / "corpus"
    files = generate(corpus, 160)
    update_index(corpus, tmp_path / "inc")
    for path in files[:40]:
        path.write_text(path.read_text("utf-8") + "\nThêm câu Hoàng Mai.\n", "utf-8")
    update_index(corpus, tmp_path / "inc")
    for path in files[40:50]:
        path.unlink()
    for path in files[50:60]:
        path.rename(path.with_name("r_" + path.name))
    for path in files[60:70]:
        path.write_text(path.read_text("utf-8") + "\nx.\n", "utf-8")
    for path in files[70:80]:
        os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
    update_index(corpus, tmp_path / "inc")
    update_index(corpus, tmp_path / "fresh")
    for text in ("quy che phoi hop", "công đoàn", "Hoàng Mai", "người lao động"):
        options = SearchOptions(text, limit=20)
        incremental = [(h.id, h.score) for h in search(open_index(tmp_path / "inc"), options).hits]
        assert incremental == [(h.id, h.score) for h in search(open_index(tmp_path / "fresh"), options).hits]
