"""Copies of one story: the same page scraped twice, or one story on two sites.

Two articles are copies when they have the same address, or when their cleaned
texts are at least 90% the same: the Jaccard similarity of their sets of
four-syllable shingles (folded), estimated by a MinHash of 64 slots (rensa's
compiled R-MinHash where rensa is installed, else a one-permutation MinHash in
Python), and computed on the two texts where the estimate is near 0.9.
Candidate pairs come from locality-sensitive hashing: the slots in 8 bands of
8, each band one term, so that finding an article's copies among 100,000 is a
handful of lookups, never a comparison with every article.

A signature lives in memory only, made while an article is read (from the
syllable pairs its analysis made) and made again from the stored text of an
indexed article when it is a candidate: the index keeps the band terms, not the
signature (192 bytes an article, 5% of an index).

A group of copies is one story; its kept copy (the one a search shows) is the
fullest, then the earliest, then the first by path. Groups are what the index
folder's copies.json holds (index.py reads and writes it); this module finds
them (regroup: after an update, from the last commit's groups and the articles
read) and answers questions about them (CopyGroups), and never touches files.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass
from datetime import date
from itertools import islice, repeat
from operator import eq
from typing import TYPE_CHECKING, Callable, NamedTuple
from zlib import crc32

from . import dates
from .analysis import PAIR_JOINER, folded_text

try:  # a compiled MinHash: a third of the time of the Python one (BENCHMARKS.md)
    from rensa import RMinHash
except ImportError:  # no wheel for this machine: the Python MinHash, as fast as Python gets it
    RMinHash = None

if TYPE_CHECKING:
    from .engines import Reader

SLOTS = 64
BANDS = 8
ROWS = SLOTS // BANDS
SHINGLE = 4  # syllables
THRESHOLD = 0.9
# Estimates in this range are checked on the texts themselves (about 2 standard errors each side).
UNSURE_LOW, UNSURE_HIGH = 0.8, 0.98
_EMPTY = 0xFFFF  # a slot no shingle fell into (texts under about 64 shingles)
_SEED = 0x1b5  # rensa's permutations: a signature depends on it
# An index records this value and is rebuilt when it differs (index.py), so that
# signatures and band terms of two kinds are never compared: rensa's signatures,
# by its algorithm version (0.5 changed them), or Python's, whose tuple hashing is
# CPython's and could change between versions; and the form of the band terms
# and shingles ("bands-3": band terms of 5 bytes in base64, shingles joined by "_",
# no signature in the stored record).
HASH_CHECK = (f"rensa-{RMinHash.ALGORITHM_VERSION}" if RMinHash else f"python-{hash((1, 2, 3, 4)) & 0xFFFF}") + "/bands-3"

# Every syllable's number (its CRC-32), computed once per process and looked up with
# map(), as analysis.py does for its tables.
_SYLLABLE_IDS: dict[str, int] = {}


def _syllable_ids(words: list[str]) -> list[int]:
    try:
        return list(map(_SYLLABLE_IDS.__getitem__, words))
    except KeyError:
        pass
    if len(_SYLLABLE_IDS) > 1_000_000:  # a stream of junk words cannot grow the table further
        _SYLLABLE_IDS.clear()
    for word in words:
        if word not in _SYLLABLE_IDS:
            _SYLLABLE_IDS[word] = crc32(word.encode("utf-8", "surrogatepass"))
    return list(map(_SYLLABLE_IDS.__getitem__, words))


def _shingle_hashes(words: list[str]):
    """The hash of every four syllables in a row."""
    ids = _syllable_ids(words)
    return map(hash, zip(*(ids[k:] for k in range(SHINGLE))) if len(ids) >= SHINGLE else iter([tuple(ids)]))


def signature(folded: str) -> bytes:
    """The MinHash signature of a text's folded syllables (space-separated): 64
    slots of 16 bits."""
    return words_signature(folded.split())


def words_signature(words: list[str], pairs: list[str] | None = None) -> bytes:
    """The signature of folded syllables, given as a list; pairs, when known, are
    the syllables joined two by two (analysis.analyse made them for the index)."""
    if RMinHash is not None:
        return _rensa_signature(words, pairs)
    return _python_signature(words)


def _rensa_signature(words: list[str], pairs: list[str] | None = None) -> bytes:
    """rensa's R-MinHash of the four-syllable shingles, given as text (rensa hashes
    them in Rust): 16 bits of each slot are kept, never _EMPTY (every slot is filled).

    Measured (bench/signatures.py): making the shingles' text is most of the time;
    joining pairs two apart makes each with one join: 40 µs of CPU for an article
    of 370 syllables, where making them from the folded text took 64."""
    if len(words) >= SHINGLE:
        if pairs is None:
            pairs = list(map(PAIR_JOINER.join, zip(words, islice(words, 1, None))))
        shingles = list(map(PAIR_JOINER.join, zip(pairs, islice(pairs, 2, None))))
    else:
        shingles = [PAIR_JOINER.join(words)]
    sketch = RMinHash(SLOTS, _SEED)
    try:
        sketch.update(shingles)
    except UnicodeEncodeError:  # a lone surrogate (never in folded text): hashed as its bytes
        sketch = RMinHash(SLOTS, _SEED)
        sketch.update([shingle.encode("utf-8", "surrogatepass") for shingle in shingles])
    return array("H", [value % _EMPTY for value in sketch.digest()]).tobytes()


def _python_signature(words: list[str]) -> bytes:
    """One permutation, 64 slots: each shingle's hash picks a slot by its low bits,
    and a slot keeps the smallest hash it got; 16 bits of each are kept. Every
    step runs at C speed once the syllables are known.
    """
    hashes = sorted(_shingle_hashes(words), reverse=True)
    # Built from the largest down, the dict keeps each slot's smallest hash.
    smallest = dict(zip(map(int.__and__, hashes, repeat(SLOTS - 1)), hashes))
    return array("H", [(smallest[s] >> 6) & 0xFFFF if s in smallest else _EMPTY for s in range(SLOTS)]).tobytes()


_BAND_BYTES = 2 * ROWS
# A band's 16 bytes are hashed to 5 in its term, 8 characters: among a million
# articles about four pairs share a band term by chance (candidates that their
# signatures then tell apart).
_BAND_TERM_BYTES = 5


def band_terms(sig: bytes, url: str | None) -> list[str]:
    """The terms an article is found by when its copies are looked for: one per band
    of its signature (the band's number, and its 16 bytes hashed to 5 in base64), and
    its address.

    Nearly every band term is in one article only, an entry of its own in the term
    dictionary: at 20,000 articles the band terms weighed 5.2 MiB of the term
    dictionary (8% of the index) as the 16 bytes in hex, 3.4 MiB of the index as 8
    bytes in hex, 2.5 MiB as 5 bytes in base64 (bench/sources.py --sizes)."""
    # Imported here, by an index writer: a search never makes band terms, and hashlib's
    # import (OpenSSL's) cost every search 3 ms.
    import hashlib
    from base64 import urlsafe_b64encode

    def band_hash(band: bytes) -> str:
        digest = hashlib.blake2b(band, digest_size=_BAND_TERM_BYTES).digest()
        return urlsafe_b64encode(digest).decode("ascii").rstrip("=")

    terms = [f"{n}{band_hash(sig[n * _BAND_BYTES:(n + 1) * _BAND_BYTES])}" for n in range(BANDS)]
    if url:
        terms.append("u:" + hashlib.sha1(url.encode("utf-8")).hexdigest()[:20])
    return terms


def jaccard(first: str, second: str) -> float:
    """The exact Jaccard similarity of two texts' shingles (folded syllables)."""
    a, b = set(_shingle_hashes(first.split())), set(_shingle_hashes(second.split()))
    return len(a & b) / len(a | b) if a | b else 1.0


def similarity(a: bytes, b: bytes) -> float:
    """Estimated Jaccard similarity of two signatures' texts."""
    first, second = array("H", a), array("H", b)
    if _EMPTY not in first and _EMPTY not in second:  # always with rensa
        return sum(map(eq, first, second)) / SLOTS
    filled = [(x, y) for x, y in zip(first, second) if x != _EMPTY or y != _EMPTY]
    if not filled:
        return 1.0 if a == b else 0.0
    return sum(x == y for x, y in filled) / len(filled)


@dataclass(frozen=True, slots=True)  # one per article read: 537 bytes with its strings, 708 with a __dict__
class Member:
    """What deciding copies needs of one article."""

    id: str
    path: str
    source: str  # the corpus file it came from
    url: str | None
    length: int  # characters of its cleaned text
    date_num: int  # dates.date_number; 0 = unknown
    signature: bytes  # words_signature


def member_from_record(record: dict, sig: bytes | None = None) -> Member:
    """A Member from an article's record (reading.FileReader makes them, the index
    stores them): with its signature when the reader just made it, else made again
    from the text (about 0.25 ms)."""
    published = record.get("date")
    if sig is None:
        sig = signature(folded_text(record["title"], record["body"]))
    return Member(
        id=record["id"], path=record["path"], source=record["source"], url=record.get("url"),
        length=len(record["title"]) + len(record["body"]),
        date_num=dates.date_number(date.fromisoformat(published) if published else None),
        signature=sig,
    )


def are_copies(a: Member, b: Member, text_of: Callable[[str], str] | None = None) -> bool:
    """The same address, or 90% the same text. The signatures' estimate errs by about
    0.04 near 0.9 (64 slots): there, text_of(id) gives each article's folded text,
    and the exact similarity decides."""
    if a.url and a.url == b.url:
        return True
    estimate = similarity(a.signature, b.signature)
    if text_of is None or not UNSURE_LOW <= estimate < UNSURE_HIGH:
        return estimate >= THRESHOLD
    return jaccard(text_of(a.id), text_of(b.id)) >= THRESHOLD


class Groups:
    """Union-find over article ids: the stories found so far."""

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, item: str) -> str:
        parent = self.parent.setdefault(item, item)
        while parent != item:
            self.parent[item] = self.parent.setdefault(parent, parent)
            item, parent = parent, self.parent[parent]
        return item

    def join(self, a: str, b: str) -> None:
        root_a, root_b = self.find(a), self.find(b)
        if root_a != root_b:
            self.parent[max(root_a, root_b)] = min(root_a, root_b)

    def groups(self) -> list[list[str]]:
        """Every group of two or more ids."""
        found: dict[str, list[str]] = {}
        for item in self.parent:
            found.setdefault(self.find(item), []).append(item)
        return [members for members in found.values() if len(members) > 1]


