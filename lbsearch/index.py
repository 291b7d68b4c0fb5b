"""The index folder, whatever the engine: metadata, checks on open, the write lock.

This module never prints. Writing (the incremental update) lives in updater.py.

Beside the engine's own files the folder holds ``lbsearch.json``, which names
the engine, the schema version, the library versions, the corpus and a checksum
of every file of the last commit, and ``copies.json``, the groups of copies of
one story (copies.py) as of that commit. It is read before the engine opens anything,
so an index of another version is rebuilt or refused, never misread; a damaged
one is refused with the way out.
"""

from __future__ import annotations

import fcntl
import json
import os
import time
import zlib
from pathlib import Path

from . import copies, engines

SCHEMA_VERSION = 6
META_FILE = "lbsearch.json"
COPIES_FILE = "copies.json"
LOCK_FILE = "lbsearch.lock"
WRITE_LOCK_WAIT_SECONDS = 10.0


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


# --- metadata and checks ---------------------------------------------------------------


def _meta_path(index_dir: Path) -> Path:
    return index_dir / META_FILE


def _expected_meta(engine) -> dict:
    return {"format": "lbsearch-index", "schema_version": SCHEMA_VERSION, "engine": engine.NAME,
            "copy_hash": copies.HASH_CHECK, **engine.versions()}


