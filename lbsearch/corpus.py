"""Which files make up the corpus: every .txt and .md file under a folder, recursively.

Symbolic links are followed only when they lead to a file inside the corpus;
anything else is reported as a warning, never an error.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

SUFFIXES = {".txt", ".md"}


@dataclass(frozen=True)
class CorpusFile:
    path: Path  # where to read it
    relative: Path  # its place in the corpus, the key of its article


class CorpusError(Exception):
    """The corpus folder itself cannot be used."""


def list_files(root: Path, on_warning: Callable[[str], None]) -> list[CorpusFile]:
    """The corpus files under root, sorted by relative path."""
    if not root.is_dir():
        raise CorpusError(f"corpus folder {root} does not exist or is not a folder")
    real_root = root.resolve()
    found: list[CorpusFile] = []

    def walk_error(err: OSError) -> None:
        on_warning(f"{err.filename}: cannot list folder: {err.strerror}")

    for folder, subfolders, names in os.walk(root, onerror=walk_error):
        base = Path(folder)
        for name in subfolders:
            if (base / name).is_symlink():
                # os.walk does not follow it; inside the corpus its files are found anyway.
                if not _inside(base / name, real_root):
                    on_warning(f"{base / name}: symbolic link leads outside the corpus: not followed")
        for name in names:
            path = base / name
            if path.suffix.lower() not in SUFFIXES:
                continue
            if path.is_symlink():
                if not path.exists():
                    on_warning(f"{path}: broken symbolic link: skipped")
                    continue
                if not _inside(path, real_root):
                    on_warning(f"{path}: symbolic link leads outside the corpus: not followed")
                    continue
            found.append(CorpusFile(path, path.relative_to(root)))
    found.sort(key=lambda f: f.relative.as_posix())
    return found


def _inside(path: Path, real_root: Path) -> bool:
    try:
        path.resolve().relative_to(real_root)
        return True
    except (ValueError, OSError, RuntimeError):
        return False
