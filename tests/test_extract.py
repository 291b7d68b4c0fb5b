"""From scraped pages to articles, on the five real seeds and hostile variants of them."""

import codecs
import time
import unicodedata

import pytest

from lbsearch.extract import SkipFile, decode, extract, load_file
from lbsearch.text import fold_text

from .conftest import SEED_FILES, SEEDS, seed_text, to_cp1258


def article(stem: str):
    return load_file(SEEDS / f"{stem}.txt", f"{stem}.txt", f"seeds/{stem}.txt").articles[0]


EXPECTED = {
    "000_de9231ce01b27642": (
        "LĐLĐ quận Long Biên và LĐLĐ huyện Gia Lâm ký Quy chế phối hợp hoạt động",
        None, None, ["Long Biên", "Gia Lâm"],
    ),
    "001_6ae812ba00bba860": (
        "Phối hợp lãnh đạo, chỉ đạo hoạt động Công đoàn trong tình hình mới",
        "2022-05-31", "text", ["Đống Đa", "Hoàn Kiếm", "Hai Bà Trưng", "Long Biên", "Hoàng Mai"],
    ),
    "002_3030d9cee70eb42f": (
        "LĐLĐ quận Long Biên tiếp tục đổi mới hoạt động",
        None, None, ["Long Biên", "Hoàn Kiếm", "Đống Đa", "Hai Bà Trưng", "Ba Đình", "Hoàng Mai"],
    ),
    "003_b5d277c22c92321f": (
        "LĐLĐ Nghệ An và LĐLĐ TP Hà Nội ký kết chương trình phối hợp công tác",
        "2022-05-20", "byline", [],
    ),
    "004_c22b981af91ee202": (
        "Gia Lâm: Tập trung xây dựng tổ chức Công đoàn vững mạnh", None, None, ["Gia Lâm"],
    ),
}


@pytest.mark.parametrize("stem", sorted(EXPECTED))
def test_seed_title_date_and_districts(stem):
    title, iso, source, districts = EXPECTED[stem]
    got = article(stem)
    assert got.id == stem
    assert got.title == title
    assert (got.date.isoformat() if got.date else None) == iso
    assert got.date_source == source
    assert got.districts == districts


# Words that stand only in each seed's furniture: related lists, teasers, run-together headlines.
FURNITURE_ONLY = {
    "000_de9231ce01b27642": ["Tô Lâm", "camera giám sát", "Mỹ Đức", "Infographic", "laodongthudo"],
    "001_6ae812ba00bba860": ["Cầu Giấy", "870 đoàn viên", "iHanoi", "Tiktoker", "Phiên bản di động", "-->"],
    "002_3030d9cee70eb42f": ["100 triệu đồng", "Cán đích", "VNeID", "Sơn Tây", "Ứng Hoà", "B.Duy"],
    "003_b5d277c22c92321f": ["Bắc Đẩu", "Covid", "MICCO", "Long An", "17:40"],
    "004_c22b981af91ee202": ["được thành lập và đi vào hoạt động", "Thanh Trì", "Yên Nghĩa", "Selta", "|"],
}


@pytest.mark.parametrize("stem", sorted(FURNITURE_ONLY))
def test_furniture_is_not_part_of_the_article(stem):
    got = article(stem)
    text = f" {fold_text(got.title + ' ' + got.body)} "
    for phrase in FURNITURE_ONLY[stem]:
        assert phrase in seed_text(stem), "the phrase must really be in the page"
        if any(ch.isalnum() for ch in phrase):
            assert f" {fold_text(phrase)} " not in text, phrase
        else:
            assert phrase not in got.body, phrase


def test_article_text_next_to_furniture_is_kept():
    assert "Lixil" in article("004_c22b981af91ee202").body  # a caption in table pipes
    assert "Quang cảnh hội nghị." in article("000_de9231ce01b27642").body
    assert article("001_6ae812ba00bba860").body.startswith("(LĐTĐ) Chiều 31/5")
    assert article("003_b5d277c22c92321f").body.endswith("giai đoạn 2022-2027.")


def test_dates_in_related_lists_are_not_the_article_date():
    # 004 has no byline and its related list is full of 12/2025 dates
    assert "05/12/2025" in seed_text("004_c22b981af91ee202")
    assert article("004_c22b981af91ee202").date is None


def test_lead_day_month_without_a_certain_year_gives_no_date():
    page = "Tiêu đề\nChiều 31/5, hội nghị đã diễn ra. Kế hoạch ngày 28/7/2021 được nhắc lại.\n"
    assert extract(page, "x", "x").date is None  # 2022 is never named: not certain
    page_with_year = page.replace("diễn ra.", "diễn ra, giai đoạn 2022-2025.")
    assert extract(page_with_year, "x", "x").date.isoformat() == "2022-05-31"
    assert extract("Tiêu đề\nNgày 16/6/2023, tại Hà Nội.\n", "x", "x").date.isoformat() == "2023-06-16"


