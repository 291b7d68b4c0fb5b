"""The default engine: tantivy, through its official Python bindings.

Everything that knows tantivy lives here: the schema, the writer and its lock,
turning a SearchPlan into tantivy queries, and ordering the page so that it
never depends on how the index happens to be laid out (ties go by corpus path).

Terms come from analysis.article_terms, indexed with tantivy's whitespace
tokenizer, so tantivy sees exactly the terms the Whoosh engine sees. A commit
is tantivy's: segments are written and synced, then meta.json is replaced
atomically; lbsearch.json records the files of the commit beside it.
"""

from __future__ import annotations

import errno
import json
import re
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import tantivy

from ..analysis import PHRASES, TITLE_LENGTH
from ..errors import IndexBusy, IndexProblem
from ..plan import Boost, Clause, Condition, Need, ScorePart, SearchPlan
from .common import Match, PreparedArticle, Ranked

NAME = "tantivy"
WRITER_HEAP_BYTES = 256_000_000
WRITER_THREADS = 2
_META = "meta.json"
_MUST, _SHOULD, _MUST_NOT = tantivy.Occur.Must, tantivy.Occur.Should, tantivy.Occur.MustNot
_SEGMENT_FILE_RE = re.compile(r"^([0-9a-f]{32})\.")
_DAYS_MAX = 100_000  # distinct publication days a stats count can hold
# Articles read to order the ties at the last place of a page by path; past this
# many (copies of one article, thousands of times) ties keep tantivy's order.
_MAX_TIES = 2_000
_TIE_MARGIN = 16  # matches asked for past the last place, in case they tie with it
# A segment whose statistics count deleted articles is rewritten (stale_sources) when it
# is this small, or when this share of it is deleted: small indexes keep exact
# statistics, and a large one rewrites a segment at most once per tenth of it changed.
SMALL_SEGMENT = 1_000
STALE_SHARE = 0.1


def versions() -> dict:
    # "tantivy v0.27.0, index_format v7": the on-disk format is part of it.
    return {"tantivy": str(tantivy.__version__)}


def _schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    # key and id stored apart from the record: the first phase of a search reads them
    # for its whole window, and the record only for the page.
    builder.add_text_field("key", stored=True, tokenizer_name="raw", index_option="basic")
    builder.add_text_field("source", tokenizer_name="raw", index_option="basic")
    # source file and fingerprint in one column, read in one call for the no-change check.
    builder.add_text_field("keyprint", fast=True, tokenizer_name="raw", index_option="basic")
    builder.add_text_field("bands", tokenizer_name="raw", index_option="basic")  # copies.band_terms
    # A column too: which kept copies match is read from it, not from the stored records.
    builder.add_text_field("id", stored=True, fast=True, tokenizer_name="raw", index_option="basic")
    builder.add_bytes_field("record", stored=True)  # JSON of the stored article
    builder.add_text_field("text", tokenizer_name="whitespace", index_option="position")
    builder.add_text_field("title", tokenizer_name="whitespace", index_option="position")
    builder.add_text_field("lead", tokenizer_name="whitespace", index_option="freq")
    builder.add_text_field("pairs", tokenizer_name="whitespace", index_option="freq")
    builder.add_text_field("exact", tokenizer_name="whitespace", index_option="basic")
    builder.add_text_field("title_exact", tokenizer_name="whitespace", index_option="basic")
    builder.add_text_field(TITLE_LENGTH, tokenizer_name="raw", index_option="basic")
    builder.add_text_field(PHRASES, tokenizer_name="whitespace", index_option="basic")
    builder.add_unsigned_field("date_num", indexed=True, fast=True)
    builder.add_text_field("districts", fast=True, tokenizer_name="raw", index_option="basic")
    builder.add_text_field("collection", fast=True, tokenizer_name="raw", index_option="basic")
    return builder.build()


SCHEMA = _schema()


# --- files ------------------------------------------------------------------------------


def exists(index_dir: Path) -> bool:
    return (index_dir / _META).is_file()


def _segment_ids(index_dir: Path) -> set[str]:
    meta = json.loads((index_dir / _META).read_text("utf-8"))
    return {segment["segment_id"].replace("-", "") for segment in meta.get("segments", [])}


