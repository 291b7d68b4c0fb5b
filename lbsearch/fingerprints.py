"""What the index knows of each corpus file it holds: the fingerprint (modification
time, size and content hash) that tells whether the file changed, and the store of
every file's fingerprint beside the index (FILE), which lets a run with no change
read neither the index nor the entries.

The store holds its entries in pages of about PAGE files, by place in the corpus,
and ends with a header naming the commit it belongs to, the files that gave no
article (read again at every run), and for each page its first place, its count,
the CRC-32 of its bytes and a digest of its files as they were indexed (place,
time, size and id, hashed together). A run hashes its listing of the corpus the
same way, page by page: a page whose digest is the listing's has no file that
changed, went or came, and is not read. So a run with nothing changed reads the
header alone, and one with an edited file reads the page that holds it. Saving
copies the bytes of the pages that were not read and writes the others again.

The store is replaced whole at each save (written beside it, synced, renamed over
it): a kill leaves the old store or the new one. A store cut short, damaged or of
another commit is not trusted: the run asks the index instead. The
fingerprints.json of an index of an earlier version is read once, then replaced.

Measured at 1,000,000 synthetic files (python -m bench.fingerprints, CPU seconds
on two shared cores): the JSON document of earlier versions took 5.2-5.5 s and
377 MiB to load and check every file against, at every run; the store's part of
a run with nothing changed is 0.65-0.95 s and 14 MiB, with one file edited
0.7 s (one page read, the others copied). Saving it whole (after a rebuild) takes
2.1-2.2 s against the JSON's 1.0-1.2 s: the digests parse every entry.
"""

from __future__ import annotations

import hashlib
import json
import os
import zlib
from array import array
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from functools import cached_property
from itertools import chain, islice
from operator import attrgetter, le
from pathlib import Path
from typing import Iterable, Protocol

FILE = "fingerprints.bin"
OLD_FILE = "fingerprints.json"  # the store of earlier versions: read once, then removed
RACY = "racy"
PAGE = 1000  # files a page holds, about: an edit reads and writes one page again
_MAGIC = b"lbsearch fingerprints 3"
_TRAILER = len(_MAGIC) + 1 + 16 + 1 + 16 + 1 + 8 + 1  # magic, header offset, header length, its CRC-32


@dataclass(frozen=True)
class Fingerprint:
    mtime_ns: int | None  # None: modified too close to the run to be trusted next time
    size: int
    data_hash: str  # sha1 of the bytes read
    article_id: str  # the id the file was indexed with (corpus.with_ids)

    @classmethod
    def parse(cls, text: str) -> Fingerprint:
        mtime, size, data_hash, article_id = text.split(":", 3)
        return cls(None if mtime == RACY else int(mtime), int(size), data_hash, article_id)

    def __str__(self) -> str:
        mtime = RACY if self.mtime_ns is None else self.mtime_ns
        return f"{mtime}:{self.size}:{self.data_hash}:{self.article_id}"

    def unchanged(self, mtime_ns: int | None, size: int | None, article_id: str) -> bool:
        """True when a file with this time and size, given this id, is taken as unchanged
        (a file whose id changed, because another now shares or no longer shares its
        name, is read again)."""
        return self.mtime_ns is not None and (self.mtime_ns, self.size, self.article_id) == (mtime_ns, size, article_id)


def unchanged(text: str, mtime_ns: int | None, size: int | None, article_id: str) -> bool:
    """Fingerprint.parse(text).unchanged(mtime_ns, size, article_id), told from the
    text without parsing it."""
    if mtime_ns is None:
        return False
    head = f"{mtime_ns}:{size}:"
    if not text.startswith(head):
        return False
    end = text.find(":", len(head))  # the content hash holds no colon
    return end >= 0 and text[end + 1:] == article_id


class Listed(Protocol):
    """A corpus file as the listing gives it (corpus.CorpusFile)."""

    relative: str
    mtime_ns: int | None
    size: int | None
    article_id: str


_RELATIVE, _MTIME, _SIZE, _ID = map(attrgetter, ("relative", "mtime_ns", "size", "article_id"))


