"""What the user asked for, in a form every engine can run: the search plan.

parse_query() turns the query syntax into clauses; SearchPlan adds the ranking
terms, the tiers, the filters, the order and the page size (make_plan). An
engine (lbsearch/engines/) translates a finished plan into its own queries and
runs it; nothing here knows an engine.

Query syntax: words (all must match), "quoted phrases", OR between two terms
(a Vietnamese word of one or more syllables on each side: words.py), NOT or a
leading - to exclude. Matching is on folded syllables, so accents,
case, tone placement and Unicode form do not matter.

Ranking: the matches fall into tiers, and a tier's articles all come before the
next tier's (tiers()); within a tier they go by score: BM25 over headline and
body, and over the headline again (MATCH_FIELDS), plus the boosts (boosts()).
The tiers put a headline that is the query, or that holds it, first; with
accents typed, the typed phrase with its accents, then the typed words with
their accents anywhere.

The score comes in two phases, as in Lucene's rescorer or Vespa's second phase:
the first orders every match by tier, BM25 and the whole-phrase boost, and keeps
a window of the best; the second adds the other boosts to those alone
(SearchPlan.window). Those are the expensive part: a pair term is nearly as
common as its words, and each is scored wherever it occurs. The whole phrase
stays in the first phase: it is cheap (every pair of the run at once, so only
where the rarest pair is) and it is the signal a window would lose most (an
accent-free six-syllable passage found its article first 91% of the time with
it there, 67% without: BENCHMARKS.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple

from . import dates
from .analysis import PHRASES, TITLE_LENGTH, pair_term, phrase_term
from .text import SYLLABLE_RE, clean, exact, expanded_syllables, fold

# Ranking weights, tuned with bench/relevance.py (see BENCHMARKS.md).
TITLE_BOOST = 1.0  # a match in the headline, again: it is in the text field too
LEAD_BOOST = 0.5  # a match in the opening paragraph, on top of the body match
PAIR_BOOST = 2.0  # two typed syllables standing together, in order
PHRASE_BOOST = 3.0  # three or more typed syllables standing together, in order
# Where a clause matches (the first: headline and body, analysis.py), and where a
# match adds its score again, times a weight (the headline).
MATCH_FIELDS = (("text", 1.0), ("title", TITLE_BOOST))
MAX_CLAUSES = 64
# Matches the first phase keeps for the second (bench/relevance.py --window and
# bench/__main__.py measure it: BENCHMARKS.md).
RESCORE_WINDOW = 100
SORTS = ("relevance", "newest", "oldest")
NO_DATE = 99_999_999  # the date number an undated article sorts by, oldest first


class QueryError(ValueError):
    """A query that cannot be run; the message says how to fix it."""


class Clause(NamedTuple):
    """One thing to match: a single syllable, or several that must stand together in order.

    syllables are folded and abbreviations expanded; exact holds the same syllables
    with their accents, used for ranking when the user typed accents.
    """

    syllables: tuple[str, ...]
    exact: tuple[str, ...] = ()
    accented: bool = False
    quoted: bool = False


class Boost(NamedTuple):
    """An optional part of the query that raises the score of the articles it matches.

    terms all must be in field for the boost to apply (one term, or every pair of a run).
    """

    kind: str  # "words together", "whole phrase" or "lead": the name --explain shows
    field: str
    terms: tuple[str, ...]
    weight: float
    phase: int = 2  # 1: scored for every match; 2: only for the first phase's window


class Need(NamedTuple):
    """One thing an article must have to be in a tier: every one of terms in field
    ("terms"), or terms standing together in this order in field ("phrase")."""

    kind: str
    field: str
    terms: tuple[str, ...]


# A tier's condition: every group must be met; a group by any of its alternatives;
# an alternative by all of its needs.
Condition = tuple[tuple[tuple[Need, ...], ...], ...]


class Tier(NamedTuple):
    """Articles meeting condition rank before every article that does not. The tiers
    of a query are nested: an article in a tier meets the conditions of all later ones."""

    name: str  # what --explain shows
    condition: Condition


@dataclass
class ParsedQuery:
    """All groups must match, none of the excluded; a group matches when any clause does."""

    groups: list[list[Clause]] = field(default_factory=list)
    excluded: list[Clause] = field(default_factory=list)

    @property
    def positive_clauses(self) -> list[Clause]:
        return [clause for group in self.groups for clause in group]

    @property
    def accented(self) -> bool:
        """Typed with accents: then every syllable counts with the accents typed (a
        syllable typed bare means no marks); typed without, none do."""
        return any(clause.accented for clause in self.positive_clauses)

    def boosts(self) -> list[Boost]:
        """Optional terms that raise a hit's score, by what they reward."""
        lead = [Boost("lead", "lead", (s,), LEAD_BOOST) for c in self.positive_clauses for s in c.syllables]
        together, whole = [], []
        for run in self._unquoted_runs():
            pairs = tuple(pair_term(a, b) for a, b in zip(run, run[1:]))
            together.extend(Boost("words together", "pairs", (p,), PAIR_BOOST) for p in pairs)
            if len(pairs) > 1:
                # Every pair of the run present: the run as a phrase, found by term
                # lookups alone (a phrase query would decode positions in every candidate).
                whole.append(Boost("whole phrase", "pairs", pairs, PHRASE_BOOST, phase=1))
        return together + whole + lead

    def tiers(self) -> list[Tier]:
        """The ranking tiers, first first (see the module's docstring)."""
        phrases = self.phrases()
        accents = self.accented
        tiers = []
        if len(phrases) == 1 and len(phrases[0]) == 1:
            (only,) = phrases[0]
            title_length = Need("terms", TITLE_LENGTH, (str(len(only.syllables)),))
            tiers.append(Tier("title is the query", (((title_length, *_in_title(only, accents)),),)))
        tiers.append(Tier("query in the title", _each(phrases, lambda c: _in_title(c, accents))))
        if accents:
            if any(len(c.exact) > 1 for group in phrases for c in group):
                tiers.append(Tier("accents together", _each(phrases, lambda c: (_exact_terms("exact", c),))))
            tiers.append(Tier("accents", _each(phrases, lambda c: (Need("terms", "exact", c.exact),))))
        return tiers

    def phrases(self) -> list[list[Clause]]:
        """The query as phrases to find: the syllables typed one after another without
        quotes or OR form one; a quoted phrase is one; an OR group is one of its clauses."""
        phrases: list[list[Clause]] = []
        run: list[Clause] = []
        for group in self.groups + [[]]:
            if len(group) == 1 and not group[0].quoted:
                run.append(group[0])
                continue
            if run:
                phrases.append([Clause(sum((c.syllables for c in run), ()), sum((c.exact for c in run), ()),
                                       self.accented)])
                run = []
            if group:
                phrases.append(group)
        return phrases

    def _unquoted_runs(self) -> list[tuple[str, ...]]:
        """Syllables typed one after another without quotes or OR between them."""
        return [group[0].syllables for group in self.phrases()
                if len(group) == 1 and not group[0].quoted and len(group[0].syllables) > 1]


