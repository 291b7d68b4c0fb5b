"""The index folder, whatever the engine: metadata, checks on open, the write lock,
and replacing a whole index by one built beside it.

This module never prints. Writing an index from a corpus is updater.py's.

Beside the engine's own files the folder holds ``lbsearch.json``, which names
the engine, the schema version, the library versions, the folders the index
holds (its collections) and a checksum of every file of the last commit, and ``copies.json``, the groups of copies of
one story (copies.py) as of that commit. It is read before the engine opens anything,
so an index of another version is rebuilt or refused, never misread; a damaged
one is refused with the way out.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import shutil
import time
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from . import copies, engines
from .durable import sync_folder, write_json
from .engines import Engine, Reader
from .errors import IndexDamaged, IndexIncompatible, IndexMissing

if TYPE_CHECKING:
    from .corpus import Collection

SCHEMA_VERSION = 10
META_FILE = "lbsearch.json"
COPIES_FILE = "copies.json"
LOCK_FILE = "lbsearch.lock"
KEPT_FILES = (".gitignore", ".gitkeep")  # the user's, kept when an index is replaced
WRITE_LOCK_WAIT_SECONDS = 10.0
_REBUILD_PREFIX = "lbsearch-rebuild-"  # .NAME.lbsearch-rebuild-XXXX beside the folder NAME
_OLD_PREFIX = "lbsearch-old-"


# --- metadata and checks ---------------------------------------------------------------


def _expected_meta(engine: Engine) -> dict:
    return {"format": "lbsearch-index", "schema_version": SCHEMA_VERSION, "engine": engine.NAME,
            "copy_hash": copies.HASH_CHECK, **engine.versions()}


def read_meta(index_dir: Path) -> dict | None:
    try:
        meta = json.loads((index_dir / META_FILE).read_text("utf-8"))
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


def recorded_collections(index_dir: Path) -> list["Collection"]:
    """The folders the index holds, as lbsearch.json records them (an index of an
    earlier lbsearch recorded one corpus)."""
    from .corpus import Collection  # the corpus's reading rules: not loaded to search

    try:
        meta = read_meta(index_dir) or {}
    except IndexDamaged:
        return []
    if isinstance(meta.get("collections"), list):
        return [Collection(*pair) for pair in meta["collections"]]
    return [Collection(meta["corpus"], "")] if isinstance(meta.get("corpus"), str) else []


def write_meta(index_dir: Path, engine: Engine, collections: list["Collection"]) -> None:
    """Record the versions, the folders and a checksum of every file of the current commit.

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
        "collections": [[c.folder, c.prefix] for c in collections],
        "generation": engine.generation(index_dir),
        "files": files,
    }
    write_json(index_dir / META_FILE, meta, indent=1)
    sync_folder(index_dir)


def read_copies(index_dir: Path, engine: Engine) -> copies.CopyGroups | None:
    """The groups of copies recorded for the index's current commit; None when there is
    no record of that commit."""
    try:
        saved = json.loads((index_dir / COPIES_FILE).read_text("utf-8"))
        if saved["generation"] == engine.generation(index_dir):
            return copies.CopyGroups.from_json(saved["groups"])
    except (OSError, ValueError, KeyError, TypeError):
        pass
    return None


def write_copies(index_dir: Path, engine: Engine, groups: copies.CopyGroups) -> None:
    write_json(index_dir / COPIES_FILE, {"generation": engine.generation(index_dir), "groups": groups.groups})


def _crc32(path: Path) -> int:
    value = 0
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            value = zlib.crc32(chunk, value)
    return value


def verify(index_dir: Path, engine: Engine, meta: dict) -> None:
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
    if (index_dir / META_FILE).exists():
        return True
    try:
        return any(engines.load(name).exists(index_dir) for name in engines.NAMES)
    except OSError:
        return False


def holds_other_files(index_dir: Path) -> bool:
    """True for a folder that holds something other than an lbsearch index (or nothing)."""
    if index_exists(index_dir):
        return False
    return any(p.name not in (LOCK_FILE, *KEPT_FILES) for p in index_dir.iterdir())


# --- reading ---------------------------------------------------------------------------


