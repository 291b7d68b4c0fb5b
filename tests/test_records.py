"""Scraped articles saved as JSON Lines or JSON lists: fields, aliases, problems, HTML, size."""

import json
import sys
import unicodedata

import pytest

from lbsearch import records
from lbsearch.extract import load_file
from lbsearch.records import MAX_LINE_BYTES, Record, RecordProblem, read_records

from .conftest import seed_text

# Real article text: the title and the first paragraphs of two seeds.
_SEED = seed_text("000_de9231ce01b27642").split("\n")
TITLE = _SEED[0]  # "LĐLĐ quận Long Biên và LĐLĐ huyện Gia Lâm ký Quy chế phối hợp hoạt động"
PARAS = [line for line in _SEED[1:] if len(line) > 80][:3]
OTHER_TITLE = seed_text("003_b5d277c22c92321f").split("\n")[0]


def jsonl(*values) -> str:
    """One line per value: dicts and lists as JSON, strings as they are (raw lines)."""
    return "\n".join(v if isinstance(v, str) else json.dumps(v, ensure_ascii=False) for v in values) + "\n"


def one(value: dict) -> Record:
    got, problems = read_records(jsonl(value), ".jsonl")
    assert problems == []
    assert len(got) == 1
    return got[0]


def problems_of(text: str, suffix: str = ".jsonl") -> list[tuple[int, str]]:
    return [(p.line, p.reason) for p in read_records(text, suffix)[1]]


def test_seed_paragraphs_are_real():
    assert len(PARAS) == 3 and "Long Biên" in TITLE


@pytest.mark.parametrize("key", records.TITLE_KEYS)
def test_title_aliases(key):
    assert one({key: TITLE, "body": PARAS[0]}).title == TITLE


@pytest.mark.parametrize("key", records.BODY_KEYS)
def test_body_aliases(key):
    assert one({"title": TITLE, key: PARAS[0]}).body == PARAS[0]


@pytest.mark.parametrize("key", records.DATE_KEYS)
def test_date_aliases_keep_the_value_as_given(key):
    assert one({"title": TITLE, key: " 31/5/2022 08:00 "}).date == "31/5/2022 08:00"


@pytest.mark.parametrize("key", records.URL_KEYS)
def test_url_aliases(key):
    got = one({"title": TITLE, key: "https://laodongthudo.vn/bai-1.html"})
    assert got.url == "https://laodongthudo.vn/bai-1.html"


def test_first_present_non_empty_alias_wins():
    got = one({"title": "  ", "headline": TITLE, "body": "", "text": None, "content": PARAS[1], "article": PARAS[2]})
    assert (got.title, got.body) == (TITLE, PARAS[1])
    assert one({"title": TITLE, "headline": OTHER_TITLE, "body": PARAS[0]}).title == TITLE


def test_absent_date_and_url_are_none_and_values_are_stripped():
    got = one({"title": f"  {TITLE}\t", "body": f"\n{PARAS[0]}  \n"})
    assert (got.title, got.body, got.date, got.url) == (TITLE, PARAS[0], None, None)


@pytest.mark.parametrize("key", ["body", "text", "content"])
def test_list_bodies_are_joined_one_paragraph_a_line(key):
    assert one({"title": TITLE, key: PARAS}).body == "\n".join(PARAS)


def test_blank_paragraphs_go():
    assert one({"title": TITLE, "body": f"{PARAS[0]}\n\n\n  {PARAS[1]}\r\n"}).body == f"{PARAS[0]}\n{PARAS[1]}"
    assert one({"title": TITLE, "body": [PARAS[0], "", "  ", PARAS[1]]}).body == f"{PARAS[0]}\n{PARAS[1]}"


def test_body_without_title_is_kept_with_an_empty_title():
    got = one({"body": PARAS[0]})
    assert (got.title, got.body) == ("", PARAS[0])


def test_title_without_body_is_kept():
    assert one({"title": TITLE}).body == ""