def _exact_terms(field_name: str, clause: Clause) -> Need:
    """The clause's words with their accents, and each two standing together."""
    pairs = tuple(pair_term(a, b) for a, b in zip(clause.exact, clause.exact[1:]))
    return Need("terms", field_name, tuple(dict.fromkeys(clause.exact + pairs)))


def _in_title(clause: Clause, accents: bool) -> tuple[Need, ...]:
    """The clause standing in the headline; with accents, with the typed accents."""
    together = Need("phrase", "title", clause.syllables)
    return (together, _exact_terms("title_exact", clause)) if accents else (together,)


def _each(phrases: list[list[Clause]], needs) -> Condition:
    return tuple(tuple(needs(clause) for clause in group) for group in phrases)


_LEX_RE = re.compile(r'"(?P<phrase>[^"]*)"|(?P<quote>")|(?P<word>[^\s"]+)')
_EXCLUDED_WORD_RE = re.compile(r"-(?:[^\W_]|[\u0300-\u036f]){2,}[.,;:!?]*")
_OPERATORS = ("OR", "||", "NOT", "AND", "&&", "-")


def parse_query(text: str) -> ParsedQuery:
    """Parse the query syntax; QueryError with a one-line reason when it is malformed.

    OR joins the Vietnamese word on each side, not the syllable: of the syllables
    typed one after another before it, the last ones that make a known word
    (words.py), and of those after it, the first ones (`lao dong OR cong doan` is
    "lao động" OR "công đoàn"); a side the word list does not know is one syllable.
    """
    text = clean(text).replace("\u201c", '"').replace("\u201d", '"')
    parsed = ParsedQuery()
    negate = False
    join_with_previous = False
    run_start = 0  # parsed.groups[run_start:] are syllables typed one after another: where a word may end
    matches = list(_LEX_RE.finditer(text))
    skip = 0
    for at, match in enumerate(matches):
        if skip:
            skip -= 1
            continue
        if match["quote"]:
            raise QueryError('unbalanced quote: close the phrase with a second "')
        word = match["word"]
        if word in ("OR", "||"):
            if not parsed.groups or join_with_previous or negate:
                raise QueryError("OR needs a term on each side")
            _join_word_before(parsed, run_start)
            join_with_previous = True
            continue
        if word == "NOT":
            negate = True
            continue
        if word in ("AND", "&&"):
            run_start = len(parsed.groups)  # typed apart on purpose: not one word
            continue
        # "-word" and -"a phrase" exclude. Pasted text keeps its dashes as text: one
        # standing alone ("Hà Nội - Hải Phòng"), a doubled one ("--suffix"), and one
        # before a single letter or before anything but a word ("-h", "-r,", "-S[SỐ]":
        # command-line options; nobody excludes a letter).
        if word == "-":
            negate = negate or text.startswith('"', match.end())
            run_start = len(parsed.groups)
            continue
        if word and _EXCLUDED_WORD_RE.fullmatch(word):
            negate, word = True, word[1:]
        clause = _clause(match["phrase"] if word is None else word, quoted=word is None)
        if clause is None:
            continue
        if join_with_previous:
            if negate:
                raise QueryError("OR cannot join an excluded term; put NOT outside the OR")
            if _one_syllable(clause, word):
                clause, skip = _word_after(clause, matches[at + 1:])
            parsed.groups[-1].append(clause)
            join_with_previous = False
            run_start = len(parsed.groups)
        elif negate:
            parsed.excluded.append(clause)
            run_start = len(parsed.groups)
        else:
            if not _one_syllable(clause, word):
                run_start = len(parsed.groups) + 1
            parsed.groups.append([clause])
        negate = False
        if len(parsed.positive_clauses) + len(parsed.excluded) > MAX_CLAUSES:
            raise QueryError(f"the query is too long: at most {MAX_CLAUSES} terms")
    if join_with_previous:
        raise QueryError("OR needs a term on each side")
    if negate:
        raise QueryError("NOT needs a term after it")
    if not parsed.groups:
        if parsed.excluded:
            raise QueryError("the query only excludes terms; add a term to search for")
        raise QueryError("the query has no words to search for")
    if parsed.accented:  # accents are the query's: a bare syllable in it is typed with none
        parsed.groups = [[c._replace(accented=True) for c in group] for group in parsed.groups]
    return parsed


