"""Fuzzing every reader: random and damaged files never crash lbsearch nor stall it.

Each file goes through lbsearch.extract.load_file, the entry point the indexer uses,
as .txt, .md, .html, .jsonl and .json. The inputs are random bytes and mutations of
real files: the seeds, the real saved pages of the shared folder (when it is there)
and small record files made of the seeds. A file may be skipped (SkipFile), nothing
else may escape, each file is read in bounded time, and what comes out is clean text.
Examples are derandomized and never shrunk: every run reads the same files, and a
failure is reported at once, with the example that caused it.
"""

from __future__ import annotations

import hashlib
import json
import signal
import time
import unicodedata
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from lbsearch.extract import SkipFile, load_file
from lbsearch.records import read_records

from .conftest import SEED_FILES

SUFFIXES = (".txt", ".md", ".html", ".jsonl", ".json")
REALPAGES = Path(__file__).resolve().parents[2] / "shared" / "realpages"
# Seconds a file may take: 2, and 20 more per MB, at most 10. lbsearch reads about
# 10 MB a second, so this is a hundred times what a file needs even on a loaded
# machine; only work that grows faster than the file (a stall) comes near it.
MIN_SECONDS, SECONDS_PER_BYTE, MAX_SECONDS = 2.0, 20 / 1_000_000, 10.0
# Characters a title or body must not hold: controls, format characters, surrogates
# and line or paragraph separators (the newline between paragraphs excepted).
_UNCLEAN = {"Cc", "Cf", "Cs", "Zl", "Zp"}

FUZZ = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    phases=(Phase.explicit, Phase.generate),  # no shrinking: a stall would be re-run for minutes
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                           HealthCheck.data_too_large],
)


class Stalled(Exception):
    """Raised into code that ran past its time. Code that swallowed it would still fail
    the check of the time taken; an Exception (not a BaseException) lets Hypothesis
    report the example."""


@contextmanager
def time_limit(seconds: float):
    """Interrupts the code inside after seconds with Stalled, so a stall fails the test
    instead of hanging the run: Python and regular expressions both check for signals."""
    def stop(signum, frame):
        where = (Path(frame.f_code.co_filename).name, frame.f_code.co_name)
        raise Stalled(f"still running after {seconds:.1f} s, in {':'.join(where)}")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def time_allowed(data: bytes) -> float:
    """The seconds reading data may take (see MIN_SECONDS)."""
    return min(MIN_SECONDS + SECONDS_PER_BYTE * len(data), MAX_SECONDS)


def _record_files() -> dict[str, bytes]:
    """Small record files of the seeds' articles: JSON Lines, an indented JSON list, one object."""
    records = []
    for number, seed in enumerate(SEED_FILES):
        lines = seed.read_text("utf-8").split("\n")
        records.append({"id": number, "title": lines[0], "body": lines[1:4], "date": "2022-05-20",
                        "url": f"https://laodongthudo.vn/bai-{number}.html"})
    jsonl = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
    return {"records.jsonl": jsonl.encode("utf-8"), "records.json": json.dumps(records, indent=1).encode("utf-8"),
            "record.json": json.dumps(records[0], ensure_ascii=False).encode("utf-8")}


def _bases() -> dict[str, bytes]:
    """The files mutations start from, by name (a name, not bytes, in a failing example)."""
    pages = sorted(REALPAGES.glob("*")) if REALPAGES.is_dir() else []
    return {p.name: p.read_bytes() for p in [*SEED_FILES, *pages]} | _record_files()


BASES = _bases()
RECORD_BASES = _record_files()

