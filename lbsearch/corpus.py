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

import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable

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


@dataclass(frozen=True)
class CorpusFile:
    path: str  # where to read it
    relative: str  # its place in the corpus, "/"-separated: the key of its article
    mtime_ns: int | None = None  # as listed; None when the listing could not stat it
    size: int | None = None
    folder: str = ""  # the collection's folder, absolute
    article_id: str = ""  # its id (with_ids): its articles' ids are this, or this, "#" and a record's key


def list_files(root: Path, on_warning: Callable[[str], None], prefix: str = "") -> list[CorpusFile]:
    """The corpus files under root, sorted by relative path (prefix first), with their
    size and time.

    Walks with os.scandir, builds each path once as a string and takes each stat
    from the listing: at 100,000 files, os.walk with pathlib's relative_to and
    is_symlink took 6 s of a 7 s re-index.
    """
    if not root.is_dir():
        raise CorpusError(f"corpus folder {root} does not exist or is not a folder")
    real_root = root.resolve()
    collection = without_surrogates(str(real_root))
    found: list[CorpusFile] = []
    pending = [(str(root), prefix)]  # a folder to list, and its place in the index
    while pending:
        folder, place = pending.pop()
        try:
            with os.scandir(folder) as listing:
                entries = list(listing)
        except OSError as err:
            on_warning(f"{err.filename}: cannot list folder: {err.strerror}")
            continue
        for entry in entries:
            name = without_surrogates(entry.name)
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
            try:
                stat = entry.stat()
                found.append(CorpusFile(entry.path, place + name, stat.st_mtime_ns, stat.st_size, collection))
            except OSError:  # gone or unreadable since it was listed: reading it says why
                found.append(CorpusFile(entry.path, place + name, folder=collection))
    found.sort(key=lambda f: f.relative)
    return found


def with_ids(files: list[CorpusFile]) -> list[CorpusFile]:
    """The files with their ids: the place without its extension, or with it for every
    file but the first by kind of those that share a name."""
    by_id: dict[str, list[CorpusFile]] = {}
    for item in files:
        by_id.setdefault(article_id_for(item.relative), []).append(item)
    named = []
    for article_id, sharing in by_id.items():
        sharing.sort(key=lambda f: SUFFIXES.index(_suffix(f.relative)) if _suffix(f.relative) in SUFFIXES else 99)
        named.append(replace(sharing[0], article_id=article_id))
        named += [replace(item, article_id=item.relative) for item in sharing[1:]]
    named.sort(key=lambda f: f.relative)
    return named


def _suffix(relative: str) -> str:
    return relative[relative.rfind("."):].lower()


def _inside(path: Path, real_root: Path) -> bool:
    try:
        path.resolve().relative_to(real_root)
        return True
    except (ValueError, OSError, RuntimeError):
        return False
