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
from pathlib import Path

import tantivy

from ..index import IndexBusy, IndexProblem
from ..analysis import TITLE_LENGTH
from ..plan import TITLE_BOOST, Boost, Clause, Condition, Need, ParsedQuery, SearchPlan
from .results import Match, Ranked, stats_from_counts

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


def versions() -> dict:
    # "tantivy v0.27.0, index_format v7": the on-disk format is part of it.
    return {"tantivy": str(tantivy.__version__)}


def _schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("key", tokenizer_name="raw", index_option="basic")
    builder.add_text_field("source", tokenizer_name="raw", index_option="basic")
    # source file and fingerprint in one column, read in one call for the no-change check.
    builder.add_text_field("keyprint", fast=True, tokenizer_name="raw", index_option="basic")
    builder.add_text_field("copies", tokenizer_name="raw", index_option="basic")
    # A column too: which kept copies match is read from it, not from the stored records.
    builder.add_text_field("id", fast=True, tokenizer_name="raw", index_option="basic")
    builder.add_bytes_field("record", stored=True)  # JSON of the stored article
    builder.add_text_field("title", tokenizer_name="whitespace", index_option="position")
    builder.add_text_field("body", tokenizer_name="whitespace", index_option="position")
    builder.add_text_field("lead", tokenizer_name="whitespace", index_option="freq")
    builder.add_text_field("pairs", tokenizer_name="whitespace", index_option="freq")
    builder.add_text_field("exact", tokenizer_name="whitespace", index_option="basic")
    builder.add_text_field("title_exact", tokenizer_name="whitespace", index_option="basic")
    builder.add_text_field(TITLE_LENGTH, tokenizer_name="raw", index_option="basic")
    builder.add_unsigned_field("date_num", indexed=True, fast=True)
    builder.add_text_field("districts", fast=True, tokenizer_name="raw", index_option="basic")
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
    ix = tantivy.Index(SCHEMA, path=str(index_dir), reuse=mode != "create")
    return Writer(index_dir, ix, replace=mode == "replace")


class Writer:
    """Deletes and adds through one tantivy IndexWriter, created only when there is
    something to write (and after worker processes are forked: tantivy runs threads)."""

    def __init__(self, index_dir: Path, ix: tantivy.Index, replace: bool):
        self.index_dir = index_dir
        self.ix = ix
        self.replace = replace
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
                if self.replace:
                    writer.delete_all_documents()
                for source in self.pending_deletes:
                    writer.delete_documents_by_term("source", source)
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

    def add_files(self, items, reader, jobs: int, progress):
        from ..updater import read_in_order, read_in_processes

        if jobs > 1:
            results = read_in_processes(items, reader, jobs, progress)
        else:
            results = read_in_order(items, reader, progress)
        outcomes = []
        for outcome, articles in results:  # the pool is forked by the first result
            for prepared in articles:
                writer = self._writer()
                with _writing():
                    writer.add_document(_document(prepared))
            outcomes.append(outcome)
        return outcomes

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


def _document(prepared) -> tantivy.Document:
    doc = tantivy.Document()
    doc.add_text("key", prepared.key)
    doc.add_text("source", prepared.source)
    doc.add_text("keyprint", f"{prepared.source}\t{prepared.fingerprint}")
    for term in prepared.copy_terms:
        doc.add_text("copies", term)
    doc.add_text("id", prepared.record["id"])
    doc.add_bytes("record", json.dumps({**prepared.record, "key": prepared.key}, ensure_ascii=False).encode("utf-8"))
    for name, text in prepared.terms.items():
        doc.add_text(name, text)
    doc.add_unsigned("date_num", prepared.date_num)
    for key in prepared.district_keys:
        doc.add_text("districts", key)
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


def _clause_query(clause: Clause) -> tantivy.Query:
    def one(field: str) -> tantivy.Query:
        if len(clause.syllables) == 1:
            return _term(field, clause.syllables[0])
        return tantivy.Query.phrase_query(SCHEMA, field, list(clause.syllables))

    return _any([tantivy.Query.boost_query(one("title"), TITLE_BOOST), one("body")])


def _matching(parsed: ParsedQuery) -> tantivy.Query:
    clauses = [(_MUST, _any([_clause_query(c) for c in group])) for group in parsed.groups]
    clauses += [(_MUST_NOT, _clause_query(c)) for c in parsed.excluded]
    return clauses[0][1] if len(clauses) == 1 else tantivy.Query.boolean_query(clauses)


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


