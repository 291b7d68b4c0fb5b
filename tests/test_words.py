"""OR between Vietnamese words, not syllables (issue #20, point 4): which typed syllables
make one word (lbsearch/words.py, data/words.json) and how the query reads them."""

import json
from importlib import resources

import pytest

from lbsearch import words
from lbsearch.plan import parse_query
from lbsearch.query import SearchOptions, search
from lbsearch.text import exact, fold

FILLER = "Buổi làm việc diễn ra tại trụ sở với sự tham dự của nhiều đại biểu. " * 3


def reading(query: str) -> list[list[str]]:
    """The groups of a query as text: every group must match, any of its clauses."""
    parsed = parse_query(query)
    return [[" ".join(c.syllables) for c in group] for group in parsed.groups]


@pytest.mark.parametrize("query, groups", [
    ("lao dong OR cong doan", [["lao dong", "cong doan"]]),
    ("lao dong OR cong doan OR cong nhan", [["lao dong", "cong doan", "cong nhan"]]),
    ("hội nghị công đoàn OR đoàn viên", [["hoi"], ["nghi"], ["cong doan", "doan vien"]]),
    ("Long Biên OR Gia Lâm", [["long bien", "gia lam"]]),  # district names are words
    ("ha noi OR hai phong", [["ha noi", "hai phong"]]),  # and so are the provinces
    ("nguoi lao dong OR cong nhan", [["nguoi lao dong", "cong nhan"]]),  # three syllables (NLĐ)
    ("x OR cong doan co so y", [["x", "cong doan co so"], ["y"]]),  # four (CĐCS); y stays apart
    ("a OR lao dong cong doan OR b", [["a", "lao dong"], ["cong doan", "b"]]),
    ('"lao động" OR "công đoàn"', [["lao dong", "cong doan"]]),  # quotes decide, as before
    ('lao "dong" OR cong', [["lao"], ["dong", "cong"]]),
    ("Nguyễn OR Trần OR Lê", [["nguyen", "tran", "le"]]),
    ("cong OR doan", [["cong", "doan"]]),
    # The word list does not know these: a side is the last (or first) syllable, as before.
    ("zzq lao OR dong xyz", [["zzq"], ["lao", "dong"], ["xyz"]]),
    ("cống đoàn OR x", [["cong"], ["doan", "x"]]),  # accents typed that no word has
    ("cong đoàn OR x", [["cong doan", "x"]]),  # a bare syllable matches any accents
    # Typed apart on purpose: AND, an excluded word or a dash between.
    ("lao AND dong OR x", [["lao"], ["dong", "x"]]),
    ("lao -zz dong OR x", [["lao"], ["dong", "x"]]),
    ("lao - dong OR x", [["lao"], ["dong", "x"]]),
    ("x OR cong -doan", [["x", "cong"]]),
])
def test_or_takes_the_word_on_each_side(query, groups):
    assert reading(query) == groups


def test_words_without_or_stay_separate_clauses():
    assert reading("lao dong cong doan") == [["lao"], ["dong"], ["cong"], ["doan"]]
    assert reading("hội nghị công đoàn") == [["hoi"], ["nghi"], ["cong"], ["doan"]]


def test_a_side_of_or_keeps_its_accents():
    (group,) = parse_query("lao động OR công đoàn").groups
    assert [(c.exact, c.accented) for c in group] == [(("lao", "động"), True), (("công", "đoàn"), True)]


def found(ix, query: str) -> set[str]:
    return {h.id for h in search(ix, SearchOptions(query, limit=50, all_copies=True)).hits}


def test_or_finds_either_word_and_not_the_syllables_apart(make_index):
    ix = make_index({
        "a_lao_dong": f"Tin một\nNgười lao động được hỗ trợ. {FILLER}",
        "b_cong_doan": f"Tin hai\nCông đoàn quận tổ chức gặp mặt. {FILLER}",
        # lao, đồng, công, đoàn and nhân, each apart: `lao (dong OR cong) (doan OR cong) nhan` found this
        "c_apart": f"Tin ba\nTiếng lao xao trên cánh đồng, công viên, đoàn kết, nhân ái. {FILLER}",
    })
    assert found(ix, "lao dong OR cong doan") == {"a_lao_dong", "b_cong_doan"}
    assert found(ix, "lao dong OR cong doan OR cong nhan") == {"a_lao_dong", "b_cong_doan"}
    assert found(ix, "lao động OR công đoàn") == found(ix, '"lao động" OR "công đoàn"') == {"a_lao_dong", "b_cong_doan"}