# Pieces inserted into files, by name: deep nesting, invalid UTF-8, NUL bytes, what
# JSON readers choke on, byte order marks, line and paragraph breaks, controls, markup.
INSERTS = {
    "[ x50000": b"[" * 50_000, '{"a": x20000': b'{"a":' * 20_000, "[{ x20000": b"[{" * 20_000,
    "<div> x20000": b"<div>" * 20_000, "<b><i> x10000": b"<b><i>" * 10_000,
    "ff": b"\xff", "c3 28": b"\xc3\x28", "overlong": b"\xe0\x80\x80", "UTF-8 surrogate": b"\xed\xa0\x80",
    "over U+10FFFF": b"\xf4\x90\x80\x80", "80 x50": b"\x80" * 50, "NUL": b"\x00", "NUL x100": b"\x00" * 100,
    "5001 digits": b"1" * 5001, "-5001 digits": b"-" + b"9" * 5001, "1e400": b"1e400", "NaN": b"NaN",
    "-Infinity": b"-Infinity", '"\\ud800"': b'"\\ud800"', "\\ud800": b"\\ud800", "\\u0000": b"\\u0000",
    '{"title": ': b'{"title": ', '"id": 1, ': b'"id": 1, ', "},": b"},", "]": b"]", "[ line": b"\n[\n",
    "BOM": b"\xef\xbb\xbf", "UTF-16 BOM": b"\xff\xfe", "CR": b"\r", "CRLF": b"\r\n", "blank lines": b"\n\n\n",
    "U+2028": b"\xe2\x80\xa8", "U+202E": b"\xe2\x80\xae", "ESC[31m": b"\x1b[31m", "BEL": b"\x07",
    "DEL": b"\x7f", "C1 CSI": b"\xc2\x9b",
    "<!--": b"<!--", "-->": b"-->", "<script>": b"<script>", "</html>": b"</html>", "<h1>": b"<h1>",
    "charset utf-16": b'<meta charset="utf-16">', "charset bogus": b'<meta charset="x-bogus">',
    "furniture heading": "\nCó thể bạn quan tâm\n".encode("utf-8"),
}

_share = st.floats(0, 1)  # a place in the file, as a share of its length
MUTATION = st.one_of(
    st.tuples(st.just("flip"), _share, st.integers(0, 7)),
    st.tuples(st.just("truncate"), _share),
    st.tuples(st.just("splice"), _share, st.sampled_from(sorted(BASES)), _share),
    st.tuples(st.just("insert"), _share, st.sampled_from(sorted(INSERTS))),
    st.tuples(st.just("long line"), _share, st.integers(1, 48), st.integers(10_000, 200_000)),
)


def _at(data: bytes, share: float) -> int:
    return min(int(share * len(data)), len(data))


