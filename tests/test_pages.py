"""lbsearch.pages: saved news pages to headline, lines, date and address: generated pages of
both sites, real pages of nine Vietnamese news sites (read as a reader reads them), and
hostile pages (read in bounded time)."""

from __future__ import annotations

import datetime
import json
import random
import time
import unicodedata
from pathlib import Path

import pytest

from bench.htmlpages import FOOTER, MENU, Chain, generated_story, render, story_from_text, url_of
from lbsearch.extract import SkipFile, load_file
from lbsearch.pages import declared_charset, read_page
from lbsearch.text import fold_text

from .conftest import seed_text, to_cp1258


@pytest.fixture(scope="module")
def stories():
    rng = random.Random(11)
    chain = Chain(rng)
    return [generated_story(chain, rng, n) for n in range(4)]


def _norm(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("site", ["ldtd", "ld"])
@pytest.mark.parametrize("meta", ["og", "jsonld", "time"])
def test_page_of_each_site_gives_article_and_metadata(stories, site, meta):
    story = stories[["og", "jsonld", "time"].index(meta)]
    url = url_of(story, site, 42)
    page = read_page(render(story, site, meta, url))

    assert page.title == story.title
    text = "\n".join(page.lines)
    for paragraph in story.paragraphs + story.captions:
        assert _norm(paragraph) in page.lines
    assert page.lines[0] == f"{story.section} - {story.published:%d/%m/%Y %H:%M}"
    for furniture in story.related + story.popular:
        assert furniture not in text
    for label in [*MENU, *(s for subs in MENU.values() for s in subs)]:
        assert label not in page.lines
    assert "Đường dây nóng" not in text and FOOTER[:40] not in text
    assert "Có thể bạn quan tâm" not in page.lines and "Tin liên quan" not in page.lines
    assert page.date == story.published.date()
    assert page.url == url


def test_real_seed_rendered_as_page(stories):
    story = story_from_text(seed_text("003_b5d277c22c92321f"), random.Random(1))
    page = read_page(render(story, "ld", "og", "https://laodong.vn/cong-doan/a-1.ldo"))
    assert page.title == "LĐLĐ Nghệ An và LĐLĐ TP Hà Nội ký kết chương trình phối hợp công tác"
    assert page.lines[0] == "Hoạt động Công đoàn - 20/05/2022 17:40"
    assert "Đồng chí Kha Văn Tám - Chủ tịch LĐLĐ tỉnh Nghệ An phát biểu tại buổi lễ. Ảnh: MAI LIỄU" in page.lines
    assert not any("MICCO" in line for line in page.lines)  # a "Tin cùng chuyên mục" headline
    assert page.date == datetime.date(2022, 5, 20)


def test_page_without_metadata_keeps_the_byline(stories):
    story = stories[3]
    page = read_page(render(story, "ldtd", "none", "https://laodongthudo.vn/x-1.html"))
    assert page.date is None and page.url is None
    assert page.lines[0] == f"{story.section} - {story.published:%d/%m/%Y %H:%M}"
    assert page.lines[1] == _norm(story.paragraphs[0])


def _page(head: str, body: str = "<h1>Tiêu đề bài</h1><p>Đoạn văn đầu tiên của bài báo về công đoàn.</p>") -> str:
    return f"<!DOCTYPE html><html><head>{head}</head><body><article>{body}</article></body></html>"


META = '<meta property="article:published_time" content="2024-03-05T08:00:00+07:00">'
LD = '<script type="application/ld+json">{"@type": "NewsArticle", "datePublished": "2023-02-04"}</script>'
GRAPH = ('<script type="application/ld+json">{"@context": "https://schema.org", "@graph": [{"@type": "WebSite"},'
         ' {"@type": ["Article"], "datePublished": "2021-12-31T23:00:00Z",'
         ' "mainEntityOfPage": {"@id": "https://laodong.vn/a-2.ldo"}}]}</script>')
TIME = '<time datetime="2022-01-02T10:00">02/01/2022</time>'


@pytest.mark.parametrize(
    ("head", "body_extra", "expected"),
    [
        (META + LD, TIME, datetime.date(2024, 3, 5)),
        (LD, TIME, datetime.date(2023, 2, 4)),
        (GRAPH, TIME, datetime.date(2021, 12, 31)),
        ('<script type="application/ld+json">{not json</script>', TIME, datetime.date(2022, 1, 2)),
        ('<meta property="article:published_time" content="2024-02-30">', "", None),
        ("", "", None),
    ],
)
def test_date_sources_in_order_of_trust(head, body_extra, expected):
    page = read_page(_page(head, "<h1>Tiêu đề</h1>" + body_extra + "<p>Nội dung bài viết về công đoàn.</p>"))
    assert page.date == expected


def test_url_sources_and_only_absolute_http():
    canonical = '<link rel="canonical" href="https://laodongthudo.vn/a-1.html">'
    og = '<meta property="og:url" content="https://laodongthudo.vn/og-1.html">'
    assert read_page(_page(og + canonical)).url == "https://laodongthudo.vn/a-1.html"
    assert read_page(_page(og)).url == "https://laodongthudo.vn/og-1.html"
    assert read_page(_page(GRAPH)).url == "https://laodong.vn/a-2.ldo"
    assert read_page(_page('<link rel="canonical" href="/a-1.html">' + og)).url == "https://laodongthudo.vn/og-1.html"
    assert read_page(_page('<link rel="canonical" href="javascript:alert(1)">')).url is None


def test_title_falls_back_to_og_title_then_title_without_site_name():
    body = "<p>Nội dung bài viết về hoạt động công đoàn quận Long Biên.</p>"
    og = '<meta property="og:title" content="Tiêu đề &amp; og">'
    assert read_page(_page(og + "<title>Khác - Lao Động Thủ Đô</title>", body)).title == "Tiêu đề & og"
    assert read_page(_page("<title>Hợp tác - hữu nghị - Lao Động Thủ Đô</title>", body)).title == "Hợp tác - hữu nghị"
    assert read_page(_page("<title>Quan hệ hữu nghị - hợp tác</title>", body)).title == "Quan hệ hữu nghị - hợp tác"


def test_broken_html_gives_a_page_or_value_error(stories):
    story = stories[0]
    html = render(story, "ldtd", "og", "https://laodongthudo.vn/a-1.html")
    first = html.index("<p>", html.index('class="content"'))
    cut = read_page(html[: html.index("<p>", first + 3) + 2])  # truncated inside the second paragraph's tag
    assert cut.title == story.title and _norm(story.paragraphs[1]) in cut.lines

    unclosed = read_page(html.replace("</p>", "").replace("</div>", "").replace("</article>", ""))
    assert unclosed.title == story.title
    for paragraph in story.paragraphs:
        assert _norm(paragraph) in unclosed.lines
    assert "Đường dây nóng" not in "\n".join(unclosed.lines)  # the top bar comes before the headline

    rng = random.Random(3)
    for _ in range(30):
        garbage = bytes(rng.randrange(256) for _ in range(2000)).decode("cp1258", errors="replace")
        try:
            page = read_page("<html><body><p>" + garbage)
        except ValueError:
            continue
        assert page.lines and all(line == _norm(line) != "" for line in page.lines)


def test_windows_1258_page():
    html = _page('<meta http-equiv="Content-Type" content="text/html; charset=windows-1258">',
                 "<h1>Công đoàn Thủ đô làm theo lời Bác</h1><p>Đoàn viên, người lao động Hà Nội.</p>")
    data = to_cp1258(html)
    assert declared_charset(data) == "cp1258"
    page = read_page(unicodedata.normalize("NFC", data.decode(declared_charset(data))))
    assert page.title == "Công đoàn Thủ đô làm theo lời Bác"
    assert page.lines == ["Đoàn viên, người lao động Hà Nội."]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b'<html><head><meta charset="UTF-8">', "utf-8"),
        (b"<meta charset=windows-1258 />", "cp1258"),
        (b'<META HTTP-EQUIV="Content-Type" CONTENT="text/html; charset=ISO-8859-1">', "cp1252"),
        (b'<meta charset="no-such-charset">', None),
        (b"<html><head><title>x</title>", None),
        (b" " * 5000 + b'<meta charset="utf-8">', None),
    ],
)
def test_declared_charset(data, expected):
    assert declared_charset(data) == expected


