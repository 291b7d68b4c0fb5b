"""The engines behind one search: which exist, which is the default, how to load one.

An engine module (tantivy.py, whoosh.py) owns everything its library knows and
exposes the same small surface, so that nothing outside it imports whoosh or
tantivy:

- ``NAME``; ``versions()``: what lbsearch.json records and checks on open
- ``exists(dir)``, ``commit_files(dir)``, ``generation(dir)``: its files on disk
- ``open_writer(dir, mode)``: a writer over a new ("create"), replaced
  ("replace") or updated ("update") index, with ``fingerprints()``,
  ``add_files()``, ``delete()``, ``commit()`` and ``cancel()``
- ``open_reader(dir)``: a reader that runs a SearchPlan (plan.py) and returns
  ranked records, counts, terms and stored articles

tests/test_conformance.py asks both engines the same questions: that is the contract.
"""

from __future__ import annotations

import importlib
import os
from types import ModuleType

NAMES = ("tantivy", "whoosh")
DEFAULT = "tantivy"


class UnknownEngine(ValueError):
    pass


def requested(name: str | None) -> str | None:
    """The engine asked for by --engine, else by $LBSEARCH_ENGINE, checked; None if neither."""
    name = name or os.environ.get("LBSEARCH_ENGINE") or None
    if name is not None and name not in NAMES:
        raise UnknownEngine(f"unknown engine {name!r}: choose one of {', '.join(NAMES)}")
    return name


def load(name: str) -> ModuleType:
    if name not in NAMES:
        raise UnknownEngine(f"unknown engine {name!r}: choose one of {', '.join(NAMES)}")
    return importlib.import_module(f"lbsearch.engines.{name}")
