"""From a scraped file on disk to its Articles: decoding, page furniture, title, date, districts.

A text file (.txt, .md) or a saved page (.html, .htm: pages.py finds its main
text and metadata) holds one article; a JSON Lines file (.jsonl) or a .json list
holds one per record (records.py). Every article's text goes through the same
rules here.

This is the only module that knows what the scraped pages look like: boxes of other
articles' headlines under headings such as "Tin liên quan" or "Có thể bạn quan tâm"
(cut out where they stand inside the article, which goes on after them), teaser lines
of other articles, the lines that only ever follow an article (share and copy-link
buttons, comment, star and subscription widgets, tags, footers), the author's and
source's signature, image placeholders, table pipes, bylines and HTML leftovers. An
article runs from its first sentence to its last. Nothing it drops is indexed, so a
word or a district that only the furniture names never makes the article match.

Every rule is linear in the text: markup patterns are bounded, and a text of more than
MAX_LINES lines is not read as one article.
"""

from __future__ import annotations

import codecs
import hashlib
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import NamedTuple

from . import dates
from .places import find_districts
from .text import clean, fold_text, syllables

MAX_FILE_BYTES = 8 * 1024 * 1024  # larger files are skipped: no article is this long
# A file of records holds a whole scrape: larger, but still read into memory at once.
MAX_RECORDS_FILE_BYTES = 1024 * 1024 * 1024
# The longest real articles have a few hundred lines; the rules below cost some
# microseconds a line, so a file of millions of short lines would take seconds.
MAX_LINES = 20_000
TEXT_SUFFIXES = (".txt", ".md")
PAGE_SUFFIXES = (".html", ".htm")
RECORD_SUFFIXES = (".jsonl", ".json")
SUFFIXES = TEXT_SUFFIXES + PAGE_SUFFIXES + RECORD_SUFFIXES

# Headings of boxes of other articles' headlines (inline boxes within the article, or the
# lists after it): the box is left out, and the article goes on after it if it does.
_BOX_HEADINGS = {
    fold_text(h)
    for h in (
        "Có thể bạn quan tâm", "Nên xem", "Tin khác", "Các tin khác", "Tin cùng chuyên mục",
        "Cùng chuyên mục", "Tin cùng chủ đề", "Cùng chủ đề", "Xem thêm", "Tin liên quan",
        "Các tin liên quan", "Tin tức liên quan", "Tin bài liên quan", "Bài liên quan",
        "Bài viết liên quan", "Bài viết khác", "Các bài viết khác", "Đọc thêm", "Tham khảo thêm",
        "Tin mới", "Tin mới nhất", "Mới nhất", "Tin mới cập nhật", "Tin nổi bật", "Nổi bật",
        "Tin tiêu điểm", "Đọc nhiều", "Đọc nhiều nhất", "Tin đọc nhiều", "Bài đọc nhiều",
        "Xem nhiều", "Xem nhiều nhất", "Tin xem nhiều", "Quan tâm", "Được quan tâm",
        "Cùng tác giả", "Bài cùng tác giả",
    )
}
# Lines that come only after an article's end (share and copy-link buttons, comment, star
# and subscription widgets, tags, the footer): the article ends at the first one.
_END_LINES = {
    fold_text(h)
    for h in (
        "Chia sẻ", "Chia sẻ bài viết", "Sao chép liên kết", "Copy link", "Lấy link", "Bình luận",
        "Gửi bình luận", "Viết bình luận", "Ý kiến bạn đọc", "Ý kiến của bạn", "Nhập mã xác nhận",
        "Tặng sao", "Đăng ký nhận tin", "Từ khóa", "Chủ đề", "Tags", "Tag", "Xem thêm về", "Đọc tiếp",
        "Top", "Trở lên trên", "Lên đầu trang", "Về đầu trang", "Về trang chủ", "Trang chủ",
        "Phiên bản di động", "In bài", "In bài viết", "Quay lại", "Theo dõi chúng tôi", "Tải ứng dụng",
    )
}
# The same by the folded line's beginning or end, precise enough that no sentence of an
# article starts so (a licence number "91/GP-BTTTT" anywhere in a short line).
_END_RE = re.compile(
    r"^(?:binh luan \d+$|link bai goc|lay link|tro thanh nguoi dau tien (?:tang sao|binh luan)"
    r"|gia han tai khoan|ban can dang nhap|dang ky (?:nhan tin|nhan ban tin|ngay)|xem them (?:tren|ve)"
    r"|doc tiep|copyright|quet ma qr de tai|theo doi .{0,40}tren (?:google news|zalo|facebook|youtube|tiktok)$)"
    r"|copy link$|\bgp (?:btttt|bvhttdl|tttt|bc)\b")
