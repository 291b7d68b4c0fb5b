"""Ranking that understands Vietnamese: accents, words, abbreviations, title and lead."""

import json

import pytest

from lbsearch.query import SearchOptions, search

FILLER = "Hội nghị diễn ra tại trụ sở với sự tham dự của nhiều đại biểu. " * 3


def ranked(ix, query, **options):
    # The articles here differ by a word or two: copies of one story to lbsearch, each ranked.
    return [(h.id, h.score) for h in search(ix, SearchOptions(query, limit=50, all_copies=True, **options)).hits]


def test_accented_query_prefers_the_exact_accents_but_finds_all(make_index):
    ix = make_index({
        "a_storm": f"Tin tức\n{FILLER} Cơn bão đổ bộ vào đất liền.",
        "b_paper": f"Tin tức\n{FILLER} Tờ báo đổ bộ vào đất liền.",
        "c_protect": f"Tin tức\n{FILLER} Bảo vệ đổ bộ vào đất liền.",
    })
    assert [i for i, _ in ranked(ix, "bão")] [0] == "a_storm"
    assert {i for i, _ in ranked(ix, "bão")} == {"a_storm", "b_paper", "c_protect"}
    assert [i for i, _ in ranked(ix, "báo")][0] == "b_paper"
    # typed without accents: every variant, no preference
    scores = {score for _, score in ranked(ix, "bao")}
    assert len(ranked(ix, "bao")) == 3 and len(scores) == 1


def test_tone_placement_counts_as_the_same_accents(make_index):
    ix = make_index({
        "a_old_style": f"Tin tức\n{FILLER} Phong trào văn hóa cơ sở.",
        "b_other": f"Tin tức\n{FILLER} Phong trào văn hoa cơ sở.",
    })
    for query in ("văn hoá", "văn hóa"):
        assert [i for i, _ in ranked(ix, query)] == ["a_old_style", "b_other"], query


def test_syllables_standing_together_rank_first(make_index):
    ix = make_index({
        "a_scattered": f"Tin tức\n{FILLER} Quy định mới. Chế độ phối thuộc. Hợp đồng lao động. Quy định, chế độ, phối thuộc, hợp đồng.",
        "b_together": f"Tin tức\n{FILLER} Hai bên ký Quy chế phối hợp.",
        "c_pairs": f"Tin tức\n{FILLER} Ban hành quy chế mới và phối hợp chặt chẽ.",
    })
    order = [i for i, _ in ranked(ix, "quy che phoi hop")]
    assert order == ["b_together", "c_pairs", "a_scattered"]
    assert [i for i, _ in ranked(ix, '"quy che phoi hop"')] == ["b_together"]


@pytest.mark.parametrize("query, expected", [
    ("Liên đoàn Lao động huyện Gia Lâm", "a_abbrev"),
    ('"Liên đoàn Lao động huyện Gia Lâm"', "a_abbrev"),
    ("LĐLĐ", "b_full"),
    ('"LÐLÐ huyện Gia Lâm"', "b_full"),
    ("CĐCS", "c_cdcs"),
    ('"công đoàn cơ sở"', "d_cdcs_abbrev"),
    ("ldld", "a_abbrev"),
])
def test_abbreviations_find_their_expansion_and_back(make_index, query, expected):
    ix = make_index({
        "a_abbrev": f"Tin một\nLĐLĐ huyện Gia Lâm tổ chức hội nghị. {FILLER}",
        "b_full": f"Tin hai\nLiên đoàn Lao động huyện Gia Lâm tổ chức hội nghị. {FILLER}",
        "c_cdcs": f"Tin ba\nThành lập công đoàn cơ sở mới. {FILLER}",
        "d_cdcs_abbrev": f"Tin bốn\nThành lập CĐCS mới. {FILLER}",
    })
    assert expected in [i for i, _ in ranked(ix, query)]