@pytest.mark.parametrize(
    "record",
    [{}, {"title": "", "body": ""}, {"headline": "  ", "text": []}, {"date": "2022-05-31", "url": "https://x.vn/a"}],
)
def test_no_title_and_no_text_is_a_problem(record):
    assert problems_of(jsonl(record)) == [(1, "no title and no text")]


@pytest.mark.parametrize(
    "record, key",
    [
        ({"id": "ldtd-123"}, "ldtd-123"),
        ({"id": 42}, "42"),
        ({"_id": "abc"}, "abc"),
        ({"guid": " g-1 "}, "g-1"),
        ({"_id": {"$oid": "65f0c2"}}, "65f0c2"),
        ({"id": "", "guid": 7}, "7"),
        ({"url": "https://laodong.vn/a.html"}, "https://laodong.vn/a.html"),
        ({"link": "/cong-doan/a.html"}, "/cong-doan/a.html"),  # relative: a key, but no url
        ({"id": 5, "url": "https://laodong.vn/a.html"}, "5"),
    ],
)
def test_key_is_the_id_else_the_address(record, key):
    assert one({"title": TITLE, **record}).key == key


def test_key_falls_back_to_the_line():
    got, _ = read_records(jsonl({"title": TITLE}, "", {"title": OTHER_TITLE}), ".jsonl")
    assert [(r.line, r.key) for r in got] == [(1, "line-1"), (3, "line-3")]


def test_relative_address_is_no_url():
    assert one({"title": TITLE, "url": "/cong-doan/a.html"}).url is None
    assert one({"title": TITLE, "url": "javascript:void(0)"}).url is None
    assert one({"title": TITLE, "href": "HTTP://LAODONG.VN/a"}).url == "HTTP://LAODONG.VN/a"


def test_blank_lines_are_skipped_and_lines_keep_their_numbers():
    text = "\n   \n" + jsonl({"title": TITLE}) + "\r\n\t\n" + jsonl({"title": OTHER_TITLE}) + "\n\n"
    got, problems = read_records(text, ".jsonl")
    assert problems == []
    assert [(r.line, r.title) for r in got] == [(3, TITLE), (6, OTHER_TITLE)]


def test_crlf_line_ends():
    text = jsonl({"title": TITLE}, {"title": OTHER_TITLE}).replace("\n", "\r\n")
    assert [r.title for r in read_records(text, ".jsonl")[0]] == [TITLE, OTHER_TITLE]


def test_a_bad_line_in_the_middle_is_one_problem_and_the_rest_reads():
    text = jsonl(
        {"id": 1, "title": TITLE, "body": PARAS[0]},
        {"id": 2, "title": OTHER_TITLE, "body": PARAS[1]},
        '{"id": 3, "title": "cut off", "body": "Chiều 31/5',
        {"id": 4, "title": TITLE, "body": PARAS[2]},
    )
    got, problems = read_records(text, ".jsonl")
    assert [r.key for r in got] == ["1", "2", "4"]
    assert [r.line for r in got] == [1, 2, 4]
    assert len(problems) == 1
    assert problems[0].line == 3 and problems[0].reason.startswith("not valid JSON (")


@pytest.mark.parametrize(
    "fields, reason",
    [
        ({"title": 5}, "title is a number, not text"),
        ({"headline": True, "body": "x"}, "headline is a boolean, not text"),
        ({"title": ["a", "b"]}, "title is a list, not text"),
        ({"title": TITLE, "body": {"p": "x"}}, "body is a dict, not text"),
        ({"title": TITLE, "text": 3.5}, "text is a number, not text"),
        ({"title": TITLE, "body": ["a", 1]}, "body is a list holding a number, not text"),
        ({"title": TITLE, "content": [["a"]]}, "content is a list holding a list, not text"),
        ({"title": TITLE, "date": 1653955200}, "date is a number, not text"),
        ({"title": TITLE, "published": {"$date": "2022"}}, "published is a dict, not text"),
        ({"title": TITLE, "url": ["https://x.vn"]}, "url is a list, not text"),
        ({"title": TITLE, "link": False}, "link is a boolean, not text"),
        ({"title": TITLE, "id": [1]}, "id is a list, not text or a number"),
        ({"title": TITLE, "guid": True}, "guid is a boolean, not text or a number"),
    ],
)
def test_a_wrong_type_is_a_problem_naming_field_and_type(fields, reason):
    text = jsonl({"title": OTHER_TITLE}, fields, {"title": TITLE, "body": PARAS[0]})
    got, problems = read_records(text, ".jsonl")
    assert [(p.line, p.reason) for p in problems] == [(2, reason)]
    assert [r.line for r in got] == [1, 3]


