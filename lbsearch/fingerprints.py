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
