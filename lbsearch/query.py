"""Queries: parse what the user typed, run it with filters, return hits with snippets.

Returns plain data (SearchResult, Hit); it never prints and never formats.

Query syntax: words (all must match), "quoted phrases", OR between two terms,
NOT or a leading - to exclude. Everything is matched after folding, so accents,
case, tone placement and Unicode form do not matter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from whoosh import query as wq
from whoosh.sorting import MultiFacet, ScoreFacet, TranslateFacet, FieldFacet

from . import dates
from .places import District
from .text import clean, fold, syllables

TITLE_BOOST = 2.0
MAX_CLAUSES = 64
SNIPPET_CHARS = 220
SNIPPET_LEAD_CHARS = 60  # context kept before the first match
SORTS = ("relevance", "newest", "oldest")
_NO_DATE_LAST = 99_999_999


class QueryError(ValueError):
    """A query that cannot be run; the message says how to fix it."""


@dataclass(frozen=True)
class Clause:
    """One thing to match: a single syllable, or several that must stand together in order."""

    syllables: tuple[str, ...]

    def whoosh(self) -> wq.Query:
        if len(self.syllables) == 1:
            term = self.syllables[0]
            return wq.Or([wq.Term("title", term, boost=TITLE_BOOST), wq.Term("body", term)])
        return wq.Or([
            wq.Phrase("title", list(self.syllables), boost=TITLE_BOOST),
            wq.Phrase("body", list(self.syllables)),
        ])


@dataclass
class ParsedQuery:
    """All groups must match, none of the excluded; a group matches when any clause does."""

    groups: list[list[Clause]] = field(default_factory=list)
    excluded: list[Clause] = field(default_factory=list)

    @property
    def positive_clauses(self) -> list[Clause]:
        return [clause for group in self.groups for clause in group]

    def whoosh(self) -> wq.Query:
        positive = wq.And([wq.Or([c.whoosh() for c in group]) for group in self.groups])
        if self.excluded:
            return wq.AndNot(positive, wq.Or([c.whoosh() for c in self.excluded]))
        return positive


_LEX_RE = re.compile(r'"(?P<phrase>[^"]*)"|(?P<quote>")|(?P<word>[^\s"]+)')


def parse_query(text: str) -> ParsedQuery:
    """Parse the query syntax; QueryError with a one-line reason when it is malformed."""
    text = clean(text).replace("\u201c", '"').replace("\u201d", '"')
    parsed = ParsedQuery()
    negate = False
    join_with_previous = False
    for match in _LEX_RE.finditer(text):
        if match["quote"]:
            raise QueryError('unbalanced quote: close the phrase with a second "')
        word = match["word"]
        if word in ("OR", "||"):
            if not parsed.groups or join_with_previous or negate:
                raise QueryError("OR needs a term on each side")
            join_with_previous = True
            continue
        if word in ("NOT",) or word == "-":
            negate = True
            continue
        if word in ("AND", "&&"):
            continue
        if word and word.startswith("-"):
            negate, word = True, word[1:]
        clause = _clause(match["phrase"] if word is None else word)
        if clause is None:
            continue
        if join_with_previous:
            if negate:
                raise QueryError("OR cannot join an excluded term; put NOT outside the OR")
            parsed.groups[-1].append(clause)
            join_with_previous = False
        elif negate:
            parsed.excluded.append(clause)
        else:
            parsed.groups.append([clause])
        negate = False
    if join_with_previous:
        raise QueryError("OR needs a term on each side")
    if negate:
        raise QueryError("NOT needs a term after it")
    if not parsed.groups:
        if parsed.excluded:
            raise QueryError("the query only excludes terms; add a term to search for")
        raise QueryError("the query has no words to search for")
    if len(parsed.positive_clauses) + len(parsed.excluded) > MAX_CLAUSES:
        raise QueryError(f"the query is too long: at most {MAX_CLAUSES} terms")
    return parsed


def _clause(text: str) -> Clause | None:
    folded = tuple(f for f in (fold(m.group()) for m in syllables(text)) if f)
    return Clause(folded) if folded else None


@dataclass
class SearchOptions:
    query: str
    limit: int = 10
    since: date | None = None
    until: date | None = None
    districts: list[District] = field(default_factory=list)
    sort: str = "relevance"

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


@dataclass
class Hit:
    id: str
    path: str
    title: str
    date: str | None
    date_source: str | None
    districts: list[str]
    score: float
    snippet: str
    highlights: list[list[int]]  # [start, end) offsets into snippet
    title_highlights: list[list[int]]  # [start, end) offsets into title


@dataclass
class SearchResult:
    query: str
    total: int
    hits: list[Hit]
    undated_excluded: int | None = None  # with a date filter: matches left out for having no date


def search(ix, options: SearchOptions) -> SearchResult:
    """Run a search on an open Whoosh index."""
    parsed = parse_query(options.query)
    filters = _filters(options)
    with ix.searcher() as searcher:
        results = searcher.search(
            parsed.whoosh(),
            filter=wq.And(filters) if filters else None,
            limit=options.limit,
            sortedby=_sort_facet(options.sort),
            terms=False,
        )
        hits = [_hit(stored, score, parsed) for stored, score in _scored(results)]
        total = len(results)
        undated = None
        if options.has_date_filter:
            undated_filter = [f for f in _filters(options, dated=False)] + [
                wq.Term("date_num", 0)  # NumericRange(0, 0) reads 0 as "open" and matches all
            ]
            undated = len(searcher.search(parsed.whoosh(), filter=wq.And(undated_filter), limit=1))
    return SearchResult(options.query, total, hits, undated)


def _scored(results):
    for hit in results:
        # The sort key holds ScoreFacet's negated score just before the path.
        score = -hit.score[-2]
        yield hit.fields(), float(score or 0.0)


def _filters(options: SearchOptions, dated: bool = True) -> list[wq.Query]:
    filters: list[wq.Query] = []
    if options.districts:
        filters.append(wq.Or([wq.Term("districts", d.key) for d in options.districts]))
    if dated and options.has_date_filter:
        filters.append(wq.NumericRange(
            "date_num",
            max(dates.date_number(options.since), 1) if options.since else 1,
            dates.date_number(options.until) if options.until else None,
        ))
    return filters


def _sort_facet(sort: str):
    # Ties end in corpus-path order, never in the order documents happen to sit in
    # the index, so an updated index ranks exactly as a fresh build does.
    by_path = FieldFacet("key")
    if sort == "relevance":
        return MultiFacet([ScoreFacet(), by_path])
    if sort == "newest":
        # Unknown dates are 0, so they sort last among the newest.
        return MultiFacet([FieldFacet("date_num", reverse=True), ScoreFacet(), by_path])
    by_date = TranslateFacet(lambda n: n or _NO_DATE_LAST, FieldFacet("date_num"))
    return MultiFacet([by_date, ScoreFacet(), by_path])


def _hit(stored: dict, score: float, parsed: ParsedQuery) -> Hit:
    clauses = parsed.positive_clauses
    snippet, highlights = make_snippet(stored.get("body", ""), clauses)
    return Hit(
        id=stored["id"],
        path=stored["path"],
        title=stored["title"],
        date=stored.get("date"),
        date_source=stored.get("date_source"),
        districts=list(stored.get("district_names") or []),
        score=round(score, 4),
        snippet=snippet,
        highlights=highlights,
        title_highlights=match_spans(stored["title"], _with_whole_query(clauses))[0],
    )


def match_spans(text: str, clauses: list[Clause]) -> tuple[list[list[int]], list[int]]:
    """Character spans in text where a clause matches after folding, and which clause each is."""
    words = list(syllables(text))
    folded = [fold(w.group()) for w in words]
    spans: list[list[int]] = []
    owners: list[int] = []
    i = 0
    while i < len(words):
        matched = 0
        for number, clause in enumerate(clauses):
            n = len(clause.syllables)
            if tuple(folded[i : i + n]) == clause.syllables and n > matched:
                matched, owner = n, number
        if matched:
            spans.append([words[i].start(), words[i + matched - 1].end()])
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


def article_record(stored: dict) -> dict:
    """The public record of an article, as `show --json` prints it."""
    return {
        "id": stored["id"],
        "path": stored["path"],
        "title": stored["title"],
        "date": stored.get("date"),
        "date_source": stored.get("date_source"),
        "districts": list(stored.get("district_names") or []),
        "body": stored.get("body", ""),
    }


def get_article(ix, article_id: str) -> dict | None:
    with ix.searcher() as searcher:
        stored = searcher.document(id=article_id)
    return article_record(stored) if stored else None


def corpus_stats(ix) -> dict:
    """Articles in all, per year and per district (both sorted), and how many have no date."""
    per_year: dict[str, int] = {}
    per_district: dict[str, int] = {}
    undated = articles = 0
    with ix.searcher() as searcher:
        for stored in searcher.all_stored_fields():
            articles += 1
            if stored.get("date"):
                year = stored["date"][:4]
                per_year[year] = per_year.get(year, 0) + 1
            else:
                undated += 1
            for name in stored.get("district_names") or []:
                per_district[name] = per_district.get(name, 0) + 1
    return {
        "articles": articles,
        "undated": undated,
        "per_year": dict(sorted(per_year.items())),
        "per_district": dict(sorted(per_district.items(), key=lambda kv: (-kv[1], kv[0]))),
    }
