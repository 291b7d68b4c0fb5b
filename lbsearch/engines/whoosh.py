"""The pure-Python engine: Whoosh 2.7.4, with its durability and speed fixes.

Everything that knows Whoosh lives here: the schema, the fsyncing storage, the
writer with a batched posting pool, segment-writing worker processes, and the
search loop that scores each match once. lbsearch.json records the Whoosh and
Python versions because Whoosh pickles the schema into the index.
"""

from __future__ import annotations

import heapq
import marshal
import mmap
import os
import re
import shutil
import sys
from pathlib import Path

import whoosh
import whoosh.index
from whoosh import query as wq
from whoosh.analysis import SpaceSeparatedTokenizer
from whoosh.fields import ID, KEYWORD, NUMERIC, STORED, TEXT, FieldType, Schema
from whoosh.filedb.filestore import FileStorage
from whoosh.filedb.structfile import StructFile
from whoosh.formats import Existence
from whoosh.writing import MERGE_SMALL, OPTIMIZE, PostingPool, SegmentWriter

from ..durable import sync_folder
from ..plan import Boost, Clause, Condition, Need, ScorePart, SearchPlan
from .common import Match, PreparedArticle, Ranked

NAME = "whoosh"
WRITER_MEMORY_MB = 128  # Whoosh's posting buffer, per writing process
_TOC_RE = re.compile(r"^_MAIN_(\d+)\.toc$")


def versions() -> dict:
    return {"whoosh": ".".join(map(str, whoosh.__version__)),
            "python": f"{sys.version_info.major}.{sys.version_info.minor}"}


# --- files ------------------------------------------------------------------------------


class DurableFileStorage(FileStorage):
    """Whoosh's file storage, plus the fsyncs Whoosh leaves out.

    Every file is synced when closed, so the segments a commit references are on
    disk before its TOC is written; the TOC is synced before the rename that
    publishes it, and the folder after, so an OS crash leaves either the old
    commit or the new one, never a TOC that points at missing data.

    Segment files are memory-mapped here, not by Whoosh: over its own map,
    Whoosh copies each part of a segment into memory (BytesIO) whenever a search
    opens it, which at 100,000 articles cost 0.7 s and over 1 GB per search. Read
    as a plain file instead, the map is read in place, and it stays readable when
    a commit deletes the segment during a search.
    """

    def __init__(self, path):
        super().__init__(path, supports_mmap=False)

    def open_file(self, name, **kwargs):
        if not name.endswith(".seg"):
            return super().open_file(name, **kwargs)
        with open(os.path.join(self.folder, name), "rb") as handle:
            mapped = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
        return StructFile(mapped, name=name, **kwargs)

    def create_file(self, name, excl=False, mode="wb", **kwargs):
        then = kwargs.pop("onclose", None)

        def sync_on_close(structfile):
            if then:
                then(structfile)
            structfile.file.flush()
            os.fsync(structfile.file.fileno())

        return super().create_file(name, excl=excl, mode=mode, onclose=sync_on_close, **kwargs)

    def rename_file(self, oldname, newname, safe=False):
        super().rename_file(oldname, newname, safe=safe)
        sync_folder(self.folder)


def exists(index_dir: Path) -> bool:
    # By name, not by reading: another program's garbage TOC is an index that open
    # refuses with one line, not a traceback here.
    return index_dir.is_dir() and generation(index_dir) >= 0


def generation(index_dir: Path) -> int:
    names = [m[1] for m in (_TOC_RE.match(p.name) for p in index_dir.iterdir()) if m]
    return max(map(int, names), default=-1)


def commit_files(index_dir: Path) -> list[Path]:
    """The files the latest commit is made of: its TOC and its segments."""
    toc = f"_MAIN_{generation(index_dir)}.toc"
    return [
        path for path in sorted(index_dir.iterdir())
        if (path.name == toc or (path.name.startswith("MAIN_") and path.name != "MAIN_WRITELOCK"))
        and path.is_file()
    ]


