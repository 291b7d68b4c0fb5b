"""From a saved HTML news page to the pieces an article needs: headline, text lines, date, address.

This module owns reading HTML: the declared charset, the page's metadata (canonical
address, publication date from article:published_time, JSON-LD or <time datetime>)
and its main text, one paragraph per line. It is the only module that imports an
HTML library, and imports it inside functions, so that commands which read no page
do not pay for it. What the lines mean (bylines, furniture headings and phrases,
districts) stays with lbsearch.extract, whose rules run on these lines as on a text
file's; this module only removes what the page's structure says is not the article.

The main text comes from Resiliparse's main-content extraction (lexbor parser), after
the page is pruned by structure: form controls, dialogs and hidden elements, and blocks
whose class or id names a page part that is never the article (related boxes,
comments, share bars, menus, footers, subscription and rating widgets). The texts of
the page's links go along, so that extract can tell a list of other articles' linked
headlines from the article's own paragraphs. bench/extractors.py measures all this
against trafilatura on real pages.

Every step is linear in the page's size. Resiliparse's main-content pass costs the
elements times their depth, so a page nested deeper than real pages ever are (a
hostile page, or a broken one with thousands of unclosed tags) is read "flat": all of
its text after the headline, which is linear.
"""

from __future__ import annotations

import codecs
import datetime
import json
import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from .dates import FULL_DATE_RE, TIME_RE, published_date

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
_LONGEST_TITLE = 1000  # characters; a headline has about a hundred

# Resiliparse's main-content pass costs the elements times their depth: the text inside
# 8,000 nested <div>s took 1.3 s, inside 200,000 more than 300 s. Real pages nest their
# elements at most 22 deep and have at most 1,900 of them (11 real pages of 9 sites in
# tests/realpages); a page past either limit is read flat, in linear time.
MAX_DEPTH = 100
MAX_ELEMENTS = 100_000
# lexbor's parser takes time quadratic in the number of different attribute names in a
# page: 10,000 take 0.4 s, 40,000 take 8.6 s. Real pages use at most 180 (tests/realpages).
MAX_ATTRIBUTE_NAMES = 2_000
_TAG_RE = re.compile(r"<[A-Za-z][^<>]*>")
_ATTRIBUTE_RE = re.compile(r"""\s([^\s"'>/=]+)(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>]*))?""")
# Per-element work in Python (pruning, link texts, metadata) is skipped for a kind of
# element that a page has more of than this (real pages have at most 600 links).
_MAX_HANDLED = 5_000
_LONGEST_LINK = 300  # characters: longer link texts are whole paragraphs, not headlines

# Elements that never hold the article's text: form controls (buttons, comment boxes),
# dialogs (subscription and login pop-ups) and what the page hides.
_NEVER_ARTICLE = ("button, input, select, textarea, dialog, [role=dialog], [aria-modal=true], [hidden], "
                  "[aria-hidden=true], template")
# Words that page templates use in the class or id of blocks that are never the article;
# each must stand as a whole part of a name ("box-related", "social_share", "detail__comment").
_FURNITURE_WORDS = (
    "related", "relate", "relates", "relation", "lienquan", "tinlienquan", "xemthem", "docthem", "same",
    "samecate", "comment", "comments", "binhluan", "share", "shares", "sharing", "social", "breadcrumb",
    "breadcrumbs", "newsletter", "newslette", "subscribe", "subscription", "register", "login", "modal",
    "popup", "dialog", "banner", "advert", "advertisement", "ads", "footer", "menu", "sidebar", "rating",
    "vote", "star", "stars", "sendstar", "sendstarauthor", "reaction", "reactions", "readmore", "tag",
    "tags", "keyword", "keywords", "nav", "navbar", "navigation", "toolbar", "mostread", "docnhieu",
    "tinkhac", "morenews",
)
# lexbor finds the candidates (a stem of a word anywhere in the class, or in the id for the
# words pages use as ids); Python keeps whole-word matches. Stems halve the selector's cost.
_CLASS_STEMS = ("relat", "lienquan", "xemthem", "docthem", "same", "comment", "binhluan", "shar", "social",
                "breadcrumb", "newslett", "subscri", "regist", "login", "modal", "popup", "dialog", "banner",
                "advert", "ads", "footer", "menu", "nav", "sidebar", "rating", "vote", "star", "reaction",
                "readmore", "tag", "keyword", "toolbar", "mostread", "docnhieu", "tinkhac", "morenews")
