"""The engines behind one search: the contract every engine keeps, which engines
exist, which is the default, how to load one.

An engine module (tantivy.py, whoosh.py) owns everything its library knows, so
that nothing outside it imports whoosh or tantivy. It is a leaf: it imports the
plan (plan.py), the analysis, the seam's types (common.py), the errors and the
durable-write helpers, never a module that uses engines. The module itself is
an Engine; its open_writer() gives a Writer, its open_reader() a Reader.
tests/test_conformance.py asks both engines the same questions: that is the test
of the contract.
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path
from typing import Iterable, Iterator, Protocol

from ..plan import SearchPlan
from .common import Match, PreparedArticle, Ranked

NAMES = ("tantivy", "whoosh")
DEFAULT = "tantivy"


class UnknownEngine(ValueError):
    pass


class Writer(Protocol):
    """Deletes and adds articles, then commits them whole or cancels them."""

    # True: articles are written into segments by worker processes (write_segment),
    # which add_segments() then adds; False: every article goes through add().
    parallel_segments: bool

    def fingerprints(self) -> dict[str, str]:
        """Corpus file -> fingerprint of every file the index holds, from the engine's columns."""

    def delete(self, source: str) -> None:
        """Delete every article of one corpus file."""

    def add(self, article: PreparedArticle) -> None: ...

    def add_segments(self, segments: list) -> None:
        """Add segments that worker processes wrote (parallel_segments engines)."""

    def commit(self) -> None: ...

    def stale_sources(self) -> set[str]:
        """After a commit: the corpus files whose articles should be written again (delete,
        add, commit) so that ranking statistics stop counting deleted articles."""

    def cancel(self) -> None:
        """Drop the uncommitted work and the files no commit references."""


class Reader(Protocol):
    """Runs finished plans on one commit of an index."""

    def search(self, plan: SearchPlan) -> Ranked:
        """The plan's page of matches in plan.order_key order, and the total."""

    def count(self, plan: SearchPlan) -> int:
        """How many articles match the plan's query (any, without one) and filters."""

    def explain(self, plan: SearchPlan, match: Match) -> tuple[str | None, dict[str, float]]:
        """The first tier of the plan the article is in (None: none), and the points
        each of plan.score_parts() gives it."""

    def stats(self, plan: SearchPlan) -> tuple[int, dict[int, int], dict[str, int], dict[str, int]]:
        """Of the articles the plan selects: how many, how many per date number (0: no
        date), per district key and per collection folder."""

    def matching_ids(self, plan: SearchPlan, ids: list[str]) -> set[str]:
        """Those of ids whose articles the plan's query and filters select."""

    def article(self, article_id: str) -> dict | None: ...

    def records_of(self, sources: list[str]) -> list[dict]:
        """The stored records of the articles of these corpus files."""

    def records(self) -> Iterator[dict]:
        """Every article's stored record."""

    def copy_candidates(self, terms: list[str], limit: int = 100) -> list[dict]:
        """The records of the articles that have any of these band terms (copies.band_terms)."""

    def doc_frequency(self, field: str, term: str) -> int: ...

    def terms_with_prefix(self, field: str, prefix: str) -> list[tuple[str, int]]:
        """The terms of a field that start with prefix, with their live document counts."""


class Engine(Protocol):
    """What an engine module offers."""

    NAME: str

    def versions(self) -> dict:
        """The library versions lbsearch.json records; an index of other versions is rebuilt."""

    def exists(self, index_dir: Path) -> bool: ...

    def generation(self, index_dir: Path) -> object:
        """A value that changes with every commit."""

    def commit_files(self, index_dir: Path) -> list[Path]:
        """The files of the latest commit, which lbsearch.json checksums."""

    def open_writer(self, index_dir: Path, mode: str) -> Writer:
        """A writer over a new ("create") or an existing ("update") index."""

    def open_reader(self, index_dir: Path) -> Reader: ...

    def write_segment(self, index_dir: Path, articles: Iterable[PreparedArticle]) -> object | None:
        """In a worker process: the articles as one finished, uncommitted segment, for
        Writer.add_segments (parallel_segments engines only)."""


def requested(name: str | None) -> str | None:
    """The engine asked for by --engine, else by $LBSEARCH_ENGINE, checked; None if neither."""
    name = name or os.environ.get("LBSEARCH_ENGINE") or None
    if name is not None and name not in NAMES:
        raise UnknownEngine(f"unknown engine {name!r}: choose one of {', '.join(NAMES)}")
    return name


def load(name: str) -> Engine:
    if name not in NAMES:
        raise UnknownEngine(f"unknown engine {name!r}: choose one of {', '.join(NAMES)}")
    return importlib.import_module(f"lbsearch.engines.{name}")  # type: ignore[return-value]