def make_schema() -> Schema:
    terms = SpaceSeparatedTokenizer()  # analysis.article_terms did the analysis
    return Schema(
        key=ID(unique=True, stored=True, sortable=True),  # updater.PreparedArticle.key
        source=ID(sortable=True),  # the corpus file: what an update deletes by
        fingerprint=ID(sortable=True),
        bands=KEYWORD(scorable=False),  # copies.band_terms
        id=ID(stored=True),
        record=STORED,
        lengths=STORED,  # exact token count of each scored field: see _SegmentWriter.add_reader
        text=TEXT(analyzer=terms),
        title=TEXT(analyzer=terms),
        lead=TEXT(analyzer=terms, phrase=False),
        pairs=TEXT(analyzer=terms, phrase=False),
        # scorable only so that it has a length column: Whoosh checks the disk for a
        # missing one at every posting it writes.
        exact=FieldType(Existence(), terms, scorable=True),
        title_exact=FieldType(Existence(), terms, scorable=True),
        title_length=ID(),
        phrases=KEYWORD(scorable=False),  # analysis.PHRASES
        date_num=NUMERIC(int, bits=32, signed=False, sortable=True),  # 20220520; 0 = unknown
        districts=KEYWORD(commas=True, scorable=False),  # folded keys: "long-bien"
        collection=ID(),  # the collection's folder
    )


# --- writing ----------------------------------------------------------------------------


class BatchedPostingPool(PostingPool):
    """Whoosh's posting pool, writing its sorted runs to disk in batches.

    Whoosh pickles and unpickles each posting on its own, which took a quarter of
    the time of a 2,000-article build; marshal reads and writes a batch at C speed.
    """

    BATCH = 8192

    def _write_run(self, f, items):
        batch = []
        for item in items:
            batch.append(item)
            if len(batch) == self.BATCH:
                marshal.dump(batch, f)
                batch = []
        if batch:
            marshal.dump(batch, f)
        f.close()

    def _read_run(self, path):
        f = self._open_run(path)
        try:
            while True:
                try:
                    batch = marshal.load(f)
                except EOFError:
                    return
                yield from batch
        finally:
            f.close()
            self._remove_run(path)


class _SegmentWriter(SegmentWriter):
    """Whoosh's segment writer (lbsearch holds the write lock itself) with two costs
    of large builds removed: the batched posting pool, and document lengths read
    once per field instead of once per posting when the postings are written."""

    def __init__(self, ix, **kwargs):
        super().__init__(ix, _lk=False, limitmb=WRITER_MEMORY_MB, **kwargs)
        self.pool = BatchedPostingPool(self._tempstorage, self.newsegment, limitmb=WRITER_MEMORY_MB)

    def add_reader(self, reader):
        """Copy a segment into this one, keeping the exact field lengths.

        Whoosh stores a document's field length as one byte (a rounded value) and,
        when it copies a segment at a merge, adds the rounded lengths to the
        field's total: after every update the average length used by BM25 grew,
        and every score drifted from a fresh build's (by about 0.5 % at 4,000
        articles). The segment's own total is exact; less the exact lengths of
        its deleted documents (stored with each document) it is the exact total
        of what was copied.
        """
        totals = self.perdocwriter._fieldlengths
        before = dict(totals)
        super().add_reader(reader)
        deleted = [reader.stored_fields(n).get("lengths") or {}
                   for n in range(reader.doc_count_all()) if reader.is_deleted(n)] if reader.has_deletions() else []
        for name in _SCORED_FIELDS:
            copied = reader.field_length(name) - sum(lengths.get(name, 0) for lengths in deleted)
            totals[name] = before.get(name, 0) + copied

    def _flush_segment(self):
        self.perdocwriter.close()
        lengths = _FieldLengths(self.per_document_reader())
        self.fieldwriter.add_postings(self.schema, lengths, self.pool.iter_postings())
        self.fieldwriter.close()
        lengths.close()


class _FieldLengths:
    """The document lengths of a new segment, one list per field, for writing its postings."""

    def __init__(self, per_document_reader):
        self._reader = per_document_reader
        self._by_field: dict[str, list[int]] = {}

    def doc_field_length(self, docnum: int, fieldname: str, default: int = 0) -> int:
        lengths = self._by_field.get(fieldname)
        if lengths is None:
            read = self._reader.doc_field_length
            lengths = [read(n, fieldname, default) for n in range(self._reader.doc_count_all())]
            self._by_field[fieldname] = lengths
        return lengths[docnum]

    def close(self) -> None:
        self._reader.close()