@pytest.mark.parametrize(
    "text",
    [
        seed_text("000_de9231ce01b27642"),  # a text article, not a page
        "",
        "<html><head><title>Trang</title></head><body><script>var x = 1;</script></body></html>",
        "<html><body><h1>Chỉ có tiêu đề</h1></body></html>",
    ],
)
def test_not_a_page_with_an_article(text):
    with pytest.raises(ValueError):
        read_page(text)


# --- real saved pages ---------------------------------------------------------------------

SHARED_PAGES = Path(__file__).resolve().parents[2] / "shared" / "realpages"
OWN_PAGES = Path(__file__).resolve().parent / "realpages"
# What shared/realpages/expected.json leaves out (the lead, the lines before the first
# sentence, the page's furniture), read by hand: tests/realpages/shared_extra.json.
SHARED_EXTRA = json.loads((OWN_PAGES / "shared_extra.json").read_text("utf-8"))


def _real_pages() -> list:
    cases = []
    for folder, extra in ((SHARED_PAGES, SHARED_EXTRA), (OWN_PAGES, {})):
        listing = folder / "expected.json"
        if not listing.is_file():
            cases.append(pytest.param(None, None, id=folder.name, marks=pytest.mark.skip(f"no {folder}")))
            continue
        for name, expected in json.loads(listing.read_text("utf-8")).items():
            cases.append(pytest.param(folder / name, {**expected, **extra.get(name, {})}, id=name[:-5]))
    return cases


