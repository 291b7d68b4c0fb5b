"""Searching the real seeds: accents, phrases, operators, filters, sorting, snippets."""

import unicodedata
from datetime import date
from pathlib import Path

import pytest

from lbsearch.places import resolve_district
from lbsearch.query import QueryError, SearchOptions, parse_query, search
from lbsearch.text import fold

from .conftest import SEEDS

QUY_CHE = ["000_de9231ce01b27642", "001_6ae812ba00bba860", "004_c22b981af91ee202"]


def ids(ix, query, **options):
    return [h.id for h in search(ix, SearchOptions(query, limit=100, **options)).hits]


@pytest.mark.parametrize("query", [
    "quy che phoi hop", "Quy chế phối hợp", "QUY CHẾ PHỐI HỢP",
    unicodedata.normalize("NFD", "Quy chế phối hợp"), "Quy chế phối  hợp\u200b",
])
def test_accent_case_and_unicode_form_find_the_same_articles(seed_ix, query):
    assert sorted(ids(seed_ix, query)) == QUY_CHE


def test_tone_placement_does_not_matter(seed_ix):
    # 000 and 002 write "văn hóa"; the new-style spelling must find them too
    assert "văn hóa" in seed_ix.reader.article("000_de9231ce01b27642")["body"]
    assert ids(seed_ix, '"văn hoá"') == ids(seed_ix, '"văn hóa"') == ["000_de9231ce01b27642", "002_3030d9cee70eb42f"]


def test_d_folds_to_d(seed_ix):
    assert ids(seed_ix, '"dong da"') == ids(seed_ix, '"Đống Đa"')
    assert "001_6ae812ba00bba860" in ids(seed_ix, '"dong da"')


def test_the_best_match_ranks_first(seed_ix):
    # 000 has the phrase in its headline; 004 only has the syllables scattered
    hits = ids(seed_ix, "quy che phoi hop")
    assert hits[0] == "000_de9231ce01b27642" and hits[-1] == "004_c22b981af91ee202"


def test_quoted_phrase_needs_the_words_together(seed_ix):
    assert sorted(ids(seed_ix, '"quy che phoi hop"')) == QUY_CHE[:2]


def test_or_and_not(seed_ix):
    assert ids(seed_ix, '"Nghệ An"') == ["003_b5d277c22c92321f"]
    assert sorted(ids(seed_ix, '"Nghệ An" OR "Gia Lâm"')) == sorted(
        set(ids(seed_ix, '"Nghệ An"')) | set(ids(seed_ix, '"Gia Lâm"')))
    assert len(ids(seed_ix, '"Nghệ An" OR "Gia Lâm"')) == 3
    with_long = set(ids(seed_ix, '"Long Biên"'))
    assert set(ids(seed_ix, '"gia lam" -"long bien"')) == set(ids(seed_ix, '"gia lam"')) - with_long
    assert ids(seed_ix, '"gia lam" NOT "long bien"') == ids(seed_ix, '"gia lam" -"long bien"')


def test_furniture_words_never_match(seed_ix):
    seeds = " ".join(fold(path.read_text("utf-8")) for path in SEEDS.glob("*.txt"))
    for query in ('"Tô Lâm"', "iHanoi", "MICCO", "Selta", "VNeID", '"Yên Nghĩa"'):
        assert fold(query.strip('"')) in seeds, query  # the files have the words, in their furniture
        assert ids(seed_ix, query) == [], query


@pytest.mark.parametrize("query, message", [
    ('"quy che', "unbalanced quote"), ("OR", "OR needs"), ("quy OR", "OR needs"),
    ("NOT", "NOT needs"), ("-quy", "only excludes"), ("   ", "no words"), ("!!! ...", "no words"),
    (" ".join(["x"] * 65), "too long"),
])
def test_malformed_queries_are_clear_errors(message, query):
    with pytest.raises(QueryError, match=message):
        parse_query(query)


def test_date_filters_are_inclusive_and_count_undated(seed_ix):
    result = search(seed_ix, SearchOptions("phối hợp", since=date(2022, 5, 20), until=date(2022, 5, 20)))
    assert [h.id for h in result.hits] == ["003_b5d277c22c92321f"]
    assert result.undated_excluded == 3  # 000, 002 and 004 match but have no date
    assert ids(seed_ix, "phối hợp", since=date(2022, 5, 21)) == ["001_6ae812ba00bba860"]
    assert ids(seed_ix, "phối hợp", until=date(2021, 12, 31)) == []


def test_district_filter_takes_any_spelling(seed_ix):
    expected = ["001_6ae812ba00bba860", "002_3030d9cee70eb42f"]
    for typed in ("Ba Đình", "quận hoàn kiếm", "HOANG MAI"):
        got = sorted(ids(seed_ix, "công đoàn", districts=[resolve_district(typed)]))
        assert set(got) <= set(expected + ["000_de9231ce01b27642"]) and got, typed
    assert ids(seed_ix, "công đoàn", districts=[resolve_district("ba dinh")]) == ["002_3030d9cee70eb42f"]
    both = ids(seed_ix, "công đoàn", districts=[resolve_district("Ba Đình"), resolve_district("Gia Lâm")])
    assert sorted(both) == ["000_de9231ce01b27642", "002_3030d9cee70eb42f", "004_c22b981af91ee202"]
    # named only in furniture: 001's run-together headlines, 002's related list
    assert ids(seed_ix, "công đoàn", districts=[resolve_district("Cầu Giấy")]) == []
    assert ids(seed_ix, "công đoàn", districts=[resolve_district("Sơn Tây")]) == []