_SCORED_FIELDS = ("text", "title", "lead", "pairs", "exact", "title_exact")


def _fields(prepared: PreparedArticle) -> dict:
    return {
        "key": prepared.key,
        "source": prepared.source,
        "fingerprint": prepared.fingerprint,
        "bands": " ".join(prepared.band_terms),
        "id": prepared.record["id"],
        "record": prepared.record,
        "lengths": {name: len(prepared.terms[name].split()) for name in _SCORED_FIELDS},
        **prepared.terms,
        "date_num": prepared.date_num,
        "districts": ",".join(prepared.district_keys),
        "collection": prepared.collection,
    }


def _open(index_dir: Path):
    return DurableFileStorage(str(index_dir)).open_index()


def open_writer(index_dir: Path, mode: str) -> "Writer":
    if mode == "create":
        ix = DurableFileStorage(str(index_dir)).create().create_index(make_schema())
    else:
        ix = _open(index_dir)
    return Writer(index_dir, ix, replace=mode == "create")


class Writer:
    """Adds, deletes and commits; replace (a new index) keeps no old segment at the commit.

    Whoosh spends its time adding documents, not reading files: with several
    processes, each writes a segment of its own (write_segment), which the
    commit adds (add_segments)."""

    parallel_segments = True

    def __init__(self, index_dir: Path, ix, replace: bool):
        self.index_dir = index_dir
        self.ix = ix
        self.replace = replace
        try:
            self.writer = _SegmentWriter(ix)
        except BaseException:
            _remove_uncommitted(index_dir)  # what creating the writer wrote before it failed
            raise
        self.segments = []  # finished by worker processes, added at the commit
        self.deleted = False

    def fingerprints(self) -> dict[str, str]:
        """source -> fingerprint of every live document, read from columns (no stored fields)."""
        with self.ix.reader() as reader:
            keys = reader.column_reader("source", translate=False)
            prints = reader.column_reader("fingerprint", translate=False)
            if not reader.has_deletions():  # reading the columns in order is twice as fast
                return {_text(key): _text(value) for key, value in zip(keys, prints)}
            return {_text(keys[n]): _text(prints[n]) for n in reader.all_doc_ids()}

    def delete(self, source: str) -> None:
        """Delete every article of one corpus file."""
        self.writer.delete_by_term("source", source)
        self.deleted = True

    def add(self, article: PreparedArticle) -> None:
        self.writer.add_document(**_fields(article))

    def add_segments(self, segments: list) -> None:
        self.segments += [segment for segment in segments if segment is not None]

    def stale_sources(self) -> set[str]:
        return set()  # a commit after deletions rewrites every segment (commit())

    def commit(self) -> None:
        new = list(self.segments)
        if self.replace:
            self.writer.commit(mergetype=lambda writer, old: new)  # the old index goes
            return
        # Whoosh keeps a deleted document in the term statistics of its segment until
        # the segment is rewritten: merge everything after deletions so that scores
        # (and so the ranking) equal those of a fresh build.
        policy = OPTIMIZE if self.deleted else MERGE_SMALL
        self.writer.commit(mergetype=lambda writer, old: policy(writer, old + new))

    def cancel(self) -> None:
        """Drop the work: the temporary folder and the segment files no commit references,
        which on a full disk hold the space the next run needs."""
        try:
            self.writer.cancel()
        except Exception:
            pass
        _remove_uncommitted(self.index_dir)


def _remove_uncommitted(index_dir: Path) -> None:
    """Remove the temporary folder and the segment files no commit references."""
    try:
        storage = DurableFileStorage(str(index_dir))
        toc = whoosh.index.TOC.read(storage, "MAIN")
        whoosh.index.clean_files(storage, "MAIN", toc.generation, toc.segments)
    except Exception:
        pass  # the next commit cleans what is left
    shutil.rmtree(index_dir / "MAIN.tmp", ignore_errors=True)


