"""The contract between the engines: the same questions give the same answers.

Every query form (words, phrases, OR, NOT and -word, abbreviations, accents typed
or not, hostile text) with every filter and order is asked of a tantivy and a
Whoosh index of the same corpus: the seeds, and generated articles with
edits and deletions applied incrementally. The matching articles and their
total must be the same; scores may differ, so the order is compared only where
it does not depend on them (dates when sorting by date, the exact-accent tier). Stats of each search, the tier of each hit and the
articles `show` prints are compared too.
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path


from bench.generate import generate
from lbsearch.index import open_index
from lbsearch.updater import update_index
from lbsearch.places import resolve_district
from lbsearch.articles import get_article
from lbsearch.query import QueryError, SearchOptions, planned, search
from lbsearch.stats import corpus_stats
from lbsearch.suggest import suggest

from .conftest import SEEDS

QUERIES = [
    "Quy chế phối hợp", "quy che phoi hop", '"Quy chế phối hợp"', '"quy che" hoat dong',
    "LĐLĐ huyện Gia Lâm", '"Liên đoàn Lao động huyện Gia Lâm"', "CĐCS", "công đoàn cơ sở",
    "đoàn", "doan", "hoà bình", "hòa bình", "công đoàn OR hội nghị", "Long Biên OR Gia Lâm",
    "công đoàn -hội nghị", "công đoàn NOT hội nghị", '"người lao động" -"Long Biên"',
    "quy chê phôi hơp", "ĐỐNG ĐA", "Đống Đa quận ủy", "2022", "xyzzy", "văn hoá", "bão",
    "a" * 60, "Nguyễn OR Trần OR Lê",
]
FILTERS = [
    {},
    {"since": date(2022, 1, 1)},
    {"until": date(2023, 6, 30), "sort": "oldest"},
    {"sort": "newest"},
    {"sort": "oldest"},
    {"districts": ["Long Biên", "Hoàng Mai"]},
    {"districts": ["Gia Lâm"], "since": date(2020, 1, 1), "sort": "newest"},
]
ENGINES = ("tantivy", "whoosh")
EXPLAINED = 5  # hits whose tier is compared, per question


def answer(ix, query: str, filters: dict, limit: int, snippets: bool) -> dict:
    options = dict(filters)
    options["districts"] = [resolve_district(d) for d in filters.get("districts", [])]
    try:
        options = SearchOptions(query, limit=limit, **options)
        plan = planned(ix, options)
    except QueryError as err:
        return {"error": str(err)}
    ranked = ix.reader.search(plan)  # the engine's part: what matches, how many, in which order
    undated = plan.undated_question()
    out = {
        "total": ranked.total,
        "ids": sorted(m.record["id"] for m in ranked.page),
        "undated": ix.reader.count(undated) if undated else None,
        "suggestion": None if ranked.total else suggest(ix.reader, plan.query, plan.filters),
        # The first tier of some hits (by id: pages of close scores differ): which
        # articles the engine puts in which tier.
        "tiers": sorted((m.record["id"], ix.reader.explain(plan, m)[0])
                        for m in sorted(ranked.page, key=lambda m: m.record["id"])[:EXPLAINED]),
        "stats": corpus_stats(ix, options).figures,
    }
    if plan.sort != "relevance":
        out["dates"] = [m.record["date"] for m in ranked.page]
    if snippets:  # the shared part, fed by each engine's records
        hits = search(ix, options).hits
        out["hits"] = sorted((h.id, h.snippet, str(h.highlights), str(h.title_highlights)) for h in hits)
        out["shown"] = [get_article(ix, h.id) for h in sorted(hits, key=lambda h: h.id)]
    return out


def both(corpus: Path, base: Path) -> dict:
    indexes = {}
    for engine in ENGINES:
        update_index(corpus, base / engine, engine=engine)
        indexes[engine] = open_index(base / engine)
    return indexes


def assert_same_answers(indexes: dict, limit: int, snippets: bool) -> None:
    differences = []
    for query in QUERIES:
        for filters in FILTERS:
            answers = {engine: answer(ix, query, filters, limit, snippets) for engine, ix in indexes.items()}
            if answers["tantivy"] != answers["whoosh"]:
                differences.append((query, filters, answers))
    assert not differences, differences[:3]


def test_engines_answer_alike_on_the_seeds(tmp_path):
    assert_same_answers(both(SEEDS, tmp_path), limit=100, snippets=True)


def test_engines_answer_alike_on_generated_articles_after_updates(tmp_path):
    corpus = tmp_path / "corpus"
    generate(corpus, 120)
    shutil.copytree(SEEDS, corpus / "seeds")
    for engine in ENGINES:
        update_index(corpus, tmp_path / engine, engine=engine)
    # Incremental work on both: edits, deletions, renames, additions.
    files = sorted(corpus.glob("gen_*.txt"))
    for path in files[:15]:
        path.write_text(path.read_text("utf-8") + "\nThêm câu về Quy chế phối hợp ở Đông Anh.\n", "utf-8")
    for path in files[15:25]:
        path.unlink()
    for path in files[25:30]:
        path.rename(path.with_name("renamed_" + path.name))
    generate(corpus, 10, seed=11, start=5000)
    readers = {}
    for engine in ENGINES:
        report = update_index(corpus, tmp_path / engine)
        assert (report.updated, report.removed, report.added) == (15, 15, 15)
        readers[engine] = open_index(tmp_path / engine)
    assert_same_answers(readers, limit=200, snippets=False)  # every match: the sets compare