@pytest.mark.parametrize(
    "line, reason",
    [
        ("5", "a number, not an object"),
        ('["a", "b"]', "a list, not an object"),
        ('"Công đoàn"', "a string, not an object"),
        ("null", "null, not an object"),
        ("true", "a boolean, not an object"),
    ],
)
def test_a_line_that_is_no_object_is_a_problem(line, reason):
    text = jsonl({"title": TITLE}, line, {"title": OTHER_TITLE})
    assert problems_of(text) == [(2, reason)]
    assert len(read_records(text, ".jsonl")[0]) == 2


def test_deep_nesting_is_a_problem_not_a_crash():
    text = jsonl({"title": TITLE}, "[" * 100_000, {"title": OTHER_TITLE})
    assert problems_of(text) == [(2, "not valid JSON (nested too deeply)")]
    assert problems_of("[" * 100_000, ".json") == [(1, "not valid JSON (nested too deeply)")]


def test_a_repeated_id_keeps_the_first_and_names_its_line():
    text = jsonl(
        {"id": 7, "title": TITLE},
        {"id": 8, "title": OTHER_TITLE},
        {"id": "7", "title": "later copy"},
    )
    got, problems = read_records(text, ".jsonl")
    assert [r.title for r in got] == [TITLE, OTHER_TITLE]
    assert [(p.line, p.reason) for p in problems] == [(3, "same id as line 1")]


def test_a_repeated_address_is_a_problem():
    text = jsonl({"title": TITLE, "url": "https://x.vn/a"}, {"title": OTHER_TITLE, "link": "https://x.vn/a"})
    assert problems_of(text) == [(2, "same address as line 1")]


def test_a_refused_record_takes_no_key():
    text = jsonl({"id": 1, "title": 5}, {"id": 1, "title": TITLE})
    got, problems = read_records(text, ".jsonl")
    assert [r.title for r in got] == [TITLE]
    assert [p.reason for p in problems] == ["title is a number, not text"]


def test_json_list_gives_each_object_with_the_line_it_starts_on():
    items = [
        {"id": 1, "title": TITLE, "body": PARAS},
        {"title": OTHER_TITLE, "body": PARAS[1]},
        {"title": "Tin khác", "text": PARAS[2], "datePublished": "2022-05-20"},
    ]
    text = json.dumps(items, ensure_ascii=False, indent=2)
    lines = text.split("\n")
    starts = [number for number, line in enumerate(lines, 1) if line == "  {"]
    got, problems = read_records(text, ".json")
    assert problems == []
    assert [r.line for r in got] == starts
    assert [r.key for r in got] == ["1", "item-2", "item-3"]
    assert got[0].body == "\n".join(PARAS)
    assert got[2].date == "2022-05-20"


def test_minified_json_list_keys_records_by_place():
    text = json.dumps([{"title": TITLE}, {"title": OTHER_TITLE}, 3], ensure_ascii=False)
    got, problems = read_records(text, ".json")
    assert [(r.line, r.key) for r in got] == [(1, "item-1"), (1, "item-2")]
    assert [(p.line, p.reason) for p in problems] == [(1, "a number, not an object")]


def test_json_single_object_is_one_record():
    text = "\ufeff\n" + json.dumps({"title": TITLE, "content": PARAS[0]}, ensure_ascii=False, indent=1)
    got, problems = read_records(text, ".json")
    assert problems == []
    assert [(r.line, r.key, r.title, r.body) for r in got] == [(2, "item-1", TITLE, PARAS[0])]