def generation(index_dir: Path) -> str | None:
    """Changes with every commit: the opstamp and the segments meta.json names."""
    try:
        meta = json.loads((index_dir / _META).read_text("utf-8"))
    except (OSError, ValueError):
        return None
    segments = sorted(
        f"{s['segment_id']}:{(s.get('deletes') or {}).get('opstamp')}" for s in meta.get("segments", [])
    )
    return f"{meta.get('opstamp')}/{','.join(segments)}"


def commit_files(index_dir: Path) -> list[Path]:
    """meta.json and the files of the segments it names."""
    ids = _segment_ids(index_dir)
    files = [index_dir / _META]
    for path in sorted(index_dir.iterdir()):
        match = _SEGMENT_FILE_RE.match(path.name)
        if match and match[1] in ids and path.is_file():
            files.append(path)
    return files


# --- writing ----------------------------------------------------------------------------


@contextmanager
def _writing():
    """tantivy reports a full disk or a failed write as ValueError (and a failure in
    its threads as a panic): here they are the OSError every engine raises."""
    try:
        yield
    except (OSError, IndexProblem, KeyboardInterrupt, SystemExit):
        raise
    except BaseException as err:  # pyo3's PanicException is a BaseException
        detail = str(err).splitlines()[0] if str(err) else type(err).__name__
        code = errno.ENOSPC if "No space left" in detail else errno.EIO
        raise OSError(code, f"tantivy: {detail}") from None


def open_writer(index_dir: Path, mode: str) -> "Writer":
    return Writer(index_dir, tantivy.Index(SCHEMA, path=str(index_dir), reuse=mode != "create"))


class Writer:
    """Deletes and adds through one tantivy IndexWriter, created only when there is
    something to write (and after worker processes are forked: tantivy runs threads)."""

    parallel_segments = False

    def __init__(self, index_dir: Path, ix: tantivy.Index):
        self.index_dir = index_dir
        self.ix = ix
        self.pending_deletes: list[str] = []
        self.writer = None

    def _writer(self):
        if self.writer is None:
            try:
                writer = self.ix.writer(WRITER_HEAP_BYTES, WRITER_THREADS)
            except ValueError as err:
                if "lock" in str(err).lower():
                    raise IndexBusy(
                        f"the index at {self.index_dir} is locked by another writer; try again when it has finished"
                    ) from None
                raise
            with _writing():
                for source in self.pending_deletes:
                    writer.delete_documents_by_term("source", source)
            self.pending_deletes = []
            self.writer = writer
        return self.writer

    def fingerprints(self) -> dict[str, str]:
        self.ix.reload()
        searcher = self.ix.searcher()
        if not searcher.num_docs:
            return {}
        hits = searcher.search(tantivy.Query.all_query(), limit=searcher.num_docs, count=False,
                               order_by_field="keyprint", order=tantivy.Order.Asc).hits
        return dict(keyprint.split("\t", 1) for keyprint, _ in hits)

    def delete(self, source: str) -> None:
        """Delete every article of one corpus file."""
        if self.writer is None:
            self.pending_deletes.append(source)
        else:
            self.writer.delete_documents_by_term("source", source)

    def add(self, article: PreparedArticle) -> None:
        writer = self._writer()
        with _writing():
            writer.add_document(_document(article))

    def add_segments(self, segments: list) -> None:
        raise NotImplementedError("tantivy writes its segments in its own threads")

    def stale_sources(self) -> set[str]:
        """The corpus files with an article in a segment whose statistics count deleted
        articles past the policy (STALE_SHARE, SMALL_SEGMENT).

        tantivy counts a deleted article in its BM25 statistics until a merge drops it,
        and its Python bindings cannot ask for one; a segment whose articles are all
        deleted goes at the commit, so rewriting the live ones refreshes it.
        """
        try:
            segments = json.loads((self.index_dir / _META).read_text("utf-8")).get("segments", [])
        except (OSError, ValueError):
            return set()
        stale, live = set(), []
        for number, segment in enumerate(segments):
            deleted = (segment.get("deletes") or {}).get("num_deleted_docs", 0)
            live.append(segment["max_doc"] - deleted)
            if deleted and (live[-1] <= SMALL_SEGMENT or deleted >= STALE_SHARE * segment["max_doc"]):
                stale.add(number)
        if not stale:
            return set()
        self.ix.reload()
        searcher = self.ix.searcher()
        hits = searcher.search(tantivy.Query.all_query(), limit=max(searcher.num_docs, 1), count=False,
                               order_by_field="keyprint", order=tantivy.Order.Asc).hits
        # The searcher's segments are meta.json's, in its order; if the live counts say
        # otherwise, nothing is rewritten rather than the wrong articles.
        if [sum(1 for _, a in hits if a.segment_ord == n) for n in range(len(segments))] != live:
            return set()
        return {keyprint.split("\t", 1)[0] for keyprint, address in hits if address.segment_ord in stale}

    def commit(self) -> None:
        writer = self._writer()
        with _writing():
            writer.commit()
            writer.wait_merging_threads()  # merges finish and superseded files go
        self.writer = None

    def cancel(self) -> None:
        """Drop the uncommitted work and the files no commit references (on a full disk
        they hold the space the next run needs). Only a writer of ours, holding
        tantivy's own lock, removes files: another process's writer may be adding
        a segment that no commit names yet."""
        writer, self.writer = self.writer, None
        if writer is None:
            return
        for step in (writer.rollback, writer.garbage_collect_files,
                     # Consumes the writer once its threads have stopped, so that
                     # tantivy's lock goes now, not when a traceback holding it is collected.
                     writer.wait_merging_threads):
            try:
                step()
            except BaseException:  # tantivy panics surface as PanicException
                pass
        # A segment its threads were writing when the disk filled is not always known
        # to tantivy's garbage collection: what no commit names goes too.
        self._remove_orphans()

    def _remove_orphans(self) -> None:
        try:
            kept = _segment_ids(self.index_dir)
        except (OSError, ValueError):
            return
        for path in self.index_dir.iterdir():
            match = _SEGMENT_FILE_RE.match(path.name)
            if match and match[1] not in kept:
                path.unlink(missing_ok=True)


