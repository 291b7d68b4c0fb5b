"""Searching: run what the user typed on the index's engine, return hits with snippets.

Returns plain data (SearchResult, Hit); it never prints and never formats. The
engine ranks (lbsearch/engines/); this module builds the plan, cuts snippets,
marks highlights, explains scores and suggests a query when nothing matched.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from functools import lru_cache

from .plan import SORTS, Clause, ParsedQuery, QueryError, SearchPlan, parse_query
from .places import District
from .text import expanded_syllables, fold

__all__ = ["QueryError", "SearchOptions", "SearchResult", "Hit", "search", "parse_query", "make_snippet"]

SNIPPET_CHARS = 220
SNIPPET_LEAD_CHARS = 60  # context kept before the first match
MAX_SUGGESTED_SYLLABLE = 12  # longer "syllables" are not typos of a word: no suggestion


@dataclass
class SearchOptions:
    query: str | None  # None: every article (counts only, corpus_stats)
    limit: int = 10
    since: date | None = None
    until: date | None = None
    districts: list[District] = field(default_factory=list)
    sort: str = "relevance"
    explain: bool = False
    all_copies: bool = False  # every copy of a story, not one hit for it

    def __post_init__(self) -> None:
        if self.limit < 1:
            raise QueryError("--limit must be at least 1")
        if self.sort not in SORTS:
            raise QueryError(f"--sort must be one of {', '.join(SORTS)}")
        if self.since and self.until and self.since > self.until:
            raise QueryError(f"--since {self.since} is after --until {self.until}")

    @property
    def has_date_filter(self) -> bool:
        return bool(self.since or self.until)

    def plan(self) -> SearchPlan:
        return SearchPlan(
            query=None if self.query is None else parse_query(self.query),
            limit=self.limit,
            since=self.since,
            until=self.until,
            district_keys=tuple(d.key for d in self.districts),
            sort=self.sort,
        )


class Copies:
    """The groups of copies of one story an index recorded (index.read_copies): the
    other copies of an article, and which copies a search leaves out."""

    def __init__(self, groups: list[list[list]]):
        self.groups = groups
        self._group_of: dict[str, list[list]] | None = None

    def others(self, article_id: str) -> list[str]:
        """The paths of the other copies of an article's story."""
        if self._group_of is None:  # built when a page is shown: a search needs a few
            self._group_of = {entry[0]: group for group in self.groups for entry in group}
        group = self._group_of.get(article_id, ())
        return [entry[1] for entry in group if entry[0] != article_id]

    def hiding(self, reader, plan: SearchPlan) -> SearchPlan:
        """The plan, leaving out the copies whose kept copy it finds too. A copy whose
        kept copy does not match (a word only the copy has) stays: a story is never lost."""
        if not self.groups:
            return plan
        by_kept = {group[0][0]: group for group in self.groups}
        found = reader.matching_ids(plan, list(by_kept))
        return replace(plan, hidden_ids=frozenset(entry[0] for kept in found for entry in by_kept[kept][1:]))


@dataclass
class Hit:
    id: str
    path: str
    url: str | None
    title: str
    date: str | None
    date_source: str | None
    districts: list[str]
    score: float
    snippet: str
    highlights: list[list[int]]  # [start, end) offsets into snippet
    title_highlights: list[list[int]]  # [start, end) offsets into title
    copies: list[str] = field(default_factory=list)  # paths of the other copies of its story
    # with --explain: {"tier": the first ranking tier it is in or None, "score": {part: points}}
    explain: dict | None = None


@dataclass
class SearchResult:
    query: str
    total: int
    hits: list[Hit]
    undated_excluded: int | None = None  # with a date filter: matches left out for having no date
    suggestion: str | None = None  # when nothing matched: a query that would
    analysis: dict | None = None  # with --explain: how the query was understood


def search(reader, options: SearchOptions) -> SearchResult:
    """Run a search on an open index (index.open_index)."""
    copies = Copies(reader.copy_groups)
    plan = options.plan()
    if plan.query is None:
        raise QueryError("the query has no words to search for")
    if not options.all_copies:
        plan = copies.hiding(reader, plan)
    ranked = reader.search(plan)
    hits = []
    for match in ranked.page:
        found = _hit(match.record, match.score, plan.query)
        found.copies = copies.others(found.id)
        if options.explain:
            tier, parts = reader.explain(plan, match)
            found.explain = {"tier": tier, "score": parts}
        hits.append(found)
    result = SearchResult(options.query, ranked.total, hits)
    if options.has_date_filter:
        result.undated_excluded = ranked.undated
    if not result.total:
        result.suggestion = suggest(reader, plan.query)
    if options.explain:
        result.analysis = analysis(plan.query)
    return result