def test_unknown_district_suggests_the_closest():
    with pytest.raises(ValueError, match="did you mean Long Biên"):
        resolve_district("Long Bien quan")
    assert resolve_district("Huyện Ứng Hoà").name == "Ứng Hòa"
    assert resolve_district("thi xa son tay").name == "Sơn Tây"


def test_sort_by_date_puts_undated_last(seed_ix):
    newest = ids(seed_ix, "phối hợp", sort="newest")
    oldest = ids(seed_ix, "phối hợp", sort="oldest")
    assert newest[:2] == ["001_6ae812ba00bba860", "003_b5d277c22c92321f"]
    assert oldest[:2] == ["003_b5d277c22c92321f", "001_6ae812ba00bba860"]
    assert set(newest[2:]) == set(oldest[2:]) == {"000_de9231ce01b27642", "002_3030d9cee70eb42f", "004_c22b981af91ee202"}


def test_folded_matches_are_highlighted_in_the_accented_text(seed_ix):
    hits = search(seed_ix, SearchOptions("quy che phoi hop")).hits
    assert len(hits) == len(QUY_CHE)
    for hit in hits:
        assert hit.highlights, hit.id
        for start, end in hit.highlights:
            marked = hit.snippet[start:end]
            assert marked == hit.snippet[start:end].strip() and marked
            assert " ".join(fold(w) for w in marked.split()) in {"quy", "che", "phoi", "hop", "quy che phoi hop"}
            assert marked != marked.encode("ascii", "ignore").decode() or marked.lower() == "quy"
    first = search(seed_ix, SearchOptions("quy che phoi hop")).hits[0]
    assert "Quy chế phối hợp" in [first.snippet[a:b] for a, b in first.highlights]
    assert [first.title[a:b] for a, b in first.title_highlights] == ["Quy chế phối hợp"]


def test_snippet_is_cut_at_word_boundaries(seed_ix):
    hits = search(seed_ix, SearchOptions("Lixil")).hits + search(seed_ix, SearchOptions("hội nghị")).hits
    assert len(hits) >= 3
    for hit in hits:
        body = seed_ix.reader.article(hit.id)["body"].replace("\n", " ")
        inner = hit.snippet.strip("…")
        assert inner in body
        at = body.index(inner)
        assert at == 0 or body[at - 1] == " "
        assert at + len(inner) == len(body) or body[at + len(inner)] == " "


@pytest.mark.parametrize("query, words", [
    ("Hà Nội - Hải Phòng", ["ha", "noi", "hai", "phong"]),
    ("tùy chọn --suffix", ["tuy", "chon", "suffix"]),
])
def test_a_pasted_dash_is_text_not_an_exclusion(query, words):
    parsed = parse_query(query)
    assert not parsed.excluded
    assert [s for c in parsed.positive_clauses for s in c.syllables] == words
    assert [c.syllables for c in parse_query("cong doan -hoi").excluded] == [("hoi",)]


def test_an_abbreviations_expansion_is_counted_where_the_phrase_stands(make_index):
    """A phrase that is an abbreviation's expansion is counted by a term the analysis
    writes (no positions read), and ranked by the phrase itself: the two must select
    the same articles, written out or abbreviated, in the headline or the body, never
    across the headline's end."""
    pages = {
        "written": "Tin một\nHội nghị của Liên đoàn Lao động quận được tổ chức.",
        "abbreviated": "LĐLĐ quận họp\nĐoàn viên công đoàn dự họp đông đủ hôm qua.",
        "apart": "Tin Liên đoàn\nLao động thủ đô hôm nay có nhiều tin mới về đoàn viên.",
        "junk between": "Tin ba\nĐại hội Liên ### đoàn Lao động phường được tổ chức.",
        "scattered": "Tin bốn\nLao động ở liên khu, đoàn viên đông đủ hôm nay.",
    }
    for path in sorted(SEEDS.iterdir()):
        pages[path.stem] = path.read_text("utf-8")
    ix = make_index(pages)
    for typed in ('"Liên đoàn Lao động"', "LĐLĐ", '"người lao động"', "NLĐ", '"công đoàn cơ sở"', "lao dong"):
        result = search(ix, SearchOptions(typed, limit=100, all_copies=True))
        assert result.total == len(result.hits), typed
    found = {Path(hit.path).name for hit in search(ix, SearchOptions("LĐLĐ", limit=100, all_copies=True)).hits}
    assert {"written.txt", "abbreviated.txt", "junk between.txt"} <= found
    assert not found & {"apart.txt", "scattered.txt"}
