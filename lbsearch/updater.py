"""Incremental updates of an index from a corpus, whatever the engine.

Finds the files whose size, time or content changed, reads them (in worker
processes when there are many) into PreparedArticles, has the engine delete
and add, commits, and records the commit (index.py's lbsearch.json) and the
fingerprints of what it holds. Never prints: it reports through callbacks and
returns an IndexReport.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import shutil
import signal
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from . import copies, corpus, engines
from .analysis import article_terms
from .extract import SkipFile, article_id_for, load_file
from .index import (LOCK_FILE, META_FILE, IndexBusy, IndexDamaged, IndexProblem,
                    IndexWriteFailed, _verify, _WriteLock, _write_meta, incompatibility, index_exists, read_copies,
                    read_meta, recorded_engine, sync_folder, write_copies, write_json)
from .places import district_key

FINGERPRINTS_FILE = "fingerprints.json"
RACY_WINDOW_NS = 2_000_000_000
FILES_PER_PROCESS = 200  # fewer changed files than this per process are not worth a fork
_KEPT_FILES = {LOCK_FILE, ".gitignore", ".gitkeep"}  # what clearing a folder leaves


@dataclass
class PreparedArticle:
    """One article as every engine indexes it: its stored record, filters and term strings."""

    key: str  # unique in the index: the corpus-relative path, with "#" and the record's key for a record
    source: str  # the corpus-relative path of the file it came from: what an update deletes by
    fingerprint: str  # "mtime_ns:size:sha1" of the file indexed
    record: dict  # what search, show and stats read back
    date_num: int  # dates.date_number; 0 = unknown
    district_keys: list[str]
    terms: dict[str, str]  # analysis.article_terms
    copy_terms: list[str]  # copies.band_terms: what finds the article's copies


@dataclass
class Outcome:
    """What reading one corpus file gave: its content hash, or why it was skipped."""

    key: str
    data_hash: str | None = None
    warnings: list[str] = field(default_factory=list)
    fingerprint: str | None = None
    members: list[copies.Member] = field(default_factory=list)  # what deciding copies needs of each article


@dataclass
class IndexReport:
    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    skipped: int = 0
    refreshed: int = 0  # touched but unchanged files whose fingerprint was renewed
    articles_read: int = 0  # articles in the files read (a file of records holds many)
    copies: int = 0  # articles that are copies of another one's story, in the whole index
    rebuilt: bool = False
    reason: str | None = None  # why a full rebuild happened
    engine: str = ""

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed or self.refreshed or self.rebuilt)


def _check_writable_folder(index_dir: Path) -> None:
    """Refuse to write into a folder that holds something other than an lbsearch index."""
    if not index_dir.exists():
        return
    if not index_dir.is_dir():
        raise IndexProblem(f"{index_dir} exists and is not a folder")
    if index_exists(index_dir):
        return
    if any(p.name not in _KEPT_FILES for p in index_dir.iterdir()):
        raise IndexProblem(
            f"{index_dir} is not empty and holds no lbsearch index: choose another --index folder"
        )


def _clear(index_dir: Path) -> None:
    """Remove every index file (another engine's, a damaged one's), keeping the lock."""
    (index_dir / META_FILE).unlink(missing_ok=True)
    for path in index_dir.iterdir():
        if path.name in _KEPT_FILES:
            continue
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
    sync_folder(index_dir)


def update_index(
    corpus_root: Path,
    index_dir: Path,
    *,
    rebuild: bool = False,
    jobs: int | None = None,
    engine: str | None = None,
    on_warning: Callable[[str], None] = lambda message: None,
    on_progress: Callable[[int, int], None] = lambda done, total: None,
) -> IndexReport:
    """Bring the index at index_dir up to date with the corpus; return what changed.

    Only files whose size, modification time or content changed are read again;
    articles whose files are gone are removed. With rebuild, when another engine
    is asked for, or when the index is of another version, every file is read
    and the old index is replaced at the commit. engine picks the engine (else
    $LBSEARCH_ENGINE, else the recorded one, else the default). jobs processes
    read the changed files; by default one per core, when there are at least
    FILES_PER_PROCESS changed files for each.
    """
    report = IndexReport()
    asked = engines.requested(engine)
    files = corpus.list_files(corpus_root, on_warning)
    _check_writable_folder(index_dir)
    index_dir.mkdir(parents=True, exist_ok=True)
    lock = _WriteLock(index_dir)
    try:
        if not lock.acquire(_lock_wait()):
            raise IndexBusy(
                f"the index at {index_dir} is being written by another lbsearch; try again when it has finished"
            )
    except OSError as err:
        raise IndexWriteFailed(f"cannot lock the index at {index_dir}: {err.strerror or err}") from None
    try:
        chosen = engines.load(asked or recorded_engine(index_dir) or engines.DEFAULT)
        report.engine = chosen.NAME
        writer = None
        try:
            writer = _open_for_update(index_dir, chosen, rebuild, report)
            saved = None if report.rebuilt else _saved_fingerprints(index_dir, chosen)
            if saved is not None:
                known = saved
            else:
                known = {} if report.rebuilt else _engine_call(index_dir, writer.fingerprints)
            _Updater(corpus_root, index_dir, chosen, writer, known, report, on_warning, jobs,
                     fingerprints_saved=saved is not None).run(files, on_progress)
        except BaseException:
            if writer is not None:
                writer.cancel()
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


def _open_for_update(index_dir: Path, engine, rebuild: bool, report: IndexReport):
    """A writer over the index to update, over the same index to replace (rebuild), or
    over a new one (report.rebuilt) when it is missing, of another engine or version,
    or damaged."""
    if index_exists(index_dir):
        try:
            meta = read_meta(index_dir)
            report.reason = incompatibility(meta)
            if report.reason is None and meta["engine"] != engine.NAME:
                report.reason = f"engine {engine.NAME} was asked for, the index used {meta['engine']}"
            if report.reason is None:
                _verify(index_dir, engine, meta)
                if rebuild:
                    report.rebuilt, report.reason = True, "--rebuild was asked for"
                    return _engine_call(index_dir, engine.open_writer, index_dir, "replace")
                return _engine_call(index_dir, engine.open_writer, index_dir, "update")
        except IndexDamaged as err:
            report.reason = f"the old index was damaged: {err.detail}"
    report.rebuilt = True
    _clear(index_dir)
    return engine.open_writer(index_dir, "create")


def _engine_call(index_dir: Path, function, *args):
    """Run an engine call that reads existing index files; their damage is IndexDamaged."""
    try:
        return function(*args)
    except (OSError, IndexProblem):
        raise
    except Exception as err:
        raise IndexDamaged(index_dir, f"{type(err).__name__}: {err}") from None


def _saved_fingerprints(index_dir: Path, engine) -> dict[str, str] | None:
    """key -> fingerprint of every indexed article, as the last run saved them, when
    they belong to the current commit (one file read at 100,000 articles instead
    of the engine's column); else None."""
    try:
        saved = json.loads((index_dir / FINGERPRINTS_FILE).read_text("utf-8"))
        if saved["generation"] == engine.generation(index_dir):
            return dict(saved["fingerprints"])
    except (OSError, ValueError, KeyError, TypeError):
        pass
    return None


def _write_fingerprints(index_dir: Path, engine, fingerprints: dict[str, str]) -> None:
    write_json(index_dir / FINGERPRINTS_FILE, {"generation": engine.generation(index_dir), "fingerprints": fingerprints})


def _unique_ids(files, report: IndexReport, on_warning) -> list[corpus.CorpusFile]:
    """The files, less those whose id an earlier file already has (a.txt beside a.md)."""
    first: dict[str, corpus.CorpusFile] = {}
    for item in files:
        article_id = article_id_for(item.relative)
        if article_id in first:
            on_warning(f"{item.path}: same id {article_id!r} as {first[article_id].path}: skipped")
            report.skipped += 1
        else:
            first[article_id] = item
    return list(first.values())


@dataclass
class _Updater:
    """Finds the corpus files that changed, has the engine index them, and commits,
    counting into the report."""

    corpus_root: Path
    index_dir: Path
    engine: object
    writer: object
    known: dict[str, str]  # key -> fingerprint of what the index holds
    report: IndexReport
    on_warning: Callable[[str], None]
    jobs: int | None = None  # None: one per core, if the work is worth it
    fingerprints_saved: bool = False  # known came from fingerprints.json
    # Files modified this recently may change again within the clock's resolution
    # without their time or size changing: their fingerprint is not trusted next run.
    started_ns: int = field(default_factory=lambda: time.time_ns() - RACY_WINDOW_NS)

    def run(self, files: list[corpus.CorpusFile], on_progress: Callable[[int, int], None]) -> None:
        """Index every changed file, remove what is gone, and commit if anything changed."""
        report = self.report
        readable = _unique_ids(files, report, self.on_warning)
        changed = [item for item in readable if self._has_changed(item)]
        done_before = len(readable) - len(changed)

        def progress(done: int) -> None:
            on_progress(done_before + done, len(readable))

        if self.jobs is None:
            jobs = min(os.cpu_count() or 1, len(changed) // FILES_PER_PROCESS)
        else:
            jobs = min(self.jobs, len(changed))
        if "fork" not in multiprocessing.get_all_start_methods():
            jobs = 1
        self.current = dict(self.known)  # key -> fingerprint once this run is committed
        self.members: list[copies.Member] = []  # the articles read, for finding copies
        previous_copies = None if report.rebuilt else read_copies(self.index_dir, self.engine)
        grown = {} if report.rebuilt else self._grown(changed)
        reader = FileReader(self.corpus_root, self.started_ns, grown)
        # The old version of every changed file leaves first: an engine applies the
        # deletions of a commit before its additions. A grown file keeps its articles.
        for item in changed:
            if not report.rebuilt and item.relative in self.known and item.relative not in grown:
                self.writer.delete(item.relative)
        for outcome in self.writer.add_files(changed, reader, max(jobs, 1), progress):
            self._count(outcome)
        gone = sorted(set(self.known) - {f.relative for f in files})
        for key in gone:
            self.writer.delete(key)
            self.current.pop(key, None)
            report.removed += 1
        if not report.changed:
            self.writer.cancel()
            # A crash, a full disk or an older lbsearch left these behind the commit.
            if (read_meta(self.index_dir) or {}).get("generation") != self.engine.generation(self.index_dir):
                _write_meta(self.index_dir, self.engine, self.corpus_root)
            if not self.fingerprints_saved or self.current != self.known:
                _write_fingerprints(self.index_dir, self.engine, self.current)
            if previous_copies is None:
                self._record_copies(None, set())
            else:
                report.copies = sum(len(group) - 1 for group in previous_copies)
            return
        self.writer.commit()
        try:
            _write_meta(self.index_dir, self.engine, self.corpus_root)
            _write_fingerprints(self.index_dir, self.engine, self.current)
            self._record_copies(previous_copies, {item.relative for item in changed} | set(gone))
        except OSError as err:
            raise IndexWriteFailed(
                f"the index at {self.index_dir} was updated, but its checksums could not be "
                f"recorded ({err.strerror or err}); the next `lbsearch index` records them"
            ) from None

    def _record_copies(self, previous: list | None, touched: set[str]) -> None:
        """Find the groups of copies of the committed index and record them (copies.json).

        A rebuild groups the articles it read. An update keeps the groups of the
        last commit whose files did not change, checks again the rest of a group
        that lost a member, and looks for each article it read among the indexed
        ones that share a band or an address with it. Without a record of the
        last commit's groups, every article is grouped again.
        """
        # A rebuild has its articles in memory: the index is read only for the texts
        # of pairs near the threshold (each reader maps the index's files for a while).
        reader = None if self.report.rebuilt else self.engine.open_reader(self.index_dir)
        text_of = _FoldedTexts(lambda: reader or self.engine.open_reader(self.index_dir))
        groups = copies.Groups()
        entries: dict[str, list] = {}
        fresh = self.members
        if previous is None and reader is not None:
            # Only lbsearch's own: another program's writer may have added documents.
            fresh = [copies.member_from_record(r) for r in reader.records() if "signature" in r]
        elif previous is not None:
            for group in previous:
                kept = [e for e in group if e[2] not in touched]
                if len(kept) == len(group):
                    for e in kept:
                        entries[e[0]] = e
                        groups.join(kept[0][0], e[0])
                elif len(kept) > 1:
                    records = (reader.article(e[0]) for e in kept)
                    copies.join_candidates([copies.member_from_record(r) for r in records if r], groups, text_of)
            fresh_ids = {member.id for member in fresh}
            for member in fresh:
                for record in reader.copy_candidates(copies.band_terms(member.signature, member.url)):
                    if record["id"] not in fresh_ids:
                        other = copies.member_from_record(record)
                        if copies.are_copies(member, other, text_of):
                            entries[other.id] = copies.entry(other)
                            groups.join(member.id, other.id)
        copies.join_candidates(fresh, groups, text_of)
        for member in fresh:
            entries.setdefault(member.id, copies.entry(member))
        found = [copies.kept_first([entries[i] if i in entries else self._entry(reader, i) for i in ids])
                 for ids in groups.groups()]
        found.sort(key=lambda group: group[0][1])
        write_copies(self.index_dir, self.engine, found)
        self.report.copies = sum(len(group) - 1 for group in found)

    @staticmethod
    def _entry(reader, article_id: str) -> list:
        return copies.entry(copies.member_from_record(reader.article(article_id)))

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
            _, old_size, old_hash = old.split(":")
            if item.size <= int(old_size):
                continue
            try:
                with open(item.path, "rb") as handle:
                    before = handle.read(int(old_size))
            except OSError:
                continue
            # A file that holds one JSON list is read whole: lines of it are no records.
            listed = before.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"[")
            if before.endswith(b"\n") and not listed and hashlib.sha1(before).hexdigest() == old_hash:
                grown[item.relative] = (len(before), before.count(b"\n"))
        if grown:
            reader = self.engine.open_reader(self.index_dir)
            for source, (size, lines) in list(grown.items()):
                prefix = len(article_id_for(source)) + 1  # ids are the file's, "#" and the record's key
                seen = {r["id"][prefix:]: r["line"] for r in reader.records_of(source) if r.get("line")}
                grown[source] = (size, lines, seen)
        return grown

    def _has_changed(self, item: corpus.CorpusFile) -> bool:
        """False for a file whose size and modification time are those indexed."""
        old = self.known.get(item.relative)
        if item.mtime_ns is None:  # the listing could not stat it: reading it says why
            return True
        if old is not None and old.rsplit(":", 1)[0] == f"{item.mtime_ns}:{item.size}":
            self.report.unchanged += 1
            return False
        return True

    def _count(self, outcome: Outcome) -> None:
        """Count what happened to one changed file."""
        report = self.report
        old = self.known.get(outcome.key)
        for warning in outcome.warnings:
            self.on_warning(warning)
        if outcome.data_hash is None:
            report.skipped += 1
            self.current.pop(outcome.key, None)
            if self.known.pop(outcome.key, None) is not None:
                report.removed += 1
            return
        self.current[outcome.key] = outcome.fingerprint
        self.members += outcome.members
        report.articles_read += len(outcome.members)
        if old is None:
            report.added += 1
        elif old.rsplit(":", 1)[1] == outcome.data_hash:
            report.unchanged += 1  # touched, not changed: only the fingerprint is renewed
            report.refreshed += 1
        else:
            report.updated += 1


class _FoldedTexts:
    """An indexed article's folded headline and text, by id, read when first asked for:
    only pairs whose copies estimate is near the threshold need them."""

    def __init__(self, open_reader: Callable[[], object]):
        self.open_reader = open_reader
        self.reader = None
        self.known: dict[str, str] = {}

    def __call__(self, article_id: str) -> str:
        if article_id not in self.known:
            self.reader = self.reader or self.open_reader()
            record = self.reader.article(article_id)
            terms = article_terms(record["title"], record["body"], record["body"].split("\n", 1)[0])
            self.known[article_id] = f"{terms['title']} {terms['body']}"
        return self.known[article_id]


@dataclass(frozen=True)
class FileReader:
    """Reads one corpus file into PreparedArticles; picklable, so workers use it too."""

    corpus_root: Path
    started_ns: int
    grown: dict[str, tuple] = field(default_factory=dict)  # _Updater._grown

    def __call__(self, item: corpus.CorpusFile) -> tuple[Outcome, list[PreparedArticle]]:
        source = item.relative
        try:
            stat = os.stat(item.path)  # again: it may have changed since it was listed
            loaded = load_file(Path(item.path), source, str(self.corpus_root / source), self.grown.get(source))
        except SkipFile as skip:
            return Outcome(source, warnings=[f"{item.path}: {skip}: skipped"]), []
        except OSError as err:  # gone since it was listed
            return Outcome(source, warnings=[f"{item.path}: cannot read: {err.strerror}"]), []
        warnings = [f"{item.path}: {problem}: skipped" for problem in loaded.problems]
        if not loaded.articles and source not in self.grown:
            return Outcome(source, warnings=warnings), []
        data_hash = loaded.data_hash
        mtime = stat.st_mtime_ns if stat.st_mtime_ns < self.started_ns else "racy"
        fingerprint = f"{mtime}:{stat.st_size}:{data_hash}"
        outcome = Outcome(source, data_hash, warnings, fingerprint)
        file_id = article_id_for(source)
        prepared = []
        for article in loaded.articles:
            key = source + article.id[len(file_id):]  # a record's id is the file's, "#" and its own
            terms = article_terms(article.title, article.body, article.lead)
            record = {
                "id": article.id,
                "path": article.path,
                "url": article.url,
                "title": article.title,
                "body": article.body,
                "date": article.date.isoformat() if article.date else None,
                "date_source": article.date_source,
                "districts": list(article.districts),
                "source": source,
                "line": article.line,
                "signature": copies.signature(f"{terms['title']} {terms['body']}"),
            }
            member = copies.member_from_record(record)
            prepared.append(PreparedArticle(
                key=key,
                source=source,
                fingerprint=fingerprint,
                record=record,
                date_num=member.date_num,
                district_keys=[district_key(n) for n in article.districts],
                terms=terms,
                copy_terms=copies.band_terms(member.signature, member.url),
            ))
            outcome.members.append(member)
        return outcome, prepared


# --- worker processes, for engines that read files in parallel -------------------------


def split_by_size(items: list[corpus.CorpusFile], parts: int) -> list[list[corpus.CorpusFile]]:
    """items in parts runs of consecutive files, of about equal bytes."""
    sizes = [max(item.size or 1, 1) for item in items]
    share, total = sum(sizes) / parts, 0
    chunks: list[list[corpus.CorpusFile]] = [[] for _ in range(parts)]
    for item, size in zip(items, sizes):
        chunks[min(int(total // share), parts - 1)].append(item)
        total += size
    return chunks


def worker_pool(jobs: int):
    """A pool of jobs forked processes that ignore Ctrl-C (the parent handles it), write
    nothing to stderr, and stop when their parent dies."""
    context = multiprocessing.get_context("fork")
    return context.Pool(jobs, initializer=_worker_start, initargs=(os.getpid(),))


def _worker_start(parent_pid: int) -> None:
    # Workers report through their results, exceptions included; their stderr would
    # only show multiprocessing's tracebacks about a parent that is gone.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    os.close(devnull)

    def watch_parent() -> None:
        while os.getppid() == parent_pid:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch_parent, daemon=True).start()


def read_in_processes(items: list[corpus.CorpusFile], reader: FileReader, jobs: int,
                      progress: Callable[[int], None]) -> Iterable[tuple[Outcome, list[PreparedArticle]]]:
    """Read and prepare items in jobs worker processes, yielding results in file order."""
    batch = 64
    chunks = [items[i:i + batch] for i in range(0, len(items), batch)]
    done = 0
    with worker_pool(jobs) as pool:
        for results in pool.imap(_read_chunk, [(reader, chunk) for chunk in chunks]):
            for result in results:
                yield result
            done += len(results)
            progress(done)


def _read_chunk(args) -> list[tuple[Outcome, list[PreparedArticle]]]:
    reader, chunk = args
    return [reader(item) for item in chunk]


def read_in_order(items: list[corpus.CorpusFile], reader: FileReader,
                  progress: Callable[[int], None]) -> Iterable[tuple[Outcome, list[PreparedArticle]]]:
    for done, item in enumerate(items, 1):
        yield reader(item)
        progress(done)


def _lock_wait() -> float:
    from . import index  # read at each run: tests shorten it

    return index.WRITE_LOCK_WAIT_SECONDS
