"""Which typed syllables form one Vietnamese word: "lao động", "công đoàn", "Long Biên".

Spaces in Vietnamese separate syllables, not words. The query syntax needs words
where OR stands between them (plan.parse_query): `lao dong OR cong doan` is
"lao động" OR "công đoàn", not "lao (động OR công) đoàn". The words are a list:
data/words.json (the two- and three-syllable words of pyvi's dictionary, MIT
licence, noted in the file, and the names of Vietnam's provinces), the
expansions of the abbreviations (data/abbreviations.json: "người lao động",
"công đoàn cơ sở") and Hanoi's districts (data/hanoi_districts.json: "Long
Biên", "Hai Bà Trưng"). Proper names of people are not words here: quote them.

A typed syllable matches a word's syllable when their folded forms are the same
and, if it was typed with accents, its accents are the word's: `cong doan` and
`công đoàn` are a word, `cống đoàn` is not.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from typing import Sequence

from .text import abbreviations, data_text, exact, fold


@dataclass(frozen=True)
class _Known:
    folded: frozenset[str]  # every known word's syllables folded, joined by spaces: "cong doan"
    spelled: frozenset[str]  # the same with their accents (text.exact): "công đoàn"
    longest: int  # the most syllables a known word has


@lru_cache(maxsize=1)
def _known() -> _Known:
    listed = json.loads(data_text("words.json"))
    districts = json.loads(data_text("hanoi_districts.json"))["districts"]
    spelled = listed["words"]
    more = [name.split() for name in listed["places"]] + [d["name"].split() for d in districts]
    more += [list(w) for w in abbreviations().values()]
    spelled += [" ".join(exact(s) for s in words) for words in more if len(words) > 1]
    # The list is spelled with text.exact already; folding it letter by letter with one
    # translation table is text.fold's result at a tenth of the cost (a query with OR
    # loads the list once).
    joined = "\n".join(spelled)
    folded = joined.translate({ord(ch): fold(ch) for ch in set(joined) - {" ", "\n"}})
    return _Known(frozenset(folded.split("\n")), frozenset(spelled), max(len(w.split()) for w in spelled))


@lru_cache(maxsize=1)
def _spellings() -> dict[str, list[str]]:
    """Folded word -> its spellings: only for syllables typed partly with accents."""
    found: dict[str, list[str]] = {}
    for word in _known().spelled:
        found.setdefault(" ".join(fold(s) for s in word.split()), []).append(word)
    return found


def max_syllables() -> int:
    """The most syllables a known word has: how far a look for one need reach."""
    return _known().longest


def is_word(folded: Sequence[str], typed: Sequence[str | None]) -> bool:
    """True when these syllables make one known word of two or more syllables.

    folded are the syllables folded; typed holds each one's exact form when it was
    typed with accents, None when typed bare (then any accents match).
    """
    if len(folded) < 2 or " ".join(folded) not in _known().folded:
        return False
    if all(t is None for t in typed):
        return True
    if all(t is not None for t in typed):
        return " ".join(typed) in _known().spelled
    return any(all(t is None or t == s for t, s in zip(typed, word.split()))
               for word in _spellings()[" ".join(folded)])


def word_at_end(folded: Sequence[str], typed: Sequence[str | None]) -> int:
    """How many of the last syllables form the longest known word ending the sequence; 1 when none does."""
    for size in range(min(len(folded), max_syllables()), 1, -1):
        if is_word(folded[-size:], typed[-size:]):
            return size
    return 1


def word_at_start(folded: Sequence[str], typed: Sequence[str | None]) -> int:
    """How many of the first syllables form the longest known word starting the sequence; 1 when none does."""
    for size in range(min(len(folded), max_syllables()), 1, -1):
        if is_word(folded[:size], typed[:size]):
            return size
    return 1