def _visible_text(html: str) -> str:
    from resiliparse.extract.html2text import extract_plain_text
    from resiliparse.parse.html import HTMLTree
    return " ".join(extract_plain_text(HTMLTree.parse(html), main_content=False).split())


@pytest.mark.parametrize(("path", "expected"), _real_pages())
def test_real_page_reads_from_its_first_sentence_to_its_last(path, expected):
    article = load_file(path, path.name, str(path)).articles[0]
    assert article.title == expected["title"]
    assert (article.date.isoformat() if article.date else None) == expected["date"]

    lines = article.body.split("\n")
    assert lines[0].startswith(expected["lead"])
    first = next(i for i, line in enumerate(lines) if line.startswith(expected["first"]))
    assert set(lines[1:first]) <= set(expected.get("between", [])), lines[1:first]
    assert article.body.endswith(expected["last"])

    shown = _visible_text(path.read_bytes().decode("utf-8"))
    body = f" {fold_text(article.body)} "
    for phrase in expected["furniture"]:
        assert phrase in shown, "the phrase must really be on the page"
        assert f" {fold_text(phrase)} " not in body, phrase


# --- inline boxes and widgets ---------------------------------------------------------------

PARAGRAPHS = [
    "Chiều 3/12, Liên đoàn Lao động quận Long Biên tổ chức hội nghị giao ban cụm thi đua công đoàn.",
    "Phát biểu tại hội nghị, Chủ tịch LĐLĐ quận cho biết năm 2025 sẽ đổi mới phương thức hoạt động.",
    "Theo đó, các cụm thi đua được tăng quyền chủ động đề xuất và tổ chức các hoạt động của mình.",
    "Kết thúc hội nghị, các đại biểu thống nhất kế hoạch chăm lo Tết cho đoàn viên, người lao động.",
]
RELATED = ["Công nhân Sóc Sơn nhận quà Tết sớm từ công đoàn", "Mê Linh khánh thành nhà văn hóa công nhân"]


def _article_page(box: str, after: str = "") -> str:
    first, second, *rest = (f"<p>{p}</p>" for p in PARAGRAPHS)
    return (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>Hội nghị - Báo</title></head><body>'
            f'<div class="wrap"><h1>Hội nghị giao ban cụm thi đua</h1><div class="body">{first}{second}'
            f'{box}{"".join(rest)}</div>{after}</div></body></html>')


@pytest.mark.parametrize("box", [
    # a box the page names by its class: the structure says it is not the article
    '<div class="box-relate"><h3>Tin liên quan</h3><ul>{}</ul></div>',
    # a bare box: only its heading says what it is (extract's rule, as in text files)
    "<p><strong>Tin liên quan</strong></p><ul>{}</ul>",
    "<div><b>Xem thêm:</b></div>{}",
    "<p>ĐỌC THÊM</p>{}",
])
def test_an_inline_box_is_cut_out_and_the_article_goes_on(box, tmp_path):
    links = "".join(f'<li><a href="/{n}.html">{h}</a></li>' for n, h in enumerate(RELATED))
    path = tmp_path / "page.html"
    path.write_text(_article_page(box.format(links)), "utf-8")
    article = load_file(path, path.name, str(path)).articles[0]
    assert article.title == "Hội nghị giao ban cụm thi đua"
    assert article.body.split("\n") == PARAGRAPHS
    assert article.districts == ["Long Biên"]  # not Sóc Sơn, Mê Linh: only the box names them


