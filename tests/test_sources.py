"""Saved HTML pages and JSON Lines in the corpus, each article's address, and one hit per story,
as a user of the `lbsearch` command sees them: built from the real seeds (bench.htmlpages renders
them as pages of the two sites), indexed, searched, shown and counted through the CLI."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

from bench.htmlpages import render, story_from_text
from lbsearch.extract import extract
from lbsearch.index import open_index
from lbsearch.updater import update_index
from lbsearch.query import SearchOptions, search

from .conftest import seed_text, to_cp1258

S000 = "000_de9231ce01b27642"  # Long Biên and Gia Lâm sign a "Quy chế phối hợp"; no date
S002 = "002_3030d9cee70eb42f"
S003 = "003_b5d277c22c92321f"  # LĐLĐ Nghệ An; byline 20/05/2022 17:40; MICCO only in a related list
S004 = "004_c22b981af91ee202"  # Gia Lâm; Lixil in its text
URL_003 = "https://laodong.vn/cong-doan/ldld-nghe-an-va-ldld-tp-ha-noi-900003.ldo"
URL_000 = "https://laodongthudo.vn/ldld-quan-long-bien-10000.html"


# --- building corpora from the real seeds ---------------------------------------------


def page(stem: str, site: str = "ldtd", meta: str = "og", url: str = URL_000, popular=()) -> str:
    story = story_from_text(seed_text(stem), random.Random(1))
    story.popular = list(popular)
    return render(story, site, meta, url)


def seed_article(stem: str):
    return extract(seed_text(stem), stem, stem + ".txt")


def record(stem: str, **fields) -> dict:
    """A scraper's record of a seed: its headline and the rest of the file's text as body."""
    title, _, body = seed_text(stem).lstrip("-> \n").partition("\n")
    return {"title": title, "body": body, **fields}


def jsonl(*items) -> str:
    return "".join((item if isinstance(item, str) else json.dumps(item, ensure_ascii=False)) + "\n" for item in items)


def write(folder: Path, files: dict[str, str | bytes]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content, "utf-8")
    return folder


@pytest.fixture
def lb(cli, tmp_path, engine):
    """`lbsearch ...` on an index in tmp_path/ix (the test runs once per engine); "index"
    indexes tmp_path/corpus."""
    corpus, ix = tmp_path / "corpus", tmp_path / "ix"

    def run(*args: str):
        if args[0] == "index":
            return cli("index", str(corpus), "--index", str(ix), *args[1:])
        return cli(*args, "--index", str(ix))

    run.corpus, run.ix = corpus, ix
    return run


def hits(lb, query: str, *options: str) -> list[dict]:
    run = lb("search", query, "--json", "-n", "50", *options)
    assert run.status in (0, 1), run.err
    document = json.loads(run.out)
    assert document["total"] == len(document["hits"])
    return document["hits"]


def warnings_of(run) -> list[str]:
    lines = run.err.splitlines()
    assert all(line.startswith("lbsearch: warning: ") for line in lines), run.err
    assert "Traceback" not in run.err
    return lines


def assert_index_ok(run) -> None:
    """The command succeeded and stdout holds the report line only: warnings go to stderr."""
    assert run.status == 0, run.err
    assert len(run.out.splitlines()) == 1 and run.out.startswith("indexed ") and "warning" not in run.out


# --- saved HTML pages ------------------------------------------------------------------


def test_html_pages_give_title_date_and_url(lb):
    write(lb.corpus, {
        "og.html": page(S003, "ld", "og", URL_003),
        "jsonld.html": page(S004, "ldtd", "jsonld", "https://laodongthudo.vn/gia-lam-1.html"),
        "time.htm": page(S002, "ldtd", "time", "https://laodongthudo.vn/long-bien-2.html"),
        "bare.html": page(S000, "ldtd", "none"),  # no metadata: the visible byline gives the date
    })
    assert_index_ok(lb("index"))
    by_id = {h["id"]: h for h in hits(lb, "công đoàn")}
    assert set(by_id) == {"og", "jsonld", "time", "bare"}

    og = by_id["og"]
    assert og["title"] == "LĐLĐ Nghệ An và LĐLĐ TP Hà Nội ký kết chương trình phối hợp công tác"
    assert (og["date"], og["date_source"], og["url"]) == ("2022-05-20", "metadata", URL_003)
    assert og["path"] == str(lb.corpus / "og.html") and og["copies"] == []
    assert by_id["jsonld"]["date_source"] == "metadata" and by_id["jsonld"]["url"].endswith("gia-lam-1.html")
    assert by_id["time"]["date_source"] == "metadata" and by_id["time"]["url"].endswith("long-bien-2.html")
    bare = by_id["bare"]
    assert bare["url"] is None and bare["date_source"] == "byline"
    # story_from_text dates a seed without byline with its rng; the page shows it only in the byline
    assert bare["date"] == story_from_text(seed_text(S000), random.Random(1)).published.date().isoformat()
    assert bare["title"] == seed_article(S000).title and bare["districts"] == ["Long Biên", "Gia Lâm"]

    shown = lb("show", "og", "--json")
    record_ = json.loads(shown.out)
    assert shown.status == 0 and record_["url"] == URL_003 and record_["copies"] == []
    assert "Kha Văn Tám" in record_["body"]
    for furniture in ("Đường dây nóng", "Trang chủ", "Sao chép liên kết", "Từ khóa", "Cơ quan chủ quản"):
        assert furniture not in record_["body"], furniture


def test_related_boxes_navigation_and_sidebar_never_make_a_page_match(lb):
    sidebar = ["Công nhân huyện Sóc Sơn nhận quà Tết sớm", "Xuân Vwxyz ấm áp cho người lao động Mê Linh"]
    write(lb.corpus, {"nghe-an.html": page(S003, "ld", "og", URL_003, popular=sidebar)})
    assert_index_ok(lb("index"))
    assert [h["id"] for h in hits(lb, "Kha Văn Tám")] == ["nghe-an"]  # the page is indexed
    for word in ("MICCO", "trầm cảm", "Vwxyz", "Emagazine", "Zalo", "Giấy phép"):
        run = lb("search", word)
        assert run.status == 1 and run.out == "", word  # related box, sidebar, menu, share, footer
    for district in ("Sóc Sơn", "Mê Linh"):
        assert lb("search", "công đoàn", "--district", district).status == 1, district
    assert json.loads(lb("show", "nghe-an", "--json").out)["districts"] == []
    assert json.loads(lb("stats", "--json").out)["per_district"] == {}


def test_search_output_carries_url_and_copies_in_json_jsonl_and_terminal(lb):
    write(lb.corpus, {"nghe-an.html": page(S003, "ld", "og", URL_003), f"{S004}.txt": seed_text(S004)})
    assert_index_ok(lb("index"))
    document = json.loads(lb("search", "công đoàn", "--json").out)
    urls = {h["id"]: h["url"] for h in document["hits"]}
    assert urls == {"nghe-an": URL_003, S004: None}
    assert all(h["copies"] == [] for h in document["hits"])
    lines = [json.loads(line) for line in lb("search", "công đoàn", "--jsonl").out.splitlines()]
    assert {h["id"]: (h["url"], h["copies"]) for h in lines} == {"nghe-an": (URL_003, []), S004: (None, [])}

    text = lb("search", "Kha Văn Tám").out.splitlines()
    assert text[0].startswith("1. LĐLĐ Nghệ An") and "nghe-an" in text[1]
    assert text[2] == "   " + URL_003  # the address, under the hit's meta line
    plain = lb("search", "Lixil").out.splitlines()
    assert "Lixil" in plain[2] and "http" not in "\n".join(plain[:3])  # no address line without a url
    shown = lb("show", "nghe-an").out
    assert URL_003 in shown.splitlines()[:4]


def test_the_url_reaches_a_pipe_without_escape_codes(tmp_path):
    corpus = write(tmp_path / "corpus", {"nghe-an.html": page(S003, "ld", "og", URL_003)})
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    base = [sys.executable, "-m", "lbsearch"]
    ix = str(tmp_path / "ix")
    assert subprocess.run([*base, "index", str(corpus), "--index", ix], capture_output=True, env=env).returncode == 0
    run = subprocess.run([*base, "search", "Kha Văn Tám", "--index", ix], capture_output=True, env=env)
    out = run.stdout.decode("utf-8")
    assert run.returncode == 0 and "\x1b" not in out
    assert out.splitlines()[2] == "   " + URL_003


# --- JSON Lines ---------------------------------------------------------------------------


def test_jsonl_records_are_articles_with_ids_dates_and_urls(lb):
    feed = jsonl(
        record(S003, id=7, published_at="2022-05-20T17:40:00+07:00", link=URL_003),
        {"headline": seed_article(S004).title, "content": seed_article(S004).body,
         "url": "https://laodongthudo.vn/gia-lam-3.html", "published": "05/12/2025 13:15"},
        {"title": seed_article(S002).title, "text": seed_article(S002).body.split("\n")},  # body as a list
    )
    listing = json.dumps([{"title": seed_article(S000).title, "article": seed_article(S000).body,
                           "guid": "abc", "date": "2025-02-13"}], ensure_ascii=False, indent=1)
    write(lb.corpus, {"crawl/feed.jsonl": feed, "list.json": listing})
    run = lb("index")
    assert_index_ok(run)
    assert run.err == "" and "2 added" in run.out and "4 articles read" in run.out
    by_id = {h["id"]: h for h in hits(lb, "công đoàn")}
    assert set(by_id) == {"crawl/feed#7", "crawl/feed#https://laodongthudo.vn/gia-lam-3.html",
                          "crawl/feed#line-3", "list#abc"}
    nghe_an = by_id["crawl/feed#7"]
    assert (nghe_an["date"], nghe_an["date_source"], nghe_an["url"]) == ("2022-05-20", "record", URL_003)
    assert nghe_an["path"] == str(lb.corpus / "crawl" / "feed.jsonl")
    gia_lam = by_id["crawl/feed#https://laodongthudo.vn/gia-lam-3.html"]
    assert (gia_lam["date"], gia_lam["date_source"]) == ("2025-12-05", "record")
    assert by_id["crawl/feed#line-3"]["url"] is None and by_id["crawl/feed#line-3"]["districts"] == seed_article(S002).districts
    assert (by_id["list#abc"]["date"], by_id["list#abc"]["date_source"]) == ("2025-02-13", "record")
    assert [h["id"] for h in hits(lb, "MICCO")] == []  # the seed's related list stays out of a record too
    shown = lb("show", "crawl/feed#7", "--json")
    assert shown.status == 0 and json.loads(shown.out)["url"] == URL_003


def test_bad_records_are_one_warning_each_and_the_rest_is_indexed(lb):
    feed = jsonl(
        record(S003, id=1),
        '{"title": "Hỏng", "body": ',          # line 2: invalid JSON
        {"title": 5, "body": "Năm"},            # line 3: a title that is a number
        [1, 2, 3],                              # line 4: not an object
        "",                                     # line 5: blank, nothing to say
        record(S004, id=6),
        '"một chuỗi"',                          # line 7: a string
    )
    write(lb.corpus, {"feed.jsonl": feed, f"{S000}.txt": seed_text(S000)})
    for path in lb.corpus.iterdir():  # older than a run's racy window: not read again next time
        os.utime(path, (1_700_000_000, 1_700_000_000))
    run = lb("index")
    assert_index_ok(run)
    warned = warnings_of(run)
    assert len(warned) == 4, warned
    for line, warning in zip((2, 3, 4, 7), warned):
        assert f"feed.jsonl: line {line}: " in warning, warning
    assert "title is a number" in warned[1]
    assert [h["id"] for h in hits(lb, "Kha Văn Tám")] == ["feed#1"]
    assert [h["id"] for h in hits(lb, "Lixil")] == ["feed#6"]
    assert json.loads(lb("stats", "--json").out)["articles"] == 3
    again = lb("index")  # nothing changed: the file is not read again, nor warned about
    assert again.status == 0 and again.err == "" and "2 unchanged" in again.out


# --- hostile input ------------------------------------------------------------------------


def test_hostile_files_are_one_warning_each_never_a_traceback(lb):
    nghe_an = page(S003, "ld", "og", URL_003)
    long_bien = page(S000, "ldtd", "none")
    content = nghe_an.index('class="content"')
    cut = nghe_an.index("<p", nghe_an.index("<p", content) + 1) + 2  # inside the second paragraph's tag
    unclosed = nghe_an.replace("</p>", "").replace("</div>", "").replace("</section>", "").replace("</ul>", "")
    cp1258 = long_bien.replace('<meta charset="utf-8">', '<meta charset="windows-1258">')
    huge = '{"title": "Quá lớn", "body": "' + "công đoàn " * (900 * 1024) + '"}'
    assert len(huge.encode()) > 8 * 1024 * 1024
    write(lb.corpus, {
        "truncated.html": nghe_an[:cut],
        "unclosed.html": unclosed,
        "nul-garbage.html": bytes(range(256)) * 40,
        "high-garbage.htm": bytes(range(128, 256)) * 40,
        "cp1258-meta.html": to_cp1258(cp1258),
        "cp1258-bare.html": to_cp1258(long_bien.replace('<meta charset="utf-8">', "")),
        "utf16.html": long_bien.encode("utf-16"),
        "huge.jsonl": jsonl(record(S004, id="a"), huge, {"title": ["không"], "body": "x"}, record(S002, id="b")),
        "empty.jsonl": "",
        "settings.json": json.dumps({"editor.fontSize": 14, "files.exclude": {"**/.git": True}}),
    })
    run = lb("index")
    assert_index_ok(run)
    warned = warnings_of(run)
    expected = {"nul-garbage.html": "", "high-garbage.htm": "", "huge.jsonl: line 2": "8 MiB",
                "huge.jsonl: line 3": "title is a list", "empty.jsonl": "empty", "settings.json": ""}
    assert len(warned) == len(expected), warned
    for name, reason in expected.items():
        assert any(name in w and reason in w for w in warned), (name, warned)

    shown = {h["id"]: h for h in hits(lb, "LĐLĐ", "--all-copies")}
    assert set(shown) == {"truncated", "unclosed", "cp1258-meta", "cp1258-bare", "utf16", "huge#a", "huge#b"}
    assert shown["truncated"]["title"] == shown["unclosed"]["title"] == seed_article(S003).title
    assert shown["unclosed"]["date"] == "2022-05-20" and shown["unclosed"]["url"] == URL_003
    assert "MICCO" not in json.loads(lb("show", "unclosed", "--json").out)["body"]
    title = seed_article(S000).title
    for name in ("cp1258-meta", "cp1258-bare", "utf16"):
        assert shown[name]["title"] == title, name  # decoded, not mojibake
        assert shown[name]["districts"] == ["Long Biên", "Gia Lâm"], name
    assert {h["id"] for h in hits(lb, '"Nguyễn Đức Thể"', "--all-copies")} == {"cp1258-meta", "cp1258-bare", "utf16"}


# --- copies of one story ------------------------------------------------------------------


@pytest.fixture
def txt_and_record(lb):
    """The same seed as a text file and as a record of a feed, same text: one story."""
    write(lb.corpus, {"a-story.txt": seed_text(S000), "b-feed.jsonl": jsonl(record(S000, id="s0"))})
    run = lb("index")
    assert_index_ok(run)
    assert "1 copies of other articles' stories" in run.out
    return lb.corpus / "a-story.txt", lb.corpus / "b-feed.jsonl"


def test_a_story_in_two_files_is_one_hit_listing_the_other(lb, txt_and_record):
    txt, feed = txt_and_record
    found = hits(lb, "quy che phoi hop")
    assert [(h["id"], h["copies"]) for h in found] == [("a-story", [str(feed)])]  # kept: same size, no date, path
    every = hits(lb, "quy che phoi hop", "--all-copies")
    assert sorted((h["id"], h["copies"]) for h in every) == [("a-story", [str(feed)]), ("b-feed#s0", [str(txt)])]
    assert json.loads(lb("show", "b-feed#s0", "--json").out)["copies"] == [str(txt)]
    assert json.loads(lb("show", "a-story", "--json").out)["copies"] == [str(feed)]
    text = lb("search", "quy che phoi hop").out
    assert "+1 copy" in text.splitlines()[1]
    assert f"copy: {feed}" in lb("show", "a-story").out


def test_a_word_only_a_copy_has_finds_that_copy(lb):
    """A copy is left out only where its kept copy matches too: hiding it always would
    lose the only article that has the word."""
    text = seed_text(S003)
    lines = text.split("\n")
    fuller = "\n".join([*lines[:4], "Thêm một đoạn nữa về hội nghị của hai đơn vị.", *lines[4:]])
    write(lb.corpus, {"a-full.txt": fuller, "b-copy.txt": text.replace("Kha Văn Tám", "Kha Văn Támm", 1)})
    assert "1 copies of other articles' stories" in lb("index").out
    assert [h["id"] for h in hits(lb, "Kha Văn Tám")] == ["a-full"]
    only_copy = hits(lb, "Támm")
    assert [h["id"] for h in only_copy] == ["b-copy"] and only_copy[0]["copies"] == [str(lb.corpus / "a-full.txt")]
    assert json.loads(lb("stats", "Támm", "--json").out)["articles"] == 1


def test_texts_near_ninety_percent_are_judged_on_the_texts(lb):
    """The signatures' estimate errs near 0.9: there the texts themselves decide. Seed 003's
    paragraphs less its last two are 88% the same text as all of them (estimated 0.92),
    less its last one 93%."""
    lines = seed_text(S003).split("\n")
    paragraphs = [line for line in lines if len(line) > 200]
    write(lb.corpus, {name: "\n".join([lines[0], *paragraphs[:len(paragraphs) - left_out]])
                      for name, left_out in (("a-all.txt", 0), ("b-less-two.txt", 2))})
    assert "copies of other" not in lb("index").out
    assert len(hits(lb, "Kha Văn Tám")) == 2
    # 93% the same as the first, and more than 90% as the second: one story of three.
    write(lb.corpus, {"c-less-one.txt": "\n".join([lines[0], *paragraphs[:-1]])})
    assert "2 copies of other articles' stories" in lb("index").out
    assert [(h["id"], len(h["copies"])) for h in hits(lb, "Kha Văn Tám")] == [("a-all", 2)]


def test_stats_count_a_story_once_unless_all_copies(lb, txt_and_record):
    figures = json.loads(lb("stats", "--json").out)
    assert figures["articles"] == 1 and figures["per_district"] == {"Long Biên": 1, "Gia Lâm": 1}
    assert json.loads(lb("stats", "--json", "--all-copies").out)["articles"] == 2
    assert json.loads(lb("stats", "quy che", "--json").out)["articles"] == 1
    assert json.loads(lb("stats", "quy che", "--json", "--all-copies").out)["articles"] == 2
    assert "1 article" in lb("stats").out


def test_a_copy_edited_to_differ_is_its_own_hit_again_and_back(lb, txt_and_record):
    txt, feed = txt_and_record
    first_third = "\n".join(seed_text(S000).split("\n")[:4])
    txt.write_text(first_third, "utf-8")
    run = lb("index")
    assert_index_ok(run)
    assert "1 updated" in run.out and "copies of other" not in run.out
    found = hits(lb, "quy che phoi hop")
    assert sorted((h["id"], h["copies"]) for h in found) == [("a-story", []), ("b-feed#s0", [])]
    assert json.loads(lb("stats", "--json").out)["articles"] == 2
    txt.write_text(seed_text(S000), "utf-8")  # the same again: one story again
    assert "1 copies of other articles' stories" in lb("index").out
    assert [(h["id"], h["copies"]) for h in hits(lb, "quy che phoi hop")] == [("a-story", [str(feed)])]


def test_the_kept_copy_deleted_makes_the_other_the_hit(lb, txt_and_record):
    txt, feed = txt_and_record
    txt.unlink()
    run = lb("index")
    assert run.status == 0 and "1 removed" in run.out
    assert [(h["id"], h["copies"]) for h in hits(lb, "quy che phoi hop")] == [("b-feed#s0", [])]
    assert json.loads(lb("show", "b-feed#s0", "--json").out)["copies"] == []
    assert lb("show", "a-story").status == 1


def test_three_copies_lose_the_kept_one_and_stay_one_story(lb):
    write(lb.corpus, {"a.txt": seed_text(S003), "b.txt": seed_text(S003), "c.jsonl": jsonl(record(S003, id=1))})
    assert "2 copies of other" in lb("index").out
    assert [(h["id"], len(h["copies"])) for h in hits(lb, "Kha Văn Tám")] == [("a", 2)]
    (lb.corpus / "a.txt").unlink()
    lb("index")
    assert [(h["id"], h["copies"]) for h in hits(lb, "Kha Văn Tám")] == [("b", [str(lb.corpus / "c.jsonl")])]
    assert len(hits(lb, "Kha Văn Tám", "--all-copies")) == 2


def test_records_with_the_same_url_are_one_story_whatever_their_text(lb):
    url = "https://laodongthudo.vn/cung-dia-chi-1.html"
    write(lb.corpus, {
        "one.jsonl": jsonl(record(S000, url=url)),
        "two.jsonl": jsonl(record(S002, url=url)),  # another text, the same address
        "ids.jsonl": jsonl(record(S003, id=1, url=URL_003), record(S004, id=2, url=URL_003)),
    })
    assert_index_ok(lb("index"))
    long_bien = hits(lb, "Long Biên")  # both texts name Long Biên
    assert len(long_bien) == 1 and long_bien[0]["url"] == url
    other = {"one": str(lb.corpus / "two.jsonl"), "two": str(lb.corpus / "one.jsonl")}
    assert long_bien[0]["copies"] == [other[long_bien[0]["id"].split("#")[0]]]
    assert len(hits(lb, "Long Biên", "--all-copies")) == 2
    assert len(hits(lb, "công đoàn", "--all-copies")) == 4
    assert len(hits(lb, "công đoàn")) == 2
    assert json.loads(lb("stats", "--json").out)["articles"] == 2


def test_the_kept_copy_is_the_fullest_then_the_earliest(engine, tmp_path):
    corpus = write(tmp_path / "corpus", {
        # the article and one sentence more: the fullest, though first neither by date nor path
        "z-longer.txt": seed_text(S003).replace("\nThời gian qua,", "\nHai bên cùng ký biên bản ghi nhớ. Thời gian qua,", 1),
        "feed.jsonl": jsonl(record(S003, id="late", date="2022-06-01"), record(S003, id="early", date="2022-05-21")),
        "other.jsonl": jsonl(record(S004, id="late", date="2022-06-01"), record(S004, id="early", date="2022-05-21")),
    })
    update_index(corpus, tmp_path / "ix")
    reader = open_index(tmp_path / "ix")
    nghe_an = search(reader, SearchOptions("Kha Văn Tám")).hits
    assert [h.id for h in nghe_an] == ["z-longer"] and len(nghe_an[0].copies) == 2
    gia_lam = search(reader, SearchOptions("Lixil")).hits
    assert [h.id for h in gia_lam] == ["other#early"]


# --- incremental updates ---------------------------------------------------------------


def test_a_growing_jsonl_file_adds_its_new_records_without_duplicates(lb):
    feed = lb.corpus / "feed.jsonl"
    write(lb.corpus, {"feed.jsonl": jsonl(record(S000, id=1), record(S003, id=2))})
    assert_index_ok(lb("index"))
    with feed.open("a", encoding="utf-8") as handle:
        handle.write(jsonl(record(S002, id=3), record(S004, id=4, url="https://laodongthudo.vn/gia-lam-9.html")))
    run = lb("index")
    assert_index_ok(run)
    assert "0 added, 1 updated" in run.out
    assert [h["id"] for h in hits(lb, "Lixil", "--all-copies")] == ["feed#4"]
    assert hits(lb, "Lixil")[0]["url"] == "https://laodongthudo.vn/gia-lam-9.html"
    assert [h["id"] for h in hits(lb, '"Nguyễn Đức Thể"', "--all-copies")] == ["feed#1"]
    assert [h["id"] for h in hits(lb, "Kha Văn Tám", "--all-copies")] == ["feed#2"]
    assert json.loads(lb("stats", "--json", "--all-copies").out)["articles"] == 4
    assert "1 unchanged" in lb("index").out


def test_incremental_copies_equal_a_fresh_build(lb, tmp_path):
    write(lb.corpus, {"a.txt": seed_text(S000), "b.jsonl": jsonl(record(S000, id=1), record(S003, id=2)),
                      "c.html": page(S003, "ld", "og", URL_003)})
    lb("index")
    (lb.corpus / "a.txt").unlink()
    write(lb.corpus, {"d.jsonl": jsonl(record(S003, id=9, url=URL_003)), "e.txt": seed_text(S000)})
    lb("index")
    update_index(lb.corpus, tmp_path / "fresh")
    for query in ("quy che phoi hop", "Kha Văn Tám", "công đoàn"):
        for all_copies in (False, True):
            options = SearchOptions(query, limit=50, all_copies=all_copies)
            got = [(h.id, sorted(h.copies)) for h in search(open_index(lb.ix), options).hits]
            fresh = [(h.id, sorted(h.copies)) for h in search(open_index(tmp_path / "fresh"), options).hits]
            assert sorted(got) == sorted(fresh), (query, all_copies)


def test_a_grown_feed_keeps_its_copies_of_other_files(lb, txt_and_record):
    txt, feed = txt_and_record
    with feed.open("a", encoding="utf-8") as handle:
        handle.write(jsonl(record(S004, id="new")))
    run = lb("index")
    assert_index_ok(run)
    assert "1 copies of other articles' stories" in run.out
    assert [(h["id"], h["copies"]) for h in hits(lb, '"Nguyễn Đức Thể"')] == [("a-story", [str(feed)])]
    assert [h["id"] for h in hits(lb, "Lixil")] == ["b-feed#new"]
    assert json.loads(lb("stats", "--json").out)["articles"] == 2


def _same_as_a_fresh_build(lb, fresh: Path, query: str) -> None:
    for all_copies in (False, True):
        options = SearchOptions(query, limit=50, all_copies=all_copies)
        got = sorted((h.id, h.title, h.copies) for h in search(open_index(lb.ix), options).hits)
        expected = sorted((h.id, h.title, h.copies) for h in search(open_index(fresh), options).hits)
        assert got == expected, all_copies


def test_a_grown_feed_indexes_like_a_fresh_build(lb, tmp_path):
    """Records appended to a feed: keys by line go on counting, a copy of an earlier record
    is one story with it, a bad appended line is one warning."""
    feed = lb.corpus / "feed.jsonl"
    write(lb.corpus, {"feed.jsonl": jsonl(record(S000), record(S003, id="x"))})
    assert_index_ok(lb("index"))
    with feed.open("a", encoding="utf-8") as handle:
        handle.write(jsonl(record(S004), "{broken", record(S003, id="y")))
    grown = lb("index")
    assert_index_ok(grown)
    assert [w.rsplit(": ", 3)[-3:] for w in warnings_of(grown)] == [["line 4", "not valid JSON (Expecting property name enclosed in double quotes)", "skipped"]]
    update_index(lb.corpus, tmp_path / "fresh")
    _same_as_a_fresh_build(lb, tmp_path / "fresh", "công đoàn")
    assert {h["id"] for h in hits(lb, "công đoàn", "--all-copies")} == {"feed#line-1", "feed#x", "feed#line-3", "feed#y"}
    assert [(h["id"], h["copies"]) for h in hits(lb, "Kha Văn Tám")] == [("feed#x", [str(feed)])]


def test_a_record_appended_with_an_earlier_id_is_refused_as_in_a_fresh_build(lb, tmp_path):
    feed = lb.corpus / "feed.jsonl"
    write(lb.corpus, {"feed.jsonl": jsonl(record(S000, id="x"), record(S004, url=URL_003))})
    assert_index_ok(lb("index"))
    with feed.open("a", encoding="utf-8") as handle:
        handle.write(jsonl(record(S002, id="x"), record(S003, url=URL_003)))
    grown = lb("index")
    update_index(lb.corpus, tmp_path / "fresh", on_warning=(warned := []).append)
    assert any("line 3: same id as line 1" in w for w in warned)
    assert any("line 4: same address as line 2" in w for w in warned)
    assert [w.split("feed.jsonl: ", 1)[1] for w in warnings_of(grown)] == [w.split("feed.jsonl: ", 1)[1] for w in warned]
    assert [h["id"] for h in hits(lb, "công đoàn", "--all-copies")].count("feed#x") == 1
    _same_as_a_fresh_build(lb, tmp_path / "fresh", "công đoàn")


def test_a_jsonl_list_file_that_grows_indexes_like_a_fresh_build(lb, tmp_path):
    feed = lb.corpus / "feed.jsonl"
    write(lb.corpus, {"feed.jsonl": json.dumps([record(S000), record(S003)], ensure_ascii=False, indent=1) + "\n"})
    assert_index_ok(lb("index"))
    with feed.open("a", encoding="utf-8") as handle:
        handle.write(jsonl(record(S004)))
    assert lb("index").status == 0
    update_index(lb.corpus, tmp_path / "fresh")
    _same_as_a_fresh_build(lb, tmp_path / "fresh", "công đoàn")