def test_abbreviation_matches_are_highlighted(make_index):
    ix = make_index({"a": f"Tin\nHôm nay LĐLĐ huyện Gia Lâm họp. {FILLER}"})
    hit = search(ix, SearchOptions('"Liên đoàn Lao động huyện Gia Lâm"')).hits[0]
    assert [hit.snippet[a:b] for a, b in hit.highlights] == ["LĐLĐ huyện Gia Lâm"]


def test_title_beats_body_and_lead_beats_depth(make_index):
    ix = make_index({
        "a_title": f"Đoàn viên Sóc Sơn\n{FILLER}",
        "b_body": f"Tin tức\n{FILLER} Đoàn viên Sóc Sơn.",
    })
    assert [i for i, _ in ranked(ix, "Sóc Sơn")] == ["a_title", "b_body"]
    ix = make_index({
        "c_deep": f"Tin tức\n{FILLER}\n{FILLER}\nNgười dân Mê Linh đến dự hội nghị của công đoàn huyện.",
        "d_lead": f"Tin tức\nNgười dân Mê Linh đến dự hội nghị của công đoàn huyện.\n{FILLER}\n{FILLER}",
    })
    assert [i for i, _ in ranked(ix, "Mê Linh")] == ["d_lead", "c_deep"]


def test_nothing_found_suggests_from_the_index_vocabulary(make_index):
    ix = make_index({"a": f"Tin tức\nHai bên ký Quy chế phối hợp tại Gia Lâm. {FILLER}"})
    cases = {"quy che phoi hpo": "quy che phoi hop", "Quy chế phối hợpp": "quy chế phối hợp",
             "Gai Lâm": "gia lâm"}
    for typed, suggestion in cases.items():
        result = search(ix, SearchOptions(typed))
        assert result.total == 0 and result.suggestion == suggestion, typed
    assert search(ix, SearchOptions("zzqxw")).suggestion is None
    assert search(ix, SearchOptions("Gia Lâm")).suggestion is None


def test_explain_adds_up(make_index):
    ix = make_index({"a": f"Quy chế phối hợp\nLĐLĐ ký Quy chế phối hợp. {FILLER}",
                     "b": f"Tin\nQuy định về chế độ phối hợp. {FILLER}"})
    result = search(ix, SearchOptions("Quy chế phối hợp LĐLĐ", explain=True))
    assert result.analysis["groups"][-1][0] == {
        "folded": "lien doan lao dong", "exact": "liên đoàn lao động", "phrase": True}
    result = search(ix, SearchOptions("Quy chế phối hợp", explain=True))
    assert result.analysis["tiers"] == ["title is the query", "query in the title", "accents together", "accents"]
    for hit in result.hits:
        assert set(hit.explain["score"]) >= {"match", "words together", "whole phrase"}
        assert abs(sum(hit.explain["score"].values()) - hit.score) < 0.01
    assert [hit.explain["tier"] for hit in result.hits] == ["title is the query", "accents"]


def test_cli_suggestion_and_explain(cli, tmp_path, monkeypatch):
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "a.txt").write_text(f"Tin\nHai bên ký Quy chế phối hợp. {FILLER}", "utf-8")
    monkeypatch.setenv("LBSEARCH_INDEX", str(tmp_path / "ix"))
    assert cli("index", str(corpus)).status == 0
    run = cli("search", "quy che phoi hpo", "--json")
    assert run.status == 1 and json.loads(run.out)["suggestion"] == "quy che phoi hop"
    assert "did you mean: quy che phoi hop" in run.err
    assert json.loads(cli("search", "quy che", "--json").out)["suggestion"] is None
    explained = cli("search", "Quy chế", "--explain")
    assert "must match: che (accents: chế)" in explained.out and "tier: accents together; score " in explained.out
    assert "first phase" in explained.out and "rank 1 of a window of 100" in explained.out
    assert "words together and lead count for the best 100 by the rest" in explained.out
    document = json.loads(cli("search", "Quy chế", "--explain", "--json").out)
    assert document["analysis"]["groups"] and document["hits"][0]["explain"]["score"]["match"] > 0


