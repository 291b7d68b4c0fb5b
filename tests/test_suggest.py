"""Suggestions that lead somewhere, and keys typed with the Vietnamese input off
(issue #20, point 5): lbsearch/suggest.py and lbsearch/keys.py."""

import json
import unicodedata
from datetime import date
from importlib import resources

import pytest

from lbsearch import keys, suggest as suggesting
from lbsearch.query import SearchOptions, search
from lbsearch.text import exact, fold

FILLER = "Hội nghị diễn ra tại trụ sở với sự tham dự của nhiều đại biểu. " * 3
TONE_MARKS = "\u0300\u0301\u0303\u0309\u0323"


def total(ix, query: str, **options) -> int:
    return search(ix, SearchOptions(query, **options)).total


def ids(ix, query: str) -> set[str]:
    return {h.id for h in search(ix, SearchOptions(query, limit=50, all_copies=True)).hits}


@pytest.mark.parametrize("typed, meant", [
    ("quy chees phoois hopwj", "quy chế phối hợp"),  # Telex
    ("doanf", "đoàn"),
    ("ddoanf", "đoàn"),
    ("cong doanf", "công đoàn"),  # not "cong doanh", one edit away
    ("d9oa2n", "đoàn"),  # VNI
    ("quy che61 pho6i1 ho75p", "quy chế phối hợp"),
    ("quy chee phoi hop", "quy chế phối hợp"),  # one Telex key: the whole query with accents
])
def test_keys_typed_with_the_input_off_find_what_they_spell(seed_ix, typed, meant):
    result = search(seed_ix, SearchOptions(typed, limit=50))
    assert result.total == 0 and result.suggestion == meant
    assert ids(seed_ix, result.suggestion) == ids(seed_ix, meant) != set()


# Queries that find nothing on the seeds, of every kind a suggestion handles.
NOTHING_FOUND = [
    '"Tô Lâm"',  # a phrase the articles do not have: today "tổ lâm", which finds nothing
    '"hoi nghi cong doan"', '"quy che phoi hpo"', '"quy che phoi hoi"', "quy che phoi hpo", "Quy chế phối hợpp",
    "quy chê phôi hơpp", "Gai Lâm", "lao dong OR cong doanf", "LĐLĐ hoi nghi congg", "công đoàn -zzqq cngo",
    '"lao dongf" cong doan', "xã Gia Lâmm", "doanf OR zzqx", "zzqxw", "quychephoihopp",
]


@pytest.mark.parametrize("query", NOTHING_FOUND)
def test_a_suggestion_always_finds_something(seed_ix, query):
    result = search(seed_ix, SearchOptions(query))
    assert result.total == 0
    if result.suggestion is not None:
        assert total(seed_ix, result.suggestion) > 0, result.suggestion


def test_suggestions_are_offered_for_typos(seed_ix):
    offered = {q: search(seed_ix, SearchOptions(q)).suggestion for q in NOTHING_FOUND}
    assert offered["lao dong OR cong doanf"] == "lao động OR công đoàn"
    assert offered["quy chê phôi hơpp"] == "quy chế phối hợp"
    assert offered["LĐLĐ hoi nghi congg"] == '"liên đoàn lao động" hội nghị công'
    assert offered['"lao dongf" cong doan'] == '"lao động" công đoàn'  # the spelling that stands with "lao"
    assert offered["công đoàn -zzqq cngo"] == "công đoàn công -zzqq"
    none = {"zzqxw", "doanf OR zzqx", "quychephoihopp"}  # nothing near zzq..., too long to correct
    assert {query for query, suggested in offered.items() if suggested is None} == none


@pytest.mark.parametrize("typed, suggested", [
    ("quy che phoi hpo", "quy che phoi hop"),  # typed without accents: suggested without
    ("Quy chế phối hợpp", "quy chế phối hợp"),  # typed with: every syllable with them
    ("quy chê phôi hơpp", "quy chế phối hợp"),
])
def test_a_suggestion_keeps_one_reading(seed_ix, typed, suggested):
    assert search(seed_ix, SearchOptions(typed)).suggestion == suggested


