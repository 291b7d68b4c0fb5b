"""From the corpus to the index: bring an index up to date with its corpus.

Finds the files whose size, time or content changed (fingerprints.py), has them
read (reading.py, in worker processes when there are many), has the engine
delete and add, commits, and records the commit (lbsearch.json), the
fingerprints and the groups of copies (copies.py). A rebuild (asked for, another
engine, another version, a damaged index) is built in a folder beside the index
and swapped in whole (index.swap_in): a kill at any moment leaves the old index
or the new one. Never prints: it reports through callbacks and returns an
IndexReport.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import shutil
import time
from dataclasses import dataclass, field
from operator import attrgetter
from pathlib import Path
from typing import Callable

from . import copies, corpus, engines, fingerprints, index
from .engines import Engine, Writer
from .errors import CorpusError, IndexBusy, IndexDamaged, IndexProblem, IndexWriteFailed
from .fingerprints import Fingerprint
from .reading import FileReader, Outcome, prepare, read_in_order, read_in_processes, write_segments_in_processes

RACY_WINDOW_NS = 2_000_000_000
FILES_PER_PROCESS = 200  # fewer changed files than this per process are not worth a fork
_RELATIVE, _ARTICLE_ID = attrgetter("relative"), attrgetter("article_id")


@dataclass
class IndexReport:
    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    skipped: int = 0
    refreshed: int = 0  # touched but unchanged files whose fingerprint was renewed
    articles_read: int = 0  # articles in the files read (a file of records holds many)
    copies_found: int = 0  # articles that are copies of another one's story, in the whole index
    rebuilt: bool = False
    reason: str | None = None  # why a full rebuild happened
    engine: str = ""
    collections: list = field(default_factory=list)  # corpus.Collection: the folders the index holds

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed or self.refreshed or self.rebuilt)


def update_index(
    folders: Path | list[Path],
    index_dir: Path,
    *,
    forget: list[Path] = (),
    rebuild: bool = False,
    jobs: int | None = None,
    engine: str | None = None,
    on_warning: Callable[[str], None] = lambda message: None,
    on_progress: Callable[[int, int], None] = lambda done, total: None,
) -> IndexReport:
    """Bring the index at index_dir up to date with its folders; return what changed.

    folders are added to those the index already holds (its collections), forget
    removes some, and every folder it then holds is read: a folder that is gone
    keeps its articles (with a warning) until it is forgotten. Only files whose
    size, modification time or content changed are read again; articles whose
    files are gone are removed. With rebuild, when another engine
    is asked for, or when the index is of another version or damaged, every file
    is read into a new index beside it, which then replaces it. engine picks the
    engine (else $LBSEARCH_ENGINE, else the recorded one, else the default). jobs
    processes read the changed files; by default one per core, when there are
    at least FILES_PER_PROCESS changed files for each.
    """
    report = IndexReport()
    asked = engines.requested(engine)
    folders = [folders] if isinstance(folders, Path) else list(folders)
    for folder in folders:
        if not folder.is_dir():
            raise CorpusError(f"corpus folder {folder} does not exist or is not a folder")
    if index_dir.exists() and not index_dir.is_dir():
        raise IndexProblem(f"{index_dir} exists and is not a folder")
    if index_dir.exists() and index.holds_other_files(index_dir):
        raise IndexProblem(f"{index_dir} is not empty and holds no lbsearch index: choose another --index folder")
    index_dir.mkdir(parents=True, exist_ok=True)
    real_dir = index_dir.resolve()  # a rebuild is swapped in beside the real folder
    lock = index.WriteLock(index_dir)
    try:
        if not lock.acquire(index.WRITE_LOCK_WAIT_SECONDS):
            raise IndexBusy(
                f"the index at {index_dir} is being written by another lbsearch; try again when it has finished"
            )
    except OSError as err:
        raise IndexWriteFailed(f"cannot lock the index at {index_dir}: {err.strerror or err}") from None
    beside = None
    try:
        index.clean_beside(real_dir)
        collections = _collections(index_dir, folders, forget)
        files, kept = _list(collections, on_warning)
        files = corpus.with_ids(files)
        report.collections = collections
        chosen = engines.load(asked or index.recorded_engine(index_dir) or engines.DEFAULT)
        report.engine = chosen.NAME
        writer = None
        try:
            report.rebuilt, report.reason = _why_rebuild(index_dir, chosen, rebuild)
            if report.rebuilt:
                beside = index.folder_beside(real_dir)
                writer, saved = chosen.open_writer(beside, "create"), None
            else:
                writer = _engine_call(index_dir, chosen.open_writer, index_dir, "update")
                saved = fingerprints.open_saved(index_dir, chosen.generation(index_dir))
            _Updater(collections, beside or index_dir, chosen, writer, saved, report, on_warning, jobs,
                     kept_prefixes=kept).run(files, on_progress)
            if beside is not None:
                index.swap_in(beside, real_dir)
        except BaseException:
            if writer is not None:
                writer.cancel()
            if beside is not None:
                shutil.rmtree(beside, ignore_errors=True)
            raise
    except OSError as err:
        # Raised below, outside this block: the failure's traceback would keep the
        # engine's half-written files open for as long as the error is kept.
        failure = f"cannot write the index at {index_dir}: {err.strerror or err}"
    else:
        return report
    finally:
        lock.release()
    raise IndexWriteFailed(f"{failure}; the previous index is unchanged and still searchable")


def _collections(index_dir: Path, folders: list[Path], forget: list[Path]) -> list[corpus.Collection]:
    """The collections the index will hold: the recorded ones less the forgotten, then
    the new folders."""
    recorded = index.recorded_collections(index_dir) if index.index_exists(index_dir) else []
    for folder in forget:
        real = str(folder.resolve())
        if not any(c.folder == real for c in recorded):
            held = ", ".join(c.folder for c in recorded) or "none"
            raise IndexProblem(f"{folder} is not a folder of the index at {index_dir} (its folders: {held})")
        recorded = [c for c in recorded if c.folder != real]
    collections = corpus.add_collections(recorded, folders)
    if not collections and not forget:
        raise IndexProblem("no folder to index: give one, as in `lbsearch index ~/articles`")
    return collections


def _list(collections: list[corpus.Collection], on_warning) -> tuple[list[corpus.CorpusFile], set[str]]:
    """Every file of the collections, and the prefixes of those whose folder is gone:
    their articles stay until the folder is forgotten."""
    files: list[corpus.CorpusFile] = []
    kept = set()
    listed = 0
    for collection in collections:
        if Path(collection.folder).is_dir():
            files += corpus.list_files(Path(collection.folder), on_warning, collection.prefix)
            listed += 1
        else:
            on_warning(f"{collection.folder}: folder is gone: its articles stay in the index "
                       f"until `lbsearch index --forget {collection.folder}`")
            kept.add(collection.prefix)
    if listed > 1:  # each listing is sorted already
        files.sort(key=_RELATIVE)
    return files, kept


def _why_rebuild(index_dir: Path, engine: Engine, rebuild: bool) -> tuple[bool, str | None]:
    """Whether the index must be built anew, and why: missing (no reason to tell), of
    another engine or version, damaged, or --rebuild."""
    if not index.index_exists(index_dir):
        return True, None
    try:
        meta = index.read_meta(index_dir)
        reason = index.incompatibility(meta)
        if reason is None and meta["engine"] != engine.NAME:
            reason = f"engine {engine.NAME} was asked for, the index used {meta['engine']}"
        if reason is None:
            index.verify(index_dir, engine, meta)
    except IndexDamaged as err:
        return True, f"the old index was damaged: {err.detail}"
    if reason is None and rebuild:
        reason = "--rebuild was asked for"
    return reason is not None, reason


def _engine_call(index_dir: Path, function, *args):
    """Run an engine call that reads existing index files; their damage is IndexDamaged."""
    try:
        return function(*args)
    except (OSError, IndexProblem):
        raise
    except Exception as err:
        raise IndexDamaged(index_dir, f"{type(err).__name__}: {err}") from None


def _unique_ids(files, report: IndexReport, on_warning) -> list[corpus.CorpusFile]:
    """The files, less those whose id an earlier file already has (a.md beside a.md.txt)."""
    if len(set(map(_ARTICLE_ID, files))) == len(files):  # nearly always: a set is built in C
        return list(files)
    first: dict[str, corpus.CorpusFile] = {}
    for item in files:
        article_id = item.article_id
        if article_id in first:
            on_warning(f"{item.path}: same id {article_id!r} as {first[article_id].path}: skipped")
            report.skipped += 1
        else:
            first[article_id] = item
    return list(first.values())


def _same_content(old: str, new: str) -> bool:
    """The same bytes under the same id: a file only touched."""
    before, after = Fingerprint.parse(old), Fingerprint.parse(new)
    return (before.data_hash, before.article_id) == (after.data_hash, after.article_id)


@dataclass
class _Updater:
    """Finds the corpus files that changed, has the engine index them, and commits,
    counting into the report."""

    collections: list[corpus.Collection]
    index_dir: Path  # where this run writes: the index, or the folder beside it for a rebuild
    engine: Engine
    writer: Writer
    saved: fingerprints.Saved | None  # the fingerprints saved with the index's commit, header read
    report: IndexReport
    on_warning: Callable[[str], None]
    jobs: int | None = None  # None: one per core, if the work is worth it
    kept_prefixes: set[str] = field(default_factory=set)  # collections whose folder is gone
    # Corpus file -> fingerprint of what the index holds, for the files this run checks
    # one by one (_changed): every file, or those of the store's pages that differ.
    known: dict[str, str] = field(default_factory=dict, init=False)
    comparison: fingerprints.Comparison | None = field(default=None, init=False)  # the listing against the store
    # Files modified this recently may change again within the clock's resolution
    # without their time or size changing: their fingerprint is not trusted next run.
    started_ns: int = field(default_factory=lambda: time.time_ns() - RACY_WINDOW_NS)

    def run(self, files: list[corpus.CorpusFile], on_progress: Callable[[int, int], None]) -> None:
        """Index every changed file, remove what is gone, and commit if anything changed."""
        report = self.report
        readable = _unique_ids(files, report, self.on_warning)
        changed = self._changed(readable)
        done_before = len(readable) - len(changed)

        def progress(done: int) -> None:
            on_progress(done_before + done, len(readable))

        # Corpus file -> fingerprint once this run is committed, of the files in known and
        # those read (the store's pages that were not read keep the others).
        self.current = dict(self.known)
        self.skipped: list[str] = []  # files that gave no article: read again at every run
        self.members: list[copies.Member] = []  # the articles read, for finding copies
        previous_copies = None if report.rebuilt else index.read_copies(self.index_dir, self.engine)
        grown = {} if report.rebuilt else self._grown(changed)
        reader = FileReader(self.started_ns, grown)
        # The old version of every changed file leaves first: an engine applies the
        # deletions of a commit before its additions. A grown file keeps its articles.
        for item in changed:
            if item.relative in self.known and item.relative not in grown:
                self.writer.delete(item.relative)
        for outcome in self._read_and_add(changed, reader, progress):
            self._count(outcome)
        gone = self._gone(files, readable)
        for source in gone:
            self.writer.delete(source)
            self.current.pop(source, None)
            report.removed += 1
        if not report.changed:
            self.writer.cancel()
            # A crash, a full disk or an older lbsearch left these behind the commit, or a
            # folder with no articles yet was added.
            meta = index.read_meta(self.index_dir) or {}
            if (meta.get("generation") != self.engine.generation(self.index_dir)
                    or index.recorded_collections(self.index_dir) != self.collections):
                index.write_meta(self.index_dir, self.engine, self.collections)
            if (self.comparison is None or self.comparison.read is None or self.current != self.known
                    or set(self.skipped) != self.comparison.saved.skipped):
                self._save_fingerprints()
            if previous_copies is None:
                self._record_copies(None, set())
            else:
                report.copies_found = previous_copies.count()
            return
        self.writer.commit()
        self._refresh_statistics()
        try:
            index.write_meta(self.index_dir, self.engine, self.collections)
            self._save_fingerprints()
            self._record_copies(previous_copies, {item.relative for item in changed} | set(gone))
        except OSError as err:
            raise IndexWriteFailed(
                f"the index at {self.index_dir} was updated, but its checksums could not be "
                f"recorded ({err.strerror or err}); the next `lbsearch index` records them"
            ) from None

    def _read_and_add(self, changed: list[corpus.CorpusFile], reader: FileReader, progress) -> list[Outcome]:
        """Read the changed files and hand their articles to the writer (or, for an engine
        that writes segments in parallel, have the workers write them)."""
        if self.jobs is None:
            jobs = min(os.cpu_count() or 1, len(changed) // FILES_PER_PROCESS)
        else:
            jobs = min(self.jobs, len(changed))
        if "fork" not in multiprocessing.get_all_start_methods():
            jobs = 1
        if jobs > 1 and self.writer.parallel_segments:
            outcomes, segments = write_segments_in_processes(self.engine, self.index_dir, changed, reader,
                                                             jobs, progress)
            self.writer.add_segments(segments)
            return outcomes
        results = read_in_processes(changed, reader, jobs, progress) if jobs > 1 else \
            read_in_order(changed, reader, progress)
        outcomes = []
        for outcome, articles in results:
            for article in articles:
                self.writer.add(article)
            outcomes.append(outcome)
        return outcomes

    def _refresh_statistics(self) -> None:
        """Write again the articles of the files the engine names (Writer.stale_sources),
        from their stored records, and commit: an incremental run then ranks as a fresh
        build does."""
        stale = self.writer.stale_sources()
        prints = {s: self.current[s] for s in stale if s in self.current}
        if self.comparison is not None:  # the files of the pages not read are in the store
            prints.update(self.comparison.unread(s for s in stale if s not in prints))
        stale = sorted(prints)
        if not stale:
            return
        records = self.engine.open_reader(self.index_dir).records_of(stale)  # one query for them all
        for source in stale:
            self.writer.delete(source)
        for record in records:
            source = record["source"]
            collection = self._collection_of(source)
            self.writer.add(prepare(record, prints[source], collection.folder if collection else ""))
        self.writer.commit()

    def _collection_of(self, source: str) -> corpus.Collection | None:
        """The collection a corpus file belongs to: the one whose prefix it has, else the
        first folder's (None when that one was forgotten)."""
        return next((c for c in self.collections if c.prefix and source.startswith(c.prefix)),
                    next((c for c in self.collections if not c.prefix), None))

    def _in_a_gone_folder(self, source: str) -> bool:
        collection = self._collection_of(source)
        return collection is not None and collection.prefix in self.kept_prefixes

    def _record_copies(self, previous: copies.CopyGroups | None, touched: set[str]) -> None:
        """Find the groups of copies of the committed index and record them (copies.json)."""
        # A rebuild has its articles in memory: the index is read only for the texts
        # of pairs near the threshold (each reader maps the index's files for a while).
        reader = None if self.report.rebuilt else self.engine.open_reader(self.index_dir)
        text_of = copies.FoldedTexts(lambda: reader or self.engine.open_reader(self.index_dir))
        groups = copies.regroup(previous, touched, self.members, reader, text_of)
        index.write_copies(self.index_dir, self.engine, groups)
        self.report.copies_found = groups.count()

    def _changed(self, readable: list[corpus.CorpusFile]) -> list[corpus.CorpusFile]:
        """The files to read: those whose size, time or id is not the one indexed, and those
        that gave no article when last read. Sets known: the fingerprints to check them
        against (those of the store's pages that do not match the listing, else every
        one the index holds)."""
        self.comparison = self.saved.compare(readable) if self.saved else None
        if self.comparison is None:  # no store of this commit, or a damaged one: the index tells
            self.known = {} if self.report.rebuilt else _engine_call(self.index_dir, self.writer.fingerprints)
            return [item for item in readable if self._has_changed(item)]
        self.known = self.comparison.known
        self.report.unchanged += self.comparison.unchanged
        changed = [item for item in self.comparison.checked if self._has_changed(item)]
        if self.comparison.again:
            changed = sorted(changed + self.comparison.again, key=_RELATIVE)  # read in the listing's order
        return changed

    def _gone(self, files: list[corpus.CorpusFile], readable: list[corpus.CorpusFile]) -> list[str]:
        """The files of known that are listed no more (those of a folder that is gone stay)."""
        if not self.known:
            return []
        if self.comparison is not None and self.comparison.read is not None and len(readable) == len(files):
            # A file listed in a page that was read was checked: no need for a set of a million places.
            listed = {f.relative for f in self.comparison.checked}
        else:
            listed = {f.relative for f in files}
        return sorted(s for s in self.known.keys() - listed if not self._in_a_gone_folder(s))

    def _save_fingerprints(self) -> None:
        """Save the fingerprints of the index's commit: those this run knows, and the
        store's other pages as they are."""
        fingerprints.save(self.index_dir, self.engine.generation(self.index_dir), self.current, self.skipped,
                          base=self.comparison)

    def _grown(self, changed: list[corpus.CorpusFile]) -> dict[str, tuple]:
        """The JSON Lines files that only grew since they were indexed, with the size and
        the number of lines they had and the keys of their indexed records (a record
        appended with one of them is refused, as a fresh build refuses it): only what
        follows is read again.

        Measured (bench/sources.py): reading again a file of 20,000 records after
        100 were appended took as long as its first build; its indexed part is
        checked by hash instead (a few milliseconds a megabyte).
        """
        grown = {}
        for item in changed:
            old = self.known.get(item.relative)
            if old is None or item.size is None or not item.relative.lower().endswith(".jsonl"):
                continue
            old = Fingerprint.parse(old)
            if item.size <= old.size:
                continue
            try:
                with open(item.path, "rb") as handle:
                    before = handle.read(old.size)
            except OSError:
                continue
            # A file that holds one JSON list is read whole: lines of it are no records.
            listed = before.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"[")
            if before.endswith(b"\n") and not listed and hashlib.sha1(before).hexdigest() == old.data_hash:
                grown[item.relative] = (len(before), before.count(b"\n"))
        if grown:
            reader = self.engine.open_reader(self.index_dir)
            ids = {item.relative: item.article_id for item in changed}
            for source, (size, lines) in list(grown.items()):
                prefix = len(ids[source]) + 1  # ids are the file's, "#" and the record's key
                seen = {r["id"][prefix:]: r["line"] for r in reader.records_of([source]) if r.get("line")}
                grown[source] = (size, lines, seen)
        return grown

    def _has_changed(self, item: corpus.CorpusFile) -> bool:
        """False for a file whose size and modification time are those indexed."""
        old = self.known.get(item.relative)
        if item.mtime_ns is None:  # the listing could not stat it: reading it says why
            return True
        if old is not None and fingerprints.unchanged(old, item.mtime_ns, item.size, item.article_id):
            self.report.unchanged += 1
            return False
        return True

    def _count(self, outcome: Outcome) -> None:
        """Count what happened to one changed file."""
        report = self.report
        old = self.known.get(outcome.source)
        for warning in outcome.warnings:
            self.on_warning(warning)
        if outcome.data_hash is None:
            report.skipped += 1
            self.skipped.append(outcome.source)
            self.current.pop(outcome.source, None)
            if self.known.pop(outcome.source, None) is not None:
                report.removed += 1
            return
        self.current[outcome.source] = outcome.fingerprint
        self.members += outcome.members
        report.articles_read += len(outcome.members)
        if old is None:
            report.added += 1
        elif _same_content(old, outcome.fingerprint):
            report.unchanged += 1  # touched, not changed: only the fingerprint is renewed
            report.refreshed += 1
        else:
            report.updated += 1
