"""What crosses the engine seam, the same for every engine: prepared articles going
in, ranked matches and counts coming out. Named tuples: a search imports this
module, and a named tuple takes a seventh of a dataclass's time to define."""

from __future__ import annotations

from typing import NamedTuple


class PreparedArticle(NamedTuple):
    """One article as every engine indexes it: its stored record, filters and term strings."""

    key: str  # unique in the index: the corpus-relative path, with "#" and the record's key for a record
    source: str  # the corpus-relative path of the file it came from: what an update deletes by
    fingerprint: str  # fingerprints.Fingerprint of the file, as text
    record: dict  # what search, show and stats read back
    date_num: int  # dates.date_number; 0 = unknown
    district_keys: list[str]
    terms: dict[str, str]  # analysis.article_terms
    band_terms: list[str]  # copies.band_terms: what finds the article's copies
    collection: str  # the folder of the collection it came from (corpus.Collection.folder)


class Match(NamedTuple):
    score: float
    record: dict  # the stored article: id, path, title, body, date, date_source, districts
    ref: object  # the engine's handle on the document, for explain()
    first_rank: int | None = None  # by relevance: its place (1 = best) in the first phase's window


class Ranked(NamedTuple):
    total: int  # every match that passes the filters
    page: list[Match]  # at most plan.limit, best first
