"""The problems of an index folder or a corpus folder that every layer may raise and
the CLI turns into one line and exit status 2. A leaf: it imports nothing of lbsearch."""

from __future__ import annotations

from pathlib import Path


class IndexProblem(Exception):
    """Base of the index problems the CLI reports as one line, exit status 2."""


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


class CorpusError(Exception):
    """A corpus folder itself cannot be used."""
