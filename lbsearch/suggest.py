"""Did you mean: a query built from the index's own words for one that found nothing.

A suggestion leads somewhere: it is offered only when running it finds something.
It keeps one reading: every syllable with its accents, or none of them (a query
typed without accents gets one without). Keys typed with the Vietnamese input off
are read as what they spell (keys.py): `cong doanf` suggests "công đoàn", not
"cong doanh". A quoted phrase nobody wrote suggests the nearest phrase that is
written, else its words unquoted.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from . import keys
from .analysis import pair_term
from .engines import Reader
from .plan import Clause, Filters, ParsedQuery, QueryError, make_plan, parse_query
from .text import fold

MAX_SUGGESTED_SYLLABLE = 12  # longer "syllables" are not typos of a word: no suggestion
MAX_TRIES = 8  # searches one suggestion may run to see that it finds something
NEARBY = 5  # nearest words of the index tried for one syllable
MAX_LOOKUPS = 16  # syllables whose nearest words one suggestion looks for
SPELLINGS = 5  # accented spellings of one syllable weighed against its neighbours


@dataclass(frozen=True)
class _Option:
    """One reading of a typed syllable: a folded term of the index, and the accents
    it should be shown with (those typed or spelled by the keys; None: the index's)."""

    folded: str
    accents: str | None = None
    kept: bool = False  # the syllable as typed, known to the index with its accents
    keyed: bool = False  # read from Telex or VNI keys: the query carries accents then


def suggest(reader: Reader, parsed: ParsedQuery, filters: Filters = Filters()) -> str | None:
    """A query built from the index's own words for one that found nothing, that
    finds something within filters (the search's dates and districts); None when
    there is none or nothing to correct.

    Each syllable the index has never seen becomes the syllable its keys spell
    (Telex, VNI) or one of the nearest (within two edits, swapped letters
    counting as one, same first letter); a syllable whose typed accents nobody
    writes gets the usual ones. Bounded: long "syllables" are not corrected, each
    first letter's words are walked once, and at most MAX_TRIES searches run.
    """
    words = _Vocabulary(reader)
    clauses = parsed.positive_clauses
    options: list[list[list[_Option]]] = []
    for clause in clauses:
        per_clause = []
        for folded, accented in zip(clause.syllables, clause.exact):
            found = _options(words, folded, accented, parsed.accented)
            if not found:
                return None
            per_clause.append(found)
        options.append(per_clause)
    best = [[found[0] for found in per_clause] for per_clause in options]
    if all(o.folded == typed for pick, clause in zip(best, clauses) for o, typed in zip(pick, clause.syllables)) \
            and reader.count(make_plan(parsed)):
        return None  # every word is there and the query finds them: a filter left nothing
    attempt = _Attempt(reader, parsed, filters)
    for number in range(NEARBY):
        text = attempt.run([[found[min(number, len(found) - 1)] for found in per_clause] for per_clause in options])
        if text:
            return text
        if all(len(found) <= number + 1 for per_clause in options for found in per_clause):
            break
    phrases = _nearest_phrases(words, clauses, best)
    if phrases != best:
        text = attempt.run(phrases)
        if text:
            return text
    return attempt.run(best, unquoted=True)


def _options(words: _Vocabulary, folded: str, accented: str, query_accented: bool) -> list[_Option]:
    """The readings of one typed syllable, best first."""
    reader = words.reader
    typed = accented if query_accented else folded
    if _known(reader, folded):
        if not query_accented or reader.doc_frequency("exact", accented):
            return [_Option(folded, typed if query_accented else None, kept=True)]
        return [_Option(folded, typed)]  # the accents nobody writes: the usual ones
    found = []
    spelled = keys.decode(accented) if accented.isascii() else None
    if spelled and _known(reader, fold(spelled)):
        found.append(_Option(fold(spelled), spelled, keyed=True))
    found += [_Option(term, typed if query_accented else None) for term in _nearby_terms(words, folded)]
    return found


def _known(reader: Reader, folded: str) -> bool:
    return bool(reader.doc_frequency("text", folded))


class _Attempt:
    """Writes picked readings as a query and runs it, at most MAX_TRIES times."""

    def __init__(self, reader: Reader, parsed: ParsedQuery, filters: Filters) -> None:
        self.reader, self.parsed, self.filters = reader, parsed, filters
        self.tries = 0
        self.seen = {_shape(parsed)}  # the query itself found nothing: never suggest it
        self.spellings: dict[str, list[tuple[str, int]]] = {}

    def run(self, picks: list[list[_Option]], unquoted: bool = False) -> str | None:
        """The picks written as a query, if running it finds something. A side of OR is
        written as its words, read back as the parser reads them (a corrected word
        may now be one: `lao dong OR cong doanf` -> `lao động OR công đoàn`), else quoted."""
        accented = self.parsed.accented or any(o.keyed for pick in picks for o in pick)
        shown = self._shown(picks, accented)
        for quote_or_sides in (False, True):
            if self.tries >= MAX_TRIES:
                return None
            text = _write(self.parsed, shown, unquoted, quote_or_sides)
            try:
                again = parse_query(text)
            except QueryError:
                continue
            if _shape(again) in self.seen:
                continue
            self.seen.add(_shape(again))
            self.tries += 1
            if self.reader.count(make_plan(again)._replace(filters=self.filters)):
                return text
        return None

    def _shown(self, picks: list[list[_Option]], accented: bool) -> list[list[str]]:
        """Each picked syllable as the suggestion writes it: folded in a reading without
        accents; else as typed when the index has it so, else the index's spelling
        that stands with its neighbours, then the one closest to the accents typed
        or keyed, then the most common (`cong doanf` -> "công đoàn", `lao dongf` ->
        "lao động")."""
        if not accented:
            return [[o.folded for o in pick] for pick in picks]
        self._load({o.folded for pick in picks for o in pick if not o.kept or not o.accents})
        shown: list[list[str | None]] = [[o.accents if o.kept and o.accents else None for o in pick]
                                         for pick in picks]
        runs = _runs(self.parsed)
        # Those typed or keyed with accents first, each alone, then each with its neighbours.
        for alone in (True, False):
            for run in runs:
                for at, (number, position) in enumerate(run):
                    option = picks[number][position]
                    if option.kept and option.accents:
                        continue
                    hinted = option.accents is not None and not option.accents.isascii()
                    if alone and not hinted:
                        continue
                    before = None if alone or not at else shown[run[at - 1][0]][run[at - 1][1]]
                    after = None if alone or at + 1 == len(run) else shown[run[at + 1][0]][run[at + 1][1]]
                    shown[number][position] = self._spelling(option, before, after)
        return shown  # type: ignore[return-value]

    def _spelling(self, option: _Option, before: str | None, after: str | None) -> str:
        forms = self.spellings.get(option.folded, [])
        if not forms:
            return option.folded
        hint = unicodedata.normalize("NFD", option.accents) if option.accents and not option.accents.isascii() else None

        def distance(form: str) -> int:
            return edit_distance(unicodedata.normalize("NFD", form), hint) if hint else 0

        likely = sorted(forms, key=lambda f: (distance(f[0]), -f[1], f[0]))[:SPELLINGS]

        def together(form: str) -> int:
            return sum(bool(self.reader.doc_frequency("exact", pair_term(a, b)))
                       for a, b in ((before, form), (form, after)) if a and b)

        return min(likely, key=lambda f: (-together(f[0]), distance(f[0]), -f[1], f[0]))[0]

    def _load(self, folded_terms: set[str]) -> None:
        wanted = folded_terms - set(self.spellings)
        if wanted:
            found = _spellings(self.reader, wanted)
            self.spellings.update({term: found.get(term, []) for term in wanted})


def _runs(parsed: ParsedQuery) -> list[list[tuple[int, int]]]:
    """(clause number, syllable number) of the syllables typed one after another:
    a clause's own, and those of clauses standing alone in their groups, unquoted."""
    runs: list[list[tuple[int, int]]] = []
    number = 0
    joined = False
    for group in parsed.groups:
        for clause in group:
            syllables = [(number, at) for at in range(len(clause.syllables))]
            alone = len(group) == 1 and not clause.quoted and len(clause.syllables) == 1
            if alone and joined:
                runs[-1].extend(syllables)
            else:
                runs.append(syllables)
            joined = alone
            number += 1
    return runs


def _write(parsed: ParsedQuery, shown: list[list[str]], unquoted: bool, quote_or_sides: bool) -> str:
    """The query text of the shown syllables, with the query's groups, ORs and exclusions.

    A phrase alone in its group is quoted (unquoted: a quoted one is written as its
    words); a side of OR is written as its words when they read back as one side
    (words.py), else quoted."""
    parts = []
    number = 0
    for group in parsed.groups:
        sides = []
        for clause in group:
            words = " ".join(shown[number])
            number += 1
            if len(group) > 1:
                phrase = len(clause.syllables) > 1 and (clause.quoted or quote_or_sides)
            else:
                phrase = (clause.quoted or len(clause.syllables) > 1) and not (unquoted and clause.quoted)
            sides.append(f'"{words}"' if phrase else words)
        parts.append(" OR ".join(sides))
    for clause in parsed.excluded:
        words = " ".join(clause.exact if clause.accented else clause.syllables)
        parts.append(f'-"{words}"' if len(clause.syllables) > 1 else f"-{words}" if len(words) > 1 else f"NOT {words}")
    return " ".join(parts)


def _shape(parsed: ParsedQuery) -> tuple:
    """What a parsed query asks for: its groups' clauses and the excluded, with their accents."""
    def clause(c: Clause) -> tuple:
        return (c.syllables, c.exact if c.accented else None)

    return (tuple(tuple(clause(c) for c in group) for group in parsed.groups),
            tuple(clause(c) for c in parsed.excluded))


def _nearest_phrases(words: _Vocabulary, clauses: list[Clause],
                     picks: list[list[_Option]]) -> list[list[_Option]]:
    """For each phrase whose syllables the index never has together, the nearest one
    it has: the fewest syllables changed, each by one edit, where two neighbours
    are missing together, every two neighbours then an indexed pair. A phrase
    with no such neighbour keeps its picks."""
    reader = words.reader

    def together(a: _Option, b: _Option) -> bool:
        return bool(reader.doc_frequency("pairs", pair_term(a.folded, b.folded)))

    out = []
    for pick in picks:
        apart = {at for at in range(1, len(pick)) if not together(pick[at - 1], pick[at])}
        if not apart:
            out.append(pick)
            continue
        near = apart | {at - 1 for at in apart}
        choices = [[(o, 0)] + [(_Option(t, o.accents), 1) for t in _nearby_terms(words, o.folded, 1)]
                   if at in near else [(o, 0)] for at, o in enumerate(pick)]
        # The fewest changes that reach each choice of a syllable with every pair so far indexed.
        reached: list[tuple[int, list[_Option]] | None] = [(cost, [o]) for o, cost in choices[0]]
        for options in choices[1:]:
            step: list[tuple[int, list[_Option]] | None] = []
            for option, cost in options:
                ways = [(spent + cost, path + [option]) for entry in reached if entry
                        for spent, path in [entry] if together(path[-1], option)]
                step.append(min(ways, key=lambda way: way[0]) if ways else None)
            reached = step
        found = [entry for entry in reached if entry]
        out.append(min(found, key=lambda way: way[0])[1] if found else pick)
    return out


class _Vocabulary:
    """The index's folded words by first letter, each letter walked once per suggestion,
    and the nearest words of at most MAX_LOOKUPS syllables."""

    def __init__(self, reader: Reader) -> None:
        self.reader = reader
        self.letters: dict[str, list[tuple[str, int]]] = {}
        self.nearby: dict[tuple[str, int], list[str]] = {}

    def starting(self, letter: str) -> list[tuple[str, int]]:
        if letter not in self.letters:
            self.letters[letter] = self.reader.terms_with_prefix("text", letter)
        return self.letters[letter]


def _nearby_terms(words: _Vocabulary, folded: str, edits: int = 2) -> list[str]:
    """The index's words nearest folded: within edits, the same first letter."""
    key = (folded, edits)
    if key not in words.nearby:
        many = len(words.nearby) >= MAX_LOOKUPS
        words.nearby[key] = [] if many or len(folded) > MAX_SUGGESTED_SYLLABLE else _nearest(words, folded, edits)
    return words.nearby[key]


def _nearest(words: _Vocabulary, folded: str, edits: int) -> list[str]:
    candidates = [
        (term, frequency) for term, frequency in words.starting(folded[0])
        if term != folded and abs(len(term) - len(folded)) <= edits and edit_distance(term, folded) <= edits
    ]
    candidates.sort(key=lambda tf: (
        edit_distance(tf[0], folded), sorted(tf[0]) != sorted(folded),  # swapped letters first
        abs(len(tf[0]) - len(folded)), -tf[1], tf[0],
    ))
    return [term for term, _ in candidates[:NEARBY]]


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
    """The accented forms the index has of some folded terms, with their document
    frequencies: each spelling Vietnamese allows (keys.spellings, a few dozen at
    most) looked up, so the cost does not grow with the index."""
    found: dict[str, list[tuple[str, int]]] = {}
    for term in folded_terms:
        for spelled in dict.fromkeys([term, *keys.spellings(term)]):
            frequency = reader.doc_frequency("exact", spelled)
            if frequency:
                found.setdefault(term, []).append((spelled, frequency))
    return found