def write_segment(index_dir: Path, articles) -> object | None:
    """In a worker process: index articles into a new segment; the segment, or None
    when there was none.

    The segment is finished but not committed, and the shared temporary folder is
    left for the parent's writer to remove (Whoosh's MpWriter does the same).
    """
    writer = _SegmentWriter(_open(index_dir))
    added = False
    for article in articles:
        writer.add_document(**_fields(article))
        added = True
    if not added:
        writer._close_segment()
        return None
    return writer._finalize_segment()


def _text(value) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else value


# --- searching --------------------------------------------------------------------------


def open_reader(index_dir: Path) -> "Reader":
    return Reader(_open(index_dir))


def _clause_query(clause: Clause, fields: tuple[tuple[str, float], ...]) -> wq.Query:
    """The clause in the first field, scored there and in each other where it is too."""
    def one(field: str, weight: float) -> wq.Query:
        if len(clause.syllables) == 1:
            return wq.Term(field, clause.syllables[0], boost=weight)
        return wq.Phrase(field, list(clause.syllables), boost=weight)

    (first, weight), *others = fields
    if not others:
        return one(first, weight)
    return wq.AndMaybe(one(first, weight), wq.Or([one(*f) for f in others]))


def _clause_filter(plan: SearchPlan, clause: Clause) -> wq.Query:
    """Where the clause matches, unscored: the plan's lookup term when it has one, else
    its first field's query."""
    lookup = plan.lookup(clause)
    return wq.Term(*lookup) if lookup else _clause_query(clause, plan.fields[:1])


def _matching(plan: SearchPlan, scored: bool = True) -> wq.Query:
    """The plan's query, scored by BM25 in its fields; every article without a query.
    Unscored (the articles it selects), each clause is _clause_filter."""
    parsed = plan.query
    if parsed is None:
        return wq.Every()
    positive = wq.And([wq.Or([_clause_query(c, plan.fields) if scored else _clause_filter(plan, c) for c in group])
                       for group in parsed.groups])
    if parsed.excluded:
        # Not AndNot: Whoosh 2.7.4's returned an article its excluded query matches
        # ("cang NOT hoi" on the seeds found one that has "hội").
        return wq.And([positive, wq.Not(wq.Or([_clause_filter(plan, c) for c in parsed.excluded]))])
    return positive


def _scored(plan: SearchPlan, boosts: tuple[Boost, ...]) -> wq.Query:
    """The plan's query scored by BM25 of its matching clauses plus these boosts."""
    queries = [_boost_query(b) for b in boosts]
    return wq.AndMaybe(_matching(plan), wq.Or(queries)) if queries else _matching(plan)


def _boost_query(boost: Boost) -> wq.Query:
    if len(boost.terms) == 1:
        return wq.Term(boost.field, boost.terms[0], boost=boost.weight)
    return wq.And([wq.Term(boost.field, t) for t in boost.terms], boost=boost.weight)


def _need(need: Need) -> wq.Query:
    if need.kind == "phrase" and len(need.terms) > 1:
        return wq.Phrase(need.field, list(need.terms))
    return wq.And([wq.Term(need.field, t) for t in need.terms])


def _condition(condition: Condition) -> wq.Query:
    return wq.And([wq.Or([wq.And([_need(n) for n in needs]) for needs in group]) for group in condition])


def _filter_queries(plan: SearchPlan) -> list[wq.Query]:
    """The plan's district and date filters as queries an article must match."""
    filters = plan.filters
    queries = []
    if filters.district_keys:
        queries.append(wq.Or([wq.Term("districts", k) for k in filters.district_keys]))
    if filters.date_range == (0, 0):
        # NumericRange(0, 0) reads 0 as "open" and matches everything: a Term finds the undated.
        queries.append(wq.Term("date_num", 0))
    elif filters.date_range:
        queries.append(wq.NumericRange("date_num", *filters.date_range))
    return queries


def _hidden(searcher, plan: SearchPlan) -> set[int]:
    """The documents of the copies the plan leaves out."""
    if not plan.filters.hidden_ids:
        return set()
    return _docs(searcher, wq.Or([wq.Term("id", i) for i in plan.filters.hidden_ids]))