def write_segment(index_dir: Path, articles) -> None:
    raise NotImplementedError("tantivy writes its segments in its own threads")


def _document(prepared: PreparedArticle) -> tantivy.Document:
    doc = tantivy.Document()
    doc.add_text("key", prepared.key)
    doc.add_text("source", prepared.source)
    doc.add_text("keyprint", f"{prepared.source}\t{prepared.fingerprint}")
    for term in prepared.band_terms:
        doc.add_text("bands", term)
    doc.add_text("id", prepared.record["id"])
    doc.add_bytes("record", json.dumps(prepared.record, ensure_ascii=False).encode("utf-8"))
    for name, text in prepared.terms.items():
        doc.add_text(name, text)
    doc.add_unsigned("date_num", prepared.date_num)
    for key in prepared.district_keys:
        doc.add_text("districts", key)
    doc.add_text("collection", prepared.collection)
    return doc


# --- searching --------------------------------------------------------------------------


def open_reader(index_dir: Path) -> "Reader":
    ix = tantivy.Index.open(str(index_dir))
    searcher = ix.searcher()
    searcher.num_docs  # noqa: B018 - fails here on an unreadable segment, not mid-search
    return Reader(ix, searcher)


def _term(field: str, text) -> tantivy.Query:
    return tantivy.Query.term_query(SCHEMA, field, text)


def _all(queries: list[tantivy.Query]) -> tantivy.Query:
    return queries[0] if len(queries) == 1 else tantivy.Query.boolean_query([(_MUST, q) for q in queries])


def _any(queries: list[tantivy.Query]) -> tantivy.Query:
    return queries[0] if len(queries) == 1 else tantivy.Query.boolean_query([(_SHOULD, q) for q in queries])


def _filter(query: tantivy.Query) -> tantivy.Query:
    """A clause that must match and adds nothing to the score."""
    return tantivy.Query.const_score_query(query, 0.0)