class CopyEntry(NamedTuple):
    """A member of a group as copies.json records it (a JSON list)."""

    id: str
    path: str
    source: str  # the corpus file it came from
    length: int
    date_num: int


def entry(member: Member) -> CopyEntry:
    return CopyEntry(member.id, member.path, member.source, member.length, member.date_num)


def kept_first(entries: list[CopyEntry]) -> list[CopyEntry]:
    """A group's entries, the copy a search shows first: the fullest, then the earliest
    (unknown dates last), then by path."""
    return sorted(entries, key=lambda e: (-e.length, e.date_num or 99_999_999, e.path, e.id))


def join_candidates(members: list[Member], groups: Groups, text_of: Callable[[str], str] | None = None) -> None:
    """Join every two of members that are copies, looking only at those that share a
    band or an address: each is compared with the first member that had it.

    One band at a time, by the band's bytes: measured on 5,000 articles, 105 bytes
    an article at the peak and 15 µs, where the nine band terms of every article
    in one dict took 763 bytes and 56 µs (0.7 GiB more at a million articles)."""
    keys = [lambda m, start=n * _BAND_BYTES: m.signature[start:start + _BAND_BYTES] for n in range(BANDS)]
    keys.append(lambda m: m.url or None)
    for key in keys:
        first_with: dict = {}
        for number, member in enumerate(members):
            value = key(member)
            if value is None:  # no address
                continue
            other = first_with.setdefault(value, number)
            if other != number and are_copies(members[other], member, text_of):
                groups.join(members[other].id, member.id)