def _digest(relatives: list[str], mtimes: Iterable[int], sizes: Iterable[int], ids: Iterable[str]) -> str:
    """A hash of files' places, times, sizes and ids, a column at a time (C-speed passes,
    no object per file). Every place and id ends with a NUL, which none holds."""
    digest = hashlib.sha1(("\0".join(relatives) + "\0").encode("utf-8", "surrogatepass"))
    digest.update(("\0".join(ids) + "\0").encode("utf-8", "surrogatepass"))
    digest.update(array("q", mtimes).tobytes())
    digest.update(array("q", sizes).tobytes())
    return digest.hexdigest()


def _listing_digest(relatives: list[str], files: list[Listed]) -> str | None:
    """The digest of files as listed; None when one could not be stat'ed (it is read again)."""
    try:
        return _digest(relatives, map(_MTIME, files), map(_SIZE, files), map(_ID, files))
    except (TypeError, OverflowError):  # a time or size of None
        return None


def _entries_digest(keys: list[str], texts: list[str]) -> str:
    """The digest of the listing that shows these files as their fingerprints have them;
    "" when one has a time not trusted (RACY): that page matches no listing."""
    try:
        mtimes, sizes, _, ids = zip(*(text.split(":", 3) for text in texts))
        if RACY in mtimes:
            return ""
        return _digest(keys, map(int, mtimes), map(int, sizes), ids)
    except (ValueError, OverflowError):
        return ""


@dataclass(frozen=True)
class Page:
    """Some files' fingerprints: the entries from first on, up to the next page's first."""

    first: str
    count: int
    offset: int  # of its bytes in the store
    size: int
    crc: int  # CRC-32 of its bytes
    digest: str  # of its files as indexed (_entries_digest); "" when one's time is not trusted


@dataclass(frozen=True)
class Saved:
    """A store of one commit, its header read; its pages are read when asked for."""

    path: Path
    generation: object
    skipped: frozenset[str]  # corpus files that gave no article: read at every run
    pages: tuple[Page, ...] = ()
    identity: tuple = ()  # device, inode, size and time of the file the header came from
    # fingerprints.json of an earlier version: every entry, read at once.
    earlier: dict[str, str] | None = field(default=None, repr=False)

    @cached_property
    def _firsts(self) -> list[str]:
        """Where each page but the first begins: the first takes every place before the second's."""
        return [page.first for page in self.pages[1:]]

    def compare(self, files: list[Listed]) -> Comparison | None:
        """What the store says of the listed files: which pages hold no file that changed,
        went or came (their files are unchanged, and the pages are not read), and the
        entries of the others, whose files are to be checked one by one. None when a
        page that is needed is damaged: then the index is asked."""
        if self.earlier is not None:
            return Comparison(self, 0, list(files), [], dict(self.earlier), None)
        again, held = [], files
        if self.skipped:
            again = [f for f in files if f.relative in self.skipped]
            if again:
                held = [f for f in files if f.relative not in self.skipped]
        relatives = list(map(_RELATIVE, held))
        if not all(map(le, relatives, islice(relatives, 1, None))):
            held = sorted(held, key=_RELATIVE)
            relatives = list(map(_RELATIVE, held))
        if not self.pages:
            return Comparison(self, 0, list(held), again, {}, frozenset())
        bounds = [0, *(bisect_left(relatives, first) for first in self._firsts), len(held)]
        unchanged, checked, differ = 0, [], []
        for number, page in enumerate(self.pages):
            start, end = bounds[number], bounds[number + 1]
            if (end - start == page.count and page.digest
                    and _listing_digest(relatives[start:end], held[start:end]) == page.digest):
                unchanged += page.count
            else:
                differ.append(number)
                checked += held[start:end]
        known = self.entries(differ)
        return None if known is None else Comparison(self, unchanged, checked, again, known, frozenset(differ))

    def page_of(self, relative: str) -> int:
        """The number of the page that holds (or would hold) this file."""
        return bisect_right(self._firsts, relative)

    def entries(self, numbers: Iterable[int]) -> dict[str, str] | None:
        """Corpus file -> fingerprint text, of the given pages; None when the store was
        replaced since its header was read, or one of them is damaged."""
        if self.earlier is not None:
            return dict(self.earlier)
        found: dict[str, str] = {}
        numbers = sorted(numbers)
        if not numbers:
            return found
        try:
            with open(self.path, "rb") as handle:
                if _identity(handle) != self.identity:
                    return None
                for number in numbers:
                    page = self.pages[number]
                    handle.seek(page.offset)
                    data = handle.read(page.size)
                    if len(data) != page.size or zlib.crc32(data) != page.crc:
                        return None
                    parts = data.decode("utf-8", "surrogatepass").split("\0")
                    if len(parts) != 2 * page.count:
                        return None
                    pairs = iter(parts)
                    found.update(zip(pairs, pairs))
        except (OSError, UnicodeDecodeError):
            return None
        return found

    def fingerprints(self) -> dict[str, str] | None:
        """Every entry: corpus file -> fingerprint text; None when the store is damaged."""
        return self.entries(range(len(self.pages)))