def _variants(raw: bytes, text: str):
    yield "utf-8 with BOM", codecs.BOM_UTF8 + raw
    yield "utf-16-le with BOM", codecs.BOM_UTF16_LE + text.encode("utf-16-le")
    yield "utf-16-be with BOM", codecs.BOM_UTF16_BE + text.encode("utf-16-be")
    yield "utf-32 with BOM", text.encode("utf-32")
    yield "windows-1258", to_cp1258(text)
    yield "NFD", unicodedata.normalize("NFD", text).encode("utf-8")
    yield "CRLF", text.replace("\n", "\r\n").encode("utf-8")
    yield "zero-width and eth", text.replace(" ", " \u200b", 3).replace("Đ", "\u00d0").encode("utf-8")


@pytest.mark.parametrize("path", SEED_FILES, ids=lambda p: p.stem)
def test_other_encodings_and_forms_give_the_same_article(path):
    raw = path.read_bytes()
    expected = extract(decode(raw), path.stem, "p")
    for name, data in _variants(raw, raw.decode("utf-8")):
        got = extract(decode(data), path.stem, "p")
        assert (got.title, got.date, got.districts) == (expected.title, expected.date, expected.districts), name
        assert fold_text(got.body) == fold_text(expected.body), name


@pytest.mark.parametrize(
    "data, reason",
    [(b"", "empty"), (b"  \n\n", "empty"), (b"\x00\x01\x02PK\x03\x04" * 50, "binary"),
     (b"\x81\x8d\x8f\x90\x9d" * 20, "not UTF-8")],
)
def test_unreadable_content_is_skipped_with_a_reason(data, reason):
    with pytest.raises(SkipFile, match=reason):
        decode(data)


def test_truncated_utf8_is_still_read_as_utf8():
    raw = (SEEDS / "000_de9231ce01b27642.txt").read_bytes()
    cut = next(raw[:n] for n in range(100, 120) if raw[n - 1] >= 0xC0)  # ends inside a character
    with pytest.raises(UnicodeDecodeError):
        cut.decode("utf-8")
    assert decode(cut).startswith("LĐLĐ quận Long Biên")


def test_a_page_of_furniture_only_is_skipped():
    with pytest.raises(SkipFile):
        extract("Có thể bạn quan tâm\nTin khác\n", "x", "x")


# --- where an article starts and ends ---------------------------------------------------------

P1 = "Chiều 3/12, Liên đoàn Lao động quận Long Biên tổ chức hội nghị giao ban cụm thi đua công đoàn."
P2 = "Phát biểu tại hội nghị, Chủ tịch LĐLĐ quận cho biết năm 2025 sẽ đổi mới phương thức hoạt động."
P3 = "Theo đó, các cụm thi đua được tăng quyền chủ động đề xuất và tổ chức các hoạt động của mình."
P4 = "Kết thúc hội nghị, các đại biểu thống nhất kế hoạch chăm lo Tết cho đoàn viên, người lao động."


def _body(*lines: str) -> list[str]:
    return extract("\n".join(["Hội nghị giao ban cụm thi đua", *lines]), "x", "x").body.split("\n")


@pytest.mark.parametrize("box", [
    ["Tin liên quan", "[Công nhân Sóc Sơn nhận quà Tết sớm](https://laodongthudo.vn/a-1.html)",
     "[Mê Linh khánh thành nhà văn hóa công nhân](https://laodongthudo.vn/a-2.html)"],
    ["Xem thêm:", "Công nhân Sóc Sơn nhận quà Tết sớm", "Mê Linh khánh thành nhà văn hóa công nhân"],
    ["ĐỌC THÊM", "![](https://laodongthudo.vn/a.jpg) [Công nhân Sóc Sơn nhận quà Tết sớm](https://x.vn/a)"],
    ["Tham khảo thêm", "Công nhân Sóc Sơn nhận quà Tết sớm", "Tham khảo thêm", "Mê Linh có nhà văn hóa công nhân"],
])
def test_an_inline_box_is_cut_out_and_the_article_goes_on(box):
    assert _body(P1, P2, *box, P3, P4) == [P1, P2, P3, P4]


def test_a_list_after_the_article_is_not_taken_for_its_continuation():
    # headlines alternate with their teasers (or repeat, as an image's text and as a link),
    # even headlines that end in a quotation: never two paragraphs in a row
    teaser = "(LĐTĐ) Ngày 23/1, cơ quan điều tra đã ra quyết định khởi tố vụ án, khởi tố bị can."
    quoted = "Khởi tố Tiktoker Nam Birthday về tội “Chống người thi hành công vụ”"
    assert _body(P1, P2, "Có thể bạn quan tâm", "Nên xem", quoted, quoted, teaser, quoted, teaser) == [P1, P2]
    assert _body(P1, "Tin khác", "Hoạt động 13/02/2025 19:56", teaser, "Hoạt động 12/02/2025 17:31", teaser) == [P1]