class CopyGroups:
    """The groups of copies an index recorded, each its kept copy first: the other
    copies of an article, and which copies a search leaves out."""

    def __init__(self, groups: list[list[CopyEntry]]):
        self.groups = groups
        self._group_of: dict[str, list[CopyEntry]] | None = None

    @classmethod
    def from_json(cls, groups: list[list[list]]) -> CopyGroups:
        return cls([[CopyEntry(*e) for e in group] for group in groups])

    def others(self, article_id: str) -> list[str]:
        """The paths of the other copies of an article's story."""
        if self._group_of is None:  # built when a page is shown: a search needs a few
            self._group_of = {e.id: group for group in self.groups for e in group}
        return [e.path for e in self._group_of.get(article_id, ()) if e.id != article_id]

    def kept_ids(self) -> list[str]:
        return [group[0].id for group in self.groups]

    def hidden(self, matching_kept: set[str]) -> frozenset[str]:
        """The copies a search leaves out: those whose kept copy it finds too. A copy whose
        kept copy does not match (a word only the copy has) stays: a story is never lost."""
        return frozenset(e.id for group in self.groups if group[0].id in matching_kept for e in group[1:])

    def count(self) -> int:
        """Articles that are copies of another one's story."""
        return sum(len(group) - 1 for group in self.groups)