_ID_STEMS = ("relat", "comment", "shar", "footer", "menu", "nav", "sidebar", "tag", "popup", "modal")
_FURNITURE_SELECTOR = ", ".join([*(f"[class*={w} i]" for w in _CLASS_STEMS), *(f"[id*={w} i]" for w in _ID_STEMS)])
_FURNITURE_NAME_RE = re.compile(
    r"(?:^|[\s_-])(?:" + "|".join(sorted(map(re.escape, _FURNITURE_WORDS), key=len, reverse=True))
    + r")(?:$|[\s_-])", re.IGNORECASE)
# Containers that may carry a furniture word in a long class list but hold the whole page.
_CONTAINERS = {"html", "body", "main", "article"}
_SKIP_ATTRIBUTE = "data-lbsearch-not-article"
_LONGEST_BYLINE = 300  # characters of a block with the author, date, time and share buttons


@dataclass
class Page:
    title: str
    lines: list[str]
    date: datetime.date | None
    url: str | None
    # The texts of the page's links (normalised as lines are): a line that is one of
    # them is a link, such as another article's headline, not a paragraph.
    links: frozenset[str] = field(default_factory=frozenset)


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
    """The article of a saved page; ValueError with a short reason when the text is not an
    HTML page with an article (no markup, no body, no text)."""
    from resiliparse.parse.html import HTMLParserException, HTMLTree

    if not _MARKUP_RE.search(html[:65536]):
        raise ValueError("no HTML markup")
    if len(_attribute_names(html)) > MAX_ATTRIBUTE_NAMES:
        raise ValueError(f"more than {MAX_ATTRIBUTE_NAMES:,} different attribute names (a hostile page)")
    try:
        tree = HTMLTree.parse(html)
    except (HTMLParserException, UnicodeError, ValueError) as err:
        raise ValueError(f"unreadable HTML ({err})") from None
    if tree.document is None or tree.body is None:
        raise ValueError("no HTML body")
    flat = _too_big_to_weigh(tree)
    meta = _metadata(tree)
    h1 = tree.body.query_selector("h1")
    title = _plain(h1.text)[:_LONGEST_TITLE] if h1 is not None else ""
    title = title or meta.get("og:title") or _strip_title_suffix(meta.get("title", ""))

    _keep_time_text(tree)
    if not flat:
        _prune(tree, h1)
    links = _link_texts(tree)
    lines = _flat_lines(tree, title) if flat else _main_lines(tree, title, h1)
    if not lines:
        raise ValueError("no article text")
    return Page(title=title, lines=lines, date=meta.get("date"), url=meta.get("url"), links=links)


def _attribute_names(html: str) -> set[str]:
    """The names of the attributes in the page's tags (a cheap over-estimate: tags inside
    scripts count too), found by two regular expressions, in linear time."""
    return set(_ATTRIBUTE_RE.findall(" ".join(_TAG_RE.findall(html))))


def _too_big_to_weigh(tree) -> bool:
    """Whether the main-content pass would cost too much: elements nested deeper than
    MAX_DEPTH (one selector, matched by lexbor, stops at the first) or more than
    MAX_ELEMENTS of them."""
    if tree.document.query_selector(">".join(["*"] * MAX_DEPTH)) is not None:
        return True
    return len(tree.body.query_selector_all("*")) > MAX_ELEMENTS


def _all(node, selector: str) -> list:
    """The elements under node that the selector finds; none when there are more than
    _MAX_HANDLED (only hostile pages have that many), so that the work done in Python per
    element stays bounded. (.values() makes the list at once: indexing the collection
    costs a query per item.)"""
    found = node.query_selector_all(selector)
    return found.values() if len(found) <= _MAX_HANDLED else []


def _keep_time_text(tree) -> None:
    """Resiliparse drops <time> elements as page metadata: keep their text so the byline stays whole."""
    for element in _all(tree.body, "time"):
        element.replace_with(tree.create_text_node(element.text))