def mutate(data: bytes, mutation: tuple) -> bytes:
    """data changed by one mutation drawn from MUTATION."""
    kind, share, *rest = mutation
    at = _at(data, share)
    if kind == "flip":
        return data[:at] + bytes([data[at] ^ (1 << rest[0])]) + data[at + 1:] if at < len(data) else data
    if kind == "truncate":
        return data[:at]
    if kind == "splice":  # the head of this file, then the tail of another
        other = BASES[rest[0]]
        return data[:at] + other[_at(other, rest[1]):]
    if kind == "insert":
        return data[:at] + INSERTS[rest[0]] + data[at:]
    # One long line: a short piece of the file itself, over and over.
    size, length = rest
    piece = data[at:at + size].replace(b"\n", b" ") or b"x"
    return data[:at] + b"\n" + piece * (length // len(piece)) + b"\n" + data[at:]


def _clean(text: str, newlines: bool) -> bool:
    """No character of _UNCLEAN in text (newlines allowed when newlines is true)."""
    return all((newlines and ch == "\n") or unicodedata.category(ch) not in _UNCLEAN for ch in text)


def check_file(folder: Path, data: bytes, suffix: str, grown: tuple | None = None):
    """Reads data as a corpus file with suffix and checks what a user relies on:
    nothing but SkipFile escapes, bounded time, clean text. The Loaded, or None."""
    path = folder / f"fuzz{suffix}"
    path.write_bytes(data)
    allowed = time_allowed(data)
    started = time.monotonic()
    try:
        with time_limit(allowed):
            loaded = load_file(path, f"fuzz{suffix}", f"corpus/fuzz{suffix}", grown)
    except SkipFile as skip:
        loaded = None
        assert str(skip) and "\n" not in str(skip)
    # Code in C (Resiliparse) cannot be interrupted: a stall there is caught here.
    if time.monotonic() - started >= allowed:
        raise Stalled(f"took {time.monotonic() - started:.1f} s, over {allowed:.1f} s")
    if loaded is None:
        return None
    assert loaded.data_hash == hashlib.sha1(data).hexdigest()
    for article in loaded.articles:
        assert isinstance(article.title, str) and isinstance(article.body, str)
        assert _clean(article.title, newlines=False), repr(article.title)
        assert _clean(article.body, newlines=True), repr(article.body)
        for value in (article.id, article.url or "", article.title, article.body):
            value.encode("utf-8")  # what the index, JSON output and the terminal do with it
    assert all(isinstance(p, str) and "\n" not in p for p in loaded.problems)
    return loaded


@pytest.mark.parametrize("suffix", SUFFIXES)
@FUZZ
@given(base=st.sampled_from(sorted(BASES)), mutations=st.lists(MUTATION, min_size=1, max_size=4))
def test_mutated_files_are_read_or_skipped(tmp_path, suffix, base, mutations):
    data = BASES[base]
    for mutation in mutations:
        data = mutate(data, mutation)
    check_file(tmp_path, data, suffix)


@pytest.mark.parametrize("suffix", SUFFIXES)
@FUZZ
@given(data=st.one_of(st.binary(max_size=4096), st.text(max_size=2000).map(str.encode)))
def test_random_bytes_are_read_or_skipped(tmp_path, suffix, data):
    check_file(tmp_path, data, suffix)


@FUZZ
@given(tail=st.sampled_from(sorted(BASES)), mutations=st.lists(MUTATION, min_size=1, max_size=3))
def test_a_grown_jsonl_file_reads_only_its_new_lines(tmp_path, tail, mutations):
    """A JSON Lines file that grew by damaged lines: only those are read, at their own lines."""
    base = RECORD_BASES["records.jsonl"]
    before = check_file(tmp_path, base, ".jsonl")
    seen = {article.id.split("#", 1)[1]: article.line for article in before.articles}
    lines_before = base.count(b"\n")
    appended = BASES[tail]
    for mutation in mutations:
        appended = mutate(appended, mutation)
    after = check_file(tmp_path, base + appended, ".jsonl", (len(base), lines_before, seen))
    if after is not None:
        assert all(article.line > lines_before for article in after.articles)
        assert not {article.id.split("#", 1)[1] for article in after.articles} & set(seen)


_JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.sampled_from(["title", "body", "text", "date", "id", "url", "_id", "x"]), inner, max_size=5),
    max_leaves=12,
)


@settings(FUZZ, max_examples=150)
@given(values=st.lists(_JSON_VALUES, max_size=6), inserts=st.lists(st.tuples(_share, st.sampled_from(sorted(INSERTS))),
                                                                   max_size=2))
def test_records_of_any_json_never_raise(values, inserts):
    """read_records straight: any JSON (NaN, lone surrogates, wrong types) and any damage
    to it give records of valid text and problems, never an exception."""
    text = "\n".join(json.dumps(value) for value in values)
    for share, piece in inserts:
        at = int(share * len(text))
        text = text[:at] + INSERTS[piece].decode("utf-8", "replace") + text[at:]
    for suffix in (".jsonl", ".json"):
        records, problems = read_records(text, suffix)
        for record in records:
            for field in (record.key, record.title, record.body, record.date or "", record.url or ""):
                field.encode("utf-8")
        assert all(1 <= p.line <= text.count("\n") + 1 for p in problems)


def test_long_runs_in_a_line_are_read_in_bounded_time(tmp_path):
    """What the fuzzing found stalling, at its smallest, one file per regular expression:
    a text file whose second line is a long run of one character."""
    for run in (b" " * 60_000 + b"x", b"[" * 60_000, b"![" * 100_000):
        check_file(tmp_path, "Công đoàn Long Biên\n".encode() + run + b"\n", ".txt")


@pytest.mark.parametrize(
    "record",
    [
        {"title": "x", "body": "<!--a" * 50_000},  # unclosed comments: each one used to scan to the end
        {"title": "x", "body": "<p" * 100_000},
        {"title": "x", "url": "https://" + "a" * 200_000 + " b"},  # backtracked over the host
        {"title": "x", "body": "&" * 200_000 + "<br>" * 50_000},
    ],
)
def test_records_with_long_markup_are_read_in_bounded_time(record):
    text = json.dumps(record) + "\n"
    with time_limit(time_allowed(text.encode())):
        records, problems = read_records(text, ".jsonl")
    assert problems == [] and len(records) == 1
