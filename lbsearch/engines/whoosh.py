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

from ..index import sync_folder
from ..plan import TITLE_BOOST, Boost, Clause, Condition, Need, ParsedQuery, SearchPlan
from .results import Match, Ranked, stats_from_counts

NAME = "whoosh"
WRITER_MEMORY_MB = 128  # Whoosh's posting buffer, per writing process
_NO_DATE_LAST = 99_999_999
_TOC_RE = re.compile(r"^_MAIN_(\d+)\.toc$")
# Every search passes optimize=False: Whoosh 2.7.4's block-quality skipping can loop
# forever in UnionMatcher/AndMaybeMatcher (whoosh issues 446 and 461).


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
    return index_dir.is_dir() and whoosh.index.exists_in(str(index_dir))


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
        copies=KEYWORD(scorable=False),  # copies.band_terms
        id=ID(stored=True),
        record=STORED,
        lengths=STORED,  # exact token count of each scored field: see _SegmentWriter.add_reader
        title=TEXT(analyzer=terms),
        body=TEXT(analyzer=terms),
        lead=TEXT(analyzer=terms, phrase=False),
        pairs=TEXT(analyzer=terms, phrase=False),
        # scorable only so that it has a length column: Whoosh checks the disk for a
        # missing one at every posting it writes.
        exact=FieldType(Existence(), terms, scorable=True),
        title_exact=FieldType(Existence(), terms, scorable=True),
        title_length=ID(),
        date_num=NUMERIC(int, bits=32, signed=False, sortable=True),  # 20220520; 0 = unknown
        districts=KEYWORD(commas=True, scorable=False),  # folded keys: "long-bien"
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


_SCORED_FIELDS = ("title", "body", "lead", "pairs", "exact", "title_exact")


def _fields(prepared) -> dict:
    return {
        "key": prepared.key,
        "source": prepared.source,
        "fingerprint": prepared.fingerprint,
        "copies": " ".join(prepared.copy_terms),
        "id": prepared.record["id"],
        "record": prepared.record,
        "lengths": {name: len(prepared.terms[name].split()) for name in _SCORED_FIELDS},
        **prepared.terms,
        "date_num": prepared.date_num,
        "districts": ",".join(prepared.district_keys),
    }


def _open(index_dir: Path):
    return DurableFileStorage(str(index_dir)).open_index()


def open_writer(index_dir: Path, mode: str) -> "Writer":
    if mode == "create":
        ix = DurableFileStorage(str(index_dir)).create().create_index(make_schema())
    else:
        ix = _open(index_dir)
    return Writer(index_dir, ix, replace=mode != "update")


class Writer:
    """Adds, deletes and commits; replace drops every old segment at the commit."""

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

    def add_files(self, items, reader, jobs: int, progress):
        from ..updater import read_in_order, split_by_size, worker_pool

        if jobs <= 1:
            outcomes = []
            for outcome, articles in read_in_order(items, reader, progress):
                for prepared in articles:
                    self.writer.add_document(**_fields(prepared))
                outcomes.append(outcome)
            return outcomes
        # Whoosh spends its time adding documents, not reading files: each worker
        # writes a segment of its own, which the commit adds.
        chunks = split_by_size(items, jobs)
        with worker_pool(jobs) as pool:
            results = pool.starmap(_segment_worker, [(self.index_dir, reader, chunk) for chunk in chunks])
        progress(len(items))
        self.segments = [segment for _, segment in results if segment is not None]
        return [outcome for outcomes, _ in results for outcome in outcomes]

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


def _segment_worker(index_dir: Path, reader, items):
    """In a worker process: index items into a new segment; (outcomes, segment or None).

    The segment is finished but not committed, and the shared temporary folder is
    left for the parent's writer to remove (Whoosh's MpWriter does the same).
    """
    from ..updater import read_in_order

    writer = _SegmentWriter(_open(index_dir))
    outcomes = []
    for outcome, articles in read_in_order(items, reader, lambda done: None):
        for prepared in articles:
            writer.add_document(**_fields(prepared))
        outcomes.append(outcome)
    if not any(outcome.data_hash for outcome in outcomes):
        writer._close_segment()
        return outcomes, None
    return outcomes, writer._finalize_segment()


def _text(value) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else value


# --- searching --------------------------------------------------------------------------


def open_reader(index_dir: Path) -> "Reader":
    return Reader(_open(index_dir))