def _clause_query(clause: Clause, fields: tuple[tuple[str, float], ...]) -> tantivy.Query:
    """The clause in the first field, scored there and in each other where it is too.
    The other fields are optional: tantivy looks for them only in the first one's
    matches, so the clause skips as its first field's query does."""
    def one(field: str, weight: float) -> tantivy.Query:
        if len(clause.syllables) == 1:
            query = _term(field, clause.syllables[0])
        else:
            query = tantivy.Query.phrase_query(SCHEMA, field, list(clause.syllables))
        return query if weight == 1.0 else tantivy.Query.boost_query(query, weight)

    (first, weight), *others = fields
    if not others:
        return one(first, weight)
    return tantivy.Query.boolean_query([(_MUST, one(first, weight)), *((_SHOULD, one(*f)) for f in others)])


def _clause_filter(plan: SearchPlan, clause: Clause) -> tantivy.Query:
    """Where the clause matches, unscored: the plan's lookup term when it has one (no
    positions read), else its first field's query."""
    lookup = plan.lookup(clause)
    return _term(*lookup) if lookup else _clause_query(clause, plan.fields[:1])


def _matching(plan: SearchPlan, scored: bool = True) -> tantivy.Query:
    """The plan's query, scored by BM25 in its fields; every article without a query.
    Unscored (a count, a filter), each clause is _clause_filter."""
    parsed = plan.query
    if parsed is None:
        return tantivy.Query.all_query()
    clauses = [(_MUST, _any([_clause_query(c, plan.fields) if scored else _clause_filter(plan, c) for c in group]))
               for group in parsed.groups]
    clauses += [(_MUST_NOT, _clause_filter(plan, c)) for c in parsed.excluded]
    return clauses[0][1] if len(clauses) == 1 else tantivy.Query.boolean_query(clauses)


def _scored(plan: SearchPlan, boosts: tuple[Boost, ...]) -> tantivy.Query:
    """The plan's query scored by BM25 of its matching clauses plus these boosts."""
    return tantivy.Query.boolean_query([(_MUST, _matching(plan))] + [(_SHOULD, _boost_query(b)) for b in boosts])


def _boost_query(boost: Boost) -> tantivy.Query:
    return tantivy.Query.boost_query(_all([_term(boost.field, t) for t in boost.terms]), boost.weight)


def _need(need: Need) -> tantivy.Query:
    if need.kind == "phrase" and len(need.terms) > 1:
        return tantivy.Query.phrase_query(SCHEMA, need.field, list(need.terms))
    return _all([_term(need.field, t) for t in need.terms])


def _condition(condition: Condition) -> tantivy.Query:
    return _filter(_all([_any([_all([_need(n) for n in needs]) for needs in group]) for group in condition]))


def _date_is(low: int, high: int | None) -> tantivy.Query:
    return tantivy.Query.range_query(SCHEMA, "date_num", tantivy.FieldType.Unsigned, low, high)


@dataclass
class _Candidate:
    """A match as the first phase knows it: no record read yet."""

    tier: int
    score: float
    key: str
    id: str
    address: object  # tantivy's DocAddress
    first_rank: int | None = None


