"""Folding, tone placement and cleaning: the text every other layer relies on."""

import unicodedata

from lbsearch.text import canonical_tones, clean, exact, fold_text, printable


def test_fold_removes_accents_and_case_and_maps_d():
    assert fold_text("Quy chế phối hợp") == "quy che phoi hop"
    assert fold_text("QUY CHẾ PHỐI HỢP") == "quy che phoi hop"
    assert fold_text("Đường đi") == "duong di"


def test_decomposed_text_folds_like_composed():
    nfd = unicodedata.normalize("NFD", "Liên đoàn Lao động hợp tác")
    assert nfd != "Liên đoàn Lao động hợp tác"
    # Whoosh's stock accent map turns NFD "hợp" into "hơlp"; ours must not.
    assert fold_text(nfd) == "lien doan lao dong hop tac"


def test_half_composed_text_folds_like_composed():
    half = "h\u01a1\u0323p"  # ơ + combining dot below
    assert fold_text(half) == "hop"
    assert exact(unicodedata.normalize("NFC", half)) == "hợp"


def test_tone_placement_has_one_canonical_form():
    for new_style, old_style in [("hoà", "hòa"), ("thuỷ", "thủy"), ("khoẻ", "khỏe"), ("Hoà", "Hòa")]:
        assert canonical_tones(new_style) == old_style
        assert exact(new_style) == exact(old_style)
    # with a final consonant, or with "qu", both styles agree already
    assert canonical_tones("hoàn") == "hoàn"
    assert canonical_tones("quý") == "quý"


def test_clean_turns_invisible_and_control_characters_into_spaces():
    assert clean("đoàn\u200bLao") == "đoàn Lao"
    assert clean("a\x1b[31mb") == "a [31mb"
    assert clean("line\r\nnext\rlast") == "line\nnext\nlast"
    assert clean("\u00d0oàn") == "Đoàn"  # eth look-alike


def test_printable_keeps_length_so_offsets_stay_valid():
    hostile = "x\x1b[2Jy\u202ez"
    assert len(printable(hostile)) == len(hostile)
    assert "\x1b" not in printable(hostile) and "\u202e" not in printable(hostile)


def test_the_fast_fold_of_vietnamese_letters_agrees_with_unidecode():
    from unidecode import unidecode

    from lbsearch.text import fold

    letters = "àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ"
    for ch in letters + letters.upper() + "".join(map(chr, range(128))):
        assert fold(ch) == unidecode(ch.lower()).replace(" ", "").lower(), repr(ch)
    assert fold("Nghiêng") == "nghieng" and fold("ĐƯỜNG") == "duong"
    assert fold("Straße") == "strasse" and fold("北京") == "beijing"  # the rest: unidecode
