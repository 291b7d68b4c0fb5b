"""Queries: parse what the user typed, run it with filters, return hits with snippets.

Returns plain data (SearchResult, Hit); it never prints and never formats.

Query syntax: words (all must match), "quoted phrases", OR between two terms,
NOT or a leading - to exclude. Everything is matched after folding, so accents,
case, tone placement and Unicode form do not matter.
"""

from __future__ import annotations

import heapq
import re
from dataclasses import dataclass, field
from datetime import date

from whoosh import query as wq

from . import dates
from .places import District
from .text import clean, exact, expanded_syllables, fold

# Ranking weights, tuned with bench/relevance.py (see BENCHMARKS.md).
TITLE_BOOST = 2.0  # a match in the headline
LEAD_BOOST = 0.5  # a match in the opening paragraph, on top of the body match
PAIR_BOOST = 2.0  # two typed syllables standing together, in order
PHRASE_BOOST = 3.0  # three or more typed syllables standing together, in order
MAX_CLAUSES = 64
SNIPPET_CHARS = 220
SNIPPET_LEAD_CHARS = 60  # context kept before the first match
SORTS = ("relevance", "newest", "oldest")
_NO_DATE_LAST = 99_999_999
# Every search passes optimize=False: Whoosh 2.7.4's block-quality skipping can loop
# forever in UnionMatcher/AndMaybeMatcher (whoosh issues 446 and 461).


class QueryError(ValueError):
    """A query that cannot be run; the message says how to fix it."""


@dataclass(frozen=True)
class Clause:
    """One thing to match: a single syllable, or several that must stand together in order.

    syllables are folded and abbreviations expanded; exact holds the same syllables
    with their accents, used for ranking when the user typed accents.
    """

    syllables: tuple[str, ...]
    exact: tuple[str, ...] = ()
    accented: bool = False
    quoted: bool = False

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

    def matching(self) -> wq.Query:
        """What an article must contain (and must not) to be a hit."""
        positive = wq.And([wq.Or([c.whoosh() for c in group]) for group in self.groups])
        if self.excluded:
            return wq.AndNot(positive, wq.Or([c.whoosh() for c in self.excluded]))
        return positive

    def ranking(self) -> dict[str, list[wq.Query]]:
        """Optional terms that raise a hit's score, by what they reward."""
        parts: dict[str, list[wq.Query]] = {"words together": [], "whole phrase": [], "lead": []}
        for clause in self.positive_clauses:
            parts["lead"].extend(wq.Term("lead", s, boost=LEAD_BOOST) for s in clause.syllables)
        for run in self._unquoted_runs():
            pairs = [f"{a} {b}" for a, b in zip(run, run[1:])]
            parts["words together"].extend(wq.Term("pairs", p, boost=PAIR_BOOST) for p in pairs)
            if len(pairs) > 1:
                # Every pair of the run present: the run as a phrase, found by term
                # lookups alone (a Phrase query would decode positions in every candidate).
                parts["whole phrase"].append(
                    wq.And([wq.Term("pairs", p) for p in pairs], boost=PHRASE_BOOST)
                )
        return {name: queries for name, queries in parts.items() if queries}

    def exact_tier(self) -> wq.Query | None:
        """Articles with every typed accent exactly as typed (any tone placement); these
        rank above the ones that match only after folding. None for accent-free queries."""
        words = [w for c in self.positive_clauses if c.accented for w in c.exact]
        if not words:
            return None
        return wq.And([wq.Term("exact", w) for w in words])

    def _unquoted_runs(self) -> list[tuple[str, ...]]:
        """Syllables typed one after another without quotes or OR between them."""
        runs: list[tuple[str, ...]] = [()]
        for group in self.groups:
            if len(group) == 1 and not group[0].quoted:
                runs[-1] += group[0].syllables
            else:
                runs.append(())
        return [run for run in runs if len(run) > 1]

    def whoosh(self) -> wq.Query:
        boosts = [q for queries in self.ranking().values() for q in queries]
        return wq.AndMaybe(self.matching(), wq.Or(boosts)) if boosts else self.matching()


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
        if word in ("NOT", "-"):
            negate = True
            continue
        if word in ("AND", "&&"):
            continue
        if word and word.startswith("-"):
            negate, word = True, word[1:]
        clause = _clause(match["phrase"] if word is None else word, quoted=word is None)
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