class Reader:
    copy_groups: list = []  # index.open_index sets the groups of copies of this commit

    def __init__(self, ix: tantivy.Index, searcher):
        self.ix = ix
        self.searcher = searcher
        self._hidden_for, self._hidden_query = None, None

    def _filtered(self, plan: SearchPlan, scored: tantivy.Query, *, dated: bool = True) -> tantivy.Query:
        clauses = [(_MUST, scored)]
        if plan.hidden_ids:
            clauses.append((_MUST_NOT, self._hidden(plan.hidden_ids)))
        if plan.district_keys:
            clauses.append((_MUST, _filter(_any([_term("districts", k) for k in plan.district_keys]))))
        if dated and plan.date_range:
            clauses.append((_MUST, _filter(_date_is(*plan.date_range))))
        return tantivy.Query.boolean_query(clauses)

    def _hidden(self, ids: frozenset[str]) -> tantivy.Query:
        """The copies a plan leaves out, as one query built once for every tier of a search."""
        if self._hidden_for is not ids:
            self._hidden_for, self._hidden_query = ids, tantivy.Query.term_set_query(SCHEMA, "id", list(ids))
        return self._hidden_query

    def _count(self, query: tantivy.Query) -> int:
        return self.searcher.search(query, limit=1, count=True).count

    def search(self, plan: SearchPlan) -> Ranked:
        parsed = plan.query
        scored = tantivy.Query.boolean_query(
            [(_MUST, _matching(parsed))] + [(_SHOULD, _boost_query(b)) for b in parsed.boosts()]
        )
        query = self._filtered(plan, scored)
        undated = 0
        if plan.date_range:
            undated = self._count(self._filtered(plan, _all([_matching(parsed), _filter(_date_is(0, 0))]), dated=False))
        if plan.sort != "relevance":
            total = self._count(query)
            return Ranked(total, self._by_date(plan, query) if total else [], undated)
        # Tier by tier, each without the one before (tiers are nested), until the page is full.
        page: list[Match] = []
        previous = None
        for tier in [*map(_condition, (t.condition for t in parsed.tiers())), None]:
            clauses = [(_MUST, query)]
            if tier is not None:
                clauses.append((_MUST, tier))
            if previous is not None:
                clauses.append((_MUST_NOT, previous))
            page += self._best(tantivy.Query.boolean_query(clauses), plan.limit - len(page))[0]
            if len(page) == plan.limit:
                break
            previous = tier
        # Counted without the ranking terms: scoring every match again would double the time.
        total = self._count(self._filtered(plan, _filter(_matching(parsed))))
        return Ranked(total, page, undated)

    def _best(self, query: tantivy.Query, limit: int) -> tuple[list[Match], int]:
        """The limit best matches by score, ties by corpus path, and how many match.

        As many more are read as tie with the last place, so the order never
        depends on the index layout; the count comes with the first search.
        """
        fetch = limit + 1
        result = self.searcher.search(query, limit=fetch, count=True)
        total, hits = result.count, result.hits
        if not limit:
            return [], total
        while len(hits) == fetch and hits[-1][0] == hits[limit - 1][0] and fetch < _MAX_TIES:
            fetch *= 4
            hits = self.searcher.search(query, limit=fetch, count=False).hits
        matches = [Match(score, self._record(address), address) for score, address in hits]
        matches.sort(key=lambda m: (-m.score, m.record["key"]))
        return matches[:limit], total

    def _by_date(self, plan: SearchPlan, query: tantivy.Query) -> list[Match]:
        """Newest or oldest first, by score and then path within a day; no date last."""
        newest = plan.sort == "newest"
        low, high = plan.date_range or (1, None)
        dated = _all([query, _filter(_date_is(low, high))])
        order = tantivy.Order.Desc if newest else tantivy.Order.Asc
        days = []
        for day, _ in self.searcher.search(dated, limit=plan.limit, count=False,
                                           order_by_field="date_num", order=order).hits:
            if day not in days:
                days.append(day)
        page: list[Match] = []
        for day in days:
            page += self._best(_all([query, _filter(_date_is(day, day))]), plan.limit - len(page))[0]
        if len(page) < plan.limit and not plan.date_range:
            page += self._best(_all([query, _filter(_date_is(0, 0))]), plan.limit - len(page))[0]
        return page[:plan.limit]

    def _record(self, address) -> dict:
        return json.loads(self.searcher.doc(address).get_first("record"))

    def explain(self, plan: SearchPlan, match: Match) -> tuple[str | None, dict[str, float]]:
        """The first ranking tier one article is in (None: none), and how much each
        part of the query adds to its score."""
        parts: dict[str, list[tantivy.Query]] = {"match": [_matching(plan.query)]}
        parts.update({kind: [_boost_query(b) for b in boosts] for kind, boosts in plan.query.boosts_by_kind().items()})
        this = _filter(_term("id", match.record["id"]))
        scores = {}
        for name, queries in parts.items():
            hits = self.searcher.search(_all([_any(queries), this]), limit=1, count=False).hits
            scores[name] = round(hits[0][0], 4) if hits else 0.0
        tier = next((t.name for t in plan.query.tiers() if self._count(_all([_condition(t.condition), this]))), None)
        return tier, scores

    def count(self, parsed: ParsedQuery) -> int:
        return self._count(_matching(parsed))

    def article(self, article_id: str) -> dict | None:
        hits = self.searcher.search(_term("id", article_id), limit=1, count=False).hits
        return self._record(hits[0][1]) if hits else None

    def stats(self, plan: SearchPlan | None = None) -> tuple[dict, int]:
        """Counts of the articles the plan selects (every article without one), and how
        many matches its date filter left out for having no date."""
        selected, undated = tantivy.Query.all_query(), 0
        if plan is not None:
            matching = _filter(_matching(plan.query)) if plan.query else tantivy.Query.all_query()
            selected = self._filtered(plan, matching)
            if plan.date_range:
                undated = self._count(self._filtered(plan, _all([matching, _filter(_date_is(0, 0))]), dated=False))
        aggregations = {
            "days": {"terms": {"field": "date_num", "size": _DAYS_MAX}},
            "districts": {"terms": {"field": "districts", "size": 1000}},
        }
        counts = self.searcher.aggregate(selected, aggregations)
        per_day = {int(b["key"]): b["doc_count"] for b in counts["days"]["buckets"]}
        per_district = {b["key"]: b["doc_count"] for b in counts["districts"]["buckets"]}
        return stats_from_counts(sum(per_day.values()), per_day, per_district), undated

    def doc_frequency(self, field: str, term: str) -> int:
        return self._count(_term(field, term))

    def matching_ids(self, plan: SearchPlan, ids: list[str]) -> set[str]:
        """Those of ids whose articles the plan's query and filters select."""
        matching = _filter(_matching(plan.query)) if plan.query else tantivy.Query.all_query()
        query = self._filtered(plan, _all([matching, _filter(tantivy.Query.term_set_query(SCHEMA, "id", ids))]))
        # A terms count over the id column: 4 ms for 5,000 kept copies at 25,000 articles,
        # where reading the matches ordered by id took 85 ms.
        counts = self.searcher.aggregate(query, {"ids": {"terms": {"field": "id", "size": len(ids)}}})
        return {bucket["key"] for bucket in counts["ids"]["buckets"]}

    def copy_candidates(self, terms: list[str], limit: int = 100) -> list[dict]:
        """The records of the articles that have any of these copies terms."""
        hits = self.searcher.search(_any([_term("copies", t) for t in terms]), limit=limit, count=False).hits
        return [self._record(address) for _, address in hits]

    def records_of(self, source: str) -> list[dict]:
        """The records of the articles of one corpus file."""
        query = _term("source", source)
        hits = self.searcher.search(query, limit=max(self._count(query), 1), count=False).hits
        return [self._record(address) for _, address in hits]

    def records(self):
        """Every article's record."""
        total = self.searcher.num_docs
        if total:
            for _, address in self.searcher.search(tantivy.Query.all_query(), limit=total, count=False).hits:
                yield self._record(address)

    def terms_with_prefix(self, field: str, prefix: str) -> list[tuple[str, int]]:
        # Counted over live documents: a term only deleted articles held is no word.
        found = self.searcher.terms_with_prefix(field, prefix, filter_query=tantivy.Query.all_query())
        return [(term, count) for term, count in found if count]
