"""Shared fixtures: the real seeds, variants of them, an index built once, and a CLI runner."""

from __future__ import annotations

import shutil
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import settings

# Randomised tests draw the same examples on every run: the suite stays deterministic.
settings.register_profile("lbsearch", derandomize=True, database=None, deadline=None)
settings.load_profile("lbsearch")

from lbsearch.cli import main
from lbsearch.engines import NAMES as ENGINES
from lbsearch.index import open_index
from lbsearch.updater import update_index

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
SEED_FILES = sorted(SEEDS.glob("*.txt"))
TONE_MARKS = "\u0300\u0301\u0303\u0309\u0323"


def seed_text(stem: str) -> str:
    return (SEEDS / f"{stem}.txt").read_text("utf-8")


def seed_copies(folder: Path, count: int) -> Path:
    """A corpus of count files, the real seeds over and over: for runs long enough to interrupt."""
    folder.mkdir(parents=True, exist_ok=True)
    for n in range(count):
        shutil.copy(SEED_FILES[n % len(SEED_FILES)], folder / f"{n:03d}.txt")
    return folder


def to_cp1258(text: str) -> bytes:
    """Windows-1258 bytes: letters with their vowel marks, then a separate tone byte."""
    out = []
    for ch in text:
        parts = unicodedata.normalize("NFD", ch)
        tones = "".join(c for c in parts if c in TONE_MARKS)
        out.append(unicodedata.normalize("NFC", "".join(c for c in parts if c not in TONE_MARKS)) + tones)
    return "".join(out).encode("cp1258")


@pytest.fixture(params=ENGINES)
def engine(request, monkeypatch):
    """Runs a test once per engine: $LBSEARCH_ENGINE picks the engine of every index the
    test builds, in this process and in the processes it starts."""
    monkeypatch.setenv("LBSEARCH_ENGINE", request.param)
    return request.param


@pytest.fixture(scope="session", params=ENGINES)
def seed_index(request, tmp_path_factory):
    """An index of the real seeds per engine, built once for the read-only tests."""
    folder = tmp_path_factory.mktemp(f"seed-index-{request.param}")
    update_index(SEEDS, folder, engine=request.param)
    return folder


@pytest.fixture(scope="session")
def seed_ix(seed_index):
    return open_index(seed_index)


@pytest.fixture
def make_index(tmp_path, engine):
    """Builds an index of text files named after pages' keys, in tmp, on the test's engine."""
    def build(pages: dict[str, str]):
        corpus = tmp_path / "corpus"
        corpus.mkdir(exist_ok=True)
        for name, text in pages.items():
            (corpus / f"{name}.txt").write_text(text, "utf-8")
        update_index(corpus, tmp_path / "ix")
        return open_index(tmp_path / "ix")

    return build


@pytest.fixture
def corpus(tmp_path, engine):
    """A writable copy of the seeds (and the test runs once per engine)."""
    folder = tmp_path / "corpus"
    shutil.copytree(SEEDS, folder)
    return folder


@dataclass
class Run:
    status: int
    out: str
    err: str


@pytest.fixture
def cli(capsysbinary, monkeypatch):
    """Run `lbsearch ARGS` in-process; returns status, stdout and stderr as text."""
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "200")

    def run(*args: str) -> Run:
        status = main(list(args))
        captured = capsysbinary.readouterr()
        return Run(status, captured.out.decode("utf-8"), captured.err.decode("utf-8"))

    return run


def commit_files(index_dir: Path) -> list[Path]:
    """The files of the index's last commit, as lbsearch.json records them: any engine."""
    import json

    recorded = json.loads((index_dir / "lbsearch.json").read_text("utf-8"))["files"]
    return [index_dir / name for name in sorted(recorded)]


def largest_segment_file(index_dir: Path) -> Path:
    return max(commit_files(index_dir), key=lambda p: p.stat().st_size)


def root_file(index_dir: Path) -> Path:
    """The file that names a commit's segments: Whoosh's TOC, tantivy's meta.json."""
    names = [p for p in commit_files(index_dir) if p.name == "meta.json" or p.name.endswith(".toc")]
    assert len(names) == 1
    return names[0]


# Files an index folder holds besides its last commit and lbsearch.json: locks and the
# bookkeeping of lbsearch and the engines, which stay between runs.
BOOKKEEPING = {"copies.json", "lbsearch.lock", "fingerprints.bin", ".managed.json", ".tantivy-meta.lock",
               ".tantivy-writer.lock", "MAIN_WRITELOCK"}


def stray_files(index_dir: Path) -> set[str]:
    """Names in the index folder that are neither the last commit, nor lbsearch.json, nor a
    lock: what a failed or killed run left behind (orphan segments, temporary files)."""
    kept = {p.name for p in commit_files(index_dir)} | {"lbsearch.json"} | BOOKKEEPING
    return {p.name for p in index_dir.iterdir()} - kept


def write_lock_is_free(index_dir: Path) -> bool:
    """True when lbsearch's write lock on the folder can be taken at once (and it is let go)."""
    from lbsearch.index import WriteLock

    lock = WriteLock(index_dir)
    try:
        return lock.acquire(0)
    finally:
        lock.release()
