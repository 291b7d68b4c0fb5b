"""Hanoi's district-level units: finding them in article text and resolving names users type.

The gazetteer (data/hanoi_districts.json) lists the 30 units as they stood until
30 June 2025. Articles written after that speak of "xã Gia Lâm" or "phường Long
Biên": the same names, so they are found the same way.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cached_property, lru_cache
from itertools import islice
from typing import Iterator

from .text import SYLLABLE_RE, data_text, exact, fold, folding_to, syllables

# Words users put before a name: "quận Long Biên", "huyện Gia Lâm", "tx Sơn Tây".
_QUALIFIER_RE = re.compile(
    r"^(?:quận|quan|q\.|huyện|huyen|h\.|thị xã|thi xa|tx\.?|xã|xa|phường|phuong|p\.)\s*",
    re.IGNORECASE,
)
# A mention followed by another province ("thị xã Hoàng Mai, tỉnh Nghệ An") is not Hanoi's.
_OTHER_PROVINCE_RE = re.compile(r"^\s*[,(-]?\s*(?:tỉnh|tinh)\s+(?!Hà Nội)", re.IGNORECASE)


@dataclass(frozen=True)
class District:
    name: str  # canonical spelling with diacritics: "Ứng Hòa"
    kind: str  # quận, huyện or thị xã (before July 2025)
    key: str  # folded slug stored in the index: "ung-hoa"

    @cached_property  # a frozen dataclass still takes it: it writes the instance's __dict__
    def exact_syllables(self) -> tuple[str, ...]:
        return tuple(exact(s) for s in self.name.split())

    @cached_property
    def folded_syllables(self) -> tuple[str, ...]:
        return tuple(fold(s) for s in self.name.split())


class UnknownDistrictError(ValueError):
    """A district name that is not one of Hanoi's; the message suggests the closest."""


def district_key(name: str) -> str:
    """The folded slug of a district name, as stored in the index: "Ứng Hòa" -> "ung-hoa"."""
    return "-".join(fold(s.group()) for s in syllables(name))


@lru_cache(maxsize=1)
def districts() -> tuple[District, ...]:
    data = json.loads(data_text("hanoi_districts.json"))
    return tuple(
        District(entry["name"], entry["kind"], district_key(entry["name"]))
        for entry in data["districts"]
    )


@lru_cache(maxsize=1)
def _by_first_syllable() -> dict[str, list[District]]:
    index: dict[str, list[District]] = {}
    for district in districts():
        index.setdefault(district.folded_syllables[0], []).append(district)
    return index


def by_key(key: str) -> District | None:
    return next((d for d in districts() if d.key == key), None)


def find_districts(text: str) -> list[District]:
    """The districts named in clean text, in order of first mention.

    A name counts when its syllables stand together, capitalised, spelled with
    the same accents (any tone placement) or written entirely without accents.
    """
    found: dict[District, None] = {}  # in order of first mention
    first_syllables = _by_first_syllable()
    for word in _first_syllables(text):
        for district in first_syllables.get(fold(word.group()), ()):
            if district in found:
                continue
            length = len(district.exact_syllables)
            span = list(islice(SYLLABLE_RE.finditer(text, word.start()), length))
            if len(span) == length and _spells(span, district, text) \
                    and not _OTHER_PROVINCE_RE.match(text[span[-1].end() : span[-1].end() + 40]):
                found[district] = None
    return list(found)


def _first_syllables(text: str) -> Iterator[re.Match[str]]:
    """The syllables of text (as text.SYLLABLE_RE cuts them) that start with a capital
    a district's name can start with: one scan in C, where reading every syllable
    took a third of an article's extraction."""
    return _capitalised_re().finditer(text)


@lru_cache(maxsize=1)
def _capitalised_re() -> re.Pattern[str]:
    capitals = "".join(sorted({ch for first in _by_first_syllable() for ch in folding_to(first[0]) if ch.isupper()}))
    # The capital, then a look back past it: no letter, digit or combining mark before
    # it (a syllable starts there); most positions fail at the capital, cheaply.
    return re.compile(f"[{capitals}](?<![^\\W_].)(?<![\u0300-\u036f].)(?:[^\\W_]|[\u0300-\u036f])*")


def _spells(span: list[re.Match[str]], district: District, text: str) -> bool:
    for k, word in enumerate(span):
        written = word.group()
        if not written[0].isupper():
            return False
        if k and text[span[k - 1].end() : word.start()] != " ":
            return False
        if written.isascii():
            if fold(written) != district.folded_syllables[k]:
                return False
        elif exact(written) != district.exact_syllables[k]:
            return False
    return True


def typed_key(typed: str) -> str:
    """The slug of a district name as a user types it: any case, with or without
    accents or "quận"/"huyện" ("Quận Long Biên" -> "long-bien")."""
    return district_key(_QUALIFIER_RE.sub("", " ".join(typed.split())))


def resolve_district(typed: str) -> District:
    """The district a user means: any case, with or without accents or "quận"/"huyện"."""
    key = typed_key(typed)
    district = by_key(key)
    if district:
        return district
    import difflib  # only for a name that is not found

    close = difflib.get_close_matches(key, [d.key for d in districts()], n=3, cutoff=0.6)
    hint = ", ".join(by_key(k).name for k in close)  # type: ignore[union-attr]
    suggestion = f"; did you mean {hint}?" if hint else "; `lbsearch stats` lists the districts"
    raise UnknownDistrictError(f"unknown Hanoi district {typed!r}{suggestion}")
