"""Day one with your own archive (issue #20, points 1, 2 and 6; issue #19, points 2
and 3): an index that lives with the user, several folders in one index, `show`
by what search prints, and every file its own article whatever its name."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from lbsearch.index import open_index
from lbsearch.query import SearchOptions, search
from lbsearch.updater import update_index

from .conftest import SEED_FILES, SEEDS


def ids(index_dir: Path, query: str) -> set[str]:
    """Every article that matches, every copy of a story included."""
    return {h.id for h in search(open_index(index_dir), SearchOptions(query, limit=100, all_copies=True)).hits}


def two_folders(tmp_path: Path) -> tuple[Path, Path]:
    """Two scrapers' folders that both hold 001.txt, with different stories."""
    a, b = tmp_path / "laodong", tmp_path / "ldtd"
    a.mkdir()
    b.mkdir()
    shutil.copy(SEED_FILES[0], a / "001.txt")  # Long Biên and Gia Lâm sign a Quy chế phối hợp
    shutil.copy(SEED_FILES[3], b / "001.txt")  # Nghệ An
    return a, b


def test_two_folders_in_one_index_keep_both_articles(tmp_path, engine):
    a, b = two_folders(tmp_path)
    index_dir = tmp_path / "ix"
    update_index([a], index_dir)
    report = update_index([b], index_dir)  # adding a folder never drops the first one's articles
    assert (report.added, report.removed) == (1, 0)
    assert ids(index_dir, '"Gia Lâm"') == {"001"} and ids(index_dir, '"Nghệ An"') == {"ldtd:001"}
    report = update_index([], index_dir)  # no folder: every folder the index holds is updated
    assert (report.unchanged, report.removed) == (2, 0)
    assert [c.folder for c in report.collections] == [str(a.resolve()), str(b.resolve())]


def test_a_folder_leaves_only_when_forgotten(tmp_path, engine):
    a, b = two_folders(tmp_path)
    index_dir = tmp_path / "ix"
    update_index([a, b], index_dir)
    warnings = []
    shutil.rmtree(b)  # an unplugged disk, a moved folder: its articles stay
    update_index([], index_dir, on_warning=warnings.append)
    assert ids(index_dir, '"Nghệ An"') == {"ldtd:001"}
    assert any("folder is gone" in w and "--forget" in w for w in warnings)
    report = update_index([], index_dir, forget=[b])
    assert report.removed == 1 and ids(index_dir, '"Nghệ An"') == set()
    assert ids(index_dir, '"Gia Lâm"') == {"001"}


def test_stats_lists_the_folders_with_their_articles(tmp_path, engine, cli, monkeypatch):
    a, b = two_folders(tmp_path)
    shutil.copy(SEED_FILES[1], b / "002.txt")
    monkeypatch.setenv("LBSEARCH_INDEX", str(tmp_path / "ix"))
    assert cli("index", str(a), str(b)).status == 0
    figures = json.loads(cli("stats", "--json").out)
    assert figures["per_folder"] == {str(a.resolve()): 1, str(b.resolve()): 2}
    assert cli("index", "--forget", str(tmp_path / "elsewhere")).status == 2  # not a folder of the index


def test_a_newcomer_from_any_folder_with_an_empty_home(tmp_path, engine, cli, monkeypatch):
    home, work, elsewhere = tmp_path / "home", tmp_path / "work", tmp_path / "elsewhere"
    for folder in (home, work, elsewhere):
        folder.mkdir()
    a, b = two_folders(tmp_path)
    monkeypatch.delenv("LBSEARCH_INDEX", raising=False)
    monkeypatch.delenv("LBSEARCH_CORPUS", raising=False)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    monkeypatch.chdir(work)
    missing = cli("search", "cong doan")
    assert missing.status == 2 and "lbsearch index FOLDER" in missing.err
    assert cli("index", str(a)).status == 0
    monkeypatch.chdir(elsewhere)
    assert cli("index", str(b)).status == 0
    assert list(work.iterdir()) == [] and list(elsewhere.iterdir()) == []  # nothing written where the user stands
    assert (home / ".local" / "share" / "lbsearch" / "index" / "lbsearch.json").is_file()
    found = json.loads(cli("search", "phoi hop OR nghe an", "--json").out)
    assert {h["id"] for h in found["hits"]} == {"001", "ldtd:001"}
    shown = cli("show", str(b / "001.txt"))  # the path search prints
    assert shown.status == 0 and "Nghệ An" in shown.out
    os.chdir(b)
    assert "Nghệ An" in cli("show", "001.txt").out  # a path from where the user stands
    close = cli("show", "00l")
    assert close.status == 1 and "did you mean: 001" in close.err


def test_show_takes_an_address(tmp_path, engine, cli, monkeypatch):
    corpus = tmp_path / "feed"
    corpus.mkdir()
    record = {"title": "Công đoàn Gia Lâm", "body": SEED_FILES[0].read_text("utf-8"),
              "url": "https://laodongthudo.vn/cong-doan-gia-lam-123.html"}
    (corpus / "feed.jsonl").write_text(json.dumps(record, ensure_ascii=False) + "\n", "utf-8")
    monkeypatch.setenv("LBSEARCH_INDEX", str(tmp_path / "ix"))
    assert cli("index", str(corpus)).status == 0
    shown = cli("show", record["url"], "--json")
    assert shown.status == 0 and json.loads(shown.out)["url"] == record["url"]