def _one_syllable(clause: Clause, word: str | None) -> bool:
    """A word typed as one syllable and nothing else (no quotes, no punctuation, no
    abbreviation): what may join its neighbours to make a Vietnamese word."""
    return word is not None and len(clause.syllables) == 1 and SYLLABLE_RE.fullmatch(word) is not None


def _typed(clauses: list[Clause]) -> tuple[list[str], list[str | None]]:
    """Folded syllables of one-syllable clauses, and each one's accents if typed with them."""
    return [c.syllables[0] for c in clauses], [c.exact[0] if c.accented else None for c in clauses]


def _merged(clauses: list[Clause]) -> Clause:
    """One-syllable clauses as the phrase clause of the word they make."""
    return Clause(tuple(c.syllables[0] for c in clauses), tuple(c.exact[0] for c in clauses),
                  any(c.accented for c in clauses))


def _join_word_before(parsed: ParsedQuery, run_start: int) -> None:
    """Before an OR: the last syllables typed one after another that make a word become one clause."""
    from .words import max_syllables, word_at_end  # the word list, for OR alone: not loaded for other queries

    run = [group[0] for group in parsed.groups[run_start:]]
    if len(run) < 2:
        return
    size = word_at_end(*_typed(run[-max_syllables():]))
    if size > 1:
        parsed.groups[-size:] = [[_merged(run[-size:])]]


def _word_after(first: Clause, following: list[re.Match[str]]) -> tuple[Clause, int]:
    """After an OR: the first syllable typed with those after it that make a word, as one
    clause, and how many of the following matches it took."""
    from .words import max_syllables, word_at_start

    run = [first]
    for match in following[:max_syllables() - 1]:
        word = match["word"]
        if word is None or word in _OPERATORS or _EXCLUDED_WORD_RE.fullmatch(word):
            break
        clause = _clause(word)
        if clause is None or not _one_syllable(clause, word):
            break
        run.append(clause)
    size = word_at_start(*_typed(run)) if len(run) > 1 else 1
    return (_merged(run[:size]) if size > 1 else first), size - 1


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


class Filters(NamedTuple):
    """What an article must be, besides matching: in a date range (inclusive date
    numbers, None for no upper bound; (0, 0) selects the undated), about any of
    some districts, and not one of the hidden copies."""

    date_range: tuple[int, int | None] | None = None
    district_keys: tuple[str, ...] = ()
    hidden_ids: frozenset[str] = frozenset()  # copies of a story another article stands for


