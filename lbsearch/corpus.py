"""Which files make up the corpus: the folders an index holds (its collections), and
under each, recursively, every file extract.py reads (.txt, .md, .html, .htm,
.jsonl, .json).

A file's place in the index is its collection's prefix and its path in the
folder: the first folder an index was given has none, each later one its name
and a colon ("news:2024/001.txt"), so that two folders that both hold 001.txt
give two articles, and adding a folder never changes an id already given.
A file name that is not valid UTF-8 keeps its place with the undecodable bytes
written as "\xff".

Symbolic links are followed only when they lead to a file inside the corpus;
anything else is reported as a warning, never an error.
"""

from __future__ import annotations

import gc
import os
from contextlib import contextmanager
from dataclasses import dataclass
from operator import attrgetter
from pathlib import Path
from typing import Callable, Iterator, NamedTuple

from .errors import CorpusError
from .extract import SUFFIXES, article_id_for
from .text import without_surrogates


@dataclass(frozen=True)
class Collection:
    """A folder an index holds, and the prefix of its files' places in the index."""

    folder: str  # absolute
    prefix: str  # "" for the first folder, "NAME:" for later ones

    @property
    def name(self) -> str:
        return self.prefix[:-1] or Path(self.folder).name


def add_collections(recorded: list[Collection], folders: list[Path]) -> list[Collection]:
    """The recorded collections and any new folders after them, each with a prefix
    no other collection has."""
    collections = list(recorded)
    for folder in folders:
        folder_text = str(folder.resolve())
        if any(c.folder == folder_text for c in collections):
            continue
        taken = {c.prefix for c in collections}
        prefix = "" if not collections else f"{folder.resolve().name or 'folder'}:"
        number = 2
        while prefix in taken:
            prefix = f"{folder.resolve().name}-{number}:"
            number += 1
        collections.append(Collection(folder_text, prefix))
    return collections


class CorpusFile(NamedTuple):
    """A corpus file as listed. A named tuple, not a frozen dataclass: the listing makes
    one per file at every run, and a frozen dataclass took three times as long to build
    (1.7 against 0.6 microseconds, a second at a million files)."""

    path: str  # where to read it
    relative: str  # its place in the corpus, "/"-separated: the key of its article
    mtime_ns: int | None = None  # as listed; None when the listing could not stat it
    size: int | None = None
    folder: str = ""  # the collection's folder, absolute
    article_id: str = ""  # its id: its articles' ids are this, or this, "#" and a record's key


_RELATIVE, _ARTICLE_ID = attrgetter("relative"), attrgetter("article_id")


def list_files(root: Path, on_warning: Callable[[str], None], prefix: str = "") -> list[CorpusFile]:
    """The corpus files under root, sorted by relative path (prefix first), with their
    size, time and own id (article_id_for: with_ids settles the names several files share).

    Walks with os.scandir, builds each path once as a string and takes each stat
    from the listing: at 100,000 files, os.walk with pathlib's relative_to and
    is_symlink took 6 s of a 7 s re-index. What is left is mostly the stat of each
    file: 75-80% of the listing, 4-5 microseconds a file on the 2-core virtual
    machine of the benchmarks (threads that stat did not help there).
    """
    if not root.is_dir():
        raise CorpusError(f"corpus folder {root} does not exist or is not a folder")
    real_root = root.resolve()
    collection = without_surrogates(str(real_root))
    with _collector_paused():
        found = _walk(str(root), prefix, real_root, collection, on_warning)
    found.sort(key=_RELATIVE)
    return found


def _walk(root: str, prefix: str, real_root: Path, collection: str,
          on_warning: Callable[[str], None]) -> list[CorpusFile]:
    """list_files' walk: the files of root and its subfolders, in no order."""
    found: list[CorpusFile] = []
    add = found.append
    pending = [(root, prefix)]  # a folder to list, and its place in the index
    while pending:
        folder, place = pending.pop()
        try:
            with os.scandir(folder) as listing:
                entries = list(listing)
        except OSError as err:
            on_warning(f"{err.filename}: cannot list folder: {err.strerror}")
            continue
        for entry in entries:
            name = entry.name
            if not name.isascii():  # an undecodable byte is a lone surrogate: only then is it rewritten
                name = without_surrogates(name)
            if entry.is_dir(follow_symlinks=False):
                pending.append((entry.path, f"{place}{name}/"))
                continue
            is_link = entry.is_symlink()
            if is_link and entry.is_dir():
                # Not followed; inside the corpus its files are found anyway.
                if not _inside(Path(entry.path), real_root):
                    on_warning(f"{entry.path}: symbolic link leads outside the corpus: not followed")
                continue
            lower = name.lower()
            if not lower.endswith(SUFFIXES) or lower in SUFFIXES:  # ".txt" alone has no suffix
                continue
            if is_link:
                if not os.path.exists(entry.path):
                    on_warning(f"{entry.path}: broken symbolic link: skipped")
                    continue
                if not _inside(Path(entry.path), real_root):
                    on_warning(f"{entry.path}: symbolic link leads outside the corpus: not followed")
                    continue
            relative = place + name
            # article_id_for(relative), which for a listed name (it ends in a suffix and
            # is more than one) is the place and the name up to its last dot.
            own_id = relative[:len(place) + name.rfind(".")]
            try:
                stat = entry.stat()
                add(CorpusFile(entry.path, relative, stat.st_mtime_ns, stat.st_size, collection, own_id))
            except OSError:  # gone or unreadable since it was listed: reading it says why
                add(CorpusFile(entry.path, relative, folder=collection, article_id=own_id))
    return found


@contextmanager
def _collector_paused() -> Iterator[None]:
    """The cyclic garbage collector off for a while. A listing makes objects by the
    hundred thousand, none in a cycle, and the collector went through them again and
    again: 13% of list_files at 100,000 files."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def with_ids(files: list[CorpusFile]) -> list[CorpusFile]:
    """The files (as list_files gives them: sorted by relative path) with their ids, in
    the same order: the place without its extension, or with it for every file but
    the first by kind of those that share a name.

    Nearly every file has a name of its own: the files are kept as they are and only
    those that share one are made again (a copy of every file and a sort per name
    were 0.9 s of a 2.7 s re-index at 100,000 files).
    """
    named, own = list(files), list(map(_ARTICLE_ID, files))
    if "" in own:  # files not from list_files: their own ids first
        for number, item in enumerate(named):
            if not item.article_id:
                named[number] = item._replace(article_id=article_id_for(item.relative))
                own[number] = named[number].article_id
    if len(set(own)) < len(own):
        sharing: dict[str, list[int]] = {}
        for number, article_id in enumerate(own):
            sharing.setdefault(article_id, []).append(number)
        for numbers in sharing.values():
            if len(numbers) > 1:
                numbers.sort(key=lambda n: _kind(named[n].relative))  # stable: ties keep the listing's order
                for number in numbers[1:]:
                    named[number] = named[number]._replace(article_id=named[number].relative)
    return named


def _kind(relative: str) -> int:
    """The order in which files that share a name keep it: by SUFFIXES."""
    suffix = relative[relative.rfind("."):].lower()
    return SUFFIXES.index(suffix) if suffix in SUFFIXES else 99


def _inside(path: Path, real_root: Path) -> bool:
    try:
        path.resolve().relative_to(real_root)
        return True
    except (ValueError, OSError, RuntimeError):
        return False
