"""From a saved HTML news page to the pieces an article needs: headline, text lines, date, address.

This module owns reading HTML: the declared charset, the page's metadata (canonical
address, publication date from article:published_time, JSON-LD or <time datetime>)
and its main text, one paragraph per line, without menus, related-article boxes,
sidebars, footers or scripts. It is the only module that imports an HTML library,
and imports it inside functions, so that commands which read no page do not pay
for it. What the lines mean (bylines, furniture headings, districts) stays with
lbsearch.extract, whose rules run on these lines as on a text file's.

The main text comes from Resiliparse's main-content extraction (lexbor parser):
on pages shaped like laodongthudo.vn and laodong.vn it finds the same text as
trafilatura at a tenth of the cost (bench/extractors.py).
"""

from __future__ import annotations

import codecs
import datetime
import json
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from .dates import published_date

_CHARSET_RE = re.compile(rb"<meta[^>]*?charset\s*=\s*[\"']?\s*([A-Za-z0-9_.:-]+)", re.IGNORECASE)
_CHARSET_WINDOW = 4096  # the HTML standard looks at the first 1024 bytes; saved pages put more before it
# Labels that the HTML standard reads as another encoding than Python's codec of the same name.
_WHATWG_OVERRIDES = {"ascii": "cp1252", "latin-1": "cp1252", "iso8859-1": "cp1252",
                     "utf-16": "utf-8", "utf-16-le": "utf-8", "utf-16-be": "utf-8"}
_MARKUP_RE = re.compile(r"<(?:!doctype|html|head|body|meta|title|article|main|div|p|h1)\b", re.IGNORECASE)
# A " - Site Name" or " | Site Name" suffix of <title>: a few capitalised words, or a domain.
_TITLE_SUFFIX_RE = re.compile(r"\s+[-|–—]\s+((?:[A-ZĐÂĂÊÔƠƯÁÀẢÃẠ][\w.]*\s*){1,5}|[\w.-]+\.vn)$")
_OUTSIDE_HEADINGS = ":is(h2, h3, h4, h5, h6):not(article *)"
_HEADLINE_SEARCH_LINES = 12  # the headline opens the article: what precedes it is page chrome


@dataclass
class Page:
    title: str
    lines: list[str]
    date: datetime.date | None
    url: str | None


def declared_charset(data: bytes) -> str | None:
    """The charset an HTML page declares in its first few KB (<meta charset=...> or http-equiv content-type), normalised for Python's codecs (e.g. 'windows-1258' -> 'cp1258'), or None; unknown names -> None."""
    match = _CHARSET_RE.search(data[:_CHARSET_WINDOW])
    if not match:
        return None
    try:
        name = codecs.lookup(match[1].decode("ascii")).name
    except (LookupError, UnicodeDecodeError):
        return None
    return _WHATWG_OVERRIDES.get(name, name)


def read_page(html: str) -> Page:
    """Raise ValueError with a short reason when the text is not an HTML page with an article (no text at all)."""
    from resiliparse.extract.html2text import extract_plain_text
    from resiliparse.parse.html import HTMLParserException, HTMLTree

    if not _MARKUP_RE.search(html[:65536]):
        raise ValueError("no HTML markup")
    try:
        tree = HTMLTree.parse(html)
    except (HTMLParserException, UnicodeError, ValueError) as err:
        raise ValueError(f"unreadable HTML ({err})") from None
    if tree.document is None or tree.body is None:
        raise ValueError("no HTML body")
    meta = _metadata(tree)
    h1 = tree.body.query_selector("h1")
    title = _plain(h1.text) if h1 is not None else ""
    title = title or meta.get("og:title") or _strip_title_suffix(meta.get("title", ""))

    # Resiliparse drops <time> elements as page metadata: keep their text so the byline stays whole.
    for element in tree.body.query_selector_all("time"):
        element.replace_with(tree.create_text_node(element.text))
    # The main-content pass empties related boxes and sidebars but keeps their headings:
    # when the headline sits in an <article>, headings outside it are furniture. Images are
    # skipped rather than alt_texts=False, which also drops a <figure>'s caption.
    in_article = h1 is not None and h1.closest("article") is not None
    skip = ["img", _OUTSIDE_HEADINGS] if in_article else ["img"]
    options = {"alt_texts": True, "list_bullets": False, "links": False, "noscript": False, "comments": False,
               "skip_elements": skip}
    lines = _lines(extract_plain_text(tree, main_content=True, **options))
    if title in lines[:_HEADLINE_SEARCH_LINES]:
        del lines[: lines.index(title) + 1]
    elif title:
        # Broken markup (unclosed blocks nesting the article inside the menu) can make the
        # main-content pass keep the wrong block: then take all the text after the headline.
        everything = _lines(extract_plain_text(tree, main_content=False, **options))
        if title in everything:
            lines = everything[everything.index(title) + 1:]
    if not in_article:
        headings = {_plain(h.text) for h in tree.body.query_selector_all("h2")}
        while lines and lines[-1] in headings:
            lines.pop()
    if not lines:
        raise ValueError("no article text")
    return Page(title=title, lines=lines, date=meta.get("date"), url=meta.get("url"))