def _clause_query(clause: Clause) -> wq.Query:
    if len(clause.syllables) == 1:
        term = clause.syllables[0]
        return wq.Or([wq.Term("title", term, boost=TITLE_BOOST), wq.Term("body", term)])
    return wq.Or([
        wq.Phrase("title", list(clause.syllables), boost=TITLE_BOOST),
        wq.Phrase("body", list(clause.syllables)),
    ])


def _matching(parsed: ParsedQuery) -> wq.Query:
    positive = wq.And([wq.Or([_clause_query(c) for c in group]) for group in parsed.groups])
    if parsed.excluded:
        return wq.AndNot(positive, wq.Or([_clause_query(c) for c in parsed.excluded]))
    return positive


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


def _filters(plan: SearchPlan) -> tuple[wq.Query | None, wq.Query | None]:
    districts = wq.Or([wq.Term("districts", k) for k in plan.district_keys]) if plan.district_keys else None
    dated = None
    if plan.date_range:
        dated = wq.NumericRange("date_num", *plan.date_range)
    return districts, dated


def _hidden(searcher, plan: SearchPlan) -> set[int]:
    """The documents of the copies the plan leaves out."""
    if not plan.hidden_ids:
        return set()
    return _docs(searcher, wq.Or([wq.Term("id", i) for i in plan.hidden_ids]))