def test_empty_json_files_hold_nothing():
    for text, suffix in (("", ".json"), ("  \n", ".json"), ("[]", ".json"), ("", ".jsonl"), ("\n\n", ".jsonl")):
        assert read_records(text, suffix) == ([], [])


@pytest.mark.parametrize(
    "text, problem",
    [
        ('{"title": "x"', (1, "not valid JSON (Expecting ',' delimiter)")),
        ("5", (1, "the file holds a number, not a list of objects")),
        ('"Công đoàn"', (1, "the file holds a string, not a list of objects")),
        ("\n\n{oops}", (3, "not valid JSON (Expecting property name enclosed in double quotes)")),
        ('[{"title": "a"}] [', (1, "not valid JSON (Extra data)")),
    ],
)
def test_json_broken_at_top_level_is_one_problem(text, problem):
    got, problems = read_records(text, ".json")
    assert [(p.line, p.reason) for p in problems] == [problem]


def test_json_list_broken_part_way_keeps_what_came_before():
    text = json.dumps([{"title": TITLE}, {"title": OTHER_TITLE}], ensure_ascii=False, indent=2)
    text = text[: text.rindex("}")]  # the download stopped inside the second object
    got, problems = read_records(text, ".json")
    assert [r.title for r in got] == [TITLE]
    assert [p.line for p in problems] == [len(text.split("\n"))]
    assert problems_of('[{"title": "a"},\n]', ".json") == [(2, "not valid JSON (Expecting value)")]


def test_jsonl_file_holding_one_json_list_is_read_as_a_list():
    text = json.dumps([{"title": TITLE}, {"title": OTHER_TITLE}], ensure_ascii=False, indent=2)
    got, problems = read_records(text, ".jsonl")
    assert problems == []
    assert [(r.line, r.title) for r in got] == [(2, TITLE), (5, OTHER_TITLE)]


def test_jsonl_starting_with_a_list_line_reads_line_by_line():
    text = jsonl(["a"], {"title": TITLE})
    got, problems = read_records(text, ".jsonl")
    assert [r.title for r in got] == [TITLE]
    assert [(p.line, p.reason) for p in problems] == [(1, "a list, not an object")]


def test_html_in_bodies_becomes_paragraphs():
    body = (
        f"<div class='content'><p>{PARAS[0]}</p>\n<p style=\"x\">{PARAS[1]}<br/>Ảnh: <b>MAI LIỄU</b></p>"
        f"<!-- ad --><P>Hà Nội &amp; Nghệ An&nbsp;ký kết &lt;p&gt; &#7871;</P></div>"
    )
    got = one({"title": "Công đoàn &amp; người lao động", "body": body})
    assert got.body.split("\n") == [PARAS[0], PARAS[1], "Ảnh: MAI LIỄU", "Hà Nội & Nghệ An\xa0ký kết <p> ế"]
    assert got.title == "Công đoàn & người lao động"


def test_text_that_only_looks_like_html_stays():
    assert one({"title": TITLE, "body": "lương < 5 triệu, Q&A, a<b"}).body == "lương < 5 triệu, Q&A, a<b"


def test_html_list_bodies():
    assert one({"title": TITLE, "text": [f"<p>{PARAS[0]}</p>", f"<p>{PARAS[1]}</p>"]}).body == "\n".join(PARAS[:2])