class Reader:
    def __init__(self, ix: tantivy.Index, searcher):
        self.ix = ix
        self.searcher = searcher
        self._hidden_for, self._hidden_query = None, None

    def _filtered(self, plan: SearchPlan, scored: tantivy.Query) -> tantivy.Query:
        filters = plan.filters
        clauses = [(_MUST, scored)]
        if filters.hidden_ids:
            clauses.append((_MUST_NOT, self._hidden(filters.hidden_ids)))
        if filters.district_keys:
            clauses.append((_MUST, _filter(_any([_term("districts", k) for k in filters.district_keys]))))
        if filters.date_range:
            clauses.append((_MUST, _filter(_date_is(*filters.date_range))))
        return tantivy.Query.boolean_query(clauses)

    def _hidden(self, ids: frozenset[str]) -> tantivy.Query:
        """The copies a plan leaves out, as one query built once for every tier of a search."""
        if self._hidden_for is not ids:
            self._hidden_for, self._hidden_query = ids, tantivy.Query.term_set_query(SCHEMA, "id", list(ids))
        return self._hidden_query

    def _count(self, query: tantivy.Query) -> int:
        return self.searcher.search(query, limit=1, count=True).count

    def count(self, plan: SearchPlan) -> int:
        # Counted without the ranking terms: scoring every match again would double the time.
        return self._count(self._filtered(plan, _filter(_matching(plan, scored=False))))

    def search(self, plan: SearchPlan) -> Ranked:
        if plan.sort != "relevance":
            total = self.count(plan)
            return Ranked(total, self._by_date(plan, self._filtered(plan, _scored(plan, plan.boosts))) if total else [])
        window = self._first_phase(plan)
        if plan.boosts_of(2):
            window = self._second_phase(plan, window)
        page = [Match(c.score, self._record(c.address), c.address, c.first_rank) for c in window[:plan.limit]]
        return Ranked(self.count(plan), page)

    def _first_phase(self, plan: SearchPlan) -> list[_Candidate]:
        """The first phase's window (plan.py): of each tier the page reaches, its best
        plan.rescored matches by the first phase's score, tier by tier, each without
        the one before (tiers are nested)."""
        query = self._filtered(plan, _scored(plan, plan.boosts_of(1)))
        window: list[_Candidate] = []
        previous = None
        for number, tier in enumerate([*(_condition(t.condition) for t in plan.tiers), None]):
            clauses = [(_MUST, query)]
            if tier is not None:
                clauses.append((_MUST, tier))
            if previous is not None:
                clauses.append((_MUST_NOT, previous))
            window += self._best(plan, tantivy.Query.boolean_query(clauses), plan.rescored, number)
            if len(window) >= plan.limit:
                break
            previous = tier
        for rank, candidate in enumerate(window, 1):
            candidate.first_rank = rank
        return window

    def _second_phase(self, plan: SearchPlan, window: list[_Candidate]) -> list[_Candidate]:
        """The window with the second phase's boosts added to its scores, in the plan's
        order. Only the boosts are scored, on the window's articles alone: 1.5 ms for
        100 at 100,000 articles, where scoring the whole query again took 6 ms."""
        if not window:
            return window
        these = _filter(tantivy.Query.term_set_query(SCHEMA, "id", [c.id for c in window]))
        boosts = [(_SHOULD, _boost_query(b)) for b in plan.boosts_of(2)]
        hits = self.searcher.search(tantivy.Query.boolean_query([(_MUST, these), *boosts]),
                                    limit=len(window), count=False).hits
        added = {(a.segment_ord, a.doc): score for score, a in hits}
        for candidate in window:
            address = candidate.address
            candidate.score += added.get((address.segment_ord, address.doc), 0.0)
        return sorted(window, key=lambda c: plan.order_key(c.tier, c.score, 0, c.key))

    def _best(self, plan: SearchPlan, query: tantivy.Query, limit: int, tier: int = 0) -> list[_Candidate]:
        """The limit best matches in the plan's order. Those that tie with the last place
        are read too, so the order never depends on the index layout; a few more are
        asked for at once, so that a small tie needs no second search."""
        if limit <= 0:
            return []
        fetch = limit + _TIE_MARGIN
        hits = self.searcher.search(query, limit=fetch, count=False).hits
        while len(hits) == fetch and hits[-1][0] == hits[limit - 1][0] and fetch < _MAX_TIES:
            fetch *= 4
            hits = self.searcher.search(query, limit=fetch, count=False).hits
        if len(hits) > limit:
            last = hits[limit - 1][0]
            hits = hits[:limit] + [hit for hit in hits[limit:] if hit[0] == last]
        found = []
        for score, address in hits:
            doc = self.searcher.doc(address)
            found.append(_Candidate(tier, score, doc.get_first("key"), doc.get_first("id"), address))
        found.sort(key=lambda c: plan.order_key(tier, c.score, 0, c.key))
        return found[:limit]

    def _by_date(self, plan: SearchPlan, query: tantivy.Query) -> list[Match]:
        """The page by day (plan.order_key), fetched a day at a time: by score and then
        key within a day; no date last."""
        newest = plan.sort == "newest"
        low, high = plan.filters.date_range or (1, None)
        dated = _all([query, _filter(_date_is(low, high))])
        order = tantivy.Order.Desc if newest else tantivy.Order.Asc
        days = []
        for day, _ in self.searcher.search(dated, limit=plan.limit, count=False,
                                           order_by_field="date_num", order=order).hits:
            if day not in days:
                days.append(day)
        if len(days) < plan.limit and not plan.filters.date_range:
            days.append(0)
        page: list[_Candidate] = []
        for day in days:
            page += self._best(plan, _all([query, _filter(_date_is(day, day))]), plan.limit - len(page))
        return [Match(c.score, self._record(c.address), c.address) for c in page[:plan.limit]]

    def _record(self, address) -> dict:
        return json.loads(self.searcher.doc(address).get_first("record"))

    def _part(self, plan: SearchPlan, part: ScorePart) -> tantivy.Query:
        return _any([_boost_query(b) for b in part.boosts]) if part.boosts else _matching(plan)

    def explain(self, plan: SearchPlan, match: Match) -> tuple[str | None, dict[str, float]]:
        this = _filter(_term("id", match.record["id"]))
        scores = {}
        for part in plan.score_parts():
            hits = self.searcher.search(_all([self._part(plan, part), this]), limit=1, count=False).hits
            scores[part.name] = round(hits[0][0], 4) if hits else 0.0
        tier = next((t.name for t in plan.tiers if self._count(_all([_condition(t.condition), this]))), None)
        return tier, scores

    def article(self, article_id: str) -> dict | None:
        hits = self.searcher.search(_term("id", article_id), limit=1, count=False).hits
        return self._record(hits[0][1]) if hits else None

    def stats(self, plan: SearchPlan) -> tuple[int, dict[int, int], dict[str, int], dict[str, int]]:
        aggregations = {
            "days": {"terms": {"field": "date_num", "size": _DAYS_MAX}},
            "districts": {"terms": {"field": "districts", "size": 1000}},
            "collections": {"terms": {"field": "collection", "size": 1000}},
        }
        counts = self.searcher.aggregate(self._filtered(plan, _filter(_matching(plan, scored=False))), aggregations)
        per_day = {int(b["key"]): b["doc_count"] for b in counts["days"]["buckets"]}
        per_district = {b["key"]: b["doc_count"] for b in counts["districts"]["buckets"]}
        per_collection = {b["key"]: b["doc_count"] for b in counts["collections"]["buckets"]}
        return sum(per_day.values()), per_day, per_district, per_collection

    def doc_frequency(self, field: str, term: str) -> int:
        return self._count(_term(field, term))

    def matching_ids(self, plan: SearchPlan, ids: list[str]) -> set[str]:
        these = _filter(tantivy.Query.term_set_query(SCHEMA, "id", ids))
        query = self._filtered(plan, _all([_filter(_matching(plan, scored=False)), these]))
        # A terms count over the id column: 4 ms for 5,000 kept copies at 25,000 articles,
        # where reading the matches ordered by id took 85 ms.
        counts = self.searcher.aggregate(query, {"ids": {"terms": {"field": "id", "size": len(ids)}}})
        return {bucket["key"] for bucket in counts["ids"]["buckets"]}

    def copy_candidates(self, terms: list[str], limit: int = 100) -> list[dict]:
        hits = self.searcher.search(_any([_term("bands", t) for t in terms]), limit=limit, count=False).hits
        return [self._record(address) for _, address in hits]

    def records_of(self, sources: list[str]) -> list[dict]:
        query = tantivy.Query.term_set_query(SCHEMA, "source", list(sources))
        hits = self.searcher.search(query, limit=max(self._count(query), 1), count=False).hits
        return [self._record(address) for _, address in hits]

    def records(self):
        total = self.searcher.num_docs
        if total:
            for _, address in self.searcher.search(tantivy.Query.all_query(), limit=total, count=False).hits:
                yield self._record(address)

    def terms_with_prefix(self, field: str, prefix: str) -> list[tuple[str, int]]:
        # Counted over live documents: a term only deleted articles held is no word.
        found = self.searcher.terms_with_prefix(field, prefix, filter_query=tantivy.Query.all_query())
        return [(term, count) for term, count in found if count]
