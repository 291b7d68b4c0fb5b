"""Articles saved by scrapers as records: JSON Lines (.jsonl) or a JSON list (.json).

This module owns the record formats: which keys hold the title, text, date, address
and id (with their aliases), which values are accepted, and why a record is refused.
It works on text already decoded and never reads files or prints. Text is kept as
given (the caller cleans: NFC, invisible characters) except that values are stripped,
HTML tags and entities in titles and bodies are undone, and blank body lines go.

Decisions:
- JSON Lines are split on "\\n" only: JSON strings may hold U+2028 and other breaks.
- A body may be a list of strings under any of its keys; it is joined one per line.
- A .jsonl file whose whole text is one JSON list is read as a .json list.
- In a .json list a record without id or address is keyed by its place, "item-N":
  a minified list holds every record on line 1.
- A .json list broken part way keeps the records before the break, plus one problem.
- A record's key is its id, else its address as given (even relative), else its place.
- Whatever Python's JSON reader makes of a line, it never stops the file: a number
  of more than 4,300 digits (Python refuses to convert it) is kept as a
  too-long number, refused only where a field is read; NaN and Infinity are
  numbers, refused as ids; a key given twice counts with its last value, as in
  JSON.parse and jq.
- A lone surrogate ("\\ud800", half of an emoji cut off by a scraper) is no text:
  in a title, body or date it becomes a space, as damaged bytes do in extract;
  an id or address holding one is refused, since mending it could merge two records.
"""

from __future__ import annotations

import html
import json
import math
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

MAX_LINE_BYTES = 8 * 1024 * 1024  # a longer line holds no article: refused unread

TITLE_KEYS = ("title", "headline")
BODY_KEYS = ("body", "text", "content", "article")
DATE_KEYS = ("date", "published", "published_at", "datePublished", "pubdate")
URL_KEYS = ("url", "link", "href", "canonical")
ID_KEYS = ("id", "_id", "guid")

# [^<>]* rather than [^>]*: an unclosed "<" costs a scan to the next "<", not to the end.
_BREAK_RE = re.compile(r"<(?:br|/?(?:p|div|li|h[1-6]|tr|blockquote))\b[^<>]*>", re.IGNORECASE)
_TAG_RE = re.compile(r"</?[A-Za-z][^<>]*>")
# One host character, then anything: "[^\s/?#]+\S*" matched the same but backtracked
# quadratically over a long address with a space in it.
_ABSOLUTE_URL_RE = re.compile(r"https?://[^\s/?#]\S*", re.IGNORECASE)
_JSON_SPACE_RE = re.compile(r"[ \t\n\r]*")
_SURROGATE_RE = re.compile("[\ud800-\udfff]")
# Python's own limit on converting digits (sys.get_int_max_str_digits() by default).
MAX_NUMBER_DIGITS = 4300


class LongNumber:
    """A JSON integer too long to convert: kept as its digits, a number of no use as a field."""

    def __init__(self, digits: str):
        self.digits = digits


def _parse_int(digits: str) -> int | LongNumber:
    """An integer, or a LongNumber where int() would raise (or, before Python 3.10.7,
    take time quadratic in the digits)."""
    if len(digits) - digits.startswith("-") > MAX_NUMBER_DIGITS:
        return LongNumber(digits)
    try:
        return int(digits)
    except ValueError:  # a lower limit set by PYTHONINTMAXSTRDIGITS
        return LongNumber(digits)


_DECODER = json.JSONDecoder(parse_int=_parse_int)


@dataclass
class Record:
    line: int  # 1-based; for a .json list, the line where the object starts
    key: str  # stable within its file: id, else address, else "line-N" / "item-N"
    title: str
    body: str  # paragraphs separated by "\n"
    date: str | None  # as given, unparsed
    url: str | None  # absolute http(s) address only


@dataclass
class RecordProblem:
    line: int
    reason: str


# An item is (line, fallback key, parsed value or the RecordProblem that stopped parsing).
Item = tuple[int, str, object]


class _Refused(Exception):
    """A record that is no article; the message says why."""