def test_an_enormous_line_is_a_problem_and_is_never_parsed(monkeypatch):
    parsed = []
    decode = records._DECODER.decode
    monkeypatch.setattr(records._DECODER, "decode", lambda s: parsed.append(len(s)) or decode(s))
    huge = '{"title": "x", "body": "' + "a" * MAX_LINE_BYTES + '"}'
    # Under the limit in characters, over it in UTF-8 bytes: "ệ" takes three.
    wide = '{"title": "x", "body": "' + "ệ" * (MAX_LINE_BYTES // 3 + 1) + '"}'
    text = jsonl({"title": TITLE}, huge, {"title": OTHER_TITLE}, wide, {"title": "cuối"})
    got, problems = read_records(text, ".jsonl")
    assert [(r.line, r.title) for r in got] == [(1, TITLE), (3, OTHER_TITLE), (5, "cuối")]
    assert [(p.line, p.reason) for p in problems] == [(2, "line longer than 8 MiB"), (4, "line longer than 8 MiB")]
    assert max(parsed) < 1000


def test_a_line_just_under_the_limit_is_read():
    body = "ệ" * ((MAX_LINE_BYTES - 1000) // 3)
    assert one({"title": TITLE, "body": body}).body == body


def test_decomposed_vietnamese_is_kept_as_given():
    title, body = unicodedata.normalize("NFD", TITLE), unicodedata.normalize("NFD", PARAS[0])
    assert title != TITLE
    got = one({"title": title, "body": body})
    assert (got.title, got.body) == (title, body)
    # The same through JSON escapes, as json.dumps writes by default.
    got, _ = read_records(json.dumps({"title": title, "body": body}), ".jsonl")
    assert (got[0].title, got[0].body) == (title, body)


def test_byte_order_mark_is_ignored():
    got, problems = read_records("\ufeff" + jsonl({"title": TITLE}), ".jsonl")
    assert (problems, [r.title for r in got]) == ([], [TITLE])
    got, problems = read_records("\ufeff" + json.dumps([{"title": TITLE}]), ".json")
    assert (problems, [r.title for r in got]) == ([], [TITLE])


def test_problems_are_record_problems_in_line_order():
    text = jsonl("{", {"title": 1}, "[]", {"title": TITLE})
    problems = read_records(text, ".jsonl")[1]
    assert all(isinstance(p, RecordProblem) for p in problems)
    assert [p.line for p in problems] == [1, 2, 3]


# Issue #19: a record that Python's JSON reader cannot convert is one problem; the rest stays.

HUGE = "1" * 5001  # over Python's 4,300-digit limit on converting text to int


def test_issue_19_a_5001_digit_date_is_one_problem_and_the_other_records_stay():
    text = jsonl({"id": 1, "title": TITLE}, f'{{"id": 2, "title": "x", "date": {HUGE}}}', {"id": 3, "title": OTHER_TITLE})
    got, problems = read_records(text, ".jsonl")
    assert [(r.line, r.title) for r in got] == [(1, TITLE), (3, OTHER_TITLE)]
    assert [(p.line, p.reason) for p in problems] == [(2, "date is a number, not text")]


@pytest.mark.parametrize(
    "field, reason",
    [
        (f'"id": {HUGE}', "id is a number of 5001 digits, too long for an id"),
        (f'"guid": -{HUGE}', "guid is a number of 5001 digits, too long for an id"),
        (f'"body": [{HUGE}]', "body is a list holding a number, not text"),
        (f'"url": {HUGE}', "url is a number, not text"),
    ],
)
def test_a_huge_number_where_a_field_is_read_is_a_problem(field, reason):
    text = jsonl({"title": TITLE}, f'{{"title": "x", {field}}}', {"title": OTHER_TITLE})
    got, problems = read_records(text, ".jsonl")
    assert [(p.line, p.reason) for p in problems] == [(2, reason)]
    assert [r.line for r in got] == [1, 3]


def test_a_huge_number_in_a_field_not_read_keeps_the_article():
    text = jsonl({"title": TITLE}, f'{{"title": "{OTHER_TITLE}", "views": {HUGE}, "tags": [-{HUGE}]}}')
    got, problems = read_records(text, ".jsonl")
    assert problems == []
    assert [r.title for r in got] == [TITLE, OTHER_TITLE]


def test_a_lower_digit_limit_set_by_the_user_is_no_crash():
    # PYTHONINTMAXSTRDIGITS=640 makes int() refuse numbers that the 4,300 check lets through.
    limit = sys.get_int_max_str_digits()
    sys.set_int_max_str_digits(640)
    try:
        text = jsonl({"title": TITLE, "date": "2022-05-31"}, '{"title": "x", "id": ' + "7" * 1000 + "}")
        got, problems = read_records(text, ".jsonl")
    finally:
        sys.set_int_max_str_digits(limit)
    assert [r.date for r in got] == ["2022-05-31"]
    assert [(p.line, p.reason) for p in problems] == [(2, "id is a number of 1000 digits, too long for an id")]


def test_a_huge_number_in_a_json_list_is_a_problem_for_that_item_only():
    items = [{"title": TITLE}, {"title": "x", "date": 0}, {"title": OTHER_TITLE}]
    text = json.dumps(items, ensure_ascii=False, indent=2).replace('"date": 0', f'"date": {HUGE}')
    for suffix in (".json", ".jsonl"):  # a .jsonl holding one list is read as a list
        got, problems = read_records(text, suffix)
        assert [r.title for r in got] == [TITLE, OTHER_TITLE]
        assert [(p.line, p.reason) for p in problems] == [(5, "date is a number, not text")]


def test_one_huge_json_list_reads_every_item_and_its_problems():
    items = [{"id": n, "title": f"Bài {n}"} for n in range(20_000)]
    items[7_000] = {"id": "bad", "title": "x", "date": 0}
    text = json.dumps(items, ensure_ascii=False).replace('"date": 0', f'"date": {HUGE}')
    got, problems = read_records(text, ".json")
    assert len(got) == 19_999 and got[-1].title == "Bài 19999"
    assert [(p.line, p.reason) for p in problems] == [(1, "date is a number, not text")]


def test_a_grown_jsonl_reports_unconvertible_records_at_their_lines():
    grown = jsonl(f'{{"id": 9, "title": "x", "date": {HUGE}}}', {"id": 1, "title": "again"},
                  '{"id": 10, "title": "x", "url": "https://x.vn/\\ud800"}', "[" * 100_000, {"id": 11, "title": TITLE})
    got, problems = read_records(grown, ".jsonl", lines_before=3, seen={"1": 2})
    assert [(r.line, r.key) for r in got] == [(8, "11")]
    assert [(p.line, p.reason) for p in problems] == [
        (4, "date is a number, not text"),
        (5, "same id as line 2"),
        (6, "url holds a lone surrogate, not text"),
        (7, "not valid JSON (nested too deeply)"),
    ]


def test_lone_surrogates_in_text_become_spaces():
    # A scraper that cut "Công đoàn 😀" after the first half of the emoji wrote "\ud83d".
    text = '{"title": "Công đoàn \\ud83d", "body": ["Hà Nội\\udc00đã ký", "Chiều 31/5"], "date": "2022-05-31\\ud800"}\n'
    got, problems = read_records(text, ".jsonl")
    assert problems == []
    assert (got[0].title, got[0].body, got[0].date) == ("Công đoàn", "Hà Nội đã ký\nChiều 31/5", "2022-05-31")
    for value in (got[0].title, got[0].body, got[0].date):
        value.encode("utf-8")  # what the index and the terminal do with it


def test_a_whole_surrogate_pair_is_the_character_it_encodes():
    assert one({"title": "Công đoàn 😀"}).title == "Công đoàn 😀"
    assert read_records('{"title": "C\\ud83d\\ude00"}', ".jsonl")[0][0].title == "C😀"


@pytest.mark.parametrize(
    "fields, reason",
    [
        ('"id": "ldtd-\\ud800"', "id holds a lone surrogate, not text"),
        ('"_id": {"$oid": "65f\\udfff"}', "_id holds a lone surrogate, not text"),
        ('"url": "https://laodong.vn/\\ud800.html"', "url holds a lone surrogate, not text"),
        ('"link": "/a\\udc80"', "link holds a lone surrogate, not text"),
    ],
)
def test_a_lone_surrogate_in_an_id_or_address_is_a_problem(fields, reason):
    text = jsonl({"title": TITLE}, f'{{"title": "x", {fields}}}', {"title": OTHER_TITLE})
    got, problems = read_records(text, ".jsonl")
    assert [(p.line, p.reason) for p in problems] == [(2, reason)]
    assert [r.title for r in got] == [TITLE, OTHER_TITLE]


def test_a_lone_surrogate_in_a_json_list_is_a_problem_for_that_item_only():
    text = '[{"title": "a", "id": "\\ud800"},\n {"title": "b", "id": "\\ud800"},\n {"title": "c"}]'
    got, problems = read_records(text, ".json")
    assert [r.title for r in got] == ["c"]
    assert [(p.line, p.reason) for p in problems] == [(1, "id holds a lone surrogate, not text"),
                                                      (2, "id holds a lone surrogate, not text")]


@pytest.mark.parametrize(
    "value, shown",
    [("NaN", "NaN"), ("Infinity", "Infinity"), ("-Infinity", "-Infinity"), ("1e400", "Infinity")],
)
def test_nan_and_infinite_ids_are_problems(value, shown):
    # Two records with id NaN would otherwise both be "nan": the second refused as a copy.
    text = jsonl({"title": TITLE}, f'{{"title": "x", "id": {value}}}', f'{{"title": "y", "id": {value}}}')
    got, problems = read_records(text, ".jsonl")
    assert [r.title for r in got] == [TITLE]
    assert [(p.line, p.reason) for p in problems] == [(2, f"id is {shown}, not a finite number")] + [
        (3, f"id is {shown}, not a finite number")]


def test_nan_and_huge_floats_elsewhere_follow_the_field_rules():
    text = jsonl(
        f'{{"title": "{TITLE}", "score": NaN, "views": Infinity, "size": 1e400, "w": {"9" * 5000}.5}}',
        '{"title": "x", "date": NaN}',
        '{"title": "y", "id": 1e20}',
    )
    got, problems = read_records(text, ".jsonl")
    assert [(r.title, r.key) for r in got] == [(TITLE, "line-1"), ("y", "1e+20")]
    assert [(p.line, p.reason) for p in problems] == [(2, "date is a number, not text")]


def test_a_key_given_twice_counts_with_its_last_value():
    text = jsonl(
        f'{{"title": "first", "title": "{TITLE}"}}',
        f'{{"title": "{OTHER_TITLE}", "title": 5}}',
        '{"id": 1, "title": "a", "id": 2}',
        '{"id": 2, "title": "b"}',
    )
    got, problems = read_records(text, ".jsonl")
    assert [(r.line, r.title) for r in got] == [(1, TITLE), (3, "a")]
    assert [(p.line, p.reason) for p in problems] == [(2, "title is a number, not text"), (4, "same id as line 3")]


def test_deep_nesting_in_a_json_list_keeps_the_items_before_it():
    text = '[{"title": "a"},\n{"title": "b", "x": ' + "[" * 100_000 + "\n]"
    got, problems = read_records(text, ".json")
    assert [r.title for r in got] == ["a"]
    assert [(p.line, p.reason) for p in problems] == [(2, "not valid JSON (nested too deeply)")]


def test_html_comments_go_and_an_unclosed_one_stays_text():
    assert one({"title": TITLE, "body": "a<!-- x <p> y -->b <!-->c--> d <!-- e"}).body == "ab  d <!-- e"


def test_issue_19_load_file_keeps_the_good_records_beside_a_5001_digit_date(tmp_path):
    path = tmp_path / "scrape.jsonl"
    path.write_text(jsonl(
        {"id": "a", "title": TITLE, "body": PARAS[0], "date": "2022-05-31"},
        f'{{"id": "b", "title": "{OTHER_TITLE}", "date": {HUGE}}}',
        {"id": "c", "title": OTHER_TITLE, "body": PARAS[1]},
    ), "utf-8")
    loaded = load_file(path, "scrape.jsonl", "corpus/scrape.jsonl")
    assert [(a.id, a.title, a.line) for a in loaded.articles] == [("scrape#a", TITLE, 1), ("scrape#c", OTHER_TITLE, 3)]
    assert str(loaded.articles[0].date) == "2022-05-31"
    assert loaded.problems == ["line 2: date is a number, not text"]