@dataclass
class Comparison:
    """A listing of the corpus against the store (Saved.compare)."""

    saved: Saved
    unchanged: int  # files of the pages that match the listing: none of them changed
    checked: list  # the listed files of the other pages: each is checked against known
    again: list  # listed files that gave no article when last read: read at every run
    known: dict[str, str]  # the entries of the pages that do not match
    read: frozenset[int] | None  # their numbers; None: every entry is in known

    def unread(self, relatives: Iterable[str]) -> dict[str, str]:
        """The fingerprints the store holds of these files, from the pages not read
        (a damaged page gives none)."""
        if self.read is None:
            return {}
        wanted: dict[int, list[str]] = {}
        for relative in relatives:
            number = self.saved.page_of(relative)
            if number not in self.read:
                wanted.setdefault(number, []).append(relative)
        if not wanted:
            return {}
        entries = self.saved.entries(wanted) or {}
        return {r: entries[r] for group in wanted.values() for r in group if r in entries}


def _identity(handle) -> tuple:
    stat = os.fstat(handle.fileno())
    return stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns


def open_saved(index_dir: Path, generation) -> Saved | None:
    """The store beside the index, its header read, when it belongs to the given commit
    (or the fingerprints.json of an earlier version, read whole); else None."""
    saved = _open_store(index_dir / FILE)
    if saved is not None and saved.generation == generation:
        return saved
    try:
        earlier = json.loads((index_dir / OLD_FILE).read_text("utf-8"))
        if earlier["generation"] == generation:
            return Saved(index_dir / OLD_FILE, generation, frozenset(), earlier=dict(earlier["fingerprints"]))
    except (OSError, ValueError, KeyError, TypeError):
        pass
    return None


def _open_store(path: Path) -> Saved | None:
    """The store at path, its header read, or None when it is no whole store."""
    try:
        with open(path, "rb") as handle:
            identity = _identity(handle)
            size = identity[2]
            if size < _TRAILER:
                return None
            handle.seek(size - _TRAILER)
            magic, offset, length, crc = handle.read(_TRAILER).rstrip(b"\n").rsplit(b" ", 3)
            offset, length = int(offset), int(length)
            if magic != _MAGIC or offset + length + _TRAILER != size:
                return None
            handle.seek(offset)
            header = handle.read(length)
        if zlib.crc32(header) != int(crc, 16):
            return None
        header = json.loads(header)
        pages, at = [], 0
        for first, count, page_size, page_crc, digest in header["pages"]:
            pages.append(Page(first, count, at, page_size, page_crc, digest))
            at += page_size
        if at != offset:
            return None
        return Saved(path, header["generation"], frozenset(header["skipped"]), tuple(pages), identity)
    except (OSError, ValueError, KeyError, TypeError):
        return None


def read_saved(index_dir: Path, generation) -> dict[str, str] | None:
    """Corpus file -> fingerprint text, as the last run saved them, when they belong
    to the given commit; else None."""
    saved = open_saved(index_dir, generation)
    return saved.fingerprints() if saved else None