class ScorePart(NamedTuple):
    """One part of a score as --explain shows it: the matching clauses (no boosts), or
    the boosts of one kind."""

    name: str
    boosts: tuple[Boost, ...] = ()

    @property
    def phase(self) -> int:
        return self.boosts[0].phase if self.boosts else 1


class SearchPlan(NamedTuple):
    """A finished plan: everything an engine needs to run a search, decided here, so
    that an engine only translates it. A plan for counts (stats) may have no query:
    then it selects by its filters alone.

    Matching: every group of the query, each clause in the first of fields,
    none of the excluded; a clause's score is its BM25 in each of fields where it
    matches, times the field's weight. Ranking: tiers first (an
    article in an earlier tier before every article of a later one), then the
    score, then the article's key: order_key() is the whole order. By relevance
    the score has two phases. The first orders the matches by order_key of the
    first phase's score (BM25 of the matching clauses plus the boosts of phase
    1) and keeps a window: of each tier, the best `window`, tier by tier until
    `limit` are kept (a later tier cannot reach the page). The second orders the
    window by order_key of the whole score (that plus the boosts of phase 2).
    By date, every boost counts within a day, in one phase.
    """

    query: ParsedQuery | None
    fields: tuple[tuple[str, float], ...] = MATCH_FIELDS
    boosts: tuple[Boost, ...] = ()
    tiers: tuple[Tier, ...] = ()
    filters: Filters = Filters()
    sort: str = "relevance"
    limit: int = 10
    window: int = RESCORE_WINDOW

    @property
    def rescored(self) -> int:
        """How many matches of a tier the second phase rescores: the window, or the page
        if larger."""
        return max(self.window, self.limit)

    def order_key(self, tier: int, score: float, date_num: int, key: str) -> tuple:
        """Lower first. Relevance: tier, then score; by date: the day (no date last
        either way), then score; ties always by key, so that the order never depends
        on how an engine happens to lay out its index."""
        if self.sort == "relevance":
            return (tier, -score, key)
        if self.sort == "newest":
            return (-date_num, -score, key)  # 0, no date, sorts after every day
        return (date_num or NO_DATE, -score, key)

    def lookup(self, clause: Clause) -> tuple[str, str] | None:
        """A (field, term) holding exactly the articles where the clause matches in the
        first of fields, for a clause of several syllables that is an abbreviation's
        expansion: where nothing is scored (counts, filters), a lookup instead of a
        phrase query. None for any other clause."""
        term = phrase_term(clause.syllables) if len(clause.syllables) > 1 else None
        return (PHRASES, term) if term else None

    def boosts_of(self, phase: int) -> tuple[Boost, ...]:
        """The boosts a phase adds to the score: the second's, to the first's score."""
        return tuple(b for b in self.boosts if b.phase == phase)

    def undated_question(self) -> SearchPlan | None:
        """The plan whose count is the matches the date filter left out for having no
        date; None without a date filter."""
        if not self.filters.date_range:
            return None
        return self._replace(boosts=(), tiers=(), filters=self.filters._replace(date_range=(0, 0)))

    def hiding(self, ids: frozenset[str]) -> SearchPlan:
        return self._replace(filters=self.filters._replace(hidden_ids=ids))

    def score_parts(self) -> tuple[ScorePart, ...]:
        """The parts of the score --explain shows, in order: the match, then each kind of boost."""
        kinds: dict[str, list[Boost]] = {}
        for boost in self.boosts:
            kinds.setdefault(boost.kind, []).append(boost)
        return (ScorePart("match"), *(ScorePart(kind, tuple(boosts)) for kind, boosts in kinds.items()))


def make_plan(query: ParsedQuery | None, *, limit: int = 10, since: date | None = None, until: date | None = None,
              district_keys: tuple[str, ...] = (), sort: str = "relevance") -> SearchPlan:
    """The finished plan of a parsed query (None: select by the filters alone)."""
    date_range = None
    if since or until:
        low = max(dates.date_number(since), 1) if since else 1
        date_range = (low, dates.date_number(until) if until else None)
    return SearchPlan(
        query=query,
        boosts=tuple(query.boosts()) if query else (),
        tiers=tuple(query.tiers()) if query else (),
        filters=Filters(date_range, tuple(district_keys)),
        sort=sort,
        limit=limit,
        window=RESCORE_WINDOW,  # read at each call: bench/relevance.py --window varies it
    )