def _lines(text: str) -> list[str]:
    return [line for line in map(_plain, text.split("\n")) if line]


def _plain(text: str | None) -> str:
    return " ".join(text.split()) if text else ""


def _strip_title_suffix(title: str) -> str:
    title = _plain(title)
    stripped = _TITLE_SUFFIX_RE.sub("", title)
    return stripped or title


def _metadata(tree) -> dict:
    """og:title, title, date and url from the page's head and body, each from its most trusted source."""
    found: dict = {}
    published, ld_dates, time_dates, urls = None, [], [], {}
    for element in tree.document.query_selector_all(
        'meta[property], meta[name], link[rel], title, script[type="application/ld+json"], time[datetime]'
    ):
        tag = element.tag
        if tag == "meta":
            key = (element.getattr("property") or element.getattr("name") or "").strip().lower()
            content = element.getattr("content") or ""
            if key == "og:title" and "og:title" not in found:
                found["og:title"] = _plain(content)
            elif key == "og:url":
                urls.setdefault("og", content)
            elif key == "article:published_time" and published is None:
                published = _date(content)
        elif tag == "link":
            if "canonical" in (element.getattr("rel") or "").lower().split():
                urls.setdefault("canonical", element.getattr("href") or "")
        elif tag == "title":
            found.setdefault("title", element.text)
        elif tag == "script":
            for item in _ld_articles(element.text):
                ld_dates.append(_date(item.get("datePublished")))
                urls.setdefault("ld", _ld_url(item))
        elif tag == "time":
            time_dates.append(_date(element.getattr("datetime")))
    found["date"] = next((d for d in (published, *ld_dates, *time_dates) if d), None)
    found["url"] = next((u for u in map(_absolute, (urls.get(k) for k in ("canonical", "og", "ld"))) if u), None)
    return found


def _date(value) -> datetime.date | None:
    return published_date(value) if isinstance(value, str) else None


def _ld_articles(text: str) -> list[dict]:
    """The Article-like objects of one JSON-LD script: top level, in a list, or in @graph."""
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return []
    items = data if isinstance(data, list) else [data]
    items = [g for item in items if isinstance(item, dict) for g in (item.get("@graph") or [item])]
    articles = []
    for item in items:
        kinds = item.get("@type") if isinstance(item, dict) else None
        kinds = kinds if isinstance(kinds, list) else [kinds]
        if any(isinstance(kind, str) and kind.endswith("Article") for kind in kinds):
            articles.append(item)
    return articles


def _ld_url(item: dict) -> str | None:
    for value in (item.get("url"), item.get("mainEntityOfPage")):
        value = value.get("@id") if isinstance(value, dict) else value
        if isinstance(value, str):
            return value
    return None


def _absolute(url: str | None) -> str | None:
    url = (url or "").strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    return url if parts.scheme in ("http", "https") and parts.netloc and not any(c.isspace() for c in url) else None