def test_a_pasted_headline_comes_first(make_index):
    repeated = "Trạng thái thoát của lệnh. " * 6
    ix = make_index({
        "a_longer_title": f"Trạng thái thoát là 0 khi lệnh chạy xong\n{repeated}{FILLER}",
        "b_exact_title": f"Trạng thái thoát là\n{FILLER}",
        "c_body_only": f"Tin tức\n{repeated}Trạng thái thoát là 0. {FILLER}",
        "d_words_apart": f"Trạng thái mới, thoát nghèo, là\n{repeated}{FILLER}",
    })
    for query in ("Trạng thái thoát là", "trang thai thoat la"):
        assert [i for i, _ in ranked(ix, query)] == ["b_exact_title", "a_longer_title", "c_body_only",
                                                     "d_words_apart"], query


def test_typed_accents_want_the_phrase_with_them(make_index):
    ix = make_index({
        # "đối số" (argument) many times, "đổi" and "số" apart: the folded pair scores high
        "a_other_phrase": f"Tin tức\n{FILLER} Đối số thứ nhất, đối số thứ hai, đối số. Đổi lại, số này.",
        "b_the_phrase": f"Tin tức\n{FILLER} Hãy đổi số điện thoại.",
        "c_words_apart": f"Tin tức\n{FILLER} Đổi mới công tác. Số liệu.",
    })
    assert [i for i, _ in ranked(ix, "đổi số")] == ["b_the_phrase", "a_other_phrase", "c_words_apart"]
    # without accents no preference among accents: the folded phrase, most often first
    assert [i for i, _ in ranked(ix, "doi so")] == ["a_other_phrase", "b_the_phrase", "c_words_apart"]


def test_a_bare_syllable_in_an_accented_query_means_no_marks(make_index):
    ix = make_index({
        "a_dung": f"Tin tức\n{FILLER} Lịch sử dung nạp.",
        "b_dụng": f"Tin tức\n{FILLER} Sử dụng, sử dụng, sử dụng.",
    })
    assert [i for i, _ in ranked(ix, "sử dung")] == ["a_dung", "b_dụng"]
    assert [i for i, _ in ranked(ix, "sử dụng")] == ["b_dụng", "a_dung"]


def test_dashes_of_pasted_command_lines_are_text(make_index):
    ix = make_index({
        "a_option": f"Tin tức\n{FILLER} -r, --rename=TÊN đổi tên trường; gói -dev đi kèm.",
        "b_other": f"Tin tức\n{FILLER} Đổi tên trường học.",
    })
    assert [i for i, _ in ranked(ix, "-r, --rename=TÊN đổi tên trường")] == ["a_option"]
    assert [i for i, _ in ranked(ix, "đổi tên trường -dev")] == ["b_other"]
    assert [i for i, _ in ranked(ix, 'đổi tên -"gói dev"')] == ["b_other"]


def test_the_boosts_reorder_the_first_phase_window_and_lift_nothing_from_beyond_it(make_index, monkeypatch):
    from lbsearch import plan

    ix = make_index({
        "a_words_apart": "Tin\n" + "Phối thuộc các bên, hợp đồng mới. " * 5 + FILLER,
        "b_together": f"Tin\n{FILLER} Hai bên phối hợp.",
    })

    def first_of(window: int):
        monkeypatch.setattr(plan, "RESCORE_WINDOW", window)
        return search(ix, SearchOptions("phoi hop", limit=1, explain=True)).hits[0]

    # By BM25 alone the article with the words five times leads; the words standing
    # together lift the other above it, when the window holds both.
    best = first_of(2)
    assert best.id == "b_together" and best.explain["first_rank"] == 2 and best.explain["window"] == 2
    first, second = best.explain["phases"]
    assert first["parts"] == ["match"] and "words together" in second["parts"]
    assert abs(first["points"] + second["points"] - best.score) < 0.01
    assert first_of(1).id == "a_words_apart"