class Reader:
    copy_groups: list = []  # index.open_index sets the groups of copies of this commit

    def __init__(self, ix):
        self.ix = ix

    def search(self, plan: SearchPlan) -> Ranked:
        """Score every match once, then order only what can reach the page.

        Whoosh's sorting collector built a full sort key (accent tier, score, corpus
        path read from a column) for every match, which took most of a common
        word's search; here a match costs its score and two set lookups, and paths
        are read only for the articles that tie for the last places of the page.
        """
        parsed = plan.query
        boosts = [_boost_query(b) for b in parsed.boosts()]
        query = _matching(parsed)
        if boosts:
            query = wq.AndMaybe(query, wq.Or(boosts))
        with self.ix.searcher() as searcher:
            district_filter, date_filter = _filters(plan)
            districts = _docs(searcher, district_filter)
            dated = _docs(searcher, date_filter)
            hidden = _hidden(searcher, plan)
            # NumericRange(0, 0) reads 0 as "open" and matches everything: a Term finds the undated.
            undated = _docs(searcher, wq.Term("date_num", 0)) if dated is not None else set()
            context = searcher.context()
            matches: list[tuple[float, int]] = []
            undated_count = 0
            for leaf, offset in searcher.leaf_searchers():
                matcher = query.matcher(leaf, context)
                while matcher.is_active():
                    docnum = offset + matcher.id()
                    if docnum in hidden:
                        pass  # a copy of a story another article stands for
                    elif districts is None or docnum in districts:
                        if dated is None or docnum in dated:
                            # Rounded: equal articles in different segments can score a few
                            # units in the last place apart, and must still tie.
                            matches.append((round(matcher.score(), 9), docnum))
                        elif docnum in undated:
                            undated_count += 1
                    matcher.next()
            page = self._page(searcher, matches, plan)
            return Ranked(
                total=len(matches),
                page=[Match(score, searcher.stored_fields(docnum)["record"], docnum) for score, docnum in page],
                undated=undated_count,
            )

    def _page(self, searcher, matches, plan: SearchPlan) -> list[tuple[float, int]]:
        """The best plan.limit matches: by accent tier (relevance) or date, then score,
        then corpus path, so that the order never depends on the index's layout."""
        if plan.sort == "relevance":
            # The tier of a match: how many of the (nested) tiers leave it out.
            tiers = [_docs(searcher, _condition(t.condition)) for t in plan.query.tiers()]

            def order(match):  # lower first
                return (sum(match[1] not in tier for tier in tiers), -match[0])
        else:
            date_of = searcher.reader().column_reader("date_num")
            newest = plan.sort == "newest"

            def order(match):  # unknown dates last either way
                day = date_of[match[1]]
                return (-day if newest else day or _NO_DATE_LAST, -match[0])

        best = heapq.nsmallest(plan.limit, matches, key=order)
        if not best:
            return []
        last = order(best[-1])
        contenders = best if len(best) < plan.limit else [m for m in matches if order(m) <= last]
        path_of = searcher.reader().column_reader("key")
        contenders.sort(key=lambda match: (order(match), path_of[match[1]]))
        return contenders[:plan.limit]

    def explain(self, plan: SearchPlan, match: Match) -> tuple[str | None, dict[str, float]]:
        """The first ranking tier one article is in (None: none), and how much each
        part of the query adds to its score."""
        parts: dict[str, list[wq.Query]] = {"match": [_matching(plan.query)]}
        parts.update({kind: [_boost_query(b) for b in boosts] for kind, boosts in plan.query.boosts_by_kind().items()})
        with self.ix.searcher() as searcher:

            def matcher_at(query: wq.Query):
                matcher = query.matcher(searcher)
                if matcher.is_active():
                    matcher.skip_to(match.ref)
                return matcher if matcher.is_active() and matcher.id() == match.ref else None

            scores = {}
            for name, queries in parts.items():
                matcher = matcher_at(queries[0] if len(queries) == 1 else wq.Or(queries))
                scores[name] = round(matcher.score(), 4) if matcher else 0.0
            tier = next((t.name for t in plan.query.tiers() if matcher_at(_condition(t.condition))), None)
        return tier, scores

    def count(self, parsed: ParsedQuery) -> int:
        with self.ix.searcher() as searcher:
            return len(searcher.search(_matching(parsed), limit=1, optimize=False))

    def article(self, article_id: str) -> dict | None:
        with self.ix.searcher() as searcher:
            stored = searcher.document(id=article_id)
        return stored["record"] if stored else None

    def stats(self, plan: SearchPlan | None = None) -> tuple[dict, int]:
        """Counts of the articles the plan selects (every article without one), and how
        many matches its date filter left out for having no date."""
        with self.ix.searcher() as searcher:
            reader = searcher.reader()
            selected = set(reader.all_doc_ids())
            undated = 0
            if plan is not None:
                selected -= _hidden(searcher, plan)
                if plan.query:
                    selected &= _docs(searcher, _matching(plan.query))
                district_filter, date_filter = _filters(plan)
                if district_filter is not None:
                    selected &= _docs(searcher, district_filter)
                if date_filter is not None:
                    # NumericRange(0, 0) reads 0 as "open": a Term finds the undated.
                    undated = len(selected & _docs(searcher, wq.Term("date_num", 0)))
                    selected &= _docs(searcher, date_filter)
            date_of = reader.column_reader("date_num")
            per_day: dict[int, int] = {}
            for docnum in selected:
                day = date_of[docnum]
                per_day[day] = per_day.get(day, 0) + 1
            per_district = {}
            for key in reader.lexicon("districts"):
                key = _text(key)
                postings = reader.postings("districts", key)
                per_district[key] = sum(1 for docnum in postings.all_ids() if docnum in selected)
        return stats_from_counts(len(selected), per_day, per_district), undated

    def doc_frequency(self, field: str, term: str) -> int:
        with self.ix.reader() as reader:
            return reader.doc_frequency(field, term)

    def matching_ids(self, plan: SearchPlan, ids: list[str]) -> set[str]:
        """Those of ids whose articles the plan's query and filters select."""
        with self.ix.searcher() as searcher:
            selected = _docs(searcher, wq.Or([wq.Term("id", i) for i in ids]))
            if plan.query:
                selected &= _docs(searcher, _matching(plan.query))
            for query in _filters(plan):
                if query is not None:
                    selected &= _docs(searcher, query)
            return {searcher.stored_fields(n)["id"] for n in selected}

    def copy_candidates(self, terms: list[str], limit: int = 100) -> list[dict]:
        """The records of the articles that have any of these copies terms."""
        with self.ix.searcher() as searcher:
            query = wq.Or([wq.Term("copies", t) for t in terms])
            return [searcher.stored_fields(n)["record"] for n in list(query.docs(searcher))[:limit]]

    def records_of(self, source: str) -> list[dict]:
        """The records of the articles of one corpus file."""
        with self.ix.searcher() as searcher:
            return [searcher.stored_fields(n)["record"] for n in _docs(searcher, wq.Term("source", source))]

    def records(self):
        """Every article's record."""
        with self.ix.reader() as reader:
            for fields in reader.all_stored_fields():
                yield fields["record"]

    def terms_with_prefix(self, field: str, prefix: str) -> list[tuple[str, int]]:
        with self.ix.reader() as reader:
            return [(_text(term), info.doc_frequency()) for term, info in reader.iter_prefix(field, prefix)]


def _docs(searcher, query: wq.Query | None) -> set[int] | None:
    return None if query is None else set(query.docs(searcher))
