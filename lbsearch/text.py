"""Pure text functions for Vietnamese: cleaning, canonical tone placement, folding,
syllables and abbreviation expansion (table in data/abbreviations.json).

Everything here maps text to text (or to syllables) and knows nothing about files,
pages or indexes. Extraction, analysis and querying all go through these
functions so that the index and the query see the same text.
"""

from __future__ import annotations

import json
import re
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Iterator

from unidecode import unidecode

# Invisible characters seen in scraped pages. They become spaces, never nothing:
# deleting U+200B would glue "đoàn\u200bLao" into one word.
_INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u00ad\u00a0\u2007\u202f\u180e"
# Look-alikes that NFC does not merge: eth and African D used for Đ.
_LOOKALIKES = {"\u00d0": "\u0110", "\u0189": "\u0110", "\u00f0": "\u0111", "\u0256": "\u0111"}
_CLEAN_TABLE = str.maketrans(
    {**{ch: " " for ch in _INVISIBLE}, **_LOOKALIKES, "\t": " ", "\u2028": "\n", "\u2029": "\n"}
)

# A syllable: letters and digits, plus combining marks that NFC could not compose.
SYLLABLE_RE = re.compile(r"(?:[^\W_]|[\u0300-\u036f])+")
# The same where no such mark is left (almost every text): twice as fast.
_PLAIN_SYLLABLE_RE = re.compile(r"[^\W_]+")
_COMBINING_RE = re.compile(r"[\u0300-\u036f]")


def syllable_pattern(text: str) -> re.Pattern[str]:
    """SYLLABLE_RE, or a faster pattern that finds the same syllables in text."""
    return SYLLABLE_RE if _COMBINING_RE.search(text) else _PLAIN_SYLLABLE_RE

_TONE_MARKS = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}  # huyền sắc ngã hỏi nặng


# str.translate looks up every character: most texts hold none of these, and a
# regex finds that out ten times faster.
_TRANSLATED_RE = re.compile("[" + re.escape("".join(chr(c) for c in _CLEAN_TABLE)) + "]")


def clean(text: str) -> str:
    """NFC, LF line ends, look-alikes mapped, invisible and control characters as spaces."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    if _TRANSLATED_RE.search(text):
        text = text.translate(_CLEAN_TABLE)
    if not text.replace("\n", "").isprintable():  # rare: the per-character pass is slow
        text = "".join(
            ch if ch == "\n" or not _is_control(ch) else " " for ch in text
        )
    return text


def printable(text: str) -> str:
    """Text safe for a terminal: every control or format character becomes a space."""
    if text.isprintable():
        return text
    return "".join(" " if _is_control(ch) else ch for ch in text)


# What visible() writes for the control characters people know by a letter.
_NAMED_ESCAPES = {"\n": "\\n", "\t": "\\t", "\r": "\\r"}
_visible_chars: dict[str, str] = {}


def _visible_char(ch: str) -> str:
    shown = _visible_chars.get(ch)
    if shown is None:
        code = ord(ch)
        if ch in _NAMED_ESCAPES:
            shown = _NAMED_ESCAPES[ch]
        elif ch == " " or unicodedata.category(ch) == "Zs" or not _is_control(ch):
            shown = ch  # spaces of any width are harmless on a terminal
        elif 0xDC80 <= code <= 0xDCFF:
            # A byte of a file name that did not decode: os.fsdecode's surrogateescape
            # keeps it as U+DC80 + byte. Shown as the byte, as ripgrep and ls do.
            shown = f"\\x{code - 0xDC00:02x}"
        elif code < 0x100:
            shown = f"\\x{code:02x}"
        elif code <= 0xFFFF:
            shown = f"\\u{code:04x}"
        else:
            shown = f"\\U{code:08x}"
        _visible_chars[ch] = shown
    return shown


def visible(text: str) -> str:
    """Text from the corpus (a path, an id, a title, a warning naming a file) as the
    terminal should show it: control and format characters escaped ("\\n", "\\x1b",
    "\\u202e") and undecodable bytes of a file name as "\\xff". What a file name holds
    is then seen, never acted on: no escape sequence reaches the terminal, no newline
    fakes a line of output."""
    if text.isprintable():  # almost always: nothing to escape
        return text
    return "".join(_visible_char(ch) for ch in text)


def visible_spans(text: str, spans: list[list[int]]) -> tuple[str, list[list[int]]]:
    """visible(text), with [start, end) character offsets into text moved to the
    same characters of the result (an escape is longer than the character it shows)."""
    if text.isprintable():
        return text, spans
    pieces, starts, at = [], [], 0
    for ch in text:
        starts.append(at)
        piece = _visible_char(ch)
        pieces.append(piece)
        at += len(piece)
    starts.append(at)
    last = len(text)
    return "".join(pieces), [[starts[min(a, last)], starts[min(b, last)]] for a, b in spans]


def without_surrogates(text: str) -> str:
    """Text that UTF-8 can encode: a lone surrogate (an undecodable byte of a file
    name, or half a character) in visible()'s form, "\\xff"; the rest unchanged."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return "".join(_visible_char(ch) if unicodedata.category(ch) == "Cs" else ch for ch in text)


def _is_control(ch: str) -> bool:
    """Characters a terminal could act on or that render as nothing useful: controls,
    format characters, surrogates, private use, unassigned, and exotic separators
    (which become plain spaces)."""
    return ch != " " and unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp", "Zs")


