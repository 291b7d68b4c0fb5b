"""From corpus files to the articles an engine indexes, in this process or in worker
processes: extraction (extract.py), analysis (analysis.py), districts, dates and
the copies signature, made into engine-neutral PreparedArticles.

Nothing here writes an index: the updater hands what is read here to an engine's
writer, or (for an engine that writes segments in parallel) has each worker
write a segment with the engine's write_segment().
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator

from . import copies, corpus, engines
from .analysis import analyse
from .engines import Engine
from .engines.common import PreparedArticle
from .extract import SkipFile, article_id_for, load_file
from .fingerprints import Fingerprint
from .places import district_key
from .text import without_surrogates

Progress = Callable[[int], None]


@dataclass
class Outcome:
    """What reading one corpus file gave: its content hash, or why it was skipped."""

    source: str  # the corpus-relative path
    data_hash: str | None = None
    warnings: list[str] = field(default_factory=list)
    fingerprint: str | None = None
    members: list[copies.Member] = field(default_factory=list)  # what deciding copies needs of each article


@dataclass(frozen=True)
class FileReader:
    """Reads one corpus file into PreparedArticles; picklable, so workers use it too."""

    started_ns: int  # files modified after this are not trusted by time and size next run
    grown: dict[str, tuple] = field(default_factory=dict)  # the updater's grown JSON Lines files

    def __call__(self, item: corpus.CorpusFile) -> tuple[Outcome, list[PreparedArticle]]:
        source = item.relative
        shown = without_surrogates(item.path)
        try:
            stat = os.stat(item.path)  # again: it may have changed since it was listed
            loaded = load_file(Path(item.path), source, shown, self.grown.get(source))
        except SkipFile as skip:
            return Outcome(source, warnings=[f"{shown}: {skip}: skipped"]), []
        except OSError as err:  # gone since it was listed
            return Outcome(source, warnings=[f"{shown}: cannot read: {err.strerror}"]), []
        warnings = [f"{shown}: {problem}: skipped" for problem in loaded.problems]
        if not loaded.articles and source not in self.grown:
            return Outcome(source, warnings=warnings), []
        mtime = stat.st_mtime_ns if stat.st_mtime_ns < self.started_ns else None
        fingerprint = str(Fingerprint(mtime, stat.st_size, loaded.data_hash, item.article_id))
        outcome = Outcome(source, loaded.data_hash, warnings, fingerprint)
        file_id = article_id_for(source)
        prepared = []
        for article in loaded.articles:
            own = article.id[len(file_id):]  # a record's id is the file's, "#" and its own
            record = {
                "id": item.article_id + own,
                "key": source + own,
                "path": article.path,
                "url": article.url,
                "title": article.title,
                "body": article.body,
                "date": article.date.isoformat() if article.date else None,
                "date_source": article.date_source,
                "districts": list(article.districts),
                "source": source,
                "line": article.line,
            }
            ready, member = _prepared(record, fingerprint, item.folder)
            prepared.append(ready)
            outcome.members.append(member)
        return outcome, prepared


def prepare(record: dict, fingerprint: str, collection: str) -> PreparedArticle:
    """An article as the engines index it, from the record search reads back (as a file
    gave it, or as the index stored it)."""
    return _prepared(record, fingerprint, collection)[0]


def _prepared(record: dict, fingerprint: str, collection: str) -> tuple[PreparedArticle, copies.Member]:
    analysis = analyse(record["title"], record["body"], record["body"].split("\n", 1)[0])
    # The signature is made from the pairs the analysis made, and stays out of the
    # stored record: copies.member_from_record makes it again where it is needed.
    member = copies.member_from_record(record, copies.words_signature(analysis.words, analysis.pairs))
    article = PreparedArticle(
        key=record["key"],
        source=record["source"],
        fingerprint=fingerprint,
        record=record,
        date_num=member.date_num,
        district_keys=[district_key(n) for n in record["districts"]],
        terms=analysis.terms,
        band_terms=copies.band_terms(member.signature, member.url),
        collection=collection,
    )
    return article, member


Read = tuple[Outcome, list[PreparedArticle]]


def read_in_order(items: list[corpus.CorpusFile], reader: FileReader, progress: Progress) -> Iterator[Read]:
    for done, item in enumerate(items, 1):
        yield reader(item)
        progress(done)


def read_in_processes(items: list[corpus.CorpusFile], reader: FileReader, jobs: int,
                      progress: Progress) -> Iterator[Read]:
    """Read and prepare items in jobs worker processes, yielding results in file order."""
    batch = 64
    chunks = [items[i:i + batch] for i in range(0, len(items), batch)]
    done = 0
    with worker_pool(jobs) as pool:
        for results in pool.imap(_read_chunk, [(reader, chunk) for chunk in chunks]):
            yield from results
            done += len(results)
            progress(done)


def _read_chunk(args) -> list[Read]:
    reader, chunk = args
    return [reader(item) for item in chunk]


def write_segments_in_processes(engine: Engine, index_dir: Path, items: list[corpus.CorpusFile],
                                reader: FileReader, jobs: int,
                                progress: Progress) -> tuple[list[Outcome], list[object]]:
    """Each of jobs workers reads a share of the items (about equal bytes) and writes
    them as one segment with the engine's write_segment: the outcomes, and the
    segments for the engine's writer to add."""
    chunks = _split_by_size(items, jobs)
    with worker_pool(jobs) as pool:
        results = pool.starmap(_segment_worker, [(engine.NAME, index_dir, reader, chunk) for chunk in chunks])
    progress(len(items))
    return [outcome for outcomes, _ in results for outcome in outcomes], [segment for _, segment in results]


def _segment_worker(engine_name: str, index_dir: Path, reader: FileReader, items: list[corpus.CorpusFile]):
    outcomes: list[Outcome] = []

    def articles() -> Iterable[PreparedArticle]:
        for outcome, prepared in read_in_order(items, reader, lambda done: None):
            outcomes.append(outcome)
            yield from prepared

    segment = engines.load(engine_name).write_segment(index_dir, articles())
    return outcomes, segment


def _split_by_size(items: list[corpus.CorpusFile], parts: int) -> list[list[corpus.CorpusFile]]:
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