# A footer's labels, on the line as written: "Cơ quan chủ quản: ...", "© 2026 ...".
_END_LABEL_RE = re.compile(r"^(?:©|Bản quyền thuộc|Ghi rõ nguồn|(?:Cơ quan chủ quản|Giấy phép số|Số giấy phép"
                           r"|Chịu trách nhiệm nội dung|Tổng [Bb]iên tập)\s*:)")
_FURNITURE_MAX_SYLLABLES = 30  # furniture lines are short; a longer line is text
# Markdown images and links, bounded and without brackets inside, so that a line of
# thousands of "[" is read in linear time.
_IMAGE_RE = re.compile(r"!\[[^\[\]\n]{0,500}\]\([^()\[\]\s]{0,2000}\)")
_LINK_RE = re.compile(r"\[([^\[\]\n]{0,500})\]\([^()\[\]\s]{0,2000}\)")
_LINK_LINE_RE = re.compile(r"(?:!\[[^\[\]\n]{0,500}\]\([^()\[\]\s]{0,2000}\)\s*)*"
                           r"\[[^\[\]\n]{1,500}\]\([^()\[\]\s]{0,2000}\)")
_HTML_RE = re.compile(r"<!--|-->|</?[A-Za-z][^>]{0,200}>")
# "Những sáng kiến ... họ ... |": a teaser of another article, cut off and linked.
_TEASER_RE = re.compile(r"(?:\.\.\.|…)\s*\|\s*$")
_SENTENCE_END = tuple('.!?…:;"”’)]')
_FULL_STOPS = tuple(".!?…")
_CLOSING = "\"”’)] "
# A run-on line of other articles' headlines right under the lead has at least this many syllables.
_HEADLINE_BLOCK_MIN_SYLLABLES = 12
# A paragraph that shows the article goes on after a box: a sentence of this many syllables.
_PARAGRAPH_MIN_SYLLABLES = 10
_BOX_LINES = 12  # an inline box holds a few headlines; after this many lines it was the end
_BYLINE_LINES = 6  # the byline stands among the first lines: after the author, share buttons, lead
_BYLINE_MAX_WORDS = 8
_TAIL_MAX_SYLLABLES = 10  # a line after the last sentence this short and not a sentence is a label
# "Hà Thu (tổng hợp)", "Theo Hồ Hương": a closing signature's wrappers.
_SIGNATURE_WRAP_RE = re.compile(r"^(?:Theo|Nguồn:?)\s+|\s*\([^()]{0,40}\)$")


class _Line(NamedTuple):
    text: str
    link: bool  # the whole line is a link (another article's headline, a button)
    teaser: bool  # ends as a cut-off teaser of another article ("... |")


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
    return clean(_decoded(data, declared))


