"""lbsearch.pages: saved news pages of both sites to headline, lines, date and address."""

from __future__ import annotations

import datetime
import random
import unicodedata

import pytest

from bench.htmlpages import FOOTER, MENU, Chain, generated_story, render, story_from_text, url_of
from lbsearch.pages import declared_charset, read_page

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