def test_a_quoted_phrase_nobody_wrote_suggests_one_that_is_written(seed_ix):
    # Every syllable is in the index; "phoi hoi" is not, "phoi hop" (one letter away) is.
    assert search(seed_ix, SearchOptions('"quy che phoi hoi"')).suggestion == '"quy che phoi hop"'
    # No phrase is near: the words, unquoted.
    assert search(seed_ix, SearchOptions('"hoi nghi cong doan"')).suggestion == "hoi nghi cong doan"
    suggested = search(seed_ix, SearchOptions('"Tô Lâm"')).suggestion
    assert suggested and '"' not in suggested and total(seed_ix, suggested) > 0


def test_no_suggestion_when_a_filter_left_nothing(seed_ix):
    result = search(seed_ix, SearchOptions("công đoàn", since=date(2099, 1, 1)))
    assert result.total == 0 and result.suggestion is None


def test_a_suggestion_finds_something_within_the_filters(seed_ix):
    dated = dict(since=date(2022, 5, 31), until=date(2022, 5, 31))  # the day of 001 only
    suggested = search(seed_ix, SearchOptions("quy che phoi hpo", **dated)).suggestion
    assert suggested and total(seed_ix, suggested, **dated) > 0
    assert search(seed_ix, SearchOptions("quy che phoi hpo", since=date(2099, 1, 1))).suggestion is None


class CountingReader:
    """The seeds' reader, counting what a suggestion asks of it."""

    def __init__(self, reader):
        self.reader = reader
        self.calls = {"count": 0, "terms_with_prefix": 0, "doc_frequency": 0}
        self.walked: set[str] = set()  # the fields whose terms were walked

    def __getattr__(self, name):
        attribute = getattr(self.reader, name)
        if name not in self.calls:
            return attribute

        def counted(*args, **kwargs):
            self.calls[name] += 1
            if name == "terms_with_prefix":
                self.walked.add(args[0])
            return attribute(*args, **kwargs)

        return counted


def test_the_cost_of_a_suggestion_is_bounded(seed_ix):
    from lbsearch.plan import parse_query

    reader = CountingReader(seed_ix.reader)
    # 64 terms, every one a typo of a different word, with quotes and OR
    typos = ["hpo", "ngih", "doanf", "cogn", "laoo", "dongg", "phooi", "quyy"] * 8
    query = " ".join(typos[:60]) + ' "chee phoi" OR "hoi nhgi"'
    suggesting.suggest(reader, parse_query(query))
    assert reader.calls["count"] <= suggesting.MAX_TRIES + 1
    assert reader.calls["terms_with_prefix"] <= 26  # each first letter's words walked once, not per syllable
    assert reader.walked == {"text"}  # accented forms are looked up, never walked: the cost does not grow with the index
    assert reader.calls["doc_frequency"] <= 64 * 80
    reader = CountingReader(seed_ix.reader)
    assert suggesting.suggest(reader, parse_query("quychephoihopp")) is None
    assert reader.calls["terms_with_prefix"] == 0  # over 12 letters: not corrected


def test_cli_says_what_to_try(cli, seed_index):
    run = cli("search", "cong doanf", "--index", str(seed_index), "--json")
    assert run.status == 1 and json.loads(run.out)["suggestion"] == "công đoàn"
    assert "did you mean: công đoàn" in run.err


def test_telex_words_the_index_has_are_searched_as_typed(make_index):
    ix = make_index({"a": f"Tin\nXe bus chạy qua phố. {FILLER}", "b": f"Tin\nBú sữa mẹ. {FILLER}"})
    assert ids(ix, "bus") == {"a"}  # "bus" could be Telex for "bú": a word the index has is read as typed


# keys.py: pure functions


