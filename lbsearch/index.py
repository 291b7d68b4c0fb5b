"""The Whoosh index: schema, version check, opening, and incremental updates from a corpus.

This module never prints. It reports through callbacks (warnings, progress) and
returns an IndexReport; the CLI decides what the user sees.

Beside Whoosh's own files the index folder holds ``lbsearch.json``, which names
the schema version, the Whoosh version and the corpus. It is read before Whoosh
unpickles anything, so an index of another version is rebuilt or refused, never
misread.
"""

from __future__ import annotations

import hashlib
import json
import marshal
import mmap
import multiprocessing
import os
import re
import shutil
import signal
import sys
import threading
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import whoosh
import whoosh.index
from whoosh.fields import ID, KEYWORD, NUMERIC, STORED, TEXT, FieldType, Schema
from whoosh.formats import Existence
from whoosh.filedb.filestore import FileStorage
from whoosh.filedb.structfile import StructFile
from whoosh.util.filelock import try_for
from whoosh.writing import MERGE_SMALL, OPTIMIZE, PostingPool, SegmentWriter

from . import corpus, dates
from .analysis import exact_analyzer, folding_analyzer, pair_analyzer
from .extract import Article, SkipFile, article_id_for, extract, read_text
from .places import district_key

SCHEMA_VERSION = 3
META_FILE = "lbsearch.json"
WHOOSH_VERSION = ".".join(map(str, whoosh.__version__))
WRITE_LOCK_WAIT_SECONDS = 10.0
RACY_WINDOW_NS = 2_000_000_000
WRITER_MEMORY_MB = 128  # Whoosh's posting buffer, per writing process
FILES_PER_PROCESS = 200  # fewer new files than this per process are not worth a fork


class IndexProblem(Exception):
    """Base of the index problems the CLI turns into one line and exit status 2."""


class IndexMissing(IndexProblem):
    pass


class IndexIncompatible(IndexProblem):
    pass


class IndexDamaged(IndexProblem):
    def __init__(self, index_dir: Path, detail: str):
        super().__init__(f"the index at {index_dir} is damaged ({detail}); run `lbsearch index --rebuild`")
        self.detail = detail


class IndexBusy(IndexProblem):
    pass


class IndexWriteFailed(IndexProblem):
    pass


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
        _sync_folder(self.folder)


def _sync_folder(folder: str) -> None:
    handle = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