@pytest.mark.parametrize("widget", [
    ["Bình luận (0)", "Ý kiến của bạn sẽ được biên tập trước khi đăng, xin vui lòng viết bằng tiếng Việt có dấu."],
    ["Trở thành người đầu tiên tặng sao cho bài viết 0 0 0", P3],
    ["Theo Đại Đoàn kết Copy link", "Link bài gốc Lấy link! https://daidoanket.vn/a.html"],
    ["Chia sẻ", "Facebook", P3, P4],
    ["Từ khóa:", "công đoàn", "Long Biên"],
    ["© Bản quyền thuộc Báo Lao Động Thủ Đô.", "Giấy phép số 91/GP-BTTTT cấp ngày 1/1/2024.", P3, P4],
    ["Gia hạn tài khoản bạn đọc VIP", P3, P4],
])
def test_the_article_ends_at_a_widget_that_only_follows_articles(widget):
    assert _body(P1, P2, *widget) == [P1, P2]


@pytest.mark.parametrize("tail", [
    ["Hà Thu (tổng hợp)"], ["XUÂN LONG"], ["Theo Hồ Hương", "Đại Đoàn kết"], ["Anh Minh", "Trở lại Kinh doanh"],
    # another article's linked headline and its teaser
    ["[Công nhân Sóc Sơn nhận quà Tết sớm](https://x.vn/a)", "Đoàn viên công đoàn huyện Sóc Sơn vui mừng nhận quà."],
])
def test_what_follows_the_last_sentence_is_left_out(tail):
    assert _body(P1, P2, P3, *tail) == [P1, P2, P3]


def test_the_article_starts_at_its_first_sentence_and_the_byline_still_dates_it():
    got = extract("\n".join(["Cổ phiếu FLC được giao dịch trở lại", "Duy Anh", "Xem các bài viết của tác giả",
                             "Sao chép liên kết", "07/03/2026 08:52 (GMT+07:00)", P1, P2]), "x", "x")
    assert got.body.split("\n") == [P1, P2]
    assert (got.date.isoformat(), got.date_source) == ("2026-03-07", "byline")
    # a byline after the lead (baochinhphu) is left out too
    got = extract("\n".join(["Chính sách mới", P1, "01/03/2026 09:51", P2]), "x", "x")
    assert got.body.split("\n") == [P1, P2] and got.date.isoformat() == "2026-03-01"


def test_a_text_without_sentences_is_kept_as_it_is():
    # a record's body may be a few words: with no sentence to start or end at, nothing is cut
    assert extract("Tiêu đề\ncông đoàn quận Long Biên\nLĐLĐ", "x", "x").body == "công đoàn quận Long Biên\nLĐLĐ"


# --- hostile text ----------------------------------------------------------------------------

@pytest.mark.parametrize("line", ["[" * 400_000, "![" * 200_000, "[x](" * 100_000, "<a" * 200_000, "a |" * 100_000])
def test_a_huge_line_of_markup_is_read_in_bounded_time(line):
    # "[" * 200_000 took 195 s before the markup patterns were bounded
    start = time.perf_counter()
    article = extract(f"Tiêu đề\n{P1}\n{line}\n{P2}", "x", "x")
    assert time.perf_counter() - start < 5
    assert article.lead == P1 and article.body.endswith(P2)


def test_millions_of_lines_are_not_one_article():
    start = time.perf_counter()
    with pytest.raises(SkipFile, match="20,000 lines"):
        extract("Tiêu đề\n" + "Dòng ngắn.\n" * 1_000_000, "x", "x")
    assert time.perf_counter() - start < 5


@pytest.mark.parametrize("text, keys", [
    ("Ở huyện Ba Vì và quận Ba Đình, lại Ba Vì", ["ba-vi", "ba-dinh"]),  # in order of first mention
    ("ba vì, Ba Vĩ", []),  # a name is capitalised, with its own accents
    ("Ba Vi", ["ba-vi"]),  # or with none
    ("LĐLĐ LONG BIÊN họp", ["long-bien"]),
    ("ỨNG HÒA và Ứng Hoà", ["ung-hoa"]),  # any tone placement
    ("thị xã Hoàng Mai, tỉnh Nghệ An", []),  # another province's
    ("xLong Biên, 2Long Biên, x\u0301Long Biên, Long  Biên", []),  # inside a word; not standing together
])
def test_districts_are_found_by_their_written_names(text, keys):
    from lbsearch.places import find_districts

    assert [d.key for d in find_districts(text)] == keys
