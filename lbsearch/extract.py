"""From a scraped file on disk to its Articles: decoding, page furniture, title, date, districts.

A text file (.txt, .md) or a saved page (.html, .htm: pages.py finds its main
text and metadata) holds one article; a JSON Lines file (.jsonl) or a .json list
holds one per record (records.py). Every article's text goes through the same
rules here.

This is the only module that knows what the scraped pages look like: related-article
lists under headings such as "Có thể bạn quan tâm", teaser lines of other articles,
image placeholders, table pipes, bylines and HTML leftovers. Nothing it drops is
indexed, so a word or a district that only the furniture names never makes the
article match.
"""

from __future__ import annotations

import codecs
import hashlib
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from . import dates
from .places import find_districts
from .text import clean, fold_text, syllables

MAX_FILE_BYTES = 8 * 1024 * 1024  # larger files are skipped: no article is this long
# A file of records holds a whole scrape: larger, but still read into memory at once.
MAX_RECORDS_FILE_BYTES = 1024 * 1024 * 1024
TEXT_SUFFIXES = (".txt", ".md")
PAGE_SUFFIXES = (".html", ".htm")
RECORD_SUFFIXES = (".jsonl", ".json")
SUFFIXES = TEXT_SUFFIXES + PAGE_SUFFIXES + RECORD_SUFFIXES

# Headings that open the related-article lists; everything after the first one is furniture.
_FURNITURE_HEADINGS = {
    fold_text(h)
    for h in (
        "Có thể bạn quan tâm", "Nên xem", "Tin khác", "Tin cùng chuyên mục", "Xem thêm",
        "Phiên bản di động", "Tin liên quan", "Bài liên quan", "Bài viết liên quan",
        "Đọc thêm", "Tin mới", "Tin mới nhất", "Tin nổi bật", "Cùng chuyên mục",
    )
}
_IMAGE_RE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_LINK_RE = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_HTML_RE = re.compile(r"<!--|-->|</?[A-Za-z][^>]{0,200}>")
_PIPES_RE = re.compile(r"\s*\|\s*")
# "Những sáng kiến ... họ ... |": a teaser of another article, cut off and linked.
_TEASER_RE = re.compile(r"(?:\.\.\.|…)\s*\|\s*$")
_SENTENCE_END = tuple('.!?…:;"”’)]')
# A run-on line of other articles' headlines right under the lead has at least this many syllables.
_HEADLINE_BLOCK_MIN_SYLLABLES = 12


class SkipFile(Exception):
    """A file that holds no article we can read; the message says why."""


@dataclass
class Article:
    id: str
    path: str
    title: str
    body: str
    date: date | None = None
    date_source: str | None = None
    districts: list[str] = field(default_factory=list)
    url: str | None = None  # the page's address, where the file says it
    line: int | None = None  # a record's line in its file

    @property
    def lead(self) -> str:
        return self.body.split("\n", 1)[0]