class BatchedPostingPool(PostingPool):
    """Whoosh's posting pool, writing its sorted runs to disk in batches.

    A build larger than the pool's memory spills sorted runs and merges them at the
    commit; Whoosh pickles and unpickles each posting on its own, which took a
    quarter of the time of a 2,000-article build. marshal reads and writes a batch
    at C speed; the runs live only as long as the build.
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


class Writer(SegmentWriter):
    """Whoosh's segment writer (lbsearch holds the write lock itself) with two costs
    of large builds removed: the batched posting pool (Whoosh has no switch for
    one), and document lengths read once per field instead of once per posting when
    the postings are written."""

    def __init__(self, ix, **kwargs):
        super().__init__(ix, _lk=False, limitmb=WRITER_MEMORY_MB, **kwargs)
        self.pool = BatchedPostingPool(self._tempstorage, self.newsegment, limitmb=WRITER_MEMORY_MB)

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


def _open_whoosh(index_dir: Path):
    return DurableFileStorage(str(index_dir)).open_index()


def make_schema() -> Schema:
    folded, accented, pairs = folding_analyzer(), exact_analyzer(), pair_analyzer()
    return Schema(
        key=ID(unique=True, stored=True, sortable=True),  # corpus-relative path
        fingerprint=ID(sortable=True),  # "mtime_ns:size:sha1" of the file indexed
        id=ID(stored=True),
        path=STORED,
        # Matching: folded syllables with positions (phrases).
        title=TEXT(analyzer=folded, stored=True),
        body=TEXT(analyzer=folded, stored=True),
        # Ranking only: the opening paragraph and syllable pairs (scored), and the
        # accents as written in headline and body (only whether a word is there: the
        # accent tier, so no frequencies, lengths or scores to write).
        lead=TEXT(analyzer=folded, phrase=False),
        pairs=TEXT(analyzer=pairs, phrase=False),
        # scorable only so that it has a length column: Whoosh checks the disk for a
        # missing one at every posting it writes.
        exact=FieldType(Existence(), accented, scorable=True),
        date=STORED,
        date_num=NUMERIC(int, bits=32, signed=False, sortable=True),  # 20220520; 0 = unknown
        date_source=STORED,
        districts=KEYWORD(commas=True, scorable=False),  # folded keys: "long-bien"
        district_names=STORED,
    )


@dataclass
class IndexReport:
    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    skipped: int = 0
    refreshed: int = 0  # touched but unchanged files whose fingerprint was renewed
    rebuilt: bool = False
    reason: str | None = None  # why a full rebuild happened

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed or self.refreshed or self.rebuilt)


def _meta_path(index_dir: Path) -> Path:
    return index_dir / META_FILE


def _expected_meta() -> dict:
    return {
        "format": "lbsearch-index",
        "schema_version": SCHEMA_VERSION,
        "whoosh": WHOOSH_VERSION,
        "python": f"{sys.version_info.major}.{sys.version_info.minor}",
    }


def read_meta(index_dir: Path) -> dict | None:
    try:
        return json.loads(_meta_path(index_dir).read_text("utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as err:
        raise IndexDamaged(index_dir, f"{META_FILE} is unreadable: {err}") from None


def _write_meta(index_dir: Path, corpus_root: Path) -> None:
    """Record the versions, the corpus and a checksum of every file of the current commit.

    A segment the last commit kept as it was keeps its recorded checksum: after a
    small update of a large index, only the new files are read.
    """
    try:
        recorded = (read_meta(index_dir) or {}).get("files") or {}
    except IndexDamaged:
        recorded = {}
    files = {}
    for path, stat in _commit_files(index_dir):
        old = recorded.get(path.name) or {}
        same = (old.get("size"), old.get("mtime_ns")) == (stat.st_size, stat.st_mtime_ns)
        crc = old["crc32"] if same and "crc32" in old else _crc32(path)
        files[path.name] = {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns, "crc32": crc}
    meta = {
        **_expected_meta(),
        "corpus": str(corpus_root),
        "generation": _latest_generation(index_dir),
        "files": files,
    }
    tmp = _meta_path(index_dir).with_suffix(".json.tmp")
    with tmp.open("w", encoding="utf-8") as handle:
        json.dump(meta, handle, ensure_ascii=False, indent=1)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, _meta_path(index_dir))
    _sync_folder(str(index_dir))


_TOC_RE = re.compile(r"^_MAIN_(\d+)\.toc$")


def _latest_generation(index_dir: Path) -> int:
    generations = [int(m[1]) for m in (_TOC_RE.match(p.name) for p in index_dir.iterdir()) if m]
    return max(generations, default=-1)


def _commit_files(index_dir: Path):
    """(path, stat) of the files the latest commit is made of: its TOC and its segments."""
    toc = f"_MAIN_{_latest_generation(index_dir)}.toc"
    for path in sorted(index_dir.iterdir()):
        is_part = path.name == toc or (path.name.startswith("MAIN_") and path.name != "MAIN_WRITELOCK")
        if is_part and path.is_file():
            yield path, path.stat()


def _crc32(path: Path) -> int:
    value = 0
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            value = zlib.crc32(chunk, value)
    return value


def _verify(index_dir: Path, meta: dict) -> None:
    """IndexDamaged when a file of the commit that meta describes is missing, cut short or altered.

    Files whose size and modification time are as recorded are taken as written;
    any other is checksummed again. When the latest commit is newer than meta (a
    crash between the two writes) there is nothing to compare with.
    """
    if meta.get("generation") != _latest_generation(index_dir):
        return
    for name, recorded in (meta.get("files") or {}).items():
        path = index_dir / name
        try:
            stat = path.stat()
        except FileNotFoundError:
            raise IndexDamaged(index_dir, f"{name} is missing") from None
        if stat.st_size != recorded["size"]:
            raise IndexDamaged(index_dir, f"{name} has {stat.st_size} bytes, {recorded['size']} were written")
        if stat.st_mtime_ns != recorded["mtime_ns"] and _crc32(path) != recorded["crc32"]:
            raise IndexDamaged(index_dir, f"{name} does not match its checksum")


def incompatibility(meta: dict | None) -> str | None:
    """Why an index with this metadata cannot be read, or None when it can."""
    if meta is None:
        return "it has no lbsearch metadata"
    expected = _expected_meta()
    for key, label in (("format", "format"), ("schema_version", "schema version"),
                       ("whoosh", "Whoosh version"), ("python", "Python version")):
        if meta.get(key) != expected[key]:
            return f"it was written with {label} {meta.get(key)!r}, this lbsearch uses {expected[key]!r}"
    return None


def index_exists(index_dir: Path) -> bool:
    return _meta_path(index_dir).exists() or whoosh.index.exists_in(str(index_dir))


def open_index(index_dir: Path):
    """The Whoosh index at index_dir, checked; IndexMissing/IndexIncompatible/IndexDamaged otherwise."""
    if not index_exists(index_dir):
        raise IndexMissing(f"no index at {index_dir}: run `lbsearch index` first")
    problem = incompatibility(read_meta(index_dir))
    if problem:
        raise IndexIncompatible(
            f"the index at {index_dir} cannot be used: {problem}; run `lbsearch index --rebuild`"
        )
    for _ in range(2):
        generation = _latest_generation(index_dir)
        try:
            return _open_checked(index_dir)
        except IndexDamaged:
            # A commit that lands while we look deletes the files of the one we were
            # reading: that is a newer index to open, not a damaged one.
            if _latest_generation(index_dir) == generation:
                raise
    return _open_checked(index_dir)


def _open_checked(index_dir: Path):
    _verify(index_dir, read_meta(index_dir) or {})
    try:
        return _open_whoosh(index_dir)
    except Exception as err:  # Whoosh raises anything from EOFError to pickle errors here
        raise IndexDamaged(index_dir, f"{type(err).__name__}: {err}") from None


def _check_writable_folder(index_dir: Path) -> None:
    """Refuse to write into a folder that holds something other than an lbsearch index."""
    if not index_dir.exists():
        return
    if not index_dir.is_dir():
        raise IndexProblem(f"{index_dir} exists and is not a folder")
    if index_exists(index_dir):
        return
    if any(p.name not in (".gitignore", ".gitkeep") for p in index_dir.iterdir()):
        raise IndexProblem(
            f"{index_dir} is not empty and holds no lbsearch index: choose another --index folder"
        )


def _create(index_dir: Path):
    index_dir.mkdir(parents=True, exist_ok=True)
    _meta_path(index_dir).unlink(missing_ok=True)
    return DurableFileStorage(str(index_dir)).create().create_index(make_schema())


def _document(article: Article, key: str, fingerprint: str) -> dict:
    headline_and_body = article.title + "\n" + article.body
    return {
        "key": key,
        "fingerprint": fingerprint,
        "id": article.id,
        "path": article.path,
        "title": article.title,
        "body": article.body,
        "lead": article.lead,
        "exact": headline_and_body,
        "pairs": headline_and_body,
        "date": article.date.isoformat() if article.date else None,
        "date_num": dates.date_number(article.date),
        "date_source": article.date_source,
        "districts": ",".join(district_key(n) for n in article.districts),
        "district_names": list(article.districts),
    }


def update_index(
    corpus_root: Path,
    index_dir: Path,
    *,
    rebuild: bool = False,
    jobs: int | None = None,
    on_warning: Callable[[str], None] = lambda message: None,
    on_progress: Callable[[int, int], None] = lambda done, total: None,
) -> IndexReport:
    """Bring the index at index_dir up to date with the corpus; return what changed.

    Only files whose size, modification time or content changed are read again;
    articles whose files are gone are removed. With rebuild, or when the index is
    of another version, every file is read and the old index is replaced whole at
    the commit. jobs processes read and index the changed files, each into a
    segment of its own; by default one per core, when there are at least
    FILES_PER_PROCESS changed files for each.
    """
    report = IndexReport()
    files = corpus.list_files(corpus_root, on_warning)
    _check_writable_folder(index_dir)
    index_dir.mkdir(parents=True, exist_ok=True)
    # lbsearch holds Whoosh's write lock itself, around everything including the
    # writer's creation: Whoosh would keep it for the rest of the process when
    # creating or committing a writer fails.
    lock = DurableFileStorage(str(index_dir)).lock("MAIN_WRITELOCK")
    if not try_for(lock.acquire, timeout=WRITE_LOCK_WAIT_SECONDS, delay=0.25):
        raise IndexBusy(
            f"the index at {index_dir} is being written by another lbsearch; try again when it has finished"
        )
    try:
        ix = _open_for_update(index_dir, rebuild, report)
        known: dict[str, str] = {} if report.rebuilt else _indexed_fingerprints(ix)
        writer = Writer(ix)
        try:
            _Updater(corpus_root, index_dir, writer, known, report, on_warning, jobs).run(files, on_progress)
        except BaseException:
            _clean_up_failed_write(writer, index_dir)
            raise
    except OSError as err:
        raise IndexWriteFailed(
            f"cannot write the index at {index_dir}: {err.strerror or err}; "
            "the previous index is unchanged and still searchable"
        ) from None
    finally:
        lock.release()
    return report


def _open_for_update(index_dir: Path, rebuild: bool, report: IndexReport):
    """The index to update, or a new empty one (report.rebuilt) when it is missing,
    of another version or damaged."""
    if index_exists(index_dir):
        try:
            report.reason = incompatibility(read_meta(index_dir))
            if report.reason is None:
                ix = _open_checked(index_dir)
                if rebuild:
                    report.rebuilt, report.reason = True, "--rebuild was asked for"
                return ix
        except IndexDamaged as err:
            report.reason = f"the old index was damaged: {err.detail}"
    report.rebuilt = True
    return _create(index_dir)


def _clean_up_failed_write(writer, index_dir: Path) -> None:
    """Drop a failed writer's work: its temporary folder and the segment files no
    commit references, which on a full disk hold the space the next run needs."""
    try:
        writer.cancel()
    except Exception:
        pass
    try:
        storage = DurableFileStorage(str(index_dir))
        toc = whoosh.index.TOC.read(storage, "MAIN")
        whoosh.index.clean_files(storage, "MAIN", toc.generation, toc.segments)
    except Exception:
        pass  # the next commit cleans what is left
    shutil.rmtree(index_dir / "MAIN.tmp", ignore_errors=True)


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
class _Outcome:
    """What reading one corpus file gave: its content hash, or why it was skipped."""

    key: str
    data_hash: str | None = None
    warning: str | None = None


@dataclass
class _Updater:
    """Finds the corpus files that changed, indexes them, and commits, counting into the report."""

    corpus_root: Path
    index_dir: Path
    writer: object
    known: dict[str, str]  # key -> fingerprint of what the index holds
    report: IndexReport
    on_warning: Callable[[str], None]
    jobs: int | None = None  # None: one per core, if the work is worth it
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
        if jobs > 1 and "fork" in multiprocessing.get_all_start_methods():
            outcomes, segments = _index_in_processes(self, changed, jobs, progress)
        else:
            outcomes = _read_and_add(self.writer, self.corpus_root, changed, self.started_ns, progress)
            segments = []
        for outcome in outcomes:
            self._count(outcome)
        for key in sorted(set(self.known) - {f.relative.as_posix() for f in files}):
            self.writer.delete_by_term("key", key)
            report.removed += 1
        if not report.changed:
            self.writer.cancel()
            if (read_meta(self.index_dir) or {}).get("generation") != _latest_generation(self.index_dir):
                _write_meta(self.index_dir, self.corpus_root)  # a crash or a full disk left it behind
            return
        # Whoosh keeps a deleted document in the term statistics of its segment until
        # the segment is rewritten: merge everything after deletions so that scores
        # (and so the ranking) equal those of a fresh build.
        deleted = report.updated or report.removed or report.refreshed
        policy = OPTIMIZE if deleted else MERGE_SMALL
        if report.rebuilt:
            self.writer.commit(mergetype=lambda writer, old: list(segments))  # the old index goes
        else:
            self.writer.commit(mergetype=lambda writer, old: policy(writer, old + segments))
        try:
            _write_meta(self.index_dir, self.corpus_root)
        except OSError as err:
            raise IndexWriteFailed(
                f"the index at {self.index_dir} was updated, but its checksums could not be "
                f"recorded ({err.strerror or err}); the next `lbsearch index` records them"
            ) from None

    def _has_changed(self, item: corpus.CorpusFile) -> bool:
        """False for a file whose size and modification time are those indexed."""
        key = item.relative.as_posix()
        old = self.known.get(key)
        try:
            stat = item.path.stat()
        except OSError as err:
            self._count(_Outcome(key, warning=f"{item.path}: cannot read: {err.strerror}"))
            return False
        if old is not None and old.rsplit(":", 1)[0] == f"{stat.st_mtime_ns}:{stat.st_size}":
            self.report.unchanged += 1
            return False
        return True

    def _count(self, outcome: _Outcome) -> None:
        """Count what happened to one changed file; its old article leaves the index."""
        report = self.report
        old = self.known.get(outcome.key)
        if outcome.warning:
            self.on_warning(outcome.warning)
        if old is not None and not report.rebuilt:
            self.writer.delete_by_term("key", outcome.key)
        if outcome.data_hash is None:
            report.skipped += 1
            if self.known.pop(outcome.key, None) is not None:
                report.removed += 1
        elif old is None:
            report.added += 1
        elif old.rsplit(":", 1)[1] == outcome.data_hash:
            report.unchanged += 1  # touched, not changed: only the fingerprint is renewed
            report.refreshed += 1
        else:
            report.updated += 1


def _read_and_add(writer, corpus_root: Path, items: list[corpus.CorpusFile], started_ns: int,
                  progress: Callable[[int], None]) -> list[_Outcome]:
    """Read, extract and add each file to writer; one outcome per file, in order."""
    outcomes = []
    for done, item in enumerate(items, 1):
        key = item.relative.as_posix()
        try:
            stat = item.path.stat()
            text = read_text(item.path)
            article = extract(text, article_id_for(item.relative), str(corpus_root / item.relative))
        except SkipFile as skip:
            outcomes.append(_Outcome(key, warning=f"{item.path}: {skip}: skipped"))
        except OSError as err:  # gone since it was listed
            outcomes.append(_Outcome(key, warning=f"{item.path}: cannot read: {err.strerror}"))
        else:
            data_hash = hashlib.sha1(text.encode("utf-8")).hexdigest()
            mtime = stat.st_mtime_ns if stat.st_mtime_ns < started_ns else "racy"
            writer.add_document(**_document(article, key, f"{mtime}:{stat.st_size}:{data_hash}"))
            outcomes.append(_Outcome(key, data_hash))
        progress(done)
    return outcomes


def _index_in_processes(updater: _Updater, items: list[corpus.CorpusFile], jobs: int,
                        progress: Callable[[int], None]):
    """Index items in jobs forked processes, each writing one segment of its own.

    Returns the outcomes in file order and the segments for the commit to add. The
    segments are files no commit references yet: if anything fails, the usual
    clean-up after a failed write removes them.
    """
    context = multiprocessing.get_context("fork")
    done = context.Value("i", 0)
    chunks = _split_by_size(items, jobs)
    args = [(updater.index_dir, updater.corpus_root, chunk, updater.started_ns) for chunk in chunks]
    with context.Pool(jobs, initializer=_worker_start, initargs=(os.getpid(), done)) as pool:
        pending = pool.starmap_async(_segment_worker, args)
        while not pending.ready():
            pending.wait(0.2)
            progress(done.value)
        results = pending.get()
    progress(len(items))
    outcomes = [outcome for chunk_outcomes, _ in results for outcome in chunk_outcomes]
    return outcomes, [segment for _, segment in results if segment is not None]


def _split_by_size(items: list[corpus.CorpusFile], parts: int) -> list[list[corpus.CorpusFile]]:
    """items in parts runs of consecutive files, of about equal bytes."""
    sizes = []
    for item in items:
        try:
            sizes.append(max(item.path.stat().st_size, 1))
        except OSError:
            sizes.append(1)
    share, total = sum(sizes) / parts, 0
    chunks: list[list[corpus.CorpusFile]] = [[] for _ in range(parts)]
    for item, size in zip(items, sizes):
        chunks[min(int(total // share), parts - 1)].append(item)
        total += size
    return chunks


_files_done = None  # in a worker process: the count of files indexed, shared with the parent


def _worker_start(parent_pid: int, files_done) -> None:
    global _files_done
    _files_done = files_done
    # Ctrl-C reaches the whole process group: the parent alone handles it. A worker
    # whose parent was killed stops instead of waiting for work forever. Workers
    # report through their results, exceptions included; their stderr would only
    # show multiprocessing's tracebacks about a parent that is gone.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    os.close(devnull)

    def watch_parent() -> None:
        while os.getppid() == parent_pid:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch_parent, daemon=True).start()


def _segment_worker(index_dir: Path, corpus_root: Path, items, started_ns: int):
    """In a worker process: index items into a new segment; (outcomes, segment or None)."""
    writer = Writer(_open_whoosh(index_dir))

    def progress(count: int) -> None:
        with _files_done.get_lock():
            _files_done.value += 1

    outcomes = _read_and_add(writer, corpus_root, items, started_ns, progress)
    if not any(outcome.data_hash for outcome in outcomes):
        writer._close_segment()
        return outcomes, None
    # The segment is finished but not committed, and the shared temporary folder
    # is left for the parent's writer to remove (Whoosh's MpWriter does the same).
    return outcomes, writer._finalize_segment()


def _indexed_fingerprints(ix) -> dict[str, str]:
    """key -> fingerprint of every live document, read from columns (no stored fields)."""
    with ix.reader() as reader:
        keys = reader.column_reader("key", translate=False)
        prints = reader.column_reader("fingerprint", translate=False)
        if not reader.has_deletions():  # reading the columns in order is twice as fast
            return {_text(key): _text(value) for key, value in zip(keys, prints)}
        return {_text(keys[n]): _text(prints[n]) for n in reader.all_doc_ids()}


def _text(value) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else value
