"""Searching: run what the user typed on an open index, return hits with snippets.

Returns plain data (SearchResult, Hit); it never prints and never formats. The
plan (plan.py) decides what matches and in which order, the engine runs it
(lbsearch/engines/); this module builds the plan from the options, leaves out
the copies of a story another hit stands for, cuts snippets (snippets.py),
explains scores and asks for a suggestion when nothing matched (suggest.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from .index import OpenIndex
from .places import District
from .plan import SORTS, Clause, ParsedQuery, QueryError, SearchPlan, make_plan, parse_query
from .snippets import make_snippet, match_spans, with_whole_query

__all__ = ["QueryError", "SearchOptions", "SearchResult", "Hit", "search"]


@dataclass
class SearchOptions:
    query: str | None  # None: every article (counts only: stats.corpus_stats)
    limit: int = 10
    since: date | None = None
    until: date | None = None
    districts: list[District] = field(default_factory=list)
    sort: str = "relevance"
    explain: bool = False
    all_copies: bool = False  # every copy of a story, not one hit for it
    suggest: bool = True  # when nothing matched, look for a query that would (suggestion_for)

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


def planned(index: OpenIndex, options: SearchOptions) -> SearchPlan:
    """The finished plan of the options: with one hit per story, it leaves out the
    copies whose kept copy it finds too."""
    plan = make_plan(
        None if options.query is None else parse_query(options.query),
        limit=options.limit,
        since=options.since,
        until=options.until,
        district_keys=tuple(d.key for d in options.districts),
        sort=options.sort,
    )
    if options.all_copies or not index.copies.groups:
        return plan
    return plan.hiding(index.copies.hidden(index.reader.matching_ids(plan, index.copies.kept_ids())))


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
    # with --explain: {"tier": the first ranking tier it is in or None, "score": {part: points},
    # "phases": [{"parts": [part, ...], "points": points}, ...] (first, then second),
    # "first_rank": its place in the first phase's window or None, "window": the window's size}
    explain: dict | None = None


@dataclass
class SearchResult:
    query: str
    total: int
    hits: list[Hit]
    undated_excluded: int | None = None  # with a date filter: matches left out for having no date
    suggestion: str | None = None  # when nothing matched: a query that would
    analysis: dict | None = None  # with --explain: how the query was understood


def search(index: OpenIndex, options: SearchOptions) -> SearchResult:
    """Run a search on an open index (index.open_index)."""
    if options.query is None:
        raise QueryError("the query has no words to search for")
    plan = planned(index, options)
    reader = index.reader
    ranked = reader.search(plan)
    hits = []
    for match in ranked.page:
        found = _hit(match.record, match.score, plan.query)
        found.copies = index.copies.others(found.id)
        if options.explain:
            found.explain = explained(plan, *reader.explain(plan, match), match.first_rank)
        hits.append(found)
    result = SearchResult(options.query, ranked.total, hits)
    undated_question = plan.undated_question()
    if undated_question:
        result.undated_excluded = reader.count(undated_question)
    if not result.total and options.suggest:
        result.suggestion = suggestion_for(index, options, plan)
    if options.explain:
        result.analysis = analysis(plan)
    return result


def suggestion_for(index: OpenIndex, options: SearchOptions, plan: SearchPlan | None = None) -> str | None:
    """The did-you-mean of a search that found nothing (a search with suggest=False
    answers at once; this can take longer)."""
    from .suggest import suggest  # its tables load only when something found nothing

    plan = plan or planned(index, options)
    return suggest(index.reader, plan.query, plan.filters)


def explained(plan: SearchPlan, tier: str | None, points: dict[str, float], first_rank: int | None) -> dict:
    """A hit's explanation: its tier, the points of each part of its score, and what
    each phase of the ranking gave (plan.py: the first ranks every match, the second
    adds the boosts to the first's window)."""
    phases = []
    for phase in (1, 2):
        parts = [part.name for part in plan.score_parts() if part.phase == phase]
        if parts:
            phases.append({"parts": parts, "points": round(sum(points.get(p, 0.0) for p in parts), 4)})
    window = plan.rescored if plan.sort == "relevance" else None
    return {"tier": tier, "score": points, "phases": phases, "first_rank": first_rank, "window": window}


def analysis(plan: SearchPlan) -> dict:
    """The query as lbsearch understood it: folded terms, accents kept, expansions,
    the tiers and the ranking terms."""

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

    parsed: ParsedQuery = plan.query
    return {
        "groups": [[describe(c) for c in group] for group in parsed.groups],
        "excluded": [describe(c) for c in parsed.excluded],
        "tiers": [tier.name for tier in plan.tiers],
        "ranking": {part.name: [show(b) for b in part.boosts] for part in plan.score_parts() if part.boosts},
        # By relevance, these ranking terms count only for the first phase's window.
        "second_phase": {"window": plan.rescored,
                         "ranking": [part.name for part in plan.score_parts() if part.phase == 2]},
    }


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
        title_highlights=match_spans(stored["title"], with_whole_query(clauses))[0],
    )