def _prune(tree, h1) -> None:
    """Mark the blocks that the page's structure says are not the article (_SKIP), except:
    any that holds the headline (a page may put a furniture word on the article's wrapper),
    one that holds most of the page's text (broken markup: an unclosed share bar swallows
    the article after it), and a short block with a date and a time, the byline, whose
    date extract reads. Marking rather than removing: a removed block's descendants must
    not be touched again."""
    keep = set()
    node = h1
    while node is not None and len(keep) <= MAX_DEPTH:
        keep.add(node)
        node = node.parent
    for element in _all(tree.body, _NEVER_ARTICLE):
        if element not in keep:
            element.setattr(_SKIP_ATTRIBUTE, "")
    most = len(tree.body.text) // 2
    for element in _all(tree.body, _FURNITURE_SELECTOR):
        if element.tag in _CONTAINERS or element in keep:
            continue
        names = f"{element.getattr('class') or ''} {element.getattr('id') or ''}"
        if not _FURNITURE_NAME_RE.search(names):
            continue
        text = element.text
        if len(text) <= most and not _is_byline(text):
            element.setattr(_SKIP_ATTRIBUTE, "")


def _is_byline(text: str) -> bool:
    return len(text) <= _LONGEST_BYLINE and bool(FULL_DATE_RE.search(text)) and bool(TIME_RE.search(text))


def _link_texts(tree) -> frozenset[str]:
    # Links in blocks left out never reach the lines: a fifth of a page's links are left.
    texts = (_plain(a.text) for a in _all(tree.body, f"a:not([{_SKIP_ATTRIBUTE}] a)"))
    return frozenset(t for t in texts if t and len(t) <= _LONGEST_LINK)


def _main_lines(tree, title: str, h1) -> list[str]:
    """The main-content pass's lines after the headline."""
    from resiliparse.extract.html2text import extract_plain_text

    # The main-content pass empties related boxes and sidebars but keeps their headings:
    # when the headline sits in an <article>, headings outside it are furniture. Images are
    # skipped rather than alt_texts=False, which also drops a <figure>'s caption.
    in_article = h1 is not None and h1.closest("article") is not None
    skip = [*_SKIP, _OUTSIDE_HEADINGS] if in_article else _SKIP
    lines = _lines(extract_plain_text(tree, main_content=True, skip_elements=skip, **_OPTIONS))
    if title in lines[:_HEADLINE_SEARCH_LINES]:
        del lines[: lines.index(title) + 1]
    elif title:
        # The main-content pass can keep the wrong block (broken markup nesting the article
        # inside the menu; a page naming a part of the article "main-content"): then take
        # all the text after the headline.
        everything = _all_lines(tree)
        if title in everything:
            lines = everything[everything.index(title) + 1:]
    if not in_article:
        headings = {_plain(h.text) for h in _all(tree.body, "h2")}
        while lines and lines[-1] in headings:
            lines.pop()
    return lines


def _flat_lines(tree, title: str) -> list[str]:
    """All the page's text after the headline (all of it when the headline is not in it)."""
    lines = _all_lines(tree)
    return lines[lines.index(title) + 1:] if title in lines else lines


def _all_lines(tree) -> list[str]:
    """The page's text, every block of it but those marked as not the article; linear time."""
    from resiliparse.extract.html2text import extract_plain_text

    return _lines(extract_plain_text(tree, main_content=False, skip_elements=_SKIP, **_OPTIONS))


_SKIP = ["img", f"[{_SKIP_ATTRIBUTE}]"]
_OPTIONS = {"alt_texts": True, "list_bullets": False, "links": False, "noscript": False, "comments": False}


def _lines(text: str) -> list[str]:
    return [line for line in map(_plain, text.split("\n")) if line]


def _plain(text: str | None) -> str:
    return " ".join(text.split()) if text else ""


def _strip_title_suffix(title: str) -> str:
    title = _plain(title)[:_LONGEST_TITLE]
    stripped = _TITLE_SUFFIX_RE.sub("", title)
    return stripped or title


def _metadata(tree) -> dict:
    """og:title, title, date and url from the page's head and body, each from its most trusted source."""
    found: dict = {}
    published, ld_dates, time_dates, urls = None, [], [], {}
    head = _all(tree.head, "meta[property], meta[name], link[rel], title") if tree.head is not None else []
    for element in [*head, *_all(tree.document, 'script[type="application/ld+json"], time[datetime]')]:
        tag = element.tag
        if tag == "meta":
            key = (element.getattr("property") or element.getattr("name") or "").strip().lower()
            content = element.getattr("content") or ""
            if key == "og:title" and "og:title" not in found:
                found["og:title"] = _plain(content)[:_LONGEST_TITLE]
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
    # The page's text is not cleaned before parsing: control characters count as dirt too.
    ok = parts.scheme in ("http", "https") and parts.netloc and url.isprintable() and " " not in url
    return url if ok else None