def test_or_after_words_keeps_them_as_words_to_match(make_index):
    ix = make_index({
        "a_doan_vien": f"Hội nghị đoàn viên\nHội nghị đoàn viên năm nay. {FILLER}",
        "b_cong_doan": f"Hội nghị công đoàn\nHội nghị công đoàn quận. {FILLER}",
        "c_apart": f"Hội nghị\nHội nghị của công nhân viên, đoàn kết một lòng. {FILLER}",
        "d_no_hoi_nghi": f"Tin\nCông đoàn cơ sở và đoàn viên. {FILLER}",
    })
    assert found(ix, "hội nghị công đoàn OR đoàn viên") == {"a_doan_vien", "b_cong_doan"}
    assert found(ix, "hoi nghi cong doan OR doan vien") == {"a_doan_vien", "b_cong_doan"}


def test_or_of_words_on_the_seeds(seed_ix):
    either = found(seed_ix, '"lao dong"') | found(seed_ix, '"cong doan"')
    assert found(seed_ix, "lao dong OR cong doan") == either
    assert found(seed_ix, "Long Biên OR Nghệ An") == found(seed_ix, '"Long Biên"') | found(seed_ix, '"Nghệ An"')
    assert found(seed_ix, '"Nghệ An"') and found(seed_ix, "Nghệ An OR zzqx") == found(seed_ix, '"Nghệ An"')


def test_explain_shows_each_side_as_a_phrase(seed_ix, cli, seed_index):
    result = search(seed_ix, SearchOptions("hội nghị công đoàn OR đoàn viên", explain=True))
    assert result.analysis["groups"][-1] == [
        {"folded": "cong doan", "exact": "công đoàn", "phrase": True},
        {"folded": "doan vien", "exact": "đoàn viên", "phrase": True},
    ]
    run = cli("search", "lao dong OR cong doan", "--explain", "--index", str(seed_index), "-n", "1")
    assert 'must match: "lao dong" OR "cong doan"\n' in run.out


def test_is_word_with_and_without_accents():
    assert words.is_word(["cong", "doan"], [None, None])
    assert words.is_word(["cong", "doan"], ["công", "đoàn"])
    assert words.is_word(["cong", "doan"], [None, "đoàn"])
    assert not words.is_word(["cong", "doan"], ["cống", None])
    assert not words.is_word(["doan"], [None])
    assert words.word_at_end("hoi nghi cong doan".split(), [None] * 4) == 2
    assert words.word_at_start("cong doan co so x".split(), [None] * 5) == 4
    assert words.word_at_start("zz cong".split(), [None] * 2) == 1


def test_the_word_list_is_what_it_says():
    data = json.loads(resources.files("lbsearch").joinpath("data/words.json").read_text("utf-8"))
    assert "pyvi" in data["about"] and data["licence"].startswith("The MIT License")
    listed = data["words"]
    assert listed == sorted(set(listed)) and len(listed) > 20_000
    for word in listed:
        syllables = word.split()
        assert 2 <= len(syllables) <= 3 and all(exact(s) == s and s.isalpha() for s in syllables), word
    assert "Hà Nội" in data["places"] and "Nghệ An" in data["places"]


# Words of two or more syllables marked by hand in the seeds: 000's second paragraph
# and 002's first four (the report of issue #20 gives the measure).
HAND_MARKED = (
    "hội nghị|lãnh đạo|Long Biên|Gia Lâm|thông tin|cho nhau|kết quả|nổi bật|đổi mới|sáng tạo|phong trào|"
    "hoạt động|công đoàn|đơn vị|thời gian|hai bên|cùng nhau|trao đổi|kinh nghiệm|hoạt động|công đoàn|trong đó|"
    "tập trung|trao đổi|đổi mới|sáng tạo|thực hiện|chức năng|đại diện|chăm lo|đời sống|bảo vệ|lợi ích|hợp pháp|"
    "chính đáng|đoàn viên|người lao động|công tác|quản lý|phát triển|đoàn viên|thành lập|công đoàn cơ sở|"
    "chiều nay|liên đoàn lao động|Long Biên|tổ chức|hội nghị|giao ban|thi đua|công đoàn|góp ý|dự thảo|kế hoạch|"
    "tổ chức|một số|nhiệm vụ|trọng tâm|hoạt động|công đoàn|phối hợp|nâng cao|chất lượng|cuộc sống|"
    "người lao động|địa bàn|Long Biên|triệu đồng|hỗ trợ|nhà ở|đoàn viên|ảnh hưởng|công đoàn|Long Biên|"
    "cán đích|chỉ tiêu|quan trọng"
).split("|")


def test_most_words_of_the_seeds_are_known():
    known = [w for w in HAND_MARKED if words.is_word([fold(s) for s in w.split()], [exact(s) for s in w.split()])]
    assert len(known) >= 0.85 * len(HAND_MARKED), set(HAND_MARKED) - set(known)
    # Syllables that stand together in the seeds without being a word there.
    for apart in ("đã có", "động của", "quả đã", "tại công", "hoạt động của"):
        assert not words.is_word([fold(s) for s in apart.split()], [exact(s) for s in apart.split()]), apart