def test_a_page_and_its_text_are_two_articles(tmp_path, engine):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    page = "<html><head><title>Nghệ An</title></head><body><article><h1>LĐLĐ Nghệ An</h1>" + "".join(
        f"<p>{line}</p>" for line in SEED_FILES[3].read_text("utf-8").splitlines()[1:] if line.strip()) + \
        "</article></body></html>"
    (corpus / "a.html").write_text(page, "utf-8")
    index_dir = tmp_path / "ix"
    update_index(corpus, index_dir)
    assert ids(index_dir, '"Nghệ An"') == {"a"}
    shutil.copy(SEED_FILES[3], corpus / "a.txt")  # the scraper saved the text beside the page
    report = update_index(corpus, index_dir)
    assert report.skipped == 0
    assert ids(index_dir, '"Nghệ An"') == {"a", "a.html"}  # the text keeps the bare id, the page its extension
    fresh = tmp_path / "fresh"
    update_index(corpus, fresh)
    assert ids(fresh, '"Nghệ An"') == ids(index_dir, '"Nghệ An"')  # incremental equals fresh
    (corpus / "a.txt").unlink()
    update_index(corpus, index_dir)
    assert ids(index_dir, '"Nghệ An"') == {"a"}


def test_a_file_name_that_is_not_utf8_is_indexed_and_shown(tmp_path, engine, cli, monkeypatch):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    name = "tin-ngh\xea-an".encode("cp1258") + b"\xec.txt"  # made on Windows, unpacked on Linux
    with open(os.path.join(os.fsencode(corpus), name), "wb") as handle:
        handle.write(SEED_FILES[3].read_bytes())
    shutil.copy(SEED_FILES[0], corpus / "good.txt")
    monkeypatch.setenv("LBSEARCH_INDEX", str(tmp_path / "ix"))
    assert cli("index", str(corpus)).status == 0
    found = cli("search", '"Nghệ An"', "--json")
    hits = json.loads(found.out)["hits"]  # valid JSON, valid UTF-8
    assert len(hits) == 1 and "\\xec" in hits[0]["id"] and "\\xec" in hits[0]["path"]
    assert "\\xec" in cli("search", '"Nghệ An"').out
    assert cli("show", hits[0]["id"]).status == 0
    assert ids(tmp_path / "ix", '"Gia Lâm"') == {"good"}


@pytest.mark.parametrize("garbage", ["_MAIN_1.toc", "meta.json", "lbsearch.json"])
def test_another_programs_files_are_one_line_on_every_command(tmp_path, cli, monkeypatch, garbage):
    index_dir = tmp_path / "ix"
    index_dir.mkdir()
    (index_dir / garbage).write_bytes(b"\x00garbage\xff" * 10)
    monkeypatch.setenv("LBSEARCH_INDEX", str(index_dir))
    monkeypatch.setenv("LBSEARCH_CORPUS", str(SEEDS))
    for command in (["search", "cong doan"], ["stats"], ["show", "001"], ["stats", "cong doan"]):
        run = cli(*command)
        assert run.status == 2, (command, run.err)
        assert len(run.err.strip().splitlines()) == 1 and "Traceback" not in run.err, (command, run.err)


def test_hostile_files_beside_good_articles_never_stop_a_run(tmp_path, engine):
    """Issue #19: a page nested 200,000 deep, a record whose date has 5,001 digits, a
    name that is not UTF-8 and two files of one name, beside good articles: warnings,
    and every good article searchable when the run ends."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for seed in SEED_FILES:
        shutil.copy(seed, corpus / seed.name)
    deep = "<html><body>" + "<div>" * 200_000 + "<h1>Trang lồng sâu</h1><p>Công đoàn huyện Mê Linh.</p>"
    (corpus / "deep.html").write_text(deep, "utf-8")
    good = {"id": 1, "title": "Tin Sóc Sơn", "body": "Công đoàn huyện Sóc Sơn tổ chức hội nghị người lao động."}
    bad = {"id": 2, "title": "Ngày lạ", "body": "Một bài.", "date": 0}
    lines = [json.dumps(good, ensure_ascii=False), json.dumps(bad).replace('"date": 0', '"date": ' + "9" * 5001)]
    (corpus / "feed.jsonl").write_text("\n".join(lines) + "\n", "utf-8")
    with open(os.path.join(os.fsencode(corpus), b"t\xe0i.txt"), "wb") as handle:
        handle.write(SEED_FILES[2].read_bytes())
    warnings = []
    report = update_index(corpus, tmp_path / "ix", on_warning=warnings.append)
    assert any("feed.jsonl" in w and "line 2" in w for w in warnings)
    every = {h.id for h in search(open_index(tmp_path / "ix"), SearchOptions("công đoàn", limit=100, all_copies=True)).hits}
    assert {seed.stem for seed in SEED_FILES} <= every
    assert "feed#1" in every and "t\\xe0i" in every
    assert report.added == len(SEED_FILES) + 3  # the deep page is read or skipped, never a stall
