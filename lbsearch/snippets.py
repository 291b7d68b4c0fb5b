"""Where a query matches in a text: the spans to highlight and the snippet to show.

Pure functions of the text and the query's clauses (plan.py); no index.
"""

from __future__ import annotations

import re
from functools import lru_cache

from .plan import Clause
from .text import abbreviations, expanded_syllables, fold, folded_finder, folds_by_table, syllable_pattern

SNIPPET_CHARS = 220
SNIPPET_LEAD_CHARS = 60  # context kept before the first match


def match_spans(text: str, clauses: list[Clause]) -> tuple[list[list[int]], list[int]]:
    """Character spans in text where a clause matches after folding (abbreviations
    expanded, so "LĐLĐ" is a match for "Liên đoàn Lao động"), and which clause each is."""
    by_first: dict[str, list[int]] = {}  # most words start no clause: one lookup each
    for number, clause in enumerate(clauses):
        by_first.setdefault(clause.syllables[0], []).append(number)
    spans: list[list[int]] = []
    owners: list[int] = []
    regions = _regions(text, clauses, by_first)
    if regions is None:
        _scan(expanded_syllables(text), 0, clauses, by_first, spans, owners)
    for start, end in regions or ():
        _scan(expanded_syllables(text[start:end]), start, clauses, by_first, spans, owners)
    return spans, owners


def _regions(text: str, clauses: list[Clause], by_first: dict[str, list[int]]) -> list[tuple[int, int]] | None:
    """The stretches of text where a clause can match, found in one scan: from each
    syllable that starts a clause (or an abbreviation holding such a word) to the
    end of the longest clause's worth of syllables after it, overlapping ones
    joined. Most of an article lies outside them and is never split into
    syllables. None when text needs the syllable-by-syllable path (folds_by_table)."""
    finder = _finder(frozenset(by_first)) if folds_by_table(text) else None
    if finder is None:
        return None
    reach = max(len(c.syllables) for c in clauses)
    regions: list[tuple[int, int]] = []
    syllable = syllable_pattern(text)
    for found in finder.finditer(text):
        end = found.end()
        for _, following in zip(range(reach - 1), syllable.finditer(text, end)):
            end = following.end()
        if regions and found.start() <= regions[-1][1]:
            regions[-1] = (regions[-1][0], max(end, regions[-1][1]))
        else:
            regions.append((found.start(), end))
    return regions


@lru_cache(maxsize=64)
def _finder(firsts: frozenset[str]) -> re.Pattern[str] | None:
    """Finds the syllables that start a clause, and the abbreviations holding one."""
    held = {short for short, words in abbreviations().items() if firsts & {fold(w) for w in words}}
    return folded_finder(firsts | held)


def _scan(words: tuple[tuple[str, int, int], ...], shift: int, clauses: list[Clause],
          by_first: dict[str, list[int]], spans: list[list[int]], owners: list[int]) -> None:
    """Adds to spans and owners each clause matched in words, left to right, offsets
    moved by shift."""
    folded = [fold(w) for w, _, _ in words]
    i = 0
    while i < len(words):
        matched = 0
        for number in by_first.get(folded[i], ()):
            syllables = clauses[number].syllables
            n = len(syllables)
            if n > matched and tuple(folded[i : i + n]) == syllables:
                matched, owner = n, number
        if matched:
            start, end = words[i][1] + shift, words[i + matched - 1][2] + shift
            if spans and start < spans[-1][1]:  # inside an abbreviation already marked
                spans[-1][1] = max(spans[-1][1], end)
            else:
                spans.append([start, end])
                owners.append(owner)
            i += matched
        else:
            i += 1


def make_snippet(body: str, clauses: list[Clause]) -> tuple[str, list[list[int]]]:
    """The passage of body with the best matches, cut at word boundaries.

    Best means: the query's words standing together in order, if they do anywhere;
    then the most distinct query terms; then the most matches. Returns the
    snippet and the [start, end) offsets of its matches.
    """
    spans, owners = match_spans(body, with_whole_query(clauses))
    if not spans:
        return _cut(body, 0, SNIPPET_CHARS, [])
    # Windows open at a match of the whole query when there is one, else at any match.
    starts = [k for k, owner in enumerate(owners) if owner == len(clauses)] or range(len(spans))
    best_start, best_score = 0, (-1, -1)
    for first in starts:
        window_end = spans[first][0] + SNIPPET_CHARS
        inside = [owners[k] for k in range(first, len(spans)) if spans[k][1] <= window_end]
        score = (len(set(inside)), len(inside))
        if score > best_score:
            best_start, best_score = first, score
    start = max(0, spans[best_start][0] - SNIPPET_LEAD_CHARS)
    window = [s for s in spans if s[0] >= start and s[1] <= start + SNIPPET_CHARS]
    return _cut(body, start, start + SNIPPET_CHARS, window)


def with_whole_query(clauses: list[Clause]) -> list[Clause]:
    """The clauses, plus several one-syllable words typed together ("quy che phoi hop")
    as one more clause: the phrase to prefer and to highlight whole."""
    if len(clauses) < 2 or any(len(c.syllables) != 1 for c in clauses):
        return clauses
    return clauses + [Clause(tuple(c.syllables[0] for c in clauses))]


def _cut(body: str, start: int, end: int, spans: list[list[int]]) -> tuple[str, list[list[int]]]:
    """body[start:end] widened or narrowed to whole words, with … where text was cut."""
    if start > 0:
        start = _word_start(body, start)
    end = min(end, len(body))
    if end < len(body):
        end = max(_word_end(body, end), max((s[1] for s in spans), default=0))
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(body) else ""
    text = prefix + body[start:end].replace("\n", " ").strip() + suffix
    shift = len(prefix) - start - (len(body[start:end]) - len(body[start:end].lstrip()))
    return text, [[a + shift, b + shift] for a, b in spans]


def _word_start(text: str, position: int) -> int:
    """The start of the word at position, or of the next word when position is inside spaces."""
    while position < len(text) and not text[position].isspace() and position > 0 and not text[position - 1].isspace():
        position -= 1
    while position < len(text) and text[position].isspace():
        position += 1
    return position


def _word_end(text: str, position: int) -> int:
    """The end of the word that position falls in (cutting back to the previous space)."""
    space = text.rfind(" ", 0, position)
    cut = space if space > 0 else position
    return cut