def read_records(text: str, suffix: str, lines_before: int = 0,
                 seen: dict[str, int] | None = None) -> tuple[list[Record], list[RecordProblem]]:
    """Records of a .jsonl or .json file's decoded text. suffix is ".jsonl" or ".json".
    For the part a file grew by: lines_before, the lines before text, and seen, the
    keys of the records already read from them, with their lines."""
    start = 1 if text.startswith("\ufeff") else 0
    if suffix == ".json":
        return _collect(_json_items(text, start))
    if not lines_before and text.startswith("[", _JSON_SPACE_RE.match(text, start).end()):
        items = list(_json_items(text, start))
        if not any(isinstance(value, RecordProblem) for _, _, value in items):
            return _collect(items)
    return _collect(_line_items(text, start, lines_before), seen)


def _line_items(text: str, start: int, number: int = 0) -> Iterator[Item]:
    """One item per non-blank line, sliced one at a time: a long line is never copied twice."""
    size = len(text)
    while start < size:
        end = text.find("\n", start)
        if end < 0:
            end = size
        number += 1
        # A character takes 1 to 4 bytes in UTF-8: measure only when it can matter.
        if end - start > MAX_LINE_BYTES // 4 and (
            end - start > MAX_LINE_BYTES or len(text[start:end].encode("utf-8", "surrogatepass")) > MAX_LINE_BYTES
        ):
            yield number, "", RecordProblem(number, f"line longer than {MAX_LINE_BYTES // (1024 * 1024)} MiB")
        else:
            line = text[start:end]
            if line and not line.isspace():
                yield number, f"line-{number}", _parse_line(line, number)
        start = end + 1


def _parse_line(line: str, number: int) -> object:
    """The value a JSON line holds, or the RecordProblem saying why it holds none."""
    try:
        return _DECODER.decode(line)
    except (ValueError, RecursionError) as err:  # JSONDecodeError is a ValueError
        return RecordProblem(number, _invalid(err))


def _invalid(err: Exception) -> str:
    """Why the JSON reader refused a text, in one line."""
    if isinstance(err, RecursionError):
        return "not valid JSON (nested too deeply)"
    return f"not valid JSON ({err.msg if isinstance(err, json.JSONDecodeError) else err})"


def _json_items(text: str, start: int) -> Iterator[Item]:
    """The objects of a JSON list (or the one object), each with the line it starts on.

    The list is read an element at a time with raw_decode, which tells where each
    element ends; a break ends the items with one problem at the line json names.
    """
    pos = _JSON_SPACE_RE.match(text, start).end()
    if pos == len(text):
        return
    line = 1 + text.count("\n", 0, pos)
    try:
        if not text.startswith("[", pos):
            value, pos = _DECODER.raw_decode(text, pos)
            _expect_end(text, pos)
            if isinstance(value, dict):
                yield line, "item-1", value
            else:
                yield line, "", RecordProblem(line, f"the file holds {_kind(value)}, not a list of objects")
            return
        number, counted = 0, pos  # line is counted up to the "["
        pos = _JSON_SPACE_RE.match(text, pos + 1).end()
        while not text.startswith("]", pos):
            line += text.count("\n", counted, pos)
            counted = pos
            value, pos = _DECODER.raw_decode(text, pos)
            number += 1
            yield line, f"item-{number}", value
            pos = _JSON_SPACE_RE.match(text, pos).end()
            if text.startswith(",", pos):
                pos = _JSON_SPACE_RE.match(text, pos + 1).end()
                if text.startswith("]", pos):  # json.loads refuses a trailing comma too
                    raise json.JSONDecodeError("Expecting value", text, pos)
            elif not text.startswith("]", pos):
                raise json.JSONDecodeError("Expecting ',' delimiter", text, pos)
        _expect_end(text, pos + 1)
    except json.JSONDecodeError as err:
        yield err.lineno, "", RecordProblem(err.lineno, _invalid(err))
    except (ValueError, RecursionError) as err:  # no position to go on from: the list ends
        yield line, "", RecordProblem(line, _invalid(err))


def _expect_end(text: str, pos: int) -> None:
    pos = _JSON_SPACE_RE.match(text, pos).end()
    if pos != len(text):
        raise json.JSONDecodeError("Extra data", text, pos)