def test_widgets_after_the_article_are_not_read(tmp_path):
    after = ('<div class="author">Hà Thu (tổng hợp)</div>'
             '<div><a href="/k">Trở lại Kinh doanh</a> <button>Copy link</button></div>'
             f'<div><a href="/x">{RELATED[0]}</a><p>Đoàn viên công đoàn huyện Sóc Sơn vui mừng nhận quà.</p></div>'
             '<div class="readmore">Đọc tiếp</div>'
             '<form><div>Trở thành người đầu tiên tặng sao cho bài viết 0 0 0</div>'
             '<div>Bình luận (0)</div><textarea>Ý kiến của bạn</textarea><div>Nhập mã xác nhận</div></form>'
             '<div>Gia hạn tài khoản bạn đọc VIP</div><div>Giấy phép số 91/GP-BTTTT cấp ngày 1/1/2024.</div>')
    path = tmp_path / "page.html"
    path.write_text(_article_page("", after), "utf-8")
    article = load_file(path, path.name, str(path)).articles[0]
    assert article.body.split("\n") == PARAGRAPHS


def test_the_page_reports_its_links():
    page = read_page(_article_page(f'<ul><li><a href="/a">{RELATED[0]}</a></li></ul>'))
    assert RELATED[0] in page.links and PARAGRAPHS[0] not in page.links


# --- hostile pages --------------------------------------------------------------------------

_HOSTILE_HEAD = '<!DOCTYPE html><html><head><meta charset="utf-8"><title>Trang</title></head><body><h1>Tiêu đề bài</h1>'
_TEXT = "<p>Công đoàn quận Long Biên tổ chức hội nghị tổng kết năm với nhiều đoàn viên tham dự.</p>"
HOSTILE = {
    # 2.2 MB: the text inside 200,000 nested <div>s (the main-content pass alone took over 300 s)
    "deep nesting": "<div>" * 200_000 + _TEXT + "</div>" * 200_000,
    "unclosed divs": _TEXT + "<div>x" * 100_000,
    "unclosed formatting": _TEXT + "<font><i>x" * 50_000,
    "misnested formatting": _TEXT + "<b><i>x</b></i>" * 50_000,
    "nested tables": _TEXT + "<table><tr><td>x" * 20_000,
    "huge attribute": f'<div class="{"a" * 2_000_000}">{_TEXT}</div>',
    "many elements": _TEXT + '<p><a href="/x">Tin khác</a></p>' * 120_000,
    "many furniture blocks": _TEXT + '<div class="related"><a href="/x">Tin khác</a></div>' * 50_000,
    "many dates": _TEXT + '<time datetime="2024-01-02">02/01/2024 10:00</time>' * 20_000,
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_a_hostile_page_is_read_in_bounded_time(name, tmp_path):
    path = tmp_path / "page.html"
    path.write_text(_HOSTILE_HEAD + HOSTILE[name] + "</body></html>", "utf-8")
    start = time.perf_counter()
    article = load_file(path, path.name, str(path)).articles[0]
    assert time.perf_counter() - start < 5  # a generous bound: each takes well under a second
    assert article.title == "Tiêu đề bài"
    assert article.lead == "Công đoàn quận Long Biên tổ chức hội nghị tổng kết năm với nhiều đoàn viên tham dự."


def test_a_page_with_thousands_of_attribute_names_is_skipped_with_the_reason(tmp_path):
    # lexbor's parser takes time quadratic in them: 40,000 take 8.6 s, 300,000 take minutes
    path = tmp_path / "page.html"
    path.write_text(_HOSTILE_HEAD + "".join(f"<i a{n}=x>" for n in range(40_000)) + _TEXT, "utf-8")
    start = time.perf_counter()
    with pytest.raises(SkipFile, match="attribute names"):
        load_file(path, path.name, str(path))
    assert time.perf_counter() - start < 5