def analysis(parsed: ParsedQuery) -> dict:
    """The query as lbsearch understood it: folded terms, accents kept, expansions."""

    def describe(clause: Clause) -> dict:
        return {
            "folded": " ".join(clause.syllables),
            "exact": " ".join(clause.exact) if clause.accented else None,
            "phrase": len(clause.syllables) > 1,
        }

    def show(boost) -> str:
        terms = [f"{boost.field}:{t.replace('_', ' ')}" for t in boost.terms]
        shown = terms[0] if len(terms) == 1 else "all of (" + ", ".join(terms) + ")"
        return f"{shown}^{boost.weight:g}"

    ranking = {kind: [show(b) for b in boosts] for kind, boosts in parsed.boosts_by_kind().items()}
    return {
        "groups": [[describe(c) for c in group] for group in parsed.groups],
        "excluded": [describe(c) for c in parsed.excluded],
        "tiers": [tier.name for tier in parsed.tiers()],
        "ranking": ranking,
    }


def suggest(reader, parsed: ParsedQuery) -> str | None:
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
        if reader.count(parse_query(text)):
            return text
    return first


def _nearby_terms(reader, folded: str) -> list[str]:
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


def _spellings(reader, folded_terms: set[str]) -> dict[str, list[tuple[str, int]]]:
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


def _hit(stored: dict, score: float, parsed: ParsedQuery) -> Hit:
    clauses = parsed.positive_clauses
    snippet, highlights = make_snippet(stored.get("body", ""), clauses)
    return Hit(
        id=stored["id"],
        path=stored["path"],
        url=stored.get("url"),
        title=stored["title"],
        date=stored.get("date"),
        date_source=stored.get("date_source"),
        districts=list(stored.get("districts") or []),
        score=round(score, 4),
        snippet=snippet,
        highlights=highlights,
        title_highlights=match_spans(stored["title"], _with_whole_query(clauses))[0],
    )


def match_spans(text: str, clauses: list[Clause]) -> tuple[list[list[int]], list[int]]:
    """Character spans in text where a clause matches after folding (abbreviations
    expanded, so "LĐLĐ" is a match for "Liên đoàn Lao động"), and which clause each is."""
    words = expanded_syllables(text)
    folded = [fold(w) for w, _, _ in words]
    by_first: dict[str, list[int]] = {}  # most words start no clause: one lookup each
    for number, clause in enumerate(clauses):
        by_first.setdefault(clause.syllables[0], []).append(number)
    spans: list[list[int]] = []
    owners: list[int] = []
    i = 0
    while i < len(words):
        matched = 0
        for number in by_first.get(folded[i], ()):
            syllables = clauses[number].syllables
            n = len(syllables)
            if n > matched and tuple(folded[i : i + n]) == syllables:
                matched, owner = n, number
        if matched:
            start, end = words[i][1], words[i + matched - 1][2]
            if spans and start < spans[-1][1]:  # inside an abbreviation already marked
                spans[-1][1] = max(spans[-1][1], end)
            else:
                spans.append([start, end])
                owners.append(owner)
            i += matched
        else:
            i += 1
    return spans, owners


def make_snippet(body: str, clauses: list[Clause]) -> tuple[str, list[list[int]]]:
    """The passage of body with the best matches, cut at word boundaries.

    Best means: the query's words standing together in order, if they do anywhere;
    then the most distinct query terms; then the most matches. Returns the
    snippet and the [start, end) offsets of its matches.
    """
    spans, owners = match_spans(body, _with_whole_query(clauses))
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


def _with_whole_query(clauses: list[Clause]) -> list[Clause]:
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


def article_record(stored: dict, copies: list[str]) -> dict:
    """The public record of an article, as `show --json` prints it."""
    return {
        "id": stored["id"],
        "path": stored["path"],
        "url": stored.get("url"),
        "copies": copies,
        "title": stored["title"],
        "date": stored.get("date"),
        "date_source": stored.get("date_source"),
        "districts": list(stored.get("districts") or []),
        "body": stored.get("body", ""),
    }


def get_article(reader, article_id: str) -> dict | None:
    stored = reader.article(article_id)
    return article_record(stored, Copies(reader.copy_groups).others(article_id)) if stored else None


@dataclass
class Stats:
    figures: dict  # articles, undated, per_year, per_month, per_district (largest first)
    undated_excluded: int | None = None  # with a date filter: matches left out for having no date


def corpus_stats(reader, options: SearchOptions | None = None) -> Stats:
    """Counts of the articles a query and filters select; without options, of the whole
    index. A story counts once, unless options ask for all copies."""
    options = options or SearchOptions(None)
    plan = options.plan()
    if not options.all_copies:
        plan = Copies(reader.copy_groups).hiding(reader, plan)
    figures, undated = reader.stats(plan)
    return Stats(figures, undated if options.has_date_filter else None)