class Reader:
    def __init__(self, ix):
        self.ix = ix

    def _selected(self, searcher, plan: SearchPlan) -> set[int]:
        """The documents the plan's query and filters select."""
        selected = _docs(searcher, _matching(plan, scored=False)) - _hidden(searcher, plan)
        for query in _filter_queries(plan):
            selected &= _docs(searcher, query)
        return selected

    def search(self, plan: SearchPlan) -> Ranked:
        """Score every match once, then order only what can reach the page.

        Whoosh's sorting collector built a full sort key (tier, score, corpus path
        read from a column) for every match, which took most of a common word's
        search; here a match costs its score and a set lookup, and keys are read
        only for the articles that tie for the last places of the page. By
        relevance the boosts are scored for the first phase's window alone.
        """
        by_relevance = plan.sort == "relevance"
        query = _scored(plan, plan.boosts_of(1) if by_relevance else plan.boosts)
        with self.ix.searcher() as searcher:
            allowed = self._selected(searcher, plan)
            context = searcher.context()
            matches: list[tuple[float, int]] = []
            for leaf, offset in searcher.leaf_searchers():
                # Every match in turn, never Whoosh's block-quality skipping (its top-N
                # collector's), which can loop forever in UnionMatcher/AndMaybeMatcher
                # in 2.7.4 (whoosh issues 446 and 461).
                matcher = query.matcher(leaf, context)
                while matcher.is_active():
                    docnum = offset + matcher.id()
                    if docnum in allowed:
                        matches.append((_rounded(matcher.score()), docnum))
                    matcher.next()
            tier_of, order = self._order(searcher, plan)
            if not by_relevance:
                page, ranks = self._best(searcher, matches, plan.limit, order), {}
            else:
                window = self._window(searcher, plan, matches, tier_of, order)
                ranks = {docnum: rank for rank, (_, docnum) in enumerate(window, 1)}
                page = self._best(searcher, self._rescored(searcher, plan, window), plan.limit, order)
            return Ranked(
                total=len(matches),
                page=[Match(score, searcher.stored_fields(docnum)["record"], docnum, ranks.get(docnum))
                      for score, docnum in page],
            )

    @staticmethod
    def _window(searcher, plan: SearchPlan, matches, tier_of, order) -> list[tuple[float, int]]:
        """The first phase's window (plan.py): of each tier the page reaches, its best
        plan.rescored matches, in the order."""
        tiers: dict[int, list[tuple[float, int]]] = {}
        for match in matches:
            tiers.setdefault(tier_of(match[1]), []).append(match)
        window: list[tuple[float, int]] = []
        for tier in sorted(tiers):
            window += Reader._best(searcher, tiers[tier], plan.rescored, order)
            if len(window) >= plan.limit:
                break
        return window

    @staticmethod
    def _rescored(searcher, plan: SearchPlan, window: list[tuple[float, int]]) -> list[tuple[float, int]]:
        """The window's matches with the second phase's boosts added to their scores."""
        if not plan.boosts_of(2) or not window:
            return window
        query = wq.Or([_boost_query(b) for b in plan.boosts_of(2)])
        wanted = sorted(docnum for _, docnum in window)
        added = {}
        context = searcher.context()
        for leaf, offset in searcher.leaf_searchers():
            matcher = query.matcher(leaf, context)
            for docnum in wanted:
                inner = docnum - offset
                if not 0 <= inner < leaf.doc_count_all() or not matcher.is_active():
                    continue
                if matcher.id() < inner:
                    matcher.skip_to(inner)
                if matcher.is_active() and matcher.id() == inner:
                    added[docnum] = matcher.score()
        return [(_rounded(score + added.get(docnum, 0.0)), docnum) for score, docnum in window]

    @staticmethod
    def _order(searcher, plan: SearchPlan):
        """tier_of(docnum) -> its tier's number; order(match, key) -> the plan's order_key
        of a (score, docnum) match."""
        reader = searcher.reader()
        date_of = reader.column_reader("date_num")
        tiers = [_docs(searcher, _condition(t.condition)) for t in plan.tiers] if plan.sort == "relevance" else []

        def tier_of(docnum: int) -> int:
            # How many of the (nested) tiers leave it out.
            return sum(docnum not in members for members in tiers)

        def order(match, key=""):
            return plan.order_key(tier_of(match[1]), match[0], date_of[match[1]], key)

        return tier_of, order

    @staticmethod
    def _best(searcher, matches, limit: int, order) -> list[tuple[float, int]]:
        """The best limit matches in the order, ties at the last place broken by key."""
        best = heapq.nsmallest(limit, matches, key=order)
        if not best:
            return []
        last = order(best[-1])[:-1]
        contenders = best if len(best) < limit else [m for m in matches if order(m)[:-1] <= last]
        key_of = searcher.reader().column_reader("key")
        contenders.sort(key=lambda match: order(match, key_of[match[1]]))
        return contenders[:limit]

    def count(self, plan: SearchPlan) -> int:
        with self.ix.searcher() as searcher:
            return len(self._selected(searcher, plan))

    def explain(self, plan: SearchPlan, match: Match) -> tuple[str | None, dict[str, float]]:
        with self.ix.searcher() as searcher:

            def matcher_at(query: wq.Query):
                matcher = query.matcher(searcher)
                if matcher.is_active():
                    matcher.skip_to(match.ref)
                return matcher if matcher.is_active() and matcher.id() == match.ref else None

            scores = {}
            for part in plan.score_parts():
                matcher = matcher_at(self._part(plan, part))
                scores[part.name] = round(matcher.score(), 4) if matcher else 0.0
            tier = next((t.name for t in plan.tiers if matcher_at(_condition(t.condition))), None)
        return tier, scores

    @staticmethod
    def _part(plan: SearchPlan, part: ScorePart) -> wq.Query:
        if not part.boosts:
            return _matching(plan)
        queries = [_boost_query(b) for b in part.boosts]
        return queries[0] if len(queries) == 1 else wq.Or(queries)

    def article(self, article_id: str) -> dict | None:
        with self.ix.searcher() as searcher:
            stored = searcher.document(id=article_id)
        return stored["record"] if stored else None

    def stats(self, plan: SearchPlan) -> tuple[int, dict[int, int], dict[str, int], dict[str, int]]:
        with self.ix.searcher() as searcher:
            reader = searcher.reader()
            selected = self._selected(searcher, plan)
            date_of = reader.column_reader("date_num")
            per_day: dict[int, int] = {}
            for docnum in selected:
                day = date_of[docnum]
                per_day[day] = per_day.get(day, 0) + 1
            per_district, per_collection = ({
                _text(key): sum(1 for docnum in reader.postings(field, key).all_ids() if docnum in selected)
                for key in reader.lexicon(field)
            } for field in ("districts", "collection"))
        return len(selected), per_day, per_district, per_collection

    def doc_frequency(self, field: str, term: str) -> int:
        with self.ix.reader() as reader:
            return reader.doc_frequency(field, term)

    def matching_ids(self, plan: SearchPlan, ids: list[str]) -> set[str]:
        with self.ix.searcher() as searcher:
            selected = _docs(searcher, wq.Or([wq.Term("id", i) for i in ids])) & self._selected(searcher, plan)
            return {searcher.stored_fields(n)["id"] for n in selected}

    def copy_candidates(self, terms: list[str], limit: int = 100) -> list[dict]:
        with self.ix.searcher() as searcher:
            query = wq.Or([wq.Term("bands", t) for t in terms])
            return [searcher.stored_fields(n)["record"] for n in list(query.docs(searcher))[:limit]]

    def records_of(self, sources: list[str]) -> list[dict]:
        with self.ix.searcher() as searcher:
            query = wq.Or([wq.Term("source", source) for source in sources])
            return [searcher.stored_fields(n)["record"] for n in sorted(_docs(searcher, query))]

    def records(self):
        with self.ix.reader() as reader:
            for fields in reader.all_stored_fields():
                yield fields["record"]

    def terms_with_prefix(self, field: str, prefix: str) -> list[tuple[str, int]]:
        with self.ix.reader() as reader:
            return [(_text(term), info.doc_frequency()) for term, info in reader.iter_prefix(field, prefix)]


def _rounded(score: float) -> float:
    # Equal articles in different segments can score a few units in the last place
    # apart, and must still tie.
    return round(score, 9)


def _docs(searcher, query: wq.Query) -> set[int]:
    return set(query.docs(searcher))