def read_meta(index_dir: Path) -> dict | None:
    try:
        meta = json.loads(_meta_path(index_dir).read_text("utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as err:
        raise IndexDamaged(index_dir, f"{META_FILE} is unreadable: {err}") from None
    if not isinstance(meta, dict):
        raise IndexDamaged(index_dir, f"{META_FILE} is not an lbsearch record")
    return meta


def recorded_engine(index_dir: Path) -> str | None:
    """The engine lbsearch.json names, or None when there is no readable one."""
    try:
        name = (read_meta(index_dir) or {}).get("engine")
    except IndexDamaged:
        return None
    return name if name in engines.NAMES else None


def incompatibility(meta: dict | None) -> str | None:
    """Why an index with this metadata cannot be read, or None when it can."""
    if meta is None:
        return "it has no lbsearch metadata"
    name = meta.get("engine")
    if name not in engines.NAMES:
        return f"it was written by engine {name!r}, which this lbsearch does not have"
    expected = _expected_meta(engines.load(name))
    for key, value in expected.items():
        if meta.get(key) != value:
            return f"it was written with {key.replace('_', ' ')} {meta.get(key)!r}, this lbsearch uses {value!r}"
    return None


def _write_meta(index_dir: Path, engine, corpus_root: Path) -> None:
    """Record the versions, the corpus and a checksum of every file of the current commit.

    A file the last commit kept as it was keeps its recorded checksum: after a
    small update of a large index, only the new files are read.
    """
    try:
        recorded = (read_meta(index_dir) or {}).get("files") or {}
    except IndexDamaged:
        recorded = {}
    files = {}
    for path in engine.commit_files(index_dir):
        stat = path.stat()
        old = recorded.get(path.name) or {}
        same = (old.get("size"), old.get("mtime_ns")) == (stat.st_size, stat.st_mtime_ns)
        crc = old["crc32"] if same and "crc32" in old else _crc32(path)
        files[path.name] = {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns, "crc32": crc}
    meta = {
        **_expected_meta(engine),
        "corpus": str(corpus_root),
        "generation": engine.generation(index_dir),
        "files": files,
    }
    tmp = _meta_path(index_dir).with_suffix(".json.tmp")
    with tmp.open("w", encoding="utf-8") as handle:
        json.dump(meta, handle, ensure_ascii=False, indent=1)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, _meta_path(index_dir))
    sync_folder(index_dir)


def read_copies(index_dir: Path, engine) -> list[list[list]] | None:
    """The groups of copies (copies.entry each, the kept copy first) recorded for
    the index's current commit; None when there is no record of that commit."""
    try:
        saved = json.loads((index_dir / COPIES_FILE).read_text("utf-8"))
        if saved["generation"] == engine.generation(index_dir):
            return saved["groups"]
    except (OSError, ValueError, KeyError, TypeError):
        pass
    return None


def write_copies(index_dir: Path, engine, groups: list[list[list]]) -> None:
    write_json(index_dir / COPIES_FILE, {"generation": engine.generation(index_dir), "groups": groups})


def write_json(path: Path, data) -> None:
    """Replace a JSON file whole: written beside it, synced, then renamed over it."""
    tmp = path.with_suffix(".json.tmp")
    with tmp.open("w", encoding="utf-8") as handle:
        json.dump(data, handle, ensure_ascii=False)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def sync_folder(folder: Path | str) -> None:
    handle = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


def _crc32(path: Path) -> int:
    value = 0
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            value = zlib.crc32(chunk, value)
    return value


def _verify(index_dir: Path, engine, meta: dict) -> None:
    """IndexDamaged when a file of the commit that meta describes is missing, cut short or altered.

    Files whose size and modification time are as recorded are taken as written;
    any other is checksummed again. When the latest commit is newer than meta (a
    crash between the two writes) there is nothing to compare with.
    """
    if meta.get("generation") != engine.generation(index_dir):
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


def index_exists(index_dir: Path) -> bool:
    if _meta_path(index_dir).exists():
        return True
    try:
        return any(engines.load(name).exists(index_dir) for name in engines.NAMES)
    except OSError:
        return False


def open_index(index_dir: Path):
    """A reader of the index at index_dir, checked; IndexMissing/IndexIncompatible/IndexDamaged otherwise."""
    if not index_exists(index_dir):
        raise IndexMissing(f"no index at {index_dir}: run `lbsearch index` first")
    meta = read_meta(index_dir)
    problem = incompatibility(meta)
    if problem:
        raise IndexIncompatible(
            f"the index at {index_dir} cannot be used: {problem}; run `lbsearch index --rebuild`"
        )
    engine = engines.load(meta["engine"])
    for _ in range(2):
        generation = engine.generation(index_dir)
        try:
            return _open_checked(index_dir, engine)
        except IndexDamaged:
            # A commit that lands while we look replaces the files of the one we were
            # reading: that is a newer index to open, not a damaged one.
            if engine.generation(index_dir) == generation:
                raise
    return _open_checked(index_dir, engine)


def _open_checked(index_dir: Path, engine):
    _verify(index_dir, engine, read_meta(index_dir) or {})
    try:
        reader = engine.open_reader(index_dir)
    except Exception as err:  # an engine raises anything from EOFError to ValueError on bad files
        raise IndexDamaged(index_dir, f"{type(err).__name__}: {err}") from None
    # Without a record of this commit's copies (a run cut short), every copy shows.
    reader.copy_groups = read_copies(index_dir, engine) or []
    return reader


# --- writing: lbsearch/updater.py ---------------------------------------------------------


class _WriteLock:
    """lbsearch's own lock on an index folder, for every engine: one writer at a time,
    a second one waits a bounded time. flock is released by the kernel when the
    holder dies, so a killed indexer never leaves a live lock behind."""

    def __init__(self, index_dir: Path):
        self.path = index_dir / LOCK_FILE
        self.handle = None

    def acquire(self, timeout: float) -> bool:
        self.handle = open(self.path, "a+b")
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(self.handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                return True
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    self.release()
                    return False
                time.sleep(0.25)

    def release(self) -> None:
        if self.handle is not None:
            self.handle.close()  # closing drops the flock
            self.handle = None


def update_index(corpus_root: Path, index_dir: Path, **options):
    """Bring the index up to date with the corpus (updater.update_index): loaded only
    when something is written, so that searching does not import the indexing code."""
    from .updater import update_index as update

    return update(corpus_root, index_dir, **options)