def save(index_dir: Path, generation, fingerprints: dict[str, str], skipped: Iterable[str] = (),
         base: Comparison | None = None) -> None:
    """Replace the store with the fingerprints of the given commit. skipped: the corpus
    files that gave no article (they are read again at every run).

    Without base, fingerprints holds every file. With the comparison this run made,
    it holds the files of the pages read (as they now are: one missing is gone) and
    any other that changed; the other pages' bytes are copied from the store. When
    that store cannot be read after all, it is removed: the next run asks the index.
    """
    path = index_dir / FILE
    tmp = path.with_name(FILE + ".tmp")
    try:
        with open(tmp, "wb") as out:
            pages = _write_pages(out, fingerprints, base)
            if pages is not None:
                header = json.dumps({"generation": generation, "skipped": sorted(set(skipped)),
                                     "pages": [[p.first, p.count, p.size, p.crc, p.digest] for p in pages]},
                                    separators=(",", ":")).encode("ascii")
                out.write(header)
                out.write(b"%s %016d %016d %08x\n" % (_MAGIC, out.tell() - len(header), len(header),
                                                      zlib.crc32(header)))
                out.flush()
                os.fsync(out.fileno())
        if pages is None:
            tmp.unlink()
            path.unlink(missing_ok=True)
        else:
            os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)  # a full disk: the space is given back
        raise
    (index_dir / OLD_FILE).unlink(missing_ok=True)


def _write_pages(out, fingerprints: dict[str, str], base: Comparison | None) -> list[Page] | None:
    """Write the entries' pages; their headers, or None when the pages that were to be
    copied could not be read."""
    if base is None or base.read is None or not base.saved.pages:
        return _write_new(out, fingerprints, [])
    saved = base.saved
    buckets: dict[int, dict[str, str]] = {}  # page -> its entries as they now are
    for relative, text in fingerprints.items():
        buckets.setdefault(saved.page_of(relative), {})[relative] = text
    # An entry of a page not read (a file that gave no article and now gives some)
    # has that page read and written again.
    more = [number for number in buckets if number not in base.read]
    if more:
        old = saved.entries(more)
        if old is None:
            return None
        for relative, text in old.items():
            buckets[saved.page_of(relative)].setdefault(relative, text)
    written = base.read | set(more)
    pages: list[Page] = []
    try:
        source = open(saved.path, "rb")
    except OSError:
        return None
    with source:
        if _identity(source) != saved.identity:
            return None
        number = 0
        while number < len(saved.pages):
            end = number
            if number in written:  # a run of pages written again: cut into pages anew
                entries: dict[str, str] = {}
                while end < len(saved.pages) and end in written:
                    entries.update(buckets.get(end, {}))
                    end += 1
                _write_new(out, entries, pages)
            else:  # a run of pages copied as they are
                at = out.tell()
                while end < len(saved.pages) and end not in written:
                    page = saved.pages[end]
                    pages.append(Page(page.first, page.count, at, page.size, page.crc, page.digest))
                    at, end = at + page.size, end + 1
                start = saved.pages[number].offset
                _copy(source, out, start, saved.pages[end - 1].offset + saved.pages[end - 1].size - start)
            number = end
    return pages


def _write_new(out, entries: dict[str, str], pages: list[Page]) -> list[Page]:
    """Write the entries as pages of PAGE to 2 PAGE files, in order of place; pages gets
    their headers."""
    keys = sorted(entries)
    parts = max(1, len(keys) // PAGE)
    for part in range(parts if keys else 0):
        chunk = keys[part * len(keys) // parts:(part + 1) * len(keys) // parts]
        texts = list(map(entries.__getitem__, chunk))
        data = "\0".join(chain.from_iterable(zip(chunk, texts))).encode("utf-8", "surrogatepass")
        pages.append(Page(chunk[0], len(chunk), out.tell(), len(data), zlib.crc32(data),
                          _entries_digest(chunk, texts)))
        out.write(data)
    return pages


def _copy(source, out, offset: int, length: int) -> None:
    """Copy length bytes of source from offset to the end of out."""
    out.flush()
    try:
        while length > 0:  # in the kernel, where it can
            done = os.copy_file_range(source.fileno(), out.fileno(), length, offset)
            if not done:
                break
            offset, length = offset + done, length - done
        out.seek(0, os.SEEK_END)
    except (AttributeError, OSError):
        out.seek(0, os.SEEK_END)
    if length > 0:
        source.seek(offset)
        while length > 0:
            data = source.read(min(length, 1 << 20))
            if not data:
                raise OSError(f"{source.name}: shorter than its header says")
            out.write(data)
            length -= len(data)