def _decoded(data: bytes, declared: str | None = None) -> str:
    """decode() before clean(): a page is cleaned after its text is found, a tenth of its size."""
    if not data.strip():
        raise SkipFile("empty file")
    for bom, encoding in ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
                          (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):  # UTF-32's little-endian mark begins like UTF-16's: test it first
            try:
                return data.decode(encoding)
            except UnicodeDecodeError as err:
                raise SkipFile(f"damaged {encoding.upper()} ({err.reason})") from None
    if b"\x00" in data:
        raise SkipFile("binary file (NUL bytes)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    if declared and declared not in ("utf-8", "utf_8"):
        try:
            return data.decode(declared)
        except (UnicodeDecodeError, LookupError):
            pass  # a page that lies about its encoding: the usual guesses
    # A damaged UTF-8 file (a cut-off last character, a few bad bytes) is still UTF-8:
    # read as Windows-1258 it would become mojibake in every line.
    lenient = data.decode("utf-8-sig", errors="replace")
    damaged = lenient.count("\ufffd")
    if sum(1 for ch in lenient if ord(ch) > 0x7F) >= 5 * damaged:
        return lenient.replace("\ufffd", " ")
    try:
        # cp1258 puts tone marks in separate combining bytes; clean() composes them (NFC).
        return data.decode("cp1258")
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
    if "[" in line:
        line = _IMAGE_RE.sub(" ", line)
        line = _LINK_RE.sub(r"\1", line)
    if "<" in line or "-->" in line:
        line = _HTML_RE.sub(" ", line)
    # Table pipes become spaces, which the split below merges (a pattern for "\s*|\s*"
    # would rescan runs of spaces).
    return " ".join(line.replace("|", " ").split())


def _read_lines(text: str, links: frozenset[str]) -> list[_Line]:
    """The text's lines with words, stripped of markup, each marked when it is a link."""
    lines = []
    for raw in text.split("\n"):
        line = _strip_markup(raw)
        if not _has_words(line) and not _is_byline(line):  # a bare "01/03/2026 09:51" dates the article
            continue
        stripped = raw.strip()
        link = line in links or (stripped.startswith(("[", "![")) and _LINK_LINE_RE.fullmatch(stripped) is not None)
        lines.append(_Line(line, link, _TEASER_RE.search(raw) is not None))
    return lines


def _has_words(line: str) -> bool:
    return any(ch.isalpha() for ch in line)


def _count_syllables(line: str, at_most: int) -> int:
    """The line's syllables, counting no further than at_most + 1."""
    count = 0
    for count, _ in enumerate(syllables(line), 1):
        if count > at_most:
            break
    return count


def _furniture(line: str) -> str | None:
    """"box" for a heading of other articles' headlines, "end" for a line that comes only
    after an article (see _BOX_HEADINGS, _END_LINES), else None."""
    if len(line) > 4 * _FURNITURE_MAX_SYLLABLES or _count_syllables(line, _FURNITURE_MAX_SYLLABLES) \
            > _FURNITURE_MAX_SYLLABLES:
        return None
    folded = fold_text(line)
    if folded in _BOX_HEADINGS:
        return "box"
    if folded in _END_LINES or _END_RE.search(folded) or _END_LABEL_RE.match(line):
        return "end"
    return None


def _is_sentence(line: str) -> bool:
    return line.endswith(_SENTENCE_END)


def _is_paragraph(line: _Line) -> bool:
    """A line of the article's prose: a sentence of some length ending in a full stop (a
    headline may end in a quotation), not a link nor a teaser."""
    return not line.link and not line.teaser and line.text.rstrip(_CLOSING).endswith(_FULL_STOPS) \
        and _count_syllables(line.text, _PARAGRAPH_MIN_SYLLABLES) >= _PARAGRAPH_MIN_SYLLABLES


def _is_caption(line: str) -> bool:
    """A photo's caption, the article's own text wherever it stands: "... Ảnh: MAI LIỄU"."""
    return "Ảnh:" in line or "Ảnh minh" in line


def _is_byline(line: str) -> bool:
    """A date and a clock time with a few words at most: "Thứ bảy, 07/03/2026 - 08:07",
    "Hoạt động Công đoàn - 20/05/2022 17:40"."""
    return len(line) <= 120 and bool(dates.FULL_DATE_RE.search(line)) and bool(dates.TIME_RE.search(line)) \
        and sum(1 for word in line.split() if word[0].isalpha()) <= _BYLINE_MAX_WORDS


def _is_headline_block(line: str) -> bool:
    """Headlines of other articles run together on one line, with no sentence punctuation."""
    return (
        not _is_sentence(line)
        and "Ảnh:" not in line
        and _count_syllables(line, _HEADLINE_BLOCK_MIN_SYLLABLES) >= _HEADLINE_BLOCK_MIN_SYLLABLES
    )


def _is_signature(line: str) -> bool:
    """A closing byline or source: "Mai Quý", "B.Duy", "XUÂN LONG", "Hà Thu (tổng hợp)",
    "Theo Hồ Hương": a few capitalised words, no sentence."""
    words = _SIGNATURE_WRAP_RE.sub("", line).replace(" - ", " ").split()
    return 0 < len(words) <= 5 and all(w[0].isupper() for w in words) and not words[-1].endswith(".")


def extract(text: str, article_id: str, path: str, links: frozenset[str] = frozenset()) -> Article:
    """The article in a scraped page's clean text; SkipFile when there is none.

    links holds the texts of a saved page's links: a line that is one of them is a link
    (in a text file, a line that is one Markdown link is). The article runs from its
    first sentence to its last: the lines before the first (author, share buttons) and
    after the last (signature, source, buttons, other articles' linked headlines and
    teasers) are left out, and so are boxes of other articles' headlines, inside the
    article or after it."""
    if text.count("\n") > MAX_LINES:
        raise SkipFile(f"more than {MAX_LINES:,} lines: not one article")
    lines = _read_lines(text, links)
    first = next((i for i, line in enumerate(lines) if _has_words(line.text)), len(lines))
    lines = lines[first:]  # the headline is the first line with words
    if not lines or _furniture(lines[0].text):
        raise SkipFile("no article text")
    title = lines[0].text
    body, byline_date = _article_lines(lines[1:], title)
    body = _trim_tail(body)

    article = Article(id=article_id, path=path, title=title, body="\n".join(line.text for line in body))
    if byline_date:
        article.date, article.date_source = byline_date, "byline"
    else:
        article.date = _date_from_text(article)
        article.date_source = "text" if article.date else None
    article.districts = [d.name for d in find_districts(title + "\n" + article.body)]
    return article


def _article_lines(lines: list[_Line], title: str) -> tuple[list[_Line], date | None]:
    """The article's own lines up to the first line that only follows an article, with
    boxes of headlines cut out; and the byline's date."""
    starts = any(_is_paragraph(line) for line in lines[:200])  # else keep what is there
    body: list[_Line] = []
    byline_date: date | None = None
    position = 0
    while position < len(lines):
        line = lines[position]
        kind = _furniture(line.text)
        if kind == "end" and len(body) >= 2:  # (a share bar under the lead ends nothing)
            break
        if kind == "box":
            position = _after_box(lines, position + 1)
            continue
        position += 1
        if kind or line.text == title or line.teaser:
            continue
        if position <= _BYLINE_LINES and _is_byline(line.text):
            found = dates.full_dates(line.text)
            byline_date = byline_date or (found[0] if found else None)
            continue
        if not _has_words(line.text):
            continue
        if starts and not body and not _is_paragraph(line) and not _is_caption(line.text):
            continue  # before the first sentence: author, share buttons, section labels
        if len(body) < 2 and _is_headline_block(line.text):
            continue
        body.append(line)
    return body, byline_date


def _after_box(lines: list[_Line], position: int) -> int:
    """Where the article goes on after a box of headlines that opens at position: at the
    first of two paragraphs in a row (headlines and their one-line teasers alternate),
    within _BOX_LINES lines; else len(lines), the box was the article's end."""
    limit = position + _BOX_LINES
    while position < min(limit, len(lines) - 1):
        line = lines[position]
        kind = _furniture(line.text)
        if kind == "end":
            break
        if kind == "box":
            limit = position + 1 + _BOX_LINES
        elif _is_paragraph(line) and _is_paragraph(lines[position + 1]) and line.text != lines[position + 1].text:
            return position  # (a list repeats each headline: as an image's text, then as a link)
        position += 1
    return len(lines)


def _trim_tail(body: list[_Line]) -> list[_Line]:
    """The body without what follows its last sentence: links, signatures, short labels,
    and other articles' linked headlines with their teasers. The first paragraph stays."""
    first = next((i for i, line in enumerate(body) if _is_paragraph(line)), None)
    if first is None:
        return body
    while len(body) > first + 1:
        last = body[-1]
        if last.link or _is_signature(last.text) or not _is_sentence(last.text) \
                and _count_syllables(last.text, _TAIL_MAX_SYLLABLES) <= _TAIL_MAX_SYLLABLES:
            body.pop()
        elif body[-2].link and len(body) > first + 2:
            del body[-2:]  # a linked headline and its teaser
        else:
            break
    return body


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
            page = pages.read_page(_decoded(data, pages.declared_charset(data)))
        except ValueError as err:
            raise SkipFile(str(err)) from None
        links = frozenset(_strip_markup(clean(text)) for text in page.links)
        # A page's article follows its headline: past MAX_LINES lines there is only furniture.
        text = clean("\n".join([page.title, *page.lines[:MAX_LINES - 1]]))
        article = extract(text, file_id, shown_path, links)
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
