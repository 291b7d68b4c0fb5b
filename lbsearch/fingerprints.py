"""What the index knows of each corpus file it holds: the fingerprint (modification
time, size and content hash) that tells whether the file changed, and the store of
every file's fingerprint beside the index (fingerprints.json), which makes a run
with no change read one file instead of the index."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from .durable import write_json

FILE = "fingerprints.json"
RACY = "racy"


@dataclass(frozen=True)
class Fingerprint:
    mtime_ns: int | None  # None: modified too close to the run to be trusted next time
    size: int
    data_hash: str  # sha1 of the bytes read

    @classmethod
    def parse(cls, text: str) -> Fingerprint:
        mtime, size, data_hash = text.split(":")
        return cls(None if mtime == RACY else int(mtime), int(size), data_hash)

    def __str__(self) -> str:
        return f"{RACY if self.mtime_ns is None else self.mtime_ns}:{self.size}:{self.data_hash}"

    def same_stat(self, mtime_ns: int | None, size: int | None) -> bool:
        """True when a file with this time and size is taken as unchanged."""
        return self.mtime_ns is not None and (self.mtime_ns, self.size) == (mtime_ns, size)


def read_saved(index_dir: Path, generation) -> dict[str, str] | None:
    """Corpus file -> fingerprint text, as the last run saved them, when they belong
    to the given commit; else None."""
    try:
        saved = json.loads((index_dir / FILE).read_text("utf-8"))
        if saved["generation"] == generation:
            return dict(saved["fingerprints"])
    except (OSError, ValueError, KeyError, TypeError):
        pass
    return None


def save(index_dir: Path, generation, fingerprints: dict[str, str]) -> None:
    write_json(index_dir / FILE, {"generation": generation, "fingerprints": fingerprints})
