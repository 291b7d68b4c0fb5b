"""Did you mean: a query built from the index's own words for one that found nothing."""

from __future__ import annotations

from functools import lru_cache

from .engines import Reader
from .plan import ParsedQuery, make_plan, parse_query
from .text import fold

MAX_SUGGESTED_SYLLABLE = 12  # longer "syllables" are not typos of a word: no suggestion


def suggest(reader: Reader, parsed: ParsedQuery) -> str | None:
    """A query built from the index's own words for one that found nothing.

    A syllable the index has never seen becomes one of the nearest (within two
    edits, swapped letters counting as one, same first letter) that lets the
    whole query match; a syllable whose typed accents nobody writes gets the
    usual ones. None when there is nothing to correct. Bounded: long "syllables"
    are not corrected, and each lookup walks one first letter's terms.
    """
    slots = []  # (clause number, what was typed, folded candidates or None to keep it)
    for number, clause in enumerate(parsed.positive_clauses):
        for folded, accented in zip(clause.syllables, clause.exact):
            typed = accented if clause.accented else folded
            known = reader.doc_frequency("body", folded) or reader.doc_frequency("title", folded)
            if known and (not clause.accented or reader.doc_frequency("exact", accented)):
                slots.append((number, typed, None))
                continue
            candidates = [folded] if known else _nearby_terms(reader, folded)
            if not candidates:
                return None
            slots.append((number, typed, candidates))
    if all(candidates is None for _, _, candidates in slots):
        return None
    spellings = _spellings(reader, {c for _, _, cands in slots for c in cands or ()})
    first = None
    for attempt in range(5):
        words: list[list[str]] = [[] for _ in parsed.positive_clauses]
        for number, typed, candidates in slots:
            if candidates is None:
                words[number].append(typed)
            else:
                pick = candidates[min(attempt, len(candidates) - 1)]
                words[number].append(_closest_spelling(spellings.get(pick, []), pick, typed))
        text = " ".join(
            f'"{" ".join(w)}"' if clause.quoted else " ".join(w)
            for w, clause in zip(words, parsed.positive_clauses)
        )
        first = first or text
        if reader.count(make_plan(parse_query(text))):
            return text
    return first


def _nearby_terms(reader: Reader, folded: str) -> list[str]:
    if len(folded) > MAX_SUGGESTED_SYLLABLE:
        return []
    candidates = [
        (term, frequency) for term, frequency in reader.terms_with_prefix("body", folded[0])
        if abs(len(term) - len(folded)) <= 2 and edit_distance(term, folded) <= 2
    ]
    candidates.sort(key=lambda tf: (
        edit_distance(tf[0], folded), sorted(tf[0]) != sorted(folded),  # swapped letters first
        abs(len(tf[0]) - len(folded)), -tf[1], tf[0],
    ))
    return [term for term, _ in candidates[:5]]


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance where swapping two neighbouring letters counts as one edit."""
    rows = [list(range(len(b) + 1))]
    for i in range(1, len(a) + 1):
        row = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            row[j] = min(rows[-1][j] + 1, row[j - 1] + 1, rows[-1][j - 1] + (a[i - 1] != b[j - 1]))
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                row[j] = min(row[j], rows[-2][j - 2] + 1)
        rows.append(row)
    return rows[-1][-1]


def _spellings(reader: Reader, folded_terms: set[str]) -> dict[str, list[tuple[str, int]]]:
    """Accented forms in the index, with their document frequencies, of some folded terms:
    the exact terms that start with a letter folding to each one's first letter."""
    found: dict[str, list[tuple[str, int]]] = {}
    for first in {term[0] for term in folded_terms}:
        for letter in _letters_folding_to().get(first, first):
            for term, frequency in reader.terms_with_prefix("exact", letter):
                folded = fold(term)
                if folded in folded_terms:
                    found.setdefault(folded, []).append((term, frequency))
    return found


@lru_cache(maxsize=1)
def _letters_folding_to() -> dict[str, str]:
    """Each folded letter with the lower-case Vietnamese letters that fold to it ("d": "dđ")."""
    letters: dict[str, str] = {}
    for code in [*range(ord("a"), ord("z") + 1), *range(0xE0, 0x1FF), *range(0x1EA0, 0x1EFA)]:
        ch = chr(code)
        if ch.islower() and len(fold(ch)) == 1:
            letters[fold(ch)] = letters.get(fold(ch), "") + ch
    return letters


def _closest_spelling(forms: list[tuple[str, int]], folded: str, typed: str) -> str:
    """The form closest to what the user typed, else the most common ("cong" -> "công")."""
    if not forms:
        return folded
    typed_accents = typed if not typed.isascii() else None
    return min(forms, key=lambda form: (edit_distance(form[0], typed_accents) if typed_accents else 0, -form[1]))[0]