@pytest.mark.parametrize("typed, syllable", [
    ("chees", "chế"), ("phoois", "phối"), ("hopwj", "hợp"), ("hojpw", "hợp"), ("doanf", "doàn"),
    ("ddoanf", "đoàn"), ("nguwowif", "người"), ("nguoiwf", "người"), ("truwowngf", "trường"), ("thuowr", "thuở"),
    ("vieetj", "việt"), ("nhwngx", "những"), ("coong", "công"), ("gias", "giá"), ("ginf", "gìn"), ("quys", "quý"),
    ("hoaf", "hòa"), ("thuyr", "thủy"), ("khoer", "khỏe"), ("quyts", "quýt"), ("CHEES", "chế"),
    ("d9oa2n", "đoàn"), ("che61", "chế"), ("pho6i1", "phối"), ("ho75p", "hợp"), ("hop75", "hợp"),
    ("d9u7o7ng2", "đường"), ("nguoi72", "người"), ("tie6ng1", "tiếng"),
])
def test_keys_decode_telex_and_vni(typed, syllable):
    assert keys.decode(typed) == syllable


@pytest.mark.parametrize("typed", [
    "doan", "cong", "quy", "xe", "sao",  # Vietnamese as typed: no key used
    "python", "email", "covid19", "2025", "b2", "h5n1", "virus",  # not a syllable, or two tones
    "hopf", "chatf",  # a stop final takes only sắc or nặng
    "đoàn", "d9oa2n9", "a66",  # typed with accents already; a mark twice
])
def test_keys_leave_what_is_not_such_typing(typed):
    assert keys.decode(typed) is None


def _syllables_of_the_word_list() -> set[str]:
    data = json.loads(resources.files("lbsearch").joinpath("data/words.json").read_text("utf-8"))
    return {s for word in data["words"] for s in word.split()}


def _bare(syllable: str) -> tuple[str, str]:
    decomposed = unicodedata.normalize("NFD", syllable)
    tone = "".join(c for c in decomposed if c in TONE_MARKS)
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in TONE_MARKS)), tone


TELEX = {"â": "aa", "ê": "ee", "ô": "oo", "ă": "aw", "ơ": "ow", "ư": "uw", "đ": "dd"}
VNI = {"â": "a6", "ê": "e6", "ô": "o6", "ă": "a8", "ơ": "o7", "ư": "u7", "đ": "d9"}
TELEX_TONES = dict(zip(TONE_MARKS, "fsxrj"))
VNI_TONES = dict(zip(TONE_MARKS, "21435"))


def test_every_syllable_of_the_word_list_typed_either_way_reads_back():
    """Typed as a Telex or VNI user types it (marks after their letter, the tone at
    the end), every Vietnamese syllable of the word list decodes to itself."""
    checked = 0
    for syllable in sorted(_syllables_of_the_word_list()):
        bare, tone = _bare(syllable)
        if keys.split(bare) is None or "oo" in bare:
            continue  # loanwords (ôxy, internet), and xoong's oo that Telex types ooo
        telex = "".join(TELEX.get(ch, ch) for ch in bare) + TELEX_TONES.get(tone, "")
        vni = "".join(VNI.get(ch, ch) for ch in bare) + VNI_TONES.get(tone, "")
        if telex == syllable:  # no mark, no key: not such typing
            assert keys.decode(telex) is None, syllable
            continue
        assert keys.decode(telex) == exact(syllable), (telex, syllable)
        assert keys.decode(vni) == exact(syllable), (vni, syllable)
        checked += 1
    assert checked > 4000


def test_spellings_are_every_accented_form_of_a_folded_syllable():
    assert keys.spellings("cong")[:2] == ["cong", "cóng"] and "công" in keys.spellings("cong")
    assert "đoàn" in keys.spellings("doan") and "đường" in keys.spellings("duong")
    assert keys.spellings("covid") == keys.spellings("x") == []
    for syllable in _syllables_of_the_word_list():
        if keys.split(_bare(syllable)[0]) is not None:
            spelled = keys.spellings(fold(syllable))
            assert exact(syllable) in spelled and len(spelled) <= 80, syllable


def test_the_rhymes_cover_the_word_list():
    not_spelled = {s for s in _syllables_of_the_word_list() if keys.split(_bare(s)[0]) is None}
    # Loanwords and letters only: acid, internet, ôxy, x ...
    assert len(not_spelled) < 100 and not not_spelled & {"hợp", "đoàn", "người", "quốc", "khuya", "thuở"}