class FoldedTexts:
    """An indexed article's folded headline and text, by id, read when first asked for:
    only pairs whose copies estimate is near the threshold need them."""

    def __init__(self, open_reader: Callable[[], "Reader"]):
        self.open_reader = open_reader
        self.reader: Reader | None = None
        self.known: dict[str, str] = {}

    def __call__(self, article_id: str) -> str:
        if article_id not in self.known:
            self.reader = self.reader or self.open_reader()
            record = self.reader.article(article_id)
            self.known[article_id] = folded_text(record["title"], record["body"])
        return self.known[article_id]


def regroup(previous: CopyGroups | None, touched: set[str], fresh: list[Member],
            reader: "Reader | None", text_of: Callable[[str], str]) -> CopyGroups:
    """The groups of copies of a committed index.

    previous: the last commit's groups (None: unknown); touched: the corpus files
    changed or removed since; fresh: the articles this run read; reader: the
    committed index (None after a rebuild, whose articles are all in fresh).
    An update keeps the groups whose files did not change, checks again the rest
    of a group that lost a member, and looks for each article read among the
    indexed ones that share a band or an address with it. Without a record of
    the last commit's groups, every article is grouped again.
    """
    groups = Groups()
    entries: dict[str, CopyEntry] = {}
    if previous is None and reader is not None:
        # Only lbsearch's own: another program's writer may have added documents.
        # Each signature is made again from the stored text: 38 s at 100,000 articles,
        # where reading stored signatures took 7 s; only a lost copies.json comes here.
        fresh = [member_from_record(r) for r in reader.records() if "source" in r]
    elif previous is not None and reader is not None:
        for group in previous.groups:
            kept = [e for e in group if e.source not in touched]
            if len(kept) == len(group):
                for e in kept:
                    entries[e.id] = e
                    groups.join(kept[0].id, e.id)
            elif len(kept) > 1:
                records = (reader.article(e.id) for e in kept)
                join_candidates([member_from_record(r) for r in records if r], groups, text_of)
        fresh_ids = {member.id for member in fresh}
        for member in fresh:
            for record in reader.copy_candidates(band_terms(member.signature, member.url)):
                if record["id"] not in fresh_ids:
                    other = member_from_record(record)
                    if are_copies(member, other, text_of):
                        entries[other.id] = entry(other)
                        groups.join(member.id, other.id)
    join_candidates(fresh, groups, text_of)
    for member in fresh:
        entries.setdefault(member.id, entry(member))

    def entry_of(article_id: str) -> CopyEntry:
        return entries[article_id] if article_id in entries else entry(member_from_record(reader.article(article_id)))

    found = [kept_first([entry_of(i) for i in ids]) for ids in groups.groups()]
    found.sort(key=lambda group: group[0].path)
    return CopyGroups(found)
