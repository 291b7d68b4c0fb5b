"""Speed work must not change what users see: results equal those recorded before it.

tests/data/recorded_results.json holds, for a fixed mix of queries, the JSON
document `lbsearch search --json` printed (order, scores, snippets, highlights,
totals) on the real seeds (indexed in one process) and on 300 generated articles
(in two), recorded with the code as it was before the speed work of the "Fast at archive scale" issue. A change
that alters any of it fails here; if the change is meant to alter results,
re-record with

    LBSEARCH_RECORD=1 .venv/bin/python -m pytest tests/test_identical.py

and say why in the commit.
"""

from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path

import pytest

from bench.generate import generate
from lbsearch.index import open_index
from lbsearch.updater import update_index
from lbsearch.places import resolve_district
from lbsearch.query import SearchOptions, search
from lbsearch.render import search_document

RECORDED = Path(__file__).parent / "data" / "recorded_results.json"
GENERATED_DOCS = 300

QUERIES = [
    SearchOptions("Quy chế phối hợp"),
    SearchOptions("quy che phoi hop"),
    SearchOptions('"Quy chế phối hợp"'),
    SearchOptions("LĐLĐ huyện Gia Lâm"),
    SearchOptions("Liên đoàn Lao động huyện Gia Lâm"),
    SearchOptions("ky ket chuong trinh phoi hop cong tac"),
    SearchOptions("Quận ủy Đống Đa"),
    SearchOptions("cụm thi đua"),
    SearchOptions("đoàn"),
    SearchOptions("phối hợp", limit=25),
    SearchOptions("công đoàn OR hội nghị"),
    SearchOptions("công đoàn -hội nghị"),
    SearchOptions("công đoàn", districts=[resolve_district("Long Biên")]),
    SearchOptions("người lao động", since=date(2022, 1, 1)),
    SearchOptions("người lao động", until=date(2024, 12, 31), sort="oldest"),
    SearchOptions("hội nghị", sort="newest"),
    SearchOptions("hoà bình"),
    SearchOptions("cong doan thu do"),
    SearchOptions("quy chê phôi hơp"),  # wrong accents: tier and suggestion paths
    SearchOptions("xyzzy"),
]


def _results(index_dir: Path) -> list[dict]:
    ix = open_index(index_dir)
    documents = []
    for options in QUERIES:
        document = search_document(search(ix, options))
        for hit in document["hits"]:
            hit["score"] = round(hit["score"], 4)
            hit["path"] = Path(hit["path"]).name  # the corpus folder differs from run to run
        documents.append(document)
    return documents


@pytest.fixture(scope="module", params=["tantivy", "whoosh"])
def generated_index(request, tmp_path_factory):
    folder = tmp_path_factory.mktemp("generated")
    generate(folder / "corpus", GENERATED_DOCS)
    update_index(folder / "corpus", folder / "index", jobs=2, engine=request.param)  # as large builds run
    return folder / "index"


def _record_name(name: str, index_dir: Path) -> str:
    """Whoosh keeps the names recorded before there were two engines."""
    engine = json.loads((index_dir / "lbsearch.json").read_text("utf-8"))["engine"]
    return name if engine == "whoosh" else f"{name}-{engine}"


@pytest.fixture(scope="module")
def recorded() -> dict:
    return json.loads(RECORDED.read_text("utf-8")) if RECORDED.exists() else {}


def _compare(name: str, actual: list[dict], recorded: dict) -> None:
    if os.environ.get("LBSEARCH_RECORD"):
        recorded[name] = actual
        RECORDED.parent.mkdir(exist_ok=True)
        RECORDED.write_text(json.dumps(recorded, ensure_ascii=False, indent=1) + "\n", "utf-8")
        return
    expected = recorded[name]
    assert len(actual) == len(expected) == len(QUERIES)
    for got, want in zip(actual, expected):
        # Keys added since the recording (as JSON schema version 1 allows) are not compared.
        got["hits"] = [{key: hit[key] for key in old} for hit, old in zip(got["hits"], want["hits"])] + got["hits"][len(want["hits"]):]
        assert got == want, f"results changed for {want['query']!r}"


def test_results_on_the_seeds_are_as_recorded(seed_index, recorded):
    results = _results(seed_index)
    assert any(document["total"] for document in results)
    _compare(_record_name("seeds", seed_index), results, recorded)


def test_results_on_generated_articles_are_as_recorded(generated_index, recorded):
    results = _results(generated_index)
    assert sum(len(document["hits"]) for document in results) > 50
    _compare(_record_name("generated", generated_index), results, recorded)