def decode(data: bytes, declared: str | None = None) -> str:
    """Bytes of a scraped file as clean text: UTF-8 (BOM or not), UTF-16 or UTF-32 with BOM,
    the encoding the file declares (an HTML page's charset) when its bytes are that, or
    Windows-1258."""
    if not data.strip():
        raise SkipFile("empty file")
    for bom, encoding in ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
                          (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):  # UTF-32's little-endian mark begins like UTF-16's: test it first
            try:
                return clean(data.decode(encoding))
            except UnicodeDecodeError as err:
                raise SkipFile(f"damaged {encoding.upper()} ({err.reason})") from None
    if b"\x00" in data:
        raise SkipFile("binary file (NUL bytes)")
    try:
        return clean(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        pass
    if declared and declared not in ("utf-8", "utf_8"):
        try:
            return clean(data.decode(declared))
        except (UnicodeDecodeError, LookupError):
            pass  # a page that lies about its encoding: the usual guesses
    # A damaged UTF-8 file (a cut-off last character, a few bad bytes) is still UTF-8:
    # read as Windows-1258 it would become mojibake in every line.
    lenient = data.decode("utf-8-sig", errors="replace")
    damaged = lenient.count("\ufffd")
    if sum(1 for ch in lenient if ord(ch) > 0x7F) >= 5 * damaged:
        return clean(lenient.replace("\ufffd", " "))
    try:
        # cp1258 puts tone marks in separate combining bytes; clean() composes them (NFC).
        return clean(data.decode("cp1258"))
    except UnicodeDecodeError:
        raise SkipFile("not UTF-8, UTF-16 or Windows-1258 text") from None


def read_bytes(path: Path, limit: int = MAX_FILE_BYTES) -> bytes:
    """A file's bytes, or SkipFile with the reason (too large, unreadable)."""
    try:
        with path.open("rb") as handle:
            data = handle.read(limit + 1)
    except OSError as err:
        raise SkipFile(f"cannot read: {err.strerror or err}") from None
    if len(data) > limit:
        raise SkipFile(f"larger than {limit // (1024 * 1024)} MiB")
    return data


def read_text(path: Path) -> str:
    """A text file's clean text, or SkipFile with the reason (too large, unreadable, binary, ...)."""
    return decode(read_bytes(path))


def _strip_markup(line: str) -> str:
    line = _IMAGE_RE.sub(" ", line)
    line = _LINK_RE.sub(r"\1", line)
    line = _HTML_RE.sub(" ", line)
    line = _PIPES_RE.sub(" ", line)
    return " ".join(line.split())


_LONGEST_HEADING = max(map(len, _FURNITURE_HEADINGS))


def _is_heading(line: str) -> bool:
    # Folding keeps the number of letters, so a longer line is no heading.
    return len(line) <= 2 * _LONGEST_HEADING and fold_text(line) in _FURNITURE_HEADINGS


def _has_words(line: str) -> bool:
    return any(ch.isalpha() for ch in line)


def _is_byline(line: str) -> bool:
    return len(line) <= 120 and bool(dates.FULL_DATE_RE.search(line)) and bool(dates.TIME_RE.search(line))


def _is_headline_block(line: str) -> bool:
    """Headlines of other articles run together on one line, with no sentence punctuation."""
    return (
        not line.endswith(_SENTENCE_END)
        and "Ảnh:" not in line
        and sum(1 for _ in syllables(line)) >= _HEADLINE_BLOCK_MIN_SYLLABLES
    )


def _is_author(line: str) -> bool:
    """A closing byline such as "Mai Quý" or "B.Duy": a few capitalised words, no sentence."""
    words = line.split()
    return 0 < len(words) <= 4 and all(w[0].isupper() for w in words) and not line.endswith(_SENTENCE_END)


def extract(text: str, article_id: str, path: str) -> Article:
    """The article in a scraped page's clean text; SkipFile when there is none."""
    raw_lines = text.split("\n")
    lines = [(raw, _strip_markup(raw)) for raw in raw_lines]
    lines = [(raw, line) for raw, line in lines if _has_words(line)]
    if not lines or _is_heading(lines[0][1]):
        raise SkipFile("no article text")
    title = lines[0][1]

    body: list[str] = []
    byline_date: date | None = None
    for position, (raw, line) in enumerate(lines[1:]):
        if _is_heading(line):
            break
        if position < 2 and byline_date is None and not body and _is_byline(line):
            found = dates.full_dates(line)
            byline_date = found[0] if found else None
            continue
        if line == title or _TEASER_RE.search(raw):
            continue
        if len(body) < 2 and _is_headline_block(line):
            continue
        body.append(line)
    if body and _is_author(body[-1]):
        body.pop()

    article = Article(id=article_id, path=path, title=title, body="\n".join(body))
    if byline_date:
        article.date, article.date_source = byline_date, "byline"
    else:
        article.date = _date_from_text(article)
        article.date_source = "text" if article.date else None
    article.districts = [d.name for d in find_districts(title + "\n" + article.body)]
    return article


def _date_from_text(article: Article) -> date | None:
    """The date the lead gives ("Chiều 31/5, ..."), when its year is certain.

    A lead without a year gets one only when the article cites a full date and
    names the year that follows from it: the event is then the first such
    day and month after the latest date the article cites, within a year.
    """
    match = dates.LEAD_DAY_MONTH_RE.match(article.lead)
    if not match:
        return None
    day, month = int(match[1]), int(match[2])
    if match[3]:
        return dates.make_date(day, month, int(match[3]))
    cited = dates.full_dates(article.body)
    if not cited:
        return None
    latest = max(cited)
    for year in (latest.year, latest.year + 1):
        candidate = dates.make_date(day, month, year)
        if candidate and latest < candidate <= latest + timedelta(days=366):
            years_named = {int(y) for y in dates.YEAR_RE.findall(dates.FULL_DATE_RE.sub(" ", article.body))}
            return candidate if year in years_named else None
    return None


def article_id_for(relative: str | Path) -> str:
    """The id of a corpus file: its "/"-separated path without the extension ("000_de92..." at top level)."""
    relative = relative if isinstance(relative, str) else relative.as_posix()
    head, dot, extension = relative.rpartition(".")  # posixpath.splitext, 3x faster
    return head if dot and "/" not in extension and head and not head.endswith("/") else relative


@dataclass
class Loaded:
    """What one corpus file holds."""

    data_hash: str  # SHA-1 of the file's bytes: tells an edited file from a touched one
    articles: list[Article]
    problems: list[str]  # one line each, about the parts left out ("line 7: not valid JSON")


def load_file(path: Path, relative: str, shown_path: str, grown: tuple | None = None) -> Loaded:
    """Read one corpus file into its articles; SkipFile when it holds none.

    For a JSON Lines file that grew, grown is (the size it had, its number of
    lines then, the keys of the records read from them with their lines): only
    the records after it are read, and checked against those."""
    suffix = relative[relative.rfind("."):].lower()
    file_id = article_id_for(relative)
    if suffix in RECORD_SUFFIXES:
        data = read_bytes(path, MAX_RECORDS_FILE_BYTES)
        appended_after, lines_before, seen = grown or (0, 0, None)
        articles, problems = _records(data[appended_after:], suffix, lines_before, seen, file_id, shown_path)
        return Loaded(hashlib.sha1(data).hexdigest(), articles, problems)
    data = read_bytes(path)
    if suffix in PAGE_SUFFIXES:
        from . import pages

        try:
            page = pages.read_page(decode(data, pages.declared_charset(data)))
        except ValueError as err:
            raise SkipFile(str(err)) from None
        article = extract(clean("\n".join([page.title, *page.lines])), file_id, shown_path)
        article.url = page.url
        if page.date:
            article.date, article.date_source = page.date, "metadata"
    else:
        article = extract(decode(data), file_id, shown_path)
    return Loaded(hashlib.sha1(data).hexdigest(), [article], [])


def _records(data: bytes, suffix: str, lines_before: int, seen: dict[str, int] | None, file_id: str,
             shown_path: str) -> tuple[list[Article], list[str]]:
    from .records import read_records

    if data.strip() or not lines_before:
        records, problems = read_records(decode(data), suffix, lines_before, seen)
    else:
        records, problems = [], []
    skipped = [(p.line, p.reason) for p in problems]
    articles = []
    for record in records:
        try:
            article = extract(clean(f"{record.title}\n{record.body}"), f"{file_id}#{record.key}", shown_path)
        except SkipFile as skip:
            skipped.append((record.line, str(skip)))
            continue
        article.url, article.line = record.url, record.line
        published = dates.published_date(record.date) if record.date else None
        if published:
            article.date, article.date_source = published, "record"
        articles.append(article)
    if not articles and not skipped and not lines_before:
        raise SkipFile("no records")
    return articles, [f"line {line}: {reason}" for line, reason in sorted(skipped)]
