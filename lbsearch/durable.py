"""Writes that survive a crash: a file replaced whole, a folder's entries synced.
A leaf: it imports nothing of lbsearch."""

from __future__ import annotations

import json
import os
from pathlib import Path


def sync_folder(folder: Path | str) -> None:
    """Make the folder's entries (created, renamed, removed files) durable."""
    handle = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


def write_json(path: Path, data, indent: int | None = None) -> None:
    """Replace a JSON file whole: written beside it, synced, then renamed over it."""
    tmp = path.with_suffix(path.suffix + ".tmp")
    with tmp.open("w", encoding="utf-8") as handle:
        json.dump(data, handle, ensure_ascii=False, indent=indent)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