@dataclass
class OpenIndex:
    """An index opened for searching: its engine's reader on one commit, and the groups
    of copies recorded for that commit."""

    folder: Path
    reader: Reader
    copies: copies.CopyGroups


def open_index(index_dir: Path) -> OpenIndex:
    """The index at index_dir, checked; IndexMissing/IndexIncompatible/IndexDamaged otherwise."""
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


def _open_checked(index_dir: Path, engine: Engine) -> OpenIndex:
    verify(index_dir, engine, read_meta(index_dir) or {})
    try:
        reader = engine.open_reader(index_dir)
    except Exception as err:  # an engine raises anything from EOFError to ValueError on bad files
        raise IndexDamaged(index_dir, f"{type(err).__name__}: {err}") from None
    # Without a record of this commit's copies (a run cut short), every copy shows.
    return OpenIndex(index_dir, reader, read_copies(index_dir, engine) or copies.CopyGroups([]))


# --- the write lock --------------------------------------------------------------------


class WriteLock:
    """lbsearch's own lock on an index folder, for every engine: one writer at a time,
    a second one waits a bounded time. flock is released by the kernel when the
    holder dies, so a killed indexer never leaves a live lock behind."""

    def __init__(self, index_dir: Path):
        self.path = index_dir / LOCK_FILE
        self.handle = None

    def acquire(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while True:
            self.handle = open(self.path, "a+b")
            try:
                fcntl.flock(self.handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                # A rebuild swaps the whole folder, lock file included: a lock taken on
                # the file of the folder swapped out guards nothing.
                if os.fstat(self.handle.fileno()).st_ino == os.stat(self.path).st_ino:
                    return True
            except (BlockingIOError, FileNotFoundError):
                pass
            self.release()
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.25)

    def release(self) -> None:
        if self.handle is not None:
            self.handle.close()  # closing drops the flock
            self.handle = None


# --- replacing a whole index ---------------------------------------------------------


def folder_beside(index_dir: Path) -> Path:
    """A new, empty folder next to index_dir (same filesystem, so that it can be swapped
    in by a rename) to build a replacement index in."""
    folder = _new_folder_beside(index_dir, _REBUILD_PREFIX)
    for name in KEPT_FILES:
        if (index_dir / name).is_file():
            shutil.copy2(index_dir / name, folder / name)
    return folder


def swap_in(new_dir: Path, index_dir: Path) -> None:
    """Put the index built in new_dir at index_dir and delete the old one.

    The two folders are exchanged in one atomic rename (Linux's renameat2
    RENAME_EXCHANGE), so that a search, or a kill at any moment, finds the old
    index or the new one at index_dir, never none. Where the system cannot
    exchange, two renames leave a moment without one, which the next run repairs
    (clean_beside).
    """
    if not _exchange(new_dir, index_dir):
        old = _new_folder_beside(index_dir, _OLD_PREFIX)
        os.rename(index_dir, old / "index")
        os.rename(new_dir, index_dir)
        new_dir = old
    sync_folder(index_dir.parent)
    shutil.rmtree(new_dir, ignore_errors=True)


def _new_folder_beside(index_dir: Path, prefix: str) -> Path:
    import tempfile  # only writers get here: a search's start-up never loads it

    return Path(tempfile.mkdtemp(prefix=f".{index_dir.name}.{prefix}", dir=index_dir.parent))


def _exchange(a: Path, b: Path) -> bool:
    try:
        import ctypes  # only a rebuild swaps folders: a search never loads it

        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(b))


def clean_beside(index_dir: Path) -> None:
    """Remove what a killed rebuild left next to index_dir; put back an old index that
    was moved out and never replaced. Call with the write lock held."""
    for path in index_dir.parent.glob(f".{index_dir.name}.{_OLD_PREFIX}*"):
        moved = path / "index"
        if moved.is_dir() and not index_exists(index_dir):
            shutil.rmtree(index_dir, ignore_errors=True)
            os.rename(moved, index_dir)
        shutil.rmtree(path, ignore_errors=True)
    for path in index_dir.parent.glob(f".{index_dir.name}.{_REBUILD_PREFIX}*"):
        shutil.rmtree(path, ignore_errors=True)