def _clause(text: str, quoted: bool = False) -> Clause | None:
    words = [w for w, _, _ in expanded_syllables(text) if fold(w)]
    if not words:
        return None
    return Clause(
        syllables=tuple(fold(w) for w in words),
        exact=tuple(exact(w) for w in words),
        accented=any(not ch.isascii() for ch in text if ch.isalpha()),
        quoted=quoted,
    )


@dataclass
class SearchOptions:
    query: str
    limit: int = 10
    since: date | None = None
    until: date | None = None
    districts: list[District] = field(default_factory=list)
    sort: str = "relevance"
    explain: bool = False

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
    explain: dict[str, float] | None = None  # with --explain: score contributions


@dataclass
class SearchResult:
    query: str
    total: int
    hits: list[Hit]
    undated_excluded: int | None = None  # with a date filter: matches left out for having no date
    suggestion: str | None = None  # when nothing matched: a query that would
    analysis: dict | None = None  # with --explain: how the query was understood


def search(ix, options: SearchOptions) -> SearchResult:
    """Run a search on an open Whoosh index."""
    parsed = parse_query(options.query)
    with ix.searcher() as searcher:
        ranked = _rank(searcher, parsed, options)
        hits = []
        for score, docnum in ranked.page:
            found = _hit(searcher.stored_fields(docnum), score, parsed)
            if options.explain:
                found.explain = _contributions(searcher, docnum, parsed)
            hits.append(found)
        result = SearchResult(options.query, ranked.total, hits)
        if options.has_date_filter:
            result.undated_excluded = ranked.undated
        if not result.total:
            result.suggestion = suggest(searcher, parsed)
        if options.explain:
            result.analysis = analysis(parsed)
    return result


@dataclass
class _Ranked:
    total: int
    page: list[tuple[float, int]]  # (score, docnum), best first
    undated: int  # matches a date filter left out for having no date


def _rank(searcher, parsed: ParsedQuery, options: SearchOptions) -> _Ranked:
    """Score every match once, then order only what can reach the page.

    Whoosh's sorting collector built a full sort key (accent tier, score, corpus
    path read from a column) for every match, which took most of a common word's
    search; here a match costs its score and two set lookups, and paths are read
    only for the articles that tie for the last places of the page.
    """
    districts = _docs(searcher, _district_filter(options))
    dated = _docs(searcher, _date_filter(options))
    # NumericRange(0, 0) reads 0 as "open" and matches everything: a Term finds the undated.
    undated = _docs(searcher, wq.Term("date_num", 0)) if dated is not None else set()
    query = parsed.whoosh()
    context = searcher.context()
    matches: list[tuple[float, int]] = []
    undated_count = 0
    for leaf, offset in searcher.leaf_searchers():
        matcher = query.matcher(leaf, context)
        while matcher.is_active():
            docnum = offset + matcher.id()
            if districts is None or docnum in districts:
                if dated is None or docnum in dated:
                    # Rounded: equal articles in different segments can score a few
                    # units in the last place apart, and must still tie.
                    matches.append((round(matcher.score(), 9), docnum))
                elif docnum in undated:
                    undated_count += 1
            matcher.next()
    return _Ranked(len(matches), _page(searcher, matches, parsed, options), undated_count)


def _page(searcher, matches: list[tuple[float, int]], parsed: ParsedQuery,
          options: SearchOptions) -> list[tuple[float, int]]:
    """The best options.limit matches: by accent tier (relevance) or date, then score,
    then corpus path, so that the order never depends on the index's layout."""
    if options.sort == "relevance":
        tier_query = parsed.exact_tier()
        tier = _docs(searcher, tier_query) if tier_query is not None else None

        def order(match):  # lower first
            return (tier is not None and match[1] not in tier, -match[0])
    else:
        date_of = searcher.reader().column_reader("date_num")
        newest = options.sort == "newest"

        def order(match):  # unknown dates last either way
            day = date_of[match[1]]
            return (-day if newest else day or _NO_DATE_LAST, -match[0])

    best = heapq.nsmallest(options.limit, matches, key=order)
    if not best:
        return []
    last = order(best[-1])
    contenders = best if len(best) < options.limit else [m for m in matches if order(m) <= last]
    path_of = searcher.reader().column_reader("key")
    contenders.sort(key=lambda match: (order(match), path_of[match[1]]))
    return contenders[:options.limit]


def _docs(searcher, query: wq.Query | None) -> set[int] | None:
    return None if query is None else set(query.docs(searcher))