def canonical_tones(syllable: str) -> str:
    """Put the tone mark where old-style spelling puts it: hoà -> hòa, thuỷ -> thủy, khoẻ -> khỏe.

    Only the open pairs oa, oe, uy (no final consonant) have two spellings; "qu"
    is a consonant, so quý is left alone. Input and output are NFC.
    """
    decomposed = unicodedata.normalize("NFD", syllable)
    if decomposed[-1:] not in _TONE_MARKS:
        return syllable
    tone = decomposed[-1]
    bare = decomposed[:-1]
    lowered = bare.lower()
    if len(lowered) >= 2 and lowered[-2:] in ("oa", "oe", "uy"):
        if lowered[-2:] == "uy" and lowered[-3:-2] == "q":
            return syllable
        return unicodedata.normalize("NFC", bare[:-1] + tone + bare[-1])
    return syllable


# Lower-case Vietnamese letters and ASCII fold with one table lookup each (str.translate,
# in C). unidecode takes about 20 µs for each new word, which a search's first
# snippets pay some thousand times over; it still folds every other character
# (tests/test_text.py checks the two agree on these letters).
_VIETNAMESE_LETTERS = "àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ"
_FOLD_TABLE = str.maketrans({ch: "d" if ch == "đ" else unicodedata.normalize("NFD", ch)[0]
                             for ch in _VIETNAMESE_LETTERS})
_ASCII_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"  # not the string module: 1 ms to import
_TABLE_FOLDS_RE = re.compile(f"[\\x00-\\x7f{_VIETNAMESE_LETTERS}]*")


@lru_cache(maxsize=200_000)
def fold(syllable: str) -> str:
    """Accent-free lower-case ASCII form of one syllable: "Đường" -> "duong"."""
    lowered = syllable.lower()
    if _TABLE_FOLDS_RE.fullmatch(lowered):
        return lowered.translate(_FOLD_TABLE).replace(" ", "")
    return unidecode(lowered).replace(" ", "").lower()


def _folding_to() -> dict[str, str]:
    """Each ASCII letter, and the characters that fold to it by the table, in both cases."""
    found: dict[str, str] = {}
    for ch in _VIETNAMESE_LETTERS + _VIETNAMESE_LETTERS.upper() + _ASCII_LETTERS:
        folded = ch.lower().translate(_FOLD_TABLE)
        found[folded] = found.get(folded, "") + ch
    return found


_FOLDING_TO = _folding_to()


def folding_to(letter: str) -> str:
    """The letters that fold() turns into this ASCII letter, in both cases ("" for others)."""
    return _FOLDING_TO.get(letter, "")


# A character that folds by other means than the table: a combining mark left by NFC,
# or a letter or digit outside ASCII and Vietnamese (a dotted İ, a ligature, a
# fullwidth letter). A text without one folds syllable by syllable as the table says.
_NOT_TABLE_FOLDED_RE = re.compile(
    f"[\u0300-\u036f]|(?![\x00-\x7f{_VIETNAMESE_LETTERS}{_VIETNAMESE_LETTERS.upper()}])[^\\W_]")


def folded_finder(folded_syllables: Iterable[str]) -> re.Pattern[str] | None:
    """A pattern whose matches in a clean text are exactly the syllables whose fold()
    is one of folded_syllables, in any case and with any accents, found in one scan
    in C; use it on texts for which folds_by_table() holds. None when a syllable is
    not plain ASCII letters and digits."""
    alternatives = []
    for syllable in sorted(set(folded_syllables), key=len, reverse=True):
        if not syllable or not all(ch in _FOLDING_TO or ch.isdigit() and ch.isascii() for ch in syllable):
            return None
        alternatives.append("".join(f"[{_FOLDING_TO[ch]}]" if ch in _FOLDING_TO else ch for ch in syllable))
    return re.compile(f"(?<![^\\W_])(?:{'|'.join(alternatives)})(?![^\\W_])") if alternatives else None


def folds_by_table(text: str) -> bool:
    """Every syllable of text folds by the Vietnamese table (see folded_finder)."""
    return text.isascii() or not _NOT_TABLE_FOLDED_RE.search(text)


@lru_cache(maxsize=200_000)
def exact(syllable: str) -> str:
    """Lower-case syllable with canonical tone placement, accents kept: "HOÀ" -> "hòa"."""
    return canonical_tones(syllable.lower())


def fold_text(text: str) -> str:
    """Fold a whole string syllable by syllable, joined by single spaces."""
    text = clean(text)
    return " ".join(fold(word) for word in syllable_pattern(text).findall(text))


def syllables(text: str) -> Iterator[re.Match[str]]:
    """The syllables of already-clean text, as regex matches carrying their offsets."""
    return syllable_pattern(text).finditer(text)


def data_text(name: str) -> str:
    """A file of lbsearch/data/. Read beside this module, not through importlib.resources,
    whose import (zipfile, tempfile and more) cost a search's start-up a few milliseconds."""
    return (Path(__file__).parent / "data" / name).read_text("utf-8")


@lru_cache(maxsize=1)
def abbreviations() -> dict[str, tuple[str, ...]]:
    """Folded abbreviation -> the words it stands for: "ldld" -> ("Liên", "đoàn", "Lao", "động")."""
    data = json.loads(data_text("abbreviations.json"))
    return {fold(short): tuple(long.split()) for short, long in data["abbreviations"].items()}


@lru_cache(maxsize=8)  # the index analyses the same title and body for several fields in a row
def expanded_syllables(text: str) -> tuple[tuple[str, int, int], ...]:
    """(syllable, start, end) for clean text, abbreviations replaced by their words.

    Every word of an expansion carries the offsets of the abbreviation it came from,
    so a match on "Liên đoàn Lao động" highlights "LĐLĐ" in the text.
    """
    out: list[tuple[str, int, int]] = []
    for match in syllable_pattern(text).finditer(text):
        word = match.group()
        words = abbreviations().get(fold(word)) if len(word) <= 8 else None
        if words:
            out.extend((w, match.start(), match.end()) for w in words)
        else:
            out.append((word, match.start(), match.end()))
    return tuple(out)