def _collect(items: Iterable[Item], seen: dict[str, int] | None = None) -> tuple[list[Record], list[RecordProblem]]:
    records: list[Record] = []
    problems: list[RecordProblem] = []
    seen = dict(seen or {})
    for line, fallback, value in items:
        if isinstance(value, RecordProblem):
            problems.append(value)
            continue
        try:
            record, key_source = _record(value, line, fallback)
        except _Refused as why:
            problems.append(RecordProblem(line, str(why)))
            continue
        if record.key in seen:
            problems.append(RecordProblem(line, f"same {key_source} as line {seen[record.key]}"))
            continue
        seen[record.key] = line
        records.append(record)
    return records, problems


def _record(value: object, line: int, fallback: str) -> tuple[Record, str]:
    """The article in one parsed value, and what its key is ("id", "address" or "place")."""
    if not isinstance(value, dict):
        raise _Refused(f"{_kind(value)}, not an object")
    title = " ".join(_paragraphs(_field(value, TITLE_KEYS)).split("\n"))
    body = _paragraphs(_field(value, BODY_KEYS, lists=True))
    if not title and not body:
        raise _Refused("no title and no text")
    date = _field(value, DATE_KEYS)
    address = _field(value, URL_KEYS, exact=True)
    url = address if _ABSOLUTE_URL_RE.fullmatch(address) else None
    key = _identifier(value)
    key_source = "id" if key else "address" if address else "place"
    return Record(line, key or address or fallback, title, body, date or None, url), key_source


def _field(record: dict, keys: tuple[str, ...], lists: bool = False, exact: bool = False) -> str:
    """The first of keys holding non-blank text, stripped; "" when none does.
    Lone surrogates become spaces, or refuse the record when the text must be exact."""
    for key in keys:
        value = record.get(key)
        if isinstance(value, str):
            text = value
        elif value is None or value == [] or value == {}:
            continue
        elif lists and isinstance(value, list) and all(isinstance(item, str) for item in value):
            text = "\n".join(value)
        else:
            if lists and isinstance(value, list):
                kind = "a list holding " + _kind(next(item for item in value if not isinstance(item, str)))
            else:
                kind = _kind(value)
            raise _Refused(f"{key} is {kind}, not text")
        text = _valid_text(text, key, exact).strip()
        if text:
            return text
    return ""


def _valid_text(text: str, key: str, exact: bool) -> str:
    """text without lone surrogates: they cannot be written as UTF-8 (the index, the
    terminal and JSON output would fail on them)."""
    if not _SURROGATE_RE.search(text):
        return text
    if exact:
        raise _Refused(f"{key} holds a lone surrogate, not text")
    return _SURROGATE_RE.sub(" ", text)


def _identifier(record: dict) -> str:
    for key in ID_KEYS:
        value = record.get(key)
        if isinstance(value, dict) and isinstance(value.get("$oid"), str):
            value = value["$oid"]  # a MongoDB export: {"_id": {"$oid": "..."}}
        if isinstance(value, str):
            text = _valid_text(value, key, exact=True).strip()
        elif isinstance(value, float) and not math.isfinite(value):
            # NaN, Infinity, or a float too large (1e400 reads as Infinity): no stable key
            raise _Refused(f"{key} is {json.dumps(value)}, not a finite number")
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            text = str(value)
        elif isinstance(value, LongNumber):
            raise _Refused(f"{key} is a number of {len(value.digits.lstrip('-'))} digits, too long for an id")
        elif value is None:
            continue
        else:
            raise _Refused(f"{key} is {_kind(value)}, not text or a number")
        if text:
            return text
    return ""


def _paragraphs(text: str) -> str:
    """Plain text with one paragraph a line: HTML block tags become breaks, other tags go."""
    if "<" in text:
        text = _TAG_RE.sub("", _drop_comments(_BREAK_RE.sub("\n", text)))
    if "&" in text:
        text = html.unescape(text)  # after the tags: an escaped "&lt;p&gt;" stays text
    return "\n".join(filter(None, (line.strip() for line in text.splitlines())))


def _drop_comments(text: str) -> str:
    """text without its HTML comments; an unclosed "<!--" stays. A scan, not the lazy
    regex "<!--.*?-->", which runs to the end from every unclosed "<!--": quadratic."""
    kept, pos = [], 0
    while (start := text.find("<!--", pos)) >= 0:
        end = text.find("-->", start + 4)
        if end < 0:
            break
        kept.append(text[pos:start])
        pos = end + 3
    kept.append(text[pos:])
    return "".join(kept)


def _kind(value: object) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float, LongNumber)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a dict"
    return "null"