def _contributions(searcher, docnum: int, parsed: ParsedQuery) -> dict[str, float]:
    """How much each part of the query adds to one document's score; with accents
    typed, "exact accents" is 1 for an article in the first tier, else 0."""
    parts = {"match": parsed.matching(), **{name: wq.Or(qs) for name, qs in parsed.ranking().items()}}
    tier = parsed.exact_tier()
    if tier is not None:
        parts["exact accents"] = tier
    scores = {}
    for name, part in parts.items():
        matcher = part.matcher(searcher)
        if matcher.is_active():
            matcher.skip_to(docnum)
        hit = matcher.is_active() and matcher.id() == docnum
        scores[name] = (1.0 if name == "exact accents" else round(matcher.score(), 4)) if hit else 0.0
    return scores


def analysis(parsed: ParsedQuery) -> dict:
    """The query as lbsearch understood it: folded terms, accents kept, expansions."""

    def describe(clause: Clause) -> dict:
        return {
            "folded": " ".join(clause.syllables),
            "exact": " ".join(clause.exact) if clause.accented else None,
            "phrase": len(clause.syllables) > 1,
        }

    return {
        "groups": [[describe(c) for c in group] for group in parsed.groups],
        "excluded": [describe(c) for c in parsed.excluded],
        "ranking": {
            name: [_describe_query(q) for q in queries] for name, queries in parsed.ranking().items()
        },
        "exact_accents_first": [w for c in parsed.positive_clauses if c.accented for w in c.exact],
    }


def _describe_query(q: wq.Query) -> str:
    if isinstance(q, wq.And):
        return "all of (" + ", ".join(_describe_query(sub) for sub in q.subqueries) + f")^{q.boost:g}"
    return f"{q.fieldname}:{q.text}^{q.boost:g}"


def suggest(searcher, parsed: ParsedQuery) -> str | None:
    """A query built from the index's own words for one that found nothing.

    A syllable the index has never seen becomes one of the nearest (within two
    edits, swapped letters counting as one) that lets the whole query match; a
    syllable whose typed accents nobody writes gets the usual ones. None when
    there is nothing to correct.
    """
    reader = searcher.reader()
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
        if len(searcher.search(parse_query(text).matching(), limit=1, optimize=False)):
            return text
    return first


def _nearby_terms(reader, folded: str) -> list[str]:
    candidates = set(reader.terms_within("body", folded, 2))
    return sorted(candidates, key=lambda term: (
        edit_distance(term, folded), sorted(term) != sorted(folded),  # swapped letters first
        abs(len(term) - len(folded)), -reader.doc_frequency("body", term), term,
    ))[:5]


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
    """Accented forms in the index, with their document frequencies, of some folded terms
    (one pass over the exact vocabulary)."""
    found: dict[str, list[tuple[str, int]]] = {}
    for term, info in reader.iter_field("exact"):
        term = term.decode("utf-8") if isinstance(term, bytes) else term
        folded = fold(term)
        if folded in folded_terms:
            found.setdefault(folded, []).append((term, info.doc_frequency()))
    return found


def _closest_spelling(forms: list[tuple[str, int]], folded: str, typed: str) -> str:
    """The form closest to what the user typed, else the most common ("cong" -> "công")."""
    if not forms:
        return folded
    typed_accents = typed if not typed.isascii() else None
    return min(forms, key=lambda form: (edit_distance(form[0], typed_accents) if typed_accents else 0, -form[1]))[0]


def _district_filter(options: SearchOptions) -> wq.Query | None:
    if not options.districts:
        return None
    return wq.Or([wq.Term("districts", d.key) for d in options.districts])


def _date_filter(options: SearchOptions) -> wq.Query | None:
    if not options.has_date_filter:
        return None
    return wq.NumericRange(
        "date_num",
        max(dates.date_number(options.since), 1) if options.since else 1,
        dates.date_number(options.until) if options.until else None,
    )


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
    """Character spans in text where a clause matches after folding (abbreviations
    expanded, so "LĐLĐ" is a match for "Liên đoàn Lao động"), and which clause each is."""
    words = expanded_syllables(text)
    folded = [fold(w) for w, _, _ in words]
    spans: list[list[int]] = []
    owners: list[int] = []
    i = 0
    while i < len(words):
        matched = 0
        for number, clause in enumerate(clauses):
            n = len(clause.syllables)
            if n > matched and tuple(folded[i : i + n]) == clause.syllables:
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
